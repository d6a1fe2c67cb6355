"""`plait run` and `plait logs`: formats, exit codes, progress, Ctrl-C, with real processes."""

from __future__ import annotations

import json
import signal
import time

import pytest

from plait.cli import main

from ..helpers import STOPPABLE, plait_popen, plait_process, write
from ..helpers import cli as run

HELLO = "samples/hello.yaml"
pytestmark = pytest.mark.usefixtures("plait_home")


FAILING = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: fails
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


def test_run_tree_exit_0_and_progress_on_stderr(capsys):
    code, out, err = run(capsys, "run", HELLO, "--name", "hello-tree")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Name:                hello-tree"
    assert "Status:              Succeeded" in lines
    assert "Progress:            1/1" in lines
    assert "  message:           hello world" in lines
    tree = lines[lines.index("") + 1:]
    assert tree[0].split() == ["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE"]
    assert tree[1].startswith(" ✔ hello-tree  hello ")
    assert tree[1].split()[:4] == ["✔", "hello-tree", "hello", "hello-tree"]
    assert any(line.endswith(" hello-tree Succeeded") for line in err.splitlines())


def test_run_json_alone_on_stdout(capsys):
    code, out, err = run(capsys, "run", HELLO, "--name", "hello-json", "-o", "json", "-p", "message=hi there")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["metadata"]["name"] == "hello-json"
    status = doc["status"]
    assert status["phase"] == "Succeeded" and status["startedAt"].endswith("Z")
    root = status["nodes"]["hello-json"]
    assert (root["type"], root["displayName"], root["templateName"]) == ("Pod", "hello-json", "hello")
    assert root["outputs"]["exitCode"] == "0"
    assert "Succeeded" in err


def test_failed_workflow_exits_1_with_messages(capsys, tmp_path):
    code, out, err = run(capsys, "run", write(tmp_path, "f.yaml", FAILING))
    assert code == 1
    assert "Status:              Failed" in out
    boom = next(line for line in out.splitlines() if "boom" in line)
    assert boom.startswith(" └───✖ boom ") and "exit code 3" in boom
    code, out, _ = run(capsys, "logs", "fails")
    assert code == 0
    pods = {line.split(": ", 1)[0] for line in out.splitlines()}
    assert len(pods) == 2
    assert any(line.endswith(": going down") for line in out.splitlines())
    assert any(line.endswith(": fine") for line in out.splitlines())


def test_logs_of_one_node_and_latest(capsys, tmp_path):
    assert run(capsys, "run", write(tmp_path, "f.yaml", FAILING), "-o", "json")[0] == 1
    for node in ("boom", "fails[1].boom"):
        code, out, _ = run(capsys, "logs", "@latest", node)
        assert code == 0
        assert out.splitlines() == [f"{out.split(': ', 1)[0]}: going down"]
        pod = out.split(": ", 1)[0]
        assert pod.startswith("fails-boom-")
        assert run(capsys, "logs", "fails", pod)[1] == out
    assert run(capsys, "logs", "fails", "nope")[0] == 1
    assert run(capsys, "logs", "no-such-run")[0] == 1


def test_compile_errors_exit_1(capsys):
    code, out, err = run(capsys, "run", "tests/fixtures/err/pl302_unknown_workflow_parameter.yaml")
    assert code == 1 and out == ""
    assert "PL302" in err


def test_usage_errors_exit_2(capsys):
    assert run(capsys, "run", HELLO, "--parallelism", "0")[0] == 2
    assert run(capsys, "run", HELLO, "--secrets", "no/such/file.yaml")[0] == 2
    assert run(capsys, "run", "no/such/file.yaml")[0] == 2


def test_run_accepts_a_compiled_plan(capsys, tmp_path):
    plan = tmp_path / "plan.json"
    assert main(["compile", HELLO, "--name", "from-plan", "-o", str(plan)]) == 0
    code, out, err = run(capsys, "run", str(plan), "-o", "json")
    assert code == 0, err
    assert json.loads(out)["metadata"]["name"] == "from-plan"


