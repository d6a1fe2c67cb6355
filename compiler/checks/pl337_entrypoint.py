"""PL337: a missing entrypoint, or one that names no template (spec §19 rule 7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Span
from ..model import Workflow, as_map, as_str
from ..names import suggest
from ..values import has_tag


@dataclass(frozen=True)
class EntrypointProblem(Message):
    """What: a Workflow or CronWorkflow without `entrypoint` (and without
    `workflowTemplateRef`), or an `entrypoint` that names no template of the document.

    Why: Argo rejects the workflow ("spec.entrypoint is required", "spec.entrypoint template
    'x' undefined"): it would not know which template to run. WorkflowTemplates may omit
    it (the caller chooses). Fix: name an existing template.

        spec:
          entrypoint: mian
          templates:
          - name: main
        # fix:
          entrypoint: main
    """

    code = "PL337"
    name: str | None
    suggestion: str | None = None

    def text(self) -> str:
        if self.name is None:
            return "spec.entrypoint is required"
        if not self.name:
            return "spec.entrypoint is empty"
        return f"entrypoint template {self.name!r} is not defined"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "set entrypoint to the name of the template to run first"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    ref = wf.workflow_template_ref
    entry = wf.entrypoint
    if entry is None:
        if "entrypoint" not in wf.spec and ref is None and not wf.is_library:
            yield EntrypointProblem(_spec_key(wf), None)
        return
    if has_tag(entry):
        return
    if not entry:
        if ref is None and not wf.is_library:
            yield EntrypointProblem(entry.span, "")
        return
    names = _template_names(wf, ctx)
    if names is not None and entry not in names:
        yield EntrypointProblem(entry.span, str(entry), suggest(entry, names))


def _template_names(wf: Workflow, ctx: Context) -> set[str] | None:
    """The templates an entrypoint may name; None if they are not known (an unresolved ref)."""
    ref = wf.workflow_template_ref
    if ref is None:
        return {t.name for t in wf.templates}
    name = as_str(ref.get("name"))
    target = ctx.library.find(str(name), ref.get("clusterScope") is True) if name else None
    return {t.name for t in target.templates} if target is not None else None


def _spec_key(wf: Workflow) -> Span:
    """The span of the key holding the workflow spec (`spec`, or `workflowSpec` of a cron)."""
    data = wf.doc.data
    if wf.kind == "CronWorkflow":
        cron = as_map(data.get("spec"))
        if "workflowSpec" in cron:
            return cron.key_span("workflowSpec")
    return data.key_span("spec") if "spec" in data else wf.span.at_start()
