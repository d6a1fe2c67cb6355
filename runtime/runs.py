"""Runs that last: helpers behind `plait submit/list/get/stop/delete/retry/resume` (issue #5).

A submitted workflow is a store row (phase Pending, the plan, the runner's options) plus one
detached runner process (`python -m runtime.runner NAME`, see `runtime/runner.py`). The row
records the runner's pid and a heartbeat; a Running row whose runner is gone (dead pid, or no
heartbeat for `LOST_AFTER` seconds) is shown as `Running (runner lost)` until `plait resume`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Mapping

from plait.grammar.durations import parse_duration

from .backends.container import remove_run
from .backends.kube_cleanup import delete_run_objects
from .home import ARTIFACTS_DIR, LOGS_DIR
from .store import folder_name, safe_segment
from .storeapi import RunStore, WorkflowRow
from .types import Node, NodeType, Phase

LOST_AFTER = 10.0                 # seconds without a heartbeat before a runner counts as lost
RUNNERS_DIR = "runners"          # <home>/runners/<wf>.log: a runner's own stderr
RUNNER_MODULE = "plait.runtime.runner"
ACTIVE = (Phase.PENDING, Phase.RUNNING)


def phase_of(row: WorkflowRow) -> Phase:
    """The row's phase."""
    return row.phase


def is_active(row: WorkflowRow) -> bool:
    """Pending or Running (whether or not its runner is alive)."""
    return phase_of(row) in ACTIVE


def pid_alive(pid: int | None) -> bool:
    """True when `pid` is a live runner process (not a zombie, and, where /proc tells, running
    `runtime.runner`, so a recycled pid does not count)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc") / str(pid)
    try:
        stat = (proc / "stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return False
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
    except (FileNotFoundError, ProcessLookupError):
        return False                  # it exited (and was reaped) since the signal above
    except (OSError, IndexError):
        return True
    # empty while the process is still inside exec(): a runner being born
    return not cmdline or RUNNER_MODULE.encode() in cmdline


def runner_alive(row: WorkflowRow, now: float | None = None) -> bool:
    """The row's runner is alive: its pid lives and its heartbeat is recent."""
    now = time.time() if now is None else now
    if not pid_alive(row.runner_pid):
        return False
    beat = row.heartbeat
    return beat is not None and now - float(beat) <= LOST_AFTER


def runner_lost(row: WorkflowRow, now: float | None = None) -> bool:
    """Pending/Running, and nobody runs it any more."""
    return is_active(row) and not runner_alive(row, now)


def suspended(nodes: Iterable[Node]) -> bool:
    """Some suspend node waits (Argo's `Running (Suspended)`)."""
    return any(n.type is NodeType.SUSPEND and n.phase is Phase.RUNNING for n in nodes)


def status_text(row: WorkflowRow, nodes: Mapping[str, Node] | None = None,
                now: float | None = None) -> str:
    """The STATUS column: the phase, `Running (runner lost)`, `Running (Suspended)` or
    `Failed (Terminated)` (Argo's words for a stopped or terminated workflow)."""
    phase = phase_of(row)
    text = phase.value
    if phase in ACTIVE:
        if runner_lost(row, now):
            return f"{text} (runner lost)"
        if nodes is not None and suspended(nodes.values()):
            return f"{text} (Suspended)"
    if phase is Phase.FAILED and row.message.startswith("Stopped with strategy"):
        return "Failed (Terminated)"
    return text


def short_duration(seconds: float | None) -> str:
    """Argo's short relative duration (`list`'s AGE and DURATION): `5s`, `3m`, `2h`, `4d`."""
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def age(row: WorkflowRow, now: float) -> str:
    """The AGE column: since the run was created."""
    return short_duration(now - float(row.created_at or now))


def duration(row: WorkflowRow, now: float) -> str:
    """The DURATION column: start to end, to now while it runs, to the last heartbeat of a
    lost runner."""
    started = row.started_at
    if started is None:
        return "0s"
    end = row.finished_at
    if end is None and not is_active(row):
        end = started
    if end is None and runner_lost(row, now):
        end = row.heartbeat or started
    return short_duration(float(end if end is not None else now) - float(started))


_DAYS = re.compile(r"^(\d+(?:\.\d+)?)d(.*)$")


