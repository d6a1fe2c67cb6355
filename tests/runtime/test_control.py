"""Run control through the library API (`plait.runtime.control`), no CLI: real detached
runner processes and the real SQLite store under a temporary plait home."""

from __future__ import annotations

import os
import signal
import time

import pytest

from plait.compiler.api import compile as compile_workflow
from plait.runtime import control
from plait.runtime.runs import pid_alive
from plait.runtime.store import Store
from plait.runtime.types import NodeType, Phase

from ..helpers import STOPPABLE, SUSPENDED

WAIT = 60.0


FLAKY = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: flaky
spec:
  entrypoint: main
  volumes:
  - name: m
    hostPath: {path: MARKERS}
  templates:
  - name: main
    steps:
    - - name: first
        template: first
    - - name: second
        template: second
  - name: first
    container: {image: busybox, command: [sh, -c, "echo first >> /m/marker"],
                volumeMounts: [{name: m, mountPath: /m}]}
  - name: second
    container:
      image: busybox
      command: [sh, -c, "test -f /m/fixed && echo second >> /m/marker"]
      volumeMounts: [{name: m, mountPath: /m}]
"""



@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    home = tmp_path / "home"
    monkeypatch.setenv("PLAIT_HOME", str(home))      # the runner's home
    monkeypatch.delenv("PLAIT_IMAGES", raising=False)
    return Store.at(home)


def wait_for(predicate, what: str):
    deadline = time.monotonic() + WAIT
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


def finished(store: Store, name: str) -> dict:
    def done():
        row = store.workflow(name)
        return row if row and row.phase not in (Phase.PENDING, Phase.RUNNING) else None
    return wait_for(done, f"{name} to finish")


def submit(store: Store, text: str) -> str:
    return control.submit(store, compile_workflow(text))


def test_stop_kills_the_pod_and_runs_the_exit_handler(store):
    name = submit(store, STOPPABLE)
    wait_for(lambda: any(n.display_name == "long" and n.phase is Phase.RUNNING
                         for n in store.nodes(name).values()), "the long pod to run")
    control.stop(store, name)
    row = finished(store, name)
    assert (row.phase, row.message) == (Phase.FAILED, "Stopped with strategy 'Stop'")
    nodes = {n.name: n for n in store.nodes(name).values()}
    assert nodes[f"{name}.onExit"].phase is Phase.SUCCEEDED
    with pytest.raises(control.ControlError, match="cannot shutdown a completed workflow"):
        control.stop(store, name)


def test_retry_reruns_the_failed_step_only(store, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    name = submit(store, FLAKY.replace("MARKERS", str(markers)))
    assert finished(store, name).phase is Phase.FAILED
    (markers / "fixed").write_text("")
    assert control.retry(store, name) > 0
    assert finished(store, name).phase is Phase.SUCCEEDED
    assert (markers / "marker").read_text().split() == ["first", "second"]   # first kept
    with pytest.raises(control.ControlError, match="Cannot retry a workflow in phase Succeeded"):
        control.retry(store, name)


def test_resume_releases_the_suspended_node(store):
    name = submit(store, SUSPENDED)
    wait_for(lambda: any(n.type is NodeType.SUSPEND and n.phase is Phase.RUNNING
                         for n in store.nodes(name).values()), "the suspend node")
    assert control.resume(store, name) is True          # the live runner was signalled
    assert finished(store, name).phase is Phase.SUCCEEDED
    with pytest.raises(control.ControlError, match="cannot resume a workflow in phase Succeeded"):
        control.resume(store, name)


def test_a_run_whose_stored_plan_this_plait_cannot_read_is_refused(store):
    """A store written by another plait version (or damaged): a refusal that says so, never
    a PlanError from inside the codec."""
    store.create_workflow("old", '{"planVersion": 0}', {}, 1.0, phase=Phase.FAILED)
    for act in (lambda: control.workflow_parameters(store, "old"),
                lambda: control.retry(store, "old", {"a": "1"}),
                lambda: control.resubmit(store, "old", "old-2")):
        with pytest.raises(control.ControlError, match="'old' holds no plan this plait can read: "
                                                       "unsupported planVersion 0"):
            act()
    assert store.workflow("old-2") is None and store.workflow("old").phase is Phase.FAILED


def test_unknown_runs_are_refused(store):
    for verb in (control.stop, control.terminate, control.retry, control.resume,
                 control.delete):
        with pytest.raises(control.NoSuchRun):
            verb(store, "nothing-here")


def test_resume_continues_a_run_whose_runner_was_lost(store):
    name = submit(store, SUSPENDED)

    def suspended_since(t: float) -> bool:
        return any(n.type is NodeType.SUSPEND and n.phase is Phase.RUNNING
                   and (n.started_at or 0) > t for n in store.nodes(name).values())

    wait_for(lambda: suspended_since(0), "the suspend node")
    pid = store.workflow(name).runner_pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not pid_alive(pid), "the runner to die")
    assert control.resume(store, name) is False         # a new runner continues the run
    started = time.time()
    # the new runner's engine beats once its signal handlers are in place
    wait_for(lambda: (store.workflow(name).heartbeat or 0) > started, "the new runner's engine")
    signalled = []

    def resumed() -> bool:     # resume until the new run's suspend node has taken it
        if store.workflow(name).phase is not Phase.RUNNING:
            return True
        signalled.append(control.resume(store, name))
        time.sleep(0.2)
        return False

    wait_for(resumed, "the resumed run to finish")
    assert store.workflow(name).phase is Phase.SUCCEEDED and signalled[-1] is True


def _gone_pid() -> int:
    """The pid of a process that has exited and been reaped: a signal to it finds nobody."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def _runner_seen_alive_then_gone(store: Store, monkeypatch) -> str:
    """A suspended run whose runner was seen alive (pid and fresh heartbeat) and exited before
    a signal reached it: the window in which CI once saw `resume` raise ProcessLookupError."""
    name = submit(store, SUSPENDED)
    wait_for(lambda: any(n.type is NodeType.SUSPEND and n.phase is Phase.RUNNING
                         for n in store.nodes(name).values()), "the suspend node")
    pid = store.workflow(name).runner_pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not pid_alive(pid), "the runner to die")
    store.set_runner(name, _gone_pid(), time.time())
    monkeypatch.setattr(control, "runner_alive", lambda row, now=None: True)
    return name


