"""The `argo get` view and the status JSON, over node sets built by hand (no runtime needed)."""

from __future__ import annotations

import io
import json

import pytest

from plait.runtime.engine import RunResult
from plait.runtime.status import argo_time, workflow_json
from plait.runtime.storeapi import WorkflowRow
from plait.runtime.types import Node, NodeType, Outputs, Phase
from plait.views import (
    LiveView,
    ProgressLines,
    WorkflowInfo,
    format_duration,
    progress,
    render_get,
    render_header,
    render_tree,
)

T0 = 1_700_000_000.0


def node(nid, name, display, typ, template, phase=Phase.SUCCEEDED, start=0.0, end=None, **kw):
    return Node(nid, name, display, typ, template, phase, started_at=T0 + start,
                finished_at=None if end is None else T0 + end, **kw)


def as_map(*nodes):
    return {n.id: n for n in nodes}


def spec_example():
    """The spec's §18.1 example: steps-z2zdn with hello1 then hello2a ∥ hello2b."""
    wf = "steps-z2zdn"
    return as_map(
        node(wf, wf, wf, NodeType.STEPS, "hello-hello-hello", start=0, end=6, children=[f"{wf}-g0"]),
        node(f"{wf}-g0", f"{wf}[0]", "[0]", NodeType.STEP_GROUP, "hello-hello-hello", start=0, end=2,
             boundary_id=wf, children=[f"{wf}-27420706"]),
        node(f"{wf}-27420706", f"{wf}[0].hello1", "hello1", NodeType.POD, "print-message", start=0, end=2,
             boundary_id=wf, pod_name=f"{wf}-27420706", children=[f"{wf}-g1"]),
        node(f"{wf}-g1", f"{wf}[1]", "[1]", NodeType.STEP_GROUP, "hello-hello-hello", start=2, end=6,
             boundary_id=wf, children=[f"{wf}-2006760091", f"{wf}-2023537710"]),
        node(f"{wf}-2006760091", f"{wf}[1].hello2a", "hello2a", NodeType.POD, "print-message", start=3,
             end=6, boundary_id=wf, pod_name=f"{wf}-2006760091"),
        node(f"{wf}-2023537710", f"{wf}[1].hello2b", "hello2b", NodeType.POD, "print-message", start=3,
             end=6, boundary_id=wf, pod_name=f"{wf}-2023537710"),
    )


def test_spec_example_tree_exactly():
    assert render_tree("steps-z2zdn", spec_example(), now=T0 + 10) == (
        "STEP            TEMPLATE           PODNAME                 DURATION  MESSAGE\n"
        " ✔ steps-z2zdn  hello-hello-hello\n"
        " ├───✔ hello1   print-message      steps-z2zdn-27420706    2s\n"
        " └─┬─✔ hello2a  print-message      steps-z2zdn-2006760091  3s\n"
        "   └─✔ hello2b  print-message      steps-z2zdn-2023537710  3s\n")


def test_three_parallel_steps_use_first_middle_last_connectors_and_glyphs():
    wf = "par"
    nodes = as_map(
        node(wf, wf, wf, NodeType.STEPS, "main", Phase.FAILED, 0, 5, children=["g"],
             message="child 'par-c' failed"),
        node("g", f"{wf}[0]", "[0]", NodeType.STEP_GROUP, "main", Phase.FAILED, 0, 5, boundary_id=wf,
             children=["a", "b", "c"]),
        node("a", f"{wf}[0].a", "a", NodeType.POD, "t", Phase.SUCCEEDED, 1, 2, boundary_id=wf, pod_name="par-a"),
        node("b", f"{wf}[0].b", "b", NodeType.POD, "t", Phase.RUNNING, 1, None, boundary_id=wf, pod_name="par-b"),
        node("c", f"{wf}[0].c", "c", NodeType.POD, "t", Phase.FAILED, 1, 64, boundary_id=wf, pod_name="par-c",
             message="main: Error (exit code 1)"),
    )
    lines = render_tree(wf, nodes, now=T0 + 4).splitlines()
    assert lines[1].startswith(" ✖ par ")
    assert lines[1].endswith("child 'par-c' failed")
    assert lines[2].startswith(" └─┬─✔ a ")
    assert lines[3].startswith("   ├─● b ") and lines[3].endswith("3s")      # running: up to now
    assert lines[4].startswith("   └─✖ c ")
    assert lines[4].endswith("1m3s      main: Error (exit code 1)")


