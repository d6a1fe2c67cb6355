"""PL302: `workflow.parameters.X` names no parameter of `spec.arguments.parameters`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class UnknownWorkflowParameter(ScopeMessage):
    """What: `workflow.parameters.X` names no parameter of `spec.arguments.parameters`.

    Why: Argo leaves the tag verbatim or rejects the workflow; the step then runs with the
    literal text `{{workflow.parameters.X}}`.
    Fix: declare it under `spec.arguments.parameters`, or correct the spelling.
    """

    code = "PL302"
    hint = 'declare it under spec.arguments.parameters'

    def text(self) -> str:
        return f"unknown workflow parameter {self.name!r}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.UNKNOWN_WORKFLOW_PARAMETER, UnknownWorkflowParameter)
