"""Run control, as a library API: Argo's stop, terminate, retry, resubmit, resume and delete of
stored runs (the `plait` verbs of the same names call these, and so can any Python caller).

A stored run is a store row plus, while it runs, one detached runner process
(`runtime/runner.py`). The runner's signal protocol is defined here, once: SIGTERM stops
(running pods are killed, exit handlers still run), SIGUSR2 terminates (everything is killed,
no exit handler runs), SIGUSR1 resumes the suspended nodes. A run whose runner is gone is
stopped by hand (`runs.mark_stopped`) and continued by starting a new runner.

Every function raises `NoSuchRun` for a name the store does not hold and `ControlError` when
the run is in a phase the verb cannot act on (the CLI prints either and exits 1).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from typing import Any, Callable, Mapping

from plait.compiler.plan import Parameter, Plan
from plait.compiler.plancodec import PlanError, read_plan, write_plan
from plait.compiler.planner import generate_name

from .runs import (
    delete_run,
    is_active,
    mark_stopped,
    pid_alive,
    runner_alive,
    start_runner,
    wait_runner_gone,
)
from .store import safe_segment
from .storeapi import RunStore, WorkflowRow
from .types import Phase

STOP_SIGNAL = signal.SIGTERM            # Argo's stop
TERMINATE_SIGNAL = signal.SIGUSR2       # Argo's terminate
RESUME_SIGNAL = signal.SIGUSR1          # Argo's resume of suspended nodes
# signal -> the `Engine` method the runner calls on it
RUNNER_SIGNALS: dict[int, str] = {STOP_SIGNAL: "stop", TERMINATE_SIGNAL: "terminate",
                                  RESUME_SIGNAL: "resume_suspended"}
STOP_GRACE = 2.0          # seconds to watch a signalled runner that may die of the signal
POLL = 0.05
DELETE_GRACE = 10.0       # seconds a terminated runner gets to exit before `delete` kills it


class ControlError(Exception):
    """The run is in a phase the verb cannot act on (Argo's refusal, e.g. retrying a
    Succeeded run)."""


class NoSuchRun(ControlError):
    """The store holds no run of that name."""


def _row(store: RunStore, name: str) -> WorkflowRow:
    row = store.workflow(name)
    if row is None:
        raise NoSuchRun(f"no run named {name!r}")
    return row


def _plan(row: WorkflowRow) -> Plan:
    """The run's stored plan; ControlError when it is none this plait reads (a store written
    by another version of plait, or damaged)."""
    try:
        return read_plan(row.plan_json or "")
    except PlanError as exc:
        raise ControlError(f"run {row.name!r} holds no plan this plait can read: {exc}") from None


def _phase_text(row: WorkflowRow) -> str:
    return row.phase.value


def submit(store: RunStore, plan: Plan, *, arguments: dict[str, Any] | None = None,
           options: dict[str, Any] | None = None, started_at: float | None = None) -> str:
    """Record `plan` as a new Pending run and start its detached runner (`runtime/runner.py`);
    returns the run's name. `options` are the runner's settings (`secrets`/`configmaps`/
    `images` file paths, `parallelism`, `sandbox`, `pass_env` names, `keep_pods`), never
    secret values. A taken name raises `store.WorkflowExists`."""
    plan = plan.named()             # a plan may keep generateName: the run picks the name
    store.create_workflow(plan.name, write_plan(plan), arguments or {},
                          time.time() if started_at is None else started_at, phase=Phase.PENDING)
    store.set_options(plan.name, options or {})
    start_runner(store, plan.name, "new", RUNNER_SIGNALS)
    return plan.name


def stop(store: RunStore, name: str, *, grace: float = STOP_GRACE) -> None:
    """Argo's stop: the run's running pods are killed, its exit handlers still run, it Fails
    with "Stopped with strategy 'Stop'"."""
    _shutdown(store, name, "Stop", grace)


def terminate(store: RunStore, name: str, *, grace: float = STOP_GRACE) -> None:
    """Argo's terminate: everything is killed and no exit handler runs."""
    _shutdown(store, name, "Terminate", grace)


def _shutdown(store: RunStore, name: str, strategy: str, grace: float) -> None:
    row = _row(store, name)
    if not is_active(row):
        raise ControlError(f"cannot shutdown a completed workflow: {name} is {_phase_text(row)}")
    message = f"Stopped with strategy '{strategy}'"
    pid = int(row.runner_pid or 0)
    if runner_alive(row) and _signal(pid, STOP_SIGNAL if strategy == "Stop" else TERMINATE_SIGNAL):
        _unless_runner_died(store, name, pid, message, grace)
    else:
        mark_stopped(store, name, message)


def _signal(pid: int, sig: int) -> bool:
    """Send `sig` to a runner just seen alive; False when it has exited since (it is then
    handled as a lost runner, never a ProcessLookupError)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def _unless_runner_died(store: RunStore, name: str, pid: int, message: str, grace: float) -> None:
    """A runner still starting dies of the signal instead of handling it: then the run is
    marked stopped here (watched for `grace` seconds; a live runner is handling it)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        row = store.workflow(name)
        if row is None or not is_active(row):
            return
        if not pid_alive(pid):
            time.sleep(4 * POLL)              # it may have written its end just now
            row = store.workflow(name)
            if row is not None and is_active(row):
                mark_stopped(store, name, message)
            return
        time.sleep(POLL)


