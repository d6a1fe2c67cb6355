"""Layer 3 of the kubernetes backend's verification: a subset of runs against a real cluster.

Skipped unless PLAIT_TEST_KUBECONFIG names a kubeconfig (its current context, or
PLAIT_TEST_CONTEXT; namespace PLAIT_TEST_NAMESPACE, else the context's). The cluster must
pull `busybox` from Docker Hub. Run it with:

    PLAIT_TEST_KUBECONFIG=~/.kube/config python -m pytest tests/kube/test_live.py -v
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plait.cli import main

HERE = Path(__file__).resolve().parent
CONFIG = os.environ.get("PLAIT_TEST_KUBECONFIG")
pytestmark = pytest.mark.skipif(not CONFIG, reason="set PLAIT_TEST_KUBECONFIG to a cluster's "
                                                   "kubeconfig to run the live tests")


def cluster_flags() -> list[str]:
    flags = ["--backend", "kubernetes", "--kubeconfig", os.path.expanduser(CONFIG or "")]
    if os.environ.get("PLAIT_TEST_CONTEXT"):
        flags += ["--context", os.environ["PLAIT_TEST_CONTEXT"]]
    if os.environ.get("PLAIT_TEST_NAMESPACE"):
        flags += ["-n", os.environ["PLAIT_TEST_NAMESPACE"]]
    return flags


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAIT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def run(capsys, path, *args):
    code = main(["run", *cluster_flags(), "-o", "json", "--name", f"live-{int(time.time())}",
                 *args, str(path)])
    doc = json.loads(capsys.readouterr().out)
    return code, doc, {n["displayName"]: n for n in doc["status"]["nodes"].values()}


def test_hello(capsys, home):
    code, doc, nodes = run(capsys, HERE.parent.parent / "samples" / "hello.yaml")
    assert code == 0 and doc["status"]["phase"] == "Succeeded"


def test_parameters_artifacts_result_exit_code_and_sidecar(capsys, home):
    code, doc, nodes = run(capsys, HERE / "workflows" / "outputs.yaml")
    assert nodes["produce"]["outputs"]["parameters"] == [{"name": "text", "value": "from-a-file"}]
    assert nodes["consume"]["outputs"]["result"] == "got from-a-file and report-body"
    assert nodes["fail"]["outputs"]["exitCode"] == "3"


def test_retry(capsys, home):
    code, doc, nodes = run(capsys, HERE / "workflows" / "retry.yaml")
    assert code == 0, doc["status"]


def test_resource_templates(capsys, home):
    code, doc, nodes = run(capsys, HERE / "workflows" / "resource.yaml")
    assert doc["status"]["phase"] == "Succeeded", doc["status"]
    assert nodes["bad"]["phase"] == "Failed"
    name = nodes["create"]["outputs"]["parameters"][0]["value"]
    from kubernetes import client

    from plait.runtime.backends.kube_connect import connect
    conn = connect(kubeconfig=os.path.expanduser(CONFIG or ""),
                   context=os.environ.get("PLAIT_TEST_CONTEXT"),
                   namespace=os.environ.get("PLAIT_TEST_NAMESPACE"))
    client.CoreV1Api(conn.api_client).delete_namespaced_config_map(name, conn.namespace)


def test_killed_runner_then_resume(home, tmp_path):
    flow = tmp_path / "slow.yaml"
    from .test_backend import SLOW
    name = f"live-resume-{int(time.time())}"
    flow.write_text(SLOW.replace("NAME", name))
    env = {**os.environ, "PLAIT_HOME": str(home)}
    plait = [sys.executable, "-m", "plait"]
    subprocess.run([*plait, "submit", *cluster_flags(), str(flow)], env=env, check=True,
                   capture_output=True, timeout=120)
    from plait.runtime.store import Store
    store = Store.at(home)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        first = [n for n in store.nodes(name).values() if n.display_name == "first"]
        if first and first[0].phase.value == "Running":
            break
        time.sleep(0.5)
    os.kill(int(store.workflow(name).runner_pid), signal.SIGKILL)
    proc = subprocess.run([*plait, "resume", name, "--wait"], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    subprocess.run([*plait, "delete", name], env=env, check=True, timeout=120)
