"""Shared test set-up: the repository root, `--update-golden`, and paths to ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLES = SHARED / "argo" / "examples"


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


def need_examples():
    if not EXAMPLES.is_dir():
        pytest.skip(f"Argo's examples not found at {EXAMPLES} (../shared beside the repo)")
    return EXAMPLES


def golden(path: Path, actual: str, update: bool) -> None:
    """Compare `actual` with the golden file at `path` (or rewrite it with --update-golden)."""
    if update or not path.exists():
        path.write_text(actual, encoding="utf-8")
        if not update:
            pytest.fail(f"golden file {path} was missing; written now, review it and re-run")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path}"


os.environ.setdefault("NO_COLOR", "1")
