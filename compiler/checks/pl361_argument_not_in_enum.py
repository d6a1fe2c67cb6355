"""PL361: a literal argument value outside the `enum` of the called input, or of the
argument itself (spec §19 rule 11, at call sites)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import How, call_arguments, calls, enum_values, literal, resolve, value_span
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow


@dataclass(frozen=True)
class ArgumentNotInEnum(Message):
    """What: an argument passes a literal value that the called template's input (or the
    argument's own `enum`) does not allow.

    Why: `enum` lists the only values an input accepts; Argo rejects a value outside it
    ("value should be present in enum list"). Fix: pass one of the listed values, or extend
    the enum.

        inputs:
          parameters: [{name: env, enum: [dev, prod]}]
        ...
          arguments:
            parameters: [{name: env, value: staging}]
        # fix: value: dev
    """

    code = "PL361"
    name: str = ""
    value: str = ""
    allowed: tuple[str, ...] = ()
    template: str = ""

    def text(self) -> str:
        where = f" of {self.template!r}" if self.template else ""
        return f"value {self.value!r} of {self.name!r} is not in the enum{where}"

    def hint_text(self) -> str | None:
        shown = ", ".join(self.allowed[:8]) + (", ..." if len(self.allowed) > 8 else "")
        return f"allowed values: {shown}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        target = resolve(wf, ctx, call)
        inputs = target.template.inputs if target.how in (How.LOCAL, How.REF) and target.template else None
        args = call_arguments(wf, ctx, call, target) if inputs is not None else call.arguments
        for arg in args.parameters:
            value = literal(arg.raw.get("value"))
            if value is None:
                continue
            if call.own_arguments:
                own = enum_values(arg)
                if own is not None and value not in own:
                    yield ArgumentNotInEnum(value_span(arg), arg.name, value, own)
                    continue
            declared = inputs.parameter(arg.name) if inputs is not None else None
            allowed = enum_values(declared) if declared is not None else None
            if allowed is not None and value not in allowed:
                yield ArgumentNotInEnum(value_span(arg), arg.name, value, allowed, target.label)
