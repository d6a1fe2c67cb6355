"""The run store: workflows, nodes and events in SQLite (WAL), step logs as files.

Layout under the plait home (`runtime.home`): `plait.db` (this store), `logs/<wf>/<pod>/
<container>.log`, `artifacts/<wf>/...` (`runtime.artifacts.ArtifactRepo`).

Guarantees the engine builds on:
- `save_node` is committed before it returns (outside `batch()`), so the engine can save a
  state change and only then act on it; `plait resume` after a crash then never re-runs a node
  the store records as Succeeded.
- Several processes may write at once (detached runners): WAL journal, `busy_timeout` 5 s,
  and write transactions taken with `BEGIN IMMEDIATE` so two writers never deadlock.
- One SQLite connection per process (re-opened after `fork`), shared by the process's threads
  under a lock (`check_same_thread=False`).

The store never masks anything: callers must pass every message, output and log line through
`SecretStore.mask` before it reaches the store (the engine does). Nothing here knows a secret.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from . import reserve
from .home import ARTIFACTS_DIR, DB_NAME, LOGS_DIR
from .paths import inside
from .storeapi import WorkflowExists, WorkflowRow
from .types import Node, NodeType, Outputs, Phase

SCHEMA_VERSION = 2        # 2: workflows.options_json (detached runs' options)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workflows (
    name TEXT PRIMARY KEY,
    phase TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    plan_json TEXT NOT NULL,
    arguments_json TEXT NOT NULL DEFAULT '{}',
    runner_pid INTEGER,
    heartbeat REAL,
    options_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS nodes (
    workflow TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    type TEXT NOT NULL,
    template_name TEXT,
    phase TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    started_at REAL,
    finished_at REAL,
    outputs_json TEXT NOT NULL DEFAULT '{}',
    children_json TEXT NOT NULL DEFAULT '[]',
    parent TEXT,
    pod_name TEXT,
    boundary_id TEXT,
    inputs_json TEXT NOT NULL DEFAULT '{}',
    retries INTEGER,
    PRIMARY KEY (workflow, id)
);
CREATE TABLE IF NOT EXISTS events (
    workflow TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at REAL NOT NULL,
    node_id TEXT,
    kind TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (workflow, seq)
);
"""

_SAVE_NODE = """
INSERT INTO nodes (workflow, id, name, display_name, type, template_name, phase, message,
                   started_at, finished_at, outputs_json, children_json, parent, pod_name,
                   boundary_id, inputs_json, retries)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (workflow, id) DO UPDATE SET
    name = excluded.name, display_name = excluded.display_name, type = excluded.type,
    template_name = excluded.template_name, phase = excluded.phase, message = excluded.message,
    started_at = excluded.started_at, finished_at = excluded.finished_at,
    outputs_json = excluded.outputs_json, children_json = excluded.children_json,
    parent = excluded.parent, pod_name = excluded.pod_name, boundary_id = excluded.boundary_id,
    inputs_json = excluded.inputs_json, retries = excluded.retries
"""

_NODE_COLUMNS = ("id, name, display_name, type, template_name, phase, message, started_at, "
                 "finished_at, outputs_json, children_json, parent, pod_name, boundary_id, "
                 "inputs_json, retries")

_LIST_COLUMNS = ("name, phase, message, created_at, started_at, finished_at, arguments_json, "
                 "options_json, runner_pid, heartbeat")

# Workflow and pod names become folder names: one plain path segment, nothing that climbs.
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*\Z")


