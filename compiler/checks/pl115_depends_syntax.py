"""PL115: a DAG task's `depends` does not parse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import depends_errors
from ..model import Workflow
from .grammar_errors import GrammarMessage, error_span


@dataclass(frozen=True)
class DependsSyntax(GrammarMessage):
    """What: a DAG task's `depends` is not a valid dependency expression.

    Why: Argo evaluates `depends` with task names joined by `&&`, `||`, `!` and
    parentheses, each name optionally followed by `.Result`; anything else makes the
    task Error when the DAG runs. Fix: correct the expression at the position shown.

    ```yaml
    # wrong
    depends: "extract & transform"
    # right
    depends: "extract && transform"
    ```
    """

    code = "PL115"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for depends, e in depends_errors(wf):
        if e.code == DependsSyntax.code:
            yield DependsSyntax(error_span(depends, e.start, e.end), message=e.message, fix=e.hint)

