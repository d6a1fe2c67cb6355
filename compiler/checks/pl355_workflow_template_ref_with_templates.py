"""PL355: a Workflow with `workflowTemplateRef` also defines `templates` (spec §19 rule 8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow


@dataclass(frozen=True)
class WorkflowTemplateRefWithTemplates(Message):
    """What: `spec.workflowTemplateRef` and `spec.templates` in one Workflow.

    Why: a Workflow that runs a WorkflowTemplate takes all its templates from there; Argo
    rejects the combination ("templates is invalid if workflowTemplateRef is set").
    Fix: move the templates into the WorkflowTemplate, or drop the reference.

        spec:
          workflowTemplateRef: {name: my-template}
          templates: [...]
        # fix: keep only workflowTemplateRef (plus arguments, entrypoint, ...)
    """

    code = "PL355"
    hint = "move these templates into the WorkflowTemplate, or remove workflowTemplateRef"

    def text(self) -> str:
        return "templates cannot be defined together with workflowTemplateRef"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.workflow_template_ref is not None and wf.spec.get("templates"):
        yield WorkflowTemplateRefWithTemplates(wf.spec.key_span("templates"))
