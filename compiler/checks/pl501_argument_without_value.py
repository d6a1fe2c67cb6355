"""PL501: a workflow argument parameter that will have no value (spec §19 rule 9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow


@dataclass(frozen=True)
class ArgumentWithoutValue(Message):
    """What: a `spec.arguments.parameters` entry with neither `value` nor `valueFrom`, in a
    CronWorkflow, or in a Workflow checked with `-p` values that do not supply it.

    Why: Argo's submit validation rejects it ("spec.arguments.x.value is required"); a
    CronWorkflow is validated that way and its runs get no `-p`. A WorkflowTemplate may
    leave it empty (the caller supplies it); a Workflow checked without `-p` gets the
    warning PL531 instead. Fix: give it a value.

        arguments:
          parameters:
          - name: message
        # fix:
          - name: message
            value: hello
    """

    code = "PL501"
    name: str
    kind: str

    def text(self) -> str:
        return f"argument parameter {self.name!r} has no value"

    def hint_text(self) -> str | None:
        if self.kind == "CronWorkflow":
            return "add 'value:' (a CronWorkflow's runs get no -p parameters)"
        return f"add 'value:' or pass -p {self.name}=..."


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.is_library:
        return
    supplied = ctx.parameters
    for param in wf.arguments.parameters:
        if not param.name or param.has_value or "valueFrom" in param.raw:
            continue
        if supplied is not None and param.name in supplied:
            continue
        if wf.kind == "CronWorkflow" or supplied is not None:
            yield ArgumentWithoutValue(param.name_span, param.name, wf.kind)
