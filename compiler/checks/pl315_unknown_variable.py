"""PL315: a reference under a known prefix (`workflow.`, `inputs.`, `steps.X.`, `tasks.X.`)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class UnknownVariable(ScopeMessage):
    """What: a reference under a known prefix (`workflow.`, `inputs.`, `steps.X.`, `tasks.X.`)
    that names no variable, e.g. `workflow.paramters.x` or `steps.a.output.result`.

    Why: Argo rejects it at submit or leaves it verbatim. Fix: correct the spelling.
    """

    code = "PL315"
    hint = 'see the variables reference: workflow.*, inputs.*, steps.X.*, tasks.X.*, item'

    def text(self) -> str:
        return f"unknown variable {self.name!r}" + (f": {self.detail}" if self.detail else "")


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.UNKNOWN_VARIABLE, UnknownVariable)
