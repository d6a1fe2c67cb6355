"""PL301: a tag names an input parameter or artifact the template does not declare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class UnknownInput(ScopeMessage):
    """What: a tag names an input parameter or artifact the template does not declare.

    Why: Argo rejects it at submit ("failed to resolve {{inputs.parameters.x}}"), or, in an
    expression, leaves it unresolved until the node fails at run time.
    Fix: declare it under `inputs.parameters`, or correct the spelling:
    `args: ["{{inputs.parameters.mesage}}"]` -> `"{{inputs.parameters.message}}"`.
    """

    code = "PL301"
    hint = "declare it under the template's inputs"

    def text(self) -> str:
        return f"unknown input {self.detail} {self.name!r}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.UNKNOWN_INPUT, UnknownInput)
