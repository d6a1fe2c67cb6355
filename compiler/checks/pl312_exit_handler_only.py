"""PL312: `workflow.failures` outside an exit handler or hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class ExitHandlerOnly(ScopeMessage):
    """What: `workflow.failures` outside an exit handler or hook.

    Why: `workflow.failures` exists only in exit handlers (and the templates they call);
    elsewhere Argo rejects the tag.
    Fix: read it in the `onExit` template.
    """

    code = "PL312"
    hint = 'use it in the onExit template (or a template it calls)'

    def text(self) -> str:
        return f"{self.name} is only set in exit handlers"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.EXIT_HANDLER_ONLY, ExitHandlerOnly)
