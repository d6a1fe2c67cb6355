"""One Pod manifest run as containers of its real images (`runtime.types.PodHandle`).

The pod's life, as the kubelet lives it:
1. images: each container's image is pulled as its `imagePullPolicy` says (`Never`: it must be
   there). A failure ends the pod `Error` in Kubernetes' words: `ErrImagePull: ...` naming the
   image, `ErrImageNeverPull: Container image "x" is not present with pull policy of Never`.
2. the pod: podman makes an engine pod (`pod create`, its infra container holds the network
   namespace) on the workflow's network, hostname the pod's name; docker has no pods: main
   holds the network namespace and its sidecars join it (`--network container:<main>`).
   Either way sidecars answer on `localhost` and other pods reach the pod by its IP (and, on
   the workflow's network, by its name). `hostNetwork: true` uses the host's network.
3. init containers, in order; one that fails ends the pod `Error`.
4. main and its sidecars together; sidecars are stopped when main ends. A containerSet's
   containers start as their `dependencies` allow (a failed dependency starts nothing more).
5. outputs are read back from main's files (`container_files`), then the engine stores them
   and the logs and calls `cleanup`, which removes the pod's containers (unless `--keep-pods`).

Every container is created with `<engine> run` attached (from the pod's folder: podman's
conmon leaves an `oom` file in its working directory): its stdout and stderr stream into the
log sink line by line (`podkit.Streams`, main's stdout kept for `outputs.result`), and the run
ends with the container. Every pod, container and engine volume carries the labels
`plait.dev/workflow`, `plait.dev/node-id`, `plait.dev/pod` and `plait.dev/home`, so a later
runner (`plait resume`) and `plait delete` find what a killed runner left.

A memory-limited container killed by SIGKILL (137) that plait did not kill is reported as
Kubernetes reports an OOM kill, `OOMKilled (exit code 137)`: the engine's own OOMKilled flag
is not set on cgroup v1 hosts, where the kernel's kill is the only sign.
"""

from __future__ import annotations

import asyncio
import json
import logging
import posixpath
import re
import subprocess
import time
from typing import TYPE_CHECKING, Any

from plait.runtime import pods as P
from plait.runtime.artifacts import ArtifactError
from plait.runtime.backends import limits as L
from plait.runtime.naming import node_id
from plait.runtime.paths import UnsafePath
from plait.runtime.types import LogSink, Phase, PodResult

from .container_files import Mount, PodFolder, make_dirs
from .container_spec import engine_name, pull_policy, run_args
from .engine_cli import EngineError
from .podkit import (
    SCRIPT_PATH,
    PodFailure,
    PodLife,
    Streams,
    expand,
    field_value,
    probe_port,
    read_outputs,
    spec_env,
)

if TYPE_CHECKING:
    from .container import ContainerBackend

logger = logging.getLogger("plait.runtime.container")

GRACE = 2                          # seconds `stop` gives a container before SIGKILL
POLL = 0.05                        # readiness polling
STOP_PATIENCE = 60.0               # seconds a stopped container may take to end before plait gives up
LABEL_WORKFLOW = "plait.dev/workflow"
LABEL_NODE = "plait.dev/node-id"
LABEL_POD = "plait.dev/pod"
LABEL_HOME = "plait.dev/home"
# home and workflow in one label, the one that selects a run's objects: the engines OR
# several `--filter label=...` (podman 4 and docker both), so selecting by workflow and home
# as two filters picked another home's objects of a workflow of the same name too
LABEL_RUN = "plait.dev/run"


def run_label(home_label: str, workflow: str) -> str:
    """The LABEL_RUN value of `workflow`'s objects under the home `home_label`."""
    return f"{home_label}.{workflow}"
_EXEC_ERROR = re.compile(r'exec: "[^"]*": [^:]+')


