"""The detached runner: `python -m runtime.runner NAME [--mode new|resume|retry]`.

One process per workflow, started by `plait submit`, `retry` and `resume` (`runtime.runs.
start_runner`). It reads the plan and the run options (`options_json`: file paths and settings,
never a secret value) from the store, builds the backend as `plait run` does, and runs the
engine. Signals are Argo's verbs: SIGTERM stops (exit handlers run), SIGUSR2 terminates (they
don't), SIGUSR1 resumes suspended nodes (`runtime/control.py` defines the protocol). While it
runs the engine records its pid and a heartbeat (`runtime/heartbeat.py`), so `plait list`
notices a runner that died.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from typing import Any, Sequence

from plait.compiler.plancodec import read_plan

from . import run as run_plan
from .backends.engine_cli import EngineError, NoEngine
from .control import RESUME_SIGNAL, RUNNER_SIGNALS
from .home import ensure_home
from .images import ImageTable, ImageTableError
from .reserve import DiskFull
from .secrets import SecretsError, SecretStore
from .store import Store
from .types import Phase

_VERBS = RUNNER_SIGNALS      # the signal protocol (runtime/control.py)
_early: list[int] = []        # signals that came before the engine was there


def _remember(signum: int, frame: Any) -> None:
    _early.append(signum)


def _install_signals(engine: Any) -> None:
    """Argo's verbs as signals, handled inside the engine's event loop; a stop or terminate
    that came while the runner was starting is applied now."""
    loop = asyncio.get_running_loop()
    for signum, verb in _VERBS.items():
        handler = getattr(engine, verb, None)
        if handler is not None:
            loop.add_signal_handler(signum, handler)
    for signum in _early:
        if signum != RESUME_SIGNAL:
            getattr(engine, _VERBS[signum])()
    _early.clear()


def run_workflow(wf: str, mode: str = "new") -> int:
    """Run the stored workflow `wf` to its end; 0 if it Succeeded, 1 otherwise, 2 if the store
    has no such workflow."""
    for signum in _VERBS:
        signal.signal(signum, _remember)
    # start_runner started this process with them blocked: one that came while Python was
    # starting is delivered now, to _remember
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(_VERBS))
    home = ensure_home()
    store = Store.at(home)
    row = store.workflow(wf)
    if row is None:
        print(f"plait runner: no workflow named {wf!r}", file=sys.stderr)
        return 2
    options = row.options
    if mode == "new":
        # `plait submit` recorded the row (Pending, no nodes): the engine continues that row,
        # which with nothing stored is a fresh run.
        if store.nodes(wf):
            print(f"plait runner: workflow {wf!r} has already run (use --mode resume)",
                  file=sys.stderr)
            return 2
        mode = "resume"
    try:
        plan = read_plan(row.plan_json or "")
        secrets = SecretStore.load(options.get("secrets") or [], options.get("configmaps") or [])
        images = ImageTable.load(options.get("images"))
    except (SecretsError, ImageTableError, ValueError, TypeError, OSError) as exc:
        store.set_workflow(wf, Phase.ERROR, f"the runner cannot start: {exc}", time.time())
        print(f"plait runner: {exc}", file=sys.stderr)
        return 1
    try:      # the engine records the run's heartbeat (runtime/heartbeat.py)
        result = run_plan(plan, store=store, home=home, secrets=secrets, images=images,
                             parallelism=options.get("parallelism"),
                             sandbox=options.get("sandbox") or "auto",
                             pass_env=options.get("pass_env") or (),
                             engine_ready=_install_signals, mode=mode,
                             keep_pods=bool(options.get("keep_pods")),
                             ro_binds=tuple(options.get("ro_binds") or ()),
                             backend_name=options.get("backend") or "local",
                             engine=options.get("engine"),
                             backend_options=options.get("backend_options"))
    except DiskFull as exc:     # not even the run's end could be recorded
        print(f"plait runner: {exc}", file=sys.stderr)
        return 1
    except (NoEngine, EngineError) as exc:      # the container engine is gone or refuses
        store.set_workflow(wf, Phase.ERROR, f"the runner cannot start: {exc}", time.time())
        print(f"plait runner: {exc}", file=sys.stderr)
        return 1
    return 0 if result.phase is Phase.SUCCEEDED else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runtime.runner",
                                     description="run one stored workflow (started by plait submit)")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--mode", choices=("new", "resume", "retry"), default="new")
    args = parser.parse_args(argv)
    return run_workflow(args.name, args.mode)


if __name__ == "__main__":
    sys.exit(main())
