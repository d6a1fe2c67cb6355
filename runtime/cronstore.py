"""Scheduled CronWorkflows in the run store's SQLite file (`<home>/plait.db`), so `plait cron
list|get|suspend|resume|stop|delete` work from any process while the detached scheduler
(`runtime/cronrunner.py`) runs them.

Two tables of their own (created on first use, next to the run store's): `crons`, one row per
CronWorkflow, and `cron_events`, what the scheduler logged of it (missed and skipped
schedules, runs started, history deleted). The user's switches (`suspended`, `stopped`) are
columns the CLI writes; the scheduler's memory (`runtime.cronjobs.CronState`) is `state_json`,
which only the scheduler writes, so neither overwrites the other.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cronjobs import CronState
from .home import DB_NAME

_SCHEMA = """
CREATE TABLE IF NOT EXISTS crons (
    name TEXT PRIMARY KEY,
    doc_json TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    options_json TEXT NOT NULL DEFAULT '{}',
    source TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    suspended INTEGER NOT NULL DEFAULT 0,
    stopped INTEGER NOT NULL DEFAULT 0,
    state_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS cron_events (
    cron TEXT NOT NULL,
    at REAL NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cron_events_by_cron ON cron_events (cron, at);
"""
EVENTS_KEPT = 200          # per cron: older events are dropped


@dataclass
class CronRow:
    """One stored CronWorkflow."""

    name: str
    doc: dict[str, Any]
    plan_json: str
    options: dict[str, Any]
    source: str
    created_at: float
    suspended: bool
    stopped: bool
    state: CronState

    @property
    def spec_suspend(self) -> bool:
        spec = self.doc.get("spec")
        return isinstance(spec, dict) and spec.get("suspend") is True


class CronStore:
    """The cron tables of a plait home (one short-lived connection per call: the CLI and the
    scheduler write rarely, and never hold a transaction open)."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.path = self.home / DB_NAME
        with self._db() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    def _db(self) -> "_Conn":
        return _Conn(self.path)

    def put(self, name: str, doc: dict[str, Any], plan_json: str, options: dict[str, Any],
            source: str, state: CronState, suspended: bool) -> bool:
        """Store a CronWorkflow (created at `state.checked`, when it was scheduled); one of the same name is updated (its counts and runs kept,
        `stop` undone, and its schedules counted from `state.checked`, so nothing missed
        while it was stopped runs, as Argo runs nothing missed after a schedule update).
        True when it is new."""
        with self._db() as db:
            old = db.execute("SELECT state_json FROM crons WHERE name = ?", (name,)).fetchone()
            if old:
                kept = CronState.from_dict(json.loads(old["state_json"] or "{}"))
                kept.checked = kept.since = state.checked
                db.execute("UPDATE crons SET doc_json = ?, plan_json = ?, options_json = ?, "
                           "source = ?, suspended = ?, stopped = 0, state_json = ? WHERE name = ?",
                           (json.dumps(doc), plan_json, json.dumps(options), source,
                            int(suspended), json.dumps(kept.to_dict()), name))
            else:
                db.execute("INSERT INTO crons (name, doc_json, plan_json, options_json, source, "
                           "created_at, suspended, state_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (name, json.dumps(doc), plan_json, json.dumps(options), source,
                            state.checked, int(suspended), json.dumps(state.to_dict())))
        return not old

    def get(self, name: str) -> CronRow | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM crons WHERE name = ?", (name,)).fetchone()
        return _row(row) if row else None

    def all(self) -> list[CronRow]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM crons ORDER BY name").fetchall()
        return [_row(r) for r in rows]

    def set_flag(self, name: str, flag: str, value: bool) -> bool:
        """Set `suspended` or `stopped`; False when no such cron."""
        assert flag in ("suspended", "stopped")
        with self._db() as db:
            cur = db.execute(f"UPDATE crons SET {flag} = ? WHERE name = ?", (int(value), name))
            return cur.rowcount > 0

    def save_state(self, name: str, state: CronState) -> None:
        with self._db() as db:
            db.execute("UPDATE crons SET state_json = ? WHERE name = ?",
                       (json.dumps(state.to_dict()), name))

    def delete(self, name: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM crons WHERE name = ?", (name,))
            db.execute("DELETE FROM cron_events WHERE cron = ?", (name,))

    def log(self, name: str, message: str, at: float | None = None) -> None:
        with self._db() as db:
            db.execute("INSERT INTO cron_events (cron, at, message) VALUES (?, ?, ?)",
                       (name, time.time() if at is None else at, message))
            db.execute("DELETE FROM cron_events WHERE cron = ? AND rowid NOT IN (SELECT rowid "
                       "FROM cron_events WHERE cron = ? ORDER BY at DESC LIMIT ?)",
                       (name, name, EVENTS_KEPT))

    def events(self, name: str, last: int = 20) -> list[tuple[float, str]]:
        with self._db() as db:
            rows = db.execute("SELECT at, message FROM cron_events WHERE cron = ? "
                              "ORDER BY at DESC, rowid DESC LIMIT ?", (name, last)).fetchall()
        return [(float(at), str(msg)) for at, msg in reversed(rows)]


def _row(r: sqlite3.Row) -> CronRow:
    return CronRow(r["name"], json.loads(r["doc_json"]), r["plan_json"],
                   json.loads(r["options_json"] or "{}"), r["source"], float(r["created_at"]),
                   bool(r["suspended"]), bool(r["stopped"]),
                   CronState.from_dict(json.loads(r["state_json"] or "{}")))


class _Conn:
    """A connection for one `with` block: WAL (as the run store), a 5 s busy timeout, one
    IMMEDIATE transaction committed at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout=5000")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        try:
            self.conn.execute("ROLLBACK" if kind else "COMMIT")
        finally:
            self.conn.close()


__all__ = ["CronRow", "CronStore", "EVENTS_KEPT"]
