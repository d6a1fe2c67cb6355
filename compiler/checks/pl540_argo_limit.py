"""PL540: a document beyond the limits of Argo's cluster deployment (spec §14)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from ..values import every_template

MAX_TEMPLATES = 200             # CRD: spec.templates maxItems
MAX_DAG_TASKS = 200             # CRD: dag.tasks maxItems
MAX_BYTES = 1024 * 1024         # the controller's MAX_WORKFLOW_SIZE


@dataclass(frozen=True)
class ArgoLimitExceeded(Message):
    """What: more than 200 templates, more than 200 tasks in one DAG, or a document larger
    than 1 MiB.

    Why: plait runs such workflows, but Argo's API server (CRD limits) or controller
    (`MAX_WORKFLOW_SIZE`) refuses them, so the file would not be portable to a cluster.
    Fix: split the work into WorkflowTemplates called with `templateRef`, loop with
    `withItems`/`withParam` instead of listing tasks, or move large data into artifacts.

        dag:
          tasks:            # 250 hand-written tasks
          - {name: t1, template: work}
        # fix: one looped task
          - name: work
            template: work
            withSequence: {count: "250"}
    """

    code = "PL540"
    severity = Severity.WARNING
    what: str
    count: int
    limit: int

    def text(self) -> str:
        return f"{self.what} {self.count:,} exceeds Argo's limit of {self.limit:,}"

    def hint_text(self) -> str | None:
        if self.what.startswith("document"):
            return "move large data into artifacts or split the document"
        if self.what.startswith("task"):
            return "loop over one task (withItems/withParam/withSequence) or split the DAG"
        return "move templates into WorkflowTemplates called with templateRef"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if len(wf.templates) > MAX_TEMPLATES:
        yield ArgoLimitExceeded(wf.templates[MAX_TEMPLATES].name_span,
                                "template count", len(wf.templates), MAX_TEMPLATES)
    for tmpl in every_template(wf):
        if len(tmpl.tasks) > MAX_DAG_TASKS:
            yield ArgoLimitExceeded(tmpl.tasks[MAX_DAG_TASKS].name_span,
                                    f"task count of DAG {tmpl.name!r}", len(tmpl.tasks), MAX_DAG_TASKS)
    size = _size(wf)
    if size > MAX_BYTES:
        yield ArgoLimitExceeded(wf.span.at_start(), "document size in bytes", size, MAX_BYTES)


def _size(wf: Workflow) -> int:
    """UTF-8 size of the document's text (cheap when the whole file is small)."""
    text = wf.doc.source.text
    if len(text) * 4 <= MAX_BYTES:      # no character takes more than 4 bytes
        return len(text)
    span = wf.span
    lines = text.split("\n")
    return len("\n".join(lines[span.line - 1:span.end_line]).encode("utf-8"))
