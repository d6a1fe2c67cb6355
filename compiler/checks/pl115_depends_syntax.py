"""PL115: a DAG task's `depends` does not parse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from grammar import GrammarError

from ..context import Context
from ..diagnostics import Message, Span
from ..graphs import depends_errors
from ..model import Workflow
from ..source import YStr
from .grammar_errors import GrammarMessage


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
            yield DependsSyntax(_span(depends, e), message=e.message, fix=e.hint)


def _span(depends: YStr, e: GrammarError) -> Span:
    """The error's characters; for "unexpected end", the last character of the text."""
    if e.start >= len(depends.rstrip()) and depends.strip():
        last = len(depends.rstrip()) - 1
        return depends.locate(last, last + 1)
    return depends.locate(e.start, max(e.end, e.start + 1))
