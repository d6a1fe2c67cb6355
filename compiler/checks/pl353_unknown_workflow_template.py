"""PL353: a `templateRef` or `workflowTemplateRef` to a WorkflowTemplate that none of the
given files defines (spec §19 rules 8 and 20; a warning: it may live in the cluster)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import How, calls, find_library, ref_parts, resolve
from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from ..names import suggest
from ..source import YMap


@dataclass(frozen=True)
class UnknownWorkflowTemplate(Message):
    """What: a `templateRef` or `workflowTemplateRef` names a (Cluster)WorkflowTemplate that
    is in none of the files given to plait, nor under `--templates`.

    Why: Argo resolves it in the cluster at submit; if it is not there the workflow is
    rejected ("template reference X.Y not found"). plait cannot see the cluster, so this is
    a warning: pre-commit hooks pass only the changed files. Fix: check the name and
    `clusterScope`, or pass the library with `--templates DIR` so its templates and inputs
    are checked too.

        templateRef:
          name: workflow-template-print-mesage
          template: print-message
        # fix (and run: plait check --templates templates/ wf.yaml):
          name: workflow-template-print-message
    """

    code = "PL353"
    severity = Severity.WARNING
    name: str = ""
    cluster: bool = False
    suggestion: str | None = None

    def text(self) -> str:
        kind = "ClusterWorkflowTemplate" if self.cluster else "WorkflowTemplate"
        return f"{kind} {self.name!r} is not among the files checked; its use is not verified"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "pass the file that defines it, or --templates DIR"


def _unknown(ctx: Context, ref: YMap) -> UnknownWorkflowTemplate | None:
    parts = ref_parts(ref)
    resolvable, library = find_library(ctx, ref)
    if not resolvable or library is not None or parts.name is None:
        return None
    known = ctx.library.cluster if parts.cluster else ctx.library.namespaced
    return UnknownWorkflowTemplate(parts.name.span, str(parts.name), bool(parts.cluster),
                                   suggest(str(parts.name), known))


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    wref = wf.workflow_template_ref
    if wref is not None:
        found = _unknown(ctx, wref)
        if found is not None:
            yield found
    for call in calls(wf):
        if call.ref is not None and call.name is None and resolve(wf, ctx, call).how is How.UNKNOWN_LIBRARY:
            found = _unknown(ctx, call.ref)
            if found is not None:
                yield found
