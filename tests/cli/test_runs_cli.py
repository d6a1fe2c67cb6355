"""Runs that last (issue #5): submit, list, get, watch, logs -f, stop, terminate, delete, retry,
resubmit, resume and `dot NAME`, with real detached runners and a real SQLite store.

Workflows write marker files through a hostPath volume (the sandbox keeps the rest of the host
read-only), so a test can count how often each step really ran.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest

from plait.commands import base as cli_base
from plait.runtime.store import Store
from plait.runtime.types import Node, NodeType, Outputs, Phase

from ..conftest import golden
from ..helpers import ROOT, SUSPENDED, WAIT, finished, plait_popen, plait_process, wait_for, write
from ..helpers import cli as plait

GOLDEN = ROOT / "tests" / "golden" / "runs"


@pytest.fixture(autouse=True)
def home(plait_home: Path) -> Path:
    return plait_home


def store_of(home: Path) -> Store:
    return Store.at(home)


def marker_lines(folder: Path) -> list[str]:
    path = folder / "marker"
    return path.read_text().split() if path.exists() else []


HELLO = "samples/hello.yaml"


def test_submit_prints_the_name_at_once_and_runs_detached(capsys, home):
    started = time.monotonic()
    code, out, err = plait(capsys, "submit", HELLO, "--name", "sub-1", "-p", "message=detached")
    assert code == 0, err
    assert out == "sub-1\n"
    assert time.monotonic() - started < 10
    row = finished(home, "sub-1")
    assert row.phase is Phase.SUCCEEDED, row
    code, out, _ = plait(capsys, "get", "sub-1", "-o", "json")
    doc = json.loads(out)
    assert doc["status"]["phase"] == "Succeeded"
    assert doc["status"]["nodes"]["sub-1"]["outputs"]["exitCode"] == "0"
    assert plait(capsys, "logs", "@latest")[1] == "sub-1: detached\n"
    # the runner recorded itself and is gone now; the secrets-free options are stored
    assert row.options["secrets"] == [] and row.options["parallelism"] is None
    code, out, _ = plait(capsys, "list")
    assert out.splitlines()[1].split()[:2] == ["sub-1", "Succeeded"]


FAILING = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: fails-
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: ok
        template: echo
    - - name: boom
        template: boom
  - name: echo
    container: {image: busybox, command: [echo, fine]}
  - name: boom
    container: {image: busybox, command: [sh, -c, "echo going down; exit 3"]}
"""


def test_submit_wait_prints_get_and_exits_with_the_phase(capsys, home, tmp_path):
    code, out, err = plait(capsys, "submit", write(tmp_path, "f.yaml", FAILING), "--wait")
    assert code == 1, err
    name = out.splitlines()[0]
    assert name.startswith("fails-") and len(name) == len("fails-") + 5
    assert out.splitlines()[1] == f"Name:                {name}"
    assert "Status:              Failed" in out
    assert "exit code 3" in out
    code, out, _ = plait(capsys, "retry", "@latest")
    assert code == 0 and out == f"{name}\n"          # it fails again, but it was allowed
    assert finished(home, name).phase is Phase.FAILED
    code, _, err = plait(capsys, "retry", "no-such-run")
    assert code == 1 and "no run named" in err


def test_retry_only_failed_or_errored(capsys, home):
    assert plait(capsys, "submit", HELLO, "--name", "ok-run", "--wait")[0] == 0
    code, out, err = plait(capsys, "retry", "ok-run")
    assert code == 1 and out == ""
    assert "Cannot retry a workflow in phase Succeeded" in err


@pytest.mark.parametrize("verb", ["retry", "resubmit"])
def test_a_run_with_an_unreadable_stored_plan_is_refused_without_a_traceback(capsys, home, verb):
    Store.at(home).create_workflow("old", '{"planVersion": 0}', {}, 1.0, phase=Phase.FAILED)
    code, out, err = plait(capsys, verb, "old")
    assert code == 1 and out == ""
    assert "'old' holds no plan this plait can read: unsupported planVersion 0" in err
    assert "Traceback" not in err


def test_usage(capsys):
    assert plait(capsys, "submit")[0] == 2
    assert plait(capsys, "submit", HELLO, "--parallelism", "0")[0] == 2
    assert plait(capsys, "submit", HELLO, "--secrets", "no/such.yaml")[0] == 2
    assert plait(capsys, "submit", "--from", "nonsense")[0] == 2
    assert plait(capsys, "delete")[0] == 2
    assert plait(capsys, "delete", "--older", "soon")[0] == 2
    assert plait(capsys, "list")[1] == "No workflows found\n"
    for verb in ("get", "watch", "stop", "terminate", "retry", "resubmit", "resume"):
        code, _, err = plait(capsys, verb, "@latest")
        assert code == 1 and "no runs yet" in err, verb
    assert plait(capsys, "submit", "tests/fixtures/err/pl302_unknown_workflow_parameter.yaml")[0] == 1


