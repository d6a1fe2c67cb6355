"""Prints how fast the grammar reads typical strings: 100,000 strings, one in five with a
`{{inputs.parameters.pN}}` tag (the shape of a large workflow's fields).
Budget: well under 1 s. Run: python3 bench/grammar_speed.py"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plait.grammar import parse_template  # noqa: E402


def main() -> None:
    parse_template("{{=1}}")  # build the parser outside the timing
    strings = [f"value {i}" if i % 5 else f"echo {{{{inputs.parameters.p{i}}}}}"
               for i in range(100_000)]
    start = time.perf_counter()
    for s in strings:
        parse_template(s)
    took = time.perf_counter() - start
    verdict = "ok" if took < 1.0 else "OVER BUDGET"
    print(f"parse_template x 100,000 typical strings   {took:.3f} s   budget 1 s  {verdict}")


if __name__ == "__main__":
    main()
