"""The host side of a container pod: `<home>/pods/<pod>/` and the volumes its containers mount.

    volumes/<name>/    emptyDir (disk), secret and configMap files (read-only mounts, with
                       Kubernetes' modes: `podkit.write_key_files`)
    inputs/<i>/<base>  input artifacts copied from the staging area, bind-mounted at their
                       path (an input inside a volume is copied into that volume instead)
    script             a script template's source, mounted read-only at /argo/staging/script
    env/<container>    the container's env as an `--env-file` (0600: values may be secrets)
    out/<i>/           outputs read back after main ended (`podkit.read_outputs`)

`persistentVolumeClaim` volumes (and `volumeClaimTemplates`) and volumes of other kinds are
host folders `<home>/volumes/<workflow>/<name>`, shared by the workflow's pods as the local
backend shares them, and removed with the run (`plait delete`). `hostPath` is the host path.
`emptyDir: {medium: Memory}` is an engine volume of type tmpfs (`memory_volumes`), created
for the pod and removed with it.

Outputs are read as the container saw them: `area` maps a container path to the host folder
holding it (a volume, an input copy, or the container's root file system as the engine mounts
it), so `runtime.outputs` resolves links as the container would and never follows one on
the host, with the same size caps as the local backend.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from plait.runtime.outputs import Area, ImageTree
from plait.runtime.paths import inside
from plait.runtime.types import Phase

from .podkit import (
    SCRIPT_PATH,
    PodFailure,
    copy_input,
    relative,
    safe_name,
    under,
    within,
    write_key_files,
)


@dataclass(frozen=True)
class Mount:
    """One mount of a container: `source` is a host path, or an engine volume's name."""

    path: str
    source: str
    read_only: bool = False
    engine_volume: bool = False

    def arg(self) -> list[str]:
        """The engine's `-v SOURCE:PATH[:ro]` for this mount."""
        if any(c in s for s in (self.source, self.path) for c in ":,\n"):
            raise PodFailure(Phase.ERROR, f"mount {self.path!r}: a path with ':' or ',' cannot "
                             "be mounted by the container engine")
        return ["-v", f"{self.source}:{self.path}" + (":ro" if self.read_only else "")]


ENGINE_LINKS = frozenset({"etc/mtab"})
"""Links the engine adds to a container's root file system (`/etc/mtab -> /proc/mounts` where
the image has none): read back as the image's links, not as the pod's."""


