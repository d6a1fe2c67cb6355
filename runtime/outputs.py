"""Reading a pod's output files back: only the pod's own files, never through a symlink, with
size caps, so a pod's outputs can fail its own node but never reach the host or fill its disk.

A backend that keeps a pod's files on this machine copies each output path (an output
parameter's `valueFrom.path`, an output artifact's `path`) out of the pod with `copy_output`:

- The path is resolved as the container sees it (`resolve`): component by component, each
  symlink's target read and followed *as a container path* (absolute targets from the
  container's root, relative ones from the link's folder), through `area`, the backend's map
  from a container path to the host folder holding the pod's own files there (its root, its
  `/tmp`, a volume). A path that leaves those folders (the host's read-only system folders, the
  host's `/tmp`, another pod's folders) is refused: a planted `../../x` or `/etc/shadow` link
  reads nothing.
- The resolved file or tree is then opened from its host folder one component at a time with
  `O_NOFOLLOW` (openat-style, `dir_fd`), so the file that was checked is the file that is read,
  even if something swaps a folder for a link meanwhile. Links inside a copied tree are copied
  as links (the artifact's extraction checks them); devices, FIFOs and sockets are refused (a
  pod running as root can `mknod`).
- The host's read-only image folders (`/etc`, `/usr`, ...) are part of what a pod sees: `area`
  maps them to `ImageRoot` paths, and an output there (Argo's example `path: /etc`) reads them
  back as the pod sees them: entries that are not world-readable (`/etc/shadow`,
  `/etc/ssl/private`) come back empty, as the sandbox covers them, and a copied folder is read
  entry by entry through `area`, so an entry the pod wrote beside bound image entries (an
  "opened" folder) comes from the pod's own files and a bound one from the image.
- Sizes count what a file claims (its apparent size, so a sparse file counts in full) and are
  capped per output and per pod; see `OutputLimits` for the names and defaults.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

_MAX_LINKS = 40                  # as Linux's ELOOP limit
_CHUNK = 1 << 20
_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = _FLAGS | os.O_DIRECTORY
_SIZE = re.compile(r"\s*(\d+)\s*(Ki|Mi|Gi|Ti)?\s*\Z")
_UNITS = {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40}

Area = Callable[[str], "tuple[Path, str] | None"]
"""`area(container_path)` -> (host folder, path relative to it) holding the pod's own file at
that container path (an `ImageRoot` for the host's read-only image folders the pod sees), or
None when the path is not in the pod's world."""


class ImageTree(type(Path())):  # type: ignore[misc]
    """A host folder `area` returns for an image's files as a pod sees them: its links are
    the image's, so inside a copied folder each is followed within that folder or left out
    (`_copy_image_link`), except those found in `own` (`ImageTree.of`): the pod's own changes
    to it, where a link is the pod's and is copied as a link (but not those at `engine_links`,
    which the container engine put there). The local backend's image folders (`ImageRoot`),
    and a container's root file system (`own`: its overlay's upper folder)."""

    own: Path | None = None
    engine_links: frozenset[str] = frozenset()

    @classmethod
    def of(cls, root: Path, own: Path, engine_links: frozenset[str]) -> "ImageTree":
        tree = cls(root)
        tree.own, tree.engine_links = own, engine_links
        return tree


def _image_link(root: Path, rel: str) -> bool:
    """The link at `rel` under `root` is the image's (not one the pod made)."""
    if not isinstance(root, ImageTree):
        return False
    if root.own is None or rel.strip("/") in root.engine_links:
        return True
    try:
        return not stat.S_ISLNK(_lstat(root.own, rel).st_mode)
    except OSError:
        return True


class ImageRoot(ImageTree):
    """The host folder `area` returns for the read-only image folders a pod sees: below it,
    what is not world-readable is private to the host and reads back empty (`_private`)."""


IMAGE_ROOT = ImageRoot("/")


class OutputError(Exception):
    """An output the pod may not hand back: outside its own files, a special file, too big."""


@dataclass(frozen=True)
class OutputLimits:
    """Caps on what a pod's outputs may hold on this machine (environment variables; a
    number of bytes, optionally with Ki/Mi/Gi/Ti):

    PLAIT_MAX_ARTIFACT_BYTES    one output path, a file or a folder's files together (1Gi)
    PLAIT_MAX_POD_OUTPUT_BYTES  every output path of one pod together (2Gi)
    PLAIT_MAX_OUTPUT_FILES      files, folders and links in one pod's outputs (100000)
    PLAIT_MAX_PARAMETER_BYTES   one output parameter read from a file (1Mi)
    PLAIT_MAX_LOG_BYTES         one container's stored log, its line times included (1Gi)
    """

    artifact: int = 1 << 30
    pod: int = 2 << 30
    files: int = 100_000
    parameter: int = 1 << 20
    log: int = 1 << 30

    ENV = {"artifact": "PLAIT_MAX_ARTIFACT_BYTES", "pod": "PLAIT_MAX_POD_OUTPUT_BYTES",
           "files": "PLAIT_MAX_OUTPUT_FILES", "parameter": "PLAIT_MAX_PARAMETER_BYTES",
           "log": "PLAIT_MAX_LOG_BYTES"}

    @classmethod
    def from_env(cls, environ: "os._Environ[str] | dict[str, str] | None" = None) -> "OutputLimits":
        """The caps, each from its environment variable when set; ValueError for a value
        that is not a positive size."""
        env = os.environ if environ is None else environ
        values = {}
        for field, var in cls.ENV.items():
            text = env.get(var)
            if text is None or text == "":
                continue
            m = _SIZE.match(text)
            value = int(m.group(1)) * _UNITS[m.group(2)] if m else 0
            if value <= 0:
                raise ValueError(f"{var}={text!r}: expected a positive number (of bytes: "
                                 "1048576, 512Mi, 2Gi)")
            values[field] = value
        return cls(**values)


class Budget:
    """What one pod's outputs may still use: bytes and entries (see `OutputLimits`)."""

    def __init__(self, limits: OutputLimits) -> None:
        self.limits = limits
        self.bytes = 0
        self.entries = 0

    def take(self, size: int, used: int, what: str) -> None:
        """Count one entry of `size` bytes; `used` is what the current output holds so far."""
        self.entries += 1
        if self.entries > self.limits.files:
            raise OutputError(f"the outputs hold more than {self.limits.files} files and folders "
                              f"(PLAIT_MAX_OUTPUT_FILES)")
        if used + size > self.limits.artifact:
            raise OutputError(f"{what} is larger than {self.limits.artifact} bytes "
                              "(PLAIT_MAX_ARTIFACT_BYTES)")
        if self.bytes + size > self.limits.pod:
            raise OutputError(f"the pod's outputs are larger than {self.limits.pod} bytes "
                              "(PLAIT_MAX_POD_OUTPUT_BYTES)")
        self.bytes += size


def resolve(area: Area, path: str) -> tuple[Path, str] | None:
    """The host folder and relative path of container path `path` with every symlink followed
    as the container would, or None when it does not exist. OutputError when it (or a link on
    the way) leads outside the pod's world, or links loop."""
    found = _resolve(area, path)
    return found[0] if found else None


def _resolve(area: Area, path: str) -> tuple[tuple[Path, str], str] | None:
    """`resolve`, and the container path it arrived at."""
    todo = [p for p in path.split("/") if p]
    done: list[str] = []
    links = 0
    while todo:
        name = todo.pop(0)
        if name == ".":
            continue
        if name == "..":
            if done:
                done.pop()
            continue
        here = "/" + "/".join(done + [name])
        where = area(here)
        if where is None:
            raise OutputError(f"{path}: {here} is not one of the pod's own files"
                              if not links else f"{path}: a symlink leads to {here}, outside "
                              "the pod's own files")
        try:
            info = _lstat(*where)
        except FileNotFoundError:
            return None
        if todo and _private(where[0], info):
            return None                  # the pod sees an empty folder or file there
        if stat.S_ISLNK(info.st_mode):
            links += 1
            if links > _MAX_LINKS:
                raise OutputError(f"{path}: too many levels of symbolic links")
            target = _readlink(*where)
            if target.startswith("/"):
                done = []
            todo = [p for p in target.split("/") if p] + todo
            continue
        if todo and not stat.S_ISDIR(info.st_mode):
            return None
        done.append(name)
    final = "/" + "/".join(done)
    where = area(final)
    return (where, final) if where is not None else None


def copy_output(area: Area, path: str, dest: Path, budget: Budget) -> bool:
    """Copy the pod's file or folder at container path `path` to `dest` (which must not
    exist); False when the path does not exist. OutputError for what may not be handed back
    (the partial copy is then left for the caller to remove with the pod's folder)."""
    found = _resolve(area, path)
    if found is None:
        return False
    where, seen = found
    try:
        fd, name = _walk(*where)
    except FileNotFoundError:
        return False
    view = _View(area, where[0], where[1], seen, seen)
    try:
        if name == ".":                        # a whole folder of the pod (a volume, /tmp)
            _copy_tree(fd, dest, budget, path, [0], view)
        else:
            _copy_entry(fd, name, dest, budget, path, [0], view)
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(fd)


def read_parameter(local: str | Path, limit: int) -> str:
    """The text of an output parameter's file copy, at most `limit` bytes (OutputError above)."""
    fd = os.open(local, _FLAGS)
    with os.fdopen(fd, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise OutputError(f"the file is larger than {limit} bytes (PLAIT_MAX_PARAMETER_BYTES)")
    return data.decode("utf-8", "replace")


# -- no-follow primitives -------------------------------------------------------------------

def _walk(root: Path, rel: str) -> tuple[int, str]:
    """A descriptor of the folder holding `rel` (opened without following links) and its
    last name ('.' for the root itself)."""
    parts = [p for p in rel.split("/") if p]
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for name in parts[:-1]:
            fd = _reopen(fd, name, _DIR_FLAGS)
    except BaseException:
        os.close(fd)
        raise
    return fd, parts[-1] if parts else "."


def _lstat(root: Path, rel: str) -> os.stat_result:
    fd, name = _walk(root, rel)
    try:
        return os.stat(name, dir_fd=fd, follow_symlinks=False)
    except NotADirectoryError:
        raise FileNotFoundError(rel) from None
    finally:
        os.close(fd)


def _readlink(root: Path, rel: str) -> str:
    fd, name = _walk(root, rel)
    try:
        return os.readlink(name, dir_fd=fd)
    finally:
        os.close(fd)


def _reopen(fd: int, name: str, flags: int) -> int:
    """Open `name` in folder `fd` without following a link, closing `fd`."""
    try:
        return os.open(name, flags, dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):         # a link, or not a folder
            raise FileNotFoundError(name) from None
        raise
    finally:
        os.close(fd)


def _kind(mode: int) -> str | None:
    """What a special file is, or None for a file, folder or link."""
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
        return None
    return "a special file"


@dataclass(frozen=True)
class _View:
    """Where a copied entry is, both as the pod sees it (`path`) and on the host (`root`,
    `rel`): a folder's entries are each looked up through `area` again."""

    area: Area
    root: Path
    rel: str
    path: str
    top: str = "/"          # the output path being copied, as the pod sees it

    def child(self, name: str) -> "_View":
        return _View(self.area, self.root, f"{self.rel}/{name}".strip("/"),
                     f"{self.path.rstrip('/')}/{name}", self.top)


def _private(root: Path, info: os.stat_result) -> bool:
    """An image entry the sandbox keeps from pods (`sandbox.hidden_in_etc`'s rule): a folder
    not world-readable and searchable, a file (not a link) not world-readable."""
    if not isinstance(root, ImageRoot):
        return False
    if stat.S_ISDIR(info.st_mode):
        return (info.st_mode & 0o005) != 0o005
    return not stat.S_ISLNK(info.st_mode) and not info.st_mode & 0o004


def _copy_entry(dir_fd: int, name: str, dest: Path, budget: Budget, what: str,
                used: list[int], view: _View | None = None) -> None:
    if view is not None:
        where = view.area(view.path)
        if where is None:
            return                             # not in the pod's world (/proc, a tmpfs)
        if where != (view.root, view.rel):     # bound from elsewhere (an image entry, a volume)
            try:
                fd, other = _walk(*where)
            except FileNotFoundError:
                return
            try:
                return _copy_entry(fd, other, dest, budget, what, used,
                                   _View(view.area, where[0], where[1], view.path, view.top))
            finally:
                os.close(fd)
    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if view is not None and _private(view.root, info):
        budget.take(0, used[0], what)
        if stat.S_ISDIR(info.st_mode):
            os.mkdir(dest, 0o700)
        else:
            os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        return
    if view is not None and stat.S_ISLNK(info.st_mode) and _image_link(view.root, view.rel):
        _copy_image_link(dest, budget, what, used, view)
        return
    kind = _kind(info.st_mode)
    if kind:
        raise OutputError(f"{what}: {name} is {kind}, which an output may not be")
    if stat.S_ISLNK(info.st_mode):
        budget.take(0, used[0], what)
        os.symlink(os.readlink(name, dir_fd=dir_fd), dest)
        return
    if stat.S_ISDIR(info.st_mode):
        fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
        try:
            _copy_tree(fd, dest, budget, what, used, view)
        finally:
            os.close(fd)
        return
    budget.take(info.st_size, used[0], what)
    used[0] += info.st_size
    fd = os.open(name, _FLAGS | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0), dir_fd=dir_fd)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or opened.st_ino != info.st_ino:
            raise OutputError(f"{what}: {name} changed while it was read")
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(out, "wb") as f:
            left = info.st_size
            while True:
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    break
                left -= len(chunk)
                if left < 0:          # it grew since it was measured: stop at what it claimed
                    raise OutputError(f"{what}: {name} grew while it was read")
                f.write(chunk)
            os.fchmod(f.fileno(), stat.S_IMODE(info.st_mode) & 0o777)
        os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns))
    finally:
        os.close(fd)


