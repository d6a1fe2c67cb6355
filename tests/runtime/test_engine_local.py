"""The engine with R2's LocalBackend and R1's store: real processes, real SQLite."""

from __future__ import annotations

from plait.compiler.compile import compile_file
from plait.runtime import run
from plait.runtime.backends import local
from plait.runtime.types import Phase


def _run(tmp_path, sample, **kw):
    plan, diags = compile_file(sample, name="wf", **kw)
    assert plan is not None, [str(d) for d in diags]
    backend = local.LocalBackend(home=tmp_path, sandbox="none", parallelism=4)
    return run(plan, backend, home=tmp_path)


def test_steps_sample_runs_for_real(tmp_path):
    r = _run(tmp_path, "samples/steps.yaml")
    assert r.phase is Phase.SUCCEEDED, r.message
    by_name = {n.display_name: n for n in r.nodes.values()}
    assert by_name["hello1"].outputs.result == "hello1"
    assert by_name["summary"].outputs.result == "after hello2a and hello2b"
    from plait.runtime.store import Store
    stored = Store.at(tmp_path).nodes("wf")
    assert {n.phase for n in stored.values()} == {Phase.SUCCEEDED}
    log = Store.at(tmp_path).log_path("wf", by_name["hello1"].pod_name)
    assert log.read_text().strip() == "hello1"


def test_dag_diamond_sample_runs_for_real(tmp_path):
    r = _run(tmp_path, "samples/dag-diamond.yaml")
    assert r.phase is Phase.SUCCEEDED, r.message
    d = next(n for n in r.nodes.values() if n.display_name == "D")
    assert d.outputs.result == "B=11 C=101"


def test_failure_and_exit_handler_for_real(tmp_path):
    r = _run(tmp_path, "samples/exit-handler.yaml")
    by_name = {n.display_name: n for n in r.nodes.values()}
    assert by_name["flaky"].phase is Phase.FAILED
    assert by_name["flaky"].outputs.exit_code == "3"
    assert r.phase is Phase.SUCCEEDED                       # continueOn: failed
    assert by_name["report"].outputs.result.startswith("workflow wf finished: Succeeded")
