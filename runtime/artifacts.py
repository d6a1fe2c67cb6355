"""The local artifact repository: output artifacts saved under `<home>/artifacts`, loaded
into the next pod's input paths.

Keys follow Argo's default key layout, relative to the repository root:
`<wf>/<pod>/<name>.tgz` (tar+gzip, the default), `<wf>/<pod>/<name>` (`archive: none`: a
file copied, or a directory copied as a tree) and `<wf>/raw/<sha256>/<name>` (`raw` data).

Archives hold one root entry named after the saved path's base name (`out.txt`, or `out/`
and everything under it), as Argo's executor writes them; `load` puts that entry at the
destination path, so a file artifact becomes the file `dest` and a directory artifact the
directory `dest`. An archive with several root entries is extracted into `dest` as a folder.

Extraction never writes outside `dest` (Argo's CVE-2025-62156 and its symlink bypass). Every
member is checked before anything is written, against the whole archive:
- absolute names and `..` components are refused;
- a symlink's target, resolved relative to its own folder and through the other symlinks of
  the archive, must stay inside; absolute targets are refused;
- no member may be written through a symlink (`a -> /tmp/x` then `a/evil`), even one that
  points inside;
- a hardlink must point to a regular file earlier in the same archive;
- devices, FIFOs and other special files are refused.
Then each member is written with `O_NOFOLLOW`/`O_EXCL` under a folder whose real path is
checked to be inside `dest`, which also covers a `dest` that already holds links.
Violations raise `UnsafeArtifact`, and what was written of that archive is removed.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import tarfile
import tempfile
from pathlib import Path

from .paths import UnsafePath, inside
from .store import folder_name, safe_segment

TGZ = ".tgz"
_MAX_LINK_DEPTH = 40      # as Linux's ELOOP limit


class ArtifactError(Exception):
    """An artifact that cannot be saved or loaded."""


class UnsafeArtifact(ArtifactError):
    """An archive member that would be written outside the destination."""


class ArtifactNotFound(ArtifactError, FileNotFoundError):
    """The path to save, or the key to load, does not exist."""


class ArtifactRepo:
    """Artifacts stored as files under `root` (usually `<home>/artifacts`)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The stored file or folder of a key (keys may not climb out of the root)."""
        try:
            return inside(self.root, key)
        except UnsafePath:
            raise ArtifactError(f"invalid artifact key {key!r}") from None

    def exists(self, key: str) -> bool:
        return os.path.lexists(self.path(key))

    def save(self, wf: str, pod_name: str, name: str, source_path: str | Path,
             archive: str = "tgz") -> str:
        """Store the file or directory at `source_path`; return its key. `archive` is `tgz`
        (tar+gzip, the default) or `none` (stored as is)."""
        source = Path(source_path)
        if not os.path.lexists(source):
            raise ArtifactNotFound(f"{source}: no such file or directory")
        base = f"{safe_segment(wf, 'workflow name')}/{folder_name(pod_name)}/{folder_name(name)}"
        if archive == "tgz":
            key = base + TGZ
            target = self.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".saving-")
            try:
                with os.fdopen(fd, "wb") as raw, \
                        tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                    arcname = source.name or "artifact"
                    tar.add(str(source), arcname=arcname, recursive=True)
                os.replace(tmp, target)
            except BaseException:
                _remove(Path(tmp))
                raise
            return key
        if archive == "none":
            key = base
            target = self.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            _remove(target)
            if source.is_dir() and not source.is_symlink():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target, follow_symlinks=False)
            return key
        raise ArtifactError(f"archive {archive!r} is not supported locally (tgz or none)")

    def save_raw(self, wf: str, name: str, data: str | bytes) -> str:
        """Store `raw` artifact data as a file; return its key (content-addressed, so two
        templates' raw inputs of the same name do not collide)."""
        blob = data.encode("utf-8") if isinstance(data, str) else data
        digest = hashlib.sha256(blob).hexdigest()[:32]
        key = f"{safe_segment(wf, 'workflow name')}/raw/{digest}/{folder_name(name)}"
        target = self.path(key)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".saving-")
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        return key

    def load(self, key: str, dest_path: str | Path, workflow: str | None = None) -> None:
        """Place the artifact at `dest_path`: a `.tgz` key is extracted safely (see the
        module docstring), any other key copied (a file, or a tree whose links must stay
        inside it). Raises `UnsafeArtifact` for a hostile archive or tree. With `workflow`,
        only that run's artifacts may be loaded (a run never reads another run's files)."""
        if workflow is not None and not key.startswith(safe_segment(workflow, "workflow name") + "/"):
            raise ArtifactError(f"artifact key {key!r} does not belong to workflow {workflow!r}")
        source = self.path(key)
        dest = Path(dest_path)
        if workflow is not None and not _inside(source, os.path.realpath(
                self.root / safe_segment(workflow, "workflow name"))):
            # a link stored in a tree (archive: none) that a subPath goes through
            raise UnsafeArtifact(f"artifact key {key!r} leads outside workflow {workflow!r}")
        if not os.path.lexists(source):
            archive = next((k for k in _prefixes(key) if k.endswith(TGZ) and
                            os.path.isfile(self.path(k))), None)
            if archive:
                raise ArtifactNotFound(f"artifact {key!r} not found: {archive!r} is an archive "
                                       "(a subPath picks a path of an artifact saved with "
                                       "`archive: none`, as on Argo)")
            raise ArtifactNotFound(f"artifact {key!r} not found in {self.root}")
        if workflow is not None and source.is_symlink():
            source = Path(os.path.realpath(source))     # checked above: inside this run
        if key.endswith(TGZ):
            extract(source, dest)
        elif source.is_dir() and not source.is_symlink():
            _check_tree(source)
            if dest.is_dir() and not dest.is_symlink():
                try:
                    dest.rmdir()
                except OSError:
                    # Copying a tree into one that may hold links could write through them.
                    raise ArtifactError(f"{dest}: exists and is not empty") from None
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(source, dest, symlinks=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest, follow_symlinks=False)

    def delete_workflow(self, wf: str) -> None:
        """Remove every artifact of a run."""
        shutil.rmtree(inside(self.root, safe_segment(wf, "workflow name")), ignore_errors=True)