def workflow_parameters(store: RunStore, name: str) -> list[str]:
    """The names of a run's workflow parameters (what `retry -p`/`resubmit -p` can set)."""
    plan = _plan(_row(store, name))
    return [str(p.name) for p in plan.arguments.parameters]


def _override(plan: Plan, arguments: dict[str, Any], given: Mapping[str, str] | None
              ) -> tuple[Plan, dict[str, Any]]:
    """Argo's `retry -p`/`resubmit -p` (its `overrideParameters`): each value replaces the
    value of the workflow parameter of that name, in the plan and in the run's recorded
    `arguments` (both returned); a name the workflow does not have is added, as
    `argo submit -p` adds it."""
    if not given:
        return plan, arguments
    io = plan.arguments
    planned = [dataclasses.replace(p, value=given[p.name], value_from=None)
               if p.name in given else p for p in io.parameters]
    planned += [Parameter(k, value=v) for k, v in given.items()
                if k not in {p.name for p in io.parameters}]
    plan = dataclasses.replace(plan, arguments=dataclasses.replace(io, parameters=tuple(planned)))
    recorded = [dict(p) for p in arguments.get("parameters") or [] if isinstance(p, dict)]
    have = set()
    for p in recorded:
        if p.get("name") in given:
            p.pop("valueFrom", None)
            p["value"] = given[str(p["name"])]
            have.add(p["name"])
    recorded.extend({"name": k, "value": v} for k, v in given.items() if k not in have)
    return plan, {**arguments, "parameters": recorded}


def retry(store: RunStore, name: str, parameters: Mapping[str, str] | None = None) -> int:
    """Argo's retry: re-run a Failed/Error run in place, keeping its succeeded nodes (a new
    detached runner, mode `retry`); returns the runner's pid. `parameters` override the
    workflow's parameters of those names (Argo's `retry -p`)."""
    row = _row(store, name)
    if row.phase not in (Phase.FAILED, Phase.ERROR) or runner_alive(row):
        raise ControlError(f"Cannot retry a workflow in phase {_phase_text(row)}")
    if parameters:
        plan, arguments = _override(_plan(row), dict(row.arguments),
                                    parameters)
        store.set_plan(name, write_plan(plan), arguments)
    store.set_workflow(name, Phase.RUNNING, row.message)
    return start_runner(store, name, "retry", RUNNER_SIGNALS)


def resubmit(store: RunStore, name: str, new_name: str | None = None,
             now: Callable[[], float] = time.time,
             parameters: Mapping[str, str] | None = None) -> str:
    """Argo's resubmit: a new run from the run's plan and arguments, started in a detached
    runner; returns the new run's name (`new_name`, or the workflow's generateName (else
    `NAME-`) plus 5 random characters). ValueError when that name is unusable or taken.
    `parameters` override the workflow's parameters of those names (`resubmit -p`)."""
    row = _row(store, name)
    plan = _plan(row)
    new = new_name or generate_name(plan.workflow.generate_name or f"{name}-")
    safe_segment(new, "workflow name")
    if store.workflow(new) is not None:
        raise ValueError(f"workflow {new!r} already exists: choose another --name")
    plan, arguments = _override(plan.named(new), dict(row.arguments), parameters)
    store.create_workflow(new, write_plan(plan), arguments, now(),
                          phase=Phase.PENDING)
    store.set_options(new, dict(row.options, resubmitted_from=name))
    start_runner(store, new, "new", RUNNER_SIGNALS)
    return new


def resume(store: RunStore, name: str) -> bool:
    """Argo's resume: a live runner resumes its suspended nodes (SIGUSR1); a run whose runner
    was lost continues in a new runner (mode `resume`, succeeded nodes are not run again).
    Returns True when a live runner was signalled, False when a new one started."""
    row = _row(store, name)
    if not is_active(row):
        raise ControlError(f"cannot resume a workflow in phase {_phase_text(row)}")
    if runner_alive(row) and _signal(int(row.runner_pid or 0), RESUME_SIGNAL):
        return True
    start_runner(store, name, "resume", RUNNER_SIGNALS)
    return False


def delete(store: RunStore, name: str) -> None:
    """Remove a run and everything it left (`runs.delete_run`); a running one is terminated
    first (killed if its runner does not exit within `DELETE_GRACE` seconds)."""
    row = _row(store, name)
    pid = row.runner_pid
    if pid is not None and is_active(row) and pid_alive(pid) \
            and _signal(int(pid), TERMINATE_SIGNAL):     # terminate, then remove what it left
        if not wait_runner_gone(row, DELETE_GRACE) and _signal(int(pid), signal.SIGKILL):
            wait_runner_gone(row, 5.0)
    delete_run(store, name)


__all__ = ["ControlError", "NoSuchRun", "RESUME_SIGNAL", "RUNNER_SIGNALS", "STOP_SIGNAL",
           "TERMINATE_SIGNAL", "delete", "resubmit", "resume", "retry", "stop", "submit",
           "terminate", "workflow_parameters"]
