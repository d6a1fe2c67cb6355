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

from typing import Any

CRON_LABEL = "workflows.argoproj.io/cron-workflow"
SCHEDULED_ANNOTATION = "workflows.argoproj.io/scheduled-time"
# the cron's labels that its children inherit (Argo's labelsToPropagate), and the instance id
PROPAGATED_LABELS = ("workflows.argoproj.io/creator", "workflows.argoproj.io/creator-email",
                     "workflows.argoproj.io/creator-preferred-username",
                     "workflows.argoproj.io/controller-instanceid")


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def submitted_metadata(kind: str, metadata: dict[str, Any], cron_spec: Any,
                       name: str | None) -> dict[str, Any]:
    """The plan's `workflow` metadata for a document of `kind` submitted as a Workflow:
    `metadata` is the planner's (the document's own), `cron_spec` the CronWorkflow's `spec`
    (its `workflowMetadata`), `name` a name given on the command line (it wins)."""
    if kind == "Workflow":
        return metadata
    own = str(metadata.get("name") or metadata.get("generateName") or "").rstrip("-")
    out: dict[str, Any] = {k: v for k, v in metadata.items()
                           if k not in ("name", "generateName", "labels", "annotations")}
    if name:
        out["name"] = name
    out["generateName"] = f"{own}-" if own else metadata.get("generateName")
    if kind == "CronWorkflow":
        labels = {k: v for k, v in _strings(metadata.get("labels")).items()
                  if k in PROPAGATED_LABELS}
        wm = cron_spec.get("workflowMetadata") if isinstance(cron_spec, dict) else None
        wm = wm if isinstance(wm, dict) else {}
        labels.update(_strings(wm.get("labels")))
        labels[CRON_LABEL] = own
        out["labels"] = labels
        annotations = _strings(wm.get("annotations"))
        if annotations:
            out["annotations"] = annotations
    else:
        for key in ("labels", "annotations"):
            if metadata.get(key):
                out[key] = metadata[key]
    return out


__all__ = ["CRON_LABEL", "SCHEDULED_ANNOTATION", "submitted_metadata"]
