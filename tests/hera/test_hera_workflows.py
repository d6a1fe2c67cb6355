"""Hera workflows run locally to the phase Argo gives them (issue 13).

Each case builds a Hera object (tests/hera/workflows.py), hands it to `plait.run` as is, and
asserts the workflow's phase and the nodes Argo would show: phases, outputs, order, skips.
"""

from __future__ import annotations

import pytest

pytest.importorskip("hera", reason="hera is not installed (pip install 'plait[hera]')")

import plait  # noqa: E402
from plait.testing import assert_node, assert_order, assert_phase, assert_skipped, assert_succeeded  # noqa: E402

from . import workflows as W  # noqa: E402


@pytest.fixture
def run(tmp_path):
    def go(builder, **options):
        return plait.run(builder(), home=tmp_path / "home", timeout=600, **options)
    return go


def test_steps_in_sequence_and_parallel(run):
    r = run(W.steps_sequence)
    assert_succeeded(r)
    assert r.display_names() == ["first", "left", "right", "last"] or \
        r.display_names() == ["first", "right", "left", "last"]
    assert_order(r, "first", "left", "last")
    assert_order(r, "first", "right", "last")
    assert r.node("last").outputs.result == "three"


def test_dag_diamond(run):
    r = run(W.dag_diamond)
    assert_succeeded(r)
    assert_order(r, "A", "B", "D")
    assert_order(r, "A", "C", "D")
    assert r.node("main").type == "DAG"


def test_loop_with_items(run):
    r = run(W.loop_items)
    assert_succeeded(r)
    names = sorted(n.display_name for n in r.pods)
    assert names == ["say(0:a)", "say(1:b)", "say(2:c)"]
    assert r.node("say(1:b)").outputs.result == "b"


def test_loop_with_param_from_a_result(run):
    r = run(W.loop_param)
    assert_succeeded(r)
    results = sorted(n.outputs.result for n in r.pods if n.display_name.startswith("sq("))
    assert results == ["1", "4", "9"]


def test_loop_with_sequence(run):
    r = run(W.loop_sequence)
    assert_succeeded(r)
    assert sorted(n.outputs.result for n in r.pods) == ["1", "4", "9"]


def test_script_typed_inputs(run):
    r = run(W.typed_inputs)
    assert_node(r, "sum", result="7.5")


def test_output_parameter_to_next_step(run):
    r = run(W.output_parameter)
    assert_node(r, "word", parameters={"word": "PLAIT"})
    assert_node(r, "use", result="PLAIT")


def test_dag_output_parameter(run):
    r = run(W.dag_parameters)
    assert_node(r, "use", result="DAG")


def test_steps_condition_skips_the_other_branch(run):
    r = run(W.steps_condition)
    assert_succeeded(r)
    assert_node(r, "heads", result="it was heads")
    assert_skipped(r, "tails")
    assert [n.display_name for n in r.skipped] == ["tails"]


def test_dag_condition_skips_the_other_branch(run):
    r = run(W.dag_condition)
    assert_succeeded(r)
    assert_node(r, "tails", result="tails")
    assert r.node("heads").phase == "Skipped"


def test_dag_failure_handler_runs_and_dependant_is_omitted(run):
    r = run(W.dag_depends_failed)
    # Argo: the failed task fails the DAG, its handler runs, the task that needed success is omitted
    assert_phase(r, "Failed")
    assert_node(r, "broken", "Failed", message="exit code 3")
    assert_node(r, "cleanup", result="cleaning")
    assert r.node("after").phase == "Omitted"


def test_artifacts_pass_between_steps(run):
    r = run(W.artifacts)
    assert_succeeded(r)
    report = r.node("make").outputs.artifacts["report"]
    assert report.read_text() == "# Weekly\nall good\n"
    assert_node(r, "read", result="# Weekly")


def test_retry_succeeds_on_third_attempt(run):
    r = run(W.retry_then_succeed)
    assert_succeeded(r)
    retry = r.node("flaky")
    assert retry.type == "Retry"
    assert [c.phase for c in retry.children] == ["Failed", "Failed", "Succeeded"]
    assert retry.children[-1].outputs.result == "attempt 2"


def test_retry_exhausted_fails(run):
    r = run(W.retry_exhausted)
    assert_phase(r, "Failed")
    retry = r.node("try")
    assert retry.phase == "Failed"
    assert len(retry.children) == 3          # the first attempt and two retries


def test_exit_handler_runs_after_failure(run):
    r = run(W.exit_handler_after_failure)
    assert_phase(r, "Failed")
    assert r.node("work").phase == "Failed"
    assert_node(r, "cleanup/notify", result="workflow ended Failed")


def test_exit_handler_runs_after_success(run):
    r = run(W.exit_handler_after_success)
    assert_succeeded(r)
    assert_node(r, "cleanup/notify", result="workflow ended Succeeded")
    assert_order(r, "work", "cleanup/notify")


def test_continue_on_failed(run):
    r = run(W.continue_on_failure)
    assert_succeeded(r)
    assert r.node("optional").phase == "Failed"
    assert_node(r, "next", result="still here")


def test_failing_step_fails_the_workflow(run):
    r = run(W.failing_step)
    assert_phase(r, "Failed")
    oops = r.node("oops")
    assert oops.phase == "Failed" and oops.outputs.exit_code == 3
    assert oops.logs().strip() == "bad input"
    assert [n.display_name for n in r.failed if n.type == "Pod"] == ["oops"]
    with pytest.raises(KeyError):
        r.node("never")                      # never started: no node


def test_nested_steps(run):
    r = run(W.nested_steps)
    assert_succeeded(r)
    assert_node(r, "call-inner/deep", result="from inside")
    assert_order(r, "before", "deep")


def test_container_template(run):
    r = run(W.container_template)
    assert_node(r, "hello", result="hello from a container")


def test_suspend_with_duration(run):
    r = run(W.suspend_duration)
    assert_succeeded(r)
    assert r.node("wait").type == "Suspend"
    assert_order(r, "wait", "after")


def test_env_variables(run):
    r = run(W.env_variables)
    assert_node(r, "greet", result="hola")


def test_template_timeout(run):
    r = run(W.step_timeout)
    assert_phase(r, "Failed")
    assert r.node("slow").phase == "Failed"


def test_workflow_parallelism_runs_one_at_a_time(run):
    r = run(W.parallelism_one)
    assert_succeeded(r)
    assert_order(r, "one(0:x)", "one(1:y)")


def test_workflow_parameters_and_overrides(run):
    assert_node(run(W.workflow_parameters), "hello", result="hello world")
    assert_node(run(W.workflow_parameters, parameters={"who": "plait"}), "hello",
                result="hello plait")


def test_workflow_template_runs_as_a_workflow(run):
    r = run(W.template_only)
    assert_succeeded(r)
    assert_node(r, "hello", result="from a WorkflowTemplate")


def test_runner_scripts_import_the_module_in_the_pod(run):
    r = run(W.runner_scripts)
    assert r.phase == "Succeeded", r.logs()
    assert_node(r, "add", result="42")
    assert_node(r, "show", result="42")
    assert r.node("summary").outputs.result.replace(" ", "") == '{"count":2,"first":"ada"}'
