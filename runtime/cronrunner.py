"""The detached cron scheduler: `python -m plait.runtime.cronrunner`, one per plait home.

`plait cron start` stores CronWorkflows (`runtime/cronstore.py`) and starts this process
unless it runs already (`ensure_scheduler`). Every `TICK` seconds it reads the stored crons,
lets `runtime.cronjobs.Scheduler` decide what fires, and starts each run as `plait submit`
does: a store row plus its own detached runner (`runtime/runner.py`), so a run outlives the
scheduler. One scheduler per home: it holds an exclusive lock on `<home>/runners/
cron-scheduler.lock`, and a second one exits at once. It exits by itself when no cron is left
to schedule (all stopped or deleted); SIGTERM ends it too.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import IO, Any, Callable, Sequence

from plait.compiler.plancodec import PlanError, read_plan

from . import control
from .cronjobs import STOPPED, CronSpec, CronSpecError, Scheduler, child_plan, plan_arguments
from .cronstore import CronRow, CronStore
from .home import ensure_home
from .runs import RUNNERS_DIR
from .store import Store
from .storeapi import WorkflowExists

TICK = 1.0                       # seconds between two looks at the schedules
MODULE = "plait.runtime.cronrunner"
LOCK_NAME = "cron-scheduler.lock"
LOG_NAME = "cron-scheduler.log"
START_WAIT = 15.0                # seconds `ensure_scheduler` waits (at most) for it to hold its lock


class StoreRuns:
    """`cronjobs.Runs` over the run store: children start in detached runners."""

    def __init__(self, store: Store, crons: CronStore) -> None:
        self.store, self.crons = store, crons

    def submit(self, spec: CronSpec, scheduled: float) -> str | None:
        row = self.crons.get(spec.name)
        if row is None:
            return None
        try:
            plan = child_plan(read_plan(row.plan_json), spec, scheduled)
        except PlanError as exc:         # a hand-edited row: say so, keep scheduling the rest
            self.crons.log(spec.name, f"cannot start a run: its stored plan is not readable: {exc}")
            return None
        if self.store.workflow(plan.name) is not None:
            return None                  # Argo: a duplicate submission is not an error
        try:
            return control.submit(self.store, plan, arguments=plan_arguments(plan),
                                  options=row.options, started_at=time.time())
        except WorkflowExists:
            return None

    def status(self, name: str) -> tuple[str, float | None] | None:
        row = self.store.workflow(name)
        return None if row is None else (row.phase.value, row.finished_at)

    def terminate(self, name: str) -> None:
        try:
            control.terminate(self.store, name)
        except control.ControlError:
            pass                         # finished meanwhile, or gone

    def delete(self, name: str) -> None:
        try:
            control.delete(self.store, name)
        except control.NoSuchRun:
            pass


def tick_all(scheduler: Scheduler, crons: CronStore, rows: list[CronRow]) -> bool:
    """One tick over every stored cron; True while one is left to schedule (suspended ones
    count: `resume` needs no new scheduler). Runs still active when it exits are reconciled
    by the next scheduler (their names are in the cron's state)."""
    busy = False
    for row in rows:
        try:
            spec = CronSpec.of(row.doc)
        except CronSpecError as exc:         # `cron start` refuses these; a hand-edited row
            crons.log(row.name, str(exc))
            continue
        try:
            state = scheduler.tick(spec, row.state,
                                   suspended=row.suspended or row.stopped or spec.suspend)
        except Exception as exc:     # a bug or a full disk must not end the other crons' schedules
            traceback.print_exc()
            crons.log(row.name, f"scheduler error (this is a bug in plait, or the disk is "
                                f"full): {exc}")
            busy = True
            continue
        crons.save_state(row.name, state)
        busy = busy or not (row.stopped or state.phase == STOPPED)
    return busy


def _reap() -> None:
    """Collect the runners that ended (children of this process until they exit: they must
    not inherit an ignored SIGCHLD, so they are reaped here)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def lock_path(home: Path) -> Path:
    return Path(home) / RUNNERS_DIR / LOCK_NAME


def _lock(home: Path) -> IO[Any] | None:
    """The scheduler's lock, held while the returned file stays open; None when another
    process holds it."""
    path = lock_path(home)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def scheduler_pid(home: Path) -> int | None:
    """The pid of the home's running scheduler, None when none runs (its lock is free)."""
    path = lock_path(home)
    if not path.exists():
        return None
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            text = fh.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


def ensure_scheduler(home: Path) -> int:
    """Start the home's scheduler unless one runs; returns its pid."""
    pid = scheduler_pid(home)
    if pid is not None:
        return pid
    log = Path(home) / RUNNERS_DIR / LOG_NAME
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PLAIT_HOME"] = str(home)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", MODULE], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=out, env=env, cwd=str(home),
                                start_new_session=True, close_fds=True)
    deadline = time.monotonic() + START_WAIT
    while scheduler_pid(home) is None and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)                 # until it holds the lock: `cron list` then sees it
    return proc.pid


def serve(home: Path, clock: Callable[[], float] = time.time,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """The scheduler's loop (see the module docstring); 0 when it ended, 0 too when another
    scheduler already runs."""
    held = _lock(home)
    if held is None:
        return 0
    ending: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: ending.append(signum))
    crons = CronStore(home)
    scheduler = Scheduler(StoreRuns(Store.at(home), crons), clock, crons.log)
    try:
        while not ending:
            if not tick_all(scheduler, crons, crons.all()):
                break
            _reap()
            sleep(TICK)
    finally:
        held.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return serve(ensure_home())


if __name__ == "__main__":
    sys.exit(main())