def _copy_image_link(dest: Path, budget: Budget, what: str, used: list[int], view: _View) -> None:
    """A link of the image (not the pod's: image folders are read-only to pods) inside a copied
    folder: the file it leads to in that folder, as the pod sees it, is copied in its place, as
    Argo's uploads follow links; a link to a folder, to nothing, or out of the copied folder
    (`/etc/alternatives/x -> /usr/bin/x`, `/etc/mtab -> ../proc/...`) is left out, so the
    artifact holds the folder's own files and no link a consumer would refuse."""
    try:
        found = _resolve(view.area, view.path)
        if found is None:
            return
        where, seen = found
        if not seen.startswith(view.top.rstrip("/") + "/"):
            return
        fd, name = _walk(*where)
    except (OutputError, FileNotFoundError):
        return
    try:
        if stat.S_ISREG(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
            _copy_entry(fd, name, dest, budget, what, used,
                        _View(view.area, *where, seen, view.top))
    except FileNotFoundError:
        return
    finally:
        os.close(fd)


def _copy_tree(fd: int, dest: Path, budget: Budget, what: str, used: list[int],
               view: _View | None = None) -> None:
    budget.take(0, used[0], what)
    os.mkdir(dest, 0o700)
    info = os.fstat(fd)
    for name in sorted(os.listdir(fd)):
        _copy_entry(fd, name, dest / name, budget, what, used,
                    view.child(name) if view is not None else None)
    os.chmod(dest, (stat.S_IMODE(info.st_mode) & 0o777) | 0o700)


__all__ = ["IMAGE_ROOT", "Budget", "ImageRoot", "ImageTree", "OutputError", "OutputLimits", "copy_output",
           "read_parameter", "resolve"]