def safe_segment(value: str, what: str) -> str:
    """`value` if it is usable as one folder name (no `/`, not `.`/`..`), else ValueError."""
    if not isinstance(value, str) or not _SEGMENT.match(value) or value in (".", ".."):
        raise ValueError(f"{what} {value!r} cannot be used as a folder name")
    return value


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def folder_name(value: str) -> str:
    """`value` made usable as one folder name: characters other than letters, digits, `.`,
    `_` and `-` become `_` (pod names of inline templates hold `/` and `:`), and a name that
    would be hidden or climb (`.x`, `..`) gets a leading `_`. Deterministic, so writers and
    readers of logs and artifacts agree."""
    clean = _UNSAFE.sub("_", value)
    return clean if clean and not clean.startswith(".") else "_" + clean


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Store:
    """SQLite store for runs (see the module docstring for what it guarantees); implements
    `storeapi.RunStore`."""

    def __init__(self, path: Path, *, home: Path | None = None):
        self.path = Path(path)
        self.home = Path(home) if home is not None else self.path.parent
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._pid = -1
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._depth = 0                      # nesting of batch()
        self._connection()
        reserve.keep(self.home)

    @classmethod
    def at(cls, home: Path) -> "Store":
        """The store of a plait home (`<home>/plait.db`)."""
        return cls(Path(home) / DB_NAME, home=Path(home))

    # -- connection -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        if self._pid != pid:
            # A connection must not cross fork(): the child abandons (never closes) the
            # parent's and opens its own; the parent's lock may have been held, so renew it.
            self._lock = threading.RLock()
            self._depth = 0
            self._conn = self._open()
            self._pid = pid
        assert self._conn is not None
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        deadline = time.monotonic() + 10.0
        while True:
            # Switching a fresh file to WAL needs a moment alone with it; when many processes
            # create the store at once one of them can get SQLITE_BUSY here despite the timeout.
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    conn.execute("BEGIN IMMEDIATE")
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    # a version-1 file gains the column in place (old rows get '{}')
                    columns = {row[1] for row in conn.execute("PRAGMA table_info(workflows)")}
                    if "options_json" not in columns:
                        conn.execute("ALTER TABLE workflows ADD COLUMN options_json TEXT NOT NULL "
                                     "DEFAULT '{}'")
                    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    conn.execute("COMMIT")
                break
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                retryable = "locked" in str(exc) or "busy" in str(exc)
                if not retryable or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        return conn

    def close(self) -> None:
        """Close this process's connection (the store re-opens on next use)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None
            self._pid = -1

    def has_room(self) -> bool:
        """Is there room for a new run? True when the ballast (runtime/reserve.py) is in
        place or could be made again: a run started on a full disk could not record its end."""
        reserve.keep(self.home)
        return (self.home / reserve.RESERVE_NAME).exists()

    def _full(self, conn: sqlite3.Connection, exc: sqlite3.Error) -> reserve.DiskFull:
        """A write failed for lack of space: free the ballast and the WAL's spare pages, so
        the next write (the run's end, a delete) has room."""
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        error = reserve.full(self.home, exc)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        return error

    def _execute(self, conn: sqlite3.Connection, sql: str, params: tuple) -> None:
        """One autocommit statement; DiskFull when the disk is full."""
        try:
            conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if not reserve.is_full(exc):
                raise
            raise self._full(conn, exc) from None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        with self._lock:
            if self._depth:
                yield conn
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if not reserve.is_full(exc):
                    raise
                raise self._full(conn, exc) from None

    @contextmanager
    def batch(self) -> Iterator["Store"]:
        """Group the writes inside into one transaction, committed when the block ends.

        For the engine's bursts (a step group finishing, a loop expanding). Writes inside are
        durable only once the block exits, so do not act on a state saved in a batch (start a
        dependant, say) before leaving it, and do not `await` inside one. The block is a
        grouping for speed, not for atomicity: if the body raises, what it saved is still
        committed (each node state is complete on its own), then the exception propagates.
        """
        conn = self._connection()
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            finally:
                self._depth = 0
                try:
                    if conn.in_transaction:        # not rolled back by a full disk
                        conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    if reserve.is_full(exc):
                        raise self._full(conn, exc) from None
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise

    # -- workflows --------------------------------------------------------------------------

    def create_workflow(self, name: str, plan_json: Any, arguments: dict[str, Any],
                        started_at: float | None, *, phase: Phase = Phase.RUNNING,
                        replace: bool = False) -> None:
        """Record a new run. `plan_json` is the plan's JSON text (a dict is serialised).
        `replace=True` first deletes a run of the same name (rows, logs,
        artifacts); otherwise an existing name raises `WorkflowExists`."""
        safe_segment(name, "workflow name")
        if not isinstance(plan_json, str):
            plan_json = _dumps(plan_json)
        if replace:
            self.delete(name)
        now = time.time()
        with self._write() as conn:
            try:
                conn.execute(
                    "INSERT INTO workflows (name, phase, message, created_at, started_at, "
                    "finished_at, plan_json, arguments_json, runner_pid, heartbeat) "
                    "VALUES (?, ?, '', ?, ?, NULL, ?, ?, ?, ?)",
                    (name, Phase(phase).value, now, started_at, plan_json,
                     _dumps(arguments or {}), os.getpid(), now))
            except sqlite3.IntegrityError:
                raise WorkflowExists(f"workflow {name!r} already exists") from None

    def set_workflow(self, wf: str, phase: Phase, message: str,
                     finished_at: float | None = None) -> None:
        """Set a run's phase and message (and its end time once it has one)."""
        with self._write() as conn:
            conn.execute("UPDATE workflows SET phase = ?, message = ?, "
                         "finished_at = COALESCE(?, finished_at) WHERE name = ?",
                         (Phase(phase).value, message or "", finished_at, wf))

    def set_runner(self, wf: str, pid: int | None, heartbeat: float | None = None) -> None:
        """Record which process runs `wf` (None: no process any more) and when it was last
        seen alive (now, unless given); `runtime.runs` reads both to tell a lost runner."""
        with self._write() as conn:
            conn.execute("UPDATE workflows SET runner_pid = ?, heartbeat = ? WHERE name = ?",
                         (pid, time.time() if heartbeat is None else heartbeat, wf))

    def set_options(self, wf: str, options: dict[str, Any]) -> None:
        """Record how a detached runner must run `wf` (`runtime.runner`): file paths and
        settings, never secret values."""
        with self._write() as conn:
            conn.execute("UPDATE workflows SET options_json = ? WHERE name = ?",
                         (_dumps(options or {}), wf))

    def set_plan(self, wf: str, plan_json: str, arguments: dict[str, Any]) -> None:
        """Replace a run's plan and arguments (`retry -p` overrides parameters)."""
        with self._write() as conn:
            conn.execute("UPDATE workflows SET plan_json = ?, arguments_json = ? WHERE name = ?",
                         (plan_json, _dumps(arguments or {}), wf))

    def workflow(self, wf: str) -> WorkflowRow | None:
        """The run's row (`arguments` and `options` decoded), or None."""
        conn = self._connection()
        with self._lock:
            cur = conn.execute("SELECT * FROM workflows WHERE name = ?", (wf,))
            row = cur.fetchone()
            names = [d[0] for d in cur.description]
        if row is None:
            return None
        return _workflow_row(dict(zip(names, row)))

    def list_workflows(self) -> list[WorkflowRow]:
        """Every run, newest first, without `plan_json` (read one with `workflow`)."""
        conn = self._connection()
        with self._lock:
            cur = conn.execute(f"SELECT {_LIST_COLUMNS} FROM workflows "
                               "ORDER BY created_at DESC, rowid DESC")
            rows = cur.fetchall()
            names = [d[0] for d in cur.description]
        return [_workflow_row(dict(zip(names, row))) for row in rows]

    def delete(self, wf: str) -> None:
        """Remove a run: its rows, its logs folder and its artifacts folder."""
        safe_segment(wf, "workflow name")
        # files first, rows last: on a full disk, removing the files frees the pages SQLite
        # needs to delete the rows (the ballast is the fallback, see runtime/reserve.py)
        for folder in (self.home / LOGS_DIR / wf, self.home / ARTIFACTS_DIR / wf):
            shutil.rmtree(folder, ignore_errors=True)
        with self._write() as conn:
            for table, column in (("nodes", "workflow"), ("events", "workflow"),
                                  ("workflows", "name")):
                conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (wf,))

    # -- nodes ------------------------------------------------------------------------------

    def save_node(self, wf: str, node: Node) -> None:
        """Insert or update one node; committed before returning (unless inside `batch()`)."""
        outputs = node.outputs
        params = (wf, node.id, node.name, node.display_name, node.type.value, node.template_name,
                  node.phase.value, node.message or "", node.started_at, node.finished_at,
                  _dumps(outputs.to_dict()) if outputs is not None else "{}",
                  _dumps(node.children), node.parent, node.pod_name, node.boundary_id,
                  _dumps(node.inputs) if node.inputs else "{}", node.retries)
        conn = self._connection()
        with self._lock:
            # Outside a batch, one statement in autocommit mode is its own transaction.
            self._execute(conn, _SAVE_NODE, params)

    def nodes(self, wf: str) -> dict[str, Node]:
        """Every node of a run by id, in the order they were first saved."""
        conn = self._connection()
        with self._lock:
            rows = conn.execute(f"SELECT {_NODE_COLUMNS} FROM nodes WHERE workflow = ? "
                                "ORDER BY rowid", (wf,)).fetchall()
        return {row[0]: _node(row) for row in rows}

    def node(self, wf: str, node_id: str) -> Node | None:
        """One node, or None."""
        conn = self._connection()
        with self._lock:
            row = conn.execute(f"SELECT {_NODE_COLUMNS} FROM nodes WHERE workflow = ? AND id = ?",
                               (wf, node_id)).fetchone()
        return _node(row) if row else None

    # -- events -----------------------------------------------------------------------------

    def event(self, wf: str, node_id: str | None, kind: str, message: str) -> None:
        """Append an event (numbered per workflow from 1)."""
        conn = self._connection()
        with self._lock:
            self._execute(conn, "INSERT INTO events (workflow, seq, at, node_id, kind, message) "
                          "VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events "
                          "WHERE workflow = ?), ?, ?, ?, ?)",
                          (wf, wf, time.time(), node_id, kind, message or ""))

    def events(self, wf: str) -> list[dict[str, Any]]:
        """A run's events in order: `{seq, at, node_id, kind, message}`."""
        conn = self._connection()
        with self._lock:
            rows = conn.execute("SELECT seq, at, node_id, kind, message FROM events "
                                "WHERE workflow = ? ORDER BY seq", (wf,)).fetchall()
        return [dict(zip(("seq", "at", "node_id", "kind", "message"), row)) for row in rows]

    # -- files ------------------------------------------------------------------------------

    def logs_dir(self, wf: str) -> Path:
        """`<home>/logs/<wf>` (not created)."""
        return inside(self.home / LOGS_DIR, safe_segment(wf, "workflow name"))

    def log_path(self, wf: str, pod_name: str, container: str = "main") -> Path:
        """`<home>/logs/<wf>/<pod>/<container>.log` (pod and container through
        `folder_name`); its folder is created."""
        folder = inside(self.logs_dir(wf), folder_name(pod_name))
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return inside(folder, f"{folder_name(container)}.log")

    def artifacts_dir(self, wf: str) -> Path:
        """`<home>/artifacts/<wf>`: the root of `ArtifactRepo(home / "artifacts")` for one run."""
        return inside(self.home / ARTIFACTS_DIR, safe_segment(wf, "workflow name"))


def _workflow_row(row: dict[str, Any]) -> WorkflowRow:
    return WorkflowRow(name=row["name"], phase=Phase(row["phase"]), message=row["message"] or "",
                       created_at=row["created_at"], started_at=row["started_at"],
                       finished_at=row["finished_at"], plan_json=row.get("plan_json"),
                       arguments=json.loads(row.get("arguments_json") or "{}"),
                       options=json.loads(row.get("options_json") or "{}"),
                       runner_pid=row["runner_pid"], heartbeat=row["heartbeat"])


def _node(row: tuple) -> Node:
    (id_, name, display, type_, template, phase, message, started, finished, outputs, children,
     parent, pod, boundary, inputs, retries) = row
    return Node(id=id_, name=name, display_name=display, type=NodeType(type_),
                template_name=template, phase=Phase(phase), message=message,
                started_at=started, finished_at=finished,
                outputs=Outputs.from_dict(json.loads(outputs)), children=json.loads(children),
                parent=parent, pod_name=pod, boundary_id=boundary, inputs=json.loads(inputs),
                retries=retries)