class _Streams(Streams):
    """`Streams` that also keeps the engine client's last stderr line (its own error)."""

    last_err: str | None = None

    def _line(self, fd: int, line: str) -> None:
        if fd == 2:
            self.last_err = line
        super()._line(fd, line)


class ContainerPod(PodLife):
    """A pod started by the container backend; see the module docstring (its life is
    `podkit.PodLife`'s)."""

    def __init__(self, backend: "ContainerBackend", manifest: dict[str, Any], sink: LogSink) -> None:
        super().__init__(manifest, sink)
        self.backend = backend
        self.engine = backend.engine
        # the pod's hostname is its name, as on Kubernetes; the engine's objects (pod,
        # containers, volumes) add the home's id, so two plait homes running a workflow of
        # the same name at once never meet on one name (the network has it already)
        self.hostname = engine_name(self.name)
        self.engine_name = f"{self.hostname}-{backend.home_label[:8]}"
        node_name = self.annotations.get(P.NODE_NAME_ANNOTATION, self.name)
        self.node = node_id(self.workflow, node_name)
        self.files = PodFolder(backend.home, self.engine_name, self.workflow, self.spec, backend.secrets)
        self.host_network = self.spec.get("hostNetwork") in (True, "true")
        self._running: set[str] = set()      # containers whose `run` has not ended
        self._made: list[str] = []            # containers created (removed at cleanup)
        self._pod_made = False
        self._removed = False
        self._main_name = "main"
        self._main_workdir = "/"
        self._main_mounts: list[Mount] = []
        self._stopped: set[str] = set()       # containers plait stopped (not OOM-killed)
        self._main_started = False            # docker: main holds the pod's network namespace
        self._main_container = ""

    # -- PodHandle ------------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Outputs and logs are stored: remove the pod's containers, engine pod, volumes and
        folder (unless `--keep-pods`)."""
        if self.backend.keep_pods or self._removed:
            return
        self._removed = True
        self.backend.forget(self)
        self.files.remove()
        self.backend.remove_later(self.remove_args())

    def remove_args(self) -> list[list[str]]:
        """The engine calls that remove what this pod made."""
        calls = []
        if self.engine.is_podman and self._pod_made:
            calls.append(["pod", "rm", "-f", "-i", self.engine_name])
        elif self._made:
            calls.append(["rm", "-f", "-i", *self._made] if self.engine.is_podman
                         else ["rm", "-f", *self._made])
        if self.files.memory:
            calls.append(["volume", "rm", "-f", *self.files.memory.values()])
        return calls

    # -- the pod's life -------------------------------------------------------------------------

    async def _stop_all(self) -> None:
        await self._stop(set(self._running), timeout=0)

    def _set_up_failed(self, exc: Exception) -> PodResult | None:
        if isinstance(exc, EngineError):      # the engine itself failed: named with its command
            return PodResult(Phase.ERROR, None, str(exc))
        if isinstance(exc, UnsafePath):
            return PodResult(Phase.ERROR, None, f"pod set-up failed: {exc}")
        return None

    def _finished(self, release: bool) -> None:
        self.backend.release(self, release)

    async def _life(self) -> PodResult:
        inputs = json.loads(self.annotations.get(P.INPUTS) or "[]")
        outputs = json.loads(self.annotations.get(P.OUTPUTS) or "[]")
        script = json.loads(self.annotations.get(P.SCRIPT) or "null")
        deps = json.loads(self.annotations.get(P.DEPENDENCIES) or "null")
        inits = self.spec.get("initContainers") or []
        specs = self.spec.get("containers") or []
        if not specs:
            raise PodFailure(Phase.ERROR, "the pod has no containers")
        self._main_name = outputs[0]["container"] if outputs else (
            "main" if deps is None or "main" in deps else str(specs[-1]["name"]))
        for image in dict.fromkeys(str(c.get("image") or "") for c in [*inits, *specs]):
            await self._pull(image, next(c for c in [*inits, *specs] if str(c.get("image") or "") == image))
        await self.backend.prepare(self.workflow)
        self.files.make_volumes()
        for volume in self.files.memory.values():
            await self.engine.call("volume", "create", *self._labels(), "--opt", "type=tmpfs",
                                   "--opt", "device=tmpfs", volume)
        await self._make_pod()
        for spec in inits:
            code, _, message = await self._run_container(spec, [], None)
            if self._killed:
                return PodResult(Phase.FAILED, code, self._killed)
            if code != 0:
                raise PodFailure(Phase.ERROR, message or
                                 f"init container '{spec.get('name')}' failed: exit code {code}", code)
        extras: dict[str, list[Mount]] = {}
        for spec in specs:
            name = str(spec.get("name"))
            if deps is not None or name == self._main_name:
                mounts = self.files.mounts(spec)
                extras[name] = self.files.place_inputs(mounts, inputs, str(spec.get("workingDir") or "/"))
                if name == self._main_name:
                    self._main_mounts = mounts + extras[name]
                    self._main_workdir = str(spec.get("workingDir") or "/")
        if deps is None:
            result = await self._main_and_sidecars(specs, extras, script)
        else:
            by_name = {str(spec.get("name")): spec for spec in specs}
            result = await self._container_set(
                list(by_name), deps, self._main_name,
                lambda name, attempt: self._run_container(
                    by_name[name], extras.get(name, []), None, keep=name == self._main_name,
                    attempt=attempt))
        if not self._killed:
            result.files, problem = await self._read_outputs(outputs)
            if problem and result.phase is Phase.SUCCEEDED:
                result.phase, result.message = Phase.ERROR, problem
        return result

    async def _pull(self, image: str, spec: dict[str, Any]) -> None:
        """Make `image` present as its pull policy says; PodFailure in Kubernetes' words."""
        if not image:
            raise PodFailure(Phase.ERROR, f"container '{spec.get('name')}' has no image")
        policy = pull_policy(spec, self.backend.pull_override)
        if policy != "Always" and await self.backend.image_present(image):
            return
        if policy == "Never":
            raise PodFailure(Phase.ERROR, f'ErrImageNeverPull: Container image "{image}" is not '
                             "present with pull policy of Never")
        problem = await self.backend.pull(image)
        if problem:
            raise PodFailure(Phase.ERROR, f'ErrImagePull: failed to pull image "{image}": {problem}')

    async def _make_pod(self) -> None:
        """podman: the engine pod (started now, so its IP is known before any container)."""
        if not self.engine.is_podman:
            return
        network = "host" if self.host_network else self.backend.network(self.workflow)
        args = ["pod", "create", "--name", self.engine_name, "--infra-name", f"{self.engine_name}-infra",
                "--network", network, *self._labels()]
        if not self.host_network:
            args += ["--hostname", self.hostname]
        await self.engine.call(*args)
        self._pod_made = True
        # started now, not by the first `run`: starting it sets up its network, and what the
        # network tools say then (netavark's "failed to connect to syslog") would otherwise be
        # written into that first container's log
        await self.engine.call("pod", "start", self.engine_name)
        if self.annotations.get(P.DAEMON) == "true" or "status.podIP" in json.dumps(self.spec):
            # its IP is needed before its containers run (a daemon's {{steps.X.ip}}, a fieldRef)
            self.ip = await self._ip_of(f"{self.engine_name}-infra")

    async def _ip_of(self, container: str) -> str | None:
        if self.host_network:
            return "127.0.0.1"
        done = await self.engine.call(
            "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
            container, check=False)
        ips = done.out.split()
        return ips[0] if ips else None

    def _labels(self) -> list[str]:
        out = []
        for key, value in ((LABEL_WORKFLOW, self.workflow), (LABEL_NODE, self.node),
                           (LABEL_POD, self.name), (LABEL_HOME, self.backend.home_label),
                           (LABEL_RUN, run_label(self.backend.home_label, self.workflow))):
            out += ["--label", f"{key}={value}"]
        return out

    async def _main_and_sidecars(self, specs: list[dict[str, Any]], extras: dict[str, list[Mount]],
                                 script: dict[str, Any] | None) -> PodResult:
        main = next(s for s in specs if str(s.get("name")) == self._main_name)
        sidecars = [s for s in specs if s is not main]
        daemon = self.annotations.get(P.DAEMON) == "true"
        # readiness is watched only where someone waits for it (a daemon's users, a probe,
        # docker's sidecars joining main's network namespace): each look is an engine call
        watch = daemon or bool(main.get("readinessProbe")) or (bool(sidecars) and not self.engine.is_podman)
        main_task = asyncio.ensure_future(self._run_container(
            main, extras.get(self._main_name, []), script, keep=not daemon, watch_ready=watch))
        side_tasks = []
        try:
            if sidecars and not self.engine.is_podman:         # docker: they join main's netns
                await self._started(self._container_name(main))
                self._main_started, self._main_container = True, self._container_name(main)
            side_tasks = [asyncio.ensure_future(self._run_container(s, [], None)) for s in sidecars]
            code, out, message = await main_task
        finally:
            if not main_task.done():
                main_task.cancel()
            await self._stop({self._container_name(s) for s in sidecars}, timeout=GRACE)
            for t in side_tasks:
                try:
                    await t
                except PodFailure as failure:
                    logger.warning("sidecar of %s: %s", self.name, failure.message)
        return self._ended(self._main_name, code, out, message)

    # -- one container ----------------------------------------------------------------------------

    def _container_name(self, spec: dict[str, Any], attempt: int = 0) -> str:
        return f"{self.engine_name}-{spec.get('name')}" + (f"-{attempt}" if attempt else "")

    async def _run_container(self, spec: dict[str, Any], extra: list[Mount],
                             script: dict[str, Any] | None, keep: bool = False,
                             watch_ready: bool = False, attempt: int = 0
                             ) -> tuple[int | None, str | None, str | None]:
        """Run one container to its end: (exit code, stdout kept, failure message or None)."""
        if self._killed:
            return None, None, None
        cname = str(spec.get("name"))
        name = self._container_name(spec, attempt)
        env = self._env(spec)
        unenforced: list[str] = []
        opts, tail, memory = run_args(spec, pod_context=self.spec.get("securityContext") or {},
                                      unenforced=unenforced)
        for what in unenforced:
            self.backend.note_unenforced(what)
        mounts = self.files.mounts(spec) + extra
        if script is not None and script.get("container", "main") == cname:
            mounts.append(self.files.script(str(script.get("source", ""))))
            tail.append(SCRIPT_PATH)
        tail = tail[:1] + [expand(a, env) for a in tail[1:]]
        if "--entrypoint" in opts:
            i = opts.index("--entrypoint") + 1
            command = [expand(a, env) for a in json.loads(opts[i])]
            if self.engine.is_podman:
                opts[i] = json.dumps(command)
            else:                  # docker takes one executable: the rest goes before args
                opts[i] = command[0]
                tail[1:1] = command[1:]
        env_path, passed = self.files.env_file(name, env)
        argv = ["run", "--name", name, *self._labels(), "--pull", "never",
                "--env-file", str(env_path), *[f"--env={k}" for k in passed],
                *self._network_args(spec), *opts]
        for m in mounts:
            argv += m.arg()
        argv += tail
        loop = asyncio.get_running_loop()
        client_env = dict(self.backend.client_env, **passed)
        self._made.append(name)
        self._running.add(name)
        if spec.get("workingDir") and self.engine.is_podman:
            # Kubernetes creates a missing workingDir; podman refuses to start without it
            argv = await self._with_workdir(argv, name, str(spec["workingDir"]), client_env)
        try:
            transport, proto = await loop.subprocess_exec(
                lambda: _Streams(loop, cname, self.sink, keep, self.backend.secrets),
                *self.engine.argv(*argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=client_env, cwd=self.files.dir)
        except OSError as exc:
            self._running.discard(name)
            raise EngineError(f"{self.engine.name} cannot be started: {exc.strerror or exc}") from None
        ready_task = None
        if watch_ready:
            ready_task = asyncio.ensure_future(self._watch_ready(spec, name))
        try:
            await proto.exited
            await proto.closed
            code = transport.get_returncode()
        finally:
            transport.close()
            self._running.discard(name)
            if ready_task is not None and not ready_task.done():
                ready_task.cancel()
        proto.flush()
        code = 137 if code is None else (128 - code if code < 0 else code)
        if code == 0:
            return 0, proto.result(), None
        state = await self._state(name)
        if state.get("Status") not in ("exited", "stopped") and code in (125, 126, 127):
            error = (proto.last_err or "").removeprefix("Error: ")
            if self.engine.unusable_text(error):
                raise EngineError(f"{self.engine.name} failed: `{self.engine.command_text(argv[:3])} "
                                  f"...`: {error}")
            found = _EXEC_ERROR.search(error)
            message = found.group(0) if found else f"the container could not start: {error}"
            return (127 if found else code), None, f"{cname}: {message}"
        oom = state.get("OOMKilled") is True or (
            code == 137 and memory is not None and not self._killed and name not in self._stopped)
        if oom:
            self.sink(cname, L.OOM_MESSAGE)
            return 137, None, L.OOM_MESSAGE
        return code, proto.result(), None

    async def _with_workdir(self, argv: list[str], name: str, workdir: str,
                            client_env: dict[str, str]) -> list[str]:
        """Create the container, make its working directory in its root file system (never
        through a link: `podman_workdir`), and return the arguments that start it attached."""
        proc = await asyncio.create_subprocess_exec(
            *self.engine.argv("create", *argv[1:]), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=client_env, cwd=self.files.dir)
        _, err = await proc.communicate()
        if proc.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            raise PodFailure(Phase.ERROR, f"{name}: the container could not be created: "
                             f"{lines[-1].removeprefix('Error: ') if lines else proc.returncode}")
        root = await self.backend.mount(name)
        if root is not None:
            try:
                await asyncio.to_thread(make_dirs, root, workdir)
            finally:
                await self.backend.unmount(name)
        return ["start", "--attach", name]

    async def _state(self, name: str) -> dict[str, Any]:
        done = await self.engine.call("inspect", "--format", "{{json .State}}", name, check=False)
        try:
            state = json.loads(done.out or "{}")
        except ValueError:
            return {}
        return state if isinstance(state, dict) else {}

    def _network_args(self, spec: dict[str, Any]) -> list[str]:
        if self.engine.is_podman:
            return ["--pod", self.engine_name]
        if self.host_network:
            return ["--network", "host"]
        if str(spec.get("name")) != self._main_name and self._main_started:
            return ["--network", f"container:{self._main_container}"]
        return ["--network", self.backend.network(self.workflow), "--network-alias", self.hostname,
                "--hostname", self.hostname]

    async def _started(self, name: str) -> None:
        """Wait until container `name` runs (or ended)."""
        while True:
            state = await self._state(name)
            if state.get("Status") in ("running", "exited", "stopped") or name not in self._running:
                return
            await asyncio.sleep(POLL)

    async def _watch_ready(self, spec: dict[str, Any], name: str) -> None:
        """main runs (and its readinessProbe passed): `ready()` returns; docker learns the
        pod's IP from main."""
        try:
            await self._started(name)
            if not self.engine.is_podman:
                self._main_started, self._main_container = True, name
                self.ip = await self._ip_of(name)
            probe = spec.get("readinessProbe")
            if probe:
                await asyncio.sleep(float(probe.get("initialDelaySeconds") or 0))
                while name in self._running and not await self._probe_once(spec, name, probe):
                    await asyncio.sleep(POLL)
        finally:
            self._ready.set()

    async def _probe_once(self, spec: dict[str, Any], name: str, probe: dict[str, Any]) -> bool:
        timeout = float(probe.get("timeoutSeconds") or 1)
        if "exec" in probe:
            argv = [str(a) for a in (probe["exec"] or {}).get("command") or []]
            if not argv:
                return True
            try:
                done = await self.engine.call("exec", name, *argv, check=False, timeout=timeout)
            except EngineError:
                return False
            return done.ok
        port = probe_port(spec, (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port"))
        host = ((probe.get("httpGet") or probe.get("tcpSocket") or {}).get("host")) or self.ip
        if host is None:
            return True
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, asyncio.TimeoutError):
            return False
        writer.close()
        return True

    async def _stop(self, names: set[str], timeout: int) -> None:
        """Stop containers (SIGTERM, SIGKILL after `timeout` seconds)."""
        names = {n for n in names if n in self._running}
        if not names:
            return
        self._stopped |= names
        await self.engine.call("stop", "-t", str(timeout), *sorted(names), check=False)
        # a container still being created when it was stopped starts afterwards: kill it
        # until its run has ended
        give_up = time.monotonic() + STOP_PATIENCE
        while time.monotonic() < give_up:
            still = sorted(n for n in names if n in self._running)
            if not still:
                return
            await asyncio.sleep(0.5)
            still = sorted(n for n in names if n in self._running)
            if still:
                await self.engine.call("kill", *still, check=False)

    # -- what a container gets ----------------------------------------------------------------

    def _env(self, spec: dict[str, Any]) -> dict[str, str]:
        """The spec's env (Argo's ARGO_* among it), `envFrom`, and the host variables passed
        on purpose (`--pass-env`); the image's own ENV (PATH, ...) comes from the image."""
        return spec_env(dict(self.backend.base_env), spec, self.backend.secrets, self._field)

    def _field(self, field_ref: dict[str, Any]) -> str:
        known = {"metadata.name": self.name, "metadata.namespace": "default",
                 "status.podIP": self.ip or "", "status.hostIP": self.backend.host_ip,
                 "spec.nodeName": self.backend.node_name,
                 "spec.serviceAccountName": str(self.spec.get("serviceAccountName", "default"))}
        return field_value(field_ref, known, self.labels, self.annotations, "container")

    # -- outputs -----------------------------------------------------------------------------------

    async def _read_outputs(self, outputs: list[dict[str, Any]]
                            ) -> tuple[dict[str, str | None], str | None]:
        """Main's output paths, read as main saw them: its volumes from their host folders,
        the rest from its root file system as the engine mounts it (`podman mount`)."""
        if not outputs:
            return {}, None
        main = f"{self.engine_name}-{self._main_name}"
        root = await self.backend.mount(main)
        mounted = root is not None
        own = await self.backend.upper_dir(main) if mounted else None
        try:
            if root is None:       # docker, rootless podman: each output path copied out
                root = self.files.dir / "root"
                for item in outputs:
                    path = self._absolute(str(item["path"]))
                    area = self.files.area(self._main_mounts, None)
                    if area(path) is None:
                        try:
                            await self.backend.copy_out(main, path, root)
                        except (ArtifactError, OSError) as exc:
                            return {str(o["path"]): None for o in outputs}, \
                                f"output {item['path']}: {exc}"
            area = self.files.area(self._main_mounts, root, own)
            return await asyncio.to_thread(
                read_outputs, self.files.dir / "out", outputs, self.backend.limits,
                lambda path, _c: (area, self._absolute(path)))
        finally:
            if mounted:
                await self.backend.unmount(main)

    def _absolute(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self._main_workdir, path))


__all__ = ["ContainerPod", "LABEL_HOME", "LABEL_NODE", "LABEL_POD", "LABEL_RUN",
           "LABEL_WORKFLOW", "run_label"]
