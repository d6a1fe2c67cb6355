"""PL371: a `-p` / `--parameter-file` value outside the `enum` of the declared parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import enum_values
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .pl370_unknown_cli_parameter import arguments_span, declared_parameters


@dataclass(frozen=True)
class CliParameterNotInEnum(Message):
    """What: a value given on the command line for a parameter whose declaration in
    `spec.arguments.parameters` lists the allowed values in `enum`, and the value is not
    one of them.

    Why: Argo rejects the submission ("value should be present in enum list").
    Fix: pass one of the listed values.

        arguments:
          parameters: [{name: env, value: dev, enum: [dev, prod]}]
        # plait check -p env=staging wf.yaml  → not allowed
    """

    code = "PL371"
    name: str = ""
    value: str = ""
    allowed: tuple[str, ...] = ()

    def text(self) -> str:
        return f"value {self.value!r} given for {self.name!r} is not in its enum"

    def hint_text(self) -> str | None:
        return "allowed values: " + ", ".join(self.allowed)


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if not ctx.parameters or wf.is_library:
        return
    declared = declared_parameters(wf, ctx) or {}
    for name, value in ctx.parameters.items():
        param = declared.get(name)
        allowed = enum_values(param) if param is not None else None
        if allowed is not None and str(value) not in allowed:
            yield CliParameterNotInEnum(arguments_span(wf), name, str(value), allowed)
