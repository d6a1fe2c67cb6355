"""PL531: a Workflow argument parameter left for the submitter to give (spec §19 rule 9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow


@dataclass(frozen=True)
class ArgumentUnsupplied(Message):
    """What: a Workflow's `spec.arguments.parameters` entry with none of `value`,
    `valueFrom`, `default` or `enum`, checked without `-p` values.

    Why: `argo lint` accepts it, but `argo submit` fails ("spec.arguments.x.value is
    required") unless `-p name=value` supplies it, so it is a warning. (With an `enum` or
    a `default`, the UI and most submitters fill in a value; with `-p` values given,
    a missing one is the error PL501.) Fix: give it a value, or always submit with `-p`.

        arguments:
          parameters:
          - name: message
        # fix:
          - name: message
            value: hello
    """

    code = "PL531"
    severity = Severity.WARNING
    name: str

    def text(self) -> str:
        return f"argument parameter {self.name!r} has no value: it must be given at submit"

    def hint_text(self) -> str | None:
        return f"add 'value:' or submit with -p {self.name}=..."


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.kind != "Workflow" or ctx.parameters is not None:
        return                          # PL501 judges CronWorkflows and runs with -p
    for param in wf.arguments.parameters:
        raw = param.raw
        if param.name and not any(k in raw for k in ("value", "valueFrom", "default", "enum")):
            yield ArgumentUnsupplied(param.name_span, param.name)
