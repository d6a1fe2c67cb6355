"""Hera's Python script templates on the local backend.

Hera writes every `@script` as a script template with `image: python:3.x` and
`command: [python]`. A real image has `python` on its PATH; a local pod sees the host's system
folders only, where `python` may be missing or another version than the one plait (and Hera)
runs under. So, for workflows that come from Python objects (never for YAML files), a script
template whose image is `python:*` and whose command is `python`/`python3` runs with the
interpreter plait runs under (`sys.executable`), whose installation folders are bound
read-only into the pod (`read_only_binds`).

Hera's "runner" style (`@script(constructor="runner")`, `python -m hera.workflows.runner -e
module:function`) imports the user's module inside the pod: the folder the module was
imported from and the running Python's site-packages (where Hera is) are bound read-only too,
and the container gets `PYTHONPATH` set to the module's folder. These binds are the only
host folders outside the system folders a local pod can read; they are listed in the README's
Hera section (and belong in docs/security.md).
"""

from __future__ import annotations

import copy
import os
import site
import sys
import sysconfig
from dataclasses import dataclass, field
from typing import Any, Iterable

RUNNER_MODULE = "hera.workflows.runner"
PYTHON_COMMANDS = ("python", "python3")


@dataclass
class Prepared:
    """The documents to compile and the host folders their pods must read."""

    documents: list[dict[str, Any]]
    binds: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)   # template names that now use sys.executable


def python_folders() -> list[str]:
    """The running interpreter's installation: prefixes, the executable's real folder and the
    site-packages folders (existing ones, deduplicated, outermost first)."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
               os.path.dirname(os.path.realpath(sys.executable)),
               os.path.dirname(os.path.abspath(sys.executable))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            folders.add(path)
    try:
        folders.update(site.getsitepackages())
    except AttributeError:      # some virtualenv builds
        pass
    return _outermost(f for f in folders if f and os.path.isdir(f))


def _outermost(paths: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for p in sorted({os.path.realpath(p) for p in paths} | {os.path.abspath(p) for p in paths}):
        if not any(p == k or p.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(p)
    return kept


def _module_folder(entry: str) -> str | None:
    """The folder to put on PYTHONPATH for Hera's `-e module:function`."""
    module_name = entry.split(":", 1)[0]
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    if not path:
        return None
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(module_name.count(".")):      # a package: climb to the folder holding it
        folder = os.path.dirname(folder)
    return folder


def _containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    body = template.get("script")
    return [body] if isinstance(body, dict) else []


def prepare(documents: list[dict[str, Any]]) -> Prepared:
    """Copies of `documents` whose Python script templates run with this interpreter (see the
    module docstring), and the folders to bind read-only."""
    docs = copy.deepcopy(documents)
    out = Prepared(docs)
    binds: list[str] = []
    for doc in docs:
        spec = doc.get("spec") if isinstance(doc, dict) else None
        templates = (spec or {}).get("templates") if isinstance(spec, dict) else None
        if not isinstance(templates, list):
            continue
        for template in templates:
            if not isinstance(template, dict):
                continue
            for body in _containers(template):
                command = body.get("command")
                image = str(body.get("image") or "")
                if not (isinstance(command, list) and command
                        and command[0] in PYTHON_COMMANDS and image.startswith("python:")):
                    continue
                body["command"] = [sys.executable, *command[1:]]
                out.rewritten.append(str(template.get("name")))
                binds.extend(python_folders())
                args = [str(a) for a in body.get("args") or []]
                if RUNNER_MODULE in args and "-e" in args[:-1]:
                    folder = _module_folder(args[args.index("-e") + 1])
                    if folder:
                        binds.append(folder)
                        env = [e for e in body.get("env") or [] if e.get("name") != "PYTHONPATH"]
                        env.append({"name": "PYTHONPATH", "value": folder})
                        body["env"] = env
    out.binds = _outermost(binds) if binds else []
    return out


__all__ = ["Prepared", "prepare", "python_folders"]
