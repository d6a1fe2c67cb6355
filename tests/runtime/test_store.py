"""The run store: node round-trips, commit-before-return, batches, several writing processes,
deletion of a run's files, and the plait home's location."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from plait.runtime.home import plait_home
from plait.runtime.secrets import SecretStore
from plait.runtime.store import Store, WorkflowExists
from plait.runtime.types import Node, NodeType, Outputs, Phase


def make_node(i: int, **changes) -> Node:
    node = Node(id=f"wf-{i}", name=f"wf[0].step-{i}", display_name=f"step-{i}",
                type=NodeType.POD, template_name="echo", phase=Phase.RUNNING,
                message="", started_at=1700000000.25 + i, finished_at=None,
                outputs=Outputs(parameters=[{"name": "p", "value": f"v{i}"}], result="hi",
                                exit_code="0", artifacts=[{"name": "a", "key": "wf/p/a.tgz"}]),
                children=[f"wf-{i + 1}"], parent="wf", pod_name=f"wf-echo-{i}",
                boundary_id="wf", inputs={"parameters": [{"name": "x", "value": "1"}]},
                retries=None)
    for key, value in changes.items():
        setattr(node, key, value)
    return node


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store.at(tmp_path / "home")
    s.create_workflow("wf", '{"planVersion": 1}', {"message": "hi"}, 1700000000.0)
    return s


def test_nodes_round_trip_exactly(store):
    saved = [make_node(0), make_node(1, type=NodeType.STEPS, phase=Phase.SUCCEEDED,
                                     outputs=Outputs(), inputs={}, children=[], parent=None,
                                     pod_name=None, template_name=None, retries=2,
                                     finished_at=1700000009.5, message="done")]
    for node in saved:
        store.save_node("wf", node)
    got = store.nodes("wf")
    assert list(got) == ["wf-0", "wf-1"]
    assert list(got.values()) == saved
    assert isinstance(got["wf-1"].phase, Phase) and isinstance(got["wf-1"].type, NodeType)
    assert isinstance(got["wf-0"].outputs, Outputs)
    assert store.node("wf", "wf-1") == saved[1]
    assert store.node("wf", "nope") is None


def test_upsert_updates_and_keeps_first_order(store):
    store.save_node("wf", make_node(0))
    store.save_node("wf", make_node(1))
    store.save_node("wf", make_node(0, phase=Phase.FAILED, message="main: Error (exit code 1)"))
    got = store.nodes("wf")
    assert list(got) == ["wf-0", "wf-1"]
    assert got["wf-0"].phase is Phase.FAILED
    assert got["wf-0"].message == "main: Error (exit code 1)"


def test_save_node_is_committed_before_it_returns(store, tmp_path):
    other = Store.at(tmp_path / "home")          # a second connection, as another process
    store.save_node("wf", make_node(0))
    assert other.node("wf", "wf-0") == make_node(0)


def test_batch_groups_writes_into_one_transaction(store, tmp_path):
    other = Store.at(tmp_path / "home")
    with store.batch():
        for i in range(5):
            store.save_node("wf", make_node(i))
        store.event("wf", "wf-0", "started", "in a batch")
        with store.batch():                       # nested: joins the outer transaction
            store.save_node("wf", make_node(5))
        assert other.nodes("wf") == {}            # not visible until the block ends
    assert len(other.nodes("wf")) == 6
    assert [e["message"] for e in other.events("wf")] == ["in a batch"]


def test_batch_commits_what_it_saved_when_the_body_raises(store):
    with pytest.raises(RuntimeError):
        with store.batch():
            store.save_node("wf", make_node(0))
            raise RuntimeError("engine bug")
    assert list(store.nodes("wf")) == ["wf-0"]
    store.save_node("wf", make_node(1))           # the store is usable afterwards
    assert len(store.nodes("wf")) == 2


def test_workflow_rows(tmp_path):
    store = Store.at(tmp_path)
    store.create_workflow("first", {"planVersion": 1}, {"n": "1"}, 100.0)
    store.create_workflow("second", "{}", {}, 200.0)
    with pytest.raises(WorkflowExists):
        store.create_workflow("first", "{}", {}, 300.0)
    row = store.workflow("first")
    assert row.phase is Phase.RUNNING and row.started_at == 100.0
    assert row.arguments == {"n": "1"} and '"planVersion"' in row.plan_json
    assert row.runner_pid > 0 and row.heartbeat > 0
    store.set_workflow("first", Phase.FAILED, "child 'x' failed", finished_at=150.0)
    store.set_workflow("first", Phase.FAILED, "child 'x' failed")   # keeps finished_at
    row = store.workflow("first")
    assert (row.phase, row.message, row.finished_at) == (Phase.FAILED,
                                                                  "child 'x' failed", 150.0)
    listed = store.list_workflows()
    assert [w.name for w in listed] == ["second", "first"]        # newest first
    assert listed[0].plan_json is None
    assert store.workflow("nope") is None
    store.create_workflow("first", "{}", {}, 400.0, replace=True)
    assert store.workflow("first").phase is Phase.RUNNING


def test_events_are_numbered_per_workflow(store):
    store.create_workflow("other", "{}", {}, 0.0)
    store.event("wf", None, "started", "")
    store.event("other", "o-1", "x", "y")
    store.event("wf", "wf-1", "failed", "boom")
    assert [(e["seq"], e["kind"]) for e in store.events("wf")] == [(1, "started"), (2, "failed")]
    assert [e["seq"] for e in store.events("other")] == [1]


def test_delete_removes_rows_logs_and_artifacts(store, tmp_path):
    home = tmp_path / "home"
    store.save_node("wf", make_node(0))
    store.event("wf", "wf-0", "k", "m")
    log = store.log_path("wf", "wf-echo-0")
    assert log == home / "logs" / "wf" / "wf-echo-0" / "main.log" and log.parent.is_dir()
    log.write_text("hello\n")
    (home / "artifacts" / "wf" / "pod").mkdir(parents=True)
    (home / "artifacts" / "wf" / "pod" / "a.tgz").write_bytes(b"x")
    store.create_workflow("keep", "{}", {}, 0.0)
    store.log_path("keep", "p").write_text("kept\n")
    store.delete("wf")
    assert store.workflow("wf") is None and store.nodes("wf") == {} and store.events("wf") == []
    assert not (home / "logs" / "wf").exists() and not (home / "artifacts" / "wf").exists()
    assert store.log_path("keep", "p").read_text() == "kept\n"


@pytest.mark.parametrize("name", ["..", ".", "a/b", "/abs", "", "../x"])
def test_workflow_names_that_would_climb_out_are_refused(store, name):
    with pytest.raises(ValueError):
        store.log_path(name, "pod")
    with pytest.raises(ValueError):
        store.delete(name)
    with pytest.raises(ValueError):
        store.create_workflow(name, "{}", {}, 0.0)


@pytest.mark.parametrize("pod, folder", [
    ("wf-main/a:inline-881289995", "wf-main_a_inline-881289995"),
    ("..", "_.."), (".hidden", "_.hidden"), ("", "_"), ("../../etc", "_.._.._etc"),
])
def test_pod_names_become_one_folder_inside_the_logs(store, tmp_path, pod, folder):
    path = store.log_path("wf", pod, container="../c")
    assert path == tmp_path / "home" / "logs" / "wf" / folder / "_.._c.log"
    assert path.parent.is_dir()


def test_masked_text_stays_masked_through_the_store(store, tmp_path):
    secrets = SecretStore()
    secrets.add_secret("db", {"password": "hunter2-s3cret"})
    message = secrets.mask("login failed for password hunter2-s3cret")
    store.save_node("wf", make_node(0, message=message,
                                    outputs=Outputs(result=secrets.mask("hunter2-s3cret\n"))))
    store.event("wf", "wf-0", "log", secrets.mask("echo hunter2-s3cret"))
    store.set_workflow("wf", Phase.FAILED, message)
    node = store.nodes("wf")["wf-0"]
    assert node.message == "login failed for password ***" and node.outputs.result == "***\n"
    assert store.events("wf")[0]["message"] == "echo ***"
    store.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "home").glob("plait.db*"))
    assert b"hunter2-s3cret" not in raw and b"***" in raw


# -- several processes ----------------------------------------------------------------------

def _writer(path: str, index: int, barrier, count: int) -> None:
    barrier.wait()                               # all open a fresh file at the same moment
    store = Store(Path(path))
    wf = f"wf-{index}"
    store.create_workflow(wf, "{}", {"i": index}, time.time())
    for i in range(count):
        store.save_node(wf, make_node(i, phase=Phase.RUNNING))
        store.save_node("shared", make_node(index * 1000 + i))
        if i % 10 == 0:
            with store.batch():
                store.save_node(wf, make_node(i, phase=Phase.SUCCEEDED))
                store.event(wf, f"wf-{i}", "done", "")
                store.event("shared", None, "tick", str(index))
    store.set_workflow(wf, Phase.SUCCEEDED, "")


def test_ten_processes_write_at_once(tmp_path):
    ctx = multiprocessing.get_context("fork")
    path = tmp_path / "plait.db"
    barrier = ctx.Barrier(10)
    count = 60
    procs = [ctx.Process(target=_writer, args=(str(path), i, barrier, count)) for i in range(10)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 10
    store = Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert len(store.list_workflows()) == 10
    assert all(w.phase is Phase.SUCCEEDED for w in store.list_workflows())
    assert len(store.nodes("shared")) == 10 * count
    assert [e["seq"] for e in store.events("shared")] == list(range(1, 10 * (count // 10) + 1))
    for i in range(10):
        nodes = store.nodes(f"wf-{i}")
        assert len(nodes) == count
        assert nodes["wf-0"].phase is Phase.SUCCEEDED


def _use_inherited(store: Store, queue) -> None:
    store.save_node("wf", make_node(7))           # the child re-opens its own connection
    queue.put(len(store.nodes("wf")))


def test_a_store_inherited_across_fork_reconnects(store):
    store.save_node("wf", make_node(0))
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_use_inherited, args=(store, queue))
    child.start()
    child.join(30)
    assert child.exitcode == 0 and queue.get(timeout=5) == 2
    assert len(store.nodes("wf")) == 2            # the parent's connection still works


# -- home -----------------------------------------------------------------------------------

def test_plait_home_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PLAIT_HOME", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert plait_home() == tmp_path / ".local" / "state" / "plait"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/is/ignored")
    assert plait_home() == tmp_path / ".local" / "state" / "plait"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert plait_home() == tmp_path / "state" / "plait"
    monkeypatch.setenv("PLAIT_HOME", str(tmp_path / "ph"))
    assert plait_home() == tmp_path / "ph"
