"""A run as Argo's Workflow object: `{metadata: {name}, status: {phase, message, startedAt,
finishedAt, nodes: {<id>: {...}}, outputs?}}`, so tools written against `argo get -o json` keep
working on `plait run -o json`.

Pure functions over `runtime.types.Node`; the input is either a store's workflow row (a dict with
`phase`, `message`, `started_at`, `finished_at`, ...) or a `RunResult` (attributes of the same
names). Times are RFC 3339 in UTC with second precision (`2024-01-02T03:04:05Z`), as Argo prints.
"""

from __future__ import annotations

import datetime as _dt
import enum
from typing import Any, Mapping

from plait.compiler.plan import Plan, WorkflowMeta
from plait.compiler.plancodec import read_stored_plan

from .types import Node

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


def _field(source: Any, *names: str, default: Any = None) -> Any:
    """The first present attribute or key of `source` among `names` (row dicts and RunResults)."""
    for name in names:
        if isinstance(source, Mapping):
            if name in source and source[name] is not None:
                return source[name]
        elif getattr(source, name, None) is not None:
            return getattr(source, name)
    return default


def _text(value: Any) -> str:
    """An enum's value (Phase, NodeType) or the text itself."""
    return str(value.value) if isinstance(value, enum.Enum) else str(value or "")


def node_json(node: Node) -> dict[str, Any]:
    """One `status.nodes[<id>]` entry, in Argo's key order and spelling."""
    out: dict[str, Any] = {
        "id": node.id,
        "name": node.name,
        "displayName": node.display_name,
        "type": _text(node.type),
        "templateName": node.template_name or "",
        "phase": _text(node.phase),
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


def workflow_json(name: str, workflow: Any, nodes: Mapping[str, Node] | None = None,
                  plan: Plan | None = None) -> dict[str, Any]:
    """The whole Workflow object of a run (contract 8). `workflow` is a store row or a RunResult;
    `nodes` defaults to `workflow.nodes` when it has them; the namespace, labels and
    annotations come from the run's plan (`plan`, or the row's `plan_json`)."""
    if nodes is None:
        nodes = _field(workflow, "nodes", default={}) or {}
    phase = _field(workflow, "phase", default="")
    status: dict[str, Any] = {
        "phase": _text(phase),
        "message": "",
        "startedAt": argo_time(_field(workflow, "started_at", "startedAt")),
        "finishedAt": argo_time(_field(workflow, "finished_at", "finishedAt")),
    }
    status["message"] = str(_field(workflow, "message", default=""))
    outputs = _field(workflow, "outputs")
    if isinstance(outputs, Mapping):
        outputs = dict(outputs)
    elif outputs is not None and hasattr(outputs, "to_dict"):
        outputs = outputs.to_dict()
    if outputs:
        status["outputs"] = outputs
    ordered = sorted(nodes.values(), key=lambda n: (n.started_at is None, n.started_at or 0.0, n.name))
    status["nodes"] = {n.id: node_json(n) for n in ordered}
    if plan is None:
        plan = read_stored_plan(_field(workflow, "plan_json"))
    meta = plan.workflow if plan is not None else WorkflowMeta()
    metadata: dict[str, Any] = {"name": name, "namespace": str(
        meta.namespace or _field(workflow, "namespace", default="default"))}
    if meta.labels:
        metadata["labels"] = {str(k): str(v) for k, v in meta.labels.items()}
    notes = {**{str(k): str(v) for k, v in (meta.annotations or {}).items()},
             **isolation_notes(_field(workflow, "options"))}
    if notes:
        metadata["annotations"] = notes
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": metadata,
        "status": status,
    }
