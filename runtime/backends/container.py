"""The container backend: every Pod manifest runs as containers of its real images, through the
container engine the user already has (podman, else docker; `engine_cli`).

What it isolates is what the engine isolates: each container sees its image, its volumes and
its declared env (never the host's env beyond `--pass-env`, never $HOME or $PLAIT_HOME, never
the host network unless the pod asks for `hostNetwork`, never `--privileged`). Each workflow
gets a user network of its own (`plait-<workflow>-<home>`), so pods reach a daemon by its pod
IP (`{{steps.X.ip}}`) or name. How one pod runs: `container_pod`; its host folders, volumes
and read-back: `container_files`; the container's engine arguments: `container_spec`.

What a killed runner leaves behind is found again by labels (`plait.dev/workflow`,
`plait.dev/home`): the next runner of the same run (`plait resume`) removes it before its
first pod (the engine runs again what had not succeeded; a succeeded node is never run
again), and `plait delete` removes the run's containers, pods, volumes and network
(`remove_run`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any, Sequence

from plait.runtime.artifacts import ArtifactError, extract
from plait.runtime.outputs import OutputLimits
from plait.runtime.types import LogSink, ResourceRunner

from .container_pod import LABEL_HOME, LABEL_RUN, LABEL_WORKFLOW, ContainerPod, run_label
from .container_spec import TEST_PULL_POLICY_ENV
from .engine_cli import EngineCLI, EngineError, find_engine, probe
from .podkit import launch, relative

logger = logging.getLogger("plait.runtime.container")


def home_label(home: Path) -> str:
    """A short stable id of a plait home: two homes never touch each other's containers."""
    return hashlib.sha256(str(Path(home).resolve()).encode()).hexdigest()[:12]


def network_name(workflow: str, home: Path) -> str:
    return f"plait-{workflow}-{home_label(home)[:8]}"