class PodFolder:
    """`<home>/pods/<pod>/`: volumes, inputs, script, env files and output copies of a pod."""

    def __init__(self, home: Path, pod: str, workflow: str, spec: dict[str, Any],
                 secrets: Any) -> None:
        self.home = Path(home)
        self.pod, self.workflow, self.spec, self.secrets = pod, workflow, spec, secrets
        self.dir = inside(self.home / "pods", safe_name(pod))
        self.volumes: dict[str, Mount] = {}       # volume name -> its source (path unset)
        self.memory: dict[str, str] = {}          # Memory emptyDir name -> engine volume name

    def make_volumes(self) -> None:
        """Create every volume's host folder (secret/configMap files written now)."""
        if self.dir.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        for vol in self.spec.get("volumes") or []:
            name = str(vol.get("name"))
            if "emptyDir" in vol and ((vol.get("emptyDir") or {}).get("medium") == "Memory"):
                engine_name = f"{self.pod}-{safe_name(name)}"
                self.memory[name] = engine_name
                self.volumes[name] = Mount("", engine_name, engine_volume=True)
                continue
            read_only = False
            if "emptyDir" in vol:
                path = self.dir / "volumes" / safe_name(name)
            elif "hostPath" in vol:
                path = Path(str((vol["hostPath"] or {}).get("path", "")))
                if not path.is_absolute():
                    raise PodFailure(Phase.ERROR, f"hostPath volume {name!r} needs an absolute path")
            elif "secret" in vol or "configMap" in vol:
                path = self.dir / "volumes" / safe_name(name)
                write_key_files(path, vol, self.secrets)
                read_only = True        # Kubernetes mounts them read-only, whatever the mount says
            else:
                path = self.shared_volume(name)
            path.mkdir(parents=True, exist_ok=True)
            self.volumes[name] = Mount("", str(path), read_only)

    def shared_volume(self, name: str) -> Path:
        """A workflow's persistent volume (a claim, a claim template): `<home>/volumes/<wf>/<name>`."""
        return inside(self.home / "volumes", safe_name(self.workflow), safe_name(name))

    def mounts(self, container: dict[str, Any]) -> list[Mount]:
        """The container's volumeMounts as engine mounts (`subPath` made inside its volume)."""
        out = []
        for m in container.get("volumeMounts") or []:
            name = str(m.get("name"))
            vol = self.volumes.get(name)
            path = posixpath.normpath(str(m.get("mountPath", "/")))
            if vol is None:                 # a mount of a volume the pod does not declare
                host = self.shared_volume(name)
                host.mkdir(parents=True, exist_ok=True)
                vol = Mount("", str(host))
            source = vol.source
            if m.get("subPath"):
                if vol.engine_volume:
                    raise PodFailure(Phase.ERROR, f"subPath of the Memory emptyDir {name!r} is "
                                     "not supported by the container backend")
                base = Path(vol.source)
                host = base / relative(str(m["subPath"]))
                if not within(host, [base]):      # a symlink left in a shared volume
                    raise PodFailure(Phase.ERROR, f"subPath {m['subPath']!r} of volume {name!r} "
                                     "leads outside the volume")
                host.mkdir(parents=True, exist_ok=True)
                source = str(host)
            out.append(Mount(path, source, vol.read_only or bool(m.get("readOnly")),
                             vol.engine_volume))
        return out

    def place_inputs(self, mounts: list[Mount], inputs: list[dict[str, Any]],
                     workdir: str) -> list[Mount]:
        """Copy the input artifacts into the pod: into a volume when the path lies in one the
        container mounts, else to `inputs/<i>/` and a bind mount at the path (as Argo mounts
        them). Returns the extra mounts."""
        extra = []
        for i, item in enumerate(inputs):
            path = posixpath.normpath(posixpath.join(workdir or "/", str(item["path"])))
            source = Path(str(item["source"]))
            mount = _mount_of(mounts, path)
            if mount is not None and not mount.engine_volume and not mount.read_only:
                root = Path(mount.source)
                target = root / relative(path[len(mount.path):])
                probe = target.parent
                while not probe.exists() and probe != root:
                    probe = probe.parent
                if not within(probe, [root]):
                    raise PodFailure(Phase.ERROR, f"input {item['path']!r}: a symlink in a "
                                     "volume leads outside it")
                copy_input(source, target, item.get("mode"), str(item["path"]))
                continue
            target = self.dir / "inputs" / str(i) / (posixpath.basename(path) or "input")
            copy_input(source, target, item.get("mode"), str(item["path"]))
            extra.append(Mount(path, str(target)))
        return extra

    def script(self, source: str) -> Mount:
        """The script source, mounted read-only where Argo puts it."""
        target = self.dir / "script"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o755)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(source)
        os.chmod(target, 0o755)       # readable by the container's user, whoever it runs as
        return Mount(SCRIPT_PATH, str(target), read_only=True)

    def env_file(self, container: str, env: dict[str, str]) -> tuple[Path, dict[str, str]]:
        """An `--env-file` (owner-only) with the env's one-line values; the values an env file
        cannot hold (a newline) are returned, to pass through the engine client's own env."""
        folder = self.dir / "env"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / safe_name(container)
        passed = {k: v for k, v in env.items() if "\n" in v or "\r" in v}
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            for k, v in env.items():
                if k not in passed:
                    f.write(f"{k}={v}\n")
        return target, passed

    def area(self, mounts: list[Mount], root: Path | None, own: Path | None = None) -> Area:
        """Container path -> (host folder, relative path) of the container's own file there:
        a mount's host folder (a file mount: its copy), else the container's root file system
        `root` (None: not readable here). `own`: the root's overlay upper folder (the pod's
        changes): the root's other links are the image's, read back as the local backend
        reads its image's (`outputs.ImageTree`)."""
        def where(path: str) -> tuple[Path, str] | None:
            path = posixpath.normpath("/" + path.lstrip("/"))
            m = _mount_of(mounts, path)
            if m is not None:
                if m.engine_volume:
                    return None          # a tmpfs, gone with the container
                host = Path(m.source)
                if path == m.path and not host.is_dir():
                    return host.parent, host.name
                return host, path[len(m.path):].strip("/")
            if root is None:
                return None
            if own is not None:
                return ImageTree.of(root, own, ENGINE_LINKS), path.strip("/")
            return root, path.strip("/")
        return where

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def make_dirs(root: Path, path: str) -> None:
    """`mkdir -p path` inside a container's root file system `root`, one component at a time
    without following links (an image's link stops it: the container resolves that itself)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in relative(path).split("/"):
            if name in ("", "."):
                continue
            try:
                os.mkdir(name, 0o755, dir_fd=fd)
            except FileExistsError:
                pass
            try:
                new = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except OSError:
                return          # a link or a file there: left to the container
            os.close(fd)
            fd = new
    finally:
        os.close(fd)


def _mount_of(mounts: list[Mount], path: str) -> Mount | None:
    best = None
    for m in mounts:
        if under(path, m.path) and (best is None or len(m.path) > len(best.path)):
            best = m
    return best


Locate = Callable[[str, str], "tuple[Area, str] | None"]

__all__ = ["Locate", "Mount", "PodFolder", "make_dirs"]
