"""Argo behaviours the local runtime must match (issue 10), each run through the real engine with
the local backend (real processes, real SQLite store) and checked against the nodes, phases and
messages Argo v4.1 gives. Each test names the Argo e2e test or source it follows."""

from __future__ import annotations

import textwrap

import pytest

from plait.compiler.compile import compile_file
from plait.runtime import run
from plait.runtime.backends import local
from plait.runtime.types import NodeType, Phase

from ..helpers import HEADER

SH = """
  - name: sh
    inputs:
      parameters:
      - name: cmd
    container:
      image: busybox
      command: [sh, -c]
      args: ["{{inputs.parameters.cmd}}"]
"""


def go(tmp_path, *parts: str, file: str | None = None, **kw):
    """Compile `parts` (pieces of the spec body, each dedented) or `file` and run it for real."""
    if file is None:
        path = tmp_path / "wf.yaml"
        path.write_text(HEADER + "".join(textwrap.indent(textwrap.dedent(p), "  ")
                                         for p in parts))
        file = str(path)
    plan, diags = compile_file(file, name="wf", **kw)
    assert plan is not None, [str(d) for d in diags]
    home = tmp_path / f"home{len(list(tmp_path.glob('home*')))}"     # a fresh store per run
    backend = local.LocalBackend(home=home, sandbox="none", parallelism=4)
    return run(plan, backend, home=home)


def by_name(result) -> dict:
    """Nodes by their name relative to the workflow (`""` the root, `.A`, `[0].x`)."""
    return {n.name[len("wf"):]: n for n in result.nodes.values()}


# -- dag.target -------------------------------------------------------------------------------

@pytest.mark.parametrize("target,ran", [("E", "ACE"), ("B E", "ABCE"), ("", "ABCDE"),
                                        ("D", "ABCD")])
def test_dag_target_runs_only_the_targets_and_their_ancestors(tmp_path, argo_examples, target, ran):
    """Argo's examples/dag-targets.yaml (its comment: target E runs A, C and E, skipping B and
    D) and dag.go `executeDAG`: targets split on spaces, empty means the leaf tasks
    (`findLeafTaskNames`), each target walks up its dependencies (`executeDAGTask`); tasks
    outside that walk create no node."""
    src = (argo_examples / "dag-targets.yaml").read_text()
    path = tmp_path / "dag-targets.yaml"
    path.write_text(src.replace("value: E\n", f"value: {target!r}\n", 1))
    r = go(tmp_path, file=str(path))
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert sorted(k[1:] for k in n if k) == list(ran)
    assert all(n[f".{t}"].phase is Phase.SUCCEEDED for t in ran)


# -- template failFast ------------------------------------------------------------------------

FAIL_FAST = "template has failed or errored children and failFast enabled"


def test_steps_fail_fast_with_parallelism(tmp_path):
    """Argo's e2e TestWorkflowParallelismStepFailFast (test/e2e/functional_test.go,
    expectedfailures/parallelism-step-fail-fast.yaml): step1 Failed, the running step2 still
    Succeeded, [0] Failed, the workflow Failed with the failFast message. With parallelism 1
    the held-back step3 never starts (operator.go checkParallelism: no new child after a
    failure)."""
    r = go(tmp_path, """\
      entrypoint: main
      templates:
      - name: main
        parallelism: 2
        failFast: true
        steps:
        - - {name: step1, template: sh, arguments: {parameters: [{name: cmd, value: exit 1}]}}
          - {name: step2, template: sh, arguments: {parameters: [{name: cmd, value: sleep 1}]}}
        - - {name: later, template: sh, arguments: {parameters: [{name: cmd, value: "true"}]}}
    """, SH)
    n = by_name(r)
    assert r.phase is Phase.FAILED and r.message == FAIL_FAST
    assert n[""].phase is Phase.FAILED and n[""].message == FAIL_FAST
    assert n["[0]"].phase is Phase.FAILED
    assert n["[0].step1"].phase is Phase.FAILED
    assert n["[0].step2"].phase is Phase.SUCCEEDED
    assert "[1]" not in n and "[1].later" not in n