class ContainerBackend:
    """Runs Pod manifests as containers (`runtime.types.Backend`); see the module docstring.

    `engine`: an `EngineCLI`, `podman`/`docker`, or None for the first that answers
    (`engine_cli.NoEngine` when none does). `keep_pods`: containers, engine pods and pod
    folders stay after the pod (`--keep-pods`)."""

    name = "container"
    sandbox = "container"
    options: dict[str, Any] | None = None       # the run's home and engine reach its pods
    run_resource: ResourceRunner | None = None  # resource templates need a cluster

    def __init__(self, home: Path, secrets: Any = None, engine: Any = None,
                 parallelism: int | None = None, pass_env: Sequence[str] = (),
                 keep_pods: bool = False) -> None:
        self.engine: EngineCLI = engine if isinstance(engine, EngineCLI) else find_engine(engine)
        self.home = Path(home)
        self.home_label = home_label(self.home)
        self.secrets = secrets
        self.keep_pods = keep_pods
        self.limits = OutputLimits.from_env()
        self.parallelism = parallelism or 4 * (os.cpu_count() or 1)
        self.base_env = {k: os.environ[k] for k in pass_env if k in os.environ}
        self.client_env = dict(os.environ)        # the engine client's own configuration
        override = os.environ.get(TEST_PULL_POLICY_ENV)
        self.pull_override = override or None
        self.host_ip = "127.0.0.1"
        self.node_name = socket.gethostname()
        self.unenforced: list[str] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pods: set[ContainerPod] = set()
        self._prepared: dict[str, asyncio.Future] = {}
        self._networks: set[str] = set()
        self._present: set[str] = set()
        self._pulls: dict[str, asyncio.Future] = {}
        self._removals: list[threading.Thread] = []
        self._told_secrets = False

    # -- Backend ----------------------------------------------------------------------------------

    @property
    def engine_name(self) -> str:
        return self.engine.name

    async def start(self, manifest: dict[str, Any], log: LogSink) -> ContainerPod:
        """Start the pod once a slot is free (daemons take none)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.parallelism)
        if (manifest.get("spec") or {}).get("imagePullSecrets") and not self._told_secrets:
            self._told_secrets = True
            logger.warning("imagePullSecrets are not supported by the container backend: the "
                           "%s engine pulls with its own credentials (`%s login`)",
                           self.engine.name, self.engine.name)
        pod = ContainerPod(self, manifest, log)
        await launch(pod, self._slots, self._pods)
        return pod

    async def close(self) -> None:
        """Kill every pod still running; remove what the finished ones left, and the
        workflows' networks (unless `keep_pods`)."""
        pods = list(self._pods)
        await asyncio.gather(*(p.kill("the runner is closing") for p in pods), return_exceptions=True)
        for p in pods:
            p.cleanup()
        for thread in self._removals:
            await asyncio.to_thread(thread.join)
        self._removals.clear()
        if not self.keep_pods:
            for net in sorted(self._networks):
                await self.engine.call("network", "rm", net, check=False)
            self._networks.clear()

    # -- what pods share ----------------------------------------------------------------------------

    def release(self, pod: ContainerPod, slot: bool) -> None:
        if slot and self._slots is not None:
            self._slots.release()

    def forget(self, pod: ContainerPod) -> None:
        self._pods.discard(pod)

    def note_unenforced(self, what: str) -> None:
        if what not in self.unenforced:
            self.unenforced.append(what)
            logger.warning("the container backend cannot enforce %s", what)

    def network(self, workflow: str) -> str:
        return network_name(workflow, self.home)

    async def prepare(self, workflow: str) -> None:
        """Once per workflow: remove what an earlier runner of it left (`plait resume`), then
        make its network."""
        if workflow not in self._prepared:
            self._prepared[workflow] = asyncio.ensure_future(self._prepare(workflow))
        await asyncio.shield(self._prepared[workflow])

    async def _prepare(self, workflow: str) -> None:
        for call in await self._leftovers(workflow):
            await self.engine.call(*call, check=False)
        net = self.network(workflow)
        done = await self.engine.call("network", "create", "--label", f"{LABEL_WORKFLOW}={workflow}",
                                      "--label", f"{LABEL_HOME}={self.home_label}", "--label",
                                      f"{LABEL_RUN}={run_label(self.home_label, workflow)}",
                                      net, check=False)
        if not done.ok and "exist" not in done.err.lower():
            raise self.engine.failure(["network", "create", net], done)
        self._networks.add(net)

    async def _leftovers(self, workflow: str) -> list[list[str]]:
        filters = ["--filter", f"label={LABEL_RUN}={run_label(self.home_label, workflow)}"]
        calls = []
        if self.engine.is_podman:
            pods = (await self.engine.call("pod", "ps", "-q", *filters)).out.split()
            if pods:
                calls.append(["pod", "rm", "-f", *pods])
        ctrs = (await self.engine.call("ps", "-aq", *filters)).out.split()
        if ctrs:
            calls.append(["rm", "-f", *ctrs])
        vols = (await self.engine.call("volume", "ls", "-q", *filters)).out.split()
        if vols:
            calls.append(["volume", "rm", "-f", *vols])
        if calls:
            logger.warning("removing %d engine object(s) an earlier runner of %s left",
                           sum(len(c) - 3 for c in calls), workflow)
        return calls

    async def image_present(self, image: str) -> bool:
        if image in self._present:
            return True
        args = ["image", "exists", image] if self.engine.is_podman else ["image", "inspect", image]
        done = await self.engine.call(*args, check=False)
        if done.ok:
            self._present.add(image)
        return done.ok

    async def pull(self, image: str) -> str | None:
        """Pull `image` (once per run however many pods ask): None, or the engine's reason."""
        if image not in self._pulls:
            self._pulls[image] = asyncio.ensure_future(self._pull(image))
        return await asyncio.shield(self._pulls[image])

    async def _pull(self, image: str) -> str | None:
        done = await self.engine.call("pull", "-q", image, check=False)
        if done.ok:
            self._present.add(image)
            return None
        lines = [ln.strip() for ln in (done.err or done.out).splitlines() if ln.strip()]
        return lines[-1].removeprefix("Error: ") if lines else f"exit code {done.code}"

    async def mount(self, container: str) -> Path | None:
        """The container's root file system as a host folder (podman as root), or None."""
        if not self.engine.is_podman or os.geteuid() != 0:
            return None
        done = await self.engine.call("mount", container, check=False)
        path = done.out.strip()
        return Path(path) if done.ok and path.startswith("/") else None

    async def upper_dir(self, container: str) -> Path | None:
        """The folder of the container's own changes to its image (overlay's upper), or None."""
        done = await self.engine.call("inspect", "--format", "{{.GraphDriver.Data.UpperDir}}",
                                      container, check=False)
        path = done.out.strip()
        return Path(path) if done.ok and path.startswith("/") and Path(path).is_dir() else None

    async def unmount(self, container: str) -> None:
        await self.engine.call("umount", container, check=False)

    async def copy_out(self, container: str, path: str, root: Path) -> None:
        """Where the root cannot be mounted (docker, rootless podman): the output path copied
        out as a tar stream (`<engine> cp`) and extracted safely (`artifacts.extract`: no
        member outside, no link leading out) to `root/<path>`."""
        with tempfile.TemporaryDirectory(prefix="plait-cp-") as scratch:
            archive = Path(scratch) / "out.tar"
            with open(archive, "wb") as out:
                proc = await asyncio.create_subprocess_exec(
                    *self.engine.argv("cp", f"{container}:{path}", "-"),
                    stdout=out, stderr=asyncio.subprocess.PIPE)
                _, err = await proc.communicate()
            if proc.returncode != 0:
                return          # not there: the output is missing
            if archive.stat().st_size > self.limits.pod + (1 << 20):
                raise ArtifactError(f"{path}: larger than {self.limits.pod} bytes "
                                    "(PLAIT_MAX_POD_OUTPUT_BYTES)")
            dest = root / relative(path)
            dest.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(extract, archive, dest)

    def remove_later(self, calls: list[list[str]]) -> None:
        """Remove a finished pod's engine objects without holding up the workflow: in a
        thread of its own (never cancelled half-way: an engine client killed while it
        removes could leave the engine's locks taken); `close` waits for them."""
        if calls:
            self._removals = [t for t in self._removals if t.is_alive()]
            thread = threading.Thread(target=self._remove, args=(calls,), name="plait-remove")
            thread.start()
            self._removals.append(thread)

    def _remove(self, calls: list[list[str]]) -> None:
        for call in calls:
            try:
                self.engine.call_sync(*call, check=False)
            except EngineError as exc:
                logger.warning("%s", exc)

