"""Shared test set-up: the repository root, `--update-golden`, and Argo's examples.

Argo's example files come from `$PLAIT_ARGO_EXAMPLES`, else `../shared/argo/examples` beside the
repository. A test that reads them asks `need_examples()` (or the `argo_examples` fixture): it
skips, saying how to get them, when the folder is missing, and fails instead under `CI=true`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLES = Path(os.environ.get("PLAIT_ARGO_EXAMPLES") or SHARED / "argo" / "examples").absolute()
# The container engine and the locally built images (fixtures container_engine, busybox_img, ...).
pytest_plugins = ("tests.containers",)

GET_EXAMPLES = ("set PLAIT_ARGO_EXAMPLES to the examples/ folder of an argo-workflows v4.1 checkout "
                "(git clone https://github.com/argoproj/argo-workflows), or put it at ../shared/argo/examples")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite golden files (*.out, *.dot, *.json) from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    """Every test runs from the repository root, so reported paths are stable."""
    monkeypatch.chdir(ROOT)


def need_examples() -> Path:
    """The folder of Argo's examples; skips the calling test without it (fails it under CI=true)."""
    if not EXAMPLES.is_dir():
        message = f"Argo's examples not found at {EXAMPLES}: {GET_EXAMPLES}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true needs them)", pytrace=False)
        pytest.skip(message)
    return EXAMPLES


@pytest.fixture
def argo_examples() -> Path:
    return need_examples()


def example_params(names: Iterable[str] | None = None, prefix: str = "") -> list:
    """Parameters for a test over Argo's examples: every *.yaml below the folder (or the given
    names), id'd by the relative path. Without the folder, one placeholder parameter (None) stands
    in, so the test still runs and its `argo_examples` fixture skips or fails it."""
    if not EXAMPLES.is_dir():
        return [pytest.param(None, id=f"{prefix}no-argo-examples")]
    paths = [EXAMPLES / n for n in names] if names is not None else sorted(EXAMPLES.rglob("*.yaml"))
    return [pytest.param(p, id=f"{prefix}{p.relative_to(EXAMPLES)}") for p in paths]


def golden(path: Path, actual: str, update: bool) -> None:
    """Compare `actual` with the golden file at `path` (or rewrite it with --update-golden)."""
    if update or not path.exists():
        path.write_text(actual, encoding="utf-8")
        if not update:
            pytest.fail(f"golden file {path} was missing; written now, review it and re-run")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path}"


os.environ.setdefault("NO_COLOR", "1")

# No test asserts speed: Hypothesis's per-example deadline and its too-slow health check are
# timings that fail under load, so they are off for every property test (bench/ measures speed).
settings.register_profile("plait", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("plait")


@pytest.fixture
def plait_home(tmp_path, monkeypatch) -> Path:
    """A private `$PLAIT_HOME` (tmp_path/home) for a test that runs workflows, with no image
    table from the host: runs see plait's built-in images only."""
    path = tmp_path / "home"
    monkeypatch.setenv("PLAIT_HOME", str(path))
    monkeypatch.delenv("PLAIT_IMAGES", raising=False)
    return path
