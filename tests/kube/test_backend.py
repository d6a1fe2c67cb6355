"""Layer 2 of the kubernetes backend's verification: whole runs through the test API server
(tests/kube/apiserver.py), the official client talking to it through a generated kubeconfig,
each Pod running for real with `podman kube play`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from plait.cli import main
from plait.runtime.logfiles import rfc3339_ns

from ..containers import engine_env
from ..runtime.test_start_failures import CANNOT_START

HERE = Path(__file__).resolve().parent
OUTPUTS = HERE / "workflows" / "outputs.yaml"
SLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: NAME}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: first, template: sleep}
    - - {name: second, template: say}
  - name: sleep
    container: {image: busybox, command: [sh, -c, "echo started; sleep 6; echo slept"]}
  - name: say
    container: {image: busybox, command: [echo, done]}
"""


def run_json(capsys, api, *args):
    code = main(["run", "--backend", "kubernetes", "--kubeconfig", str(api.config),
                 "-o", "json", *args])
    out = capsys.readouterr()
    doc = json.loads(out.out)
    nodes = {n["displayName"]: n for n in doc["status"]["nodes"].values()}
    return code, doc, nodes, out.err


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAIT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_outputs_labels_and_sidecars(capsys, api, home):
    code, doc, nodes, err = run_json(capsys, api, "--keep-pods", str(OUTPUTS))
    assert code == 1 and doc["status"]["phase"] == "Failed", err
    produce, consume, fail = nodes["produce"], nodes["consume"], nodes["fail"]
    assert produce["phase"] == "Succeeded", produce
    assert produce["outputs"]["parameters"] == [{"name": "text", "value": "from-a-file"}]
    assert produce["outputs"]["result"] == "produced"
    assert produce["outputs"]["exitCode"] == "0"
    assert [a["name"] for a in produce["outputs"]["artifacts"]] == ["report"]
    # the parameter and the artifact reached the next pod (its artifact through a Secret)
    assert consume["phase"] == "Succeeded"
    assert consume["outputs"]["result"] == "got from-a-file and report-body"
    assert fail["phase"] == "Failed" and fail["message"] == "main: Error (exit code 3)"
    assert fail["outputs"]["exitCode"] == "3" and fail["outputs"]["result"] == "failing"
    # one Pod per node, never two, with Argo's labels and plait's owner marker
    pods = {name: api.objects[("pods", "default", name)] for name in api.live("pods")}
    assert sorted(n for r, n in api.creates if r == "pods") == sorted(pods)
    assert len(pods) == 3
    for name, pod in pods.items():
        labels = pod["metadata"]["labels"]
        assert labels["workflows.argoproj.io/workflow"] == "kube-outputs"
        assert labels["app.kubernetes.io/managed-by"] == "plait"
        node_name = pod["metadata"]["annotations"]["workflows.argoproj.io/node-name"]
        assert name == next(n["podName"] for n in doc["status"]["nodes"].values()
                            if n["name"] == node_name) if "podName" in produce else True
    # the sidecar was stopped when main ended (its pod was kept: nothing deleted it)
    produce_pod = pods[next(n for n in pods if "-produce-" in n)]
    helper = next(c for c in produce_pod["status"]["containerStatuses"] if c["name"] == "helper")
    assert "terminated" in helper["state"], helper
    # logs reached plait's store
    code = main(["logs", "kube-outputs", "produce"])
    assert "produced" in capsys.readouterr().out
    # delete removes the run's Pods and Secrets from the cluster
    assert api.live("secrets")
    assert main(["delete", "kube-outputs"]) == 0
    api.settle()
    assert api.live("pods") == [] and api.live("secrets") == []


def test_pods_are_deleted_once_their_outputs_are_stored(capsys, api, home):
    code, doc, nodes, err = run_json(capsys, api, str(OUTPUTS))
    assert nodes["consume"]["phase"] == "Succeeded", err
    assert api.live("secrets") == []
    assert all("deletionTimestamp" in api.objects[("pods", "default", n)]["metadata"]
               for n in api.live("pods"))                # deleted, maybe still stopping
    api.settle()
    assert api.live("pods") == []
    deadline = time.monotonic() + 30
    while api.podman_pods() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert api.podman_pods() == []


