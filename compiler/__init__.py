"""plait's compiler: loading with positions, schema, model, checks (and, later, plans).

Library entry points: `check_file(path) -> list[Diagnostic]` and `check_paths(paths)`.
"""

from __future__ import annotations

from typing import Any


def check_file(path: str, **kwargs: Any):
    """Check one workflow file; returns its diagnostics sorted by position."""
    from .check import check_file as _check_file
    return _check_file(path, **kwargs)


def check_paths(paths, **kwargs: Any):
    """Check files and directories; returns a `Report`."""
    from .check import check_paths as _check_paths
    return _check_paths(paths, **kwargs)


def compile_file(path: str, **kwargs: Any):
    """Check one workflow file and plan its Workflow; returns (Plan | None, diagnostics)."""
    from .compile import compile_file as _compile_file
    return _compile_file(path, **kwargs)
