"""plait's local runtime: `run(plan)` executes a checked plan with Argo's semantics.

`run(plan, backend=None, *, store=None, home=None, secrets=None, images=None,
parallelism=None, on_change=None, stop_event=None, mode="new", keep_pods=False) -> RunResult`. Without a backend
the local one runs the pods (sandboxed processes); without a store the SQLite store under `home`
(default `plait_home()`) records the run. `mode="resume"` continues a stored run whose runner
was lost (succeeded nodes are not run again), `mode="retry"` re-runs its failed nodes (Argo's
`argo retry`); see `Engine.run`. `keep_pods=True` keeps each pod's folder (scratch, raw output
files) after it ended, for debugging.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from plait.compiler.plan import Plan

from .backends import get_backend
from .engine import Engine, MemoryStore, RunResult
from .home import ensure_home
from .store import Store
from .types import Backend, Node, NodeType, Outputs, Phase


async def run_async(plan: Plan, backend: Backend | str | None = None, *, store: Any = None,
                    home: Path | None = None, secrets: Any = None, images: Any = None,
                    parallelism: int | None = None,
                    on_change: Callable[[Node], None] | None = None,
                    stop_event: Any = None, sandbox: str | None = None,
                    pass_env: Sequence[str] = (),
                    engine_ready: Callable[[Engine], None] | None = None,
                    mode: str = "new", keep_pods: bool = False,
                    ro_binds: tuple[str, ...] = (), backend_name: str = "local",
                    engine: Any = None,
                    backend_options: dict[str, Any] | None = None) -> RunResult:
    """`run` for callers already inside an event loop. `ro_binds`: host folders the local
    backend binds read-only into every pod (`runtime.pyscripts`). `backend_name="container"`
    runs the pods as containers through `engine` (podman or docker, a name or an
    `EngineCLI`; None: the first that answers); `"kubernetes"` as Pods on a cluster, built
    with `backend_options` (see `KubernetesBackend`). `backend` may also be a backend's name."""
    if isinstance(backend, str):
        backend_name, backend = backend, None
    own_backend = backend is None
    plan = plan.named()             # a compiled plan may keep generateName: name this run
    if store is None or backend is None:
        if home is None:
            home = ensure_home()
        if store is None:
            store = Store.at(Path(home))
        if backend is None:
            if backend_name == "kubernetes":
                backend = get_backend("kubernetes", home=Path(home), images=images,
                                      keep_pods=keep_pods, **(backend_options or {}))
            elif backend_name == "container":
                backend = get_backend("container", home=Path(home), secrets=secrets,
                                      engine=engine, parallelism=parallelism, pass_env=pass_env,
                                      keep_pods=keep_pods)
            else:
                backend = get_backend(backend_name, home=Path(home), secrets=secrets,
                                      images=images, sandbox=sandbox, parallelism=parallelism,
                                      pass_env=pass_env, keep_pods=keep_pods,
                                      ro_binds=tuple(ro_binds))
    if backend.name != "local":
        on_change = _recording_backend(store, plan, backend, on_change)
    engine = Engine(plan, backend, store=store, home=home, secrets=secrets,
                    parallelism=parallelism, on_change=on_change, stop_event=stop_event,
                    mode=mode)
    if engine_ready is not None:
        engine_ready(engine)
    try:
        return await engine.run()
    finally:
        if own_backend:
            await backend.close()
        _record_isolation(store, plan, backend)


def _recording_backend(store: Any, plan: Any, backend: Backend,
                       on_change: Callable[[Node], None] | None) -> Callable[[Node], None]:
    """`on_change` that first records the run's backend in its options (at its first node, when
    the run's row exists), so `plait resume` and `plait delete` of a run whose `plait run` was
    killed still know where its pods ran."""
    recorded: list[bool] = []

    def changed(node: Node) -> None:
        if not recorded:
            recorded.append(True)
            _record_isolation(store, plan, backend)
        if on_change is not None:
            on_change(node)
    return changed


def _record_isolation(store: Any, plan: Any, backend: Backend) -> None:
    """Keep in the run's options how its pods were isolated (`plait get` shows it): the
    sandbox mode and the limits the backend could not enforce."""
    try:
        row = store.workflow(plan.name)
        if row is None:
            return
        options = dict(row.options or {})
        options["sandbox"] = backend.sandbox
        options["backend"] = backend.name
        if backend.engine_name is not None:
            options["engine"] = backend.engine_name
        options["limits_not_enforced"] = list(backend.unenforced)
        if backend.options is not None:          # `plait delete` reaches its Pods
            options["backend_options"] = backend.options
        store.set_options(plan.name, options)
    except Exception as exc:     # a store that fails now must not hide how the run ended
        logging.getLogger("plait.runtime").warning("could not record the run's isolation: %s", exc)


def run(plan: Plan, backend: Any = None, **options: Any) -> RunResult:
    """Run `plan` to completion (see `run_async` for the options)."""
    return asyncio.run(run_async(plan, backend, **options))


__all__ = ["Engine", "MemoryStore", "Node", "NodeType", "Outputs", "Phase", "RunResult", "run",
           "run_async"]
