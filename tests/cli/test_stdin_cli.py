"""`-` reads the workflow (or plan) from standard input for every verb that reads one file:
`compile`, `dot` (also with runs in the store, where `-` could be taken for a run's name) and
`run`; findings name `<stdin>`."""

from __future__ import annotations

import io
import json
import sys

from plait.cli import main

WORKFLOW = b"""apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: from-stdin}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [echo, hi]}
"""


def feed(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_compile_dot_and_run_read_standard_input(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PLAIT_HOME", str(tmp_path / "home"))
    feed(monkeypatch, WORKFLOW)
    assert main(["run", "--sandbox", "none", "-o", "json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["status"]["phase"] == "Succeeded"
    # the store now holds a run: `-` is still standard input, not a run's name
    feed(monkeypatch, WORKFLOW)
    assert main(["dot", "-"]) == 0
    assert capsys.readouterr().out.startswith('digraph "from-stdin" {')
    feed(monkeypatch, WORKFLOW)
    assert main(["compile", "-"]) == 0
    plan = capsys.readouterr().out
    assert json.loads(plan)["entrypoint"] == "main"
    feed(monkeypatch, plan.encode())                  # a plan on standard input
    assert main(["dot", "-"]) == 0
    assert "digraph" in capsys.readouterr().out


def test_findings_on_standard_input_name_it(capsys, monkeypatch):
    feed(monkeypatch, WORKFLOW.replace(b"entrypoint: main", b"entrypoint: nope"))
    assert main(["dot", "-"]) == 1
    err = capsys.readouterr().err
    assert "<stdin>:5:15: error: entrypoint template 'nope' is not defined [PL337]" in err
    assert "stdin.yaml" not in err                  # never the temporary file's name
