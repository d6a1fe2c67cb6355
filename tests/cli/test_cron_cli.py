"""CronWorkflows through the CLI (issue #12 item 6): run once now (`run`, `submit --from
cronwf/NAME`), compile and draw them (and WorkflowTemplates), and keep them scheduled on this
machine (`plait cron start|list|get|suspend|resume|stop|delete`) with a real detached
scheduler, real runners and the real SQLite store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plait.commands import base as cli_base
from plait.runtime.cronjobs import CronState
from plait.runtime.cronrunner import scheduler_pid
from plait.runtime.cronstore import CronStore
from plait.runtime.store import Store

from ..conftest import golden
from ..helpers import ROOT, finished, wait_for, write
from ..helpers import cli as plait

GOLDEN = ROOT / "tests" / "golden" / "runs"

CRON = """\
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly
  labels: {team: data, workflows.argoproj.io/creator: ann}
spec:
  schedules: ["SCHEDULE"]
  timezone: Europe/Paris
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 60
  workflowMetadata:
    labels: {kind: report}
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container:
        image: busybox
        command: [echo, "scheduled {{workflow.scheduledTime}} by {{workflow.labels.workflows.argoproj.io/cron-workflow}}"]
"""
NEVER = "0 0 1 1 *"          # once a year: a test never sees it fire

LIB = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: lib
spec:
  templates:
  - name: hello
    container: {image: busybox, command: [echo, hello]}
  - name: bye
    container: {image: busybox, command: [echo, bye]}
"""
USES_LIB = """\
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: uses-
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: call
        templateRef: {name: lib, template: hello}
"""


@pytest.fixture
def home(plait_home: Path):
    """A private home; every cron stopped and its scheduler gone when the test ends."""
    yield plait_home
    if (plait_home / "plait.db").exists():
        for row in CronStore(plait_home).all():
            CronStore(plait_home).set_flag(row.name, "stopped", True)
    pid = scheduler_pid(plait_home)
    if pid:
        wait_for(lambda: scheduler_pid(plait_home) is None, "the scheduler to exit", 15)


def cron_file(tmp_path: Path, schedule: str = NEVER, **replace: str) -> str:
    text = CRON.replace("SCHEDULE", schedule)
    for old, new in replace.items():
        text = text.replace(old, new)
    return write(tmp_path, "cron.yaml", text)


# -- once, now --------------------------------------------------------------------------------

