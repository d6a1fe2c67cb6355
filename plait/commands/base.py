"""What every verb shares: exit codes, the usage-error exception and the views' clock.

Exit codes everywhere: 0 ok, 1 findings (or a failed workflow), 2 usage error,
3 internal error.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
WAIT_POLL = 0.2           # seconds between two looks at a run that is being followed


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


class NoRun(UsageError):
    """NAME names no stored run (exit 1, as `plait logs` does)."""


def now() -> float:
    """The clock of the run views (tests fix it)."""
    return time.time()


Verb = Callable[[argparse.Namespace], int]


def write_output(text: str, path: str | None) -> None:
    """`-o FILE` if given, else standard output: where compile and dot put what they made."""
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


def runs_verb(func: Verb) -> Verb:
    """A run-management verb: `NoRun` is a finding (exit 1), not a usage error."""
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except NoRun as exc:
            print(f"plait: error: {exc}", file=sys.stderr)
            return EXIT_FINDINGS
    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return wrapped
