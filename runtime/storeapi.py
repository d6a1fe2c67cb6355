"""The run store's interface: the `RunStore` protocol and its typed rows.

Two stores implement it fully: the SQLite store (`runtime/store.py`, what the CLI and detached
runners use) and the in-memory store (`runtime/memstore.py`, library use and tests). The
engine, the runner and `runtime.control` need nothing else, so they never probe a store for a
feature: every method here exists on both. `tests/runtime/test_store_contract.py` runs one
set of tests against both.

Rows: a run is a `WorkflowRow` (its phase always a `Phase`), a node is a `types.Node` (the
node row: phases and types as enums, outputs decoded).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .types import Node, Phase


class WorkflowExists(Exception):
    """`create_workflow` with a name the store already holds (Argo: "already exists")."""


@dataclass
class WorkflowRow:
    """One stored run. `plan_json` is None in `list_workflows` rows (read one run with
    `workflow` to get it). `runner_pid`/`heartbeat`: the process running it and when it was
    last seen alive (`runtime.runs.runner_alive`)."""

    name: str
    phase: Phase
    message: str = ""
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    plan_json: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    runner_pid: int | None = None
    heartbeat: float | None = None


@runtime_checkable
class RunStore(Protocol):
    """What the engine, the runner and run control need of a store."""

    home: Path

    def create_workflow(self, name: str, plan_json: Any, arguments: dict[str, Any],
                        started_at: float | None, *, phase: Phase = Phase.RUNNING,
                        replace: bool = False) -> None:
        """Record a new run; `WorkflowExists` when the name is taken (unless `replace`)."""

    def set_workflow(self, wf: str, phase: Phase, message: str,
                     finished_at: float | None = None) -> None:
        """Set a run's phase and message (and its end time once it has one)."""

    def set_runner(self, wf: str, pid: int | None, heartbeat: float | None = None) -> None:
        """Record the process running `wf` (None: none any more) and when it was last seen
        alive (now, unless given): the run's one heartbeat."""

    def set_options(self, wf: str, options: dict[str, Any]) -> None:
        """Record how a detached runner must run `wf` (never secret values)."""

    def set_plan(self, wf: str, plan_json: str, arguments: dict[str, Any]) -> None:
        """Replace a run's plan and arguments (`retry -p` overrides parameters)."""

    def workflow(self, wf: str) -> WorkflowRow | None:
        """The run's row, or None."""

    def list_workflows(self) -> list[WorkflowRow]:
        """Every run, newest first, without `plan_json`."""

    def delete(self, wf: str) -> None:
        """Remove a run: its rows and its logs and artifacts."""

    def save_node(self, wf: str, node: Node) -> None:
        """Insert or update one node (durable on return, unless inside `batch()`)."""

    def nodes(self, wf: str) -> dict[str, Node]:
        """Every node of a run by id, in the order they were first saved."""

    def node(self, wf: str, node_id: str) -> Node | None:
        """One node, or None."""

    def event(self, wf: str, node_id: str | None, kind: str, message: str) -> None:
        """Append an event (numbered per workflow from 1)."""

    def events(self, wf: str) -> list[dict[str, Any]]:
        """A run's events in order: `{seq, at, node_id, kind, message}`."""

    def batch(self) -> AbstractContextManager[Any]:
        """Group the writes inside into one transaction (a no-op where writes are free)."""

    def has_room(self) -> bool:
        """Is there room to record a new run to its end?"""

    def log_path(self, wf: str, pod_name: str, container: str = "main") -> Path:
        """Where a pod container's log lives (its folder created)."""


__all__ = ["RunStore", "WorkflowExists", "WorkflowRow"]
