"""An in-memory run store with the `Store` interface (library use and tests)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .types import Node, Phase


class MemoryStore:
    """An in-memory store with the `Store` interface (library use and tests)."""

    def __init__(self, logs: Path | None = None) -> None:
        self.workflows: dict[str, dict[str, Any]] = {}
        self.saved: dict[str, dict[str, Node]] = {}
        self.events: list[tuple] = []
        self.saves = 0
        self._logs = logs

    def create_workflow(self, name: str, plan_json: Any, arguments: dict, started_at: float,
                        **_: Any) -> None:
        self.workflows[name] = {"name": name, "phase": Phase.RUNNING.value, "message": "",
                                "started_at": started_at, "finished_at": None}
        self.saved[name] = {}

    def save_node(self, wf: str, node: Node) -> None:
        self.saves += 1
        self.saved.setdefault(wf, {})[node.id] = node

    def set_workflow(self, wf: str, phase: Phase | str, message: str,
                     finished_at: float | None = None) -> None:
        row = self.workflows.setdefault(wf, {"name": wf})
        row.update(phase=getattr(phase, "value", phase), message=message, finished_at=finished_at)

    def event(self, wf: str, node_id: str | None, kind: str, message: str) -> None:
        self.events.append((wf, node_id, kind, message))

    def set_runner(self, wf: str, pid: int | None = None, heartbeat: float | None = None) -> None:
        row = self.workflows.setdefault(wf, {"name": wf})
        row.update(runner_pid=pid, heartbeat=heartbeat)

    def workflow(self, wf: str) -> dict | None:
        return self.workflows.get(wf)

    def nodes(self, wf: str) -> dict[str, Node]:
        return dict(self.saved.get(wf, {}))

    def log_path(self, wf: str, pod: str, container: str = "main") -> Path:
        if self._logs is None:
            self._logs = Path(tempfile.mkdtemp(prefix="plait-logs-"))
        return self._logs / wf / f"{pod}-{container}.log"


__all__ = ["MemoryStore"]
