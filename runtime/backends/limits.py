"""Resource limits for local containers: a memory and pids cgroup where plait may create one,
rlimits everywhere else, and the list of what could not be enforced.

Kubernetes enforces `resources.limits.memory` with the container's memory cgroup (the kernel
kills the container: `OOMKilled`, exit code 137) and caps processes with the pod's pids
cgroup. Locally:

- cgroups: as root on cgroup v1 (the `memory` and `pids` hierarchies) or on cgroup v2 where
  plait's own cgroup delegates `memory` and `pids` to children, each container gets a cgroup
  `plait-<pid>/<n>` below plait's own: `memory.limit_in_bytes`/`memory.max` from its memory
  limit, `pids.max` = `PROCESS_CAP`. The cgroup also ends every process of the container when
  it ends (a `setsid` orphan included), and tells an OOM kill from other kills.
- rlimits otherwise: `RLIMIT_AS` (address space) = the memory limit, so an allocation beyond
  it fails inside the container (the node fails with a message naming the limit), and
  `RLIMIT_NPROC` = `PROCESS_CAP` for a non-root caller (the kernel counts all of that user's
  processes, and ignores the limit for root).
- never: `limits.cpu` (no CPU throttling locally), ephemeral-storage, hugepages, devices. The
  backend says once per run which of a run's limits it could not enforce.

A container joins its cgroup as it is forked, so nothing it starts escapes it. On cgroup v1
the spawning thread itself steps into the container's cgroup for the fork (`enter`; v1 moves
single threads) and back out after: a `preexec_fn` would cost a full fork of plait instead of
a vfork (measured: 7 ms more per container). On v2, and for rlimits, the child joins and sets
them between fork and exec (`preexec`).
"""

from __future__ import annotations

import errno
import itertools
import math
import os
import re
import resource
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable

PROCESS_CAP = 1024                 # processes per container (pids.max, or RLIMIT_NPROC)
CGROUP_ROOT = Path("/sys/fs/cgroup")
OOM_MESSAGE = "OOMKilled (exit code 137)"
_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_QUANTITY = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?\s*"
                       r"(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?\s*")


def memory_bytes(quantity: Any) -> int | None:
    """A Kubernetes quantity (`64Mi`, `1G`, `128974848`, `1e9`) in bytes; None if unreadable."""
    m = _QUANTITY.fullmatch(str(quantity))
    if not m:
        return None
    # one float parse: `1e400` is inf (no int() of it) and `1e99999999` is not 10**99999999
    value = float(f"{m.group(1)}e{m.group(2) or 0}")
    unit = m.group(3) or ""
    value = value / 1000 if unit == "m" else value * _UNITS[unit]
    return max(int(value), 1) if math.isfinite(value) else None


def _own_cgroup(controller: str) -> str | None:
    """This process's cgroup path in `controller`'s v1 hierarchy ("" for v2's unified one)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if controller in names.split(",") or (controller == "" and names == ""):
            return path
    return None


class CgroupSupport:
    """Where this process may create cgroups: v1 hierarchy folders per controller, or one v2
    folder with `memory` and `pids` delegated. Detected once per backend."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.bases: dict[str, Path] = {}      # controller -> folder our cgroups go under
        self._names = itertools.count(1)
        self.pending: list[Cgroup] = []      # ended containers' cgroups, to reuse or remove
        self._entered: set[str] = set()       # controllers the spawning thread is in (v1)
        try:
            self._detect()
        except OSError:
            self.version, self.bases = None, {}

    def _detect(self) -> None:
        if (CGROUP_ROOT / "cgroup.controllers").exists():          # pure v2
            own = _own_cgroup("")
            if own is None:
                return
            base = CGROUP_ROOT / own.lstrip("/")
            wanted = {"memory", "pids"}
            if wanted <= set((base / "cgroup.subtree_control").read_text().split()) and \
                    os.access(base, os.W_OK):
                self.version = 2
                self.bases = {"memory": base, "pids": base}
            return
        for controller in ("memory", "pids"):
            own = _own_cgroup(controller)
            top = CGROUP_ROOT / controller
            if own is None or not (top / "cgroup.procs").exists():
                continue
            base = top / own.lstrip("/")
            if os.access(base, os.W_OK):
                self.bases[controller] = base
        if self.bases:
            self.version = 1

    def release(self, group: "Cgroup") -> None:
        """Give back a container's cgroup: kept for the next container once empty (making and
        removing a v1 memory cgroup costs milliseconds), never waits for its last processes."""
        self.pending.append(group)

    def _reusable(self, controllers: frozenset[str]) -> "Cgroup | None":
        still = []
        found = None
        for group in self.pending:
            if found is None and frozenset(group.folders) == controllers and not group.members():
                found = group
            else:
                still.append(group)
        self.pending = still
        return found

    def enter(self, group: "Cgroup | None") -> None:
        """(v1) Move the calling thread into `group`, or back to plait's own cgroups (None),
        so that a process it forks now starts inside. A no-op on v2 (whole processes only)."""
        if self.version != 1:
            return
        tid = str(threading.get_native_id())
        folders = group.folders.values() if group is not None else \
            [self.bases[c] for c in self._entered]
        self._entered = set(group.folders) if group is not None else set()
        for folder in folders:
            with open(folder / "tasks", "w") as f:
                f.write(tid)

    def cleanup(self) -> None:
        """Remove this process's cgroups (a bounded wait for their last processes), then its
        `plait-<pid>` folders."""
        end = time.monotonic() + 2.0
        while self.pending and time.monotonic() < end:
            for group in self.pending:
                group.kill()
            self.pending = [g for g in self.pending if not g.remove()]
            if self.pending:
                time.sleep(0.01)
        for base in set(self.bases.values()):
            try:
                (base / f"plait-{os.getpid()}").rmdir()
            except OSError:
                pass

    @property
    def memory(self) -> bool:
        return "memory" in self.bases

    @property
    def pids(self) -> bool:
        return "pids" in self.bases

    def create(self, memory: int | None, pids: int) -> "Cgroup | None":
        """A cgroup for one container: `pids` always, `memory` only with a memory limit (None
        when none can be made). An empty one from an earlier container is reused."""
        controllers = frozenset(c for c in self.bases if c == "pids" or memory is not None)
        if not controllers:
            return None
        group = self._reusable(controllers)
        if group is not None:
            try:
                group.limit(memory, pids)
                return group
            except OSError:
                group.remove()
        name = f"plait-{os.getpid()}/{next(self._names)}"
        folders: dict[str, Path] = {}
        try:
            for controller in controllers:
                folder = self.bases[controller] / name
                folder.mkdir(parents=True, exist_ok=True)
                folders[controller] = folder
            group = Cgroup(self.version or 1, folders)
            group.limit(memory, pids)
            return group
        except OSError:
            Cgroup(self.version or 1, folders).remove()
            return None


