"""The static checks CI runs before the tests: ruff, mypy and the import-layer contracts.

Run: python3 tools/lint.py  (part of the README's test command, so `.ci/run` runs it).
Each tool runs from the repository root with its configuration in pyproject.toml
([tool.ruff], [tool.mypy], [tool.importlinter]) and the interpreter running this script, so
the versions are the ones the `test` extra installed. All three run even when one fails (one
CI run shows every problem); the exit status is 1 when any of them failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (what it guards, command). import-linter has no `python -m` entry: its console script's
# function is called instead, which works wherever the package is importable.
CHECKS: tuple[tuple[str, list[str]], ...] = (
    ("ruff (mistakes and import order)", [sys.executable, "-m", "ruff", "check", "."]),
    ("mypy (types)", [sys.executable, "-m", "mypy"]),
    ("import-linter (layers)",
     [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; "
                            "c(['--no-logo'])"]),
)


def main() -> int:
    failed = []
    for name, argv in CHECKS:
        print(f"== {name}", flush=True)
        if subprocess.run(argv, cwd=ROOT).returncode != 0:
            failed.append(name)
    if failed:
        print(f"lint: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("lint: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
