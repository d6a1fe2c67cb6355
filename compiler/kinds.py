"""The document kinds plait checks, and the message for a misspelt one.

Every Argo project (Workflows, Events, CD, Rollouts) serves its kinds under `argoproj.io`,
so a document of another kind there is skipped; but a kind that is one typo away from a
workflow kind (`kind: Workflows`) would otherwise be skipped too, and the file would
"pass" with exit 0 without anything being checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from .diagnostics import Message, Span
from .names import suggest

KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
# kinds of the other Argo projects (and Argo Workflows' own internal ones) under argoproj.io
OTHER_ARGO_KINDS = frozenset({
    "WorkflowEventBinding", "WorkflowTaskSet", "WorkflowTaskResult", "WorkflowArtifactGCTask",
    "EventSource", "Sensor", "EventBus", "Application", "ApplicationSet", "AppProject",
    "Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment",
})


@dataclass(frozen=True)
class MisspeltKind(Message):
    """What: an `argoproj.io` document whose `kind` is close to, but not, one of the workflow
    kinds (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow).

    Why: Kubernetes rejects the unknown kind ("no matches for kind Workflows"), and plait
    would skip the document as belonging to another Argo project, checking nothing.
    Fix: correct the kind.

        kind: Workflows
        # fix:
        kind: Workflow
    """

    code = "PL130"
    kind: str = ""
    suggestion: str = ""

    def text(self) -> str:
        return f"unknown kind {self.kind!r} for apiVersion argoproj.io"

    def hint_text(self) -> str | None:
        return f"did you mean {self.suggestion!r}?"


def misspelt_kind(data: Any) -> Iterator[Message]:
    """A message if `data` is an argoproj.io document whose kind looks like a typo."""
    if not isinstance(data, dict):
        return
    api, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api, str) or not api.startswith("argoproj.io") or not isinstance(kind, str):
        return
    if kind in KINDS or kind in OTHER_ARGO_KINDS:
        return
    best = suggest(kind, (*KINDS, *sorted(OTHER_ARGO_KINDS)))
    if best in KINDS:
        span = getattr(kind, "span", None) or getattr(data, "span", None) or Span("", 1, 1, 1, 2)
        yield MisspeltKind(span, kind=str(kind), suggestion=best)
