"""PL351: a call names its template twice (`template` and `templateRef`) or not at all
(spec §19 rule 19)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import Role, calls
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow

_ROLES = (Role.STEP, Role.STEP_HOOK, Role.HOOK, Role.EXIT)


@dataclass(frozen=True)
class TemplateAndRef(Message):
    """What: a step, task or hook has both `template` and `templateRef`, or neither
    (nor `inline`).

    Why: Argo rejects both at once ("template and templateRef cannot be specified
    together") and cannot run a step that names no template. Fix: keep exactly one.

        - name: hello
          template: print-message
          templateRef: {name: library, template: print-message}
        # fix: drop one of them
    """

    code = "PL351"
    role: str = ""
    both: bool = True

    def text(self) -> str:
        if self.both:
            return f"{self.role} has both template and templateRef"
        return f"{self.role} names no template (template, templateRef or inline)"

    def hint_text(self) -> str | None:
        if self.both:
            return "keep one: template for this document, templateRef for a WorkflowTemplate"
        return "add `template: <name>` or a templateRef"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        if call.role not in _ROLES:
            continue
        raw = call.raw
        if "template" in raw and "templateRef" in raw:
            yield TemplateAndRef(raw.key_span("templateRef"), call.label, True)
        elif call.role is Role.STEP and not any(k in raw for k in ("template", "templateRef", "inline")):
            yield TemplateAndRef(raw.key_span("name") if "name" in raw else raw.span,
                                 call.label, False)
