"""Regenerate the diagnostic-code table in README.md from the message classes.

The table sits between `<!-- codes-table -->` and `<!-- /codes-table -->`; each row is
code, severity and the first line of the class docstring (what `plait explain` prints).
Run: python3 tools/gen_codes_table.py  (or --check to fail when it is out of date).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plait.compiler.diagnostics import message_classes  # noqa: E402

START, END = "<!-- codes-table -->", "<!-- /codes-table -->"


def summary(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    what = doc.split("\n\n", 1)[0].removeprefix("What:").strip()
    return " ".join(what.split()).replace("|", "\\|")


def table() -> str:
    rows = ["| code | severity | what it finds |", "|---|---|---|"]
    for code, classes in message_classes().items():
        rows.append(f"| {code} | {classes[0].severity.value} | {summary(classes[0])} |")
    return "\n".join(rows)


def render(readme: str) -> str:
    block = f"{START}\n{table()}\n{END}"
    if END in readme:
        return re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, readme, flags=re.S)
    return readme.replace(START, block)


def main() -> int:
    path = ROOT / "README.md"
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in sys.argv:
        return 0 if new == old else 1
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
