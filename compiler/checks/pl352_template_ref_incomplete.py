"""PL352: a `templateRef` without `name` or `template`, or a `workflowTemplateRef` without
`name` (spec §19 rules 8 and 20)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import calls
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_str
from ..source import YMap


@dataclass(frozen=True)
class TemplateRefIncomplete(Message):
    """What: `templateRef` lacks `name` (the WorkflowTemplate) or `template` (the template
    in it); `workflowTemplateRef` lacks `name`.

    Why: Argo cannot resolve the reference and rejects the workflow. Fix: give both.

        templateRef:
          name: library
        # fix:
        templateRef:
          name: library
          template: print-message
    """

    code = "PL352"
    field: str = ""
    missing: str = ""

    def text(self) -> str:
        return f"{self.field} needs {self.missing}"

    def hint_text(self) -> str | None:
        if self.field == "workflowTemplateRef":
            return "name the WorkflowTemplate to run: `name: <workflow-template>`"
        return "templateRef needs `name` (the WorkflowTemplate) and `template` (a template in it)"


def _missing(ref: YMap, keys: tuple[str, ...]) -> str | None:
    absent = [k for k in keys if not as_str(ref.get(k))]
    return " and ".join(f"`{k}`" for k in absent) or None


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    wref = wf.workflow_template_ref
    if wref is not None:
        missing = _missing(wref, ("name",))
        if missing:
            yield TemplateRefIncomplete(wf.spec.key_span("workflowTemplateRef"),
                                        "workflowTemplateRef", missing)
    for call in calls(wf):
        if call.ref is not None:
            missing = _missing(call.ref, ("name", "template"))
            if missing:
                yield TemplateRefIncomplete(call.raw.key_span("templateRef"), "templateRef", missing)