def test_dag_fail_fast_with_parallelism_holding_tasks_back(tmp_path):
    """Argo's e2e TestWorkflowParallelismDAGFailFast (expectedfailures/
    parallelism-dag-fail-fast.yaml): task1 Failed, task2 (already running) Succeeded, the
    workflow Failed with the failFast message; with parallelism 2 a third task held back by
    the limit never starts."""
    r = go(tmp_path, """\
      entrypoint: main
      templates:
      - name: main
        parallelism: 2
        failFast: true
        dag:
          tasks:
          - {name: task1, template: sh, arguments: {parameters: [{name: cmd, value: exit 1}]}}
          - {name: task2, template: sh, arguments: {parameters: [{name: cmd, value: sleep 1}]}}
          - {name: task3, template: sh, arguments: {parameters: [{name: cmd, value: sleep 1}]}}
    """, SH)
    n = by_name(r)
    assert r.phase is Phase.FAILED and r.message == FAIL_FAST
    assert n[""].phase is Phase.FAILED and n[""].message == FAIL_FAST
    assert n[".task1"].phase is Phase.FAILED
    assert n[".task2"].phase is Phase.SUCCEEDED
    assert ".task3" not in n


# -- empty loops ------------------------------------------------------------------------------

def test_steps_empty_loops_skip_with_no_children(tmp_path):
    """Argo's e2e TestLoopEmptyParam (functional/loops-empty-param.yaml): withParam over a
    step's `[]` result leaves 5 nodes, the looped step Skipped with `Skipped, empty params` and
    no children, the workflow Succeeded; an empty-string parameter and `withItems: []` do the
    same (steps.go expandStepGroup: an expansion of no items is one Skipped node)."""
    r = go(tmp_path, """\
      entrypoint: main
      arguments: {parameters: [{name: empty, value: ""}]}
      templates:
      - name: main
        steps:
        - - {name: generate, template: sh, arguments: {parameters: [{name: cmd, value: "echo []"}]}}
        - - name: sleep
            template: sh
            arguments: {parameters: [{name: cmd, value: "sleep {{item}}"}]}
            withParam: "{{steps.generate.outputs.result}}"
    """, SH)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert len(n) == 5
    assert n["[1].sleep"].phase is Phase.SKIPPED and n["[1].sleep"].children == []
    assert n["[1].sleep"].message == "Skipped, empty params"
    assert n["[1].sleep"].type is NodeType.SKIPPED
    r = go(tmp_path, """\
      entrypoint: main
      arguments: {parameters: [{name: empty, value: ""}]}
      templates:
      - name: main
        steps:
        - - name: param
            template: sh
            arguments: {parameters: [{name: cmd, value: "sleep {{item}}"}]}
            withParam: "{{workflow.parameters.empty}}"
          - name: items
            template: sh
            arguments: {parameters: [{name: cmd, value: "sleep {{item}}"}]}
            withItems: []
    """, SH)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert set(n) == {"", "[0]", "[0].param", "[0].items"}
    for k in ("[0].param", "[0].items"):
        assert n[k].phase is Phase.SKIPPED and n[k].message == "Skipped, empty params"


def test_dag_empty_loops_skip_with_no_children(tmp_path):
    """Argo's e2e TestDAGEmptyParam (functional/dag-empty-param.yaml): 3 nodes, the looped
    task Skipped with `Skipped, empty params` (dag.go: `DAG task with empty withParams list
    should be skipped`), the workflow Succeeded; likewise an empty string and `withItems: []`."""
    r = go(tmp_path, """\
      entrypoint: main
      arguments: {parameters: [{name: empty, value: ""}]}
      templates:
      - name: main
        dag:
          tasks:
          - {name: generate, template: sh, arguments: {parameters: [{name: cmd, value: "echo []"}]}}
          - name: sleep
            template: sh
            dependencies: [generate]
            arguments: {parameters: [{name: cmd, value: "sleep {{item}}"}]}
            withParam: "{{tasks.generate.outputs.result}}"
          - name: param
            template: sh
            arguments: {parameters: [{name: cmd, value: "sleep {{item}}"}]}
            withParam: "{{workflow.parameters.empty}}"
          - name: items
            template: sh
            arguments: {parameters: [{name: cmd, value: "sleep {{item}}"}]}
            withItems: []
    """, SH)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert set(n) == {"", ".generate", ".sleep", ".param", ".items"}
    for k in (".sleep", ".param", ".items"):
        assert n[k].phase is Phase.SKIPPED and n[k].message == "Skipped, empty params"
        assert n[k].children == []


