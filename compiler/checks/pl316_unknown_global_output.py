"""PL316: `workflow.outputs.parameters.X` (or `.artifacts.X`) with no output that has"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class UnknownGlobalOutput(ScopeMessage):
    """What: `workflow.outputs.parameters.X` (or `.artifacts.X`) with no output that has
    `globalName: X`.

    Why: the global output never exists, so the reference stays unresolved.
    Fix: add `globalName: X` to the producing output.
    """

    code = "PL316"
    hint = 'export it with `globalName` on an output'

    def text(self) -> str:
        return f"no output {self.detail[:-1]} has globalName {self.name!r}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.UNKNOWN_GLOBAL_OUTPUT, UnknownGlobalOutput)
