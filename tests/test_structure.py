"""The package's structure rules, checked on the source (issue #9): no function-level import of
a plait module outside a short allow-list, and no module imports another module's `_private`
name. (The layers and "handlers never import the engine" are import-linter contracts in
pyproject.toml, run by tools/lint.py.)

A function-level import that dodges an import cycle hides the cycle instead of removing it;
one that saves start-up time belongs behind a package `__getattr__` or a dispatch table.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from plait.runtime.engine import LEAF_KINDS
from plait.runtime.handlers import HANDLERS
from plait.runtime.retry import run_retry
from plait.runtime.types import Node, NodeType

ROOT = Path(__file__).resolve().parent.parent
# the package's modules at their real paths (plait/grammar, plait/compiler and plait/runtime
# are links to the top-level folders)
PACKAGE_DIRS = {"plait": ROOT / "plait", "plait.grammar": ROOT / "grammar",
                "plait.compiler": ROOT / "compiler", "plait.runtime": ROOT / "runtime"}
LINKS = {"grammar", "compiler", "runtime"}

# (module, function) pairs allowed to import a plait module inside a function, and why.
# Besides these, a package's module-level `__getattr__` (lazy re-exports) may import.
ALLOWED = {
    # the CLI's per-verb dispatch: `plait check` imports only what `check` needs
    ("plait.cli", "main"): "the CLI's per-verb dispatch",
    # per-backend dispatch, as the CLI's per-verb one: a backend's module (and what it pulls
    # in) loads only when that backend is chosen; the backends' modules import this package
    ("plait.runtime.backends", "get_backend"): "per-backend dispatch",
    # the pytest plugin loads into every pytest session of an environment with plait
    # installed: the runtime is imported only when a plait test failed
    ("plait.pytest_plugin", "pytest_runtest_makereport"): "the pytest plugin stays cheap",
}


def modules() -> list[tuple[str, Path]]:
    out = []
    for package, folder in PACKAGE_DIRS.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder)
            if package == "plait" and rel.parts[0] in LINKS:
                continue
            parts = [package, *rel.with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            out.append((".".join(parts), path))
    return out


def absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute name of the module an ImportFrom reads from."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(tree: ast.AST):
    """(import node, enclosing function names from the outside in) for every import."""
    def walk(node: ast.AST, funcs: tuple[str, ...]):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, funcs
            inner = funcs + (child.name,) if isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef)) else funcs
            yield from walk(child, inner)
    yield from walk(tree, ())


def imported_names(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [absolute(module, path, node)]


def function_level_imports() -> list[str]:
    found = []
    for module, path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, funcs in imports(tree):
            if not funcs:
                continue
            if not any(n == "plait" or n.startswith("plait.")
                       for n in imported_names(module, path, node)):
                continue            # a lazy third-party import (heavy libraries) is fine
            if path.name == "__init__.py" and funcs[0] == "__getattr__":
                continue            # a package's lazy re-exports
            if (module, funcs[0]) in ALLOWED:
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} in {'.'.join(funcs)}()")
    return found


def private_imports() -> list[str]:
    found = []
    for module, path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, _ in imports(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = absolute(module, path, node)
            if not source.startswith("plait"):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports "
                                 f"{source}.{alias.name}")
    return found


def test_every_package_module_is_seen():
    names = {m for m, _ in modules()}
    assert {"plait.cli", "plait.runtime.engine", "plait.runtime.backends.local",
            "plait.compiler.checks", "plait.grammar.parse"} <= names


def test_no_function_level_import_of_a_plait_module():
    assert function_level_imports() == []


def test_no_module_imports_another_modules_private_name():
    assert private_imports() == []


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    from . import engine\n", True),
    ("def f():\n    from plait.runtime.engine import Engine\n", True),
    ("def f():\n    import plait.compiler\n", True),
    ("def f():\n    import kubernetes\n", False),
    ("from . import engine\n", False),
])
def test_the_scan_finds_what_it_should(tmp_path, monkeypatch, source, expected):
    """The scan itself: a planted module is (or is not) reported."""
    folder = tmp_path / "runtime"
    folder.mkdir()
    (folder / "planted.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr("tests.test_structure.PACKAGE_DIRS", {"plait.runtime": folder})
    monkeypatch.setattr("tests.test_structure.ROOT", tmp_path)
    assert bool(function_level_imports()) is expected


def test_the_private_name_scan_finds_a_planted_import(tmp_path, monkeypatch):
    folder = tmp_path / "runtime"
    folder.mkdir()
    (folder / "planted.py").write_text("from .engine import _TRANSIENT\n", encoding="utf-8")
    monkeypatch.setattr("tests.test_structure.PACKAGE_DIRS", {"plait.runtime": folder})
    monkeypatch.setattr("tests.test_structure.ROOT", tmp_path)
    assert private_imports() == ["runtime/planted.py:1 imports plait.runtime.engine._TRANSIENT"]


def test_every_template_kind_of_the_plan_format_has_a_handler():
    """One table runs every kind a plan can hold (plan.schema.json), retry wraps any of them."""
    schema = json.loads((ROOT / "compiler" / "plan.schema.json").read_text(encoding="utf-8"))
    kinds = {k for k in schema["$defs"]["template"]["properties"]["kind"]["enum"] if k}
    assert set(HANDLERS.kinds) == kinds
    assert HANDLERS.retry is run_retry
    # engine.LEAF_KINDS, kept for callers, agrees with the table
    assert set(LEAF_KINDS) == {k for k, h in HANDLERS.kinds.items() if h.leaf}


def test_a_node_takes_no_ad_hoc_attribute():
    """What the engine knows about a node besides its fields lives in the engine's maps."""
    node = Node("wf", "wf", "wf", NodeType.POD, "main")
    with pytest.raises(AttributeError):
        node._scope_ended = True  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        node.outputs._raw = {}  # type: ignore[attr-defined]


def test_the_architecture_notes_rule_table_names_functions_that_exist():
    """docs/architecture.md's "Where each Argo rule lives": each row's module defines the
    functions it names (a renamed or moved rule fails here, not in a newcomer's search)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Where each Argo rule lives", 1)[1]
    rows = [line.split("|")[2:4] for line in table.splitlines()
            if line.startswith("| ") and "`" in line]
    assert len(rows) >= 8
    for module, functions in rows:
        [path] = re.findall(r"`([\w/]+\.py)`", module)
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        defined = {n.name for n in ast.walk(tree)
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        named = re.findall(r"`(\w+)`", functions.split("(")[0])
        assert named and set(named) <= defined, (path, set(named) - defined)
