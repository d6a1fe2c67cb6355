"""Space held back on the plait home's disk, so a full disk cannot wedge the store.

A pod that prints without end (or a large output) can fill the disk that holds `$PLAIT_HOME`.
SQLite then refuses every write ("database or disk is full"), so the engine could not even
record that the run failed. The store keeps a small ballast file (`.reserve`, 1 MiB); when a
write fails for lack of space the ballast is removed, which gives SQLite the few pages it
needs to record the run's end as Error with a clear message. The next store to open on a disk
with room creates the ballast again.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

RESERVE_NAME = ".reserve"
RESERVE_BYTES = 1 << 20
FULL_MESSAGE = "the disk of the plait home ({}) is full: {}"


class DiskFull(Exception):
    """A write to the plait home failed for lack of space (the ballast is then released)."""


def keep(home: Path) -> None:
    """Create the ballast when it is missing and there is room (best effort)."""
    path = Path(home) / RESERVE_NAME
    if path.exists():
        return
    try:
        with open(path, "wb") as fh:
            fh.write(b"\0" * RESERVE_BYTES)      # real blocks, not a sparse file
    except OSError:
        try:
            path.unlink()
        except OSError:
            pass


def release(home: Path) -> bool:
    """Remove the ballast; True when there was one to free."""
    try:
        (Path(home) / RESERVE_NAME).unlink()
        return True
    except OSError:
        return False


def is_full(exc: BaseException) -> bool:
    """Is `exc` a failure for lack of space (an OS error or SQLite's SQLITE_FULL)?"""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.OperationalError):
        return "full" in str(exc)
    return False


def full(home: Path | None, exc: BaseException) -> DiskFull:
    """The DiskFull error for `exc`, after freeing the ballast."""
    if home is not None:
        release(home)
    return DiskFull(FULL_MESSAGE.format(home, exc))


__all__ = ["DiskFull", "FULL_MESSAGE", "RESERVE_BYTES", "RESERVE_NAME", "full", "is_full", "keep",
           "release"]
