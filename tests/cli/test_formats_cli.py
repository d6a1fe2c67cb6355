"""The `-o` shapes and list filters of `get`, `list` and `submit`, as `argo` prints and reads
them (issue 12, item 2): golden text over a store with fixed times, names and host, and real
detached runs for `submit -o ...` and `submit --log`."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest

from plait.commands import base as cli_base
from plait.commands import runs as cli_runs
from plait.compiler.plan import IO, LeafBody, Plan, Template, WorkflowMeta, WorkflowSettings
from plait.compiler.plancodec import write_plan
from plait.runtime.store import Store
from plait.runtime.storeapi import WorkflowRow
from plait.runtime.types import Node, NodeType, Outputs, Phase

from ..conftest import golden
from ..helpers import ROOT, cli, finished, write

GOLDEN = ROOT / "tests" / "golden" / "formats"
T0 = 1_700_000_000.0          # Tue Nov 14 22:13:20 2023 UTC
LONG = "x" * 40 + "0123456789abcdefghij"     # 60 characters: `list -o wide` cuts it


def _plan(labels: dict[str, str] | None = None, priority: int | None = None) -> str:
    """A stored plan's JSON (a one-step plan: the views read its labels and priority)."""
    main = Template("main", "suspend", True, IO(), IO(), LeafBody({}))
    return write_plan(Plan(WorkflowMeta(name="x", labels=labels or None, source="x.yaml"), IO(),
                           "main", {"main": main}, settings=WorkflowSettings(priority=priority)))


def _node(id_, name, display, type_, template, phase, start, end, children=(), boundary=None,
          pod=None, artifacts=(), message=""):
    return Node(id=id_, name=name, display_name=display, type=type_, template_name=template,
                phase=phase, message=message, started_at=start, finished_at=end,
                children=list(children), boundary_id=boundary, pod_name=pod,
                outputs=Outputs(exit_code="0" if phase is Phase.SUCCEEDED and pod else None,
                                artifacts=[{"name": a, "key": f"k/{a}"} for a in artifacts]))


RUNS = [  # name, phase, message, start, end, labels, priority, parameters
    ("etl-nightly", Phase.SUCCEEDED, "", 0, 65, {"team": "data", "tier": "gold"}, 5,
     [{"name": "day", "value": "mon"}, {"name": "query", "value": LONG}]),
    ("etl-hourly", Phase.FAILED, "child 'etl-hourly-2' failed", 100, 160,
     {"team": "data", "example.com/owner": "ann"},
     None, []),
    ("web-build", Phase.ERROR, "the runner was lost", 200, 230, {"team": "web"}, None, []),
    ("web-deploy", Phase.RUNNING, "", 300, None, {}, None, [{"name": "env", "value": "prod"}]),
]