class Cgroup:
    """One container's cgroup(s): limits, join (in the child), OOM check, kill, remove."""

    def __init__(self, version: int, folders: dict[str, Path]) -> None:
        self.version = version
        self.folders = folders
        self.procs = sorted({str(f / "cgroup.procs") for f in folders.values()})
        self._limits: dict[str, str] = {}
        self._ooms = 0                # OOM kills before this container (a reused cgroup)

    def _write(self, controller: str, v1: str, v2: str, value: str) -> None:
        folder = self.folders.get(controller)
        name = v2 if self.version == 2 else v1
        if folder is not None and self._limits.get(name) != value:
            (folder / name).write_text(value)
            self._limits[name] = value

    def limit(self, memory: int | None, pids: int) -> None:
        self._ooms = self._oom_count()
        if memory is not None:
            self._write("memory", "memory.limit_in_bytes", "memory.max", str(memory))
            try:        # no swapping past the limit (absent without swap accounting)
                self._write("memory", "memory.memsw.limit_in_bytes", "memory.swap.max",
                            str(memory) if self.version == 1 else "0")
            except OSError:
                pass
        self._write("pids", "pids.max", "pids.max", str(pids))

    def join(self) -> None:
        """Move the calling process in (run in the child between fork and exec)."""
        pid = str(os.getpid())
        for path in self.procs:
            with open(path, "w") as f:
                f.write(pid)

    def _oom_count(self) -> int:
        folder = self.folders.get("memory")
        if folder is None:
            return 0
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            for line in (folder / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def oom_killed(self) -> bool:
        return "memory" in self.folders and self._oom_count() > self._ooms

    def members(self) -> set[int]:
        pids: set[int] = set()
        for path in self.procs:
            try:
                pids.update(int(p) for p in Path(path).read_text().split())
            except (OSError, ValueError):
                pass
        return pids

    def kill(self) -> None:
        """SIGKILL every process still in the cgroup (orphans that left the session too)."""
        if self.version == 2:
            try:
                (next(iter(self.folders.values())) / "cgroup.kill").write_text("1")
                return
            except (OSError, StopIteration):
                pass
        for _ in range(3):          # a process forking meanwhile is caught by the next pass
            members = self.members()
            if not members:
                return
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def remove(self) -> bool:
        """Remove the folders; False while a member is still being reaped (try again later)."""
        done = True
        for folder in set(self.folders.values()):
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError as exc:
                done = done and exc.errno != errno.EBUSY
        return done


def preexec(group: Cgroup | None, address_space: int | None,
            nproc: int | None) -> Callable[[], None] | None:
    """What the child runs before exec: join the cgroup, set the rlimits (None: nothing to do,
    so the spawn keeps its fast path)."""
    if group is not None and group.version == 1:
        group = None                   # joined by the forking thread (`CgroupSupport.enter`)
    if group is None and address_space is None and nproc is None:
        return None

    def child() -> None:
        if group is not None:
            group.join()
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        if nproc is not None:
            soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
            cap = nproc if hard == resource.RLIM_INFINITY else min(nproc, hard)
            resource.setrlimit(resource.RLIMIT_NPROC, (cap, cap))
    return child


_ALLOCATION_FAILURE = ("MemoryError", "Cannot allocate memory", "out of memory",
                       "std::bad_alloc", "memory exhausted", "failed to allocate")


def allocation_failed(line: str) -> bool:
    """Whether a stderr line looks like an allocation that failed."""
    return any(s in line for s in _ALLOCATION_FAILURE)


__all__ = ["CGROUP_ROOT", "Cgroup", "CgroupSupport", "OOM_MESSAGE", "PROCESS_CAP",
           "allocation_failed", "memory_bytes", "preexec"]
