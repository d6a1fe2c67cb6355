"""The local backend: a Pod manifest run as processes on this machine.

Each container is one process group (`start_new_session=True`): init containers in order,
then `main` with its sidecars (stopped when main ends), or a containerSet's containers as a
small DAG. The image is not pulled; the command runs from this host.

Sandbox (`sandbox.choose`: bubblewrap, the bundled one first; `--sandbox none` only when
asked for), per container:

    bwrap [--bind <pod>/<c>/root /]                    only when a file must be read back
          --ro-bind /usr /usr --symlink usr/bin /bin ... the image folders only (/usr, /bin,
          --ro-bind /dev/null /etc/shadow ...            /lib*, /sbin, /opt, /etc), read-only;
                                                         /etc's private files covered
          --dev /dev --proc /proc
          --tmpfs /tmp | --bind <pod>/<c>/tmp /tmp      host-backed when an input/output is there
          --dir /var/tmp --dir /root                     empty and private (/root is HOME)
          [--ro-bind <host file> <path>]                 image-table shims (`LocalPod._shim`)
          [--dir <d>]                                    working dir, output dirs (in the tmpfs)
          --bind|--ro-bind <volume dir> <mountPath>      each volumeMount (readOnly -> ro)
          [--ro-bind <pod>/<c>/script /argo/staging/script]
          [--unshare-user] --unshare-ipc --cap-drop ALL [--cap-add <harmless> ...]
          --unshare-pid --unshare-uts --hostname <pod> --die-with-parent --chdir <workingDir>
          -- <command> <args...>

So host commands work, the host cannot be written (hostPath volumes excepted), nothing of the
host outside the image folders is visible (no home folders, $PLAIT_HOME, other runs, /var or
the folder plait was started from), files a pod writes outside its mounts land in its own
tmpfs (or root directory), parallel pods never see each other's /tmp, root in a pod cannot
mount or remount (capabilities, see `sandbox`), and a PID namespace ends every process of the
container with it (a `setsid` orphan included). Where a path must be created inside a
read-only image folder (a mount point `/etc/app`, an output `/usr/share/x.txt`), that folder
is "opened": its entries are bound one by one instead, so new entries can be made. The
network is shared (daemons answer on 127.0.0.1). Inputs are copied to the host side of their
container path (`_Box.host_path`). Outputs are copied back from the pod's own folders and the image folders as it
sees them only (`_Box.area`, `runtime.outputs`: links followed as the container sees them,
never on the host; private image entries empty; special files refused; size caps), and the pod's folder is removed once the engine
stored them, unless `keep_pods` (`--keep-pods`).

Environment (`LocalPod._env`): PATH (the image's default), HOSTNAME, HOME, then the spec's
env; of the host's environment only the names passed with `pass_env` (`--pass-env`).

Limits (`limits`): a memory and pids cgroup per container where plait may create one, else
rlimits; what cannot be enforced is said once per run (`LocalBackend.unenforced`).

`--sandbox none`: processes run on the host unsandboxed, and the run says so.
Isolation is then textual: absolute paths in command, args, env values, workingDir and script
source that start with a volume mountPath, or with the directory of an input or output path,
are rewritten to per-pod host directories (so parallel pods writing `/tmp/out.txt` as their
output do not collide); `TMPDIR`, `HOME` and the working directory are per-container
directories. Not isolated: paths built at run time, any other absolute path (the host's
`/tmp` included), other processes (no PID namespace), and the host file system (readable and
writable as the user). A container's processes, those that left its session included, end
with it through its cgroup where one can be made, else (as this process's orphans, plait
being their subreaper) when the run ends.
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
from typing import Any, Iterator, Sequence

from plait.runtime import pods as P
from plait.runtime.backends import limits as L
from plait.runtime.backends import sandbox as S
from plait.runtime.backends.podkit import (
    DEADLINE_MESSAGE,
    LINE_LIMIT,
    RESULT_LIMIT,
    SCRIPT_PATH,
    PodLife,
    copy_input,
    field_value,
    launch,
    probe_port,
    read_outputs,
    spec_env,
    write_key_files,
)
from plait.runtime.backends.podkit import PodFailure as _PodFailure
from plait.runtime.backends.podkit import Streams as _Streams
from plait.runtime.backends.podkit import expand as _expand
from plait.runtime.backends.podkit import relative as _inside
from plait.runtime.backends.podkit import safe_name as _safe
from plait.runtime.backends.podkit import under as _under
from plait.runtime.backends.podkit import within as _within
from plait.runtime.backends.sandbox import bwrap_works
from plait.runtime.images import ImageTable
from plait.runtime.outputs import IMAGE_ROOT, OutputLimits
from plait.runtime.paths import UnsafePath, inside
from plait.runtime.types import LogSink, Phase, PodResult, ResourceRunner

logger = logging.getLogger("plait.runtime.local")

GRACE = 1.0                        # SIGTERM, then SIGKILL after this many seconds
PROBE_PERIOD = 0.05                # readiness is polled faster than Kubernetes' periodSeconds
POD_HOME = "/root"                 # HOME in the sandbox: an empty folder of the pod's own
_NOT_BOUND = ("/proc", "/dev", "/tmp")              # the sandbox has its own
_NEVER_OPEN = _NOT_BOUND + ("/sys",)
PRIVATE_DIRS = ("/var/tmp", POD_HOME)           # empty, the pod's own
_LIVE_GROUPS: set[int] = set()     # every process group still running, for the atexit hook
_STARTED: set[int] = set()         # containers' own processes (asyncio reaps them)


class BackendError(Exception):
    """The backend cannot be set up as asked (`sandbox="bwrap"` without a working bwrap)."""


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


def _become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux), so a `setsid` orphan
    of an unsandboxed pod without a cgroup comes back to plait and is killed at `close`."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0          # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _boot_ticks() -> int:
    """Now, in /proc/<pid>/stat's starttime unit (clock ticks since boot)."""
    return int(time.clock_gettime(time.CLOCK_BOOTTIME) * os.sysconf("SC_CLK_TCK"))