@pytest.fixture
def fixed(plait_home: Path, monkeypatch) -> Store:
    """Four runs with fixed times, labels, priorities and parameters, a clock at T0 + 400 in
    UTC and a host named node-1; etl-nightly has a tree with an output artifact."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(cli_base, "now", lambda: T0 + 400)
    monkeypatch.setattr(cli_runs, "host_name", lambda: "node-1")
    store = Store.at(plait_home)
    for name, phase, message, start, end, labels, priority, params in RUNS:
        store.create_workflow(name, _plan(labels, priority), {"parameters": params}, T0 + start,
                              phase=phase)
        store.set_workflow(name, phase, message, None if end is None else T0 + end)
        store.set_runner(name, pid=0, heartbeat=T0 + start)
    with sqlite3.connect(plait_home / "plait.db") as conn:   # fixed creation times
        for name, _, _, start, *_ in RUNS:
            conn.execute("UPDATE workflows SET created_at = ? WHERE name = ?", (T0 + start - 1, name))
    wf = "etl-nightly"
    for node in [
        _node(wf, wf, wf, NodeType.STEPS, "main", Phase.SUCCEEDED, T0, T0 + 65, [f"{wf}-1"]),
        _node(f"{wf}-1", f"{wf}[0]", "[0]", NodeType.STEP_GROUP, "main", Phase.SUCCEEDED, T0,
              T0 + 65, [f"{wf}-2", f"{wf}-3"], boundary=wf),
        _node(f"{wf}-2", f"{wf}[0].extract", "extract", NodeType.POD, "extract",
              Phase.SUCCEEDED, T0, T0 + 60, boundary=wf, pod=f"{wf}-extract-2",
              artifacts=("rows", "report")),
        _node(f"{wf}-3", f"{wf}[0].notify", "notify", NodeType.POD, "notify", Phase.SUCCEEDED,
              T0, T0 + 5, boundary=wf, pod=f"{wf}-notify-3"),
        _node(f"{wf}.onExit", f"{wf}.onExit", f"{wf}.onExit", NodeType.POD, "bye",
              Phase.SUCCEEDED, T0 + 65, T0 + 66, pod=f"{wf}-bye-4"),
    ]:
        store.save_node(wf, node)
    store.save_node("web-deploy", _node("web-deploy", "web-deploy", "web-deploy", NodeType.POD,
                                        "deploy", Phase.RUNNING, T0 + 300, None, pod="web-deploy"))
    yield store
    monkeypatch.undo()
    time.tzset()


def names(capsys, *argv) -> list[str]:
    code, out, err = cli(capsys, "list", "-o", "name", *argv)
    assert code == 0, err
    return out.split()


# -- get ------------------------------------------------------------------------------------

@pytest.mark.parametrize("output", ["wide", "short"])
def test_get_wide_and_short_golden(capsys, fixed, update_golden, output):
    code, out, err = cli(capsys, "get", "etl-nightly", "-o", output)
    assert code == 0, err
    golden(GOLDEN / f"get-{output}.out", out, update_golden)


def test_get_wide_keeps_the_header_and_short_is_the_tree_alone(capsys, fixed):
    tree = cli(capsys, "get", "etl-nightly")[1]
    wide = cli(capsys, "get", "etl-nightly", "-o", "wide")[1]
    short = cli(capsys, "get", "etl-nightly", "-o", "short")[1]
    head = tree.split("\n\n")[0]
    assert wide.startswith(head + "\n\nSTEP ")
    assert short.startswith("STEP ") and "Name:" not in short
    assert "rows,report" in wide and "node-1" in short     # artifacts; the pods' host
    # a run without nodes yet: short shows the header, as argo's
    assert cli(capsys, "get", "web-build", "-o", "short")[1].startswith("Name:                web-build\n")


def test_get_yaml_is_the_json_object(capsys, fixed):
    from ruamel.yaml import YAML

    as_json = json.loads(cli(capsys, "get", "etl-nightly", "-o", "json")[1])
    as_yaml = YAML(typ="safe").load(cli(capsys, "get", "etl-nightly", "-o", "yaml")[1])
    assert as_yaml == as_json
    assert as_yaml["metadata"]["labels"] == {"team": "data", "tier": "gold"}
    assert cli(capsys, "get", "@latest", "-o", "name")[1] == "web-deploy\n"


# -- list -----------------------------------------------------------------------------------

def test_list_wide_golden(capsys, fixed, update_golden):
    code, out, err = cli(capsys, "list", "-o", "wide")
    assert code == 0, err
    golden(GOLDEN / "list-wide.out", out, update_golden)
    code, out, _ = cli(capsys, "list", "--no-headers", "--prefix", "web")
    assert out.splitlines()[0].split()[:2] == ["web-deploy", "Running"]
    assert len(out.splitlines()) == 2


def test_list_json_and_yaml_are_lists_of_workflows(capsys, fixed):
    from ruamel.yaml import YAML

    docs = json.loads(cli(capsys, "list", "-o", "json", "--status", "Failed,Error")[1])
    assert [d["metadata"]["name"] for d in docs] == ["web-build", "etl-hourly"]
    assert YAML(typ="safe").load(cli(capsys, "list", "-o", "yaml", "--status", "Failed,Error")[1]) \
        == docs


@pytest.mark.parametrize("argv, expected", [
    ([], ["web-deploy", "web-build", "etl-hourly", "etl-nightly"]),
    (["--running"], ["web-deploy"]),
    (["--completed"], ["web-build", "etl-hourly", "etl-nightly"]),
    (["--status", "Failed", "--status", "succeeded"], ["etl-hourly", "etl-nightly"]),
    (["--status", "Error,Running"], ["web-deploy", "web-build"]),
    (["--since", "4m"], ["web-deploy", "web-build"]),      # created 101 s and 201 s ago
    (["--since", "1h"], ["web-deploy", "web-build", "etl-hourly", "etl-nightly"]),
    (["--prefix", "etl-"], ["etl-hourly", "etl-nightly"]),
    (["-l", "team=data"], ["etl-hourly", "etl-nightly"]),
    (["-l", "team==data,tier=gold"], ["etl-nightly"]),
    (["-l", "team!=data"], ["web-deploy", "web-build"]),   # no label counts as not equal
    (["--selector", "team"], ["web-build", "etl-hourly", "etl-nightly"]),
    (["-l", "!team"], ["web-deploy"]),
    (["-l", "team in (web, gold)"], ["web-build"]),
    (["-l", "team notin (web),tier notin (gold)"], ["web-deploy", "etl-hourly"]),
    (["-l", "example.com/owner=ann"], ["etl-hourly"]),
    (["-l", "workflows.argoproj.io/completed=false"], ["web-deploy"]),
    (["-l", "workflows.argoproj.io/phase=Error"], ["web-build"]),
    # combined: every filter must hold
    (["--completed", "--prefix", "etl", "-l", "team=data", "--since", "6m"], ["etl-hourly"]),
    (["--running", "--status", "Failed"], []),
])
def test_list_filters(capsys, fixed, argv, expected):
    assert names(capsys, *argv) == expected


@pytest.mark.parametrize("argv, message", [
    (["--status", "failde"], "plait: error: --status 'failde': expected one of Pending, Running, "
                             "Succeeded, Failed, Error\n"),
    (["--since", "soon"], "plait: error: --since: invalid duration 'soon' (e.g. 30s, 10m, 2h, "
                          "1d)\n"),
    (["-l", "team in (web"], "plait: error: -l/--selector: 'team in (web': unbalanced "
                             "parentheses\n"),
    (["-l", "team=a b"], "plait: error: -l/--selector: 'team=a b': 'a b' is not a label value "
                         "(up to 63 letters, digits, '-', '_' or '.')\n"),
    (["--selector=-team=x"], "plait: error: -l/--selector: '-team=x': '-team' is not a label key "
                        "(letters, digits, '-', '_', '.', optionally after a 'prefix/')\n"),
    (["-l", "a,,b"], "plait: error: -l/--selector: an empty requirement (two commas in a row, "
                     "or one at an end)\n"),
])
def test_list_filter_mistakes_are_usage_errors(capsys, fixed, argv, message):
    code, out, err = cli(capsys, "list", *argv)
    assert (code, out, err) == (2, "", message)


def test_list_running_and_completed_exclude_each_other(capsys, fixed):
    code, _, err = cli(capsys, "list", "--running", "--completed")
    assert code == 2 and "not allowed with argument" in err


# -- submit ---------------------------------------------------------------------------------

SUBMITTED = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: shapes-
  labels: {team: data}
spec:
  entrypoint: main
  arguments:
    parameters: [{name: who, value: world}]
  templates:
  - name: main
    inputs: {parameters: [{name: who}]}
    container: {image: busybox, command: [sh, -c, "echo hello {{inputs.parameters.who}}"]}
"""

