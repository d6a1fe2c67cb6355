"""The `-o` shapes that `get`, `list` and `submit` share, as `argo` prints them.

- `json` / `yaml`: a Workflow object (or a list of them), as `argo get|list|submit -o json|yaml`.
- `name`: the run's name alone.
- `wide`: `list` adds PRIORITY, P/R/C (pods pending/running/completed) and PARAMETERS;
  `get` and `submit` widen the tree (`views.TREE_COLUMNS`).
- `short`: `get`'s tree alone, with the NODENAME column.

Also the labels a run is selected by (`list -l`): its own, plus the two Argo's controller
puts on every workflow, `workflows.argoproj.io/phase` and `workflows.argoproj.io/completed`.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from plait.compiler.export import dump_yaml
from plait.compiler.plan import Plan
from plait.compiler.plancodec import read_stored_plan
from plait.runtime.runs import age, duration, is_active, status_text
from plait.runtime.status import argo_time, workflow_json
from plait.runtime.storeapi import WorkflowRow
from plait.runtime.types import Node, NodeType, Phase

__all__ = ["PHASE_LABEL", "COMPLETED_LABEL", "UNSANDBOXED_MARK", "ListEntry", "columns",
           "document_text", "host_name", "list_message", "list_table", "parameter_string",
           "pod_counts", "run_labels", "submitted_workflow"]

PHASE_LABEL = "workflows.argoproj.io/phase"
COMPLETED_LABEL = "workflows.argoproj.io/completed"
PARAMETER_WIDTH = 50      # argo list -o wide cuts a longer value to its head...its last 15


def document_text(doc: Any, output: str) -> str:
    """A Workflow object (or a list of them) as `-o json` (two-space indent) or `-o yaml`."""
    if output == "yaml":
        return dump_yaml([doc])
    return json.dumps(doc, indent=2) + "\n"


def host_name() -> str:
    """NODENAME of `get -o wide|short`: pods run on this machine (tests fix it)."""
    return socket.gethostname()


def columns(rows: Sequence[Sequence[str]]) -> str:
    """Cells padded to their column's widest plus two spaces (Go's tabwriter), no trailing
    blanks."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join("".join(c.ljust(widths[i] + 2) for i, c in enumerate(r)).rstrip() + "\n"
                   for r in rows)


def pod_counts(nodes: Mapping[str, Node]) -> tuple[int, int, int]:
    """(pending, running, completed) pods: `list -o wide`'s P/R/C."""
    pending = running = completed = 0
    for node in nodes.values():
        if node.type is not NodeType.POD:
            continue
        if node.phase.done:
            completed += 1
        elif node.phase is Phase.RUNNING:
            running += 1
        else:
            pending += 1
    return pending, running, completed


def parameter_string(arguments: Mapping[str, Any] | None) -> str:
    """`name=value,...` of a run's parameters (those with a value); a value longer than
    PARAMETER_WIDTH keeps its first 32 and last 15 characters around `...`, as argo's."""
    parts = []
    for p in (arguments or {}).get("parameters") or []:
        if not isinstance(p, Mapping) or p.get("value") is None:
            continue
        value = str(p["value"])
        if len(value) > PARAMETER_WIDTH:
            value = value[:PARAMETER_WIDTH - 3 - 15] + "..." + value[-15:]
        parts.append(f"{p.get('name')}={value}")
    return ",".join(parts)


def run_labels(row: WorkflowRow) -> dict[str, str]:
    """The labels `list -l` selects by: the workflow's (metadata and `submit -l`) and the
    phase and completed labels Argo's controller keeps on every workflow. `row` must carry
    its plan (a `store.workflow` row, not a `list_workflows` one)."""
    plan = read_stored_plan(row.plan_json)
    own = (plan.workflow.labels if plan is not None else None) or {}
    labels = {str(k): str(v) for k, v in own.items()} if isinstance(own, Mapping) else {}
    labels[PHASE_LABEL] = row.phase.value
    labels[COMPLETED_LABEL] = "false" if is_active(row) else "true"
    return labels


@dataclass
class ListEntry:
    """One run of `plait list`: its row (with its plan, for the priority) and its nodes."""

    row: WorkflowRow
    nodes: Mapping[str, Node] = field(default_factory=dict)


def list_table(entries: Sequence[ListEntry], now: float, wide: bool = False,
               headers: bool = True) -> str:
    """`plait list`'s table: NAME STATUS AGE DURATION MESSAGE; `wide` is argo's
    `-o wide`: NAME STATUS AGE DURATION PRIORITY MESSAGE P/R/C PARAMETERS."""
    head = (["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE", "P/R/C", "PARAMETERS"]
            if wide else ["NAME", "STATUS", "AGE", "DURATION", "MESSAGE"])
    table = [head] if headers else []
    for entry in entries:
        r = entry.row
        status = status_text(r, entry.nodes if is_active(r) else None, now)
        message = list_message(r)
        if not wide:
            table.append([r.name, status, age(r, now), duration(r, now), message])
            continue
        plan = read_stored_plan(r.plan_json)
        priority = (plan.settings.priority if plan is not None else None) or 0
        counts = "/".join(map(str, pod_counts(entry.nodes)))
        table.append([r.name, status, age(r, now), duration(r, now), str(priority), message,
                      counts, parameter_string(r.arguments)])
    return columns(table) if table else ""


UNSANDBOXED_MARK = "(unsandboxed)"


def list_message(row: WorkflowRow) -> str:
    """The MESSAGE cell: the run's message, after `(unsandboxed)` for a run whose pods ran
    as plain host processes (`--sandbox none`), so no list hides it (issue 8)."""
    if (row.options or {}).get("sandbox") == "none":
        return f"{UNSANDBOXED_MARK} {row.message}".rstrip()
    return row.message


def submitted_workflow(row: WorkflowRow, plan: Plan,
                       spec: Mapping[str, Any]) -> dict[str, Any]:
    """`submit -o json|yaml`: the Workflow object of a run as it was submitted: its
    metadata (name, generateName, namespace, creationTimestamp, labels, annotations), the
    `spec` it was submitted with, and a Pending status with its start time (what the runner
    did since is `get`'s to show)."""
    doc = workflow_json(row.name, row, {}, plan)
    doc["status"].update(phase=Phase.PENDING.value, message="", finishedAt=None, nodes={})
    doc["status"].pop("outputs", None)
    meta: dict[str, Any] = {"name": row.name}
    generate = plan.workflow.generate_name
    if generate:
        meta["generateName"] = generate
    meta["namespace"] = doc["metadata"]["namespace"]
    meta["creationTimestamp"] = argo_time(row.created_at)
    for key in ("labels", "annotations"):
        if key in doc["metadata"]:
            meta[key] = doc["metadata"][key]
    return {"apiVersion": doc["apiVersion"], "kind": doc["kind"], "metadata": meta,
            "spec": dict(spec), "status": doc["status"]}
