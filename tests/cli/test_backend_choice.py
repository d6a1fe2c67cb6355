"""Choosing the backend: `--backend`, `$PLAIT_BACKEND`, `[tool.plait] backend`, and the
container backend's engine (`--engine`): a bad choice is a usage error (exit 2) before anything
runs, and the first progress line of `plait run` names the backend."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.helpers import ROOT, plait_command, plait_env

HELLO = """apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: hello-}
spec:
  entrypoint: m
  templates:
  - name: m
    container: {image: busybox, command: [echo, hi]}
"""


def _plait(tmp_path, *argv, env=None, cwd=None):
    (tmp_path / "wf.yaml").write_text(HELLO)
    return subprocess.run(plait_command(*argv), capture_output=True, text=True,
                          env=dict(plait_env(tmp_path / "home"), **(env or {})),
                          cwd=cwd or ROOT, timeout=120)


def test_an_unknown_backend_in_the_environment_is_a_usage_error(tmp_path):
    proc = _plait(tmp_path, "run", tmp_path / "wf.yaml", env={"PLAIT_BACKEND": "cloud"})
    assert proc.returncode == 2
    assert "PLAIT_BACKEND='cloud': expected one of local, container" in proc.stderr


def test_an_unknown_backend_in_tool_plait_is_a_usage_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\nbackend = "cloud"\n')
    proc = _plait(tmp_path, "run", tmp_path / "wf.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "backend must be one of local, container, not 'cloud'" in proc.stderr


def test_the_first_progress_line_names_the_local_backend(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\nbackend = "local"\n')
    proc = _plait(tmp_path, "run", "--sandbox", "none", tmp_path / "wf.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == "plait: backend local, sandbox none"


def test_an_engine_that_does_not_answer_is_a_usage_error_naming_it(tmp_path):
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on PATH: nothing that fails to answer")
    if subprocess.run([docker, "info"], capture_output=True).returncode == 0:
        pytest.skip("a docker daemon answers here")
    proc = _plait(tmp_path, "run", "--backend", "container", "--engine", "docker",
                  tmp_path / "wf.yaml")
    assert proc.returncode == 2
    assert "docker failed: `docker info" in proc.stderr and "Install podman" in proc.stderr
