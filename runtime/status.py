"""A run as Argo's Workflow object: `{metadata: {name}, status: {phase, message, startedAt,
finishedAt, nodes: {<id>: {...}}, outputs?}}`, so tools written against `argo get -o json` keep
working on `plait run -o json`.

Pure functions over `runtime.types.Node`; the run is either its store row (`WorkflowRow`) or
the `RunResult` of a run just ended. Times are RFC 3339 in UTC with second precision (`2024-01-02T03:04:05Z`), as Argo prints.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Mapping

from plait.compiler.plan import Plan, WorkflowMeta
from plait.compiler.plancodec import read_stored_plan

from .storeapi import WorkflowRow
from .types import Node

if TYPE_CHECKING:
    from .engine import RunResult  # a type only: reading a row needs no engine

__all__ = ["argo_time", "node_json", "workflow_json"]


def argo_time(ts: float | int | str | None) -> str | None:
    """Unix seconds as Argo's RFC 3339 UTC text (`2024-01-02T03:04:05Z`); None stays None."""
    if ts is None or ts == "":
        return None
    if isinstance(ts, str):
        try:
            float(ts)
        except ValueError:
            return ts          # already text (a stored RFC 3339 time)
    moment = _dt.datetime.fromtimestamp(float(ts), tz=_dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_json(node: Node) -> dict[str, Any]:
    """One `status.nodes[<id>]` entry, in Argo's key order and spelling."""
    out: dict[str, Any] = {
        "id": node.id,
        "name": node.name,
        "displayName": node.display_name,
        "type": node.type.value,
        "templateName": node.template_name or "",
        "phase": node.phase.value,
        "message": node.message or "",
    }
    if node.boundary_id:
        out["boundaryID"] = node.boundary_id
    if node.started_at is not None:
        out["startedAt"] = argo_time(node.started_at)
    if node.finished_at is not None:
        out["finishedAt"] = argo_time(node.finished_at)
    if node.pod_name:
        out["podName"] = node.pod_name
    if node.inputs:
        out["inputs"] = node.inputs
    outputs = node.outputs.to_dict() if node.outputs is not None else {}
    if outputs:
        out["outputs"] = outputs
    if node.children:
        out["children"] = list(node.children)
    return out


SANDBOX_ANNOTATION = "plait.dev/sandbox"
LIMITS_ANNOTATION = "plait.dev/limits-not-enforced"


def isolation_notes(options: Any) -> dict[str, str]:
    """What a run's stored options say about weaker isolation, as annotations: the sandbox
    when pods ran without one, the limits the backend could not enforce (empty: nothing)."""
    if not isinstance(options, Mapping):
        return {}
    notes = {}
    if options.get("sandbox") == "none":
        notes[SANDBOX_ANNOTATION] = "none: pods ran as plain host processes, unsandboxed"
    if options.get("limits_not_enforced"):
        notes[LIMITS_ANNOTATION] = "; ".join(map(str, options["limits_not_enforced"]))
    return notes


def workflow_json(name: str, workflow: WorkflowRow | RunResult,
                  nodes: Mapping[str, Node] | None = None,
                  plan: Plan | None = None) -> dict[str, Any]:
    """The whole Workflow object of a run (contract 8). `workflow` is its store row or the
    RunResult of a run just ended; `nodes` defaults to the result's nodes; the namespace,
    labels and annotations come from the run's plan (`plan`, or the row's `plan_json`)."""
    row = workflow if isinstance(workflow, WorkflowRow) else None
    result = workflow if not isinstance(workflow, WorkflowRow) else None
    if nodes is None:
        nodes = result.nodes if result is not None else {}
    status: dict[str, Any] = {
        "phase": workflow.phase.value,
        "message": workflow.message,
        "startedAt": argo_time(workflow.started_at),
        "finishedAt": argo_time(workflow.finished_at),
    }
    if result is not None and result.outputs:
        status["outputs"] = dict(result.outputs)
    ordered = sorted(nodes.values(), key=lambda n: (n.started_at is None, n.started_at or 0.0, n.name))
    status["nodes"] = {n.id: node_json(n) for n in ordered}
    if plan is None:
        plan = read_stored_plan(row.plan_json if row is not None else None)
    meta = plan.workflow if plan is not None else WorkflowMeta()
    metadata: dict[str, Any] = {"name": name, "namespace": meta.namespace or "default"}
    if meta.labels:
        metadata["labels"] = {str(k): str(v) for k, v in meta.labels.items()}
    notes = {**{str(k): str(v) for k, v in (meta.annotations or {}).items()},
             **isolation_notes(row.options if row is not None else None)}
    if notes:
        metadata["annotations"] = notes
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": metadata,
        "status": status,
    }