def test_forbidden_is_a_clear_node_error(capsys, api, home, tmp_path):
    api.forbid.add(("post", "pods"))
    flow = tmp_path / "hello.yaml"
    flow.write_text(SLOW.replace("NAME", "kube-forbidden"))
    code, doc, nodes, err = run_json(capsys, api, str(flow))
    assert code == 1
    message = nodes["first"]["message"]
    assert nodes["first"]["phase"] == "Error"
    assert message.startswith("forbidden (403): plait may not create pods in namespace 'default'")
    assert 'cannot post resource "pods"' in message or "cannot create" in message
    assert "Traceback" not in err


RAW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: kube-raw}
spec:
  entrypoint: main
  templates:
  - name: main
    inputs:
      artifacts: [{name: note, path: /tmp/note.txt, raw: {data: "a raw note"}}]
    container: {image: busybox, command: [cat, /tmp/note.txt]}
"""


def test_a_pod_that_cannot_be_created_leaves_no_secret(capsys, api, home, tmp_path):
    flow = tmp_path / "raw.yaml"
    flow.write_text(RAW)
    api.forbid.add(("post", "pods"))
    code, doc, nodes, err = run_json(capsys, api, str(flow))
    assert nodes["kube-raw"]["phase"] == "Error"
    assert ("secrets", next(n for r, n in api.creates)) in api.creates      # it was created
    api.settle()
    assert api.live("secrets") == [] and api.live("pods") == []             # and removed


def test_a_missing_namespace_is_named(capsys, api, home, tmp_path):
    flow = tmp_path / "hello.yaml"
    flow.write_text(SLOW.replace("NAME", "kube-no-ns"))
    code, doc, nodes, err = run_json(capsys, api, "-n", "nowhere", str(flow))
    assert code == 1
    assert nodes["first"]["message"] == ("namespace 'nowhere' does not exist (404): create it "
                                         "or choose another with -n")


def _request(api, method, path, body=None):
    req = urllib.request.Request(api.url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_api_server_refuses_unknown_fields_and_immutable_updates(api):
    """What the test server rejects, a real one rejects: it validates bodies strictly (the
    client 37 would refuse the unknown field itself, so this speaks HTTP directly)."""
    pods = "/api/v1/namespaces/default/pods"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
           "spec": {"restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "busybox", "command": ["true"],
                                    "colour": "blue"}]}}
    code, body = _request(api, "POST", pods, pod)
    assert code == 422 and body["reason"] == "Invalid" and "colour" in body["message"]
    del pod["spec"]["containers"][0]["colour"]
    pod["metadata"]["name"] = "wf-main/a:inline-1"          # not a DNS-1123 subdomain
    code, body = _request(api, "POST", pods, pod)
    assert code == 422 and "RFC 1123 subdomain" in body["message"]
    pod["metadata"]["name"] = "x"
    assert _request(api, "POST", pods, pod)[0] == 201
    pod["spec"]["containers"][0]["command"] = ["false"]
    code, body = _request(api, "PUT", f"{pods}/x", pod)
    assert code == 422 and "pod updates may not change fields" in body["message"]
    assert _request(api, "DELETE", f"{pods}/x")[0] == 200


def test_a_killed_runner_then_resume_adopts_the_running_pod(api, home, tmp_path):
    flow = tmp_path / "slow.yaml"
    flow.write_text(SLOW.replace("NAME", "kube-resume"))
    env = {**os.environ, "PLAIT_HOME": str(home)}
    plait = [sys.executable, "-m", "plait"]
    subprocess.run([*plait, "submit", "--backend", "kubernetes", "--kubeconfig", str(api.config),
                    str(flow)], env=env, check=True, capture_output=True, timeout=120)
    deadline = time.monotonic() + 60
    first = None
    while time.monotonic() < deadline:         # the first pod runs: kill the runner now
        first = next((api.objects.get(("pods", "default", n)) for n in api.live("pods")), None)
        if first and (first.get("status") or {}).get("phase") == "Running":
            break
        time.sleep(0.2)
    assert first is not None and first["status"]["phase"] == "Running"
    from plait.runtime.store import Store
    store = Store.at(home)
    pid = store.workflow("kube-resume").runner_pid
    os.kill(int(pid), signal.SIGKILL)
    proc = subprocess.run([*plait, "resume", "kube-resume", "--wait"], env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    nodes = {n.display_name: n for n in store.nodes("kube-resume").values()}
    assert nodes["first"].phase.value == "Succeeded" and nodes["second"].phase.value == "Succeeded"
    created = [n for r, n in api.creates if r == "pods"]
    assert len(created) == len(set(created)) == 2, created      # no second Pod for a node


PULL = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: kube-pull}
spec:
  entrypoint: main
  activeDeadlineSeconds: 5
  templates:
  - name: main
    container: {image: "nosuch.example/none:1", command: [echo, never]}
"""


