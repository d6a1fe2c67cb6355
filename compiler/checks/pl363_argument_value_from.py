"""PL363: a step, task or hook argument whose `valueFrom` uses a source that arguments
cannot have (spec §19 rules 10, 42 and 49)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import calls
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow

ALLOWED = ("configMapKeyRef", "supplied", "event")
"""What an argument's `valueFrom` may read; `default` only goes with one of them."""

OUTPUT_SOURCES = ("path", "jsonPath", "jqFilter", "parameter", "expression")
"""Sources of output parameters, which arguments cannot use (other keys are PL201's)."""


@dataclass(frozen=True)
class ArgumentValueFrom(Message):
    """What: an argument parameter's `valueFrom` uses `path`, `jsonPath`, `jqFilter`,
    `parameter` or `expression` (sources of *output* parameters), or has only a `default`.

    Why: arguments can only read a ConfigMap (`configMapKeyRef`), be `supplied` or come
    from an `event`; Argo rejects anything else. Fix: pass the value as `value:` with a
    tag, e.g. `value: "{{steps.gen.outputs.parameters.x}}"`.

        arguments:
          parameters:
          - name: x
            valueFrom: {parameter: "{{steps.gen.outputs.parameters.x}}"}
        # fix:
          - name: x
            value: "{{steps.gen.outputs.parameters.x}}"
    """

    code = "PL363"
    name: str = ""
    source: str = ""

    def text(self) -> str:
        if self.source == "default":
            return f"argument {self.name!r}: valueFrom has only a default, no source"
        return f"argument {self.name!r}: valueFrom.{self.source} is not allowed in arguments"

    def hint_text(self) -> str | None:
        return 'use `value: "{{...}}"`, or valueFrom.configMapKeyRef'


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        if not call.own_arguments:
            continue
        for param in call.arguments.parameters:
            vf = param.value_from
            if vf is None:
                continue
            wrong = [k for k in vf if k in OUTPUT_SOURCES]
            if wrong:
                yield ArgumentValueFrom(vf.key_span(wrong[0]), param.name, str(wrong[0]))
            elif not any(k in vf for k in ALLOWED) and "default" in vf:
                yield ArgumentValueFrom(vf.key_span("default"), param.name, "default")
