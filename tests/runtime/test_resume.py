"""Resume after a lost runner, `retry` after a failure, `resume_suspended`, the heartbeat:
the real SQLite store and the FakeBackend (which counts how often each pod starts)."""

from __future__ import annotations

import asyncio

import pytest

from plait.runtime import Engine, run, run_async
from plait.runtime.engine import LOST_MARK
from plait.runtime.store import Store
from plait.runtime.types import Phase

from ..helpers import compile_text
from .fakes import Behaviour, FakeBackend, echo, started_count

WF = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: wf
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - name: a
        template: print
        arguments: {parameters: [{name: msg, value: one}]}
    - - name: b
        template: print
        arguments: {parameters: [{name: msg, value: two}]}
      - name: c
        template: print
        arguments: {parameters: [{name: msg, value: three}]}
    - - name: d
        template: print
        arguments: {parameters: [{name: msg, value: "<<steps.a.outputs.result>>+<<steps.c.outputs.result>>"}]}
  - name: print
    inputs:
      parameters:
      - name: msg
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo <<inputs.parameters.msg>>"]
  - name: bye
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo bye <<workflow.status>>"]
"""


def plan_of(tmp_path, text: str = WF):
    return compile_text(tmp_path, text)


def by_name(result) -> dict:
    return {n.name: n for n in result.nodes.values()}


def crash(tmp_path, plan, backend, store, when) -> None:
    """Run until `when(backend)` holds, then cancel the run abruptly (a lost runner)."""
    async def main() -> None:
        task = asyncio.ensure_future(run_async(plan, backend, store=store, home=tmp_path))
        while not when(backend):
            assert not task.done(), task.result()
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await backend.close()
    asyncio.run(main())


def test_resume_after_a_lost_runner_reruns_only_the_unfinished(tmp_path):
    plan = plan_of(tmp_path)
    store = Store.at(tmp_path)
    first = FakeBackend(rules={"*.b": Behaviour(delay=60), "*": echo})
    def c_stored(be) -> bool:   # c's pod ended and the engine has recorded it: only b runs
        return (be.running == 1 and "wf[1].b" in be.started() and any(
            n.name == "wf[1].c" and n.phase is Phase.SUCCEEDED for n in store.nodes("wf").values()))
    crash(tmp_path, plan, first, store, c_stored)
    stored = {n.name: n for n in store.nodes("wf").values()}
    assert stored["wf[0].a"].phase is Phase.SUCCEEDED
    assert stored["wf[1].c"].phase is Phase.SUCCEEDED
    assert stored["wf[1].b"].phase is Phase.RUNNING
    assert store.workflow("wf").phase is Phase.RUNNING
    # the lost attempt had logged something already
    b_pod = stored["wf[1].b"].pod_name
    store.log_path("wf", b_pod).write_text("partial\n")

    second = FakeBackend(rules={"*": echo})
    seen = []
    r = run(plan, second, store=store, home=tmp_path, mode="resume",
            on_change=lambda n: seen.append(n.name))
    assert r.phase is Phase.SUCCEEDED, r.message
    assert started_count(second) == {"wf[1].b": 1, "wf[2].d": 1, "wf.onExit": 1}
    n = by_name(r)
    assert n["wf[2].d"].outputs.result == "one+three"        # outputs of reused steps flow on
    assert n["wf[0].a"].started_at == stored["wf[0].a"].started_at   # kept as stored
    assert n["wf.onExit"].outputs.result == "bye Succeeded"
    assert "wf[0].a" in seen                                  # on_change still told
    assert store.log_path("wf", b_pod).read_text() == f"partial\n{LOST_MARK}\ntwo\n"
    row = store.workflow("wf")
    assert row.phase is Phase.SUCCEEDED
    # the tree is the same shape as an uninterrupted run's
    assert n["wf[0].a"].children == [n["wf[1]"].id]
    assert n["wf[1]"].children == [n["wf[1].b"].id, n["wf[1].c"].id]

    # resuming a finished run starts nothing: the exit handler runs once per run
    third = FakeBackend(rules={"*": echo})
    again = run(plan, third, store=store, home=tmp_path, mode="resume")
    assert again.phase is Phase.SUCCEEDED and third.started() == []


def test_resume_with_an_unfinished_exit_handler_runs_it_once(tmp_path):
    plan = plan_of(tmp_path)
    store = Store.at(tmp_path)
    first = FakeBackend(rules={"wf.onExit": Behaviour(delay=60), "*": echo})
    crash(tmp_path, plan, first, store, lambda be: "wf.onExit" in be.started())
    second = FakeBackend(rules={"*": echo})
    r = run(plan, second, store=store, home=tmp_path, mode="resume")
    assert r.phase is Phase.SUCCEEDED
    assert second.started() == ["wf.onExit"]


def test_resume_keeps_failed_nodes_and_retry_reruns_only_the_failed_branch(tmp_path):
    plan = plan_of(tmp_path)
    store = Store.at(tmp_path)
    first = FakeBackend(rules={"*.b": Behaviour(exit_code=1), "*": echo})
    r = run(plan, first, store=store, home=tmp_path)
    assert r.phase is Phase.FAILED
    assert started_count(first) == {"wf[0].a": 1, "wf[1].b": 1, "wf[1].c": 1, "wf.onExit": 1}

    kept = FakeBackend(rules={"*": echo})
    r = run(plan, kept, store=store, home=tmp_path, mode="resume")
    assert r.phase is Phase.FAILED and kept.started() == []     # nothing to continue

    second = FakeBackend(rules={"*": echo})
    r = run(plan, second, store=store, home=tmp_path, mode="retry")
    assert r.phase is Phase.SUCCEEDED, r.message
    # a and c keep their outputs; b, the later step and the exit handler run again
    assert started_count(second) == {"wf[1].b": 1, "wf[2].d": 1, "wf.onExit": 1}
    n = by_name(r)
    assert n["wf[1].b"].phase is Phase.SUCCEEDED and n["wf[2].d"].outputs.result == "one+three"
    assert n["wf.onExit"].outputs.result == "bye Succeeded"
    assert store.workflow("wf").phase is Phase.SUCCEEDED


def test_retry_reruns_a_failed_dag_branch_only(tmp_path):
    plan = plan_of(tmp_path, """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: wf}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: t}
      - {name: b, template: t, depends: a}
      - {name: c, template: t, depends: a}
      - {name: d, template: t, depends: b}
  - name: t
    container: {image: busybox, command: [sh, -c], args: ["echo x"]}