_TIMES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_submit_prints_the_submitted_workflow(capsys, plait_home, tmp_path, update_golden, output):
    """The Workflow as submitted: name and generateName, the flags' labels and priority, the
    spec with the arguments resolved, the status as stored; golden with times masked."""
    path = write(tmp_path, "wf.yaml", SUBMITTED)
    code, out, err = cli(capsys, "submit", path, "--name", f"shapes-{output}", "-o", output,
                         "-p", "who=plait", "-l", "tier=gold", "--priority", "3")
    assert code == 0, err
    golden(GOLDEN / f"submit.{output}", _TIMES.sub("<time>", out), update_golden)
    assert finished(plait_home, f"shapes-{output}").phase is Phase.SUCCEEDED


def test_submit_name_and_wide(capsys, plait_home, tmp_path):
    path = write(tmp_path, "wf.yaml", SUBMITTED)
    assert cli(capsys, "submit", path, "--name", "shapes-name", "-o", "name")[1] == "shapes-name\n"
    code, out, err = cli(capsys, "submit", path, "--name", "shapes-wide", "-o", "wide")
    assert code == 0, err
    assert out.startswith("Name:                shapes-wide\n")
    assert "Parameters:\n  who:               world\n" in out
    assert finished(plait_home, "shapes-wide").phase is Phase.SUCCEEDED
    out = cli(capsys, "submit", path, "--name", "shapes-wait", "-o", "wide", "--wait")[1]
    assert out.count("Name:                shapes-wait\n") == 2      # as submitted, as ended
    assert "NODENAME" in out.split("\n\n")[-1]                      # the final view is wide