def test_an_image_that_cannot_be_pulled_shows_while_pending_then_fails_at_the_deadline(
        api, home, tmp_path):
    from plait import runtime
    from plait.compiler.api import compile
    seen = []
    flow = tmp_path / "pull.yaml"
    flow.write_text(PULL)
    result = runtime.run(compile(str(flow)), home=home, backend="kubernetes",
                         backend_options={"kubeconfig": str(api.config)},
                         on_change=lambda n: seen.append((n.phase.value, n.message)))
    assert ("Pending", next(m for p, m in seen if m.startswith("ErrImagePull: "))) in seen
    node = result.nodes["kube-pull"]
    assert node.phase.value == "Failed"
    assert node.message == "Pod was active on the node longer than the specified deadline"


def test_a_retried_node_gets_one_pod_per_attempt(capsys, api, home):
    code, doc, nodes, err = run_json(capsys, api, str(HERE / "workflows" / "retry.yaml"))
    assert code == 0, err
    assert nodes["kube-retry"]["outputs"]["result"] == "made-it"
    attempts = sorted((n["name"], n["phase"]) for n in doc["status"]["nodes"].values()
                      if n["type"] == "Pod")
    assert [p for _, p in attempts] == ["Failed", "Failed", "Succeeded"]
    created = [n for r, n in api.creates if r == "pods"]
    assert len(created) == len(set(created)) == 3


def test_resource_templates(capsys, api, home):
    code, doc, nodes, err = run_json(capsys, api, str(HERE / "workflows" / "resource.yaml"))
    assert doc["status"]["phase"] == "Succeeded", (doc["status"], err)
    created = nodes["create"]["outputs"]["parameters"]
    assert created[0]["name"] == "name" and created[0]["value"].startswith("paint-")
    assert json.loads(created[1]["value"])["data"] == {"color": "blue"}
    assert nodes["patch"]["outputs"]["parameters"] == [{"name": "size", "value": "large"}]
    assert nodes["bad"]["phase"] == "Failed"
    assert nodes["bad"]["message"] == "failure condition 'data.size in (large,huge)' holds"
    assert nodes["delete"]["phase"] == "Succeeded"
    # jqFilter prints as Argo prints gojq's results: strings as they are, the rest as Go's JSON
    # (compact, keys sorted), one result a line
    assert {p["name"]: p["value"] for p in created[2:]} == {
        "color": "blue", "keys": '["color"]', "lines": "color\nblue"}
    # setOwnerReference: the run's owner ConfigMap owns the object
    assert nodes["owned"]["outputs"]["parameters"] == [
        {"name": "owners", "value": '["ConfigMap/plait-owner-kube-resource"]'}]
    owned = sorted(n for n in api.live("configmaps") if n.startswith("owned-"))
    assert sorted(api.live("configmaps")) == sorted(
        [created[0]["value"], "plait-owner-kube-resource", *owned]) and len(owned) == 1
    owner = api.objects[("configmaps", "default", "plait-owner-kube-resource")]
    refs = api.objects[("configmaps", "default", owned[0])]["metadata"]["ownerReferences"]
    assert refs == [{"apiVersion": "v1", "kind": "ConfigMap", "name": "plait-owner-kube-resource",
                     "uid": owner["metadata"]["uid"]}]
    # plait delete deletes the owner; the cluster's garbage collector then deletes what it owns
    assert main(["delete", "kube-resource"]) == 0
    assert api.live("configmaps") == [created[0]["value"]]


