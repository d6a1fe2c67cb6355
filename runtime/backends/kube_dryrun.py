"""`plait run --backend kubernetes --dry-run`: the objects the first ready nodes would create.

The engine walks the plan as for a real run, against a backend that translates each Pod
manifest (`kube_manifest.translate`) and records it instead of sending it; its pods never end.
Once the walk is quiet (every node that can start without another's outputs has asked for its
pod), the run is terminated and the recorded objects are returned, Secrets before the Pods
that mount them. No cluster is contacted.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any, Callable

from plait.compiler.plan import Plan
from plait.runtime.engine import Engine
from plait.runtime.memstore import MemoryStore
from plait.runtime.types import LogSink, Phase, PodResult, ResourceRunner

from .kube_manifest import DEFAULT_EXECUTOR_IMAGE, translate

QUIET_SPINS = 200        # event-loop turns without a new pod before the walk counts as quiet


class _Held:
    """A pod that never ends until killed."""

    ip: str | None = None

    def __init__(self) -> None:
        self._killed = asyncio.Event()
        self.on_pending: Callable[[str | None], None] | None = None     # never pending

    async def ready(self) -> None:
        return None

    async def wait(self) -> PodResult:
        await self._killed.wait()
        return PodResult(Phase.FAILED, None, "dry run")

    async def kill(self, reason: str) -> None:
        self._killed.set()

    def cleanup(self) -> None:
        return None


class _Recorder:
    """A `runtime.types.Backend` that records each pod's objects and starts nothing."""

    name = "kubernetes"
    sandbox: str | None = None
    engine_name: str | None = None
    unenforced: tuple[str, ...] = ()
    options: dict[str, Any] | None = None
    run_resource: ResourceRunner | None = None     # a dry run creates no objects

    def __init__(self, namespace: str, executor_image: str, images: Any) -> None:
        self.namespace, self.executor_image, self.images = namespace, executor_image, images
        self.documents: list[dict[str, Any]] = []
        self.errors: list[str] = []

    async def start(self, manifest: dict[str, Any], log: LogSink) -> _Held:
        objects = translate(manifest, namespace=self.namespace,
                            executor_image=self.executor_image, entrypoints=self.images)
        self.documents.extend(objects.documents())
        return _Held()

    async def close(self) -> None:
        return None


async def _first_objects(plan: Any, recorder: _Recorder, home: Path, secrets: Any) -> None:
    engine = Engine(plan, recorder, store=MemoryStore(), home=home, secrets=secrets)
    task = asyncio.ensure_future(engine.run())
    seen, quiet = -1, 0
    while not task.done() and quiet < QUIET_SPINS:
        await asyncio.sleep(0)
        quiet = quiet + 1 if len(recorder.documents) == seen else 0
        seen = len(recorder.documents)
    engine.terminate()
    result = await task
    for node in result.nodes.values():      # a pod that could not be built: say why
        if node.phase is Phase.ERROR and node.pod_name and node.message:
            recorder.errors.append(f"{node.name}: {node.message}")


def first_objects(plan: Plan, *, namespace: str = "default",
                  executor_image: str = DEFAULT_EXECUTOR_IMAGE, images: Any = None,
                  secrets: Any = None) -> tuple[list[dict[str, Any]], list[str]]:
    """(the Secrets and Pods the first ready nodes would create, the errors of nodes whose
    pod could not be built)."""
    recorder = _Recorder(namespace, executor_image, images)
    with tempfile.TemporaryDirectory(prefix="plait-dry-run-") as home:
        asyncio.run(_first_objects(plan.named(),
                                   recorder, Path(home), secrets))
    return recorder.documents, recorder.errors


__all__ = ["first_objects"]