# -- absent optional outputs ------------------------------------------------------------------

ABSENT = ("argument references an absent optional (skipped/omitted node output with no "
          "default)")

PRODUCE = """
- name: produce
  outputs:
    parameters:
    - name: with-default
      valueFrom: {path: /tmp/p.txt, default: from-producer}
    - name: bare
      valueFrom: {path: /tmp/p.txt}
    artifacts:
    - {name: art, path: /tmp/p.txt}
  container:
    image: busybox
    command: [sh, -c]
    args: ["echo real > /tmp/p.txt"]
- name: take
  inputs:
    parameters:
    - name: in
  container:
    image: busybox
    command: [sh, -c]
    args: ["echo got {{inputs.parameters.in}}"]
- name: take-default
  inputs:
    parameters:
    - {name: in, default: from-consumer}
  container:
    image: busybox
    command: [sh, -c]
    args: ["echo got {{inputs.parameters.in}}"]
- name: take-art
  inputs:
    artifacts:
    - {name: a, path: /tmp/a}
  container: {image: busybox, command: [sh, -c], args: ["cat /tmp/a"]}
- name: take-opt-art
  inputs:
    artifacts:
    - {name: a, path: /tmp/a, optional: true}
  container: {image: busybox, command: [sh, -c], args: ["test ! -e /tmp/a && echo none"]}
"""


def _absent_consumers(ref: str) -> str:
    """One consumer per shape, all reading the skipped producer `p` through `ref` (`steps` or
    `tasks`)."""
    return f"""\
- {{name: from-default, template: take, arguments: {{parameters: [{{name: in, value: "{{{{{ref}.p.outputs.parameters.with-default}}}}"}}]}}}}
- {{name: consumer-default, template: take-default, arguments: {{parameters: [{{name: in, value: "{{{{{ref}.p.outputs.parameters.bare}}}}"}}]}}}}
- {{name: no-default, template: take, arguments: {{parameters: [{{name: in, value: "{{{{{ref}.p.outputs.parameters.bare}}}}"}}]}}}}
- {{name: art, template: take-art, arguments: {{artifacts: [{{name: a, from: "{{{{{ref}.p.outputs.artifacts.art}}}}"}}]}}}}
- {{name: art-sub, template: take-art, arguments: {{artifacts: [{{name: a, from: "{{{{{ref}.p.outputs.artifacts.art}}}}", subPath: x/y}}]}}}}
- {{name: opt-art, template: take-opt-art, arguments: {{artifacts: [{{name: a, from: "{{{{{ref}.p.outputs.artifacts.art}}}}"}}]}}}}
- {{name: loop, template: take, arguments: {{parameters: [{{name: in, value: "{{{{item}}}}"}}]}}, withParam: "{{{{{ref}.p.outputs.result}}}}"}}
"""


def _check_absent(r, prefix: str, phase: Phase) -> None:
    n = by_name(r)
    assert r.phase is phase
    assert n[prefix.replace("[1]", "[0]") + "p"].phase is Phase.SKIPPED
    ok = {"from-default": "got from-producer", "consumer-default": "got from-consumer",
          "opt-art": "none"}
    for name, out in ok.items():
        assert n[prefix + name].phase is Phase.SUCCEEDED, (name, n[prefix + name].message)
        assert n[prefix + name].outputs.result == out
    errors = {"no-default": f"inputs.parameters.in: {ABSENT}",
              "art": f"inputs.artifacts.a: {ABSENT}", "art-sub": f"inputs.artifacts.a: {ABSENT}",
              "loop": f"withParam: {ABSENT}"}
    for name, message in errors.items():
        assert n[prefix + name].phase is Phase.ERROR, name
        assert n[prefix + name].message == message


