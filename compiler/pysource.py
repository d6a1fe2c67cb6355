"""Workflows written in Python: Hera objects and the modules that define them.

`plait run my_module.py:wf` (and `check`, `compile`, `dot`, and `plait.run("my_module.py:wf")`)
imports the module from its file and takes the object named after the colon; without a
name it takes the module's only workflow object. A workflow object is anything with a
`to_dict()` that returns an Argo document (Hera's `Workflow`, `WorkflowTemplate`,
`ClusterWorkflowTemplate`, `CronWorkflow`), so plait never imports Hera itself: the user's
module does.

The module is imported under its file's stem, with its folder first on `sys.path`, as
`python my_module.py` would see its neighbours; Hera's "runner" scripts name functions as
`<module>:<function>`, and that module name is how a pod finds the function again.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
_REF = re.compile(r"^(?P<file>.+\.py)(?::(?P<name>[A-Za-z_][A-Za-z0-9_]*))?$")


class PythonSourceError(Exception):
    """A Python workflow reference that cannot be used (no file, no such object, import
    failed): a usage error with a message, never a traceback from plait."""


@dataclass
class PythonWorkflows:
    """The documents of a Python reference: `(attribute name, document)` pairs, and the module."""

    label: str
    documents: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    module: ModuleType | None = None


def is_python_ref(text: Any) -> bool:
    """`x.py` or `x.py:name` (a string, not an existing non-Python file)."""
    return isinstance(text, (str, os.PathLike)) and bool(_REF.match(os.fspath(text))) \
        and "\n" not in os.fspath(text)


def has_to_dict(obj: Any) -> bool:
    """A Hera-style workflow object: it has a callable `to_dict`."""
    return callable(getattr(obj, "to_dict", None)) and not isinstance(obj, type)


def object_document(obj: Any) -> dict[str, Any]:
    """`obj.to_dict()`, checked to be a mapping (an exception in user code is a usage error)."""
    try:
        doc = obj.to_dict()
    except Exception as exc:   # the user's object, not plait's code
        raise PythonSourceError(f"{type(obj).__name__}.to_dict() failed: "
                                f"{type(exc).__name__}: {exc}") from None
    if not isinstance(doc, dict):
        raise PythonSourceError(f"{type(obj).__name__}.to_dict() returned "
                                f"{type(doc).__name__}, not a mapping")
    return doc


def import_module_file(path: str) -> ModuleType:
    """Import the Python file at `path` as the module named after its stem (reused when that
    module is already imported from the same file)."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise PythonSourceError(f"no such file: {path}")
    name = os.path.splitext(os.path.basename(path))[0]
    known = sys.modules.get(name)
    if known is not None and os.path.abspath(getattr(known, "__file__", "") or "") == path:
        return known
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PythonSourceError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise PythonSourceError(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    return module


def module_workflows(module: ModuleType) -> list[tuple[str, Any]]:
    """The module's workflow objects (attribute name, object), in definition order; an object
    bound to several names counts once."""
    seen: set[int] = set()
    found = []
    for attr, value in vars(module).items():
        if attr.startswith("_") or id(value) in seen or not has_to_dict(value):
            continue
        if getattr(value, "kind", None) in KINDS or type(value).__name__ in KINDS:
            seen.add(id(value))
            found.append((attr, value))
    return found


def load_python_ref(ref: str) -> PythonWorkflows:
    """The documents named by `file.py[:name]`: the named object, or every workflow object
    of the module (callers that need one document say so when there are several)."""
    m = _REF.match(os.fspath(ref))
    if not m:
        raise PythonSourceError(f"{ref}: expected FILE.py or FILE.py:NAME")
    module = import_module_file(m.group("file"))
    name = m.group("name")
    if name is not None:
        if not hasattr(module, name):
            known = ", ".join(a for a, _ in module_workflows(module)) or "none"
            raise PythonSourceError(f"{ref}: the module has no {name!r} (workflows: {known})")
        obj = getattr(module, name)
        if not has_to_dict(obj):
            raise PythonSourceError(f"{ref}: {name!r} is a {type(obj).__name__}, not a workflow "
                                    "object with to_dict()")
        pairs = [(name, obj)]
    else:
        pairs = module_workflows(module)
        if not pairs:
            raise PythonSourceError(f"{ref}: the module defines no Workflow or WorkflowTemplate")
    return PythonWorkflows(os.fspath(ref), [(a, object_document(o)) for a, o in pairs], module)


__all__ = ["KINDS", "PythonSourceError", "PythonWorkflows", "has_to_dict", "import_module_file",
           "is_python_ref", "load_python_ref", "module_workflows", "object_document"]
