"""Every sample checks clean: no error, no warning."""

from __future__ import annotations

import pytest

from plait.compiler.check import check_paths
from plait.compiler.report import format_text

from ..conftest import ROOT

SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))


def test_there_are_enough_samples():
    assert len(SAMPLES) >= 10


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_checks_clean(path):
    report = check_paths([str(path.relative_to(ROOT))])
    assert report.diagnostics == [], format_text(report.diagnostics, snippets=False)