PASSING = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: pass-
spec:
  entrypoint: main
  arguments:
    parameters: [{name: n, value: "0"}]
  templates:
  - name: main
    steps:
    - - name: make
        template: make
    - - name: use
        template: use
        arguments:
          parameters: [{name: v, value: "{{steps.make.outputs.parameters.v}}"}]
    outputs:
      parameters:
      - name: v
        valueFrom: {parameter: "{{steps.use.outputs.result}}"}
  - name: make
    script:
      image: python
      command: [python3]
      source: |
        with open("/tmp/v", "w") as f:
            f.write(str({{workflow.parameters.n}} * 7))
    outputs:
      parameters:
      - name: v
        valueFrom: {path: /tmp/v}
  - name: use
    inputs:
      parameters: [{name: v}]
    container: {image: busybox, command: [sh, -c, "echo got-{{inputs.parameters.v}}"]}
"""


@pytest.mark.parametrize("count", [2, 10])
def test_workflows_submitted_at_once_all_finish(home, tmp_path, count):
    path = write(tmp_path, "pass.yaml", PASSING)
    procs = [plait_popen(home, "submit", path, "-p", f"n={i}", "--name", f"many-{count}-{i}")
             for i in range(count)]
    for i, proc in enumerate(procs):
        out, err = proc.communicate(timeout=WAIT)
        assert proc.returncode == 0, err
        assert out == f"many-{count}-{i}\n"
    store = store_of(home)
    for i in range(count):
        row = finished(home, f"many-{count}-{i}")
        assert row.phase is Phase.SUCCEEDED, (row.message, Path(home / "runners" / f"many-{count}-{i}.log").read_text())
        results = {n.display_name: n.outputs.result for n in store.nodes(row.name).values()}
        assert results["use"] == f"got-{i * 7}"
    conn = sqlite3.connect(home / "plait.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    listed = plait_process(home, "list", "--completed", "-o", "json")
    assert len(json.loads(listed.stdout)) == count


# -- golden list / get / logs -----------------------------------------------------------------

T0 = 1_700_000_000.0          # Tue Nov 14 22:13:20 2023 UTC


def _node(wf, id_, name, display, type_, template, phase, start, end, children=(), boundary=None,
          pod=None, message=""):
    return Node(id=id_, name=name, display_name=display, type=type_, template_name=template,
                phase=phase, message=message, started_at=start, finished_at=end,
                children=list(children), boundary_id=boundary, pod_name=pod,
                outputs=Outputs(exit_code="0" if pod and phase is Phase.SUCCEEDED else None))


def _fixed_store(home: Path) -> Store:
    """Four runs with fixed times: succeeded, failed, stopped, and one whose runner is gone."""
    store = store_of(home)
    rows = [("golden-ok", Phase.SUCCEEDED, "", 0, 65), ("golden-failed", Phase.FAILED,
             "child 'golden-failed-3327263426' failed", 100, 160),
            ("golden-stopped", Phase.FAILED, "Stopped with strategy 'Stop'", 200, 230),
            ("golden-lost", Phase.RUNNING, "", 300, None)]
    for name, phase, message, start, end in rows:
        store.create_workflow(name, "{}", {"parameters": [{"name": "message", "value": "hi"}]},
                              T0 + start, phase=phase)
        store.set_workflow(name, phase, message, None if end is None else T0 + end)
        store.set_runner(name, pid=0, heartbeat=T0 + start)
    with sqlite3.connect(home / "plait.db") as conn:   # fixed creation times
        for name, _, _, start, _ in rows:
            conn.execute("UPDATE workflows SET created_at = ? WHERE name = ?", (T0 + start - 1, name))
    wf = "golden-failed"
    nodes = [
        _node(wf, wf, wf, wf, NodeType.STEPS, "main", Phase.FAILED, T0 + 100, T0 + 160,
              [f"{wf}-1"], message="child 'golden-failed-3327263426' failed"),
        _node(wf, f"{wf}-1", f"{wf}[0]", "[0]", NodeType.STEP_GROUP, "main", Phase.SUCCEEDED,
              T0 + 100, T0 + 110, [f"{wf}-2", f"{wf}-4"], boundary=wf),
        _node(wf, f"{wf}-2", f"{wf}[0].ok", "ok", NodeType.POD, "echo", Phase.SUCCEEDED,
              T0 + 100, T0 + 110, [f"{wf}-3"], boundary=wf, pod=f"{wf}-echo-2"),
        _node(wf, f"{wf}-4", f"{wf}[0].also", "also", NodeType.POD, "echo", Phase.SUCCEEDED,
              T0 + 100, T0 + 103, [f"{wf}-3"], boundary=wf, pod=f"{wf}-echo-4"),
        _node(wf, f"{wf}-3", f"{wf}[1]", "[1]", NodeType.STEP_GROUP, "main", Phase.FAILED,
              T0 + 110, T0 + 160, [f"{wf}-3327263426"], boundary=wf),
        _node(wf, f"{wf}-3327263426", f"{wf}[1].boom", "boom", NodeType.POD, "boom", Phase.FAILED,
              T0 + 110, T0 + 160, boundary=wf, pod=f"{wf}-boom-3327263426",
              message="main: Error (exit code 3)"),
    ]
    for n in nodes:
        store.save_node(wf, n)
    store.save_node("golden-lost", _node("golden-lost", "golden-lost", "golden-lost", "golden-lost",
                                         NodeType.POD, "hello", Phase.RUNNING, T0 + 300, None,
                                         pod="golden-lost"))
    return store


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(cli_base, "now", lambda: T0 + 400)
    yield
    monkeypatch.undo()
    time.tzset()


def test_golden_list_and_get(capsys, home, fixed_clock, update_golden):
    _fixed_store(home)
    code, out, _ = plait(capsys, "list")
    assert code == 0
    golden(GOLDEN / "list.out", out, update_golden)
    assert plait(capsys, "list", "--running")[1].splitlines()[1].split()[:4] == \
        ["golden-lost", "Running", "(runner", "lost)"]
    assert [ln.split()[0] for ln in plait(capsys, "list", "--completed")[1].splitlines()[1:]] == \
        ["golden-stopped", "golden-failed", "golden-ok"]
    code, out, _ = plait(capsys, "get", "golden-failed")
    assert code == 0
    golden(GOLDEN / "get-failed.out", out, update_golden)
    code, out, _ = plait(capsys, "get", "golden-lost")
    golden(GOLDEN / "get-lost.out", out, update_golden)
    doc = json.loads(plait(capsys, "get", "golden-failed", "-o", "json")[1])
    assert doc["status"]["phase"] == "Failed"
    assert doc["status"]["startedAt"] == "2023-11-14T22:15:00Z"
    assert len(doc["status"]["nodes"]) == 6


def test_stop_and_terminate_a_run_whose_runner_is_gone(capsys, home, fixed_clock):
    store = _fixed_store(home)
    code, out, _ = plait(capsys, "stop", "golden-lost")
    assert (code, out) == (0, "workflow golden-lost stopped\n")
    row = store.workflow("golden-lost")
    assert (row.phase, row.message) == (Phase.FAILED, "Stopped with strategy 'Stop'")
    assert store.nodes("golden-lost")["golden-lost"].phase is Phase.FAILED
    code, _, err = plait(capsys, "terminate", "golden-lost")
    assert code == 1 and "completed workflow" in err
    assert "Failed (Terminated)" in plait(capsys, "list")[1]


LOGS = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: logs-golden
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: first
        template: say
        arguments: {parameters: [{name: what, value: one}]}
    - - name: second
        template: say
        arguments: {parameters: [{name: what, value: two}]}
  - name: say
    inputs: {parameters: [{name: what}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.what}}; echo {{inputs.parameters.what}} again"]}
"""