def parse_age(text: str) -> float:
    """A duration for `--older` and `--since`: Go's (`90s`, `1h30m`) plus days (`2d`, `1d12h`);
    ValueError otherwise."""
    text = text.strip()
    days = 0.0
    m = _DAYS.match(text)
    if m:
        days, text = float(m.group(1)), m.group(2)
        if not text:
            return days * 86400
    try:
        value = parse_duration(text, False)
    except ValueError:
        raise ValueError(f"invalid duration {text!r} (e.g. 30s, 10m, 2h, 1d)") from None
    if value is None:
        raise ValueError(f"invalid duration {text!r} (e.g. 30s, 10m, 2h, 1d)")
    return days * 86400 + float(value)


def runner_log(home: Path, wf: str) -> Path:
    """`<home>/runners/<wf>.log`: the runner's own output (tracebacks, warnings)."""
    return Path(home) / RUNNERS_DIR / f"{safe_segment(wf, 'workflow name')}.log"


def start_runner(store: RunStore, wf: str, mode: str = "new",
                 blocked: Iterable[int] = ()) -> int:
    """Start the detached runner of `wf` (its own session, output to `<home>/runners/<wf>.log`)
    and record its pid; returns the pid. The `blocked` signals (the runner's protocol) start
    blocked in the runner, which unblocks them once it handles them: one sent while Python
    is still starting waits instead of killing it (a blocked signal stays pending across
    exec; an ignored one would be lost)."""
    log = runner_log(store.home, wf)
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PLAIT_HOME"] = str(store.home)
    mask = set(blocked)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, mask) if mask else None
    try:
        with open(log, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", RUNNER_MODULE, wf, "--mode", mode],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                    cwd=str(store.home), start_new_session=True, close_fds=True)
    finally:
        if before is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
    store.set_runner(wf, pid=proc.pid, heartbeat=time.time())
    _until_exec(proc.pid)
    return proc.pid


def _until_exec(pid: int, timeout: float = 2.0) -> None:
    """Wait (briefly) until the new process shows the runner's command line, so a caller that
    checks `pid_alive` at once does not see the forking parent's."""
    cmdline = Path("/proc") / str(pid) / "cmdline"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if RUNNER_MODULE.encode() in cmdline.read_bytes():
                return
        except OSError:
            return
        time.sleep(0.005)


def pod_names(nodes: Iterable[Node]) -> set[str]:
    """The pod names of a run's nodes."""
    return {n.pod_name for n in nodes if n.pod_name}


def delete_run(store: RunStore, wf: str) -> None:
    """Remove everything of a run: rows, logs, artifacts, staged inputs, pod folders, volumes
    and the runner's log."""
    home = Path(store.home)
    row = store.workflow(wf)
    options = (row.options if row is not None else None) or {}
    if options.get("backend") == "container":       # its containers, pods, volumes, network
        for problem in remove_run(home, wf, options.get("engine")):
            logging.getLogger("plait.runtime").warning("%s", problem)
    if options.get("backend") == "kubernetes":      # its Pods and Secrets are on a cluster
        try:
            delete_run_objects(options, wf)
        except Exception as exc:    # no client, no cluster, refused: the records go anyway
            logging.getLogger("plait.runtime").warning(
                "could not delete the Pods and Secrets of %s on the cluster: %s", wf, exc)
    pods = pod_names(store.nodes(wf).values())
    folders = [home / LOGS_DIR / wf, home / ARTIFACTS_DIR / wf, home / "volumes" / folder_name(wf),
               home / "staging" / wf]
    for pod in pods:
        folders.append(home / "pods" / folder_name(pod))
        folders.append(home / "pods" / re.sub(r"[^A-Za-z0-9_.\-]", "_", pod))
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    try:
        runner_log(home, wf).unlink()
    except FileNotFoundError:
        pass
    store.delete(wf)           # rows last: removing the files freed the space it needs


def wait_runner_gone(row: WorkflowRow, timeout: float) -> bool:
    """Wait (up to `timeout` s) until the row's runner process has exited."""
    deadline = time.monotonic() + timeout
    while pid_alive(row.runner_pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def mark_stopped(store: RunStore, wf: str, message: str) -> None:
    """A workflow whose runner is gone is stopped by hand: nodes left Pending/Running and the
    workflow become Failed with Argo's message."""
    now = time.time()
    nodes = store.nodes(wf)
    for node in nodes.values():
        if not node.phase.done:
            node.phase, node.message = Phase.FAILED, message
            node.finished_at = now
            store.save_node(wf, node)
    store.set_workflow(wf, Phase.FAILED, message, now)


__all__ = ["LOST_AFTER", "age", "delete_run", "duration", "mark_stopped", "parse_age",
           "pid_alive", "runner_alive", "runner_lost", "short_duration", "start_runner",
           "status_text", "suspended", "wait_runner_gone"]
