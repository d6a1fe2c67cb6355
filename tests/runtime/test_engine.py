"""The engine with a FakeBackend: Argo's node names, phases, messages and values (spec §2–§17)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from plait.runtime import Engine, MemoryStore, run
from plait.runtime.leaves import UNSUPPORTED
from plait.runtime.naming import fnv32a
from plait.runtime.types import NodeType, Phase

from ..helpers import HEADER
from ..helpers import compile_text as plan_of
from .fakes import Behaviour, FakeBackend, echo


def go(tmp_path, plan, backend, **kw):
    store = kw.pop("store", None) or MemoryStore(tmp_path / "logs")
    return run(plan, backend, store=store, home=tmp_path, **kw)


def names(result) -> dict:
    return {n.name: n for n in result.nodes.values()}


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


def test_steps_names_ids_types_and_chaining(tmp_path):
    plan = plan_of(tmp_path, HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: print
        arguments: {parameters: [{name: msg, value: one}]}
    - - name: b
        template: print
        arguments: {parameters: [{name: msg, value: "<<steps.a.outputs.result>>-two"}]}
      - name: c
        template: print
        arguments: {parameters: [{name: msg, value: three}]}
""" + PRINT)
    be = FakeBackend(rules={"*": echo})
    r = go(tmp_path, plan, be)
    assert r.phase is Phase.SUCCEEDED and r.message == ""
    n = names(r)
    assert set(n) == {"wf", "wf[0]", "wf[0].a", "wf[1]", "wf[1].b", "wf[1].c"}
    assert n["wf"].id == "wf" and n["wf"].type is NodeType.STEPS
    assert n["wf[0]"].type is NodeType.STEP_GROUP and n["wf[0]"].display_name == "[0]"
    a = n["wf[0].a"]
    assert a.id == f"wf-{fnv32a('wf[0].a')}" and a.display_name == "a"
    assert a.pod_name == f"wf-print-{fnv32a('wf[0].a')}" and a.type is NodeType.POD
    assert n["wf[1].b"].outputs.result == "one-two"
    assert a.outputs.exit_code == "0"
    # Argo's tree: root -> [0] -> a -> [1] -> b, c
    assert n["wf"].children == [n["wf[0]"].id]
    assert n["wf[0]"].children == [a.id]
    assert a.children == [n["wf[1]"].id]
    assert n["wf[1]"].children == [n["wf[1].b"].id, n["wf[1].c"].id]
    assert be.started()[0] == "wf[0].a"


def test_failed_step_fails_group_and_later_groups_never_start(tmp_path):
    plan = plan_of(tmp_path, HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: bad
        template: print
        arguments: {parameters: [{name: msg, value: x}]}
      - name: tolerated
        template: print
        continueOn: {failed: true}
        arguments: {parameters: [{name: msg, value: y}]}
    - - name: never
        template: print
        arguments: {parameters: [{name: msg, value: z}]}
""" + PRINT)
    be = FakeBackend(rules={"*bad": Behaviour(exit_code=1), "*tolerated": Behaviour(exit_code=2)})
    r = go(tmp_path, plan, be)
    n = names(r)
    bad = n["wf[0].bad"]
    assert bad.phase is Phase.FAILED and bad.message == "Error (exit code 1)"
    assert n["wf[0]"].message == f"child '{bad.id}' failed"
    assert r.phase is Phase.FAILED and r.message == f"child '{bad.id}' failed"
    assert "wf[1]" not in n and "wf[1].never" not in n


def test_continue_on_keeps_its_phase_but_the_group_succeeds(tmp_path):
    plan = plan_of(tmp_path, HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: flaky
        template: print
        continueOn: {failed: true}
        arguments: {parameters: [{name: msg, value: x}]}
    - - name: after
        template: print
        arguments: {parameters: [{name: msg, value: "<<steps.flaky.status>>"}]}
""" + PRINT)
    r = go(tmp_path, plan, FakeBackend(rules={"*flaky": Behaviour(exit_code=1), "*": echo}))
    n = names(r)
    assert n["wf[0].flaky"].phase is Phase.FAILED
    assert r.phase is Phase.SUCCEEDED
    assert n["wf[1].after"].outputs.result == "Failed"


DIAMOND = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: print, arguments: {parameters: [{name: msg, value: a}]}}
      - {name: B, template: print, depends: A, arguments: {parameters: [{name: msg, value: "<<tasks.A.outputs.result>>b"}]}}
      - {name: C, template: print, depends: A, arguments: {parameters: [{name: msg, value: c}]}}
      - {name: D, template: print, depends: B && C, arguments: {parameters: [{name: msg, value: "<<tasks.B.outputs.result>><<tasks.C.outputs.result>>"}]}}
