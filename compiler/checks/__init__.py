"""The rule catalogue: one module per rule, named `pl<code>_<slug>.py`.

Each module defines its message class(es) and `check(wf, ctx) -> Iterator[Message]`.
A check reads the model and yields messages; it never prints and never raises for a
mistake in the workflow. `CHECKS` lists them in code order: new modules are found by
name, so two people adding rules never edit the same line.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow

Check = Callable[[Workflow, Context], Iterator[Message]]


def _discover() -> tuple[Check, ...]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("pl"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found.append(module.check)
    return tuple(found)


CHECKS: tuple[Check, ...] = _discover()
