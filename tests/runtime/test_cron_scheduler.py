"""The cron scheduler's core (`runtime/cronjobs.py`) driven by a simulated clock: which
instants fire over hours (time zones and daylight-saving changes included), each
concurrencyPolicy, missed schedules after the machine slept, history limits, stopStrategy,
`when` and suspend. The runs are a fake that records what the scheduler asked for."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from plait.runtime.cronjobs import ON_TIME, STOPPED, CronSpec, CronState, Scheduler

UTC = dt.timezone.utc


class FakeRuns:
    """`cronjobs.Runs` in memory: every run stays Running until the test ends it."""

    def __init__(self) -> None:
        self.phase: dict[str, tuple[str, float | None]] = {}
        self.submitted: list[float] = []
        self.terminated: list[str] = []
        self.deleted: list[str] = []

    def submit(self, spec: CronSpec, scheduled: float) -> str | None:
        name = f"{spec.name}-{int(scheduled)}"
        if name in self.phase:
            return None
        self.phase[name] = ("Running", None)
        self.submitted.append(scheduled)
        return name

    def status(self, name):
        return self.phase.get(name)

    def terminate(self, name: str) -> None:
        self.terminated.append(name)
        self.phase[name] = ("Failed", None)

    def delete(self, name: str) -> None:
        self.deleted.append(name)
        self.phase.pop(name, None)

    def end(self, name: str, phase: str, at: float) -> None:
        self.phase[name] = (phase, at)


class Sim:
    """A scheduler over one CronWorkflow and a clock the test moves."""

    def __init__(self, spec: dict, start: dt.datetime) -> None:
        self.now = start.timestamp()
        self.runs = FakeRuns()
        self.logged: list[str] = []
        self.scheduler = Scheduler(self.runs, lambda: self.now,
                                   lambda name, message: self.logged.append(message))
        self.spec = CronSpec.of({"metadata": {"name": "job"}, "spec": spec})
        self.state = CronState(checked=self.now)

    def run_for(self, seconds: float, step: float = 20.0, suspended: bool = False) -> None:
        """Tick every `step` seconds for `seconds`."""
        end = self.now + seconds
        while self.now < end:
            self.now = min(end, self.now + step)
            self.scheduler.tick(self.spec, self.state, suspended)

    def jump(self, seconds: float) -> None:
        """The machine slept: one tick `seconds` later."""
        self.now += seconds
        self.scheduler.tick(self.spec, self.state)

    def fired(self, zone: str = "UTC") -> list[str]:
        tz = ZoneInfo(zone)
        return [dt.datetime.fromtimestamp(t, tz).strftime("%m-%d %H:%M%z")
                for t in self.runs.submitted]

    def finish_all(self, phase: str = "Succeeded") -> None:
        for name in list(self.state.active):
            self.runs.end(name, phase, self.now)


def at(text: str, zone: str = "UTC") -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def test_fires_at_each_instant_over_hours():
    sim = Sim({"schedules": ["*/20 * * * *"]}, at("2026-05-04T09:05:00"))
    sim.run_for(3 * 3600)
    assert sim.fired() == [f"05-04 {h:02d}:{m:02d}+0000" for h in (9, 10, 11) for m in (0, 20, 40)
                           if (h, m) > (9, 5)] + ["05-04 12:00+0000"]


def test_several_schedules_fire_each_once_per_instant():
    sim = Sim({"schedules": ["0 * * * *", "30 10 * * *", "0 11 * * *"]}, at("2026-05-04T09:50:00"))
    sim.run_for(2 * 3600)
    # 11:00 is named twice: one run (Argo's second submission of the same name is a no-op)
    assert sim.fired() == ["05-04 10:00+0000", "05-04 10:30+0000", "05-04 11:00+0000"]


def test_time_zone_of_the_cron():
    sim = Sim({"schedules": ["0 9 * * *"], "timezone": "Asia/Tokyo"}, at("2026-05-03T23:00:00"))
    sim.run_for(30 * 3600, step=60)
    assert sim.fired() == ["05-04 00:00+0000", "05-05 00:00+0000"]       # 09:00 in Tokyo
    assert sim.fired("Asia/Tokyo") == ["05-04 09:00+0900", "05-05 09:00+0900"]


def test_cron_tz_prefix_wins_over_timezone():
    sim = Sim({"schedules": ["CRON_TZ=Europe/Paris 0 9 * * *"], "timezone": "Asia/Tokyo"},
              at("2026-05-04T00:00:00"))
    sim.run_for(12 * 3600, step=60)
    assert sim.fired("Europe/Paris") == ["05-04 09:00+0200"]


def test_spring_forward_skips_the_missing_hour_as_robfig_does():
    ny = "America/New_York"
    sim = Sim({"schedules": ["0 * * * *", "30 2 * * *"], "timezone": ny},
              at("2026-03-07T23:10:00", ny))
    sim.run_for(6 * 3600, step=60)
    # 02:00-03:00 does not exist on 8 March: no 02:00, and the 02:30 job does not run that day
    assert sim.fired(ny) == ["03-08 00:00-0500", "03-08 01:00-0500", "03-08 03:00-0400",
                             "03-08 04:00-0400", "03-08 05:00-0400", "03-08 06:00-0400"]


def test_fall_back_runs_the_repeated_hour_twice():
    ny = "America/New_York"
    sim = Sim({"schedules": ["30 1 * * *"], "timezone": ny}, at("2026-10-31T12:00:00", ny))
    sim.run_for(48 * 3600, step=60)
    assert sim.fired(ny) == ["11-01 01:30-0400", "11-01 01:30-0500",
                             "11-02 01:30-0500"]


def test_every_counts_from_when_the_cron_was_scheduled():
    sim = Sim({"schedules": ["@every 90s"]}, at("2026-05-04T09:00:10"))
    sim.run_for(400, step=1)
    assert [int(t - sim.runs.submitted[0]) for t in sim.runs.submitted] == [0, 90, 180, 270]
    assert sim.fired()[0] == "05-04 09:01+0000"


def test_allow_runs_overlap():
    sim = Sim({"schedules": ["*/10 * * * *"]}, at("2026-05-04T09:00:00"))
    sim.run_for(3600)
    assert len(sim.runs.submitted) == 6 and len(sim.state.active) == 6


def test_forbid_skips_while_a_run_is_active():
    sim = Sim({"schedules": ["*/10 * * * *"], "concurrencyPolicy": "Forbid"},
              at("2026-05-04T09:00:00"))
    sim.run_for(1800)                    # 09:10 starts, 09:20 and 09:30 are skipped
    assert sim.fired() == ["05-04 09:10+0000"]
    assert sum("concurrencyPolicy Forbid" in m for m in sim.logged) == 2
    sim.finish_all()
    sim.run_for(600)
    assert sim.fired() == ["05-04 09:10+0000", "05-04 09:40+0000"]


def test_replace_terminates_the_active_run_first():
    sim = Sim({"schedules": ["*/10 * * * *"], "concurrencyPolicy": "Replace"},
              at("2026-05-04T09:00:00"))
    sim.run_for(1800)
    names = [f"job-{int(t)}" for t in sim.runs.submitted]
    assert len(names) == 3
    assert sim.runs.terminated == names[:2]
    sim.run_for(20)                    # the terminated runs have ended (Failed)
    assert sim.state.active == names[2:]
    assert sim.state.failed == 2


def test_missed_schedule_without_deadline_is_skipped_and_logged():
    sim = Sim({"schedules": ["0 * * * *"]}, at("2026-05-04T08:50:00"))
    sim.run_for(15 * 60)                       # 09:00 fires
    sim.jump(3 * 3600 + 20 * 60)               # asleep until 12:25: 10:00, 11:00, 12:00 missed
    assert sim.fired() == ["05-04 09:00+0000"]
    assert "missed the run of 2026-05-04T12:00:00Z (1500s ago, no startingDeadlineSeconds): " \
           "skipped" in sim.logged
    assert "skipped 2 earlier missed run(s) (from 2026-05-04T10:00:00Z)" in sim.logged
    sim.run_for(3600)
    assert sim.fired()[-1] == "05-04 13:00+0000"


@pytest.mark.parametrize("deadline,runs", [(1800, True), (600, False), (0, False)])
def test_latest_missed_schedule_runs_once_within_the_starting_deadline(deadline, runs):
    sim = Sim({"schedules": ["0 * * * *"], "startingDeadlineSeconds": deadline},
              at("2026-05-04T08:50:00"))
    sim.jump(3 * 3600 + 25 * 60)               # wakes at 12:15: 12:00 is 900 s late
    assert sim.fired() == (["05-04 12:00+0000"] if runs else [])
    word = "running it now" if runs else "skipped"
    assert any(m.startswith("missed the run of 2026-05-04T12:00:00Z") and m.endswith(word)
               for m in sim.logged), sim.logged


def test_a_late_tick_within_on_time_still_fires():
    sim = Sim({"schedules": ["0 * * * *"], "startingDeadlineSeconds": 0}, at("2026-05-04T08:59:55"))
    sim.jump(5 + ON_TIME - 1)
    assert sim.fired() == ["05-04 09:00+0000"]


def test_history_limits_keep_the_newest_runs():
    sim = Sim({"schedules": ["*/10 * * * *"], "successfulJobsHistoryLimit": 2,
               "failedJobsHistoryLimit": 1}, at("2026-05-04T09:00:00"))
    outcomes = ["Succeeded", "Failed", "Succeeded", "Error", "Succeeded", "Failed"]
    names = []
    for phase in outcomes:
        sim.run_for(600)
        names.append(sim.state.active[-1])
        sim.finish_all(phase)
    sim.run_for(20)
    kept = sorted(r[0] for r in sim.state.finished)
    assert kept == sorted([names[2], names[4], names[5]])
    assert sorted(sim.runs.deleted) == sorted([names[0], names[1], names[3]])
    assert (sim.state.succeeded, sim.state.failed) == (3, 3)


def test_default_history_limits_are_three_and_one():
    sim = Sim({"schedules": ["*/10 * * * *"]}, at("2026-05-04T09:00:00"))
    for phase in ["Succeeded"] * 5 + ["Failed"] * 3:
        sim.run_for(600)
        sim.finish_all(phase)
    sim.run_for(20)
    assert [r[1] for r in sim.state.finished].count("Succeeded") == 3
    assert [r[1] for r in sim.state.finished].count("Failed") == 1


def test_stop_strategy_stops_after_the_counts_say_so():
    sim = Sim({"schedules": ["*/10 * * * *"],
               "stopStrategy": {"expression": "cronworkflow.failed >= 2"}},
              at("2026-05-04T09:00:00"))
    for phase in ("Failed", "Succeeded", "Failed"):
        sim.run_for(600)
        sim.finish_all(phase)
    sim.run_for(20)
    assert sim.state.phase == STOPPED
    assert any("stopStrategy" in m and "Stopped" in m for m in sim.logged)
    sim.run_for(3600)
    assert len(sim.runs.submitted) == 3


def test_when_expression_over_cronworkflow_variables():
    sim = Sim({"schedules": ["*/10 * * * *"],
               "when": "{{= cronworkflow.succeeded < 2 && cronworkflow.name == 'job' }}"},
              at("2026-05-04T09:00:00"))
    for _ in range(4):
        sim.run_for(600)
        sim.finish_all()
    assert len(sim.runs.submitted) == 2
    assert any(m.startswith("when 'false' evaluated false") for m in sim.logged)


def test_when_sees_the_last_scheduled_time():
    sim = Sim({"schedules": ["* * * * *"], "when": "{{= cronworkflow.lastScheduledTime == nil }}"},
              at("2026-05-04T09:00:30"))
    sim.run_for(300)
    assert sim.fired() == ["05-04 09:01+0000"]


def test_suspended_cron_fires_nothing_and_does_not_catch_up():
    sim = Sim({"schedules": ["*/10 * * * *"]}, at("2026-05-04T09:00:00"))
    sim.run_for(3600, suspended=True)
    assert sim.runs.submitted == []
    sim.run_for(600)
    assert sim.fired() == ["05-04 10:10+0000"]


def test_suspend_in_the_document_is_read():
    spec = CronSpec.of({"metadata": {"name": "x"}, "spec": {"schedules": ["@hourly"],
                                                             "suspend": True}})
    assert spec.suspend and spec.keep_succeeded == 3 and spec.keep_failed == 1


@pytest.mark.parametrize("spec,message", [
    ({"schedules": []}, "x: no schedule"),
    ({"schedules": ["61 * * * *"]}, "x: invalid schedule: minute value 61 is out of range 0-59"),
    ({"schedules": ["@hourly"], "concurrencyPolicy": "Sometimes"},
     "x: concurrencyPolicy 'Sometimes' is not one of Allow, Forbid, Replace"),
])
def test_unusable_cron_specs(spec, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        CronSpec.of({"metadata": {"name": "x"}, "spec": spec})


def test_state_round_trips_through_json():
    state = CronState(checked=5.0, since=1.0, last_scheduled=3.0, succeeded=2, active=["a"],
                      finished=[["b", "Failed", 4.0]])
    assert CronState.from_dict(state.to_dict()) == state


def test_an_unknown_zone_is_refused_before_it_is_scheduled():
    with pytest.raises(ValueError, match="x: unknown time zone 'Mars/Base'"):
        CronSpec.of({"metadata": {"name": "x"},
                     "spec": {"schedules": ["@hourly"], "timezone": "Mars/Base"}})