""" + PRINT


def test_dag_diamond(tmp_path):
    be = FakeBackend(rules={"*": echo})
    r = go(tmp_path, plan_of(tmp_path, DIAMOND), be)
    n = names(r)
    assert r.phase is Phase.SUCCEEDED
    assert n["wf"].type is NodeType.DAG and n["wf.A"].display_name == "A"
    assert n["wf.D"].outputs.result == "abc"
    assert be.started()[0] == "wf.A" and be.started()[-1] == "wf.D"
    # tree edges: dag -> A -> B, C -> D
    assert n["wf"].children == [n["wf.A"].id]
    assert sorted(n["wf.A"].children) == sorted([n["wf.B"].id, n["wf.C"].id])
    assert n["wf.B"].children == [n["wf.D"].id] and n["wf.C"].children == [n["wf.D"].id]


def test_dag_fail_fast_decides_phase_but_keeps_scheduling(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    dag:
      FAILFAST
      tasks:
      - {name: broken, template: print, arguments: {parameters: [{name: msg, value: a}]}}
      - {name: slow, template: print, arguments: {parameters: [{name: msg, value: b}]}}
      - {name: after, template: print, depends: slow, arguments: {parameters: [{name: msg, value: c}]}}
""" + PRINT
    rules = {"*broken": Behaviour(exit_code=1), "*slow": Behaviour(delay=0.2)}
    r = go(tmp_path, plan_of(tmp_path, text.replace("FAILFAST", "")), FakeBackend(rules=rules))
    n = names(r)
    assert r.phase is Phase.FAILED
    assert n["wf.slow"].phase is Phase.SUCCEEDED and n["wf.after"].phase is Phase.SUCCEEDED
    r = go(tmp_path, plan_of(tmp_path, text.replace("FAILFAST", "failFast: false")),
           FakeBackend(rules=rules))
    n = names(r)
    assert n["wf.after"].phase is Phase.SUCCEEDED
    assert r.phase is Phase.FAILED                    # target `broken` failed