def test_dag_tasks_are_siblings_sorted_by_start_then_name():
    wf = "dag-diamond-x"
    ids = {t: f"{wf}-{t}" for t in "ABCD"}
    nodes = as_map(
        node(wf, wf, wf, NodeType.DAG, "diamond", children=[ids["A"]]),
        node(ids["A"], f"{wf}.A", "A", NodeType.POD, "echo", start=0, end=1, boundary_id=wf,
             pod_name="pa", children=[ids["B"], ids["C"]]),
        node(ids["C"], f"{wf}.C", "C", NodeType.POD, "echo", start=2, end=3, boundary_id=wf,
             pod_name="pc", children=[ids["D"]]),
        node(ids["B"], f"{wf}.B", "B", NodeType.POD, "echo", start=2, end=3, boundary_id=wf,
             pod_name="pb", children=[ids["D"]]),
        node(ids["D"], f"{wf}.D", "D", NodeType.POD, "echo", start=4, end=5, boundary_id=wf, pod_name="pd"),
    )
    steps = [line.split()[1] for line in render_tree(wf, nodes, now=T0 + 9).splitlines()[1:]]
    assert steps == [wf, "A", "B", "C", "D"]
    tree = render_tree(wf, nodes, now=T0 + 9).splitlines()
    assert [t[:5] for t in tree[2:]] == [" ├─✔ ", " ├─✔ ", " ├─✔ ", " └─✔ "]


def test_hidden_nodes_retry_single_attempt_and_omitted():
    wf = "r"
    nodes = as_map(
        node(wf, wf, wf, NodeType.DAG, "main", children=["retry", "two", "om"]),
        node("retry", f"{wf}.once", "once", NodeType.RETRY, "flaky", boundary_id=wf, children=["att0"]),
        node("att0", f"{wf}.once(0)", "once(0)", NodeType.POD, "flaky", start=1, end=2, boundary_id=wf,
             pod_name="r-flaky-1"),
        node("two", f"{wf}.twice", "twice", NodeType.RETRY, "flaky", Phase.SUCCEEDED, 1, 5, boundary_id=wf,
             children=["t0", "t1"]),
        node("t0", f"{wf}.twice(0)", "twice(0)", NodeType.POD, "flaky", Phase.FAILED, 1, 2, boundary_id=wf,
             pod_name="r-flaky-2", message="main: Error (exit code 1)"),
        node("t1", f"{wf}.twice(1)", "twice(1)", NodeType.POD, "flaky", Phase.SUCCEEDED, 3, 5,
             boundary_id=wf, pod_name="r-flaky-3"),
        node("om", f"{wf}.never", "never", NodeType.SKIPPED, "flaky", Phase.OMITTED, boundary_id=wf),
    )
    text = render_tree(wf, nodes, now=T0 + 9)
    lines = text.splitlines()
    assert "never" not in text                       # Omitted: hidden
    assert lines[2].startswith(" ├─✔ once(0) ")      # single-attempt Retry: the attempt instead
    assert lines[3].startswith(" └─✔ twice ")        # two attempts: the Retry node and both
    assert lines[4].startswith("   ├─✖ twice(0) ")
    assert lines[5].startswith("   └─✔ twice(1) ")


def test_skipped_loop_children_and_exit_handler_tree():
    wf = "loops"
    nodes = as_map(
        node(wf, wf, wf, NodeType.STEPS, "main", start=0, end=3, children=["g0"]),
        node("g0", f"{wf}[0]", "[0]", NodeType.STEP_GROUP, "main", boundary_id=wf,
             children=["i1", "i0", "sk"]),
        node("i0", f"{wf}[0].p(0:a)", "p(0:a)", NodeType.POD, "print", start=1, end=2, boundary_id=wf,
             pod_name="loops-print-1"),
        node("i1", f"{wf}[0].p(1:b)", "p(1:b)", NodeType.POD, "print", start=1, end=2, boundary_id=wf,
             pod_name="loops-print-2"),
        node("sk", f"{wf}[0].q", "q", NodeType.SKIPPED, "print", Phase.SKIPPED, 1, 1, boundary_id=wf,
             message="when 'a == b' evaluated false"),
        node("ex", f"{wf}.onExit", f"{wf}.onExit", NodeType.POD, "exit-handler", start=3, end=4,
             pod_name="loops-exit-handler-9"),
    )
    lines = render_tree(wf, nodes, now=T0 + 9).splitlines()
    assert [l.split()[1] for l in lines[1:5]] == [wf, "p(0:a)", "p(1:b)", "q"]
    assert lines[4].startswith("   └─○ q ") and lines[4].endswith("when 'a == b' evaluated false")
    assert lines[4].split()[3] != "0s"               # Skipped nodes show no pod and no duration
    assert lines[5] == ""
    assert lines[6].startswith(" ✔ loops.onExit  exit-handler")


def test_suspended_node_glyph():
    nodes = as_map(node("s", "s", "s", NodeType.STEPS, "main", Phase.RUNNING, children=["g"]),
                   node("g", "s[0]", "[0]", NodeType.STEP_GROUP, "main", Phase.RUNNING, boundary_id="s",
                        children=["w"]),
                   node("w", "s[0].wait", "wait", NodeType.SUSPEND, "approve", Phase.RUNNING, boundary_id="s"))
    assert render_tree("s", nodes, now=T0).splitlines()[2].startswith(" └───ǁ wait ")


@pytest.mark.parametrize("seconds,text", [(0, "0s"), (2.9, "2s"), (59, "59s"), (63, "1m3s"),
                                          (3600, "1h0m"), (3720, "1h2m"), (90000, "1d1h"), (None, "")])