def test_absent_optional_outputs_in_steps(tmp_path):
    """Argo's examples/skipped-output-defaults/ (producer-output-default.yaml: a skipped
    producer's `valueFrom.default` flows on; consumer-input-default.yaml: without one the
    consumer's input default applies) and, with neither, the consumer node Errors with Argo's
    absent-optional message; for artifacts (also with `subPath`) and `withParam` likewise, and
    an optional input artifact stays absent."""
    main = ("entrypoint: main\ntemplates:\n- name: main\n  steps:\n"
            "  - - {name: p, template: produce, when: \"false\"}\n  - "
            + textwrap.indent(_absent_consumers("steps"), "    ")[4:])
    r = go(tmp_path, main, PRODUCE)
    _check_absent(r, "[1].", Phase.FAILED)      # a steps node fails


def test_absent_optional_outputs_in_dags(tmp_path):
    """As `test_absent_optional_outputs_in_steps`, in a DAG (examples/skipped-output-defaults/
    are DAGs): tasks depending on `p.Skipped` see its outputs as absent."""
    consumers = _absent_consumers("tasks").replace("}\n", ", depends: p.Skipped}\n")
    main = ("entrypoint: main\ntemplates:\n- name: main\n  dag:\n    failFast: false\n"
            "    tasks:\n    - {name: p, template: produce, when: \"false\"}\n"
            + textwrap.indent(consumers, "    "))
    r = go(tmp_path, main, PRODUCE)
    _check_absent(r, ".", Phase.ERROR)   # a DAG takes its failed branch's phase


def test_optional_input_artifact_passed_on_stays_absent(tmp_path):
    """An optional input artifact that was not given, passed on with
    `from: "{{inputs.artifacts.a}}"` to a child whose input is optional too, stays absent: no
    error (Argo's e2e TestOptionalInputArtifacts, testdata/input-artifacts.yaml)."""
    r = go(tmp_path, """\
      entrypoint: main
      templates:
      - name: main
        inputs:
          artifacts:
          - {name: a, optional: true}
        steps:
        - - name: child
            template: take-opt-art
            arguments: {artifacts: [{name: a, from: "{{inputs.artifacts.a}}"}]}
    """, PRODUCE)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert n["[0].child"].outputs.result == "none"


# -- exit hooks and deadlines -----------------------------------------------------------------

def test_exit_hook_runs_with_an_output_the_failed_step_never_wrote(tmp_path):
    """Argo's e2e TestWorkflowExitHandlerCrashEnsureNodeIsPresent (expectedfailures/
    exit-handler-fail-missing-output.yaml): step1 fails before writing its output parameter;
    its exit hook still runs and gets the parameter (Argo renders exit-hook arguments with
    unresolved tags allowed, so the value is the tag's text)."""
    r = go(tmp_path, """\
      entrypoint: failure-workflow
      templates:
        - name: failure-workflow
          steps:
            - - name: step1
                template: intentional-fail
                hooks:
                  exit:
                    template: lifecycle-hook
                    arguments:
                      parameters:
                        - name: hello-param
                          value: '{{steps.step1.outputs.parameters.hello-param}}'
        - name: intentional-fail
          outputs:
            parameters:
              - name: hello-param
                valueFrom:
                  path: /tmp/hello_world.txt
          container:
            image: alpine:latest
            command: ["sh", "-c"]
            args: ["echo intentional failure; exit 1"]
        - name: lifecycle-hook
          inputs:
            parameters:
              - name: hello-param
          container:
            image: busybox
            command: [echo]
            args: ["Hello param: {{inputs.parameters.hello-param}}"]
    """)
    n = by_name(r)
    assert r.phase is Phase.FAILED
    assert n["[0].step1"].phase is Phase.FAILED
    hook = n["[0].step1.onExit"]
    assert hook.phase is Phase.SUCCEEDED, hook.message
    assert hook.inputs["parameters"] == [
        {"name": "hello-param", "value": "{{steps.step1.outputs.parameters.hello-param}}"}]


