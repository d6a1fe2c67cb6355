"""The local backend: a Pod manifest run as processes on this machine.

Each container is one process group (`start_new_session=True`): init containers in order,
then `main` with its sidecars (stopped when main ends), or a containerSet's containers as a
small DAG. The image is not pulled; the command runs from this host.

Sandbox (bubblewrap present and working, `sandbox != "none"`), per container:

    bwrap [--bind <pod>/<c>/root /]                    only when a file must be read back
          --ro-bind /etc /etc --symlink usr/bin /bin ...  every host top-level entry but
                                                         /proc /dev /tmp, read-only
          --dev /dev --proc /proc
          --tmpfs /tmp | --bind <pod>/<c>/tmp /tmp      host-backed when an input/output is there
          [--ro-bind <dir> <dir>]                        PATH entries under the host's /tmp
          [--dir <d>]                                    working dir, output dirs (in the tmpfs)
          --bind|--ro-bind <volume dir> <mountPath>      each volumeMount (readOnly -> ro)
          [--ro-bind <pod>/<c>/script /argo/staging/script]
          --unshare-pid --unshare-uts --hostname <pod> --die-with-parent --chdir <workingDir>
          -- <command> <args...>

So host commands work, the host cannot be written (hostPath volumes excepted), files a pod
writes outside its mounts land in its own tmpfs (or root directory), parallel pods never see
each other's /tmp, and a PID namespace ends every process of the container with it. Where a
path must be created inside a read-only host directory (a mount point `/mnt/vol`, an output
`/var/out/x.txt`), that directory is "opened": its entries are bound one by one instead, so
new entries can be made. The network is shared (daemons answer on 127.0.0.1). Inputs are
copied to, and outputs read back from, the host side of their container path
(`_Box.host_path`); a symlink planted by the pod never makes plait read the host's /tmp, nor
write outside the pod's directories or volumes.

Fallback (no bubblewrap): processes run on the host unsandboxed (a warning says so once).
Isolation is then textual: absolute paths in command, args, env values, workingDir and script
source that start with a volume mountPath, or with the directory of an input or output path,
are rewritten to per-pod host directories (so parallel pods writing `/tmp/out.txt` as their
output do not collide); `TMPDIR` and the working directory are a per-container directory.
Not isolated: paths built at run time, any other absolute path (the host's `/tmp` included),
other processes (no PID namespace), the host file system (writable as the user), and
processes that leave their process group survive a killed runner.
"""

from __future__ import annotations

import asyncio
import atexit
import errno
import json
import logging
import os
import posixpath
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from plait.runtime import pods as P
from plait.runtime.types import LogSink, Phase, PodResult

logger = logging.getLogger("plait.runtime.local")

RESULT_LIMIT = 256 * 1024          # outputs.result keeps the last 256 KiB of main's stdout
LINE_LIMIT = 1 << 20               # a log "line" longer than this is split
GRACE = 1.0                        # SIGTERM, then SIGKILL after this many seconds
PROBE_PERIOD = 0.05                # readiness is polled faster than Kubernetes' periodSeconds
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
SCRIPT_PATH = "/argo/staging/script"
_NOT_BOUND = ("/proc", "/dev", "/tmp")              # the sandbox has its own
_NEVER_OPEN = _NOT_BOUND + ("/sys",)
_LIVE_GROUPS: set[int] = set()     # every process group still running, for the atexit hook
_BWRAP_PROBE: dict[str, bool] = {}
_WARNED_FALLBACK: list[bool] = []  # the no-sandbox warning is said once per process


class BackendError(Exception):
    """The backend cannot be set up as asked (`sandbox="bwrap"` without a working bwrap)."""


