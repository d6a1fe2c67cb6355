"""Each Argo rule that the compiler and the runtime both apply has one definition, and both
call it (docs/architecture.md, "Where each Argo rule lives"). The identity tests fail when
a module grows its own copy again; the behaviour tests pin the shared functions down."""

from __future__ import annotations

import textwrap

import pytest

from plait.compiler import cron, dot, graphs, loops, planner
from plait.compiler.checks import pl508_invalid_duration, pl528_cron_schedule
from plait.compiler.compile import compile_file
from plait.compiler.plancodec import decode_template
from plait.grammar import ast as A
from plait.grammar import durations, evaluate
from plait.grammar.limits import LimitError
from plait.runtime import MemoryStore, dag, leaves, naming, pods, run, runs, steps
from plait.runtime.types import Node, NodeType, Phase

from .fakes import Behaviour, FakeBackend

# --- the same function object on both sides -------------------------------------------------

def test_go_durations_have_one_parser():
    users = (evaluate, planner, cron, pl508_invalid_duration, leaves, pods, runs)
    assert all(m.parse_duration is durations.parse_duration for m in users)
    assert pl528_cron_schedule.suggest_duration is durations.suggest_duration


def test_with_sequence_has_one_expansion():
    assert planner.expand_sequence is steps.expand_sequence is loops.expand_sequence


def test_loop_children_have_one_naming():
    assert planner.loop_node_name is naming.loop_name is steps.loop_name is loops.loop_node_name
    assert planner.item_values is steps.item_values is loops.item_values


def test_loop_groups_have_one_phase_rule():
    assert dag.loop_phase is steps.loop_phase


def _spy(monkeypatch, name):
    """Record every call of `plait.grammar.ast.<name>` (all users call it through `A.`)."""
    calls = []
    real = getattr(A, name)
    monkeypatch.setattr(A, name, lambda node: calls.append(node) or real(node))
    return calls


def test_the_depends_scan_is_called_by_checks_planner_dot_and_runtime(monkeypatch, tmp_path):
    calls = _spy(monkeypatch, "dep_refs")
    assert [d.task for d in graphs.depends_refs("A && B.Failed")] == ["A", "B"]
    assert len(calls) == 1
    assert dot.depends_edges("A && B.Failed") == [("A", None), ("B", "B.Failed")]
    assert len(calls) == 3                                   # one call per conjunct
    empty = {"parameters": [], "artifacts": []}
    shape = dag._Shape(decode_template({
        "name": "d", "kind": "dag", "leaf": False, "inputs": empty, "outputs": empty,
        "tasks": [{"name": "A", "template": "t", "arguments": empty},
                  {"name": "B", "template": "t", "arguments": empty},
                  {"name": "C", "template": "t", "arguments": empty,
                   "depends": "B.Failed || A"}]}))
    assert shape.refs["C"] == ["A", "B"] and len(calls) == 4
    calls.clear()
    plan_of(tmp_path, DAG)
    assert calls, "the planner did not scan depends with the shared function"


def test_when_is_decided_by_one_function_in_planner_and_runtime(monkeypatch):
    assert planner.evaluate_when is steps.evaluate_when is evaluate.evaluate_when
    calls = _spy(monkeypatch, "cond_tags")
    text = '"{{workflow.parameters.x}}" == "a"'
    assert planner.fold_condition(text, {"workflow.parameters.x": "a"}) is True
    assert calls and calls[0].op == "=="                     # the planner's own parse
    assert steps.evaluate_when(text, {"workflow.parameters.x": "b"}) == (False, '"b" == "a"')


def test_a_when_folded_at_compile_time_is_decided_as_at_run_time():
    """Argo substitutes first and evaluates second: a value that brings its own quotes and
    operators changes the condition, for the planner's fold as for the runtime."""
    text = '"{{workflow.parameters.x}}" == "b"'
    values = {"workflow.parameters.x": 'a" == "a" || "b'}
    assert evaluate.evaluate_when(text, values) == (True, '"a" == "a" || "b" == "b"')
    assert planner.fold_condition(text, values) is True
    assert planner.fold_condition(text, {}) is None          # unknown until run time


# --- behaviour of the shared functions ------------------------------------------------------

