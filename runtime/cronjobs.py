"""The cron scheduler's core: when a CronWorkflow fires and what it does then, as Argo's cron
controller decides it (v4.1), with the clock and the runs given from outside, so tests drive
it through simulated hours and the detached scheduler (`runtime/cronrunner.py`) through real
ones.

Each `Scheduler.tick(spec, state)`:
1. reconciles the runs it started: a finished run leaves `active`, counts as succeeded or
   failed (Error counts as failed), and `stopStrategy.expression` is evaluated over the
   counts (true: the cron is Stopped and never fires again);
2. keeps `successfulJobsHistoryLimit` (3) succeeded and `failedJobsHistoryLimit` (1) failed
   runs, the newest by their end, and deletes older ones;
3. finds the instants of its `schedules` since the last tick (`compiler/cron.py` reads them).
   An instant noticed within `ON_TIME` seconds fires. Instants the scheduler did not see in
   time (the machine slept, the scheduler was not running) were missed: the latest one still
   fires if `startingDeadlineSeconds` is set and has not passed since it, otherwise it is
   skipped; either way the scheduler logs it. Older missed instants never fire (Argo runs at
   most the latest one);
4. fires: not when suspended or Stopped; not when `when` (a template over `cronworkflow.*`,
   then a govaluate condition) is false; with `concurrencyPolicy` Forbid not while a run is
   active, with Replace after terminating the active runs; then submits the child
   `<cron>-<scheduled Unix seconds>` and records `lastScheduledTime`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol
from zoneinfo import ZoneInfo

from plait.compiler.cron import Schedule, read_schedule, schedules_of
from plait.compiler.plan import Plan
from plait.compiler.submitted import CRON_LABEL, SCHEDULED_ANNOTATION
from plait.grammar import EvaluationError, GrammarError, evaluate_expression, parse_expression
from plait.grammar.evaluate import evaluate_when

ON_TIME = 10.0                 # seconds late an instant may be noticed and still count as on time
SUCCEEDED_HISTORY = 3          # Argo's successfulJobsHistoryLimit default
FAILED_HISTORY = 1             # Argo's failedJobsHistoryLimit default
POLICIES = ("Allow", "Forbid", "Replace")
ACTIVE, STOPPED = "Active", "Stopped"        # Argo's CronWorkflow status.phase


class CronSpecError(ValueError):
    """A CronWorkflow the scheduler cannot schedule (the checker reports the same)."""


@dataclass(frozen=True)
class CronSpec:
    """What the scheduler needs of one CronWorkflow document."""

    name: str
    schedules: tuple[Schedule, ...]
    namespace: str = "default"
    concurrency: str = "Allow"
    deadline: float | None = None               # startingDeadlineSeconds
    keep_succeeded: int = SUCCEEDED_HISTORY
    keep_failed: int = FAILED_HISTORY
    suspend: bool = False
    when: str = ""
    stop_expression: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    timezone: str = ""

    @classmethod
    def of(cls, doc: dict[str, Any]) -> "CronSpec":
        """The spec of a CronWorkflow document (plain data); CronSpecError when unusable."""
        meta = _map(doc.get("metadata"))
        spec = _map(doc.get("spec"))
        name = str(meta.get("name") or "")
        if not name:
            raise CronSpecError("a CronWorkflow needs metadata.name")
        tz = str(spec.get("timezone") or "")
        try:
            schedules = tuple(read_schedule(s, tz) for s in schedules_of(spec))
        except ValueError as exc:
            raise CronSpecError(f"{name}: invalid schedule: {exc}") from None
        if not schedules:
            raise CronSpecError(f"{name}: no schedule")
        for zone in {s.zone for s in schedules} - {"", "Local", "UTC"}:
            try:
                ZoneInfo(zone)
            except (ValueError, KeyError):
                raise CronSpecError(f"{name}: unknown time zone {zone!r}") from None
        policy = str(spec.get("concurrencyPolicy") or "Allow")
        if policy not in POLICIES:
            raise CronSpecError(f"{name}: concurrencyPolicy {policy!r} is not one of "
                                f"{', '.join(POLICIES)}")
        deadline = spec.get("startingDeadlineSeconds")
        stop = _map(spec.get("stopStrategy"))
        return cls(name, schedules, str(meta.get("namespace") or "default"), policy,
                   float(deadline) if isinstance(deadline, (int, float)) else None,
                   _limit(spec.get("successfulJobsHistoryLimit"), SUCCEEDED_HISTORY),
                   _limit(spec.get("failedJobsHistoryLimit"), FAILED_HISTORY),
                   spec.get("suspend") is True, str(spec.get("when") or ""),
                   str(stop.get("expression") or ""), _strings(meta.get("labels")),
                   _strings(meta.get("annotations")), tz)


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _limit(value: Any, default: int) -> int:
    """A history limit: Argo uses the value when it is set and not negative."""
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else default


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass
class CronState:
    """What the scheduler remembers of one CronWorkflow between ticks (persisted as JSON)."""

    checked: float                              # instants up to here have been dealt with
    since: float | None = None                  # when it was scheduled (`@every` counts from it)
    phase: str = ACTIVE
    last_scheduled: float | None = None
    succeeded: int = 0
    failed: int = 0
    active: list[str] = field(default_factory=list)
    # finished runs still kept: [name, phase, finished_at]
    finished: list[list[Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CronState":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class Runs(Protocol):
    """What the scheduler does to workflow runs (the store and detached runners, or a fake)."""

    def submit(self, spec: CronSpec, scheduled: float) -> str | None:
        """Start the child run scheduled at `scheduled`; its name, None if it exists already."""

    def status(self, name: str) -> tuple[str, float | None] | None:
        """(phase, finished_at) of a run, None when it is gone."""

    def terminate(self, name: str) -> None: ...

    def delete(self, name: str) -> None: ...


FINISHED_OK, FINISHED_BAD = ("Succeeded",), ("Failed", "Error")


class Scheduler:
    """Argo's cron controller for any number of CronWorkflows (see the module docstring).
    `clock` gives Unix seconds; `log(cron, message)` records what a user may want to know."""

    def __init__(self, runs: Runs, clock: Callable[[], float],
                 log: Callable[[str, str], None] = lambda name, message: None) -> None:
        self.runs, self.clock, self.log = runs, clock, log

    def tick(self, spec: CronSpec, state: CronState, suspended: bool = False) -> CronState:
        """One look at `spec` (updates and returns `state`); `suspended` is the user's
        `plait cron suspend` (or the document's `suspend: true`)."""
        now = self.clock()
        self._reconcile(spec, state)
        self._history(spec, state)
        if state.since is None:
            state.since = state.checked
        due = sorted({t for s in spec.schedules
                      for t in s.fire_times(state.checked, now, state.since)})
        state.checked = max(state.checked, now)
        if not due or state.phase == STOPPED or suspended:
            return state               # a suspended cron does not catch up when resumed
        on_time = [t for t in due if now - t <= ON_TIME]
        missed = [t for t in due if now - t > ON_TIME]
        if missed and not on_time:
            latest = missed.pop()
            late = now - latest
            if spec.deadline is not None and late < spec.deadline:
                self.log(spec.name, f"missed the run of {_stamp(latest, spec)} ({late:.0f}s ago, "
                                    f"within startingDeadlineSeconds {spec.deadline:g}): running it now")
                on_time = [latest]
            else:
                why = ("no startingDeadlineSeconds" if spec.deadline is None
                       else f"startingDeadlineSeconds {spec.deadline:g} passed")
                self.log(spec.name, f"missed the run of {_stamp(latest, spec)} ({late:.0f}s ago, "
                                    f"{why}): skipped")
        if missed:
            self.log(spec.name, f"skipped {len(missed)} earlier missed run(s) "
                                f"(from {_stamp(missed[0], spec)})")
        for t in on_time:
            self._fire(spec, state, t)
        return state

    # -- the steps of a tick ------------------------------------------------------------------

    def _reconcile(self, spec: CronSpec, state: CronState) -> None:
        for name in list(state.active):
            status = self.runs.status(name)
            if status is not None and status[0] not in FINISHED_OK + FINISHED_BAD:
                continue
            state.active.remove(name)
            if status is None:
                continue
            phase, finished_at = status
            if phase in FINISHED_OK:
                state.succeeded += 1
            else:
                state.failed += 1
            state.finished.append([name, phase, finished_at or self.clock()])
            self._check_stop(spec, state)

    def _check_stop(self, spec: CronSpec, state: CronState) -> None:
        if not spec.stop_expression or state.phase == STOPPED:
            return
        try:
            done = evaluate_expression(parse_expression(spec.stop_expression),
                                       {"cronworkflow": self._env(spec, state)})
        except (EvaluationError, GrammarError, RecursionError) as exc:
            self.log(spec.name, f"failed to evaluate stop expression: {exc}")
            return
        if done is True:
            state.phase = STOPPED
            self.log(spec.name, f"stopStrategy {spec.stop_expression!r} is true "
                                f"(succeeded {state.succeeded}, failed {state.failed}): Stopped")

    def _history(self, spec: CronSpec, state: CronState) -> None:
        for phases, keep in ((FINISHED_OK, spec.keep_succeeded), (FINISHED_BAD, spec.keep_failed)):
            runs = sorted((r for r in state.finished if r[1] in phases),
                          key=lambda r: float(r[2] or 0), reverse=True)
            for name, _, _ in runs[keep:]:
                self.runs.delete(name)
                self.log(spec.name, f"deleted {name} (history limit {keep})")
                state.finished = [r for r in state.finished if r[0] != name]

    def _fire(self, spec: CronSpec, state: CronState, scheduled: float) -> None:
        if spec.when:
            values = {f"cronworkflow.{k}": v for k, v in self._env(spec, state).items()}
            try:
                ok, resolved = evaluate_when(spec.when, values)
            except (EvaluationError, GrammarError, RecursionError) as exc:
                self.log(spec.name, f"invalid when: {exc}: {_stamp(scheduled, spec)} skipped")
                return
            if not ok:
                self.log(spec.name, f"when '{resolved}' evaluated false: "
                                    f"{_stamp(scheduled, spec)} skipped")
                return
        if state.active and spec.concurrency == "Forbid":
            self.log(spec.name, f"concurrencyPolicy Forbid and {', '.join(state.active)} still "
                                f"runs: {_stamp(scheduled, spec)} skipped")
            return
        if state.active and spec.concurrency == "Replace":
            for running in state.active:
                self.runs.terminate(running)
                self.log(spec.name, f"concurrencyPolicy Replace: terminated {running}")
        child = self.runs.submit(spec, scheduled)
        state.last_scheduled = scheduled
        if child is not None:
            state.active.append(child)
            self.log(spec.name, f"started {child}")

    def _env(self, spec: CronSpec, state: CronState) -> dict[str, Any]:
        """Argo's `cronworkflow.*` variables of `when` and `stopStrategy`."""
        last = (dt.datetime.fromtimestamp(state.last_scheduled, dt.timezone.utc)
                if state.last_scheduled is not None else None)
        return {"name": spec.name, "namespace": spec.namespace, "labels": spec.labels,
                "annotations": spec.annotations, "failed": state.failed,
                "succeeded": state.succeeded, "lastScheduledTime": last}


def _stamp(t: float, spec: CronSpec) -> str:
    return scheduled_text(t, spec.timezone)


def scheduled_text(t: float, timezone: str = "") -> str:
    """An instant as RFC 3339 in the cron's zone (UTC without one), as Argo writes
    `workflows.argoproj.io/scheduled-time`."""
    zone: dt.tzinfo = dt.timezone.utc
    if timezone and timezone not in ("Local", "UTC"):
        zone = ZoneInfo(timezone)
    text = dt.datetime.fromtimestamp(int(t), zone).isoformat()
    return text.replace("+00:00", "Z")


def child_plan(plan: Plan, spec: CronSpec, scheduled: float) -> Plan:
    """The plan of the child a schedule fires: named `<cron>-<scheduled Unix seconds>`, with
    the scheduled-time annotation (`{{workflow.scheduledTime}}`)."""
    return _scheduled(plan.named(f"{spec.name}-{int(scheduled)}"),
                      scheduled_text(scheduled, spec.timezone))


def scheduled_now(plan: Plan, now: float) -> Plan:
    """A CronWorkflow's plan run by hand (`plait run cron.yaml`, `submit --from cronwf/NAME`)
    is scheduled now, as `argo submit --from cronwf` annotates it; other plans are unchanged."""
    if CRON_LABEL not in (plan.workflow.labels or {}) \
            or SCHEDULED_ANNOTATION in (plan.workflow.annotations or {}):
        return plan
    return _scheduled(plan, scheduled_text(now))


def _scheduled(plan: Plan, when: str) -> Plan:
    annotations = {**(plan.workflow.annotations or {}), SCHEDULED_ANNOTATION: when}
    return dataclasses.replace(plan, workflow=dataclasses.replace(plan.workflow,
                                                                  annotations=annotations))


def plan_arguments(plan: Plan) -> dict[str, Any]:
    """The plan's literal workflow parameters, as a run's row records them."""
    params = [{"name": p.name, "value": p.value}
              for p in plan.arguments.parameters if p.name is not None]
    return {"parameters": params}


__all__ = ["ACTIVE", "CronSpec", "CronSpecError", "CronState", "ON_TIME", "Runs", "STOPPED",
           "Scheduler", "child_plan", "plan_arguments", "scheduled_now", "scheduled_text"]
