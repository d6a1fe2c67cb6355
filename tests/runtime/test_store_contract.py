"""One contract, two stores: the SQLite store and the in-memory store pass the same tests
(`plait.runtime.storeapi.RunStore`)."""

from __future__ import annotations

import pytest

from plait.runtime.memstore import MemoryStore
from plait.runtime.store import Store
from plait.runtime.storeapi import RunStore, WorkflowExists, WorkflowRow
from plait.runtime.types import Node, NodeType, Outputs, Phase


@pytest.fixture(params=["sqlite", "memory"])
def store(request, tmp_path) -> RunStore:
    if request.param == "sqlite":
        return Store.at(tmp_path / "home")
    return MemoryStore(tmp_path / "logs", home=tmp_path / "home")


def node(id_: str, phase: Phase = Phase.RUNNING, **kw) -> Node:
    return Node(id=id_, name=f"wf.{id_}", display_name=id_, type=NodeType.POD,
                template_name="t", phase=phase, **kw)


def test_both_implement_the_protocol(store):
    assert isinstance(store, RunStore)


def test_a_new_run_row_is_typed(store):
    store.create_workflow("wf", '{"planVersion": 1}', {"parameters": [{"name": "n", "value": "1"}]},
                          100.0, phase=Phase.PENDING)
    row = store.workflow("wf")
    assert isinstance(row, WorkflowRow)
    assert (row.name, row.phase, row.message, row.started_at, row.finished_at) == \
        ("wf", Phase.PENDING, "", 100.0, None)
    assert row.arguments == {"parameters": [{"name": "n", "value": "1"}]}
    assert row.plan_json == '{"planVersion": 1}' and row.options == {}
    with pytest.raises(TypeError):                  # attributes only: no dict-style view
        row["phase"]  # noqa: B018
    assert store.workflow("other") is None


def test_a_taken_name_is_refused_unless_replaced(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    with pytest.raises(WorkflowExists):
        store.create_workflow("wf", "{}", {}, 2.0)
    store.save_node("wf", node("a"))
    store.create_workflow("wf", "{}", {}, 3.0, replace=True)
    assert store.workflow("wf").started_at == 3.0 and store.nodes("wf") == {}


def test_phase_message_and_end(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    store.set_workflow("wf", Phase.FAILED, "child 'x' failed", 5.0)
    store.set_workflow("wf", Phase.FAILED, "again")          # no end time: the old one stays
    row = store.workflow("wf")
    assert (row.phase, row.message, row.finished_at) == (Phase.FAILED, "again", 5.0)


def test_one_heartbeat_and_the_options(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    store.set_runner("wf", pid=4242, heartbeat=50.0)
    assert (store.workflow("wf").runner_pid, store.workflow("wf").heartbeat) == (4242, 50.0)
    store.set_runner("wf", pid=None)
    row = store.workflow("wf")
    assert row.runner_pid is None and row.heartbeat is not None and row.heartbeat > 50.0
    store.set_options("wf", {"secrets": ["/x.yaml"], "parallelism": 2})
    assert store.workflow("wf").options == {"secrets": ["/x.yaml"], "parallelism": 2}


def test_list_is_newest_first_without_plans(store):
    store.create_workflow("first", "{}", {}, 1.0)
    store.create_workflow("second", "{}", {}, 2.0)
    listed = store.list_workflows()
    assert [r.name for r in listed] == ["second", "first"]
    assert all(r.plan_json is None for r in listed)


def test_nodes_round_trip_in_first_saved_order(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    store.save_node("wf", node("b"))
    store.save_node("wf", node("a", Phase.SUCCEEDED, outputs=Outputs(result="hi", exit_code="0"),
                               started_at=2.0, finished_at=3.0, pod_name="wf-a-1"))
    store.save_node("wf", node("b", Phase.FAILED, message="boom"))
    nodes = store.nodes("wf")
    assert list(nodes) == ["b", "a"]
    assert (nodes["b"].phase, nodes["b"].message) == (Phase.FAILED, "boom")
    a = store.node("wf", "a")
    assert a is not None and a.phase is Phase.SUCCEEDED and a.type is NodeType.POD
    assert (a.outputs.result, a.outputs.exit_code, a.pod_name) == ("hi", "0", "wf-a-1")
    assert store.node("wf", "zz") is None


def test_a_saved_node_is_a_copy(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    n = node("a")
    store.save_node("wf", n)
    n.phase = Phase.SUCCEEDED                  # changed after saving: not stored until saved
    assert store.node("wf", "a").phase is Phase.RUNNING


def test_events_are_numbered_per_run(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    store.create_workflow("other", "{}", {}, 1.0)
    store.event("wf", None, "started", "go")
    store.event("wf", "a", "failed", "boom")
    store.event("other", None, "started", "")
    assert [(e["seq"], e["node_id"], e["kind"], e["message"]) for e in store.events("wf")] == \
        [(1, None, "started", "go"), (2, "a", "failed", "boom")]
    assert [e["seq"] for e in store.events("other")] == [1]


def test_batch_groups_writes(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    with store.batch():
        with store.batch():                    # nested batches are one
            store.save_node("wf", node("a"))
        store.save_node("wf", node("b"))
    assert list(store.nodes("wf")) == ["a", "b"]


def test_logs_live_in_a_folder_of_the_run(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    path = store.log_path("wf", "wf-a/../x", "main")
    assert path.parent.is_dir() and ".." not in path.relative_to(path.parent.parent).parts
    path.write_text("hello\n")
    assert store.log_path("wf", "wf-a/../x", "main").read_text() == "hello\n"


def test_delete_removes_the_run(store):
    store.create_workflow("wf", "{}", {}, 1.0)
    store.save_node("wf", node("a"))
    store.event("wf", None, "started", "")
    log = store.log_path("wf", "wf-a")
    log.write_text("x")
    store.delete("wf")
    assert store.workflow("wf") is None and store.nodes("wf") == {} and store.events("wf") == []
    assert not log.exists()
    assert store.has_room()


@pytest.mark.parametrize("bad", ["../up", "a/b", ".", ""])
def test_names_that_are_not_folder_names_are_refused(store, bad):
    with pytest.raises(ValueError):
        store.create_workflow(bad, "{}", {}, 1.0)
