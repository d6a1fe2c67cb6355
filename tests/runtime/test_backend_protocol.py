"""The backend interface is stated, not probed (issue #9): every feature the engine uses of a
backend or a started pod is a member of `runtime.types.Backend` / `PodHandle`, and no runtime
module asks `getattr(x, "<member>", default)` or `hasattr(x, "<member>")` of one. The runs below
drive those members through the engine with the in-memory FakeBackend."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from plait.runtime import MemoryStore, run
from plait.runtime.backends.local import LocalBackend
from plait.runtime.leaves import RESOURCE_ELSEWHERE
from plait.runtime.types import Backend, Phase, PodHandle

from ..helpers import HEADER
from ..helpers import compile_text as plan_of
from .fakes import Behaviour, FakeBackend, FakeHandle, FakePod

ROOT = Path(__file__).resolve().parents[2]


def members(protocol: type) -> set[str]:
    """A protocol's members: its annotated attributes, methods and properties."""
    return {n for n in vars(protocol) if not n.startswith("_")} | set(protocol.__annotations__)


STATED = members(Backend) | members(PodHandle)


def probes(folder: Path) -> list[str]:
    """`getattr(x, "m", ...)` / `hasattr(x, "m")` where `m` is a Backend or PodHandle member."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr") and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value in STATED):
                found.append(f"{path.relative_to(folder.parent)}:{node.lineno} "
                             f"{node.func.id}(..., {node.args[1].value!r})")
    return found


def test_the_protocols_state_the_features_the_engine_uses():
    assert {"name", "sandbox", "engine_name", "unenforced", "options", "run_resource",
            "start", "close"} <= members(Backend)
    assert {"ip", "on_pending", "ready", "wait", "kill", "cleanup"} <= members(PodHandle)


def test_no_runtime_module_probes_a_backend_or_a_pod_handle():
    """A feature a backend may lack is a protocol member with a neutral value (None, empty):
    state it there and implement it on every backend instead of probing for it."""
    assert probes(ROOT / "runtime") == []


def test_the_probe_scan_finds_a_planted_probe(tmp_path):
    folder = tmp_path / "runtime"
    folder.mkdir()
    (folder / "planted.py").write_text(
        'def f(engine, handle, args):\n'
        '    if hasattr(handle, "on_pending"):\n'
        '        return getattr(engine.backend, "run_resource", None)\n'
        '    return getattr(args, "verbose", False)\n', encoding="utf-8")
    assert probes(folder) == ["runtime/planted.py:2 hasattr(..., 'on_pending')",
                              "runtime/planted.py:3 getattr(..., 'run_resource')"]


ONE_POD = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox, command: [sh, -c], args: ["echo hi"]}
"""


def test_a_run_records_what_its_backend_states(tmp_path):
    """The run's options hold the backend's name, sandbox, engine, unenforced limits and the
    options that reach its pods again: each read from the protocol, absent where neutral."""

    class Stated(FakeBackend):
        name = "stating"
        sandbox = "box"
        engine_name = "podman"
        options = {"context": "ctx", "namespace": "ns"}

        def __init__(self) -> None:
            super().__init__()
            self.unenforced = ["limits.cpu"]

    store = MemoryStore(tmp_path / "logs")
    assert run(plan_of(tmp_path, ONE_POD), Stated(), store=store, home=tmp_path).phase \
        is Phase.SUCCEEDED
    options = store.workflow("wf").options
    assert {k: options.get(k) for k in ("backend", "sandbox", "engine", "limits_not_enforced",
                                        "backend_options")} == {
        "backend": "stating", "sandbox": "box", "engine": "podman",
        "limits_not_enforced": ["limits.cpu"],
        "backend_options": {"context": "ctx", "namespace": "ns"}}

    neutral = MemoryStore(tmp_path / "logs2")
    run(plan_of(tmp_path, ONE_POD), FakeBackend(), store=neutral, home=tmp_path)
    options = neutral.workflow("wf").options
    assert options["backend"] == "fake" and options["sandbox"] is None
    assert options["limits_not_enforced"] == []
    assert "engine" not in options and "backend_options" not in options


def test_the_local_backend_states_every_feature_with_its_neutral_value(tmp_path):
    be = LocalBackend(tmp_path, sandbox="none")
    try:
        assert (be.name, be.sandbox, be.engine_name, list(be.unenforced), be.options,
                be.run_resource) == ("local", "none", None, [], None, None)
    finally:
        asyncio.run(be.close())


def test_a_resource_template_on_a_backend_without_run_resource_names_the_backend(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    resource:
      action: create
      manifest: |
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: x}
"""
    r = run(plan_of(tmp_path, text), FakeBackend(), store=MemoryStore(tmp_path / "logs"),
            home=tmp_path)
    assert r.phase is Phase.ERROR
    assert r.nodes["wf"].message == RESOURCE_ELSEWHERE.format("fake")


class Waiting(FakeHandle):
    """A pod that first waits on something outside plait, as a cluster's may."""

    async def wait(self):
        assert self.on_pending is not None          # the engine set it on every handle
        self.on_pending('ImagePullBackOff: Back-off pulling image "nosuch:1"')
        self.on_pending(None)
        return await super().wait()


class WaitingBackend(FakeBackend):
    async def start(self, manifest, log):
        pod = FakePod(manifest)
        self.pods.append(pod)
        handle = Waiting(self, pod, self.behaviour(pod), log)
        self.handles.append(handle)
        return handle


def test_a_pod_handle_reports_pending_through_on_pending(tmp_path):
    seen = []
    r = run(plan_of(tmp_path, ONE_POD), WaitingBackend(), store=MemoryStore(tmp_path / "logs"),
            home=tmp_path, on_change=lambda n: seen.append((n.phase, n.message)))
    assert r.phase is Phase.SUCCEEDED
    pending = (Phase.PENDING, 'ImagePullBackOff: Back-off pulling image "nosuch:1"')
    assert pending in seen
    assert (Phase.RUNNING, "") in seen[seen.index(pending) + 1:]    # None: it runs now


class SlowToStart(FakeBackend):
    """A backend whose pod is created although the start was cancelled (the API answered)."""

    async def start(self, manifest, log):
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            pass
        return await super().start(manifest, log)


def test_a_pod_started_after_its_pending_timeout_is_killed(tmp_path):
    text = HEADER + """\
  entrypoint: main
  templates:
  - name: main
    pendingTimeout: 0.1s
    container: {image: busybox, command: [sh, -c], args: ["echo"]}
"""
    be = SlowToStart(default=Behaviour(delay=30))
    r = run(plan_of(tmp_path, text), be, store=MemoryStore(tmp_path / "logs"), home=tmp_path)
    assert r.phase is Phase.FAILED
    assert r.nodes["wf"].message.startswith("Pod was pending longer than pendingTimeout")
    assert be.killed == ["wf"]