def test_exit_handler_runs_and_succeeds_after_the_workflow_deadline(tmp_path):
    """Argo's e2e TestWorkflowTimeout family and operator.go: after spec.activeDeadlineSeconds
    the running pod fails (`Pod was active on the node longer than the specified deadline`),
    the workflow Fails, and the onExit handler still runs to Succeeded: its pods are not held
    to the expired deadline (a 2s handler after a 1s deadline)."""
    r = go(tmp_path, """\
      entrypoint: main
      activeDeadlineSeconds: 1
      onExit: bye
      templates:
      - name: main
        container: {image: busybox, command: [sleep, "30"]}
      - name: bye
        steps:
        - - name: slow
            template: slow
      - name: slow
        container: {image: busybox, command: [sh, -c, "sleep 2; echo status {{workflow.status}}"]}
    """)
    n = by_name(r)
    assert r.phase is Phase.FAILED
    assert n[""].message == "Pod was active on the node longer than the specified deadline"
    assert n[".onExit"].phase is Phase.SUCCEEDED
    assert n[".onExit[0].slow"].phase is Phase.SUCCEEDED, n[".onExit[0].slow"].message
    assert n[".onExit[0].slow"].outputs.result == "status Failed"


# -- retries ----------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", ["{{inputs.parameters.limit}}",
                                   "{{=asInt(inputs.parameters.limit)}}"])
def test_parameterised_retry_limit(tmp_path, limit):
    """Argo's e2e TestParametrizableLimit (test/e2e/functional_test.go): `retryStrategy.limit:
    "{{inputs.parameters.limit}}"` with limit 1 and a step that always fails: 3 nodes (the
    Retry node and 2 attempts), the workflow Failed, the Retry node's message `No more retries
    left`; an expression tag works the same."""
    r = go(tmp_path, f"""\
      entrypoint: whalesay
      arguments:
        parameters:
          - name: limit
            value: "1"
      templates:
      - name: whalesay
        inputs:
          parameters:
            - name: limit
        retryStrategy:
          limit: "{limit}"
        container:
          image: busybox
          command: [sh, -c, "exit 1"]
    """)
    n = by_name(r)
    assert r.phase is Phase.FAILED
    assert set(n) == {"", "(0)", "(1)"}
    assert n[""].type is NodeType.RETRY and "No more retries left" in n[""].message
    assert n["(1)"].phase is Phase.FAILED


def test_daemon_retry_attempts(tmp_path):
    """Argo's e2e TestDaemonPodRetry (test/e2e/daemon_pod_test.go, functional/
    daemon-retry.yaml): a daemoned task with `retryStrategy.limit: 2` whose first pod exits 1
    while `whale` still runs: `daemoned(0)` Failed, `daemoned(1)` starts and is Succeeded when
    the DAG ends, the workflow Succeeded (shorter sleeps; the first attempt fails once)."""
    marker = tmp_path / "failed-once"
    r = go(tmp_path, f"""\
      entrypoint: main
      templates:
      - name: main
        dag:
          tasks:
            - name: daemoned
              template: daemoned
            - name: whale
              dependencies: [daemoned]
              template: whale-tmpl
      - name: daemoned
        retryStrategy:
          limit: 2
        daemon: true
        container:
          image: busybox
          command: [sh, -c]
          args: ["if [ -e {marker} ]; then sleep 60; else touch {marker}; sleep 1; exit 1; fi"]
      - name: whale-tmpl
        container:
          image: busybox
          command: [sh, -c]
          args: ["echo hi & sleep 3 && echo bye"]
    """)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert n[".daemoned"].type is NodeType.RETRY and n[".daemoned"].phase is Phase.SUCCEEDED
    assert n[".daemoned(0)"].phase is Phase.FAILED
    assert n[".daemoned(1)"].phase is Phase.SUCCEEDED
    assert ".daemoned(2)" not in n
    assert n[".whale"].phase is Phase.SUCCEEDED


# -- suspend ----------------------------------------------------------------------------------

SUSPEND = """\
entrypoint: suspend
templates:
- name: suspend
  steps:
  - - name: approve
      template: approve
  - - name: release
      template: print
      arguments:
        parameters:
          - name: message
            value: "{{steps.approve.outputs.parameters.message}}"
- name: approve
  suspend:
    duration: 1s
  outputs:
    parameters:
      - name: message
        valueFrom:
          DEFAULT
          supplied: {}
- name: print
  inputs:
    parameters:
      - name: message
  container:
    image: busybox
    command: [echo]
    args: ["{{inputs.parameters.message}}"]
"""