def test_resume_of_a_runner_gone_after_it_was_seen_alive_starts_a_new_one(store, monkeypatch):
    name = _runner_seen_alive_then_gone(store, monkeypatch)
    assert control.resume(store, name) is False           # a new runner, no traceback
    monkeypatch.undo()
    wait_for(lambda: pid_alive(store.workflow(name).runner_pid), "the new runner")
    control.terminate(store, name)
    wait_for(lambda: store.workflow(name).phase is not Phase.RUNNING, "the run to end")


def test_stop_of_a_runner_gone_after_it_was_seen_alive_marks_the_run_stopped(store, monkeypatch):
    name = _runner_seen_alive_then_gone(store, monkeypatch)
    control.stop(store, name)
    row = store.workflow(name)
    assert row.phase is Phase.FAILED and row.message == "Stopped with strategy 'Stop'"


def test_a_signal_sent_while_the_runner_starts_waits_for_its_handlers(store):
    """A resume (SIGUSR1) sent the moment `submit` returns, while the runner's Python is
    still importing, used to kill it (the default action) and leave the run 'runner lost'.
    start_runner starts the runner with the protocol's signals blocked: it lives on and
    handles them."""
    name = submit(store, SUSPENDED)
    pid = store.workflow(name).runner_pid
    os.kill(pid, signal.SIGUSR1)
    os.kill(pid, signal.SIGUSR1)
    wait_for(lambda: any(n.type is NodeType.SUSPEND and n.phase is Phase.RUNNING
                         for n in store.nodes(name).values()), "the suspend node")
    assert pid_alive(pid)                       # it did not die of the early signals
    control.stop(store, name)                   # handled as a stop, by the live runner
    assert finished(store, name).message == "Stopped with strategy 'Stop'"
