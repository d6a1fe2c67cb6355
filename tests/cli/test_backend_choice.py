"""Choosing the backend: `--backend`, `$PLAIT_BACKEND`, `[tool.plait] backend`, and the
container backend's engine (`--engine`): a bad choice is a usage error (exit 2) before anything
runs, and the first progress line of `plait run` names the backend."""

from __future__ import annotations

import json
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
    assert "docker failed: `docker info" in proc.stderr and "install podman" in proc.stderr


def _fake_podman(tmp_path, script: str) -> dict[str, str]:
    """A PATH whose `podman` is `script` (a shell script body): an engine that misbehaves."""
    folder = tmp_path / "bin"
    folder.mkdir()
    fake = folder / "podman"
    fake.write_text("#!/bin/sh\n" + script)
    fake.chmod(0o755)
    return {"PATH": f"{folder}:/usr/bin:/bin"}


def test_an_engine_that_is_down_is_a_usage_error_naming_the_command(tmp_path):
    env = _fake_podman(tmp_path, 'echo "Error: unable to connect to Podman socket: '
                                 'connection refused" >&2; exit 125\n')
    proc = _plait(tmp_path, "run", "--backend", "container", "--engine", "podman",
                  tmp_path / "wf.yaml", env=env)
    assert proc.returncode == 2
    assert "podman failed: `podman info --format '{{.Version.Version}}'`: Error: unable to " \
           "connect to Podman socket: connection refused. Start the engine" in proc.stderr, proc.stderr


def test_an_engine_that_refuses_mid_run_errors_the_node_naming_engine_and_command(tmp_path):
    env = _fake_podman(tmp_path, 'if [ "$1" = info ]; then echo 4.3.1; exit 0; fi\n'
                                 'echo "Error: mkdir /var/lib/containers/storage: permission '
                                 'denied" >&2; exit 125\n')
    proc = _plait(tmp_path, "run", "--backend", "container", "-o", "json",
                  tmp_path / "wf.yaml", env=env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines()[0] == "plait: backend container, engine podman 4.3.1"
    node = next(n for n in json.loads(proc.stdout)["status"]["nodes"].values())
    assert node["phase"] == "Error"
    assert node["message"].startswith("podman failed: `podman "), node["message"]
    assert "/var/lib/containers/storage: permission denied" in node["message"]
