"""PL305: a step refers to a step of the same or a later group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class StepNotEarlier(ScopeMessage):
    """What: a step refers to a step of the same or a later group.

    Why: steps of a group run in parallel and groups run in order, so the value never
    exists when this step starts; Argo's validator lets it through and the workflow waits
    forever. Fix: put the producing step in an earlier group.
    """

    code = "PL305"
    hint = 'move the step to an earlier group (a new `- -` entry before this one)'

    def text(self) -> str:
        return f"step {self.name!r} is in {self.detail}: its outputs do not exist yet"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.STEP_NOT_EARLIER, StepNotEarlier)
