"""Pod log files: each container's lines as the pod printed them (secrets already masked), and
the time each line arrived, which `plait logs --timestamps/--since/--since-time` need.

A container's lines live in `<container>.log` (plain text, one line per line) and their times
in a sidecar `<container>.log.times`. Why a sidecar and not a time inside each line: the `.log`
file stays the plain text that people, `RunResult.logs()` and older plaits read, and a log
written before times were kept (no sidecar) reads exactly as before.

Each sidecar record is `<byte offset of the line in the .log> <Unix time in nanoseconds>`.
Keyed by offset, not by line number, so a line written without a record (by an older plait, or
a runner killed between the two writes) costs only its own time: the other lines keep theirs.
The record is written before its line, so a reader that reads the `.log` first and the sidecar
second always finds the time of every line it saw, even while the pod is still writing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

TIMES_SUFFIX = ".times"


_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)")


def rfc3339_ns(text: str) -> int | None:
    """An RFC3339 time (`2026-12-06T10:00:00Z`, `...T10:00:00.5+02:00`, the kubelet's
    `...T10:00:00.123456789Z`) as Unix nanoseconds; None when `text` is not one."""
    m = _RFC3339.fullmatch(text.strip())
    if m is None:
        return None
    zone = "+00:00" if m.group(3) in ("Z", "z") else m.group(3)
    try:
        when = datetime.fromisoformat(m.group(1).upper() + zone)
    except ValueError:
        return None
    fraction = int(m.group(2).ljust(9, "0")) if m.group(2) else 0
    return int(when.timestamp()) * 1_000_000_000 + fraction


def rfc3339_nano(ns: int) -> str:
    """Unix ns as the kubelet prints a log line's time: `2026-12-06T10:00:00.123456789Z`."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{fraction:09d}Z"


def times_path(log: Path) -> Path:
    """The sidecar holding the times of `log`'s lines."""
    return log.with_name(log.name + TIMES_SUFFIX)


def to_ns(seconds: float) -> int:
    """Unix seconds (the engine's clock) as Unix nanoseconds, to the microsecond: what a float
    clock holds (finer digits would be rounding noise: 1.25 s must not print as 1.249999872)."""
    return round(seconds * 1_000_000) * 1000


@dataclass(frozen=True)
class LogLine:
    """One line of a log: its text (without the newline) and when it was written, in Unix
    nanoseconds. `at` is None only when neither the line nor anything before it has a time."""

    text: str
    at: int | None


LIMIT_ENV = "PLAIT_MAX_LOG_BYTES"


class LogWriter:
    """Appends lines to one container's log and their times to its sidecar. With a `limit`
    (bytes of both files together: a pod printing empty lines would otherwise fill the disk
    with times), the line that would pass it is replaced by one line saying so, and the
    lines after it are dropped."""

    def __init__(self, path: Path, limit: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._times: BinaryIO = open(times_path(path), "ab")
        try:
            self._log: BinaryIO = open(path, "ab")
        except OSError:
            self._times.close()
            raise
        self.limit = limit
        self.dropped = False

    def write(self, text: str, at: float) -> None:
        """One line (`text` holds no newline) written at Unix time `at` (seconds)."""
        if self.dropped:
            return
        offset = os.fstat(self._log.fileno()).st_size      # appends land at the end
        record = f"{offset} {to_ns(at)}\n".encode()
        line = text.encode("utf-8", "replace") + b"\n"
        if self.limit is not None:
            used = offset + os.fstat(self._times.fileno()).st_size
            if used + len(record) + len(line) > self.limit:
                self.dropped = True
                line = (f"plait: the rest of this log is dropped: it passed {self.limit} bytes "
                        f"({LIMIT_ENV})\n").encode()
        self._times.write(record)
        self._times.flush()
        self._log.write(line)
        self._log.flush()

    def close(self) -> None:
        try:
            self._log.close()
        finally:
            self._times.close()


def append_line(path: Path, text: str, at: float) -> None:
    """One line added to a log outside a pod's stream (the marks of a node that runs again)."""
    writer = LogWriter(path)
    try:
        writer.write(text, at)
    finally:
        writer.close()


class LogReader:
    """One container's log read as it grows: each call returns the complete lines that came
    since the last one, with their times.

    A line without a recorded time takes the time of the line before it, or `start` (Unix
    nanoseconds, the pod's start) for the first lines: logs of runs recorded before times
    were kept still show and filter, at their pod's start time.
    """

    def __init__(self, path: Path, start: int | None = None) -> None:
        self.path = path
        self._pos = 0                  # where the next unread byte of the .log is
        self._partial = b""            # an unfinished last line (its start is _pos - len)
        self._times_pos = 0
        self._times_partial = b""
        self._times: dict[int, int] = {}
        self._last = start

    def read(self, final: bool = False) -> list[LogLine]:
        """The lines written since the last call; with `final`, an unfinished last line too
        (its writer is gone)."""
        data = _read_from(self.path, self._pos)
        self._pos += len(data)
        self._read_times()
        buf = self._partial + data
        start = self._pos - len(buf)
        lines = []
        *done, rest = buf.split(b"\n")
        for raw in done:
            lines.append(self._line(start, raw))
            start += len(raw) + 1
        self._partial = rest
        if final and rest:
            lines.append(self._line(start, rest))
            self._partial = b""
        return lines

    def _line(self, offset: int, raw: bytes) -> LogLine:
        at = self._times.pop(offset, None)
        if at is None:
            at = self._last
        self._last = at
        return LogLine(raw.decode("utf-8", "replace"), at)

    def _read_times(self) -> None:
        data = _read_from(times_path(self.path), self._times_pos)
        self._times_pos += len(data)
        *done, self._times_partial = (self._times_partial + data).split(b"\n")
        for record in done:
            parts = record.split()
            if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                self._times[int(parts[0])] = int(parts[1])


def _read_from(path: Path, offset: int) -> bytes:
    """The bytes of `path` from `offset` on (none when the file is not there yet)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return fh.read()
    except OSError:                    # not written yet (or unreadable): nothing to show
        return b""


__all__ = ["LIMIT_ENV", "LogLine", "LogReader", "LogWriter", "TIMES_SUFFIX", "append_line",
           "rfc3339_nano", "rfc3339_ns", "times_path", "to_ns"]