def _processes() -> Iterator[tuple[int, list[bytes]]]:
    """(pid, the fields of /proc/<pid>/stat after the command name) of every process now:
    fields[0] is the state, [1] the parent, [2] the process group, [19] the start time."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue            # it ended while we looked
            yield int(entry.name), stat[stat.rfind(b")") + 2:].split()


def _orphans(since: int) -> list[int]:
    """Processes whose parent is this one, started after `since` (boot ticks), that no
    container's spawn made: orphans of pods that came back to this subreaper."""
    me = str(os.getpid()).encode()
    return [pid for pid, fields in _processes()
            if fields[1] == me and pid not in _STARTED and int(fields[19]) >= since]


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
    # asyncio's own watcher state (3.11 has no public API for it), hence the ignores below
    if isinstance(current, asyncio.PidfdChildWatcher) and current._loop is loop:  # type: ignore[attr-defined]
        return None
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return None
    watcher = asyncio.PidfdChildWatcher()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        watcher.attach_loop(loop)
        policy._watcher = watcher  # type: ignore[attr-defined]  # set_child_watcher would close the one we may restore
    if current is None or isinstance(current, asyncio.PidfdChildWatcher):
        return asyncio.ThreadedChildWatcher()      # never hand back one bound to a dead loop
    return current


def restore_child_watcher(previous: Any) -> None:
    """Put back the watcher `use_pidfd_child_watcher` replaced."""
    policy = asyncio.get_event_loop_policy()
    mine = getattr(policy, "_watcher", None)
    if isinstance(mine, asyncio.PidfdChildWatcher) and not mine._callbacks:  # type: ignore[attr-defined]  # asyncio's private state
        mine._loop = None  # type: ignore[attr-defined]
        policy._watcher = previous  # type: ignore[attr-defined]


