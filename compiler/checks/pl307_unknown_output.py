"""PL307: a reference names an output parameter or artifact that the producing template"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class UnknownOutput(ScopeMessage):
    """What: a reference names an output parameter or artifact that the producing template
    does not declare.

    Why: Argo fails the consuming node with "unable to resolve" when it is reached.
    Fix: declare the output in the producer's `outputs`, or correct the spelling.
    """

    code = "PL307"
    hint = "declare it under the producing template's outputs"

    def text(self) -> str:
        return f"unknown output {self.detail}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.UNKNOWN_OUTPUT, UnknownOutput)
