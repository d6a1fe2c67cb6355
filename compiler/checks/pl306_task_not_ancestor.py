"""PL306: a DAG task refers to a task it does not (transitively) depend on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class TaskNotAncestor(ScopeMessage):
    """What: a DAG task refers to a task it does not (transitively) depend on.

    Why: nothing orders the two tasks, so the value may not exist when this task starts;
    Argo's validator lets it through and the task waits forever.
    Fix: add the task to this task's `dependencies` or `depends`.
    """

    code = "PL306"
    hint = 'add it to `dependencies` (or `depends`) of this task'

    def text(self) -> str:
        return f"task {self.name!r} is not a dependency of {self.detail!r}: its outputs may not exist yet"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.TASK_NOT_ANCESTOR, TaskNotAncestor)