class _PodFailure(Exception):
    """The pod cannot go on: `phase` and `message` are what its node shows."""

    def __init__(self, phase: Phase, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.phase, self.message, self.exit_code = phase, message, exit_code


@atexit.register
def _kill_leftovers() -> None:
    for pgid in list(_LIVE_GROUPS):
        _signal_group(pgid, signal.SIGKILL)


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def bwrap_works(path: str) -> bool:
    """True when `bwrap --bind / / true` succeeds (it fails inside some containers)."""
    if path not in _BWRAP_PROBE:
        try:
            done = subprocess.run([path, "--bind", "/", "/", "true"], capture_output=True, timeout=20)
            _BWRAP_PROBE[path] = done.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _BWRAP_PROBE[path] = False
    return _BWRAP_PROBE[path]


def use_pidfd_child_watcher() -> Any:
    """On Python < 3.12, watch children with pidfds instead of a thread per child (3.12's
    default; measured: 0.75 ms instead of 0.95 ms a trivial unsandboxed pod). Installs a
    `PidfdChildWatcher` bound to the running loop, from the main thread only (the watcher is
    process-wide and a pidfd watcher serves one loop). Returns the watcher it replaced (for
    `restore_child_watcher`), or None when it changed nothing."""
    if sys.version_info >= (3, 12) or not hasattr(os, "pidfd_open"):
        return None
    import threading
    import warnings
    if threading.current_thread() is not threading.main_thread():
        return None
    loop = asyncio.get_running_loop()
    policy = asyncio.get_event_loop_policy()
    current = getattr(policy, "_watcher", None)
    if isinstance(current, asyncio.PidfdChildWatcher) and current._loop is loop:
        return None
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return None
    watcher = asyncio.PidfdChildWatcher()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        watcher.attach_loop(loop)
        policy._watcher = watcher      # set_child_watcher would close the one we may restore
    if current is None or isinstance(current, asyncio.PidfdChildWatcher):
        return asyncio.ThreadedChildWatcher()      # never hand back one bound to a dead loop
    return current


def restore_child_watcher(previous: Any) -> None:
    """Put back the watcher `use_pidfd_child_watcher` replaced."""
    policy = asyncio.get_event_loop_policy()
    mine = getattr(policy, "_watcher", None)
    if isinstance(mine, asyncio.PidfdChildWatcher) and not mine._callbacks:
        mine._loop = None
        policy._watcher = previous


class LocalBackend:
    """Runs Pod manifests as (sandboxed) host processes; see the module docstring."""

    name = "local"

    def __init__(self, home: Path, secrets: Any = None, images: Any = None,
                 sandbox: str = "auto", parallelism: int | None = None,
                 child_watcher: str = "pidfd", ro_binds: tuple[str, ...] = ()) -> None:
        if sandbox not in ("auto", "bwrap", "none"):
            raise BackendError(f"unknown sandbox {sandbox!r} (auto, bwrap or none)")
        self.home = Path(home)
        self.secrets = secrets
        self._images = images
        self.parallelism = parallelism or 4 * (os.cpu_count() or 1)
        self.child_watcher = child_watcher
        # host folders every container reads at the same path (runtime/pyscripts.py: the
        # running Python and a Hera module's folder); nothing else of the host beyond the image
        self.ro_binds = tuple(ro_binds)
        self.bwrap: str | None = None
        if sandbox != "none":
            found = shutil.which("bwrap")
            if found and bwrap_works(found):
                self.bwrap = found
            elif sandbox == "bwrap":
                raise BackendError("bubblewrap is not installed or does not work here "
                                   "(apt-get install bubblewrap)" if not found else
                                   f"{found} --bind / / true failed: bubblewrap cannot create "
                                   "namespaces here")
            elif not _WARNED_FALLBACK:
                _WARNED_FALLBACK.append(True)
                why = "not found" if not found else "does not work here"
                logger.warning("bubblewrap %s: pods run unsandboxed; output paths are redirected "
                               "under %s", why, self.home / "pods")
        self.sandbox = "bwrap" if self.bwrap else "none"
        self._slots: asyncio.Semaphore | None = None
        self._pods: set[LocalPod] = set()
        self._told_images = False
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
        self.found: set[tuple[str, str | None]] = set()     # commands seen on PATH
        self._top: tuple[list[str], frozenset[str]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_watcher: Any = None

    @property
    def images(self) -> Any:
        if self._images is None:
            try:
                from plait.runtime.images import ImageTable
                self._images = ImageTable.load(home=self.home)
            except ImportError:
                self._images = False
        return self._images or None

    async def start(self, manifest: dict[str, Any], log: LogSink) -> "LocalPod":
        """Start the pod once a slot is free (daemons take none); init containers run first."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.parallelism)
            if self.child_watcher == "pidfd":
                previous = use_pidfd_child_watcher()
                if previous is not None and self._previous_watcher is None:
                    self._previous_watcher = previous
        if not self._told_images:
            self._told_images = True
            logger.warning("images are not pulled: plait runs each container's command from this "
                           "host%s", " inside bubblewrap" if self.bwrap else "")
        pod = LocalPod(self, manifest, log)
        daemon = pod.annotations.get(P.DAEMON) == "true"
        if not daemon:
            assert self._slots is not None
            await self._slots.acquire()
        self._pods.add(pod)
        pod.task = asyncio.ensure_future(pod.run(release=not daemon))
        return pod

    def top_level_binds(self) -> tuple[list[str], frozenset[str]]:
        """bwrap arguments binding the host's top-level entries read-only (computed once)."""
        if self._top is None:
            argv: list[str] = []
            bound = []
            for e in sorted(os.scandir("/"), key=lambda e: e.name):
                p = "/" + e.name
                if p in _NOT_BOUND:
                    continue
                if e.is_symlink():
                    argv += ["--symlink", os.readlink(p), p]
                else:
                    argv += ["--ro-bind", p, p]
                    bound.append(p)
            self._top = (argv, frozenset(bound))
        return self._top

    def _release(self, pod: "LocalPod", slot: bool) -> None:
        self._pods.discard(pod)
        if slot and self._slots is not None:
            self._slots.release()

    async def close(self) -> None:
        """Kill every pod still running."""
        pods = list(self._pods)
        await asyncio.gather(*(p.kill("the runner is closing") for p in pods), return_exceptions=True)
        if self._previous_watcher is not None:
            restore_child_watcher(self._previous_watcher)
            self._previous_watcher = None


class _Box:
    """One container's view of the file system: container path -> host path, and its argv.

    Host directories are made only when needed: a container whose outputs, inputs and working
    directory all lie under its volume mounts gets bubblewrap's tmpfs root and a tmpfs `/tmp`,
    so a trivial pod touches no host directory at all."""

    def __init__(self, pod: "LocalPod", spec: dict[str, Any]) -> None:
        self.pod = pod
        self.spec = spec
        self.name = str(spec.get("name", "main"))
        self.dir = pod.dir / _safe(self.name)
        self.tmp = self.dir / "tmp"
        self.root = self.dir / "root"
        self.workdir = posixpath.normpath(spec["workingDir"]) if spec.get("workingDir") else "/"
        self.mounts: list[tuple[str, Path, bool]] = []      # (mountPath, host dir, read-only)
        for m in spec.get("volumeMounts") or []:
            host = pod.volume(str(m.get("name")))
            if m.get("subPath"):
                base, host = host, host / _inside(str(m["subPath"]))
                if not _within(host, [base]):     # a symlink left in a shared volume
                    raise _PodFailure(Phase.ERROR, f"subPath {m['subPath']!r} of volume "
                                      f"{m.get('name')!r} leads outside the volume")
                host.mkdir(parents=True, exist_ok=True)
            self.mounts.append((posixpath.normpath(str(m.get("mountPath", "/"))), host,
                                bool(m.get("readOnly"))))
        self.mounts.sort(key=lambda m: m[0].count("/"))
        self.opened: set[str] = set()     # host dirs bound entry by entry (bwrap)
        self.from_host: set[str] = set()  # paths bound read-only from the host (bwrap)
        self.dirs: list[str] = []         # directories to create in a tmpfs (bwrap)
        self.host_root = False            # the sandbox root is the host dir `root` (bwrap)
        self.host_tmp = False             # /tmp is the host dir `tmp` (bwrap)
        self.script: Path | None = None   # the script file to bind at /argo/staging/script
        self.rewrites: list[tuple[str, str]] = []   # (container prefix, host path) (fallback)
        self.claimed: set[str] = set()    # input/output paths: never bound from the host
        self.groups: set[int] = set()     # running process groups
        self.stopping = False             # a sidecar being stopped starts nothing more

    # -- paths --------------------------------------------------------------------------------

    def absolute(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.workdir, path))

    def mount_of(self, path: str) -> tuple[str, Path, bool] | None:
        best = None
        for m in self.mounts:
            if path == m[0] or path.startswith(m[0].rstrip("/") + "/"):
                best = m
        return best

    def host_path(self, path: str) -> Path:
        """Where a container path lives on the host."""
        path = self.absolute(path)
        if self.pod.backend.bwrap:
            m = self.mount_of(path)
            if m:
                return m[1] / _inside(path[len(m[0]):])
            if _under(path, "/tmp"):
                return self.tmp / _inside(path[4:])
            probe = path
            while probe != "/":
                if probe in self.from_host:
                    return Path(path)
                probe = posixpath.dirname(probe)
            return self.root / _inside(path)
        for prefix, host in self.rewrites:
            if _under(path, prefix):
                return Path(host + path[len(prefix):])
        return Path(path)

    def prepare(self, extra_paths: list[str]) -> None:
        """Decide which directories to open (bwrap) or which prefixes to rewrite (fallback)."""
        self.claimed = set(extra_paths)
        if self.pod.backend.bwrap:
            loose = [p for p in extra_paths if not self.mount_of(p)]
            self.host_tmp = any(_under(p, "/tmp") for p in loose)
            self.host_root = any(not _under(p, "/tmp") for p in loose)
            if "exec" in (self.spec.get("readinessProbe") or {}):
                # the probe runs in a sandbox of its own: it must see main's files
                self.host_tmp = self.host_root = True
            for d in [m[0] for m in self.mounts] + [posixpath.dirname(p) for p in extra_paths] \
                    + [self.workdir]:
                self._open_for(d)
            if self.host_root:
                self.root.mkdir(parents=True, exist_ok=True)
            if self.host_tmp:
                self.tmp.mkdir(parents=True, exist_ok=True)
            for d in [self.workdir] + [posixpath.dirname(p) for p in extra_paths]:
                if d == "/" or self.mount_of(d):
                    continue
                if _under(d, "/tmp"):
                    if self.host_tmp:
                        self.host_path(d).mkdir(parents=True, exist_ok=True)
                    elif d not in self.dirs:
                        self.dirs.append(d)
                elif self.host_root:
                    self.host_path(d).mkdir(parents=True, exist_ok=True)
                elif d not in self.dirs and not os.path.isdir(d):
                    self.dirs.append(d)
            return
        pairs: dict[str, str] = {m[0]: str(m[1]) for m in self.mounts}
        files: set[str] = set()
        for p in extra_paths:
            if self.mount_of(p):
                continue
            d = posixpath.dirname(p)
            target = p if d == "/" else d      # never rewrite every path under `/`
            if target == p:
                files.add(p)
            pairs.setdefault(target, str(self.root / _inside(target)))
        if not any(_under(self.workdir, k) for k in pairs) and not os.path.isdir(self.workdir):
            pairs[self.workdir] = str(self.root / _inside(self.workdir))
        self.rewrites = sorted(pairs.items(), key=lambda kv: -len(kv[0]))
        self.root.mkdir(parents=True, exist_ok=True)
        for prefix, host in self.rewrites:
            Path(host).parent.mkdir(parents=True, exist_ok=True)
            if prefix not in files:
                Path(host).mkdir(parents=True, exist_ok=True)

    def _open_for(self, d: str) -> None:
        d = posixpath.normpath(d)
        if self.mount_of(d) and d not in (m[0] for m in self.mounts):
            return
        if d == "/" or any(_under(d, n) for n in _NEVER_OPEN):
            return
        if os.path.realpath(d) != d:
            return         # through a host symlink: leave it to the host
        probe = d
        while probe != "/" and not os.path.isdir(probe):
            probe = posixpath.dirname(probe)
        if probe == d and d in (m[0] for m in self.mounts):
            probe = posixpath.dirname(d)      # an existing mount point needs no opening
        while probe != "/":
            self.opened.add(probe)
            probe = posixpath.dirname(probe)

    def writable(self) -> list[Path]:
        """Host directories this container may have files written into for it."""
        return [self.pod.dir] + [m[1] for m in self.mounts]

    def may_read(self, host: Path) -> bool:
        """Whether reading `host` back gives nothing the container could not see itself: a
        symlink it planted must not reach the host's /tmp (bwrap hides it) or beyond."""
        if not self.pod.backend.bwrap or _within(host, self.writable()):
            return True
        real = os.path.realpath(host)
        return not any(_under(real, d) for d in _NOT_BOUND) and \
            not _under(real, os.path.realpath(self.pod.backend.home))

    def rewrite(self, text: str) -> str:
        if not self.rewrites or "/" not in text:
            return text
        pattern = self.pod.backend_pattern(self)
        table = dict(self.rewrites)
        return pattern.sub(lambda m: table[m.group(1)], text)

    # -- argv ---------------------------------------------------------------------------------

    def sandbox_argv(self, hostname: str) -> list[str]:
        """bwrap's arguments up to (not including) the command."""
        backend = self.pod.backend
        argv = [backend.bwrap or "bwrap"]
        if self.host_root:
            argv += ["--bind", str(self.root), "/"]
        if not self.opened and not any(posixpath.dirname(p) == "/" for p in self.claimed):
            top, from_host = backend.top_level_binds()
            if self.host_root:
                for i in range(0, len(top), 3):
                    if top[i] == "--symlink":
                        self._host_symlink(top[i + 1], top[i + 2])
                    else:
                        argv += top[i:i + 3]
            else:
                argv += top
            self.from_host = set(from_host)
        else:
            self.from_host = set()
            self._bind_entries("/", argv)
        argv += ["--dev", "/dev", "--proc", "/proc"]
        argv += ["--bind", str(self.tmp), "/tmp"] if self.host_tmp else ["--tmpfs", "/tmp"]
        for path in (self.pod.env_path or "").split(":"):
            if path.startswith("/tmp/") and os.path.isdir(path):
                argv += ["--ro-bind", path, path]        # shims on PATH under the host's /tmp
        for path in backend.ro_binds:
            argv += ["--ro-bind", path, path]
        for d in self.dirs:
            argv += ["--dir", d]
        for mount_path, host, ro in self.mounts:
            argv += ["--ro-bind" if ro else "--bind", str(host), mount_path]
        if self.script is not None:
            argv += ["--ro-bind", str(self.script), SCRIPT_PATH]
        argv += ["--unshare-pid", "--unshare-uts", "--hostname", hostname[:63],
                 "--die-with-parent", "--chdir", self.workdir]
        return argv

    def _bind_entries(self, d: str, argv: list[str]) -> None:
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            p = e.path if d != "/" else "/" + e.name
            if p in _NOT_BOUND or p in self.claimed:
                continue
            if p in self.opened:
                if self.host_root:
                    (self.root / _inside(p)).mkdir(parents=True, exist_ok=True)
                else:
                    argv += ["--dir", p]
                self._bind_entries(p, argv)
            elif e.is_symlink():
                if self.host_root:
                    self._host_symlink(os.readlink(p), p)
                else:
                    argv += ["--symlink", os.readlink(p), p]
            else:
                argv += ["--ro-bind", p, p]
                self.from_host.add(p)

    def _host_symlink(self, target: str, path: str) -> None:
        """A symlink made in the host root directly (bwrap's --symlink fails if it exists,
        and an exec probe's sandbox reuses the root)."""
        link = self.root / _inside(path)
        if not os.path.lexists(link):
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, link)


