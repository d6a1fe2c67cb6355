"""Containers that cannot start, and argosay with no shim: whole workflows through `plait run -o
json` (real processes, a private PLAIT_HOME, no image table file, no shims on PATH)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plait.runtime.backends.local import bwrap_works

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def plait_run(tmp_path: Path, workflow: str, *extra: str) -> dict:
    source = tmp_path / "wf.yaml"
    source.write_text(workflow, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(tmp_path / "home"), NO_COLOR="1", PATH=SYSTEM_PATH)
    proc = subprocess.run([sys.executable, "-m", "plait", "run", "-o", "json", *extra, str(source)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def pod_nodes(doc: dict) -> list[dict]:
    return [n for n in doc["status"]["nodes"].values() if n["type"] == "Pod"]


CANNOT_START = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: cannot-start
spec:
  entrypoint: main
  templates:
    - name: main
      container:
        image: argoproj/argosay:v2
        # this cannot start
        command: [ invalid ]
"""


def test_a_command_that_does_not_exist_fails_the_node_with_the_runtimes_words(tmp_path):
    """Argo's e2e test `InvalidCommandSuite.TestInvalidCommand` (test/e2e/invalid_command_test.go)
    runs test/e2e/testdata/cannot-start-workflow.yaml (this workflow) and expects the workflow
    `Failed` with "executable file not found" in `status.message`; the node carries the
    container runtime's message, here followed by plait's hint."""
    doc = plait_run(tmp_path, CANNOT_START)
    status = doc["status"]
    assert status["phase"] == "Failed"
    assert "executable file not found" in status["message"]
    (node,) = pod_nodes(doc)
    assert node["phase"] == "Failed"
    assert node["message"].startswith('exec: "invalid": executable file not found in $PATH (')
    assert "plait runs commands from this host" in node["message"]


def test_a_command_that_does_not_exist_on_the_container_backend(tmp_path, argosay_img):
    """The same Argo e2e test (`InvalidCommandSuite.TestInvalidCommand`,
    test/e2e/testdata/cannot-start-workflow.yaml) with `--backend container`: the engine
    cannot start the container; the workflow and its Pod node are `Failed` with the container
    runtime's own words, as Argo's `main: <message>`."""
    doc = plait_run(tmp_path, CANNOT_START, "--backend", "container")
    status = doc["status"]
    message = 'main: exec: "invalid": executable file not found in $PATH'
    assert (status["phase"], status["message"]) == ("Failed", message)
    (node,) = pod_nodes(doc)
    assert (node["phase"], node["message"]) == ("Failed", message)


@pytest.mark.skipif(not (shutil.which("bwrap") and bwrap_works(shutil.which("bwrap") or "")),
                    reason="needs a working bubblewrap: only the sandbox hides the host's /tmp")
def test_a_shim_under_the_hosts_tmp_is_reported_as_hidden_not_missing(tmp_path):
    """The host's /tmp is replaced by each pod's own: a command that lives there exists on the
    host but not in the pod, and the message says so instead of "not found"."""
    shim = tmp_path / "shim-tool"
    shim.write_text("#!/bin/sh\necho should not run\n", encoding="utf-8")
    shim.chmod(0o755)
    if not str(shim).startswith("/tmp/"):
        pytest.skip(f"pytest's tmp_path {tmp_path} is not under /tmp")
    workflow = CANNOT_START.replace("command: [ invalid ]", f"command: [ {shim} ]")
    doc = plait_run(tmp_path, workflow)
    (node,) = pod_nodes(doc)
    assert node["phase"] == "Failed"
    assert f"{shim} exists on this host, but the sandbox hides it" in node["message"]
    assert "each pod gets its own /tmp" in node["message"]


ARGOSAY = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: argosay-builtin
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: hello
            template: say
        - - name: write
            template: write
        - - name: fail
            template: fail
            continueOn: {failed: true}
    - name: say
      container:
        image: argoproj/argosay:v2
    - name: write
      container:
        image: argoproj/argosay:v2
        args: [echo, written, /tmp/out/file.txt]
      outputs:
        parameters:
          - name: text
            valueFrom: {path: /tmp/out/file.txt}
    - name: fail
      container:
        image: argoproj/argosay:v2
        args: [exit, "3"]
"""


def test_argosay_v2_runs_without_shims_or_image_table(tmp_path):
    doc = plait_run(tmp_path, ARGOSAY)
    nodes = {n["displayName"]: n for n in doc["status"]["nodes"].values()}
    assert doc["status"]["phase"] == "Succeeded", doc["status"].get("message")
    assert nodes["hello"]["phase"] == "Succeeded"
    assert nodes["hello"]["outputs"].get("result", "") == ""     # argosay says hello on stderr
    assert nodes["write"]["outputs"]["parameters"][0]["value"] == "written"
    assert nodes["fail"]["phase"] == "Failed"
    assert nodes["fail"]["outputs"]["exitCode"] == "3"
