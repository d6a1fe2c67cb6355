"""PL358: an argument that matches no input of the called template (a local one, or a
`templateRef` target found among the files given).

A warning, also for `templateRef` targets: Argo ignores such an argument silently, and
Argo's own examples pass one (workflow-template/steps.yaml gives `message` to
`inner-steps`, which declares no input), so it cannot be an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import How, calls, resolve
from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from ..names import suggest


@dataclass(frozen=True)
class UnknownArgument(Message):
    """What: a step, task or hook passes an argument that the called template (of this
    document, or of a WorkflowTemplate reached by `templateRef`) does not declare in
    `inputs`.

    Why: Argo ignores it without a word, so the template never sees the value: usually a
    misspelt name, or an input renamed since. Fix: correct the name (the hint suggests the
    nearest input) or declare the input.

        arguments:
          parameters: [{name: mesage, value: hi}]
        # fix:
          parameters: [{name: message, value: hi}]
    """

    code = "PL358"
    severity = Severity.WARNING
    what: str = ""
    name: str = ""
    template: str = ""
    suggestion: str | None = None

    def text(self) -> str:
        return f"argument {self.what} {self.name!r} matches no input of {self.template!r}"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return f"declare it under inputs.{self.what}s of {self.template!r}, or remove it"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        if not call.own_arguments:
            continue
        args = call.arguments
        if not args.parameters and not args.artifacts:
            continue
        target = resolve(wf, ctx, call)
        if target.how not in (How.LOCAL, How.REF) or target.template is None:
            continue
        inputs = target.template.inputs
        for what, given, declared in (("parameter", args.parameters, inputs.parameters),
                                      ("artifact", args.artifacts, inputs.artifacts)):
            names = {d.name for d in declared}
            for arg in given:
                if arg.name and arg.name not in names:
                    yield UnknownArgument(arg.name_span, what, arg.name, target.label, suggest(arg.name, names))