@pytest.mark.parametrize("args,items", [
    (dict(count=3), ["0", "1", "2"]),
    (dict(count=3, start=5), ["5", "6", "7"]),
    (dict(count=0), []),
    (dict(count=-2), []),
    (dict(start=2, end=4), ["2", "3", "4"]),
    (dict(start=4, end=2), ["4", "3", "2"]),                 # counts down, as Argo does
    (dict(end=0), ["0"]),
    (dict(start=-1, end=1), ["-1", "0", "1"]),
    (dict(count=2, fmt="item-%02d"), ["item-00", "item-01"]),
    (dict(start=9, end=11, fmt="%03x"), ["009", "00a", "00b"]),
    (dict(count=2, fmt="no verb"), ["0", "1"]),              # unprintable: the bare number
    (dict(count=2, fmt=""), ["0", "1"]),                     # no format: %d
])
def test_sequences_with_start_end_count_and_format(args, items):
    assert loops.expand_sequence(**args) == items


def test_sequence_limits():
    with pytest.raises(ValueError, match="wider than 999 characters"):
        loops.expand_sequence(count=1, fmt="%01000d")
    with pytest.raises(LimitError, match="withSequence has 1000000000 items"):
        loops.expand_sequence(count=1_000_000_000)


def test_loop_phase_is_the_first_failed_iteration_in_index_order():
    def node(phase):
        return Node(id="x", name="x", display_name="x", type=NodeType.POD, template_name="t",
                    phase=phase)

    assert steps.loop_phase([]) is Phase.SUCCEEDED
    assert steps.loop_phase([node(Phase.SUCCEEDED), node(Phase.SKIPPED)]) is Phase.SUCCEEDED
    assert steps.loop_phase([node(Phase.SUCCEEDED), node(Phase.ERROR),
                             node(Phase.FAILED)]) is Phase.ERROR


# --- compile time and run time agree --------------------------------------------------------

HEADER = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: wf
spec:
"""

PRINT = """
  - name: print
    inputs:
      parameters:
      - name: msg
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo <<inputs.parameters.msg>>"]
"""

DAG = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: print, arguments: {parameters: [{name: msg, value: a}]}}
      - {name: B, template: print, depends: A, arguments: {parameters: [{name: msg, value: b}]}}
""" + PRINT


def plan_of(tmp_path, text):
    path = tmp_path / "wf.yaml"
    path.write_text(textwrap.dedent(text))
    plan, diags = compile_file(str(path), name="wf")
    assert plan is not None, [str(d) for d in diags]
    return plan


def _sequence_workflow(count: str, fmt: str) -> str:
    return HEADER + f"""\
  entrypoint: main
  arguments:
    parameters:
    - {{name: n, value: "3"}}
  templates:
  - name: main
    steps:
    - - name: gen
        template: gen
    - - name: fan
        template: print
        withSequence: {{start: "8", count: "{count}", format: "{fmt}"}}
        arguments: {{parameters: [{{name: msg, value: "<<item>>"}}]}}
  - name: gen
    script: {{image: python:3, command: [python3], source: "print(3)"}}
""" + PRINT


def test_a_sequence_expanded_by_the_planner_or_at_run_time_names_the_same_nodes(tmp_path):
    def fan(count, fmt):
        plan = plan_of(tmp_path, _sequence_workflow(count, fmt))
        loop = next(c for c in plan.templates["main"].children if c.name == "fan").loop
        r = run(plan, FakeBackend(rules={"*.gen": Behaviour(stdout="3\n")}),
                store=MemoryStore(tmp_path / "logs"), home=tmp_path)
        assert r.phase is Phase.SUCCEEDED, r.message
        nodes = sorted((n.name, n.inputs["parameters"][0]["value"]) for n in r.nodes.values()
                       if n.name.startswith("wf[1].fan("))
        return loop.kind, nodes

    kind_plan, at_plan = fan("3", "n-%02x")
    kind_run, at_run = fan("<<steps.gen.outputs.result>>", "n-%02x")
    assert (kind_plan, kind_run) == ("items", "sequence")
    assert at_plan == at_run == [("wf[1].fan(0:n-08)", "n-08"), ("wf[1].fan(1:n-09)", "n-09"),
                                 ("wf[1].fan(2:n-0a)", "n-0a")]


def test_a_tagged_suspend_duration_reads_a_whole_number_as_seconds(tmp_path):
    """As the planner (and Argo) read a literal `duration: "1"`: one second, not an error."""
    text = HEADER + """\
  entrypoint: main
  arguments:
    parameters:
    - {name: wait, value: "0"}
  templates:
  - name: main
    steps:
    - - name: wait
        template: wait
  - name: wait
    suspend: {duration: "{{workflow.parameters.wait}}1"}
"""
    r = run(plan_of(tmp_path, text), FakeBackend(), store=MemoryStore(tmp_path / "logs"),
            home=tmp_path)
    node = next(n for n in r.nodes.values() if n.name == "wf[0].wait")
    assert node.type is NodeType.SUSPEND and node.phase is Phase.SUCCEEDED, node.message