def test_golden_logs_and_follow(capsys, home, tmp_path, update_golden):
    path = write(tmp_path, "logs.yaml", LOGS)
    assert plait(capsys, "submit", path, "--wait")[0] == 0
    code, out, _ = plait(capsys, "logs", "logs-golden")
    assert code == 0
    golden(GOLDEN / "logs.out", out, update_golden)
    assert plait(capsys, "logs", "logs-golden", "-f")[1] == out          # ended: drains and stops
    assert plait(capsys, "logs", "@latest", "--since", "1h")[1] == out
    assert plait(capsys, "logs", "logs-golden", "second", "-f")[1] == \
        "".join(line + "\n" for line in out.splitlines() if "two" in line)
    assert plait(capsys, "logs", "logs-golden", "--since", "later")[0] == 2
    assert plait(capsys, "logs", "logs-golden", "third", "-f")[0] == 1


SLOW_LOGS = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: follow-me
spec:
  entrypoint: talk
  templates:
  - name: talk
    container: {image: busybox, command: [sh, -c, "for i in 1 2 3 4; do echo line-$i; sleep 0.3; done"]}
"""


def test_logs_follow_while_running(home, tmp_path):
    assert plait_process(home, "submit", write(tmp_path, "s.yaml", SLOW_LOGS)).returncode == 0
    out = plait_process(home, "logs", "follow-me", "-f").stdout
    assert out.splitlines() == [f"follow-me: line-{i}" for i in range(1, 5)]


# -- delete -----------------------------------------------------------------------------------

FILES = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: leaves-files
spec:
  entrypoint: main
  volumes:
  - name: shared
    persistentVolumeClaim: {claimName: shared}
  templates:
  - name: main
    steps:
    - - name: make
        template: make
    - - name: read
        template: read
        arguments:
          artifacts: [{name: in, from: "{{steps.make.outputs.artifacts.out}}"}]
  - name: make
    container:
      image: busybox
      command: [sh, -c, "echo data > /tmp/out.txt; echo vol > /shared/v.txt; echo made"]
      volumeMounts: [{name: shared, mountPath: /shared}]
    outputs:
      artifacts: [{name: out, path: /tmp/out.txt}]
  - name: read
    inputs:
      artifacts: [{name: in, path: /tmp/in.txt}]
    container: {image: busybox, command: [cat, /tmp/in.txt]}
"""