def test_resource_manifest_from_an_artifact(capsys, api, home):
    code, doc, nodes, err = run_json(capsys, api,
                                     str(HERE / "workflows" / "resource-manifest-from.yaml"))
    assert doc["status"]["phase"] == "Succeeded", (doc["status"], err)
    assert sorted(api.live("configmaps")) == ["from-raw", "from-step"]
    assert nodes["apply-made"]["outputs"]["parameters"] == [{"name": "data",
                                                             "value": '{"made":"yes"}'}]
    assert nodes["apply-raw"]["outputs"]["parameters"] == [{"name": "data",
                                                            "value": '{"note":"{{not.rendered}}"}'}]


def test_log_lines_keep_the_kubelets_times(capsys, api, home, tmp_path):
    """Lines are read with `timestamps=true` and keep the time the kubelet gave them (not
    when plait read them: a resumed run reads old lines late)."""
    wf = tmp_path / "wf.yaml"
    wf.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: kube-times}\n"
                  "spec:\n  entrypoint: main\n  templates:\n  - name: main\n"
                  "    container: {image: busybox, command: [sh, -c, 'echo one; sleep 1; echo two']}\n")
    code, doc, nodes, err = run_json(capsys, api, "--keep-pods", str(wf))
    assert code == 0, err
    assert main(["logs", "kube-times", "--timestamps"]) == 0
    shown = [line.split(" ", 2)[1:] for line in capsys.readouterr().out.splitlines()]
    podman = subprocess.run(["podman", "logs", "-t", api.podman_name("kube-times") + "-main"],
                            capture_output=True, text=True, env=engine_env(), timeout=60)
    kubelet = [line.split(" ", 1) for line in podman.stdout.splitlines()]
    assert [text for _, text in shown] == [text for _, text in kubelet] == ["one", "two"]
    for (mine, _), (theirs, _) in zip(shown, kubelet):     # plait keeps microseconds
        assert abs(rfc3339_ns(mine) - rfc3339_ns(theirs)) <= 1000, (mine, theirs)


def test_resource_flags(capsys, api, home):
    """kubectl's flags in resource templates, as Argo's resource-delete-with-flags and
    resource-flags examples use them."""
    code, doc, nodes, err = run_json(capsys, api, str(HERE / "workflows" / "resource-flags.yaml"))
    assert doc["status"]["phase"] == "Succeeded", (doc["status"], err)
    assert api.live("configmaps") == ["keep"]
    assert nodes["unsupported"]["phase"] == "Error"
    assert nodes["unsupported"]["message"] == (
        "resource flag '--force' is not supported on the kubernetes backend (plait runs no "
        "kubectl)")


def test_resource_templates_still_need_a_cluster_locally(capsys, home):
    assert main(["run", "--sandbox", "none", "-o", "json", str(HERE / "workflows" / "resource.yaml")]) == 1
    doc = json.loads(capsys.readouterr().out)
    messages = [n.get("message") for n in doc["status"]["nodes"].values() if n["type"] == "Pod"]
    assert "resource templates need the kubernetes backend (not supported by the local backend)" in messages


def test_a_lost_watch_goes_on_from_its_last_resource_version(capsys, api, home, tmp_path):
    """The server ends every watch after 0.5 s (as a proxy or an API server restart would):
    the pod's watch starts again from the last version it saw, and the run ends as usual."""
    api.watch_limit = 0.5
    flow = tmp_path / "slow.yaml"
    flow.write_text(SLOW.replace("NAME", "kube-rewatch").replace("sleep 6", "sleep 3"))
    code, doc, nodes, err = run_json(capsys, api, str(flow))
    assert code == 0, err
    assert nodes["first"]["outputs"]["result"] == "started\nslept"
    resumed = [rv for rv in api.watches if rv]
    assert len(resumed) >= 3 and all(int(rv) > 100 for rv in resumed), api.watches