def remove_run(home: Path, workflow: str, engine: str | None = None) -> list[str]:
    """`plait delete`: remove every container, engine pod, volume and network of `workflow`
    under plait home `home`. Returns what could not be done (an engine that does not answer)."""
    found, why = probe(engine) if engine else (None, "")
    if found is None:
        try:
            found = find_engine(engine)
        except Exception as exc:     # NoEngine, ValueError: nothing can be removed
            return [f"the run's containers could not be removed: {why or exc}"]
    filters = ["--filter", f"label={LABEL_RUN}={run_label(home_label(home), workflow)}"]
    problems = []
    try:
        if found.is_podman:
            pods = found.call_sync("pod", "ps", "-q", *filters).out.split()
            if pods:
                found.call_sync("pod", "rm", "-f", *pods, check=False)
        ctrs = found.call_sync("ps", "-aq", *filters).out.split()
        if ctrs:
            found.call_sync("rm", "-f", *ctrs, check=False)
        vols = found.call_sync("volume", "ls", "-q", *filters).out.split()
        if vols:
            found.call_sync("volume", "rm", "-f", *vols, check=False)
        nets = found.call_sync("network", "ls", "-q", *filters).out.split()
        if nets:
            found.call_sync("network", "rm", *(["-f"] if found.is_podman else []), *nets,
                            check=False)
    except EngineError as exc:
        problems.append(str(exc))
    return problems


__all__ = ["ContainerBackend", "home_label", "network_name", "remove_run"]