class LocalBackend:
    """Runs Pod manifests as (sandboxed) host processes; see the module docstring."""

    name = "local"
    engine_name: str | None = None      # processes, no container engine
    options: dict[str, Any] | None = None       # the run's home is enough to reach its pods
    run_resource: ResourceRunner | None = None  # resource templates need a cluster

    def __init__(self, home: Path, secrets: Any = None, images: Any = None,
                 sandbox: str | None = None, parallelism: int | None = None,
                 child_watcher: str = "pidfd", pass_env: Sequence[str] = (),
                 cgroups: bool = True, keep_pods: bool = False,
                 ro_binds: tuple[str, ...] = ()) -> None:
        try:
            self.sandbox, self.bwrap = S.choose(sandbox)
        except (ValueError, S.NoSandbox) as exc:
            raise BackendError(str(exc)) from None
        self.home = Path(home)
        self.secrets = secrets
        self.keep_pods = keep_pods        # debugging: pod folders stay after the pod (--keep-pods)
        self.limits = OutputLimits.from_env()
        self._images = images
        self.parallelism = parallelism or 4 * (os.cpu_count() or 1)
        self.child_watcher = child_watcher
        # host folders every container reads at the same path (runtime/pyscripts.py: the
        # running Python and a Hera module's folder); nothing else of the host beyond the image
        self.ro_binds = tuple(ro_binds)
        self._slots: asyncio.Semaphore | None = None
        self._pods: set[LocalPod] = set()
        self._told_images = False
        # a pod's environment is its spec's: of the host's, only the names asked for
        self.base_env = {k: os.environ[k] for k in pass_env if k in os.environ}
        self.found: set[tuple[str, str | None]] = set()     # commands seen on PATH
        self._top: tuple[list[str], frozenset[str]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_watcher: Any = None
        self.caps = S.capability_args(S.userns_works(self.bwrap)) if self.bwrap else []
        self.cgroups = L.CgroupSupport() if cgroups else None
        self.process_cap = L.PROCESS_CAP
        self.unenforced: list[str] = []       # limits this run asked for that were not enforced
        self._subreaper = False
        if not self.bwrap and not (self.cgroups and self.cgroups.pids):
            self._subreaper = _become_subreaper()   # orphans come back to us: killed at close
            self._since = _boot_ticks()

    @property
    def images(self) -> Any:
        if self._images is None:
            self._images = ImageTable.load(home=self.home)
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
                           "host%s", " inside bubblewrap" if self.bwrap else
                           ", UNSANDBOXED (--sandbox none): pods can read and write what you can")
        pod = LocalPod(self, manifest, log)
        await launch(pod, self._slots, self._pods)
        return pod

    def top_level_binds(self) -> tuple[list[str], frozenset[str]]:
        """bwrap arguments binding the host's image folders read-only (`sandbox.image_entries`;
        computed once), and the folders bound."""
        if self._top is None:
            argv: list[str] = []
            bound = []
            for p, target in S.image_entries():
                if target is not None:
                    argv += ["--symlink", target, p]
                else:
                    argv += ["--ro-bind", p, p]
                    bound.append(p)
            if "/etc" in bound:
                for real in S.linked_name_files(frozenset(bound)):
                    argv += ["--ro-bind", real, real]
            self._top = (argv, frozenset(bound))
            self.hidden = S.hidden_in_etc() if "/etc" in bound else []
            self.hidden_paths = frozenset(p for p, _ in self.hidden)
        return self._top

    def visible(self, path: str) -> bool:
        """Whether `path` is an existing folder of the host that pods see (an image folder)."""
        _, bound = self.top_level_binds()
        real = os.path.realpath(path)
        return any(_under(real, b) for b in bound) and os.path.isdir(real)

    def note_unenforced(self, what: str) -> None:
        """Say once per run that a limit could not be enforced (and keep it for the store)."""
        if what not in self.unenforced:
            self.unenforced.append(what)
            logger.warning("the local backend cannot enforce %s", what)

    def _release(self, pod: "LocalPod", slot: bool) -> None:
        self._pods.discard(pod)
        if slot and self._slots is not None:
            self._slots.release()

    async def close(self) -> None:
        """Kill every pod still running."""
        pods = list(self._pods)
        await asyncio.gather(*(p.kill("the runner is closing") for p in pods), return_exceptions=True)
        if self._subreaper:
            for pid in _orphans(self._since):       # `setsid` orphans of unsandboxed pods
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (OSError, ChildProcessError):
                    pass
        if self.cgroups is not None:
            self.cgroups.cleanup()
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
        self.image_links: set[str] = set()  # the image's links remade in an opened folder
        self.dirs: list[str] = []         # directories to create in a tmpfs (bwrap)
        self.host_root = False            # the sandbox root is the host dir `root` (bwrap)
        self.host_tmp = False             # /tmp is the host dir `tmp` (bwrap)
        self.script: Path | None = None   # the script file to bind at /argo/staging/script
        self.shims: dict[str, str] = {}   # container path -> host file or folder (image table)
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

    def area(self, path: str) -> tuple[Path, str] | None:
        """The host folder holding this container's own file at container path `path` (and
        the path relative to it): a volume, its /tmp or its root when those are host folders.
        `IMAGE_ROOT` for the host's read-only image folders bound into the sandbox (read back
        as the pod sees them). None for what is not in its world or is gone with it: a tmpfs,
        /proc, /dev (see `runtime.outputs`)."""
        path = posixpath.normpath("/" + path.lstrip("/"))
        if self.pod.backend.bwrap:
            m = self.mount_of(path)
            if m:
                return m[1], path[len(m[0]):].strip("/")
            if _under(path, "/tmp"):
                return (self.tmp, path[4:].strip("/")) if self.host_tmp else None
            if not self.host_root or any(_under(path, d) for d in _NEVER_OPEN):
                return None
            probe = path
            while probe != "/":
                if probe in self.from_host or path in self.image_links:
                    return IMAGE_ROOT, path.strip("/")
                probe = posixpath.dirname(probe)
            return self.root, path.strip("/")
        for prefix, host in self.rewrites:
            if _under(path, prefix):
                return Path(host), path[len(prefix):].strip("/")
        return Path("/"), path.strip("/")       # unsandboxed: the pod saw the host as it is

    def prepare(self, extra_paths: list[str], outputs: Sequence[str] = ()) -> None:
        """Decide which directories to open (bwrap) or which prefixes to rewrite (fallback).
        An output that is an image folder (`/etc`) keeps the image's entries, as a container's
        own /etc does: the folder is opened (its entries bound one by one, new ones the pod's)."""
        self.claimed = set(extra_paths)
        if self.pod.backend.bwrap:
            for p in outputs:
                only_output = extra_paths.count(p) == list(outputs).count(p)
                if only_output and self.pod.backend.visible(p) and \
                        os.path.realpath(p) == p and not self.mount_of(p):
                    self.claimed.discard(p)
                    self._open_for(p)
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
                elif d not in self.dirs and not self.pod.backend.visible(d):
                    self.dirs.append(d)
            return
        pairs: dict[str, str] = {m[0]: str(m[1]) for m in self.mounts}
        files: set[str] = set()
        for p in extra_paths:
            if self.mount_of(p):
                continue
            d = posixpath.dirname(p)
            target = p if d == "/" else d      # never rewrite every path under `/`
            if target == p and not os.path.isdir(p):     # `/tmp` is a folder in any image
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
        _, bound = self.pod.backend.top_level_binds()
        if not any(_under(d, b) for b in bound):
            return         # not an image folder: the pod's own root has room for it
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
        backend.top_level_binds()
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
        for path, is_dir in backend.hidden:     # /etc's private files: covered by empty ones
            if path not in self.from_host and any(_under(path, b) for b in self.from_host):
                argv += ["--tmpfs", path, "--remount-ro", path] if is_dir else \
                    ["--ro-bind", "/dev/null", path]
        argv += ["--dev", "/dev", "--proc", "/proc"]
        argv += ["--bind", str(self.tmp), "/tmp"] if self.host_tmp else ["--tmpfs", "/tmp"]
        for d in PRIVATE_DIRS:
            if not self.mount_of(d) and d not in self.claimed:
                argv += ["--dir", d]
        for path, host in self.shims.items():
            argv += ["--ro-bind", host, path]
        for path in backend.ro_binds:
            argv += ["--ro-bind", path, path]
        for d in self.dirs:
            argv += ["--dir", d]
        for mount_path, source, ro in self.mounts:
            argv += ["--ro-bind" if ro else "--bind", str(source), mount_path]
        if self.script is not None:
            argv += ["--ro-bind", str(self.script), SCRIPT_PATH]
        argv += backend.caps
        argv += ["--unshare-pid", "--unshare-uts", "--hostname", hostname[:63],
                 "--die-with-parent", "--chdir", self.workdir]
        return argv

    def _bind_entries(self, d: str, argv: list[str]) -> None:
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            return
        backend = self.pod.backend
        image = {p for p, _ in S.image_entries()}
        for e in entries:
            p = e.path if d != "/" else "/" + e.name
            if p in _NOT_BOUND or p in self.claimed or p in backend.hidden_paths or \
                    (d == "/" and p not in image):
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
                    self.image_links.add(p)
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