def test_run_a_cron_file_runs_its_workflow_spec_once(capsys, home, tmp_path):
    code, out, err = plait(capsys, "run", cron_file(tmp_path), "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    meta = doc["metadata"]
    assert meta["name"].startswith("nightly-") and len(meta["name"]) == len("nightly-") + 5
    # Argo's child labels: the cron's name, its creator, workflowMetadata's (not the cron's own)
    assert meta["labels"] == {"workflows.argoproj.io/cron-workflow": "nightly",
                              "workflows.argoproj.io/creator": "ann", "kind": "report"}
    scheduled = meta["annotations"]["workflows.argoproj.io/scheduled-time"]
    assert plait(capsys, "logs", "@latest")[1] == \
        f"{meta['name']}: scheduled {scheduled} by nightly\n"


def test_submit_from_cronwf(capsys, home, tmp_path):
    code, out, err = plait(capsys, "submit", "--from", "cronwf/nightly", cron_file(tmp_path))
    assert code == 0, err
    name = out.strip()
    assert name.startswith("nightly-")
    assert finished(home, name).phase.value == "Succeeded"
    assert "scheduled 20" in plait(capsys, "logs", name)[1]
    code, _, err = plait(capsys, "submit", "--from", "cronwf/other", cron_file(tmp_path))
    assert code == 2 and "no document named 'other' (CronWorkflow nightly)" in err


# -- compile and dot ---------------------------------------------------------------------------

def test_compile_a_cron_gives_the_child_workflow(capsys, tmp_path):
    code, out, err = plait(capsys, "compile", cron_file(tmp_path))
    assert code == 0, err
    plan = json.loads(out)
    assert plan["workflow"]["generateName"] == "nightly-" and "name" not in plan["workflow"]
    assert plan["workflow"]["labels"]["workflows.argoproj.io/cron-workflow"] == "nightly"
    code, out, err = plait(capsys, "compile", cron_file(tmp_path), "--emit", "argo")
    assert code == 0, err
    assert "kind: Workflow\n" in out and "generateName: nightly-" in out and "schedules" not in out
    code, out, err = plait(capsys, "dot", cron_file(tmp_path))
    assert code == 0 and out.startswith('digraph "nightly-"'), err


def test_compile_a_workflow_template_from_its_entrypoint(capsys, tmp_path):
    path = write(tmp_path, "lib.yaml", LIB)
    code, _, err = plait(capsys, "compile", path)
    assert code == 2
    assert "WorkflowTemplate 'lib' has no entrypoint: choose a template with --entrypoint " \
           "(hello, bye)" in err
    code, out, err = plait(capsys, "compile", path, "--entrypoint", "bye")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["entrypoint"] == "bye" and plan["workflow"]["generateName"] == "lib-"
    code, out, err = plait(capsys, "dot", path, "--entrypoint", "hello")
    assert code == 0 and "hello" in out, err


def test_the_workflow_of_a_file_with_templates_is_compiled(capsys, tmp_path):
    path = write(tmp_path, "both.yaml", LIB + USES_LIB)
    code, out, err = plait(capsys, "compile", path)
    assert code == 0, err
    assert json.loads(out)["workflow"]["generateName"] == "uses-"
    code, out, err = plait(capsys, "compile", path, "--workflow", "lib", "--entrypoint", "bye")
    assert code == 0, err
    assert json.loads(out)["workflow"]["generateName"] == "lib-"


def test_a_file_of_several_templates_names_them(capsys, tmp_path):
    path = write(tmp_path, "two.yaml", LIB + "---\n" + LIB.replace("name: lib", "name: lib2"))
    code, _, err = plait(capsys, "compile", path)
    assert code == 2
    assert "holds 2 WorkflowTemplates (lib, lib2); choose one with --workflow NAME" in err
    assert "holds 0" not in err


# -- plait cron --------------------------------------------------------------------------------

def table(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines()]


def test_cron_verbs(capsys, home, tmp_path):
    path = cron_file(tmp_path)
    code, out, err = plait(capsys, "cron", "start", path)
    assert code == 0, err
    # midnight of 1 January in Paris, shown in UTC
    assert out.startswith("nightly: scheduled, next run 20") and "-12-31T23:00:00Z" in out
    pid = scheduler_pid(home)
    assert pid and pid > 0
    code, out, err = plait(capsys, "cron", "list")
    assert code == 0 and err == ""
    rows = table(out)
    assert rows[0] == ["NAME", "AGE", "LAST", "RUN", "NEXT", "RUN", "SCHEDULES", "TIMEZONE",
                       "SUSPENDED", "STATUS"]
    assert rows[1][0] == "nightly" and rows[1][2] == "N/A"
    assert rows[1][-3:] == ["Europe/Paris", "false", "Active"]
    assert plait(capsys, "cron", "list", "-o", "name")[1] == "nightly\n"

    code, out, _ = plait(capsys, "cron", "get", "nightly")
    fields = dict(line.split(":", 1) for line in out.split("\n\n")[0].splitlines())
    assert fields["Schedules"].strip() == NEVER
    assert fields["ConcurrencyPolicy"].strip() == "Forbid"
    assert fields["StartingDeadlineSeconds"].strip() == "60"
    assert fields["Status"].strip() == "Active"
    assert "Events:" in out and "scheduled" in out.split("Events:")[1]

    assert plait(capsys, "cron", "suspend", "nightly")[:2] == (0, "CronWorkflow 'nightly' suspended\n")
    doc = json.loads(plait(capsys, "cron", "get", "nightly", "-o", "json")[1])
    assert doc["suspended"] is True and doc["status"] == "Suspended"
    assert doc["nextScheduledTime"] is None
    assert plait(capsys, "cron", "resume", "nightly")[:2] == (0, "CronWorkflow 'nightly' resumed\n")
    assert json.loads(plait(capsys, "cron", "list", "-o", "json")[1])[0]["status"] == "Active"

    code, out, err = plait(capsys, "cron", "stop", "nightly")
    assert (code, out) == (0, "CronWorkflow 'nightly' stopped\n"), err
    assert scheduler_pid(home) is None             # nothing left to schedule: it exited
    assert table(plait(capsys, "cron", "list")[1])[1][-1] == "Stopped"
    code, out, err = plait(capsys, "cron", "start", path)      # scheduled again
    assert code == 0 and out.startswith("nightly: updated"), err
    assert scheduler_pid(home)
    code, out, err = plait(capsys, "cron", "delete", "nightly")
    assert (code, out) == (0, "CronWorkflow 'nightly' deleted\n"), err
    assert plait(capsys, "cron", "list", "-o", "name")[1] == ""
    assert scheduler_pid(home) is None


def test_cron_verb_errors(capsys, home, tmp_path):
    for verb in ("get", "suspend", "resume", "stop", "delete"):
        code, _, err = plait(capsys, "cron", verb, "nope")
        assert code == 1 and "no CronWorkflow named 'nope'" in err, (verb, err)
    code, _, err = plait(capsys, "cron", "suspend")
    assert code == 2 and "give NAME... or --all" in err
    code, _, err = plait(capsys, "cron")
    assert code == 2 and "usage: plait cron" in err
    code, _, err = plait(capsys, "cron", "start", "samples/hello.yaml")
    assert code == 2 and "holds no CronWorkflow" in err
    bad = cron_file(tmp_path, "61 * * * *")
    code, _, err = plait(capsys, "cron", "start", bad)
    assert code == 1 and "minute value 61 is out of range 0-59 [PL528]" in err
    assert scheduler_pid(home) is None


def test_cron_start_of_a_3x_schedule_under_argo_version(capsys, home, tmp_path):
    """CronWorkflow `schedule` (singular, Argo 3.x): one PL210 under the default 4.1; under
    --argo-version 3.7 it is scheduled by that schedule (issue 11)."""
    path = cron_file(tmp_path, **{'schedules: ["0 0 1 1 *"]': 'schedule: "0 0 1 1 *"'})
    code, out, err = plait(capsys, "cron", "start", path)
    assert (code, out) == (1, "") and err.count("[PL210]") == 1, err
    assert scheduler_pid(home) is None
    code, out, err = plait(capsys, "cron", "start", path, "--argo-version", "3.7")
    assert code == 0 and out.startswith("nightly: scheduled, next run 20"), err
    doc = json.loads(plait(capsys, "cron", "get", "nightly", "-o", "json")[1])
    assert doc["schedules"] == [NEVER]
    assert plait(capsys, "cron", "delete", "nightly")[0] == 0


def test_cron_start_launches_runs_in_real_time(capsys, home, tmp_path):
    path = cron_file(tmp_path, "@every 5s", **{"concurrencyPolicy: Forbid": "concurrencyPolicy: Allow"})
    started = time.monotonic()
    code, out, err = plait(capsys, "cron", "start", path)
    assert code == 0, err
    store = Store.at(home)

    def runs():
        return [r.name for r in store.list_workflows() if r.name.startswith("nightly-")]
    first = wait_for(runs, "a run of the @every 5s schedule", timeout=15)
    assert time.monotonic() - started < 15
    name = first[0]
    scheduled = int(name.split("-")[1])
    assert abs(scheduled - time.time()) < 15
    row = finished(home, name)
    assert row.phase.value == "Succeeded", row
    assert plait(capsys, "logs", name)[1].startswith(f"{name}: scheduled 20")
    pid = scheduler_pid(home)
    assert plait(capsys, "cron", "stop", "nightly")[0] == 0
    assert scheduler_pid(home) is None
    wait_for(lambda: not _alive(pid), "the scheduler process to be gone", 10)
    for name in runs():
        finished(home, name)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_cron_list_and_get_golden(capsys, home, monkeypatch, update_golden):
    """The table and the `get` view, at a fixed time, from stored crons (no scheduler runs:
    the note on stderr says so)."""
    t0 = 1_777_885_200.0                             # 2026-05-04T09:00:00Z
    crons = CronStore(home)
    doc = {"metadata": {"name": "nightly"},
           "spec": {"schedules": ["0 2 * * *", "@every 1h"], "timezone": "Europe/Paris",
                    "concurrencyPolicy": "Forbid", "startingDeadlineSeconds": 60,
                    "stopStrategy": {"expression": "cronworkflow.failed >= 3"}}}
    crons.put("nightly", doc, "{}", {}, "cron.yaml",
              CronState(checked=t0, last_scheduled=t0 + 3600, succeeded=2, failed=1,
                        active=["nightly-1777888800"]), False)
    crons.log("nightly", "scheduled", at=t0)
    crons.log("nightly", "started nightly-1777888800", at=t0 + 3600)
    other = {"metadata": {"name": "weekly"}, "spec": {"schedules": ["@weekly"], "suspend": True}}
    crons.put("weekly", other, "{}", {}, "weekly.yaml", CronState(checked=t0 - 86400), True)
    monkeypatch.setattr(cli_base, "now", lambda: t0 + 4000)
    code, out, err = plait(capsys, "cron", "list")
    assert code == 0
    code, get, _ = plait(capsys, "cron", "get", "nightly")
    assert code == 0
    golden(GOLDEN / "cron-list.out", out + "--- stderr\n" + err + "--- get\n" + get, update_golden)



SLEPT_SCHEDULER = """\
import sys
from pathlib import Path
from plait.runtime.cronrunner import serve
from plait.runtime.cronstore import CronStore
home, woke = Path(sys.argv[1]), float(sys.argv[2])
def sleep(seconds):                  # after the first tick: the cron is stopped, serve ends
    CronStore(home).set_flag("nightly", "stopped", True)
sys.exit(serve(home, clock=lambda: woke, sleep=sleep))
"""


@pytest.mark.parametrize("late,runs", [(540, True), (660, False)])
def test_the_scheduler_runs_the_latest_missed_schedule_after_a_sleep(capsys, home, tmp_path,
                                                                     late, runs):
    """The real scheduler loop (`serve`, its clock injected) wakes 3 h after the cron was
    scheduled: of the missed hourly instants only the latest runs (a real detached run), when
    startingDeadlineSeconds (600) has not passed since it; the others are logged."""
    path = cron_file(tmp_path, "0 * * * *", **{"startingDeadlineSeconds: 60":
                                                 "startingDeadlineSeconds: 600"})
    code, plan_json, err = plait(capsys, "compile", path)
    assert code == 0, err
    t0 = 1_777_885_500.0                             # scheduled at 2026-05-04T09:05:00Z
    latest = t0 + 3 * 3600 - 300                     # 12:00, missed while asleep
    crons = CronStore(home)
    crons.put("nightly", _cron_doc(path), plan_json, {}, path, CronState(checked=t0), False)
    done = subprocess.run([sys.executable, "-c", SLEPT_SCHEDULER, str(home), str(latest + late)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    messages = [m for _, m in crons.events("nightly")]
    name = f"nightly-{int(latest)}"
    if runs:
        assert finished(home, name).phase.value == "Succeeded"
        assert f"started {name}" in messages
        assert any(m.endswith("within startingDeadlineSeconds 600): running it now")
                   for m in messages), messages
        assert plait(capsys, "logs", name)[1] == \
            f"{name}: scheduled 2026-05-04T14:00:00+02:00 by nightly\n"
    else:
        assert Store.at(home).workflow(name) is None
        assert f"missed the run of 2026-05-04T14:00:00+02:00 ({late}s ago, " \
               "startingDeadlineSeconds 600 passed): skipped" in messages
    assert "skipped 2 earlier missed run(s) (from 2026-05-04T12:00:00+02:00)" in messages
    assert crons.get("nightly").state.checked == latest + late


def _cron_doc(path: str) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(Path(path).read_text())
