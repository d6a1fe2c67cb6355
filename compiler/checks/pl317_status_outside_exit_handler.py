"""PL317: `workflow.status` read outside an exit handler, where it is always `Running`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class StatusOutsideExitHandler(ScopeMessage):
    """What: `workflow.status` used outside an exit handler or hook.

    Why: while the workflow runs its status is `Running`; only exit handlers see the
    final `Succeeded`, `Failed` or `Error`, so a test such as `== Failed` never holds here.
    Fix: move the logic into the `onExit` template, or use `steps.X.status` of a step.
    """

    code = "PL317"
    severity = Severity.WARNING
    hint = "outside exit handlers workflow.status is always 'Running'"

    def text(self) -> str:
        return "workflow.status read outside an exit handler"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.STATUS_OUTSIDE_EXIT_HANDLER, StatusOutsideExitHandler)
