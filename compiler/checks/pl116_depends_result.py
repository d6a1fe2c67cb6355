"""PL116: a `depends` names a task result that does not exist (`A.Succeded`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import depends_errors
from ..model import Workflow
from .grammar_errors import GrammarMessage, error_span


@dataclass(frozen=True)
class UnknownDependsResult(GrammarMessage):
    """What: a `depends` expression asks for a task result Argo does not know.

    Why: the results are Succeeded, Failed, Errored, Skipped, Omitted, Daemoned,
    AnySucceeded and AllFailed (case matters); any other word fails the DAG at run time.
    Fix: use one of those results, or the bare task name for "succeeded or skipped".

    ```yaml
    # wrong
    depends: "build.Succeded"
    # right
    depends: "build.Succeeded"
    ```
    """

    code = "PL116"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for depends, e in depends_errors(wf):
        if e.code == UnknownDependsResult.code:
            yield UnknownDependsResult(error_span(depends, e.start, e.end), message=e.message, fix=e.hint)