def _files_of(home: Path, name: str) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if name in str(p.relative_to(home)))


def test_delete_leaves_no_files(capsys, home, tmp_path):
    assert plait(capsys, "submit", write(tmp_path, "f.yaml", FILES), "--wait")[0] == 0
    assert plait(capsys, "logs", "leaves-files", "read")[1].endswith(": data\n")
    assert plait(capsys, "submit", HELLO, "--name", "keep-me", "--wait")[0] == 0
    before = _files_of(home, "leaves-files")
    assert any(p.startswith("logs/") for p in before) and any(p.startswith("artifacts/") for p in before)
    assert any(p.startswith("volumes/") for p in before)
    code, out, _ = plait(capsys, "delete", "leaves-files")
    assert (code, out) == (0, "Workflow 'leaves-files' deleted\n")
    assert _files_of(home, "leaves-files") == []
    conn = sqlite3.connect(home / "plait.db")
    for table, column in (("workflows", "name"), ("nodes", "workflow"), ("events", "workflow")):
        assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = 'leaves-files'").fetchone() == (0,)
    conn.close()
    assert plait(capsys, "get", "keep-me")[0] == 0
    assert plait(capsys, "delete", "--older", "1h")[1] == ""           # too young
    assert plait(capsys, "delete", "--completed")[1] == "Workflow 'keep-me' deleted\n"
    assert plait(capsys, "list")[1] == "No workflows found\n"
    assert _files_of(home, "keep-me") == []


# -- stop, terminate, resume of a suspended run ------------------------------------------------

STOPPABLE = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: stoppable-
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - name: long
        template: sleep
  - name: sleep
    container: {image: busybox, command: [sh, -c, "echo started; sleep 60"]}
  - name: bye
    container: {image: busybox, command: [sh, -c, "echo exit handler saw {{workflow.status}}"]}