# -- safe extraction ------------------------------------------------------------------------

def _clean(name: str, what: str) -> str:
    """A member name as a relative POSIX path without `.` parts ('' for the root)."""
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\\" in name:
        raise UnsafeArtifact(f"{what} {name!r} is an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArtifact(f"{what} {name!r} climbs out of the destination with '..'")
    return "/".join(parts)


def _resolve(path: str, links: dict[str, str], depth: int = 0) -> str | None:
    """`path` (relative to the destination) with the archive's symlinks followed, or None
    when it leaves the destination."""
    if depth > _MAX_LINK_DEPTH:
        return None
    done: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return None
            done.pop()
            continue
        done.append(part)
        here = "/".join(done)
        if here in links:
            target = links[here]
            if target.startswith("/"):
                return None
            inner = _resolve(posixpath.join(posixpath.dirname(here), target), links, depth + 1)
            if inner is None:
                return None
            done = inner.split("/") if inner else []
    return "/".join(done)


def _plan(tar: tarfile.TarFile) -> tuple[list[tuple[tarfile.TarInfo, str]], dict[str, str]]:
    """Check every member; return the (member, clean name) pairs to write, in order, and
    where each symlink leads (relative to the archive's root)."""
    links: dict[str, str] = {}           # symlink path -> target
    files: set[str] = set()              # regular files seen so far
    plan: list[tuple[tarfile.TarInfo, str]] = []
    for member in tar.getmembers():
        name = _clean(member.name, "member")
        if not name:
            continue                     # the archive's own './'
        parents = name.split("/")[:-1]
        for i in range(1, len(parents) + 1):
            if "/".join(parents[:i]) in links:
                raise UnsafeArtifact(f"member {member.name!r} would be written through the "
                                     f"symlink {'/'.join(parents[:i])!r}")
        if member.issym():
            target = member.linkname
            if target.startswith("/"):
                raise UnsafeArtifact(f"symlink {member.name!r} -> {target!r} is absolute")
            links[name] = target
            where = _resolve(posixpath.join(posixpath.dirname(name), target), links)
            if where is None:
                raise UnsafeArtifact(f"symlink {member.name!r} -> {target!r} points outside "
                                     "the destination")
        elif member.islnk():
            target = _clean(member.linkname, f"hardlink {member.name!r} target")
            if target not in files:
                raise UnsafeArtifact(f"hardlink {member.name!r} -> {member.linkname!r} does not "
                                     "point to a file earlier in the archive")
        elif member.isreg():
            files.add(name)
        elif not member.isdir():
            raise UnsafeArtifact(f"member {member.name!r} is a special file (device, FIFO)")
        if not member.issym():
            links.pop(name, None)        # a later member replaces an earlier symlink
        plan.append((member, name))
    # With every link known: a symlink defined after members that went through its path, and
    # a target that only leaves through a later link (`a -> b/..` then `b -> .`).
    for _, name in plan:
        parents = name.split("/")[:-1]
        for i in range(1, len(parents) + 1):
            if "/".join(parents[:i]) in links:
                raise UnsafeArtifact(f"member {name!r} lies under the symlink "
                                     f"{'/'.join(parents[:i])!r}")
    resolved: dict[str, str] = {}
    for name, target in links.items():
        where = _resolve(posixpath.join(posixpath.dirname(name), target), links)
        if where is None:
            raise UnsafeArtifact(f"symlink {name!r} -> {target!r} points outside the destination")
        resolved[name] = where
    return plan, resolved


def _inside(path: Path, root: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(root.rstrip("/") + "/")


def extract(archive: Path, dest: Path) -> None:
    """Extract a tar(+gzip) archive to `dest` safely (see the module docstring)."""
    try:
        tar = tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, OSError) as exc:
        raise ArtifactError(f"{archive}: not a readable tar archive: {exc}") from None
    with tar:
        try:
            plan, resolved = _plan(tar)
        except tarfile.TarError as exc:
            raise ArtifactError(f"{archive}: corrupt archive: {exc}") from None
        roots = {name.split("/")[0] for _, name in plan}
        single = roots.pop() if len(roots) == 1 else None
        root_member = next((m for m, n in plan if n == single), None) if single else None
        if single and root_member is not None and root_member.isreg() and len(plan) == 1:
            _write_single(tar, root_member, dest)
            return
        strip = single if single and (root_member is None or root_member.isdir()) else None
        if strip:
            # The root folder becomes `dest` itself: a link may not reach beside it.
            for name, where in resolved.items():
                if where != strip and not where.startswith(strip + "/"):
                    raise UnsafeArtifact(f"symlink {name!r} points outside the destination")
        created = not os.path.lexists(dest)
        dest.mkdir(parents=True, exist_ok=True)
        real_root = os.path.realpath(dest)
        try:
            for member, name in plan:
                rel = name
                if strip:
                    rel = name[len(strip) + 1:] if name != strip else ""
                if not rel:
                    continue
                _write_member(tar, member, dest, rel, real_root, strip)
        except BaseException:
            if created:
                shutil.rmtree(dest, ignore_errors=True)
            raise


def _write_single(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    _write_file(tar, member, dest)


def _write_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, rel: str,
                  real_root: str, strip: str | None) -> None:
    target = dest.joinpath(*rel.split("/"))
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    # The static checks cover the archive; this covers links already present in `dest`.
    if not _inside(parent, real_root):
        raise UnsafeArtifact(f"member {member.name!r} would be written outside the destination")
    if member.isdir():
        if target.is_symlink():
            raise UnsafeArtifact(f"directory {member.name!r} is a symlink in the destination")
        target.mkdir(exist_ok=True)
        os.chmod(target, (member.mode & 0o755) | 0o700)
        return
    if os.path.lexists(target):
        if target.is_dir() and not target.is_symlink():
            raise ArtifactError(f"member {member.name!r} would replace a directory")
        target.unlink()
    if member.issym():
        os.symlink(member.linkname, target)
    elif member.islnk():
        link = _clean(member.linkname, "hardlink target")
        if strip:
            link = link[len(strip) + 1:] if link != strip else ""
        source = dest.joinpath(*link.split("/"))
        if not link or not _inside(source, real_root) or not source.is_file():
            raise UnsafeArtifact(f"hardlink {member.name!r} -> {member.linkname!r} points outside "
                                 "the destination")
        os.link(source, target, follow_symlinks=False)
    else:
        _write_file(tar, member, target)


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    source = tar.extractfile(member)
    if source is None:
        raise ArtifactError(f"member {member.name!r} has no content")
    # O_NOFOLLOW|O_EXCL: never open through a link planted at the final component.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                 (member.mode & 0o755) | 0o600)
    with source, os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
    os.utime(target, (member.mtime, member.mtime), follow_symlinks=False)


def _check_tree(root: Path) -> None:
    """Refuse a stored tree (archive: none) whose symlinks point outside it."""
    real_root = os.path.realpath(root)
    for folder, dirs, files in os.walk(root):
        for entry in [*dirs, *files]:
            path = Path(folder) / entry
            if path.is_symlink():
                target = os.readlink(path)
                if os.path.isabs(target) or not _inside_lexical(path.parent, target, real_root):
                    raise UnsafeArtifact(f"{path.relative_to(root)} -> {target!r} points outside "
                                         "the artifact")
            elif not (path.is_dir() or path.is_file()):
                raise UnsafeArtifact(f"{path.relative_to(root)} is a special file")


def _prefixes(key: str) -> list[str]:
    """`a/b/c` -> [`a`, `a/b`]: the keys a subPath-extended key lies under."""
    parts = key.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _inside_lexical(folder: Path, target: str, real_root: str) -> bool:
    return _inside(Path(os.path.join(folder, target)), real_root)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        path.unlink()
