"""The stored CronWorkflows (`runtime/cronstore.py`): the user's switches and the scheduler's
state live apart, an update keeps the counts but not the missed instants, events are bounded."""

from __future__ import annotations

from plait.runtime.cronjobs import CronSpec, CronState
from plait.runtime.cronrunner import StoreRuns
from plait.runtime.cronstore import EVENTS_KEPT, CronStore
from plait.runtime.store import Store

DOC = {"metadata": {"name": "c"}, "spec": {"schedules": ["@hourly"], "suspend": True}}


def test_put_get_flags_and_update(tmp_path):
    crons = CronStore(tmp_path)
    assert crons.put("c", DOC, "{}", {"sandbox": "none"}, "c.yaml", CronState(checked=10.0), True)
    row = crons.get("c")
    assert row is not None and row.suspended and row.spec_suspend and not row.stopped
    assert row.options == {"sandbox": "none"} and row.state.checked == 10.0
    crons.save_state("c", CronState(checked=50.0, succeeded=4, active=["c-1"]))
    assert crons.set_flag("c", "stopped", True) and crons.get("c").stopped
    assert not crons.set_flag("other", "stopped", True)
    # `cron start` again: scheduled from now (nothing missed while stopped runs), counts kept
    assert not crons.put("c", DOC, "{}", {}, "c.yaml", CronState(checked=900.0), False)
    row = crons.get("c")
    assert not row.stopped and not row.suspended
    assert (row.state.checked, row.state.since, row.state.succeeded, row.state.active) == \
        (900.0, 900.0, 4, ["c-1"])
    crons.delete("c")
    assert crons.get("c") is None and crons.all() == []


def test_events_are_bounded_and_ordered(tmp_path):
    crons = CronStore(tmp_path)
    for i in range(EVENTS_KEPT + 5):
        crons.log("c", f"e{i}", at=float(i))
    assert crons.events("c", last=2) == [(float(EVENTS_KEPT + 3), f"e{EVENTS_KEPT + 3}"),
                                         (float(EVENTS_KEPT + 4), f"e{EVENTS_KEPT + 4}")]
    assert len(crons.events("c", last=10_000)) == EVENTS_KEPT


def test_lives_beside_the_run_store(tmp_path):
    Store.at(tmp_path).create_workflow("wf", "{}", {}, 1.0)
    crons = CronStore(tmp_path)
    crons.put("c", DOC, "{}", {}, "c.yaml", CronState(checked=1.0), False)
    assert Store.at(tmp_path).workflow("wf") is not None and crons.get("c") is not None


def test_a_stored_plan_that_cannot_be_read_starts_nothing_and_says_so(tmp_path):
    crons = CronStore(tmp_path)
    crons.put("c", DOC, '{"planVersion": 1}', {}, "c.yaml", CronState(checked=1.0), False)
    runs = StoreRuns(Store.at(tmp_path), crons)
    assert runs.submit(CronSpec.of(DOC), 3600.0) is None
    assert Store.at(tmp_path).list_workflows() == []
    message = crons.events("c", last=1)[0][1]
    assert message.startswith("cannot start a run: its stored plan is not readable:")
