"""plait's compiler: loading with positions, schema, model, checks (and, later, plans).

Library entry points: `check_file(path) -> list[Diagnostic]` and `check_paths(paths)`.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> the module that defines it: imported on first use (`__getattr__`), so importing one
# compiler module (say `plait.compiler.plan` in the runtime) does not load the checker.
_EXPORTS = {"check_file": "check", "check_paths": "check", "compile_file": "compile"}


def __getattr__(name: str) -> Any:
    """`check_file(path)`, `check_paths(paths)` and `compile_file(path)`, re-exported."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
