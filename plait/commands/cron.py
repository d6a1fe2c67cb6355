"""`plait cron start|list|get|suspend|resume|stop|delete`: CronWorkflows scheduled on this
machine (argo's `cron` verbs).

`start` checks and compiles each CronWorkflow of the files, stores it (`runtime/cronstore.py`)
and makes sure the home's detached scheduler runs (`runtime/cronrunner.py`); the others read
and switch the stored crons, from any process. A stopped cron stays listed and keeps its runs
(`cron start FILE` schedules it again); `delete` removes it and its runs, as Kubernetes removes
a CronWorkflow's Workflows with it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import math
import sys
import time
from typing import Any

from plait.compiler.plancodec import write_plan
from plait.compiler.planner import plain
from plait.compiler.source import load_file
from plait.runtime import control
from plait.runtime.cronjobs import STOPPED, CronSpec, CronSpecError, CronState
from plait.runtime.cronrunner import ensure_scheduler, scheduler_pid
from plait.runtime.cronstore import CronRow, CronStore
from plait.runtime.home import ensure_home
from plait.runtime.runs import short_duration

from . import base
from .base import EXIT_FINDINGS, EXIT_OK, UsageError
from .cluster import apply_cluster_options
from .run import detached_options
from .runs import open_store
from .sources import compile_args, failed

STOP_WAIT = 15.0         # seconds `cron stop` waits (at most) for an idle scheduler to exit


def _crons() -> CronStore:
    return CronStore(ensure_home())


def _cron_documents(path: str) -> list[dict[str, Any]]:
    """The CronWorkflow documents of a file, as plain data."""
    loaded = load_file(path)
    return [plain(doc.data) for doc in loaded.documents
            if isinstance(doc.data, dict) and doc.data.get("kind") == "CronWorkflow"]


def cmd_usage(args: argparse.Namespace) -> int:
    """`plait cron` without a verb: its usage (exit 2)."""
    args.verb_parser.print_usage(sys.stderr)
    print("plait cron: error: choose a VERB", file=sys.stderr)
    return base.EXIT_USAGE


def cmd_start(args: argparse.Namespace) -> int:
    """Check, store and schedule every CronWorkflow of the files; exit 1 after errors."""
    options = detached_options(args)
    found: list[tuple[str, dict[str, Any], str]] = []
    for path in args.paths:
        docs = _cron_documents(path)
        if not docs:
            raise UsageError(f"{path}: holds no CronWorkflow (hint: `plait submit` runs a "
                             "Workflow once)")
        for i, doc in enumerate(docs):
            name = str((doc.get("metadata") or {}).get("name") or "")
            one = argparse.Namespace(**{**vars(args), "path": path, "workflow": name,
                                        "entrypoint": None, "name": None})
            # the checks are the file's: their findings are printed once, with its first cron
            with contextlib.redirect_stderr(io.StringIO()) if i else contextlib.nullcontext():
                done = compile_args(one, run=True)
            if failed(done):
                return EXIT_FINDINGS
            try:
                CronSpec.of(doc)
            except CronSpecError as exc:
                raise UsageError(f"{path}: {exc}") from None
            plan = apply_cluster_options(done.plan, args)
            found.append((path, doc, write_plan(plan)))
    crons = _crons()
    now = base.now()
    for path, doc, plan_json in found:
        spec = CronSpec.of(doc)
        new = crons.put(spec.name, doc, plan_json, options, path, CronState(checked=now),
                        spec.suspend)
        crons.log(spec.name, "scheduled" if new else "updated and scheduled")
        row = crons.get(spec.name)
        anchor = row.state.since or row.state.checked if row else now
        print(f"{spec.name}: {'scheduled' if new else 'updated'}, next run "
              f"{_next_run(spec, now, spec.suspend, anchor)}")
    ensure_scheduler(crons.home)
    return EXIT_OK


def _next_run(spec: CronSpec, now: float, suspended: bool, anchor: float) -> str:
    if suspended:
        return "N/A (suspended)"
    t = min(s.next_after(now, anchor) for s in spec.schedules)
    if t == math.inf:
        return "never (no date matches)"
    return f"{_time(t)} (in {short_duration(t - now)})"


def _time(t: float | None) -> str:
    if t is None or t == math.inf:
        return "N/A"
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spec(row: CronRow) -> CronSpec | None:
    try:
        return CronSpec.of(row.doc)
    except CronSpecError:
        return None


def _status(row: CronRow) -> str:
    if row.stopped or row.state.phase == STOPPED:
        return "Stopped"
    return "Suspended" if (row.suspended or row.spec_suspend) else "Active"


def cmd_list(args: argparse.Namespace) -> int:
    """argo cron list: NAME AGE LAST RUN NEXT RUN SCHEDULES TIMEZONE SUSPENDED (+ STATUS)."""
    rows = _crons().all()
    now = base.now()
    if args.output == "name":
        for row in rows:
            print(row.name)
        return EXIT_OK
    if args.output == "json":
        print(json.dumps([_json(row, now) for row in rows], indent=2))
        return EXIT_OK
    table = [("NAME", "AGE", "LAST RUN", "NEXT RUN", "SCHEDULES", "TIMEZONE", "SUSPENDED",
              "STATUS")]
    for row in rows:
        spec = _spec(row)
        last = row.state.last_scheduled
        nxt = _next_at(row, spec, now)
        table.append((row.name, short_duration(now - row.created_at),
                      short_duration(now - last) if last is not None else "N/A",
                      short_duration(nxt - now) if nxt not in (None, math.inf) else "N/A",
                      ",".join(s.text for s in spec.schedules) if spec else "?",
                      (spec.timezone if spec else "") or "Local",
                      str(row.suspended or row.spec_suspend).lower(), _status(row)))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    _note_scheduler(rows)
    return EXIT_OK


def _next_at(row: CronRow, spec: CronSpec | None, now: float) -> float | None:
    if spec is None or _status(row) != "Active":
        return None
    anchor = row.state.since or row.state.checked
    return min(s.next_after(now, anchor) for s in spec.schedules)


def _note_scheduler(rows: list[CronRow]) -> None:
    if any(_status(r) != "Stopped" for r in rows) and scheduler_pid(_crons().home) is None:
        print("plait: note: the cron scheduler is not running: `plait cron resume NAME` or "
              "`plait cron start FILE` starts it", file=sys.stderr)


def _json(row: CronRow, now: float) -> dict[str, Any]:
    spec = _spec(row)
    nxt = _next_at(row, spec, now)
    return {"name": row.name, "source": row.source, "status": _status(row),
            "suspended": row.suspended or row.spec_suspend,
            "schedules": [s.text for s in spec.schedules] if spec else [],
            "timezone": spec.timezone if spec else "",
            "lastScheduledTime": _time(row.state.last_scheduled) if row.state.last_scheduled
            else None, "nextScheduledTime": _time(nxt) if nxt not in (None, math.inf) else None,
            "active": row.state.active, "succeeded": row.state.succeeded,
            "failed": row.state.failed}


def _row(crons: CronStore, name: str) -> CronRow:
    row = crons.get(name)
    if row is None:
        raise base.NoRun(f"no CronWorkflow named {name!r} (plait cron list shows them)")
    return row


@base.runs_verb
def cmd_get(args: argparse.Namespace) -> int:
    """argo cron get: the cron's settings, its status, and what the scheduler logged."""
    crons = _crons()
    row = _row(crons, args.name)
    now = base.now()
    if args.output == "json":
        print(json.dumps(_json(row, now), indent=2))
        return EXIT_OK
    spec = _spec(row)
    nxt = _next_at(row, spec, now)
    lines = [("Name:", row.name), ("Namespace:", spec.namespace if spec else "default"),
             ("Source:", row.source), ("Created:", _time(row.created_at)),
             ("Schedules:", ", ".join(s.text for s in spec.schedules) if spec else "?"),
             ("Timezone:", (spec.timezone if spec else "") or "Local"),
             ("Suspended:", str(row.suspended or row.spec_suspend).lower()),
             ("Status:", _status(row))]
    if spec is not None:
        lines += [("ConcurrencyPolicy:", spec.concurrency),
                  ("StartingDeadlineSeconds:", "unset" if spec.deadline is None
                   else f"{spec.deadline:g}")]
        if spec.stop_expression:
            lines.append(("StopStrategy:", spec.stop_expression))
    lines += [("LastScheduledTime:", _time(row.state.last_scheduled)),
              ("NextScheduledTime:", _time(nxt)),
              ("Active Workflows:", ", ".join(row.state.active) or "none"),
              ("Succeeded:", str(row.state.succeeded)), ("Failed:", str(row.state.failed))]
    for label, value in lines:
        print(f"{label:<31}{value}")
    events = crons.events(row.name)
    if events:
        print("\nEvents:")
        for at, message in events:
            print(f"  {_time(at)}  {message}")
    _note_scheduler([row])
    return EXIT_OK