@pytest.mark.parametrize("exit_code, expected", [(0, 0), (3, 1)])
def test_submit_json_wait_keeps_stdout_one_document(capsys, plait_home, tmp_path, exit_code,
                                                    expected):
    """As argo's: `-o json --wait` waits quietly; the exit code says how the run ended."""
    text = SUBMITTED.replace('"echo hello {{inputs.parameters.who}}"', f'"exit {exit_code}"')
    code, out, err = cli(capsys, "submit", write(tmp_path, "wf.yaml", text), "-o", "json",
                         "--wait")
    assert code == expected, err
    assert json.loads(out)["metadata"]["generateName"] == "shapes-"


FAILS = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: logged
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: first
        template: say
    - - name: second
        template: boom
  - name: say
    container: {image: busybox, command: [sh, -c, "echo one; sleep 1; echo two"]}
  - name: boom
    container: {image: busybox, command: [sh, -c, "echo three; exit 3"]}
"""


def test_submit_log_streams_to_the_end_and_exits_with_the_run(capsys, plait_home, tmp_path):
    path = write(tmp_path, "wf.yaml", FAILS)
    code, out, err = cli(capsys, "submit", path, "--log")
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0] == "logged"
    assert [ln.split(": ", 1)[1] for ln in lines[1:]] == ["one", "two", "three"]
    assert lines[1].startswith("logged-say-") and lines[3].startswith("logged-boom-")
    assert Store.at(plait_home).workflow("logged").phase is Phase.FAILED   # ended, not lost
    ok = write(tmp_path, "ok.yaml", FAILS.replace("exit 3", "exit 0").replace("logged", "fine"))
    assert cli(capsys, "submit", ok, "--log", "-o", "name")[0] == 0


# -- the README's command table ---------------------------------------------------------------

def test_the_readme_table_lists_every_verb_with_its_argo_counterpart():
    from plait.cli import build_parser

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### plait and argo, verb by verb", 1)[1].split("\n\n")[2]
    rows = [re.split(r"(?<!\\)\|", line)[1:4] for line in table.splitlines()[2:]]
    assert rows and all(len(r) == 3 and r[1].strip() and r[2].strip() for r in rows)
    listed = {word for plait, _, _ in rows for word in re.findall(r"`([a-z]+)", plait)}
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(sub.choices) - listed == set()


def test_list_order_is_argos():
    """argo list's sorter: unfinished runs first (newest created first), then finished ones
    by finish time, latest first, whenever they were created."""
    rows = [WorkflowRow("old-running", Phase.RUNNING, created_at=1.0),
            WorkflowRow("new-done-early", Phase.SUCCEEDED, created_at=9.0, finished_at=10.0),
            WorkflowRow("old-done-late", Phase.FAILED, created_at=2.0, finished_at=50.0),
            WorkflowRow("new-running", Phase.RUNNING, created_at=8.0)]
    assert [r.name for r in cli_runs.argo_order(rows)] == [
        "new-running", "old-running", "old-done-late", "new-done-early"]