def test_a_pod_of_the_same_name_not_made_by_plait_is_not_adopted(capsys, api, home, tmp_path):
    from plait.runtime.naming import pod_name
    flow = tmp_path / "slow.yaml"
    flow.write_text(SLOW.replace("NAME", "kube-clash"))
    name = pod_name("kube-clash", "sleep", "kube-clash[0].first")
    stranger = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"restartPolicy": "Never",
                         "containers": [{"name": "main", "image": "busybox",
                                         "command": ["sleep", "30"]}]}}
    assert _request(api, "POST", "/api/v1/namespaces/default/pods", stranger)[0] == 201
    code, doc, nodes, err = run_json(capsys, api, str(flow))
    assert nodes["first"]["phase"] == "Error"
    assert nodes["first"]["message"] == (
        f"a pod named {name!r} exists in namespace 'default' and was not created by plait for "
        f"this workflow: delete it or run under another name")
    assert api.live("pods") == [name]          # the stranger is left alone


def test_a_command_that_does_not_exist_fails_the_node_with_the_runtimes_words(
        capsys, api, home, tmp_path, argosay_img):
    """Argo's e2e test `InvalidCommandSuite.TestInvalidCommand` (test/e2e/invalid_command_test.go)
    runs test/e2e/testdata/cannot-start-workflow.yaml and expects the workflow `Failed` with
    "executable file not found" in `status.message`. Argo's inferFailedReason words a failed
    main as `main: <reason> (exit code N): <its termination message>`; the message is the
    container runtime's."""
    source = tmp_path / "cannot-start.yaml"
    source.write_text(CANNOT_START)
    code, doc, nodes, err = run_json(capsys, api, str(source))
    message = 'main: Error (exit code 127): exec: "invalid": executable file not found in $PATH'
    assert code == 1 and doc["status"]["phase"] == "Failed", err
    assert doc["status"]["message"] == message
    (node,) = nodes.values()
    assert (node["type"], node["phase"], node["message"]) == ("Pod", "Failed", message)


def test_a_failed_main_still_hands_back_its_outputs_as_on_local(capsys, api, home):
    """Argo keeps a failed main's result, exit code and the outputs it wrote: a continueOn
    step and an exit hook use them, here as on the local backend."""
    flow = str(HERE / "workflows" / "failed-main.yaml")
    code, doc, nodes, err = run_json(capsys, api, flow)
    assert code == 0, err
    assert main(["delete", "kube-failed-main"]) == 0
    capsys.readouterr()
    assert main(["run", "--sandbox", "none", "-o", "json", flow]) == 0
    local = {n["displayName"]: n for n in json.loads(capsys.readouterr().out)["status"]["nodes"].values()}
    flaky = nodes["flaky"]
    assert flaky["phase"] == "Failed" and flaky["message"] == "main: Error (exit code 1)"
    assert flaky["outputs"]["result"] == "partial-output" and flaky["outputs"]["exitCode"] == "1"
    assert flaky["outputs"]["parameters"] == [{"name": "note", "value": "half-done"}]
    assert [a["name"] for a in flaky["outputs"]["artifacts"]] == ["report"]
    assert nodes["use"]["outputs"]["result"] == "partial-output / half-done / 1 and report-body"
    assert nodes["flaky.onExit"]["outputs"]["result"] == "hook saw partial-output (1)"
    for name in ("flaky", "use", "flaky.onExit"):
        ours = {k: v for k, v in nodes[name]["outputs"].items() if k != "artifacts"}
        theirs = {k: v for k, v in local[name]["outputs"].items() if k != "artifacts"}
        assert (nodes[name]["phase"], ours) == (local[name]["phase"], theirs), name