def test_suspend_timeout_with_an_unset_raw_output(tmp_path):
    """Argo's e2e TestSuspendNodeTimeoutWithoutDefaultValue (test/e2e/suspend_test.go): the
    suspend duration passes, the supplied output `message` has no value and no default: the
    workflow Fails with `raw output parameter 'message' has not been set and does not have a
    default value`; `release` never runs. With a default (TestSuspendNodeTimeoutWithDefault
    Value) the default flows on and the workflow Succeeds."""
    r = go(tmp_path, SUSPEND.replace("DEFAULT\n", ""))
    n = by_name(r)
    message = "raw output parameter 'message' has not been set and does not have a default value"
    assert r.phase is Phase.FAILED and r.message == message
    assert n["[0].approve"].phase is Phase.FAILED and n["[0].approve"].message == message
    assert "[1].release" not in n
    r = go(tmp_path, SUSPEND.replace("DEFAULT", "default: default message"))
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert n["[0].approve"].phase is Phase.SUCCEEDED
    assert n["[0].approve"].outputs.parameters == [{"name": "message", "value": "default message"}]
    assert n["[1].release"].inputs["parameters"] == [{"name": "message",
                                                      "value": "default message"}]
    assert n["[1].release"].outputs.result == "default message"


# -- when with expression tags ----------------------------------------------------------------

WHEN = """\
entrypoint: main
arguments:
  parameters:
  - name: list
    value: '["x", "y"]'
templates:
- name: main
  inputs:
    parameters:
    - name: list
      value: "{{workflow.parameters.list}}"
  steps:
  - - name: hit
      template: echo
      when: '"x" in ("{{= inputs.parameters.list | fromJSON() | join(''","'') }}","")'
    - name: miss
      template: echo
      when: '"z" in ("{{= inputs.parameters.list | fromJSON() | join(''","'') }}","")'
    - name: count
      template: echo
      when: "{{= len(fromJSON(inputs.parameters.list)) }} == 2"
- name: echo
  container: {image: busybox, command: [echo, hi]}
"""


def test_when_with_expression_tags_substitutes_first_then_evaluates(tmp_path):
    """Argo's steps.go/dag.go `shouldExecute`: the `when` text is substituted first (every
    `{{...}}`, expression tags included) and the result handed to govaluate, so the joined
    `x","y` becomes two list items: `"x" in ("x","y","")` is true, `"z" in (...)` false.
    `plait check` accepts the same text (no PL110/PL113: tags are masked before the condition
    is parsed)."""
    path = tmp_path / "wf.yaml"
    path.write_text(HEADER + textwrap.indent(WHEN, "  "))
    plan, diags = compile_file(str(path), name="wf")
    assert plan is not None and not [d for d in diags if d.severity.value == "error"], diags
    r = go(tmp_path, WHEN)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert n["[0].hit"].phase is Phase.SUCCEEDED
    assert n["[0].miss"].phase is Phase.SKIPPED
    assert n["[0].miss"].message == """when '"z" in ("x","y","")' evaluated false"""
    assert n["[0].count"].phase is Phase.SUCCEEDED


CONTAINER_SET = """\
entrypoint: main
templates:
  - name: main
    containerSet:
      containers:
        - name: a
          image: argoproj/argosay:v2
          command: [sh, -c]
          args: ['FILE=test.yml; EXITCODE=1; if test -f "$FILE"; then EXITCODE=0; else touch $FILE; fi; exit $EXITCODE']
      RETRY
"""


def test_container_set_retry_reruns_the_failing_container_in_its_pod(tmp_path):
    """Argo's e2e TestContainerSetRetryFail / TestContainerSetRetrySuccess (test/e2e/
    functional_test.go; their names are swapped there): container `a` fails once and leaves a
    file; with `containerSet.retryStrategy` (retries 2) it runs again in the same pod, finds the
    file and the workflow Succeeds (one Pod node, no retry nodes); without it the workflow
    Fails. (duration 1s instead of 5s.)"""
    r = go(tmp_path, CONTAINER_SET.replace(
        "RETRY", "retryStrategy:\n        retries: 2\n        duration: \"1s\""))
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert set(n) == {""} and n[""].type is NodeType.POD
    r = go(tmp_path, CONTAINER_SET.replace("RETRY", ""))
    assert r.phase is Phase.FAILED
    assert by_name(r)[""].message == "a: Error (exit code 1)"


