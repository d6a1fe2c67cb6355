"""plait: check, compile and run Argo Workflows locally.

The Python API (documented in the README, "Testing workflows with pytest"):

- `plait.check(workflow) -> list[Diagnostic]`      (`plait.compiler.api.check`)
- `plait.compile(workflow, ...) -> Plan`            (`plait.compiler.api.compile`)
- `plait.run(workflow, ...) -> Run`                 (`plait.runtime.api.run`)
- `plait.PlaitError`, `plait.CheckError`: raised with `.diagnostics` attached

`workflow` is a path, `FILE.py[:NAME]`, YAML text, a dict or a Hera object. The names are
imported on first use (module `__getattr__`), so `import plait` stays as cheap as the CLI
needs it to be: nothing of the compiler or the runtime is loaded until it is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> (module, attribute)
_LAZY = {
    "check": ("plait.compiler.api", "check"),
    "compile": ("plait.compiler.api", "compile"),
    "PlaitError": ("plait.compiler.api", "PlaitError"),
    "CheckError": ("plait.compiler.api", "CheckError"),
    "Diagnostic": ("plait.compiler.diagnostics", "Diagnostic"),
    "Plan": ("plait.compiler.plan", "Plan"),
    "run": ("plait.runtime.api", "run"),
    "Run": ("plait.runtime.api", "Run"),
    "RunNode": ("plait.runtime.api", "RunNode"),
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:   # for type checkers and editors; never executed (`X as X`: a re-export)
    from plait.compiler.api import CheckError as CheckError
    from plait.compiler.api import PlaitError as PlaitError
    from plait.compiler.api import check as check
    from plait.compiler.api import compile as compile
    from plait.compiler.diagnostics import Diagnostic as Diagnostic
    from plait.compiler.plan import Plan as Plan
    from plait.runtime.api import Run as Run
    from plait.runtime.api import RunNode as RunNode
    from plait.runtime.api import run as run


def __getattr__(name: str) -> Any:
    """Import the API's names on first use (PEP 562)."""
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'plait' has no attribute {name!r}")
    import importlib

    # not cached in globals(): a test harness that drops modules (pytester) must get the
    # classes the re-imported modules raise; after the first import this is a dict lookup
    return getattr(importlib.import_module(target[0]), target[1])


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