class _Streams(asyncio.SubprocessProtocol):
    """A container's stdout/stderr as log lines; main's stdout also kept for `result`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, name: str, sink: LogSink, keep: bool) -> None:
        self.name, self.sink = name, sink
        self.kept: bytearray | None = bytearray() if keep else None
        self.first_err: str | None = None
        self.exited: asyncio.Future = loop.create_future()
        self.closed: asyncio.Future = loop.create_future()
        self._bufs = {1: b"", 2: b""}
        self._open = {1, 2}

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1 and self.kept is not None:
            self.kept += data
            if len(self.kept) > 2 * RESULT_LIMIT:
                del self.kept[:-RESULT_LIMIT]
        buf = self._bufs[fd] + data
        if b"\n" in buf:
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                self._line(fd, raw)
        while len(buf) > LINE_LIMIT:
            self._line(fd, buf[:LINE_LIMIT])
            buf = buf[LINE_LIMIT:]
        self._bufs[fd] = buf

    def _line(self, fd: int, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace")
        if fd == 2 and self.first_err is None:
            self.first_err = line
        self.sink(self.name, line)

    def flush(self) -> None:
        for fd in (1, 2):
            if self._bufs[fd]:
                self._line(fd, self._bufs[fd])
                self._bufs[fd] = b""

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if self._bufs.get(fd):
            self._line(fd, self._bufs[fd])
            self._bufs[fd] = b""
        self._open.discard(fd)
        if not self._open and not self.closed.done():
            self.closed.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


class LocalPod:
    """A started pod (`runtime.types.PodHandle`)."""

    def __init__(self, backend: LocalBackend, manifest: dict[str, Any], sink: LogSink) -> None:
        self.backend = backend
        self.manifest = manifest
        self.sink = sink
        meta = manifest.get("metadata") or {}
        self.name = str(meta.get("name") or "pod")
        self.annotations: dict[str, str] = dict(meta.get("annotations") or {})
        self.labels: dict[str, str] = dict(meta.get("labels") or {})
        self.workflow = self.labels.get(P.WORKFLOW_LABEL, "default")
        self.spec: dict[str, Any] = manifest.get("spec") or {}
        self.dir = backend.home / "pods" / _safe(self.name)
        self.ip: str | None = "127.0.0.1"
        self.task: asyncio.Future | None = None
        self.env_path: str | None = os.environ.get("PATH")
        self._ready = asyncio.Event()
        self._killed: str | None = None
        self._groups: set[int] = set()
        self._volumes: dict[str, Path] = {}
        self._patterns: dict[int, re.Pattern[str]] = {}

    # -- PodHandle ----------------------------------------------------------------------------

    async def ready(self) -> None:
        """Return once main runs and its readinessProbe passes (or the pod has ended)."""
        await self._ready.wait()

    async def wait(self) -> PodResult:
        """Main's end: sidecars stopped, outputs read back."""
        assert self.task is not None
        return await asyncio.shield(self.task)

    async def kill(self, reason: str) -> None:
        """Kill every process group of the pod; `wait()` then returns Failed with `reason`."""
        if self._killed is None:
            self._killed = reason
        await self._stop_groups(set(self._groups))
        if self.task is not None:
            await asyncio.wait([self.task])

    # -- the pod's life -----------------------------------------------------------------------

    async def run(self, release: bool) -> PodResult:
        started = time.monotonic()
        try:
            deadline = self.spec.get("activeDeadlineSeconds")
            body = asyncio.ensure_future(self._life())
            try:
                done, _ = await asyncio.wait([body], timeout=float(deadline) if deadline else None)
                if not done:
                    if self._killed is None:
                        self._killed = DEADLINE_MESSAGE
                    await self._stop_groups(set(self._groups))
                result = await body
            except asyncio.CancelledError:
                body.cancel()
                await self._stop_groups(set(self._groups))
                raise
            if self._killed is not None:
                result.phase, result.message = Phase.FAILED, self._killed
            return result
        except _PodFailure as failure:
            if self._killed is not None:
                return PodResult(Phase.FAILED, failure.exit_code, self._killed)
            return PodResult(failure.phase, failure.exit_code, failure.message)
        except OSError as exc:      # the pod's directories or files could not be set up
            return PodResult(Phase.ERROR, None, f"pod set-up failed: {exc}")
        finally:
            self._ready.set()
            self._cleanup()
            self.backend._release(self, release)
            logger.debug("pod %s ran %.3fs", self.name, time.monotonic() - started)

    async def _life(self) -> PodResult:
        if self.dir.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
        inputs = json.loads(self.annotations.get(P.INPUTS) or "[]")
        outputs = json.loads(self.annotations.get(P.OUTPUTS) or "[]")
        script = json.loads(self.annotations.get(P.SCRIPT) or "null")
        deps = json.loads(self.annotations.get(P.DEPENDENCIES) or "null")
        self._make_volumes()
        init_specs = self.spec.get("initContainers") or []
        specs = self.spec.get("containers") or []
        if not specs:
            raise _PodFailure(Phase.ERROR, "the pod has no containers")
        main_name = outputs[0]["container"] if outputs else ("main" if deps is None or "main" in deps
                                                              else specs[-1]["name"])
        boxes = {str(s.get("name")): _Box(self, s) for s in specs}
        for s in init_specs:
            box = _Box(self, s)
            box.prepare([])
            code, _, _ = await self._run_container(box, None)
            if self._killed:
                return PodResult(Phase.FAILED, code, self._killed)
            if code != 0:
                raise _PodFailure(Phase.ERROR, f"init container '{box.name}' failed: exit code {code}",
                                  code)
        for name, box in boxes.items():
            paths = [o["path"] for o in outputs if o.get("container", "main") == name]
            if deps is not None or name == main_name:
                paths += [i["path"] for i in inputs]
            box.prepare([box.absolute(p) for p in paths])
            if deps is not None or name == main_name:
                self._place_inputs(box, inputs)
        if deps is None:
            result = await self._main_and_sidecars(boxes, main_name, script)
        else:
            result = await self._container_set(boxes, deps, main_name)
        if not self._killed:
            result.files = self._read_outputs(boxes, outputs)
        return result

    async def _main_and_sidecars(self, boxes: dict[str, _Box], main_name: str,
                                 script: dict[str, Any] | None) -> PodResult:
        main = boxes[main_name]
        sidecars = [b for n, b in boxes.items() if n != main_name]
        side_tasks = [asyncio.ensure_future(self._run_container(b, None)) for b in sidecars]
        try:
            daemon = self.annotations.get(P.DAEMON) == "true"
            code, out, message = await self._run_container(
                main, script, on_start=lambda: asyncio.ensure_future(self._probe(main)),
                keep=not daemon)
        finally:
            for b in sidecars:
                b.stopping = True
                await self._stop_groups(set(b.groups))
            for t in side_tasks:
                try:
                    await t
                except _PodFailure as failure:
                    logger.warning("sidecar of %s: %s", self.name, failure.message)
        return self._ended(main_name, code, out, message)

    async def _container_set(self, boxes: dict[str, _Box], deps: dict[str, list[str]],
                             main_name: str) -> PodResult:
        done: dict[str, asyncio.Future] = {}

        async def one(name: str) -> tuple[int | None, str | None, str | None]:
            for d in deps.get(name) or []:
                if d in done:
                    code, _, _ = await done[d]
                    if code != 0:
                        return None, None, None       # a failed dependency: never started
            return await self._run_container(boxes[name], None, keep=name == main_name)

        for name in boxes:
            done[name] = asyncio.ensure_future(one(name))
        self._ready.set()
        results = {}
        for name, fut in done.items():
            results[name] = await fut
        for name, (code, out, message) in results.items():
            if code not in (0, None) or message:
                failed = self._ended(name, code, results[main_name][1] if main_name in results else None,
                                     message)
                return failed
        code, out, _ = results.get(main_name, (0, None, None))
        return self._ended(main_name, code, out, None)

    def _ended(self, name: str, code: int | None, out: str | None, message: str | None) -> PodResult:
        if self._killed:
            return PodResult(Phase.FAILED, code, self._killed, out)
        if message:
            return PodResult(Phase.FAILED, code, message, out)
        if code == 0:
            return PodResult(Phase.SUCCEEDED, 0, "", out)
        return PodResult(Phase.FAILED, code, f"{name}: Error (exit code {code})", out)

    # -- one container ------------------------------------------------------------------------

    async def _run_container(self, box: _Box, script: dict[str, Any] | None, on_start=None,
                             keep: bool = False) -> tuple[int | None, str | None, str | None]:
        """Run a container to its end: (exit code, stdout kept, failure message or None)."""
        if self._killed or box.stopping:
            return None, None, None
        spec = box.spec
        env = self._env(box)
        argv = self._command(box, env, script)
        missing = self._missing_command(box, argv[0], env)
        if missing:
            self.sink(box.name, missing)
            return 127, None, missing
        if self.backend.bwrap:
            full = box.sandbox_argv(self.name) + ["--"] + argv
            cwd = None
        else:
            full = argv
            cwd = str(box.host_path(box.workdir)) if spec.get("workingDir") else str(box.root)

            Path(cwd).mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        try:
            transport, proto = await loop.subprocess_exec(
                lambda: _Streams(loop, box.name, self.sink, keep), *full,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, cwd=cwd, start_new_session=True)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.EACCES, errno.ENOEXEC):
                message = self._not_found(argv[0], spec)
                self.sink(box.name, message)
                return 127, None, message
            raise
        pid = transport.get_pid()
        box.groups.add(pid)
        self._groups.add(pid)
        _LIVE_GROUPS.add(pid)
        if self._killed or box.stopping:
            asyncio.ensure_future(self._stop_groups({pid}))
        if on_start is not None:
            on_start()
        try:
            await proto.exited
            # whatever the container left behind dies with it (as with a container's PID 1)
            _signal_group(pid, signal.SIGKILL)
            try:
                await asyncio.wait_for(asyncio.shield(proto.closed), GRACE)
            except asyncio.TimeoutError:
                pass          # a process that left the group holds the pipes: stop listening
            code = transport.get_returncode()
        finally:
            transport.close()
            self._groups.discard(pid)
            _LIVE_GROUPS.discard(pid)
        proto.flush()
        if code is None:
            code = 137
        elif code < 0:
            code = 128 - code
        out = None
        if proto.kept is not None:
            text = bytes(proto.kept[-RESULT_LIMIT:]).decode("utf-8", "replace")
            out = text[:-1] if text.endswith("\n") else text
        first_err = proto.first_err
        if self.backend.bwrap and code == 1 and first_err and first_err.startswith("bwrap: "):
            if "execvp" in first_err:
                return 127, out, self._not_found(argv[0], spec)
            return code, out, f"sandbox set-up failed: {first_err[len('bwrap: '):]}"
        return code, out, None

    async def _stop_groups(self, groups: set[int]) -> None:
        """SIGTERM each process group, SIGKILL what is left after the grace period."""
        alive = {g for g in groups if _signal_group(g, signal.SIGTERM)}
        end = time.monotonic() + GRACE
        while alive and time.monotonic() < end:
            await asyncio.sleep(0.02)
            alive = {g for g in alive if _signal_group(g, 0) and _group_has_live(g)}
        for g in alive:
            _signal_group(g, signal.SIGKILL)

    async def _probe(self, box: _Box) -> None:
        """Poll main's readinessProbe; no probe: ready once started."""
        probe = box.spec.get("readinessProbe")
        try:
            if probe:
                await asyncio.sleep(float(probe.get("initialDelaySeconds") or 0))
                while not self._ready.is_set():
                    if await self._probe_once(box, probe):
                        break
                    await asyncio.sleep(PROBE_PERIOD)
        finally:
            self._ready.set()

    async def _probe_once(self, box: _Box, probe: dict[str, Any]) -> bool:
        timeout = float(probe.get("timeoutSeconds") or 1)
        if "exec" in probe:
            argv = [str(a) for a in (probe["exec"] or {}).get("command") or []]
            if not argv:
                return True
            full = (box.sandbox_argv(self.name) + ["--"] + argv) if self.backend.bwrap else \
                [box.rewrite(a) for a in argv]
            try:
                proc = await asyncio.create_subprocess_exec(
                    *full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, env=self._env(box), start_new_session=True,
                    cwd=None if self.backend.bwrap else str(box.host_path(box.workdir)
                                                            if box.spec.get("workingDir") else box.root))
            except OSError:
                return False
            try:
                return await asyncio.wait_for(proc.wait(), timeout) == 0
            except asyncio.TimeoutError:
                _signal_group(proc.pid, signal.SIGKILL)
                await proc.wait()
                return False
        port = self._port(box, (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port"))
        if "httpGet" in probe:
            get = probe["httpGet"]
            scheme = str(get.get("scheme") or "HTTP").lower()
            url = f"{scheme}://{get.get('host') or '127.0.0.1'}:{port}{get.get('path') or '/'}"
            return await asyncio.to_thread(_http_ok, url, timeout)
        if "tcpSocket" in probe:
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(probe["tcpSocket"].get("host") or "127.0.0.1", port),
                    timeout)
            except (OSError, asyncio.TimeoutError):
                return False
            writer.close()
            return True
        return True

    @staticmethod
    def _port(box: _Box, port: Any) -> int:
        if isinstance(port, str) and not port.isdigit():
            for p in box.spec.get("ports") or []:
                if p.get("name") == port:
                    return int(p.get("containerPort"))
        return int(port or 80)

    # -- what a container gets ----------------------------------------------------------------

    def _env(self, box: _Box) -> dict[str, str]:
        env = dict(self.backend.base_env)
        env["HOSTNAME"] = self.name[:63]
        if not self.backend.bwrap:
            env["TMPDIR"] = str(box.root)
        for src in box.spec.get("envFrom") or []:
            prefix = str(src.get("prefix") or "")
            for key, value in self._env_source(src).items():
                env[prefix + key] = value
        for item in box.spec.get("env") or []:
            name = str(item.get("name"))
            if "valueFrom" in item:
                value = self._value_from(item["valueFrom"] or {})
                if value is None:
                    continue
            else:
                value = _expand(str(item.get("value", "")), env)
            env[name] = box.rewrite(value) if not self.backend.bwrap else value
        self.env_path = env.get("PATH")
        return env

    def _env_source(self, src: dict[str, Any]) -> dict[str, str]:
        store = self.backend.secrets
        for field, kind in (("secretRef", "secret"), ("configMapRef", "configmap")):
            ref = src.get(field)
            if not ref:
                continue
            try:
                if store is None:
                    raise KeyError(f"{kind} {ref.get('name')!r} not found (no --secrets/--configmaps given)")
                files = store.secret_files(ref["name"]) if kind == "secret" else store.config_files(ref["name"])
            except KeyError as exc:
                if ref.get("optional"):
                    return {}
                raise _PodFailure(Phase.ERROR, _key_message(exc)) from None
            return {k: v.decode("utf-8", "surrogateescape") for k, v in files.items()}
        return {}

    def _value_from(self, source: dict[str, Any]) -> str | None:
        store = self.backend.secrets
        for field, kind in (("secretKeyRef", "secret"), ("configMapKeyRef", "configmap")):
            ref = source.get(field)
            if not ref:
                continue
            try:
                if store is None:
                    raise KeyError(f"{kind} {ref.get('name')!r} not found "
                                   f"(give its manifest with --{kind}s FILE)")
                getter = store.secret if kind == "secret" else store.config
                return getter(str(ref.get("name")), str(ref.get("key")))
            except KeyError as exc:
                if ref.get("optional"):
                    return None
                raise _PodFailure(Phase.ERROR, _key_message(exc)) from None
        field_ref = source.get("fieldRef")
        if field_ref:
            path = str(field_ref.get("fieldPath", ""))
            known = {"metadata.name": self.name, "metadata.namespace": "default",
                     "status.podIP": "127.0.0.1", "status.hostIP": "127.0.0.1",
                     "spec.nodeName": socket.gethostname(),
                     "spec.serviceAccountName": str(self.spec.get("serviceAccountName", "default"))}
            if path in known:
                return known[path]
            m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", path)
            if m:
                return (self.labels if m.group(1) == "labels" else self.annotations).get(m.group(2), "")
            raise _PodFailure(Phase.ERROR, f"fieldRef {path!r} is not supported locally")
        return ""

    def _command(self, box: _Box, env: dict[str, str], script: dict[str, Any] | None) -> list[str]:
        spec = box.spec
        command = [str(a) for a in spec.get("command") or []]
        args = [str(a) for a in spec.get("args") or []]
        if not command:
            image = str(spec.get("image", ""))
            entry = self.backend.images.lookup(image) if self.backend.images else None
            if entry is None:
                raise _PodFailure(Phase.ERROR, (
                    f"container '{box.name}' has no command and image {image!r} is not in plait's "
                    "image table: give it a command, or add the image's entrypoint/cmd with "
                    "--images FILE (a map image -> {entrypoint: [...], cmd: [...]})"))
            command = [str(a) for a in entry.get("entrypoint") or []]
            if "args" not in spec:
                args = [str(a) for a in entry.get("cmd") or []]
        argv = [_expand(a, env) for a in command + args]
        if script is not None and script.get("container", "main") == box.name:
            source = box.rewrite(str(script.get("source", "")))
            target = box.dir / "script"
            if self.backend.bwrap:
                box.script = target
                argv.append(SCRIPT_PATH)
            else:
                argv.append(str(target))
            target.parent.mkdir(parents=True, exist_ok=True)
            # owner-only, and executable: `command: [sh, -c]` runs the path itself (scripts-bash)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o700)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(source)
        if not argv:
            raise _PodFailure(Phase.ERROR, f"container '{box.name}' has an empty command")
        if not self.backend.bwrap:
            argv = [box.rewrite(a) for a in argv]
        return argv

    def _missing_command(self, box: _Box, cmd: str, env: dict[str, str]) -> str | None:
        if "/" in cmd:
            path = box.absolute(cmd)
            for candidate in (box.host_path(path), Path(path)):
                if candidate.is_file() and os.access(candidate, os.X_OK):
                    return None
            return self._not_found(cmd, box.spec)
        key = (cmd, env.get("PATH"))
        if key in self.backend.found or shutil.which(cmd, path=env.get("PATH")):
            self.backend.found.add(key)
            return None
        return self._not_found(cmd, box.spec)

    @staticmethod
    def _not_found(cmd: str, spec: dict[str, Any]) -> str:
        return (f"{cmd}: command not found in image {spec.get('image', '?')} (plait runs commands "
                "from this host: install it, or put a shim on PATH)")

    # -- files --------------------------------------------------------------------------------

    def volume(self, name: str) -> Path:
        """The host directory behind a volume (a per-workflow one for unknown/PVC volumes)."""
        if name not in self._volumes:
            path = self.backend.home / "volumes" / _safe(self.workflow) / _safe(name)
            path.mkdir(parents=True, exist_ok=True)
            self._volumes[name] = path
        return self._volumes[name]

    def _make_volumes(self) -> None:
        store = self.backend.secrets
        for vol in self.spec.get("volumes") or []:
            name = str(vol.get("name"))
            if "emptyDir" in vol:
                path = self.dir / "volumes" / _safe(name)
                path.mkdir(parents=True, exist_ok=True)
            elif "hostPath" in vol:
                path = Path(str((vol["hostPath"] or {}).get("path", "")))
                if not path.is_absolute():
                    raise _PodFailure(Phase.ERROR, f"hostPath volume {name!r} needs an absolute path")
                if not path.exists():
                    path.mkdir(parents=True, exist_ok=True)
            elif "secret" in vol or "configMap" in vol:
                kind = "secret" if "secret" in vol else "configmap"
                src = vol.get("secret") or vol.get("configMap") or {}
                ref = str(src.get("secretName") or src.get("name") or "")
                path = self.dir / "volumes" / _safe(name)
                path.mkdir(parents=True, exist_ok=True)
                try:
                    if store is None:
                        raise KeyError(f"{kind} {ref!r} not found (give its manifest with --{kind}s FILE)")
                    files = store.secret_files(ref) if kind == "secret" else store.config_files(ref)
                except KeyError as exc:
                    if not src.get("optional"):
                        raise _PodFailure(Phase.ERROR, _key_message(exc)) from None
                    files = {}
                mode = int(src.get("defaultMode") or 0o644)
                items = src.get("items")
                pairs = [(i["key"], i.get("path", i["key"]), i.get("mode")) for i in items] if items \
                    else [(k, k, None) for k in files]
                for key, rel, item_mode in pairs:
                    if key not in files:
                        raise _PodFailure(Phase.ERROR, f"{kind} {ref!r} has no key {key!r}")
                    target = path / _inside(rel)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "wb") as f:
                        f.write(files[key])
                    os.chmod(target, int(item_mode or mode))
            else:
                path = self.backend.home / "volumes" / _safe(self.workflow) / _safe(name)
                path.mkdir(parents=True, exist_ok=True)
            self._volumes[name] = path

    def _place_inputs(self, box: _Box, inputs: list[dict[str, Any]]) -> None:
        for item in inputs:
            source = Path(str(item["source"]))
            target = box.host_path(box.absolute(str(item["path"])))
            if not _within(target.parent, box.writable()):
                raise _PodFailure(Phase.ERROR, f"input {item['path']!r}: a symlink in a volume "
                                  "leads outside it")
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            if source.is_dir():
                shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
            elif source.exists():
                shutil.copy2(source, target, follow_symlinks=False)
            else:
                raise _PodFailure(Phase.ERROR, f"input {item['path']!r}: {source} does not exist")
            if item.get("mode") is not None:
                os.chmod(target, int(item["mode"]))

    def _read_outputs(self, boxes: dict[str, _Box], outputs: list[dict[str, Any]]) -> dict[str, str | None]:
        files: dict[str, str | None] = {}
        for item in outputs:
            path, name = str(item["path"]), str(item.get("container", "main"))
            box = boxes.get(name)
            if box is None:
                files[path] = None
                continue
            source = box.host_path(box.absolute(path))
            if not os.path.lexists(source) or not box.may_read(source):
                files[path] = None
                continue
            dest = self.dir / "out" / _safe(name) / _inside(box.absolute(path))
            dest.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir() and not source.is_symlink():
                shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
            else:
                shutil.copy2(source, dest, follow_symlinks=False)
            files[path] = str(dest)
        return files

    def _cleanup(self) -> None:
        """Drop the pod's scratch space (roots, /tmp, emptyDirs, script); `out/` stays."""
        try:
            entries = list(os.scandir(self.dir))
        except FileNotFoundError:
            return
        for e in entries:
            if e.name != "out":
                shutil.rmtree(e.path, ignore_errors=True)

    def backend_pattern(self, box: _Box) -> re.Pattern[str]:
        key = id(box)
        if key not in self._patterns:
            alts = "|".join(re.escape(p) for p, _ in box.rewrites)
            self._patterns[key] = re.compile(rf"(?<![\w.\-/])({alts})(?![\w.\-])")
        return self._patterns[key]


def _group_has_live(pgid: int) -> bool:
    """True while some member of the group is not a zombie (zombies wait for their reaper)."""
    try:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2:].split()
            if int(fields[2]) == pgid and fields[0] != b"Z":
                return True
        return False
    except OSError:
        return True


def _http_ok(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion in env values, command and args (`$$` escapes)."""
    if "$(" not in text:
        return text
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def _within(path: Path | str, roots: list[Path]) -> bool:
    """`path` (symlinks resolved) is one of `roots` or inside one."""
    real = os.path.realpath(path)
    return any(_under(real, os.path.realpath(r)) for r in roots)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _key_message(exc: KeyError) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def _safe(name: str) -> str:
    """A name usable as one path segment."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", name) or "_"
    return "_" + cleaned if cleaned in (".", "..") else cleaned


def _inside(path: str) -> str:
    """A container path as a relative path that cannot climb out (`..` dropped)."""
    parts = [p for p in posixpath.normpath("/" + path).split("/") if p and p != ".."]
    return "/".join(parts) or "."


__all__ = ["BackendError", "DEADLINE_MESSAGE", "LocalBackend", "LocalPod", "bwrap_works",
           "restore_child_watcher", "use_pidfd_child_watcher"]
