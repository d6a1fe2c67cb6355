"""PL360: a step, task or hook argument parameter without `value` or `valueFrom`
(spec §19 rules 42 and 49)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import calls
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow


@dataclass(frozen=True)
class ArgumentWithoutValue(Message):
    """What: an entry of a step's, task's or hook's `arguments.parameters` has a name but
    no `value` (nor `valueFrom`).

    Why: unlike `spec.arguments`, which may be given at submit, a step's arguments are
    fixed in the document; Argo rejects the workflow ("...arguments.X.value is required").
    Fix: give the value, or drop the argument to let the input's default apply.

        arguments:
          parameters:
          - name: message
        # fix:
          - name: message
            value: "{{steps.generate.outputs.result}}"
    """

    code = "PL360"
    name: str = ""
    role: str = ""

    def text(self) -> str:
        return f"{self.role} argument {self.name!r} has no value"

    def hint_text(self) -> str | None:
        return "add `value: ...`, or remove the argument so the input's default applies"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        if not call.own_arguments:
            continue
        for param in call.arguments.parameters:
            raw = param.raw
            if raw.get("value") is None and raw.get("valueFrom") is None:
                yield ArgumentWithoutValue(param.name_span, param.name, call.label)
