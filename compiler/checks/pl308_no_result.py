"""PL308: `outputs.result` or `exitCode` of a step whose template produces none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class NoResult(ScopeMessage):
    """What: `outputs.result` or `exitCode` of a step whose template produces none.

    Why: only container, script, containerSet (with `main`), data, http and plugin nodes
    capture stdout and an exit code; Argo rejects the reference at submit.
    Fix: declare an output parameter in the called steps/dag template and use it.
    """

    code = "PL308"
    hint = 'only container, script, containerSet (with main), data, http and plugin templates have a result'

    def text(self) -> str:
        return f"step {self.name!r} has no outputs.result or exitCode: its template {self.detail} produces none"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.NO_RESULT, NoResult)