"""


def _running_pod(home: Path, name: str, display: str):
    store = store_of(home)
    return wait_for(lambda: next((n for n in store.nodes(name).values()
                                  if n.display_name == display and n.phase is Phase.RUNNING), None),
                    f"{display} to run")


@pytest.mark.parametrize("verb,handler_runs", [("stop", True), ("terminate", False)])
def test_stop_and_terminate_a_live_runner(capsys, home, tmp_path, verb, handler_runs):
    code, out, _ = plait(capsys, "submit", write(tmp_path, "s.yaml", STOPPABLE))
    name = out.strip()
    _running_pod(home, name, "long")
    started = time.monotonic()
    code, out, _ = plait(capsys, verb, name)
    assert code == 0 and out == f"workflow {name} {verb}{'ped' if verb == 'stop' else 'd'}\n"
    row = finished(home, name)
    assert time.monotonic() - started < 20
    strategy = "Stop" if verb == "stop" else "Terminate"
    assert (row.phase, row.message) == (Phase.FAILED, f"Stopped with strategy '{strategy}'")
    nodes = {n.name: n for n in store_of(home).nodes(name).values()}
    if handler_runs:
        assert nodes[f"{name}.onExit"].phase is Phase.SUCCEEDED
        assert "exit handler saw Failed" in plait(capsys, "logs", name, f"{name}.onExit")[1]
    else:
        assert f"{name}.onExit" not in nodes
    assert "Failed (Terminated)" in plait(capsys, "list")[1]




def test_resume_a_suspended_run(capsys, home, tmp_path):
    assert plait(capsys, "submit", write(tmp_path, "w.yaml", SUSPENDED))[0] == 0
    store = store_of(home)
    wait_for(lambda: any(n.type is NodeType.SUSPEND and n.phase is Phase.RUNNING
                         for n in store.nodes("waits").values()), "the suspend node")
    assert "Running (Suspended)" in plait(capsys, "list")[1]
    assert "ǁ approve" in plait(capsys, "get", "waits")[1]
    code, out, err = plait(capsys, "resume", "waits", "--wait")
    assert code == 0, out + err
    assert "Status:              Succeeded" in out
    assert plait(capsys, "logs", "waits", "after")[1].endswith(": approved\n")


# -- retry re-runs only the failed branch ------------------------------------------------------

RETRY = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: retry-me
spec:
  entrypoint: main
  volumes:
  - name: m
    hostPath: {path: MARKERS}
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: mark, arguments: {parameters: [{name: what, value: a}]}}
      - {name: b, template: flaky, depends: a}
      - {name: c, template: mark, depends: b, arguments: {parameters: [{name: what, value: c}]}}
      - {name: side, template: mark, depends: a, arguments: {parameters: [{name: what, value: side}]}}
  - name: mark
    inputs: {parameters: [{name: what}]}
    container:
      image: busybox
      command: [sh, -c, "echo {{inputs.parameters.what}} >> /m/marker; echo {{inputs.parameters.what}}-out"]
      volumeMounts: [{name: m, mountPath: /m}]
  - name: flaky
    container:
      image: busybox
      command: [sh, -c, "if [ -f /m/fixed ]; then echo b >> /m/marker; else echo b-failed >> /m/marker; exit 1; fi"]
      volumeMounts: [{name: m, mountPath: /m}]
"""


