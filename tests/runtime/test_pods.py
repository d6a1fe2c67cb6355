"""Pod manifests from plan template records (runtime/pods.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plait.compiler.plancodec import decode_settings
from plait.runtime.pods import (
    DAEMON,
    DEPENDENCIES,
    INPUTS,
    OUTPUTS,
    SCRIPT,
    PodError,
    build_pod,
    pod_outputs,
    workflow_volumes,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "plan"


def pod(template, *, spec_volumes=(), inputs=(), outputs=(), deadline=None, account=None):
    return build_pod(workflow="wf", node_name="wf.step", pod_name="wf-step-123", template=template,
                     spec_volumes=list(spec_volumes), inputs=list(inputs), outputs=list(outputs),
                     deadline=deadline, service_account=account)


def plan_template(plan: str, name: str) -> dict:
    return json.loads((GOLDEN / f"{plan}.json").read_text())["templates"][name]


def test_container_pod_shape():
    t = {"kind": "container", "name": "hello",
         "body": {"image": "alpine", "command": ["echo"], "args": ["hi"], "workingDir": "/w"},
         "settings": {"metadata": {"labels": {"team": "a"}, "annotations": {"note": "x"}}}}
    m = pod(t, deadline=30, account="runner", outputs=["/tmp/out.txt"],
            inputs=[{"path": "/in/a", "source": "/host/a", "mode": 0o644}])
    assert m["apiVersion"] == "v1" and m["kind"] == "Pod"
    meta = m["metadata"]
    assert meta["name"] == "wf-step-123"
    assert meta["labels"] == {"team": "a", "workflows.argoproj.io/workflow": "wf"}
    assert meta["annotations"]["workflows.argoproj.io/node-name"] == "wf.step"
    assert meta["annotations"]["note"] == "x"
    assert json.loads(meta["annotations"][OUTPUTS]) == [{"path": "/tmp/out.txt", "container": "main"}]
    assert json.loads(meta["annotations"][INPUTS]) == [{"path": "/in/a", "source": "/host/a", "mode": 0o644}]
    assert SCRIPT not in meta["annotations"] and DAEMON not in meta["annotations"]
    spec = m["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["activeDeadlineSeconds"] == 30
    assert spec["serviceAccountName"] == "runner"
    assert "initContainers" not in spec
    assert spec["containers"] == [{"name": "main", "image": "alpine", "command": ["echo"],
                                   "args": ["hi"], "workingDir": "/w"}]
    assert t["body"].get("name") is None            # the record is not modified


def test_script_source_goes_to_an_annotation():
    t = plan_template("sample-scripts", "python-sum")
    m = pod(t)
    main = m["spec"]["containers"][0]
    assert main["name"] == "main" and "source" not in main
    assert main["command"] == ["python3"]
    script = json.loads(m["metadata"]["annotations"][SCRIPT])
    assert script == {"container": "main", "source": t["body"]["source"]}
    assert m["metadata"]["labels"]["plait.dev/sample"] == "scripts"


def test_sidecars_init_containers_and_mirrored_mounts():
    t = plan_template("sample-daemon-sidecar", "with-helpers")
    m = pod(t)
    spec = m["spec"]
    assert [c["name"] for c in spec["containers"]] == ["main", "heartbeat"]
    sidecar = spec["containers"][1]
    assert sidecar["mirrorVolumeMounts"] is True
    assert sidecar["volumeMounts"] == [{"mountPath": "/shared", "name": "shared"}]
    assert [c["name"] for c in spec["initContainers"]] == ["write-config"]
    assert spec["volumes"] == [{"emptyDir": {}, "name": "shared"}]


def test_daemon_and_readiness_probe_kept():
    m = pod(plan_template("sample-daemon-sidecar", "http-server"))
    assert m["metadata"]["annotations"][DAEMON] == "true"
    assert m["spec"]["containers"][0]["readinessProbe"]["tcpSocket"] == {"port": 18080}


def test_container_set_all_containers_and_dependencies():
    t = plan_template("sample-containerset", "build")
    m = pod(t, outputs=pod_outputs(t))
    names = [c["name"] for c in m["spec"]["containers"]]
    assert names == ["fetch", "lint", "test", "main"]
    deps = json.loads(m["metadata"]["annotations"][DEPENDENCIES])
    assert deps == {"fetch": [], "lint": ["fetch"], "test": ["fetch"], "main": ["lint", "test"]}
    for c in m["spec"]["containers"]:
        assert "dependencies" not in c
        assert {"mountPath": "/workspace", "name": "workspace"} in c["volumeMounts"]
    assert json.loads(m["metadata"]["annotations"][OUTPUTS]) == [
        {"path": "/workspace/out/summary.txt", "container": "main"}]
    assert m["spec"]["volumes"] == [{"emptyDir": {}, "name": "workspace"}]


def test_volumes_template_over_workflow_and_only_mounted_ones():
    t = {"kind": "container", "name": "x",
         "body": {"image": "a", "command": ["true"],
                  "volumeMounts": [{"name": "work", "mountPath": "/w"}, {"name": "data", "mountPath": "/d"}]},
         "settings": {"volumes": [{"name": "work", "emptyDir": {}}]}}
    spec_vols = [{"name": "work", "hostPath": {"path": "/nope"}}, {"name": "data", "emptyDir": {}},
                 {"name": "unused", "emptyDir": {}}]
    assert pod(t, spec_volumes=spec_vols)["spec"]["volumes"] == [
        {"name": "work", "emptyDir": {}}, {"name": "data", "emptyDir": {}}]


def test_workflow_volumes_add_claim_templates():
    settings = {"volumes": [{"name": "cfg", "configMap": {"name": "c"}}],
                "volumeClaimTemplates": [{"metadata": {"name": "workdir"}, "spec": {}}]}
    assert workflow_volumes(decode_settings(settings)) == [
        {"name": "cfg", "configMap": {"name": "c"}},
        {"name": "workdir", "persistentVolumeClaim": {"claimName": "workdir"}}]


def test_secret_env_stays_a_reference():
    t = plan_template("sample-secrets", "use-secret")
    m = pod(t)
    env = m["spec"]["containers"][0]["env"]
    assert env[0] == {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {
        "key": "token", "name": "plait-sample-secret", "optional": True}}}


def test_pod_outputs_parameters_then_artifacts_without_duplicates():
    t = {"outputs": {"parameters": [{"name": "a", "valueFrom": {"path": "/tmp/a"}},
                                    {"name": "b", "valueFrom": {"parameter": "x"}},
                                    {"name": "c", "valueFrom": {"path": "/tmp/a"}}],
                     "artifacts": [{"name": "r", "path": "/tmp/out"}, {"name": "s", "raw": {"data": "x"}}]}}
    assert pod_outputs(t) == ["/tmp/a", "/tmp/out"]
    assert pod_outputs({"outputs": {}}) == []


def test_pod_spec_patch_merges_containers_by_name():
    t = {"kind": "container", "name": "x", "body": {"image": "a", "command": ["true"]},
         "settings": {"podSpecPatch": '{"containers": [{"name": "main", "resources": {"limits": {"cpu": "1"}}}],'
                                      ' "priorityClassName": "high"}'}}
    spec = pod(t)["spec"]
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1"}}
    assert spec["containers"][0]["command"] == ["true"]
    assert spec["priorityClassName"] == "high"
    t["settings"]["podSpecPatch"] = "containers:\n- name: main\n  workingDir: /x\n"
    assert pod(t)["spec"]["containers"][0]["workingDir"] == "/x"


def test_non_pod_kinds_are_refused():
    with pytest.raises(PodError):
        pod({"kind": "steps", "name": "s", "steps": []})
    with pytest.raises(PodError):
        pod({"kind": "suspend", "name": "s", "body": {}})


def test_every_golden_pod_template_builds():
    count = 0
    for path in sorted(GOLDEN.glob("*.json")):
        plan = json.loads(path.read_text())
        vols = workflow_volumes(decode_settings(plan.get("settings") or {}))
        for t in plan["templates"].values():
            if t["kind"] in ("container", "script", "containerSet"):
                m = pod(t, spec_volumes=vols, outputs=pod_outputs(t))
                assert m["spec"]["containers"], path.name
                main = [c for c in m["spec"]["containers"] if c["name"] == "main"]
                assert main or t["kind"] == "containerSet", path.name
                count += 1
    assert count > 20
