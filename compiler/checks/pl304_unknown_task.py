"""PL304: `tasks.X` names no task of the enclosing DAG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class UnknownTask(ScopeMessage):
    """What: `tasks.X` names no task of the enclosing DAG.

    Why: the reference never resolves: Argo rejects it or waits for it forever.
    Fix: correct the task name; tasks of other DAGs are not visible.
    """

    code = "PL304"
    hint = 'name a task of this DAG'

    def text(self) -> str:
        return f"unknown task {self.name!r}" + (f" ({self.detail})" if self.detail else "")


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.UNKNOWN_TASK, UnknownTask)
