"""plait's runtime overhead against a bare asyncio runner that starts the same processes.

    python bench/run_overhead.py                 # all five workloads
    python bench/run_overhead.py wide chain      # some of them
    python bench/run_overhead.py container       # the container backend's only
    python bench/run_overhead.py --parallelism 2 # the cap for wide/chain/layers (default 4 x cores)

Workloads (issue #4): `wide` 1,000 independent trivial steps; `chain` 300 steps one after the
other; `layers` 50 layers x 20, each step depending on all 20 of the layer before; `sleep` 40
steps of `sleep 0.5` at parallelism 8 (floor 2.5 s). Each runs twice, each time in a fresh
process (so peak memory is its own): by `runtime.run` on the local backend, and by the bare
runner below, which builds every step's argv with the local backend's own sandbox code
(`_Box.sandbox_argv`: the same bubblewrap command, or the bare command without bubblewrap),
starts it the same way (own session, stdout/stderr piped and drained) under the same cap, and
does nothing else. The ratio is therefore plait's own cost: engine, plan walking, pod
manifests, store commits, logs. Budgets: within 1.5x on the first three, and the sleep
workload within 10% of 2.5 s.

Workload `container` (issue #14): 200 independent pods printing `hello` at parallelism 4 on the
container backend (podman or docker, busybox image), against a bare asyncio loop that makes the
engine calls such a pod needs, which are the calls plait makes for it (traced with a logging
`podman` on PATH), and nothing else: podman `pod create` on the workflow's network, `pod
start`, `run` attached in the pod (stdout/stderr drained, its exit code the run's), `pod rm -f` once the slot
is free; docker `run` on the network and `rm -f`. Both check the image once and create and
remove the workflow's network. Budget: within 1.3x. The engine runs with the test suite's
containers.conf and busybox image (tests/containers.py builds it if missing); with no working
engine the workload is skipped, saying why.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKLOADS = ("wide", "chain", "layers", "sleep", "container")
BUDGETS = {"wide": 1.5, "chain": 1.5, "layers": 1.5, "container": 1.3}


def graph(workload: str) -> tuple[dict[str, list[str]], list[str], int | None]:
    """(task -> dependencies, the command of every task, a fixed parallelism or None)."""
    if workload == "wide":
        return {f"t{i}": [] for i in range(1000)}, ["true"], None
    if workload == "chain":
        return {f"t{i}": ([f"t{i - 1}"] if i else []) for i in range(300)}, ["true"], None
    if workload == "layers":
        deps = {}
        for layer in range(50):
            for j in range(20):
                deps[f"l{layer}x{j}"] = [f"l{layer - 1}x{k}" for k in range(20)] if layer else []
        return deps, ["true"], None
    if workload == "sleep":
        return {f"s{i}": [] for i in range(40)}, ["sleep", "0.5"], 8
    if workload == "container":
        return {f"c{i}": [] for i in range(200)}, ["echo", "hello"], 4
    raise SystemExit(f"unknown workload {workload!r} (one of {', '.join(WORKLOADS)})")


def workflow_yaml(workload: str) -> str:
    deps, command, _ = graph(workload)
    lines = ["apiVersion: argoproj.io/v1alpha1", "kind: Workflow",
             f"metadata:\n  name: bench-{workload}", "spec:", "  entrypoint: main", "  templates:",
             "    - name: step", "      container:", "        image: busybox",
             "        imagePullPolicy: Never",          # the image is built here, never pulled
             f"        command: {json.dumps(command)}", "    - name: main", "      dag:",
             "        tasks:"]
    for name, needs in deps.items():
        lines.append(f"          - name: {name}\n            template: step")
        if needs:
            lines.append(f"            dependencies: {json.dumps(needs)}")
    return "\n".join(lines) + "\n"


# -- the bare runner (what "starting each step exactly as the local backend does" costs) ------

async def bare_run(workload: str, home: Path, parallelism: int) -> None:
    from plait.runtime.backends.local import LocalBackend, LocalPod, _Box

    deps, command, fixed = graph(workload)
    backend = LocalBackend(home, parallelism=fixed or parallelism)
    slots = asyncio.Semaphore(fixed or parallelism)
    done: dict[str, asyncio.Future] = {name: asyncio.get_running_loop().create_future() for name in deps}

    async def drain(stream: asyncio.StreamReader) -> None:
        while await stream.read(65536):
            pass

    async def step(name: str) -> None:
        for dep in deps[name]:
            await done[dep]
        async with slots:
            pod_name = f"bench-{name}"
            manifest = {"metadata": {"name": pod_name}, "spec": {"containers": [{"name": "main"}]}}
            box = _Box(LocalPod(backend, manifest, lambda c, line: None), {"name": "main"})
            box.prepare([])  # as the backend does: creates the pod's folders in either mode
            argv = (box.sandbox_argv(pod_name) + ["--"] if backend.bwrap else []) + command
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True, cwd=None if backend.bwrap else str(box.root))
            await asyncio.gather(drain(proc.stdout), drain(proc.stderr))
            if await proc.wait() != 0:
                raise RuntimeError(f"{name} exited {proc.returncode}")
        done[name].set_result(None)

    await asyncio.gather(*(step(name) for name in deps))


# -- the bare container loop (the engine calls of one trivial pod, and nothing else) ---------

async def bare_container_run(home: Path, engine: str) -> None:
    deps, command, parallelism = graph("container")
    slots = asyncio.Semaphore(parallelism or 4)
    network = f"bench-bare-{os.getpid()}"
    labels = ["--label", "bench=run-overhead"]
    podman = engine == "podman"

    async def call(*args: str) -> bytes:
        proc = await asyncio.create_subprocess_exec(
            engine, *args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{engine} {' '.join(args)}: {err.decode(errors='replace')}")
        return out

    async def pod(name: str) -> None:
        async with slots:
            main = f"{name}-main"
            if podman:
                await call("pod", "create", "--name", name, "--infra-name", f"{name}-infra",
                           "--network", network, *labels, "--hostname", name)
                await call("pod", "start", name)
                where = ["--pod", name]
            else:
                where = ["--network", network, "--hostname", name]
            entry = [json.dumps(command), "busybox"] if podman else [command[0], "busybox", *command[1:]]
            out = await call("run", "--name", main, *labels, "--pull", "never", *where,
                             "--entrypoint", *entry)
            if out != b"hello\n":
                raise RuntimeError(f"{name} printed {out!r}")
        await (call("pod", "rm", "-f", name) if podman else call("rm", "-f", main))

    await call("image", "exists", "busybox") if podman else await call("image", "inspect", "busybox")
    await call("network", "create", *labels, network)
    try:
        await asyncio.gather(*(pod(f"bench-bare-{os.getpid()}-{name}") for name in deps))
    finally:
        await call("network", "rm", network)


def use_test_engine() -> str:
    """The engine with the test suite's containers.conf and busybox image (built if missing);
    SystemExit with the reason when no engine answers."""
    from tests import containers

    name = containers.engine()
    if name is None:
        raise SystemExit(containers.why_no_engine())
    os.environ["CONTAINERS_CONF"] = str(containers.containers_conf())
    containers.busybox_image()
    return name


def plait_run(workload: str, home: Path, parallelism: int) -> str:
    from plait import runtime
    from plait.compiler.compile import compile_file

    _, _, fixed = graph(workload)
    source = home / f"{workload}.yaml"
    source.write_text(workflow_yaml(workload), encoding="utf-8")
    plan, diagnostics = compile_file(str(source))
    if plan is None:
        raise SystemExit("\n".join(str(d) for d in diagnostics))
    started = time.perf_counter()
    backend = {"backend_name": "container"} if workload == "container" else {}
    result = runtime.run(plan, home=home, parallelism=fixed or parallelism, **backend)
    elapsed = time.perf_counter() - started
    if result.phase != "Succeeded":
        raise SystemExit(f"plait run of {workload}: {result.phase.value} {result.message}")
    return json.dumps({"seconds": elapsed})


def one(workload: str, runner: str, parallelism: int) -> None:
    """Child process: run one workload with one runner, print {seconds, peak_mb} as JSON."""
    import logging
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="plait-bench-") as tmp:
        home = Path(tmp)
        if runner == "plait":
            seconds = json.loads(plait_run(workload, home, parallelism))["seconds"]
        elif workload == "container":
            engine = use_test_engine()
            started = time.perf_counter()
            asyncio.run(bare_container_run(home, engine))
            seconds = time.perf_counter() - started
        else:
            if sys.version_info < (3, 12):
                from plait.runtime.backends.local import use_pidfd_child_watcher

                async def main() -> None:
                    use_pidfd_child_watcher()     # the same child watcher the backend uses
                    await bare_run(workload, home, parallelism)
            else:
                async def main() -> None:
                    await bare_run(workload, home, parallelism)
            started = time.perf_counter()
            asyncio.run(main())
            seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure(workload: str, runner: str, parallelism: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--one", workload, runner,
                           "--parallelism", str(parallelism)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{runner} {workload} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--parallelism", type=int, default=4 * (os.cpu_count() or 1),
                        help="cap for wide/chain/layers (default: 4 x cores, plait's default)")
    parser.add_argument("--one", nargs=2, metavar=("WORKLOAD", "RUNNER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        one(args.one[0], args.one[1], args.parallelism)
        return 0
    import shutil
    sandbox = "bubblewrap" if shutil.which("bwrap") else "none (bubblewrap not found)"
    print(f"sandbox: {sandbox}; parallelism {args.parallelism} (sleep: 8, container: 4); "
          f"Python {sys.version.split()[0]}")
    print(f"{'workload':<8} {'plait s':>8} {'bare s':>8} {'ratio':>6} {'plait MB':>9} {'bare MB':>8}  budget")
    failed = False
    for workload in args.workloads:
        graph(workload)
        if workload == "container":
            try:
                print(f"container: engine {use_test_engine()}", flush=True)
            except SystemExit as exc:
                print(f"container skipped: {exc}", flush=True)
                continue
        plait = measure(workload, "plait", args.parallelism)
        bare = measure(workload, "bare", args.parallelism)
        ratio = plait["seconds"] / bare["seconds"]
        if workload == "sleep":
            ok = plait["seconds"] <= 2.5 * 1.10
            budget = f"<= 2.75 s: {'ok' if ok else 'OVER'}"
        else:
            ok = ratio <= BUDGETS[workload]
            budget = f"<= {BUDGETS[workload]}x: {'ok' if ok else 'OVER'}"
        failed |= not ok
        print(f"{workload:<8} {plait['seconds']:>8.2f} {bare['seconds']:>8.2f} {ratio:>6.2f} "
              f"{plait['peak_mb']:>9.1f} {bare['peak_mb']:>8.1f}  {budget}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
