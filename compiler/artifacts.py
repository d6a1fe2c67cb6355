"""Artifact facts shared by the checks: where an artifact can come from, and safe paths."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from .source import YMap

LOCATIONS = ("raw", "http", "git", "s3", "gcs", "oss", "azure", "artifactory", "hdfs", "plugin")
"""Keys that give an artifact its own location (spec §9): it needs no argument then."""

_TRAILING_DOTDOT = re.compile(r"/\.\.\Z")


def has_location(raw: YMap) -> bool:
    """True if the artifact names a location of its own (raw data, http, git, s3, ...)."""
    return any(raw.get(key) is not None for key in LOCATIONS)


def path_escape(path: Any) -> str | None:
    """The safe directory a path escapes with `..`, or None (Argo's `Artifact.CleanPath`).

    Argo takes the text before the first `/../` (or a trailing `/..`) as the safe
    directory and rejects the path when the cleaned path leaves it.
    """
    if not isinstance(path, str) or ".." not in path:
        return None
    at = path.find("/../")
    if at < 0:
        m = _TRAILING_DOTDOT.search(path)
        at = m.start() if m else -1
    if at < 0:
        return None
    safe = path[:at]
    if safe and not posixpath.normpath(path).startswith(safe):
        return safe
    return None


__all__ = ["LOCATIONS", "has_location", "path_escape"]
