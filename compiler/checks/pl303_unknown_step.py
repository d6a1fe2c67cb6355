"""PL303: `steps.X` names no step of the enclosing steps template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class UnknownStep(ScopeMessage):
    """What: `steps.X` names no step of the enclosing steps template.

    Why: the reference never resolves: Argo rejects it or waits for it forever.
    Fix: correct the step name; steps of other templates are not visible.
    """

    code = "PL303"
    hint = 'name a step of this steps template'

    def text(self) -> str:
        return f"unknown step {self.name!r}" + (f" ({self.detail})" if self.detail else "")


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.UNKNOWN_STEP, UnknownStep)