def test_run_and_submit_name_a_plan_that_keeps_generate_name(capsys, tmp_path):
    plan = tmp_path / "plan.json"
    assert main(["compile", HELLO, "-o", str(plan)]) == 0
    assert "generateName" in plan.read_text() and '"name": "hello-' not in plan.read_text()
    code, out, err = run(capsys, "run", str(plan), "-o", "json")
    assert code == 0, err
    first = json.loads(out)["metadata"]["name"]
    assert first.startswith("hello-") and len(first) == len("hello-") + 5
    code, out, err = run(capsys, "submit", str(plan), "--wait")
    assert code == 0, err
    second = out.splitlines()[0]
    assert second.startswith("hello-") and second != first




def test_ctrl_c_stops_like_argo_stop_and_exit_handlers_still_run(tmp_path, plait_home):
    proc = plait_popen(plait_home, "run", "-o", "json", write(tmp_path, "s.yaml", STOPPABLE))
    started = time.monotonic()
    seen = []
    for line in proc.stderr:                       # progress lines: wait for the pod to run
        seen.append(line)
        if line.rstrip().endswith("long Running"):
            break
        assert time.monotonic() - started < 30, seen
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 30, "the 60s step was not killed"
    assert proc.returncode == 1, "".join(seen) + err
    status = json.loads(out)["status"]
    assert status["phase"] == "Failed"
    assert "Stopped with strategy 'Stop'" in status["message"]
    by_name = {n["name"]: n for n in status["nodes"].values()}
    assert by_name["stoppable.onExit"]["phase"] == "Succeeded"
    logs = plait_process(plait_home, "logs", "stoppable", "stoppable.onExit")
    assert "exit handler saw Failed" in logs.stdout


def test_bad_inputs_are_usage_errors(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Secret\ndata: [not, a, map]\n")
    assert main(["run", "samples/hello.yaml", "--secrets", str(bad)]) == 2
    images = tmp_path / "images.yaml"
    images.write_text("- just\n- a list\n")
    assert main(["run", "samples/hello.yaml", "--images", str(images)]) == 2
    assert main(["run", "samples/hello.yaml", "--name", "twice"]) == 0
    assert main(["run", "samples/hello.yaml", "--name", "twice"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ("-p", "message=\udcff\udcfe"),           # the bytes ff fe, as Python hands them over
    ("-l", "team=\udcff"),
    ("--serviceaccount", "sa\udcff"),
], ids=["parameter", "label", "serviceaccount"])
def test_an_argument_that_is_not_utf8_is_a_usage_error(plait_home, argv):
    """Bytes that are no UTF-8 reached the store's SQLite insert and crashed the run (exit 3
    with a traceback); they are refused before anything starts."""
    proc = plait_process(plait_home, "run", HELLO, "--name", "bytes", *argv)
    assert proc.returncode == 2, proc.stderr
    assert "is not valid UTF-8" in proc.stderr and "Traceback" not in proc.stderr
    assert plait_process(plait_home, "get", "bytes").returncode != 0     # no run was stored


SURROGATE_ESCAPES = """\
{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "escapes"},
 "spec": {"entrypoint": "main", "templates": [{"name": "main",
   "container": {"image": "busybox", "command": ["echo", "%s"]}}]}}
"""


def test_a_lone_surrogate_escape_in_the_file_is_a_finding(tmp_path, capsys):
    """`"\\ud800"` in a double-quoted scalar crashed the run at the store's insert (exit 3);
    Go's yaml refuses it, and so does plait, at its position."""
    path = write(tmp_path, "lone.json", SURROGATE_ESCAPES % "a\\ud800")
    assert main(["run", path]) == 1
    err = capsys.readouterr().err
    assert "lone.json:3:" in err and "found invalid Unicode character escape code" in err
    assert "Traceback" not in err


def test_a_surrogate_pair_escape_in_json_is_one_character(tmp_path, capsys):
    """JSON writes characters beyond U+FFFF as a pair of escapes: it is the character."""
    path = write(tmp_path, "pair.json", SURROGATE_ESCAPES % "\\ud83d\\ude00")
    assert main(["run", path, "-o", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"]["phase"] == "Succeeded"
    assert main(["logs", "escapes"]) == 0
    assert "\U0001F600" in capsys.readouterr().out
