"""PL372: two checked documents define a (Cluster)WorkflowTemplate of the same name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from ..source import span_of


@dataclass(frozen=True)
class DuplicateWorkflowTemplate(Message):
    """What: a WorkflowTemplate (or ClusterWorkflowTemplate) has the name of one defined
    earlier among the files checked.

    Why: in the cluster one replaces the other (whichever is applied last), so a
    `templateRef` may run templates other than those checked; plait resolves
    `templateRef` to the first one. Fix: rename one of them, or check the two files
    separately if they are variants (overlays) of one template.
    """

    code = "PL372"
    severity = Severity.WARNING
    kind: str = ""
    name: str = ""
    first: str = ""

    def text(self) -> str:
        return f"{self.kind} {self.name!r} is already defined at {self.first}"

    def hint_text(self) -> str | None:
        return f"rename one of them; templateRef resolves to the one at {self.first}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.kind not in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
        return
    name = wf.metadata.get("name")
    if not isinstance(name, str) or not name:
        return
    first = ctx.library.find(str(name), wf.kind == "ClusterWorkflowTemplate")
    if first is not None and first is not wf and (first.file, first.span) != (wf.file, wf.span):
        at = span_of(first.metadata.get("name"), first.span)
        where = f"line {at.line}" if at.file == wf.file else f"{at.file}:{at.line}"
        yield DuplicateWorkflowTemplate(span_of(name, wf.span), wf.kind, str(name), where)
