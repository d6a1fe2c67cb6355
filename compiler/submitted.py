"""The Workflow that Argo makes of a CronWorkflow or a WorkflowTemplate when it is submitted
(`argo submit --from cronwf/NAME`, a cron schedule firing, `--from workflowtemplate/NAME`).

Argo's ConvertCronWorkflowToWorkflow: the child runs the `workflowSpec`; it is named
`<cron>-` plus a generated suffix (`<cron>-<scheduled Unix seconds>` when a schedule fires,
`runtime/cronjobs.py`); its labels are `workflows.argoproj.io/cron-workflow: <cron>`, the
cron's creator labels and `spec.workflowMetadata`'s; its annotations are
`workflowMetadata`'s plus `workflows.argoproj.io/scheduled-time` (set when it is submitted,
so compiling stays deterministic). The cron's own labels and annotations stay on the cron.
A WorkflowTemplate run on its own gets `<template>-` plus a suffix, as `--from` does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .plan import WorkflowMeta

CRON_LABEL = "workflows.argoproj.io/cron-workflow"
SCHEDULED_ANNOTATION = "workflows.argoproj.io/scheduled-time"
# the cron's labels that its children inherit (Argo's labelsToPropagate), and the instance id
PROPAGATED_LABELS = ("workflows.argoproj.io/creator", "workflows.argoproj.io/creator-email",
                     "workflows.argoproj.io/creator-preferred-username",
                     "workflows.argoproj.io/controller-instanceid")


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def submitted_metadata(kind: str, meta: WorkflowMeta, cron_spec: Any,
                       name: str | None) -> WorkflowMeta:
    """The plan's workflow metadata for a document of `kind` submitted as a Workflow: `meta`
    is the planner's (the document's own), `cron_spec` the CronWorkflow's `spec` (its
    `workflowMetadata`), `name` a name given on the command line (it wins)."""
    if kind == "Workflow":
        return meta
    own = str(meta.name or meta.generate_name or "").rstrip("-")
    labels: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None
    if kind == "CronWorkflow":
        labels = {k: v for k, v in _strings(meta.labels).items() if k in PROPAGATED_LABELS}
        wm = cron_spec.get("workflowMetadata") if isinstance(cron_spec, dict) else None
        wm = wm if isinstance(wm, dict) else {}
        labels.update(_strings(wm.get("labels")))
        labels[CRON_LABEL] = own
        annotations = _strings(wm.get("annotations")) or None
    else:
        labels, annotations = meta.labels or None, meta.annotations or None
    # the document's other keys keep their place; the ones set here follow, as written
    keys = [k for k in meta.keys if k not in ("name", "generateName", "labels", "annotations")]
    keys += [k for k, v in (("name", name), ("generateName", True), ("labels", labels),
                            ("annotations", annotations)) if v]
    return replace(meta, name=name or None,
                   generate_name=f"{own}-" if own else meta.generate_name,
                   labels=labels, annotations=annotations, keys=tuple(keys))


__all__ = ["CRON_LABEL", "SCHEDULED_ANNOTATION", "submitted_metadata"]