""")
    store = Store.at(tmp_path)
    first = FakeBackend(rules={"wf.b": Behaviour(exit_code=1), "*": echo})
    assert run(plan, first, store=store, home=tmp_path).phase is Phase.FAILED
    second = FakeBackend(rules={"*": echo})
    r = run(plan, second, store=store, home=tmp_path, mode="retry")
    assert r.phase is Phase.SUCCEEDED
    assert sorted(second.started()) == ["wf.b", "wf.d"]


def test_retry_node_attempts_are_reused_on_resume(tmp_path):
    plan = plan_of(tmp_path, """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: wf}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: flaky, template: flaky}
    - - {name: after, template: slow}
  - name: flaky
    retryStrategy: {limit: 3, backoff: {duration: "1"}}
    container: {image: busybox, command: [sh, -c], args: ["echo x"]}
  - name: slow
    container: {image: busybox, command: [sh, -c], args: ["echo y"]}
""")
    store = Store.at(tmp_path)
    attempts = iter([Behaviour(exit_code=1), Behaviour()])
    first = FakeBackend(rules={"*flaky*": lambda pod: next(attempts),
                               "*after": Behaviour(delay=60)})
    crash(tmp_path, plan, first, store, lambda be: "wf[1].after" in be.started())
    second = FakeBackend()
    r = run(plan, second, store=store, home=tmp_path, mode="resume")
    assert r.phase is Phase.SUCCEEDED
    assert second.started() == ["wf[1].after"]                # no backoff, no attempt again
    n = by_name(r)
    assert n["wf[0].flaky(0)"].phase is Phase.FAILED and n["wf[0].flaky(1)"].phase is Phase.SUCCEEDED


SUSPEND = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: wf}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: approve, template: approve}
    - - {name: after, template: t}
  - name: approve
    suspend: {}
  - name: t
    container: {image: busybox, command: [sh, -c], args: ["echo x"]}
"""


def test_resume_suspended_finishes_a_suspend_without_duration(tmp_path):
    plan = plan_of(tmp_path, SUSPEND)
    engines: list[Engine] = []

    def on_change(node):
        if node.name == "wf[0].approve" and node.phase is Phase.RUNNING:
            asyncio.get_running_loop().call_later(0.05, engines[0].resume_suspended)

    be = FakeBackend()
    r = run(plan, be, store=Store.at(tmp_path), home=tmp_path, on_change=on_change,
            engine_ready=engines.append)
    assert r.phase is Phase.SUCCEEDED
    assert by_name(r)["wf[0].approve"].phase is Phase.SUCCEEDED
    assert be.started() == ["wf[1].after"]


def test_a_suspended_node_of_a_lost_runner_suspends_again_until_resumed(tmp_path):
    plan = plan_of(tmp_path, SUSPEND)
    store = Store.at(tmp_path)

    async def lose() -> None:
        task = asyncio.ensure_future(run_async(plan, FakeBackend(), store=store, home=tmp_path))
        while not any(n.name == "wf[0].approve" and n.phase is Phase.RUNNING
                      for n in store.nodes("wf").values()):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    asyncio.run(lose())
    engines: list[Engine] = []

    def on_change(node):
        if node.name == "wf[0].approve" and node.phase is Phase.RUNNING:
            asyncio.get_running_loop().call_soon(engines[0].resume_suspended)

    be = FakeBackend()
    r = run(plan, be, store=store, home=tmp_path, mode="resume", on_change=on_change,
            engine_ready=engines.append)
    assert r.phase is Phase.SUCCEEDED and be.started() == ["wf[1].after"]


def test_heartbeat_is_recorded_while_running_and_cleared_at_the_end(tmp_path, monkeypatch):
    from plait.runtime import engine as engine_module
    monkeypatch.setattr(engine_module, "HEARTBEAT_SECONDS", 0.05)
    plan = plan_of(tmp_path)
    store = Store.at(tmp_path)
    calls = []
    real = store.set_runner
    monkeypatch.setattr(store, "set_runner", lambda wf, pid=None, heartbeat=None: (
        calls.append((wf, pid, heartbeat)), real(wf, pid=pid, heartbeat=heartbeat)))
    r = run(plan, FakeBackend(rules={"*.a": Behaviour(delay=0.3), "*": echo}), store=store,
            home=tmp_path)
    assert r.phase is Phase.SUCCEEDED
    import os
    beats = [c for c in calls if c[1] == os.getpid()]
    assert len(beats) >= 3 and all(c[0] == "wf" and c[2] > 0 for c in beats)
    assert calls[-1][1] is None                               # the runner is gone


def test_modes_are_checked(tmp_path):
    plan = plan_of(tmp_path)
    with pytest.raises(ValueError):
        Engine(plan, FakeBackend(), mode="again")
    with pytest.raises(ValueError, match="not in the store"):
        run(plan, FakeBackend(), store=Store.at(tmp_path), home=tmp_path, mode="resume")