class LocalPod(PodLife):
    """A started pod (`runtime.types.PodHandle`; its life is `podkit.PodLife`'s)."""

    def __init__(self, backend: LocalBackend, manifest: dict[str, Any], sink: LogSink) -> None:
        super().__init__(manifest, sink)
        self.backend = backend
        self.manifest = manifest
        self.dir = inside(backend.home / "pods", _safe(self.name))
        self.ip = "127.0.0.1"
        self.env_path: str | None = os.environ.get("PATH")
        self._groups: set[int] = set()
        self._volumes: dict[str, Path] = {}
        self._patterns: dict[int, re.Pattern[str]] = {}

    # -- the pod's life (`podkit.PodLife.run`) -------------------------------------------------

    async def _stop_all(self) -> None:
        await self._stop_groups(set(self._groups))

    def _set_up_failed(self, exc: Exception) -> PodResult | None:
        if isinstance(exc, UnsafePath):   # a name (volume item, ...) that would leave its folder
            return PodResult(Phase.ERROR, None, str(exc))
        return None

    def _finished(self, release: bool) -> None:
        self._cleanup()
        self.backend._release(self, release)

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
            outs = [box.absolute(p) for p in paths]
            if deps is not None or name == main_name:
                paths += [i["path"] for i in inputs]
            box.prepare([box.absolute(p) for p in paths], outs)
            if deps is not None or name == main_name:
                self._place_inputs(box, inputs)
        if deps is None:
            result = await self._main_and_sidecars(boxes, main_name, script)
        else:
            result = await self._container_set(
                list(boxes), deps, main_name,
                lambda name, _attempt: self._run_container(boxes[name], None,
                                                           keep=name == main_name))
        if not self._killed:
            result.files, problem = self._read_outputs(boxes, outputs)
            if problem and result.phase is Phase.SUCCEEDED:
                result.phase, result.message = Phase.ERROR, problem
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
        group, address_space, extra = self._limits(box)
        cgroups = self.backend.cgroups
        try:
            if group is not None and cgroups is not None:
                cgroups.enter(group)     # the fork below starts inside (synchronously, no await)
            try:
                transport, proto = await loop.subprocess_exec(
                    lambda: _Streams(loop, box.name, self.sink, keep, self.backend.secrets),
                    *full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True, **extra)
            finally:
                if group is not None and cgroups is not None:
                    cgroups.enter(None)
        except (OSError, subprocess.SubprocessError) as exc:
            if group is not None and self.backend.cgroups is not None:
                self.backend.cgroups.release(group)
            if isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.EACCES, errno.ENOEXEC):
                message = self._not_found(argv[0], spec)
                self.sink(box.name, message)
                return 127, None, message
            if isinstance(exc, OSError):
                raise
            return None, None, f"{box.name}: the container could not start: {exc}"
        proto.watch_alloc = address_space is not None
        pid = transport.get_pid()
        _STARTED.add(pid)
        box.groups.add(pid)
        self._groups.add(pid)
        _LIVE_GROUPS.add(pid)
        if self._killed or box.stopping:
            asyncio.ensure_future(self._stop_groups({pid}))
        if on_start is not None:
            on_start()
        oom = group_killed = False
        try:
            await proto.exited
            # whatever the container left behind dies with it (as with a container's PID 1);
            # its cgroup also ends what left the process group (`setsid`)
            _signal_group(pid, signal.SIGKILL)
            if group is not None:
                oom = group.oom_killed()
                if not self.backend.bwrap:     # (a PID namespace ends with its container)
                    group.kill()
                    group_killed = True
            try:
                await asyncio.wait_for(asyncio.shield(proto.closed), GRACE)
            except asyncio.TimeoutError:
                pass          # a process that left the group holds the pipes: stop listening
            code = transport.get_returncode()
        finally:
            transport.close()
            self._groups.discard(pid)
            _LIVE_GROUPS.discard(pid)
            _STARTED.discard(pid)
            if group is not None and self.backend.cgroups is not None:
                if not self.backend.bwrap and not group_killed:     # cancelled while waiting
                    group.kill()
                self.backend.cgroups.release(group)
        proto.flush()
        if code is None:
            code = 137
        elif code < 0:
            code = 128 - code
        if oom and not self._killed:
            self.sink(box.name, L.OOM_MESSAGE)
            return 137, None, L.OOM_MESSAGE
        if proto.alloc_failed and code != 0 and address_space is not None:
            memory = ((box.spec.get("resources") or {}).get("limits") or {}).get("memory")
            return code, None, (f"{box.name}: Error (exit code {code}): an allocation failed at "
                                f"the memory limit {memory} (enforced as RLIMIT_AS, an "
                                f"address-space limit of {address_space} bytes)")
        out = proto.result()
        first_err = proto.first_err
        if self.backend.bwrap and code == 1 and first_err and first_err.startswith("bwrap: "):
            if "execvp" in first_err:
                return 127, out, self._not_found(argv[0], spec)
            return code, out, f"sandbox set-up failed: {first_err[len('bwrap: '):]}"
        return code, out, None

    def _limits(self, box: _Box) -> tuple[L.Cgroup | None, int | None, dict[str, Any]]:
        """The container's cgroup (made now, or None), its RLIMIT_AS (None: not used), and
        the spawn's extra arguments (a `preexec_fn` that joins the cgroup and sets rlimits).
        Limits it cannot enforce are said once per run (`LocalBackend.note_unenforced`)."""
        backend = self.backend
        limits = (box.spec.get("resources") or {}).get("limits") or {}
        memory = L.memory_bytes(limits["memory"]) if "memory" in limits else None
        cgroups = backend.cgroups
        group = None
        if cgroups is not None and (cgroups.pids or (memory is not None and cgroups.memory)):
            group = cgroups.create(memory if cgroups.memory else None, backend.process_cap)
        in_group = set(group.folders) if group is not None else set()
        address_space = memory if memory is not None and "memory" not in in_group else None
        nproc = backend.process_cap if "pids" not in in_group and os.geteuid() != 0 else None
        for key in limits:
            if key == "memory" and memory is None:
                backend.note_unenforced(f"limits.memory {limits[key]!r} (not a quantity)")
            elif key == "memory" and address_space is not None:
                backend.note_unenforced("limits.memory as a memory cgroup (no cgroup can be "
                                        "made here: enforced as RLIMIT_AS, an address-space "
                                        "limit, instead)")
            elif key != "memory":
                backend.note_unenforced(f"limits.{key}")
        if "pids" not in in_group and os.geteuid() == 0:
            backend.note_unenforced(f"the process cap ({backend.process_cap} per container: "
                                    "no pids cgroup here, and root ignores RLIMIT_NPROC)")
        fn = L.preexec(group, address_space, nproc)
        return group, address_space, ({"preexec_fn": fn} if fn is not None else {})

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
            if self.backend.cgroups is not None:
                self.backend.cgroups.enter(None)     # not in another container's cgroup
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
        return probe_port(box.spec, port)

    # -- what a container gets ----------------------------------------------------------------

    def _env(self, box: _Box) -> dict[str, str]:
        """What Kubernetes gives a container: the image's PATH, HOSTNAME, HOME, then the
        spec's env (Argo's ARGO_* among it); of the host's environment only the names passed
        through on purpose (`pass_env`). Nothing of plait's own (no PYTHONPATH, no PLAIT_*)."""
        env = {"PATH": S.DEFAULT_PATH, "HOSTNAME": self.name[:63], "HOME": POD_HOME}
        env.update(self.backend.base_env)
        if not self.backend.bwrap:
            env["TMPDIR"] = env["HOME"] = str(box.root)      # the container's own folder
        entry = self._image_entry(box)
        if entry and entry.get("path"):
            env["PATH"] = ":".join([*entry["path"], S.DEFAULT_PATH])
            self._shim(box, {p: p for p in entry["path"]})
        if entry and entry.get("files"):
            self._shim(box, entry["files"])
        spec_env(env, box.spec, self.backend.secrets, self._field,
                 str if self.backend.bwrap else box.rewrite)
        self.env_path = env.get("PATH")
        return env

    def _field(self, field_ref: dict[str, Any]) -> str:
        known = {"metadata.name": self.name, "metadata.namespace": "default",
                 "status.podIP": "127.0.0.1", "status.hostIP": "127.0.0.1",
                 "spec.nodeName": socket.gethostname(),
                 "spec.serviceAccountName": str(self.spec.get("serviceAccountName", "default"))}
        return field_value(field_ref, known, self.labels, self.annotations, "local")

    def _command(self, box: _Box, env: dict[str, str], script: dict[str, Any] | None) -> list[str]:
        spec = box.spec
        command = [str(a) for a in spec.get("command") or []]
        args = [str(a) for a in spec.get("args") or []]
        if not command:
            image = str(spec.get("image", ""))
            entry = self._image_entry(box)
            if entry is None:
                raise _PodFailure(Phase.ERROR, (
                    f"container '{box.name}' has no command and image {image!r} is not in plait's "
                    "image table: give it a command, or add the image's entrypoint/cmd with "
                    "--images FILE (a map image -> {entrypoint: [...], cmd: [...]})"))
            command = [str(a) for a in entry.get("entrypoint") or []]
            if "args" not in spec:
                args = [str(a) for a in entry.get("cmd") or []]
            if command and command[0].startswith("/") and os.path.isfile(command[0]):
                self._shim(box, {command[0]: command[0]})
        argv = [_expand(a, env) for a in command + args]
        if not self.backend.bwrap and argv and argv[0] in box.shims:
            argv[0] = box.shims[argv[0]]       # unsandboxed: nothing is bound, run the host file
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
        if self.backend.images:          # `python` -> the host's `python3`, `/argosay`, ...
            argv[:1] = self.backend.images.stand_in(argv[0], env.get("PATH"),
                                                    str(spec.get("image", "")))
        if not self.backend.bwrap:       # unsandboxed nothing is bound: name the host files
            argv = [box.shims.get(a, a) for a in argv]
        if not self.backend.bwrap:
            argv = [box.rewrite(a) for a in argv]
        return argv

    def _image_entry(self, box: _Box) -> dict[str, Any] | None:
        images = self.backend.images
        return images.lookup(str(box.spec.get("image", ""))) if images else None

    def _shim(self, box: _Box, binds: dict[str, str]) -> None:
        """Image-table shims, bound read-only for this image's containers only (nothing else
        of the host outside the image folders is visible):

        - an `entrypoint` that names a host file: at the same path;
        - `path: [FOLDER, ...]`: each host folder at the same path (and first on PATH);
        - `files: {CONTAINER_PATH: HOST_FILE}`: a host file at a path of its own, as an image
          would have it (a built-in `/argosay`, say). Unsandboxed nothing is bound: a command
          that names CONTAINER_PATH runs HOST_FILE instead.

        A same-path shim that the image folders already show needs no bind."""
        for path, host in binds.items():
            if not (path.startswith("/") and os.path.exists(host)) or path in box.shims:
                continue
            if path == host and self.backend.visible(
                    os.path.dirname(host) if os.path.isfile(host) else host):
                continue
            box.shims[path] = host

    def _missing_command(self, box: _Box, cmd: str, env: dict[str, str]) -> str | None:
        if "/" in cmd:
            path = box.absolute(cmd)
            shim = [Path(box.shims[path])] if path in box.shims else []
            for candidate in (*shim, box.host_path(path), Path(path)):
                if candidate.is_file() and os.access(candidate, os.X_OK):
                    return None
            return self._not_found(cmd, box.spec)
        key = (cmd, env.get("PATH"))
        if key in self.backend.found or shutil.which(cmd, path=env.get("PATH")):
            self.backend.found.add(key)
            return None
        return self._not_found(cmd, box.spec)

    def _not_found(self, cmd: str, spec: dict[str, Any]) -> str:
        """A command that cannot start, in the container runtime's words (runc's `exec: "x":
        executable file not found in $PATH`, as Argo shows them), then plait's hint: a host
        file the sandbox hides (the host's /tmp: each pod has its own) is named as such."""
        if "/" in cmd:
            head = f'exec: "{cmd}": stat {cmd}: no such file or directory'
        else:
            head = f'exec: "{cmd}": executable file not found in $PATH'
        host = cmd if "/" in cmd else shutil.which(cmd, path=self.env_path)
        hidden = self.backend.bwrap and host and _under(os.path.abspath(host), "/tmp")
        if hidden and host and os.path.isfile(host):
            hint = (f"{host} exists on this host, but the sandbox hides it: each pod gets its own "
                    "/tmp; put the command outside /tmp")
        else:
            hint = (f"plait runs commands from this host, not from image {spec.get('image', '?')}: "
                    "install it, or put a shim on PATH")
        return f"{head} ({hint})"

    # -- files --------------------------------------------------------------------------------

    def volume(self, name: str) -> Path:
        """The host directory behind a volume (a per-workflow one for unknown/PVC volumes)."""
        if name not in self._volumes:
            path = inside(self.backend.home / "volumes", _safe(self.workflow), _safe(name))
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
                path = self.dir / "volumes" / _safe(name)
                write_key_files(path, vol, store)
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
            copy_input(source, target, item.get("mode"), str(item["path"]))

    def _read_outputs(self, boxes: dict[str, _Box], outputs: list[dict[str, Any]]
                      ) -> tuple[dict[str, str | None], str | None]:
        """Copy each output path out of the pod (`podkit.read_outputs`) to `out/<i>/`."""
        def locate(path: str, name: str) -> tuple[Any, str] | None:
            box = boxes.get(name)
            return (box.area, box.absolute(path)) if box is not None else None
        return read_outputs(self.dir / "out", outputs, self.backend.limits, locate)

    def _cleanup(self) -> None:
        """Drop the pod's scratch space (roots, /tmp, emptyDirs, script) once it ended; the
        output copies in `out/` stay until the engine stored them (`cleanup`)."""
        if self.backend.keep_pods:
            return
        try:
            entries = list(os.scandir(self.dir))
        except FileNotFoundError:
            return
        for e in entries:
            if e.name != "out":
                shutil.rmtree(e.path, ignore_errors=True)
        try:
            self.dir.rmdir()                  # nothing was read back: the folder goes too
        except OSError:
            pass

    def cleanup(self) -> None:
        """The engine stored the pod's outputs and logs: remove its folder (raw parameter
        files may hold secrets), unless the backend keeps pods (`--keep-pods`)."""
        if not self.backend.keep_pods:
            shutil.rmtree(self.dir, ignore_errors=True)

    def backend_pattern(self, box: _Box) -> re.Pattern[str]:
        key = id(box)
        if key not in self._patterns:
            alts = "|".join(re.escape(p) for p, _ in box.rewrites)
            self._patterns[key] = re.compile(rf"(?<![\w.\-/])({alts})(?![\w.\-])")
        return self._patterns[key]


def _group_has_live(pgid: int) -> bool:
    """True while some member of the group is not a zombie (zombies wait for their reaper)."""
    try:
        return any(int(fields[2]) == pgid and fields[0] != b"Z" for _, fields in _processes())
    except OSError:
        return True


def _http_ok(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


__all__ = ["BackendError", "DEADLINE_MESSAGE", "LINE_LIMIT", "LocalBackend", "LocalPod",
           "RESULT_LIMIT", "bwrap_works",
           "restore_child_watcher", "use_pidfd_child_watcher"]
