"""Golden diagnostics: every `tests/fixtures/err/<code>_<slug>.yaml` has a `.out` with the
exact expected lines; every `tests/fixtures/ok/*.yaml` reports nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from plait.compiler.check import check_paths
from plait.compiler.report import format_text

from ..conftest import ROOT, golden

ERR = sorted((ROOT / "tests/fixtures/err").glob("*.yaml"))
OK = sorted((ROOT / "tests/fixtures/ok").glob("*.yaml"))


def render(path: Path) -> str:
    rel = str(path.relative_to(ROOT))
    report = check_paths([rel], templates=[])
    return format_text(report.diagnostics, snippets=False) + "\n"


@pytest.mark.parametrize("path", ERR, ids=lambda p: p.stem)
def test_err_fixture(path: Path, update_golden: bool):
    out = render(path)
    code = path.stem.split("_", 1)[0].upper()
    assert f"[{code}]" in out, f"{path.name} does not report {code}:\n{out}"
    golden(path.with_suffix(".out"), out, update_golden)


@pytest.mark.parametrize("path", OK, ids=lambda p: p.stem)
def test_ok_fixture(path: Path):
    report = check_paths([str(path.relative_to(ROOT))])
    assert report.diagnostics == [], format_text(report.diagnostics)
