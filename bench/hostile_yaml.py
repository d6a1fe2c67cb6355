"""How long the loader takes to refuse (or accept) hostile YAML, and the fast schema validator on
a huge DAG; prints each time next to its budget. The tests (tests/compiler/test_loader.py,
tests/compiler/test_schema.py) assert what happens; this script measures how fast.

    python bench/hostile_yaml.py

Budgets: deep nesting and alias bombs are refused within 5 s, a 50 MB scalar loads within 10 s,
the validator checks a 10,000-task DAG within 2 s, the text report of 2,000 findings that follow
5 MB of text prints within 2 s (it was quadratic: 21 s). The script itself always exits 0.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

BUDGET_REFUSE = 5.0        # seconds: deep nesting, alias bomb
BUDGET_LARGE_SCALAR = 10.0  # seconds: one 50 MB string
BUDGET_VALIDATE = 2.0      # seconds: plait.compiler.schema.validate on a 10,000-task DAG
BUDGET_REPORT = 2.0        # seconds: format_text of 2,000 findings after 5 MB of text


def alias_bomb() -> str:
    """Ten levels of ten aliases each: 10**10 nodes if expanded."""
    lines = ["kind: Workflow", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "100,000 nested [": "kind: Workflow\na: " + "[" * 100_000 + "]" * 100_000,
    "100,000 nested {": "kind: Workflow\na: " + "{" * 100_000 + "}" * 100_000,
    "3,000 indentation levels": "kind: Workflow\n" + "".join(" " * (2 * i) + "a:\n" for i in range(3000))
                                + " " * 6000 + "b: 1\n",
    "100,000 nested sequences": "kind: Workflow\na: " + "- " * 100_000 + "x\n",
    "alias bomb (10**10 nodes)": alias_bomb(),
}


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def line(label: str, seconds: float, budget: float, note: str = "") -> None:
    mark = "ok" if seconds <= budget else "OVER BUDGET"
    print(f"{label:<44} {seconds:>8.3f} s   budget {budget:.0f} s  {mark}{note}")


def main() -> int:
    from gen_dag import generate

    from plait.compiler.diagnostics import Diagnostic, Severity
    from plait.compiler.report import format_text
    from plait.compiler.schema import validate
    from plait.compiler.source import load_text

    for label, text in HOSTILE.items():
        seconds, loaded = timed(lambda t=text: load_text(t, "hostile.yaml"))
        codes = sorted({m.code for m in loaded.messages})
        line(f"refuse {label}", seconds, BUDGET_REFUSE, f"  ({', '.join(codes) or 'not refused!'})")
    big = "kind: Workflow\nmetadata: {name: big}\nspec:\n  x: \"" + "y" * 50_000_000 + "\"\n"
    seconds, _ = timed(lambda: load_text(big, "big.yaml"))
    line("load a 50 MB scalar", seconds, BUDGET_LARGE_SCALAR)
    text = generate(10_000)
    doc = load_text(text, "dag.yaml").documents[0]
    validate(doc)                                   # compile the schema first
    seconds, messages = timed(lambda: validate(doc))
    line(f"validate a 10,000-task DAG ({len(text) / 1e6:.1f} MB)", seconds, BUDGET_VALIDATE,
         f"  ({len(messages)} message(s))")
    padded = "# " + "p" * 2000 + "\n"
    report = padded * 2500 + "x: 1\n" * 2000
    found = [Diagnostic("big.yaml", 2500 + i, 1, 2500 + i, 2, Severity.ERROR, "PL000", "m", None)
             for i in range(1, 2001)]
    seconds, _ = timed(lambda: format_text(found, {"big.yaml": report}))
    line("text report: 2,000 findings after 5 MB", seconds, BUDGET_REPORT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
