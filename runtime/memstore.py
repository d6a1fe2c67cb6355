"""An in-memory run store (library use and tests): `storeapi.RunStore` without a database.

Rows and nodes live in dicts and are gone with the process; logs are files (pods write them),
under `logs` (a temporary folder unless given). Writes need no grouping, so `batch()` is a
plain block.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .store import folder_name, safe_segment
from .storeapi import WorkflowExists, WorkflowRow
from .types import Node, Phase


class MemoryStore:
    """The in-memory `RunStore` (see the module docstring)."""

    def __init__(self, logs: Path | None = None, *, home: Path | None = None) -> None:
        self._rows: dict[str, WorkflowRow] = {}
        self._plans: dict[str, str] = {}
        self._nodes: dict[str, dict[str, Node]] = {}
        self._events: dict[str, list[dict[str, Any]]] = {}
        self._logs = logs
        self.home = Path(home) if home is not None else Path(".")

    def create_workflow(self, name: str, plan_json: Any, arguments: dict[str, Any],
                        started_at: float | None, *, phase: Phase = Phase.RUNNING,
                        replace: bool = False) -> None:
        safe_segment(name, "workflow name")
        if not isinstance(plan_json, str):
            plan_json = json.dumps(plan_json, sort_keys=True)
        if name in self._rows:
            if not replace:
                raise WorkflowExists(f"workflow {name!r} already exists")
            self.delete(name)
        self._rows[name] = WorkflowRow(name=name, phase=Phase(phase), created_at=time.time(),
                                       started_at=started_at, arguments=dict(arguments or {}),
                                       heartbeat=time.time())
        self._plans[name] = plan_json if isinstance(plan_json, str) else str(plan_json)
        self._nodes[name] = {}
        self._events[name] = []

    def _row(self, wf: str) -> WorkflowRow | None:
        return self._rows.get(wf)

    def set_workflow(self, wf: str, phase: Phase, message: str,
                     finished_at: float | None = None) -> None:
        row = self._row(wf)
        if row is not None:
            row.phase, row.message = Phase(phase), message or ""
            if finished_at is not None:
                row.finished_at = finished_at

    def set_runner(self, wf: str, pid: int | None, heartbeat: float | None = None) -> None:
        row = self._row(wf)
        if row is not None:
            row.runner_pid = pid
            row.heartbeat = time.time() if heartbeat is None else heartbeat

    def set_options(self, wf: str, options: dict[str, Any]) -> None:
        row = self._row(wf)
        if row is not None:
            row.options = copy.deepcopy(dict(options or {}))

    def set_plan(self, wf: str, plan_json: str, arguments: dict[str, Any]) -> None:
        row = self._row(wf)
        if row is not None:
            self._plans[wf] = plan_json
            row.arguments = copy.deepcopy(dict(arguments or {}))

    def workflow(self, wf: str) -> WorkflowRow | None:
        row = self._row(wf)
        if row is None:
            return None
        out = copy.deepcopy(row)
        out.plan_json = self._plans[wf]
        return out

    def list_workflows(self) -> list[WorkflowRow]:
        rows = sorted(self._rows.values(), key=lambda r: r.created_at, reverse=True)
        return [copy.deepcopy(r) for r in rows]

    def delete(self, wf: str) -> None:
        safe_segment(wf, "workflow name")
        for table in (self._rows, self._plans, self._nodes, self._events):
            table.pop(wf, None)
        if self._logs is not None:
            shutil.rmtree(self._logs / wf, ignore_errors=True)

    def save_node(self, wf: str, node: Node) -> None:
        self._nodes.setdefault(wf, {})[node.id] = copy.deepcopy(node)

    def nodes(self, wf: str) -> dict[str, Node]:
        return {k: copy.deepcopy(n) for k, n in self._nodes.get(wf, {}).items()}

    def node(self, wf: str, node_id: str) -> Node | None:
        node = self._nodes.get(wf, {}).get(node_id)
        return copy.deepcopy(node) if node is not None else None

    def event(self, wf: str, node_id: str | None, kind: str, message: str) -> None:
        events = self._events.setdefault(wf, [])
        events.append({"seq": len(events) + 1, "at": time.time(), "node_id": node_id,
                       "kind": kind, "message": message or ""})

    def events(self, wf: str) -> list[dict[str, Any]]:
        return [dict(e) for e in self._events.get(wf, [])]

    @contextmanager
    def batch(self) -> Iterator["MemoryStore"]:
        yield self

    def has_room(self) -> bool:
        return True

    def log_path(self, wf: str, pod_name: str, container: str = "main") -> Path:
        if self._logs is None:
            self._logs = Path(tempfile.mkdtemp(prefix="plait-logs-"))
        folder = self._logs / safe_segment(wf, "workflow name") / folder_name(pod_name)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder / f"{folder_name(container)}.log"


__all__ = ["MemoryStore"]