def test_durations_as_argo_prints_them(seconds, text):
    assert format_duration(seconds) == text


def test_header_block():
    nodes = spec_example()
    info = WorkflowInfo(name="steps-z2zdn", phase="Succeeded", created_at=T0, started_at=T0,
                        finished_at=T0 + 10, parameters=(("message", "hi"),))
    text = render_header(info, nodes, now=T0 + 10)
    lines = text.splitlines()
    assert lines[0] == "Name:                steps-z2zdn"
    assert lines[1] == "Namespace:           default"
    assert lines[2] == "ServiceAccount:      unset (will run with the default ServiceAccount)"
    assert lines[3] == "Status:              Succeeded"
    assert lines[4].startswith("Created:             ") and lines[4].endswith("(10 seconds ago)")
    assert lines[6].startswith("Finished:            ") and lines[6].endswith("(now)")
    assert lines[7] == "Duration:            10 seconds"
    assert lines[8] == "Progress:            3/3"
    assert lines[9:] == ["Parameters:", "  message:           hi"]
    full = render_get(info, nodes, now=T0 + 10)
    assert full.startswith(text + "\nSTEP ")


def test_header_from_row_and_message():
    row = WorkflowRow("wf", Phase.FAILED, "child 'x' failed", created_at=T0, started_at=T0,
                      finished_at=T0 + 75, arguments={"parameters": [{"name": "a", "value": "1"}]})
    info = WorkflowInfo.of("wf", row)
    text = render_header(info, {}, now=T0 + 80)
    assert "Message:             child 'x' failed\n" in text
    assert "Duration:            1 minute\n" in text
    assert text.endswith("Parameters:\n  a:                 1\n")


def test_progress_counts_pods_only():
    assert progress(spec_example().values()) == (3, 3)


def test_progress_lines_once_per_phase_change():
    out = io.StringIO()
    view = ProgressLines(out)
    n = node("a", "w.a", "a", NodeType.POD, "t", Phase.RUNNING)
    view.on_change(n)
    view.on_change(n)
    view.on_change(node("g", "w[0]", "[0]", NodeType.STEP_GROUP, "t", Phase.RUNNING))
    view.on_change(node("a", "w.a", "a", NodeType.POD, "t", Phase.FAILED, message="main: Error (exit code 2)"))
    lines = out.getvalue().splitlines()
    assert [l.split(" ", 1)[1] for l in lines] == ["a Running", "a Failed: main: Error (exit code 2)"]


def test_live_view_renders_without_a_terminal():
    view = LiveView("steps-z2zdn", stream=io.StringIO())
    for n in spec_example().values():
        view.on_change(n)
    text = view.renderable().plain
    assert "3/3 pods" in text and " ├───✔ hello1" in text


def test_argo_time():
    assert argo_time(0) == "1970-01-01T00:00:00Z"
    assert argo_time(None) is None
    assert argo_time("2024-01-02T03:04:05Z") == "2024-01-02T03:04:05Z"


def test_workflow_json_shape():
    nodes = spec_example()
    nodes["steps-z2zdn-27420706"].outputs = Outputs(parameters=[{"name": "p", "value": "v"}],
                                                     result="hello1", exit_code="0")
    row = WorkflowRow("steps-z2zdn", Phase.SUCCEEDED, created_at=T0, started_at=T0,
                      finished_at=T0 + 6)
    doc = workflow_json("steps-z2zdn", row, nodes)
    json.dumps(doc)
    assert doc["metadata"]["name"] == "steps-z2zdn"
    status = doc["status"]
    assert (status["phase"], status["startedAt"]) == ("Succeeded", "2023-11-14T22:13:20Z")
    hello1 = status["nodes"]["steps-z2zdn-27420706"]
    assert hello1["displayName"] == "hello1" and hello1["type"] == "Pod"
    assert hello1["templateName"] == "print-message" and hello1["phase"] == "Succeeded"
    assert hello1["outputs"] == {"parameters": [{"name": "p", "value": "v"}], "result": "hello1",
                                 "exitCode": "0"}
    assert status["nodes"]["steps-z2zdn"]["children"] == ["steps-z2zdn-g0"]
    assert hello1["startedAt"] == "2023-11-14T22:13:20Z" and hello1["finishedAt"] == "2023-11-14T22:13:22Z"


def test_workflow_json_from_a_result_object():
    result = RunResult("w", Phase.FAILED, "boom", T0, T0 + 1,
                       {"w": node("w", "w", "w", NodeType.POD, "t", Phase.FAILED)},
                       {"parameters": [{"name": "g", "value": "1"}]})
    doc = workflow_json("w", result)
    assert doc["status"]["phase"] == "Failed" and doc["status"]["message"] == "boom"
    assert doc["status"]["outputs"] == {"parameters": [{"name": "g", "value": "1"}]}
    assert list(doc["status"]["nodes"]) == ["w"]
