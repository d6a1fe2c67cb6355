"""PL356: a call does not supply an input parameter that has no value or default
(spec §19 rule 38)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import How, call_arguments, calls, checks_inputs, resolve
from ..context import Context
from ..diagnostics import Message
from ..model import Parameter, Workflow


@dataclass(frozen=True)
class MissingInputParameter(Message):
    """What: the called template declares `inputs.parameters.X` with no `value` and no
    `default`, and the call passes no argument X. Calls are steps, DAG tasks and hooks
    (their `arguments`), the entrypoint and the exit handler (`spec.arguments`), and
    `templateRef` targets found among the files given.

    Why: Argo rejects the workflow: "inputs.parameters.X was not supplied".
    Fix: pass the argument, or give the input a `default`.

        - name: hello
          template: print-message          # inputs: parameters: [{name: message}]
        # fix:
        - name: hello
          template: print-message
          arguments:
            parameters: [{name: message, value: hi}]
    """

    code = "PL356"
    name: str = ""
    template: str = ""
    role: str = ""

    def text(self) -> str:
        return f"inputs.parameters.{self.name} was not supplied: the {self.role} calls {self.template!r} without it"

    def hint_text(self) -> str | None:
        where = "spec.arguments.parameters" if self.role in ("entrypoint", "exit handler") else "arguments.parameters"
        return f"pass {self.name!r} in {where}, or give the input a default"


def supplied(param: Parameter) -> bool:
    """An input parameter that has its own value (`value`, `default` or `valueFrom`)."""
    raw = param.raw
    return any(raw.get(k) is not None for k in ("value", "default", "valueFrom"))


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        if not checks_inputs(wf, call):
            continue
        target = resolve(wf, ctx, call)
        if target.how not in (How.LOCAL, How.REF) or target.template is None:
            continue
        given = {p.name for p in call_arguments(wf, ctx, call, target).parameters}
        for param in target.template.inputs.parameters:
            if param.name and param.name not in given and not supplied(param):
                yield MissingInputParameter(call.span, param.name, target.label, call.label)