def test_dag_default_fail_fast_keeps_scheduling_and_decides_the_phase_at_the_end(tmp_path):
    """A DAG's own `failFast` (default true) does not stop new tasks in Argo v4.1:
    workflow/controller/dag.go executeDAG calls executeDAGTask for every target (starting each
    task whose dependencies are fulfilled, with no failFast check) before assessDAGPhase, and
    assessDAGPhase answers Running while any node is unfulfilled; `dag.failFast` only lets it
    fail without waiting for target branches that never got a node. Only a template-level
    `failFast: true` (Template.IsFailFast, operator.go checkParallelism) stops new children
    (the docs' "no new tasks will be scheduled" is not what the controller does). So C, whose
    dependency B succeeds after A failed, still runs; the DAG and the workflow end Failed
    without the template-failFast message."""
    r = go(tmp_path, """\
      entrypoint: main
      templates:
      - name: main
        dag:
          tasks:
          - {name: A, template: sh, arguments: {parameters: [{name: cmd, value: exit 1}]}}
          - {name: B, template: sh, arguments: {parameters: [{name: cmd, value: sleep 1}]}}
          - {name: C, depends: B, template: sh,
             arguments: {parameters: [{name: cmd, value: "true"}]}}
    """, SH)
    n = by_name(r)
    assert n[".A"].phase is Phase.FAILED
    assert n[".B"].phase is Phase.SUCCEEDED
    assert n[".C"].phase is Phase.SUCCEEDED
    assert n[""].phase is Phase.FAILED and n[""].message != FAIL_FAST
    assert r.phase is Phase.FAILED


def test_steps_name_and_tasks_name_are_the_invoking_step_or_task(tmp_path):
    """Argo's executeTemplate (workflow/controller/operator.go) adds `steps.name` (for a
    template invoked by a step) or `tasks.name` (by a DAG task) to the local parameters it
    substitutes into the template, next to `node.name`: the step's or task's own name, also
    for a loop's iterations and a retried step's attempts (examples/variables-showcase.yaml
    prints both)."""
    r = go(tmp_path, """\
      entrypoint: main
      templates:
      - name: main
        steps:
        - - {name: first, template: show}
          - {name: again, template: show-retried}
          - {name: inner, template: dag}
      - name: dag
        dag:
          tasks:
          - {name: a, template: show}
          - {name: loop, template: show, withItems: [1, 2]}
      - name: show
        container: {image: busybox, command: [echo, "{{steps.name}} {{tasks.name}}"]}
      - name: show-retried
        retryStrategy: {limit: 1}
        container: {image: busybox, command: [echo, "{{steps.name}} {{tasks.name}}"]}
    """)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert n["[0].first"].outputs.result == "first {{tasks.name}}"
    assert n["[0].again(0)"].outputs.result == "again {{tasks.name}}"
    assert n["[0].inner.a"].outputs.result == "{{steps.name}} a"
    assert n["[0].inner.loop(1:2)"].outputs.result == "{{steps.name}} loop"


def test_workflow_duration_is_a_global_of_every_template(tmp_path):
    """Argo's operator sets the global `workflow.duration` on every pass (operator_test.go
    TestGlobalParamDuration: `0.000000` on the first, Go's `%f`), so any template sees the
    seconds since the workflow started, not only the exit handler."""
    import re

    r = go(tmp_path, """\
      entrypoint: main
      onExit: bye
      templates:
      - name: main
        container: {image: busybox, command: [echo, "{{workflow.duration}}"]}
      - name: bye
        container: {image: busybox, command: [echo, "{{workflow.duration}}"]}
    """)
    n = by_name(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    for key in ("", ".onExit"):
        assert re.fullmatch(r"\d+\.\d{6}", n[key].outputs.result or ""), n[key].outputs.result