def test_depends_result_kinds_and_omitted(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    dag:
      failFast: false
      target: final
      tasks:
      - {name: A, template: print, arguments: {parameters: [{name: msg, value: a}]}}
      - {name: B, template: print, depends: A, arguments: {parameters: [{name: msg, value: b}]}}
      - {name: on-fail, template: print, depends: B.Failed, arguments: {parameters: [{name: msg, value: f}]}}
      - {name: on-ok, template: print, depends: B.Succeeded, arguments: {parameters: [{name: msg, value: s}]}}
      - {name: skipped, template: print, when: "1 == 2", arguments: {parameters: [{name: msg, value: k}]}}
      - {name: final, template: print, depends: "on-fail && on-ok.Omitted && skipped.Skipped", arguments: {parameters: [{name: msg, value: z}]}}
""" + PRINT
    r = go(tmp_path, plan_of(tmp_path, text), FakeBackend(rules={"*.B": Behaviour(exit_code=1)}))
    n = names(r)
    assert n["wf.on-fail"].phase is Phase.SUCCEEDED
    on_ok = n["wf.on-ok"]
    assert on_ok.phase is Phase.OMITTED and on_ok.type is NodeType.SKIPPED
    assert on_ok.message == "omitted: depends condition not met"
    assert n["wf.skipped"].phase is Phase.SKIPPED
    assert n["wf.final"].phase is Phase.SUCCEEDED
    assert r.phase is Phase.SUCCEEDED                 # target `final` succeeded


def test_omitted_target_inherits_the_branch_failure(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: print, arguments: {parameters: [{name: msg, value: a}]}}
      - {name: B, template: print, depends: A, arguments: {parameters: [{name: msg, value: b}]}}
""" + PRINT
    r = go(tmp_path, plan_of(tmp_path, text), FakeBackend(rules={"*.A": Behaviour(exit_code=1)}))
    n = names(r)
    assert n["wf.B"].phase is Phase.OMITTED
    assert r.phase is Phase.FAILED


LOOPS = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: gen
        template: gen
    - - name: fan
        template: num
        withParam: "<<steps.gen.outputs.result>>"
        arguments: {parameters: [{name: n, value: "<<item.n>>"}]}
      - name: fixed
        template: num
        withItems: [1, 2]
        arguments: {parameters: [{name: n, value: "<<item>>"}]}
    - - name: sum
        template: print
        arguments: {parameters: [{name: msg, value: "<<steps.fan.outputs.parameters.out>>|<<steps.fan.outputs.result>>|<<steps.fixed.outputs.parameters>>"}]}
  - name: gen
    script:
      image: python:3.11
      command: [python3]
      source: |
        print('[{"n": 3}, {"n": 4}]')
  - name: num
    inputs:
      parameters:
      - name: n
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo <<inputs.parameters.n>> > /tmp/out; echo <<inputs.parameters.n>>"]
    outputs:
      parameters:
      - name: out
        valueFrom: {path: /tmp/out}
""" + PRINT


def _num(pod):
    n = pod.args[-1].split()[1]
    return Behaviour(stdout=n + "\n", files={"/tmp/out": n + "\n"})


def test_loops_with_param_and_aggregated_outputs(tmp_path):
    gen = Behaviour(stdout='[{"n": 3}, {"n": 4}]\n')
    r = go(tmp_path, plan_of(tmp_path, LOOPS),
           FakeBackend(rules={"*.gen": gen, "*.fan(*": _num, "*.fixed(*": _num, "*": echo}))
    n = names(r)
    assert r.phase is Phase.SUCCEEDED, r.message
    assert "wf[1].fan(0:n:3)" in n and "wf[1].fan(1:n:4)" in n
    assert "wf[1].fixed(0:1)" in n and n["wf[1].fixed(1:2)"].display_name == "fixed(1:2)"
    assert n["wf[1].fan(0:n:3)"].outputs.parameters == [{"name": "out", "value": "3"}]
    assert n["wf[2].sum"].outputs.result == \
        '["3","4"]|[3,4]|[{"out":"1"},{"out":"2"}]'
    # loop children hang under the group; the next group under every iteration
    assert len(n["wf[1]"].children) == 4
    assert n["wf[1].fan(1:n:4)"].children == [n["wf[2]"].id]


def test_with_param_not_a_list_and_empty_loop(tmp_path):
    r = go(tmp_path, plan_of(tmp_path, LOOPS),
           FakeBackend(rules={"*.gen": Behaviour(stdout="oops\n"), "*": _num}))
    fan = names(r)["wf[1].fan"]
    assert fan.phase is Phase.ERROR
    assert fan.message == "withParam value could not be parsed as a JSON list: oops"
    assert r.phase is Phase.FAILED
    r = go(tmp_path, plan_of(tmp_path, LOOPS),
           FakeBackend(rules={"*.gen": Behaviour(stdout="[]\n"), "*": _num}))
    fan = names(r)["wf[1].fan"]
    assert fan.phase is Phase.SKIPPED and fan.type is NodeType.SKIPPED
    assert fan.message == "Skipped, empty params"


def test_dag_loop_has_a_task_group_and_any_succeeded(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    dag:
      failFast: false
      tasks:
      - {name: L, template: print, withItems: [a, b], arguments: {parameters: [{name: msg, value: "<<item>>"}]}}
      - {name: any, template: print, depends: L.AnySucceeded, arguments: {parameters: [{name: msg, value: x}]}}
      - {name: all, template: print, depends: L.AllFailed, arguments: {parameters: [{name: msg, value: y}]}}
""" + PRINT
    r = go(tmp_path, plan_of(tmp_path, text), FakeBackend(rules={"*L(0:a)": Behaviour(exit_code=1)}))
    n = names(r)
    group = n["wf.L"]
    assert group.type is NodeType.TASK_GROUP and group.phase is Phase.FAILED
    assert [r.nodes[c].display_name for c in group.children] == ["L(0:a)", "L(1:b)"]
    assert n["wf.any"].phase is Phase.SUCCEEDED and n["wf.all"].phase is Phase.OMITTED


def test_when_false_is_skipped_with_argos_message(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: flip
        template: print
        arguments: {parameters: [{name: msg, value: heads}]}
    - - name: on-tails
        template: print
        when: "<<steps.flip.outputs.result>> == tails"
        arguments: {parameters: [{name: msg, value: t}]}
      - name: on-heads
        template: print
        when: "<<steps.flip.outputs.result>> == heads"
        arguments: {parameters: [{name: msg, value: h}]}
""" + PRINT
    r = go(tmp_path, plan_of(tmp_path, text), FakeBackend(rules={"*": echo}))
    n = names(r)
    tails = n["wf[1].on-tails"]
    assert tails.type is NodeType.SKIPPED and tails.phase is Phase.SKIPPED
    assert tails.message == "when 'heads == tails' evaluated false"
    assert n["wf[1].on-heads"].phase is Phase.SUCCEEDED
    assert r.phase is Phase.SUCCEEDED


RETRY = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: r
        template: flaky
  - name: flaky
    retryStrategy:
      RETRY
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo <<retries>>"]
"""


def _attempts(r):
    return sorted((n.name, n.phase) for n in r.nodes.values() if n.name.startswith("wf[0].r("))


def test_retry_until_success_and_no_more_retries(tmp_path):
    ok_on_2 = {"*r(0)": Behaviour(exit_code=1), "*r(1)": Behaviour(exit_code=1)}
    r = go(tmp_path, plan_of(tmp_path, RETRY.replace("RETRY", "limit: 3")),
           FakeBackend(rules=ok_on_2))
    n = names(r)
    assert n["wf[0].r"].type is NodeType.RETRY and n["wf[0].r"].phase is Phase.SUCCEEDED
    assert [p for _, p in _attempts(r)] == [Phase.FAILED, Phase.FAILED, Phase.SUCCEEDED]
    assert n["wf[0].r(2)"].retries == 2 and n["wf[0].r(2)"].display_name == "r(2)"
    assert n["wf[0].r(2)"].pod_name == f"wf-flaky-{fnv32a('wf[0].r(2)')}"
    r = go(tmp_path, plan_of(tmp_path, RETRY.replace("RETRY", "limit: 1")),
           FakeBackend(default=Behaviour(exit_code=1)))
    node = names(r)["wf[0].r"]
    assert node.phase is Phase.FAILED and node.message == "No more retries left"
    assert len(_attempts(r)) == 2 and r.phase is Phase.FAILED


@pytest.mark.parametrize("policy,phase,retried", [
    ("OnFailure", Phase.FAILED, True), ("OnFailure", Phase.ERROR, False),
    ("OnError", Phase.ERROR, True), ("OnError", Phase.FAILED, False),
    ("Always", Phase.ERROR, True), ("Always", Phase.FAILED, True),
    ("OnTransientError", Phase.ERROR, False)])
def test_retry_policies(tmp_path, policy, phase, retried):
    plan = plan_of(tmp_path, RETRY.replace("RETRY", f"{{limit: 1, retryPolicy: {policy}}}"))
    r = go(tmp_path, plan, FakeBackend(default=Behaviour(exit_code=1, phase=phase)))
    assert len(_attempts(r)) == (2 if retried else 1)


def test_retry_on_transient_error_message(tmp_path):
    plan = plan_of(tmp_path, RETRY.replace("RETRY", "{limit: 1, retryPolicy: OnTransientError}"))
    b = Behaviour(exit_code=1, phase=Phase.ERROR, message="read: connection reset by peer")
    assert len(_attempts(go(tmp_path, plan, FakeBackend(default=b)))) == 2


def test_retry_backoff_timing(tmp_path):
    plan = plan_of(tmp_path, RETRY.replace(
        "RETRY", "{limit: 3, backoff: {duration: '0.1s', factor: 2, cap: '0.15s'}}"))
    be = FakeBackend(default=Behaviour(exit_code=1))
    t = time.monotonic()
    r = go(tmp_path, plan, be)
    took = time.monotonic() - t
    # waits 0.1 + min(0.2, 0.15) + min(0.4, 0.15) = 0.4 s at least (a slow machine only adds)
    assert took >= 0.38, took
    assert len(_attempts(r)) == 4


def _tagged_retry(tmp_path, wait: str, factor: str):
    text = RETRY.replace("  entrypoint: main\n", (
        "  arguments: {parameters: [{name: wait, value: '%s'}, {name: f, value: '%s'}]}\n"
        "  entrypoint: main\n") % (wait, factor))
    return plan_of(tmp_path, text.replace("RETRY", (
        "{limit: 2, backoff: {duration: '{{workflow.parameters.wait}}', "
        "factor: '{{workflow.parameters.f}}', maxDuration: '<<workflow.parameters.f>>m'}}")))


def test_retry_backoff_from_parameters(tmp_path):
    """Backoff fields may be tags (Argo renders them when the retry node runs)."""
    be = FakeBackend(default=Behaviour(exit_code=1))
    t = time.monotonic()
    r = go(tmp_path, _tagged_retry(tmp_path, "0.1s", "3"), be)
    took = time.monotonic() - t
    # waits 0.1 + 0.3 = 0.4 s at least (a slow machine only adds); maxDuration 3m
    assert took >= 0.38, took
    assert len(_attempts(r)) == 3
    assert names(r)["wf[0].r"].message == "No more retries left"


def test_retry_backoff_that_is_no_duration_errors_the_retry_node(tmp_path):
    r = go(tmp_path, _tagged_retry(tmp_path, "soon", "2"), FakeBackend(default=Behaviour(exit_code=1)))
    node = names(r)["wf[0].r"]
    assert node.phase is Phase.ERROR and _attempts(r) == []
    assert node.message == ("retryStrategy.backoff.duration: invalid duration 'soon': expected "
                            "a number at 'soon'")


def test_retry_expression_with_last_retry(tmp_path):
    plan = plan_of(tmp_path, RETRY.replace(
        "RETRY", "{limit: 5, expression: 'asInt(lastRetry.exitCode) == 3'}"))
    rules = {"*r(0)": Behaviour(exit_code=3), "*r(1)": Behaviour(exit_code=4)}
    r = go(tmp_path, plan, FakeBackend(rules=rules))
    node = names(r)["wf[0].r"]
    assert len(_attempts(r)) == 2
    assert node.phase is Phase.FAILED
    assert node.message == "retryStrategy.expression evaluated to false"


EXIT = HEADER + """\
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - name: work
        template: print
        arguments: {parameters: [{name: msg, value: w}]}
  - name: bye
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo <<workflow.status>> <<workflow.failures>>"]
""" + PRINT


def test_exit_handler_runs_after_failure_with_status_and_failures(tmp_path):
    be = FakeBackend(rules={"*work": Behaviour(exit_code=2)})
    r = go(tmp_path, plan_of(tmp_path, EXIT), be)
    n = names(r)
    assert r.phase is Phase.FAILED
    handler = n["wf.onExit"]
    assert handler.phase is Phase.SUCCEEDED and handler.display_name == "wf.onExit"
    args = be.pods[-1].args[-1]
    status, failures = args[len("echo "):].split(" ", 1)
    assert status == "Failed"
    decoded = json.loads(json.loads(failures))            # double encoded (spec §13.3)
    assert {f["displayName"] for f in decoded} == {"work", "wf", "[0]"}
    work = next(f for f in decoded if f["displayName"] == "work")
    assert work["message"] == "Error (exit code 2)" and work["phase"] == "Failed"
    assert work["podName"] == n["wf[0].work"].pod_name and work["templateName"] == "print"


def test_exit_handler_failure_overrides_success(tmp_path):
    be = FakeBackend(rules={"wf.onExit": Behaviour(exit_code=5)})
    r = go(tmp_path, plan_of(tmp_path, EXIT), be)
    assert r.phase is Phase.FAILED and r.message == "Error (exit code 5)"
    args = be.pods[-1].args[-1]
    assert args == 'echo Succeeded "null"'


def test_stop_kills_pods_and_still_runs_the_exit_handler(tmp_path):
    plan = plan_of(tmp_path, EXIT)
    be = FakeBackend(rules={"*work": Behaviour(delay=60)})

    async def main():
        store = MemoryStore(tmp_path / "logs")
        engine = Engine(plan, be, store=store, home=tmp_path)
        task = asyncio.ensure_future(engine.run())
        await asyncio.sleep(0.1)
        engine.stop()
        return await task
    t = time.monotonic()
    r = asyncio.run(main())
    assert time.monotonic() - t < 30                 # the 60 s pod was cut, not waited for
    n = names(r)
    assert be.killed == ["wf[0].work"]
    assert n["wf[0].work"].phase is Phase.FAILED
    assert n["wf.onExit"].phase is Phase.SUCCEEDED
    assert r.phase is Phase.FAILED and r.message == "Stopped with strategy 'Stop'"


def test_terminate_runs_no_exit_handler(tmp_path):
    plan = plan_of(tmp_path, EXIT)
    be = FakeBackend(rules={"*work": Behaviour(delay=5)})

    async def main():
        engine = Engine(plan, be, store=MemoryStore(tmp_path / "logs"), home=tmp_path)
        task = asyncio.ensure_future(engine.run())
        await asyncio.sleep(0.1)
        engine.terminate()
        return await task
    r = asyncio.run(main())
    assert "wf.onExit" not in names(r)
    assert r.phase is Phase.FAILED and r.message == "Stopped with strategy 'Terminate'"


def test_workflow_deadline(tmp_path):
    text = EXIT.replace("  entrypoint: main\n", "  entrypoint: main\n  activeDeadlineSeconds: 1\n")
    be = FakeBackend(rules={"*work": Behaviour(delay=60)})
    t = time.monotonic()
    r = go(tmp_path, plan_of(tmp_path, text), be)
    assert time.monotonic() - t < 30                 # the deadline cut the 60 s pod
    n = names(r)
    assert be.pods[0].deadline == 1                  # remaining time given to the pod
    assert n["wf[0].work"].phase is Phase.FAILED
    assert r.phase is Phase.FAILED and r.message == "Step exceeded its deadline"
    assert n["wf.onExit"].phase is Phase.SUCCEEDED   # exit handlers are exempt


def test_recursion_limit(tmp_path):
    text = HEADER + """\
  entrypoint: coin
  templates:
  - name: coin
    steps:
    - - name: flip
        template: flip
    - - name: again
        template: coin
        when: "<<steps.flip.outputs.result>> == tails"
  - name: flip
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo tails"]
"""
    r = go(tmp_path, plan_of(tmp_path, text, max_depth=4), FakeBackend(rules={"*": echo}))
    errors = [n for n in r.nodes.values() if n.phase is Phase.ERROR]
    assert len(errors) == 1
    assert errors[0].message.startswith("Maximum recursion depth exceeded")
    assert r.phase is Phase.FAILED


def test_daemon_step_runs_until_its_scope_ends(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: server
        template: server
    - - name: client
        template: print
        arguments: {parameters: [{name: msg, value: "<<steps.server.ip>>"}]}
  - name: server
    daemon: true
    container:
      image: python:3.11
      command: [python3, -m, http.server]
""" + PRINT
    be = FakeBackend(rules={"*server": Behaviour(delay=60, ip="10.1.2.3"), "*": echo})
    t = time.monotonic()
    r = go(tmp_path, plan_of(tmp_path, text), be)
    assert time.monotonic() - t < 30                 # the daemon was killed when its scope ended
    n = names(r)
    assert n["wf[1].client"].outputs.result == "10.1.2.3"
    assert n["wf[0].server"].phase is Phase.SUCCEEDED
    assert be.killed == ["wf[0].server"]
    assert r.phase is Phase.SUCCEEDED


def test_dag_daemon_satisfies_depends_daemoned(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: server, template: server}
      - {name: client, template: print, depends: server.Daemoned, arguments: {parameters: [{name: msg, value: "<<tasks.server.ip>>"}]}}
  - name: server
    daemon: true
    container:
      image: python:3.11
      command: [python3, -m, http.server]
""" + PRINT
    be = FakeBackend(rules={"*server": Behaviour(delay=30, ip="10.9.9.9"), "*": echo})
    r = go(tmp_path, plan_of(tmp_path, text), be)
    n = names(r)
    assert n["wf.client"].outputs.result == "10.9.9.9"
    assert n["wf.server"].phase is Phase.SUCCEEDED and r.phase is Phase.SUCCEEDED


def test_parallelism_workflow_and_template(tmp_path):
    text = HEADER + """\
  entrypoint: main
  PAR
  templates:
  - name: main
    TPL
    steps:
    - - name: many
        template: print
        withSequence: {count: "8"}
        arguments: {parameters: [{name: msg, value: "<<item>>"}]}
""" + PRINT
    slow = Behaviour(delay=0.05)
    be = FakeBackend(default=slow)
    go(tmp_path, plan_of(tmp_path, text.replace("PAR", "parallelism: 2").replace("TPL", "")), be)
    assert be.peak == 2 and len(be.pods) == 8
    be = FakeBackend(default=slow)
    go(tmp_path, plan_of(tmp_path, text.replace("PAR", "").replace("TPL", "parallelism: 3")), be)
    assert be.peak == 3
    be = FakeBackend(default=slow)
    go(tmp_path, plan_of(tmp_path, text.replace("PAR", "").replace("TPL", "")), be)
    assert be.peak == 8


def test_outputs_parameters_global_and_defaults(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: make
        template: make
    - - name: show
        template: print
        arguments: {parameters: [{name: msg, value: "<<steps.make.outputs.parameters.a>>/<<steps.make.outputs.parameters.b>>/<<workflow.outputs.parameters.g>>/<<steps.make.exitCode>>"}]}
  - name: make
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo hi > /tmp/a"]
    outputs:
      parameters:
      - name: a
        globalName: g
        valueFrom: {path: /tmp/a}
      - name: b
        valueFrom: {path: /tmp/missing, default: dflt}
""" + PRINT
    be = FakeBackend(rules={"*make": Behaviour(files={"/tmp/a": "hi\n\n"}), "*": echo})
    r = go(tmp_path, plan_of(tmp_path, text), be)
    assert names(r)["wf[1].show"].outputs.result == "hi\n/dflt/hi\n/0"
    assert r.outputs == {"parameters": [{"name": "g", "value": "hi\n"}]}


def test_missing_output_file_is_an_error(tmp_path):
    text = HEADER + """\
  entrypoint: make
  templates:
  - name: make
    container:
      image: busybox
      command: [sh, -c]
      args: ["true"]
    outputs:
      parameters:
      - name: a
        valueFrom: {path: /tmp/a}
"""
    r = go(tmp_path, plan_of(tmp_path, text), FakeBackend())
    assert r.phase is Phase.ERROR
    assert r.nodes["wf"].message == "open /tmp/a: no such file or directory"
    assert r.nodes["wf"].pod_name == "wf"                # a root pod is named after the wf


def test_suspend_with_duration(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: wait
        template: wait
  - name: wait
    suspend: {duration: "0.2s"}
"""
    t = time.monotonic()
    r = go(tmp_path, plan_of(tmp_path, text), FakeBackend())
    assert 0.19 <= time.monotonic() - t < 30         # waited its duration, then went on
    node = names(r)["wf[0].wait"]
    assert node.type is NodeType.SUSPEND and node.phase is Phase.SUCCEEDED


def test_every_change_is_stored_before_the_pod_starts(tmp_path):
    plan = plan_of(tmp_path, DIAMOND)
    store = MemoryStore(tmp_path / "logs")
    seen = []

    class Checking(FakeBackend):
        async def start(self, manifest, log):
            name = manifest["metadata"]["annotations"]["workflows.argoproj.io/node-name"]
            stored = next(n for n in store.nodes("wf").values() if n.name == name)
            seen.append((name, stored.phase))
            # a dependant starts only once its producers are stored as done
            for dep in {"wf.B": ["wf.A"], "wf.D": ["wf.B", "wf.C"]}.get(name, []):
                assert next(n for n in store.nodes("wf").values() if n.name == dep).phase \
                    is Phase.SUCCEEDED
            return await super().start(manifest, log)

    changes = []
    r = run(plan, Checking(rules={"*": echo}), store=store, home=tmp_path,
            on_change=lambda n: changes.append((n.name, n.phase)))
    assert r.phase is Phase.SUCCEEDED
    assert all(phase is Phase.RUNNING for _, phase in seen) and len(seen) == 4
    assert ("wf.D", Phase.SUCCEEDED) in changes
    assert store.workflow("wf").phase == "Succeeded"
    assert {n.name: n.phase for n in store.nodes("wf").values()} == \
        {n.name: n.phase for n in r.nodes.values()}


def test_logs_are_written_and_masked(tmp_path):
    class Secrets:
        def __bool__(self):
            return True

        def mask(self, text):
            return text.replace("s3cret", "***")
    plan = plan_of(tmp_path, DIAMOND)
    store = MemoryStore(tmp_path / "logs")
    r = run(plan, FakeBackend(rules={"*.A": Behaviour(stdout="the s3cret\n")}), store=store,
            home=tmp_path, secrets=Secrets())
    a = names(r)["wf.A"]
    assert a.outputs.result == "the ***"
    assert store.log_path("wf", a.pod_name).read_text() == "the ***\n"


def test_many_trivial_steps_all_run(tmp_path):
    """300 trivial tasks in one DAG all run (bench/run_overhead.py measures what they cost)."""
    tasks = "\n".join(f"      - {{name: t{i}, template: print, arguments: {{parameters: [{{name: msg, value: '{i}'}}]}}}}"
                      for i in range(300))
    text = HEADER + "  entrypoint: main\n  templates:\n  - name: main\n    dag:\n      tasks:\n" + tasks + PRINT
    plan = plan_of(tmp_path, text)
    store = MemoryStore(tmp_path / "logs")
    r = run(plan, FakeBackend(), store=store, home=tmp_path)
    assert r.phase is Phase.SUCCEEDED and len(r.nodes) == 301


HOOKED = HEADER + """\
  entrypoint: main
  hooks:
    exit: {template: note}
    running:
      expression: workflow.status == "Running"
      template: note
    done:
      expression: workflow.status == "Succeeded"
      template: note
    failed:
      expression: workflow.status == "Failed"
      template: note
  templates:
  - name: main
    steps:
    - - name: step-1
        template: work
        hooks:
          running:
            expression: steps["step-1"].status == "Running"
            template: note
          success:
            expression: steps["step-1"].status == "Succeeded"
            template: note
          failure:
            expression: steps["step-1"].status == "Failed"
            template: note
  - name: work
    container: {image: busybox, command: [sh, -c], args: ["echo work"]}
  - name: note
    container: {image: busybox, command: [sh, -c], args: ["echo note"]}
"""


def test_lifecycle_hooks_with_expressions_run_once(tmp_path):
    be = FakeBackend(rules={"*step-1": Behaviour(delay=0.1)})
    r = go(tmp_path, plan_of(tmp_path, HOOKED), be)
    assert r.phase is Phase.SUCCEEDED, r.message
    n = names(r)
    started = be.started()
    for hook in ("wf[0].step-1.hooks.running", "wf[0].step-1.hooks.success", "wf.hooks.running",
                 "wf.hooks.done", "wf.onExit"):
        assert started.count(hook) == 1, (hook, started)
        assert n[hook].phase is Phase.SUCCEEDED
    assert "wf[0].step-1.hooks.failure" not in n and "wf.hooks.failed" not in n
    step = n["wf[0].step-1"]
    assert n["wf[0].step-1.hooks.running"].id in step.children
    # the running hook started while the step ran
    assert started.index("wf[0].step-1.hooks.running") < started.index("wf.hooks.done")


@pytest.mark.parametrize("pending", ["0.2s", "'1'"])
def test_pending_timeout_fails_a_leaf_still_waiting_for_a_slot(tmp_path, pending):
    """`pendingTimeout` as a Go duration or whole seconds (as PL508 accepts it: the check, the
    plan and the runtime read it alike)."""
    text = HEADER + """\
  entrypoint: main
  parallelism: 1
  templates:
  - name: main
    steps:
    - - {name: long, template: long}
      - {name: waits, template: waits}
  - name: long
    container: {image: busybox, command: [sh, -c], args: ["sleep 1"]}
  - name: waits
    pendingTimeout: PENDING
    container: {image: busybox, command: [sh, -c], args: ["echo"]}
""".replace("PENDING", pending)
    be = FakeBackend(rules={"*long": Behaviour(delay=2.0)})
    r = go(tmp_path, plan_of(tmp_path, text), be)
    waits = names(r)["wf[0].waits"]
    assert waits.phase is Phase.FAILED
    assert waits.message.startswith("Pod was pending longer than pendingTimeout")
    assert "wf[0].waits" not in be.started()


ARTIFACTS = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: make
        template: make
    - - name: use
        template: use
        arguments:
          artifacts:
          - {name: made, from: "<<steps.make.outputs.artifacts.out>>"}
          - {name: given, raw: {data: "raw <<workflow.name>>"}}
  - name: make
    container: {image: busybox, command: [sh, -c], args: ["echo hi > /tmp/out.txt"]}
    outputs:
      artifacts:
      - {name: out, path: /tmp/out.txt, archive: {none: {}}}
  - name: use
    inputs:
      artifacts:
      - {name: made, path: /in/made.txt}
      - {name: given, path: /in/given.txt}
      - {name: builtin, path: /in/builtin.txt, raw: {data: built in}}
      - {name: maybe, path: /in/maybe.txt, optional: true}
    container: {image: busybox, command: [sh, -c], args: ["cat /in/*"]}
"""


def test_input_artifacts_from_raw_and_optional(tmp_path):
    from .fakes import cat_inputs
    be = FakeBackend(rules={"*make": Behaviour(files={"/tmp/out.txt": "hi\n"}),
                            "*use": cat_inputs})
    r = go(tmp_path, plan_of(tmp_path, ARTIFACTS), be)
    assert r.phase is Phase.SUCCEEDED, r.message
    use = names(r)["wf[1].use"]
    lines = sorted(use.outputs.result.splitlines())
    # `from:` an earlier step's output, `raw` in the arguments and in the inputs; the absent
    # optional input is dropped and the node still runs
    assert lines == ["", "/in/builtin.txt=built in", "/in/given.txt=raw wf", "/in/made.txt=hi"]
    assert not any(i["path"] == "/in/maybe.txt" for i in be.pods[-1].inputs)


@pytest.mark.parametrize("kind,body", [
    ("data", "data: {source: {artifactPaths: {name: x, s3: {key: k}}}, transformation: []}"),
    ("plugin", "plugin: {hello: {}}"),
])
def test_data_and_plugin_templates_error_clearly(tmp_path, kind, body):
    text = HEADER + f"""\
  entrypoint: main
  templates:
  - name: main
    {body}
"""
    r = go(tmp_path, plan_of(tmp_path, text), FakeBackend())
    assert r.phase is Phase.ERROR
    assert r.message == UNSUPPORTED[kind]


@pytest.mark.parametrize("loc,spec", [
    ("s3", "{bucket: b, key: k}"), ("gcs", "{bucket: b, key: k}"),
    ("azure", "{endpoint: 'https://a.example.com', container: c, blob: b}"), ("hdfs", "{path: /p, addresses: [a], hdfsUser: u}"),
    ("git", "{repo: 'https://example.com/r.git'}"),
])
def test_remote_artifacts_are_not_supported_locally(tmp_path, loc, spec):
    text = HEADER + f"""\
  entrypoint: main
  templates:
  - name: main
    inputs:
      artifacts:
      - name: src
        path: /src
        {loc}: {spec}
    container: {{image: busybox, command: [sh, -c], args: ["ls /src"]}}
"""
    be = FakeBackend()
    r = go(tmp_path, plan_of(tmp_path, text), be)
    assert r.phase is Phase.ERROR and be.started() == []
    assert r.message == f"{loc} artifacts are not supported by the local backend (input artifact 'src')"

    out = HEADER + f"""\
  entrypoint: main
  templates:
  - name: main
    container: {{image: busybox, command: [sh, -c], args: ["echo"]}}
    outputs:
      artifacts:
      - name: dst
        path: /dst
        {loc}: {spec}
"""
    r = go(tmp_path, plan_of(tmp_path, out), FakeBackend())
    assert r.phase is Phase.ERROR
    assert r.message == f"{loc} artifacts are not supported by the local backend (output artifact 'dst')"