def test_retry_reruns_only_the_failed_branch(capsys, home, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    path = write(tmp_path, "r.yaml", RETRY.replace("MARKERS", str(markers)))
    assert plait(capsys, "submit", path, "--wait")[0] == 1
    assert sorted(marker_lines(markers)) == ["a", "b-failed", "side"]
    before = {n.display_name: n for n in store_of(home).nodes("retry-me").values()}
    (markers / "fixed").write_text("")
    code, out, err = plait(capsys, "retry", "retry-me", "--wait")
    assert code == 0, out + err
    assert "Status:              Succeeded" in out
    assert sorted(marker_lines(markers)) == ["a", "b", "b-failed", "c", "side"]
    after = {n.display_name: n for n in store_of(home).nodes("retry-me").values()}
    for kept in ("a", "side"):
        assert after[kept].outputs.result == f"{kept}-out"
        assert after[kept].started_at == before[kept].started_at


def test_resubmit_makes_a_new_run_from_the_same_plan(capsys, home):
    assert plait(capsys, "submit", HELLO, "--name", "first", "-p", "message=again", "--wait")[0] == 0
    code, out, err = plait(capsys, "resubmit", "first", "--wait")
    assert code == 0, err
    new = out.splitlines()[0]
    assert new != "first" and new.startswith("hello-")
    assert plait(capsys, "logs", new)[1] == f"{new}: again\n"
    assert store_of(home).workflow(new).options["resubmitted_from"] == "first"
    code, out, _ = plait(capsys, "resubmit", "first", "--name", "second")
    assert out == "second\n"
    assert finished(home, "second").phase is Phase.SUCCEEDED


TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: greeter
spec:
  entrypoint: greet
  arguments:
    parameters: [{name: who, value: world}]
  templates:
  - name: greet
    container: {image: busybox, command: [echo, "hello {{workflow.parameters.who}}"]}
"""


def test_submit_from_a_workflow_template(capsys, home, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    write(lib, "greeter.yaml", TEMPLATE)
    code, out, err = plait(capsys, "submit", "--from", "workflowtemplate/greeter", "--templates",
                           lib, "-p", "who=plait", "--wait")
    assert code == 0, err
    name = out.splitlines()[0]
    assert name.startswith("greeter-")
    assert plait(capsys, "logs", name)[1] == f"{name}: hello plait\n"


def test_dot_of_a_run(capsys, home, tmp_path):
    assert plait(capsys, "submit", write(tmp_path, "f.yaml", FAILING), "--name", "dotted",
                 "--wait")[0] == 1
    code, out, err = plait(capsys, "dot", "dotted")
    assert code == 0, err
    assert out.startswith("digraph dotted {")
    assert re.search(r'label="boom\\n\(boom\)\\nFailed \d+s\\n[^"]+".*fillcolor="#f7b0b0"', out)
    assert re.search(r'label="ok\\n\(echo\)\\nSucceeded \d+s".*fillcolor="#b8e6b0"', out)
    assert plait(capsys, "dot", "@latest")[1] == out
    assert plait(capsys, "dot", "no-such-run")[0] == 2


def test_watch_and_submit_watch_without_a_tty(capsys, home):
    code, out, err = plait(capsys, "submit", HELLO, "--name", "watched", "--watch")
    assert code == 0, err
    assert out.splitlines()[0] == "watched"
    assert "Status:              Succeeded" in out
    assert "watched Succeeded" in err                       # progress lines on stderr
    code, out, _ = plait(capsys, "watch", "@latest")
    assert code == 0 and out.startswith("Name:                watched\n")


def test_delete_a_running_workflow_terminates_it_first(capsys, home, tmp_path):
    code, out, _ = plait(capsys, "submit", write(tmp_path, "s.yaml", STOPPABLE))
    name = out.strip()
    _running_pod(home, name, "long")
    pid = store_of(home).workflow(name).runner_pid
    assert plait(capsys, "delete", name)[1] == f"Workflow '{name}' deleted\n"
    from plait.runtime.runs import pid_alive
    assert not pid_alive(pid)
    assert _files_of(home, name) == []
    assert plait(capsys, "list")[1] == "No workflows found\n"


SECRET = """\
apiVersion: v1
kind: Secret
metadata: {name: plait-sample-secret}
stringData: {token: s3cr3t-t0ken-value}
"""

SHOWS_SECRET = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: shows-secret
spec:
  entrypoint: show
  templates:
  - name: show
    container:
      image: busybox
      command: [sh, -c, "echo token=$TOKEN"]
      env:
      - name: TOKEN
        valueFrom: {secretKeyRef: {name: plait-sample-secret, key: token}}
"""


def test_submit_stores_the_secret_file_path_never_its_values(capsys, home, tmp_path):
    secrets = write(tmp_path, "secret.yaml", SECRET)
    code, out, err = plait(capsys, "submit", write(tmp_path, "w.yaml", SHOWS_SECRET),
                           "--secrets", secrets, "--wait")
    assert code == 0, out + err
    assert store_of(home).workflow("shows-secret").options["secrets"] == [str(secrets)]
    assert plait(capsys, "logs", "shows-secret")[1] == "shows-secret: token=***\n"
    for path in home.rglob("*"):
        if path.is_file():
            assert b"s3cr3t-t0ken-value" not in path.read_bytes(), path


@pytest.mark.parametrize("verb", ["stop", "terminate"])
def test_stop_right_after_submit(capsys, home, tmp_path, verb):
    code, out, _ = plait(capsys, "submit", write(tmp_path, "s.yaml", STOPPABLE))
    name = out.strip()
    assert plait(capsys, verb, name)[0] == 0
    row = finished(home, name)
    strategy = "Stop" if verb == "stop" else "Terminate"
    assert (row.phase, row.message) == (Phase.FAILED, f"Stopped with strategy '{strategy}'")


def test_a_version_1_store_gains_the_options_column(home):
    home.mkdir(parents=True)
    conn = sqlite3.connect(home / "plait.db")
    conn.executescript("""
        CREATE TABLE workflows (name TEXT PRIMARY KEY, phase TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, started_at REAL,
            finished_at REAL, plan_json TEXT NOT NULL, arguments_json TEXT NOT NULL DEFAULT '{}',
            runner_pid INTEGER, heartbeat REAL);
        INSERT INTO workflows (name, phase, created_at, plan_json) VALUES ('old', 'Succeeded', 1, '{}');
        PRAGMA user_version=1;
    """)
    conn.close()
    store = store_of(home)
    assert store.workflow("old").options == {}
    store.set_options("old", {"parallelism": 2})
    assert store.workflow("old").options == {"parallelism": 2}
    assert [r.name for r in store.list_workflows()] == ["old"]
