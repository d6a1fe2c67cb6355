"""PL350: `template: X` names no template of the caller's document (spec §19 rule 21)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import How, Role, calls, resolve
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..names import suggest

# the entrypoint and the exit handler have their own checks (PL337, PL338)
_ROLES = (Role.STEP, Role.STEP_HOOK, Role.STEP_EXIT, Role.HOOK)


@dataclass(frozen=True)
class UnknownTemplate(Message):
    """What: a step, task or hook calls `template: X`, and the document has no template X.

    Why: `template:` resolves only among the templates of the caller's own document (a
    WorkflowTemplate's steps see that WorkflowTemplate); Argo rejects the workflow with
    "template name 'X' undefined". Fix: correct the name, or call a template of another
    WorkflowTemplate with `templateRef`.

        - name: hello
          template: print-mesage
        # fix:
          template: print-message
    """

    code = "PL350"
    name: str = ""
    role: str = ""
    suggestion: str | None = None

    def text(self) -> str:
        return f"{self.role} calls template {self.name!r}, which is not defined in this document"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "name a template of this document, or use templateRef for another WorkflowTemplate"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    names = None
    for call in calls(wf):
        if call.role not in _ROLES or call.name is None or not call.name:
            continue
        if resolve(wf, ctx, call).how is not How.MISSING:
            continue
        if names is None:
            names = [t.name for t in wf.templates]
        yield UnknownTemplate(call.name.span, str(call.name), call.label,
                              suggest(str(call.name), names))
