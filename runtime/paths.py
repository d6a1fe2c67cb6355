"""Paths inside a root: the one way a name (a workflow, pod, artifact or key) becomes a host path.

Names reach plait from workflow files, plan files and pods. Joined to a host folder as they
are, `../x`, `/etc` or a symlink planted in the folder would lead outside it (issue 8:
an edited plan deleted and replaced a host folder this way). `inside(root, *parts)` is the
only join used for such names: it refuses parts that climb or are absolute and any result
whose existing prefix resolves (through symlinks) outside `root`.
"""

from __future__ import annotations

import os
from pathlib import Path


class UnsafePath(ValueError):
    """A name that would lead outside the folder it is joined to."""


def inside(root: str | os.PathLike[str], *parts: str) -> Path:
    """`root/parts...`, each part one or more `/`-separated names. Raises `UnsafePath` for an
    empty, `.` or `..` name, an absolute part, a NUL byte, or a result that symlinks already
    on disk lead outside `root`. Nothing is created."""
    names: list[str] = []
    for part in parts:
        text = os.fspath(part)
        if not isinstance(text, str) or not text or "\0" in text or text.startswith("/"):
            raise UnsafePath(f"{text!r} cannot be used as a path inside {os.fspath(root)}")
        for name in text.split("/"):
            if name in ("", ".", ".."):
                raise UnsafePath(f"{text!r} cannot be used as a path inside {os.fspath(root)} "
                                 "(empty, '.' or '..' part)")
            names.append(name)
    path = Path(root).joinpath(*names)
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip("/") + "/"):
        raise UnsafePath(f"{path} leads outside {os.fspath(root)} (through a symlink)")
    return path


def under(path: str, prefix: str) -> bool:
    """`path` is `prefix` or below it (as text: resolve both first where links matter)."""
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


__all__ = ["UnsafePath", "inside", "under"]
