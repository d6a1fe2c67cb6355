"""Every sample runs to Succeeded on the local backend (real processes, real SQLite)."""

from __future__ import annotations

import json

import pytest

from plait.cli import main

from ..conftest import ROOT

SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_runs(path, plait_home, capsys):
    code = main(["run", str(path.relative_to(ROOT)), "-o", "json", "--name", f"s-{path.stem}"])
    out, err = capsys.readouterr()
    status = json.loads(out)["status"]
    assert (code, status["phase"]) == (0, "Succeeded"), err[-2000:]
