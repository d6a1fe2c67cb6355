"""plait's local runtime: `run(plan)` executes a checked plan with Argo's semantics.

`run(plan, backend=None, *, store=None, home=None, secrets=None, images=None,
parallelism=None, on_change=None, stop_event=None, mode="new") -> RunResult`. Without a backend
the local one runs the pods (sandboxed processes); without a store the SQLite store under `home`
(default `plait_home()`) records the run. `mode="resume"` continues a stored run whose runner
was lost (succeeded nodes are not run again), `mode="retry"` re-runs its failed nodes (Argo's
`argo retry`); see `Engine.run`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

from .engine import Engine, MemoryStore, RunResult
from .types import Node, NodeType, Outputs, Phase


async def run_async(plan: Any, backend: Any = None, *, store: Any = None,
                    home: Path | None = None, secrets: Any = None, images: Any = None,
                    parallelism: int | None = None,
                    on_change: Callable[[Node], None] | None = None,
                    stop_event: Any = None, sandbox: str = "auto",
                    engine_ready: Callable[[Engine], None] | None = None,
                    mode: str = "new", ro_binds: tuple[str, ...] = ()) -> RunResult:
    """`run` for callers already inside an event loop. `ro_binds`: host folders the local
    backend binds read-only into every pod (`runtime.pyscripts`)."""
    own_backend = backend is None
    if home is None and (store is None or backend is None):
        from .home import ensure_home
        home = ensure_home()
    if store is None:
        from .store import Store
        store = Store.at(Path(home))
    if backend is None:
        from .backends import get_backend
        backend = get_backend("local", home=Path(home), secrets=secrets, images=images,
                              sandbox=sandbox, parallelism=parallelism, ro_binds=tuple(ro_binds))
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


def run(plan: Any, backend: Any = None, **options: Any) -> RunResult:
    """Run `plan` to completion (see `run_async` for the options)."""
    return asyncio.run(run_async(plan, backend, **options))


__all__ = ["Engine", "MemoryStore", "Node", "NodeType", "Outputs", "Phase", "RunResult", "run",
           "run_async"]