def _names(args: argparse.Namespace, crons: CronStore) -> list[str]:
    if getattr(args, "all", False):
        return [row.name for row in crons.all()]
    if not args.names:
        raise UsageError("give NAME... or --all")
    for name in args.names:
        _row(crons, name)
    return list(args.names)


@base.runs_verb
def cmd_suspend(args: argparse.Namespace) -> int:
    """Stop scheduling until `resume` (the schedules missed meanwhile never run)."""
    crons = _crons()
    for name in _names(args, crons):
        crons.set_flag(name, "suspended", True)
        crons.log(name, "suspended")
        print(f"CronWorkflow '{name}' suspended")
    return EXIT_OK


@base.runs_verb
def cmd_resume(args: argparse.Namespace) -> int:
    """Schedule again (and start the scheduler if it is not running)."""
    crons = _crons()
    for name in _names(args, crons):
        crons.set_flag(name, "suspended", False)
        crons.log(name, "resumed")
        print(f"CronWorkflow '{name}' resumed")
    ensure_scheduler(crons.home)
    return EXIT_OK


@base.runs_verb
def cmd_stop(args: argparse.Namespace) -> int:
    """No more runs of these crons on this machine (kept with their runs; `cron start FILE`
    schedules one again); the scheduler exits when it has nothing left to do."""
    crons = _crons()
    for name in _names(args, crons):
        crons.set_flag(name, "stopped", True)
        crons.log(name, "stopped")
        print(f"CronWorkflow '{name}' stopped")
    _until_idle_scheduler_exits(crons)
    return EXIT_OK


@base.runs_verb
def cmd_delete(args: argparse.Namespace) -> int:
    """Remove crons and the runs they started (their running ones terminated)."""
    crons = _crons()
    store = None
    for name in _names(args, crons):
        row = _row(crons, name)
        crons.set_flag(name, "stopped", True)       # the scheduler starts nothing more
        runs = [*row.state.active, *(r[0] for r in row.state.finished)]
        store = store or open_store()
        for run in runs:
            try:
                control.delete(store, run)
            except control.NoSuchRun:
                pass
        crons.delete(name)
        print(f"CronWorkflow '{name}' deleted" + (f" with {len(runs)} run(s)" if runs else ""))
    _until_idle_scheduler_exits(crons)
    return EXIT_OK


def _until_idle_scheduler_exits(crons: CronStore) -> None:
    """When no cron is left to schedule, wait (briefly) for the scheduler to notice and exit,
    so `cron stop` leaves no process behind."""
    if any(_status(r) != "Stopped" for r in crons.all()):
        return
    deadline = time.monotonic() + STOP_WAIT
    while scheduler_pid(crons.home) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
