"""plait's Pod manifest as the objects the kubernetes backend sends (kube_manifest), and the
executor's shell scripts run for real (kube_executor) in a bubblewrap "pod"."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import tarfile

import pytest

from plait.runtime.backends import kube_executor as X
from plait.runtime.backends.kube_manifest import (
    INPUT_LIMIT,
    TranslateError,
    selector,
    translate,
)
from plait.runtime.images import ImageTable
from plait.runtime.naming import node_id
from plait.runtime.pods import build_pod

from ..conformance.harness import bwrap_works


def manifest(body=None, *, kind="container", settings=None, inputs=(), outputs=(),
             deadline=None, account=None):
    template = {"kind": kind, "name": "t",
                "body": body or {"image": "alpine:3.23", "command": ["echo"], "args": ["hi"]},
                "settings": settings or {}}
    return build_pod(workflow="wf", node_name="wf.step", pod_name="wf-t-123", template=template,
                     spec_volumes=[], inputs=list(inputs), outputs=list(outputs),
                     deadline=deadline, service_account=account)


def containers(pod):
    return {c["name"]: c for c in pod["spec"]["containers"]}


def test_labels_annotations_and_namespace():
    objs = translate(manifest(settings={"metadata": {"labels": {"team": "a"},
                                                     "annotations": {"note": "x"}}}),
                     namespace="ci")
    meta = objs.pod["metadata"]
    assert meta["namespace"] == "ci"
    assert meta["labels"] == {"team": "a", "workflows.argoproj.io/workflow": "wf",
                              "workflows.argoproj.io/completed": "false",
                              "app.kubernetes.io/managed-by": "plait"}
    assert meta["annotations"] == {"workflows.argoproj.io/node-name": "wf.step",
                                   "workflows.argoproj.io/node-id": node_id("wf", "wf.step"),
                                   "note": "x"}
    assert not any(k.startswith("plait.dev/") for k in meta["annotations"])
    assert objs.secret is None
    assert selector("wf") == "workflows.argoproj.io/workflow=wf,app.kubernetes.io/managed-by=plait"


def test_executor_containers_and_wrapped_main():
    objs = translate(manifest(outputs=["/tmp/out.txt"]), namespace="default",
                     executor_image="registry.example/busybox:1.36")
    spec = objs.pod["spec"]
    init = spec["initContainers"][0]
    assert init["name"] == "init" and init["image"] == "registry.example/busybox:1.36"
    assert init["volumeMounts"] == [{"name": "plait-exec", "mountPath": "/plait"}]
    main, wait = containers(objs.pod)["main"], containers(objs.pod)["wait"]
    assert main["command"][:3] == ["/plait/busybox", "sh", "-c"]
    assert main["command"][4:] == ["plait-exec", "echo", "hi"] and "args" not in main
    assert {"name": "plait-exec", "mountPath": "/plait"} in main["volumeMounts"]
    assert wait["image"] == "registry.example/busybox:1.36"
    assert {"name": "plait-exec", "emptyDir": {}} in spec["volumes"]
    assert objs.main == "main" and objs.outputs == ("/tmp/out.txt",)


def test_pod_fields_pass_through():
    settings = {"nodeSelector": {"disk": "ssd"}, "tolerations": [{"key": "k", "operator": "Exists"}],
                "affinity": {"nodeAffinity": {}}, "priorityClassName": "high",
                "securityContext": {"runAsUser": 1000}, "automountServiceAccountToken": False,
                "imagePullSecrets": [{"name": "regcred"}],
                "podSpecPatch": '{"containers": [{"name": "main", "resources": {"limits": {"memory": "64Mi"}}}]}'}
    objs = translate(manifest(settings=settings, account="runner", deadline=30), namespace="d")
    spec = objs.pod["spec"]
    for key in ("nodeSelector", "tolerations", "affinity", "priorityClassName",
                "securityContext", "automountServiceAccountToken", "imagePullSecrets"):
        assert spec[key] == settings[key], key
    assert spec["serviceAccountName"] == "runner"
    assert spec["activeDeadlineSeconds"] == 30
    assert containers(objs.pod)["main"]["resources"] == {"limits": {"memory": "64Mi"}}


def test_input_artifacts_travel_in_a_secret(tmp_path):
    staged = tmp_path / "message"
    staged.write_text("hello\n")
    objs = translate(manifest(inputs=[{"path": "/tmp/in/message", "source": str(staged),
                                       "mode": 0o600}]), namespace="d")
    secret = objs.secret
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == "wf-t-123"
    assert secret["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "plait"
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(secret["data"]["in-0.tgz"]))) as tar:
        assert tar.getnames() == ["message"]
        assert tar.extractfile("message").read() == b"hello\n"
    main = containers(objs.pod)["main"]
    assert {"name": "plait-inputs", "mountPath": "/plait-in", "readOnly": True} in main["volumeMounts"]
    volume = next(v for v in objs.pod["spec"]["volumes"] if v["name"] == "plait-inputs")
    assert volume["secret"]["secretName"] == "wf-t-123"
    assert "chmod 600 /tmp/in/message" in main["command"][3]
    assert objs.documents() == [secret, objs.pod]         # the Secret is created first


def test_an_input_over_one_mebibyte_names_the_artifact_and_its_size(tmp_path):
    big = tmp_path / "dataset"
    big.write_bytes(os.urandom(INPUT_LIMIT + 10))         # random: gzip cannot shrink it
    with pytest.raises(TranslateError) as err:
        translate(manifest(inputs=[{"path": "/data/dataset", "source": str(big)}]), namespace="d")
    text = str(err.value)
    assert "input artifact 'dataset' is 1.0 MiB" in text
    assert "at most 1 MiB" in text and "S3-compatible artifact repository" in text


def test_script_source_in_the_secret_at_argos_path():
    objs = translate(manifest({"image": "python:alpine3.23", "command": ["python3"],
                               "source": "print(1)\n"}, kind="script"), namespace="d")
    assert base64.b64decode(objs.secret["data"]["script"]) == b"print(1)\n"
    main = containers(objs.pod)["main"]
    assert main["command"][4:] == ["plait-exec", "python3", "/argo/staging/script"]
    assert {"name": "plait-script", "mountPath": "/argo/staging", "readOnly": True} in main["volumeMounts"]


def test_entrypoints_without_command():
    objs = translate(manifest({"image": "argoproj/argosay:v2", "args": ["echo", "hi"]}),
                     namespace="d")
    assert containers(objs.pod)["main"]["command"][4:] == ["plait-exec", "/argosay", "echo", "hi"]
    objs = translate(manifest({"image": "busybox"}), namespace="d", entrypoints=ImageTable())
    assert containers(objs.pod)["main"]["command"][4:] == ["plait-exec", "sh"]
    with pytest.raises(TranslateError, match="image 'influxdb:1.2' is not in the image table"):
        translate(manifest({"image": "influxdb:1.2"}), namespace="d", entrypoints=ImageTable())


def test_sidecars_are_wrapped_to_stop_with_main():
    settings = {"sidecars": [{"name": "db", "image": "busybox", "command": ["sleep", "600"],
                              "mirrorVolumeMounts": True},
                             {"name": "web", "image": "nginx:unknown"}]}
    objs = translate(manifest(settings=settings), namespace="d")
    db, web = containers(objs.pod)["db"], containers(objs.pod)["web"]
    assert db["command"][4:] == ["plait-sidecar", "sleep", "600"]
    assert "mirrorVolumeMounts" not in db
    assert "command" not in web          # its image's entrypoint: stopped when the pod is deleted


def test_container_set_waits_for_dependencies():
    body = {"containers": [{"name": "a", "image": "busybox", "command": ["true"]},
                           {"name": "main", "image": "busybox", "command": ["true"],
                            "dependencies": ["a"]}]}
    objs = translate(manifest(body, kind="containerSet"), namespace="d")
    main = containers(objs.pod)["main"]
    assert "until [ -e /plait/ctr/a.exit ]" in main["command"][3]
    assert "/plait/ctr/a.exit" in containers(objs.pod)["wait"]["command"][2]


def test_frames_parse_and_refuse_damage():
    lines = ["@@plait exit 3", "@@plait result", base64.b64encode(b"out\n").decode(),
             "@@plait file 0", base64.b64encode(b"TAR").decode(), "@@plait missing 1",
             "@@plait end"]
    got = X.parse_frames(lines, 1000)
    assert (got.exit_code, got.result, got.files) == (3, b"out\n", {0: b"TAR", 1: None})
    with pytest.raises(X.FrameError, match="ended before"):
        X.parse_frames(lines[:-1], 1000)
    with pytest.raises(X.FrameError, match="exceed 3 bytes"):
        X.parse_frames(lines, 3)
    with pytest.raises(X.FrameError, match="not base64"):
        X.parse_frames(["@@plait result", "!!!", "@@plait end"], 1000)


BUSYBOX = shutil.which("busybox") or "/bin/busybox"


@pytest.mark.skipif(not bwrap_works(), reason="needs bubblewrap to stage a pod's file system")
@pytest.mark.skipif(not os.path.exists(BUSYBOX), reason="needs busybox (busybox-static)")
def test_executor_scripts_hand_over_outputs_for_real(tmp_path):
    """init, then main's wrapper (input placed, stdout captured, outputs archived), then wait:
    each as the pod's container would run it, sharing /plait; plait reads the frames back."""
    staged = tmp_path / "greeting"
    staged.write_text("hello from an input\n")
    m = manifest({"image": "busybox", "command": ["sh", "-c"],
                  "args": ["cat /tmp/in/greeting; echo 42 > /tmp/out/answer; exit 3"]},
                 inputs=[{"path": "/tmp/in/greeting", "source": str(staged)}],
                 outputs=["/tmp/out/answer", "/tmp/out/none"])
    objs = translate(m, namespace="d")
    exec_dir, in_dir = tmp_path / "exec", tmp_path / "in"
    exec_dir.mkdir()
    in_dir.mkdir()
    for key, value in objs.secret["data"].items():
        (in_dir / key).write_bytes(base64.b64decode(value))

    def container(command):
        argv = ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--ro-bind", BUSYBOX, "/usr/bin/busybox", "--proc", "/proc", "--dev", "/dev",
                "--tmpfs", "/tmp", "--dir", "/tmp/out", "--bind", str(exec_dir), "/plait",
                "--ro-bind", str(in_dir), "/plait-in", "--unshare-pid", "--die-with-parent",
                "--"]
        return subprocess.run(argv + command, capture_output=True, text=True, timeout=60)

    init = container(objs.pod["spec"]["initContainers"][0]["command"])
    assert init.returncode == 0, init.stderr
    main = container(containers(objs.pod)["main"]["command"])
    assert main.returncode == 3, main.stderr
    assert main.stdout == "hello from an input\n"            # still on the container's log
    wait = container(containers(objs.pod)["wait"]["command"])
    assert wait.returncode == 0, wait.stderr
    got = X.parse_frames(wait.stdout.splitlines(), 1 << 20)
    assert got.exit_code == 3
    assert got.result == b"hello from an input\n"
    assert got.files[1] is None
    with tarfile.open(fileobj=io.BytesIO(got.files[0])) as tar:
        assert tar.extractfile("answer").read() == b"42\n"
    assert json.loads(json.dumps(objs.outputs)) == ["/tmp/out/answer", "/tmp/out/none"]


@pytest.mark.skipif(not bwrap_works(), reason="needs bubblewrap to stage a pod's file system")
@pytest.mark.skipif(not os.path.exists(BUSYBOX), reason="needs busybox (busybox-static)")
@pytest.mark.parametrize("command, found", [("no-such-tool", False), ("true", True),
                                            ("/no/such/path", True)])
def test_a_command_not_on_path_is_reported_in_the_runtimes_words(tmp_path, command, found):
    """main's wrapper looks a bare command name up on PATH as the container runtime (and Argo's
    emissary) does: a missing one never starts, exits 127 and hands the wait container
    `exec: "x": executable file not found in $PATH` as a message frame (a name with a slash is
    left to the shell, a found one runs)."""
    objs = translate(manifest({"image": "busybox", "command": [command]}), namespace="d")
    exec_dir = tmp_path / "exec"
    exec_dir.mkdir()

    def container(argv):
        return subprocess.run(
            ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
             "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
             "--ro-bind", BUSYBOX, "/usr/bin/busybox", "--proc", "/proc", "--dev", "/dev",
             "--tmpfs", "/tmp", "--bind", str(exec_dir), "/plait", "--unshare-pid",
             "--die-with-parent", "--setenv", "PATH", "/usr/bin:/bin", "--", *argv],
            capture_output=True, text=True, timeout=60)

    assert container(objs.pod["spec"]["initContainers"][0]["command"]).returncode == 0
    main = container(containers(objs.pod)["main"]["command"])
    wait = container(containers(objs.pod)["wait"]["command"])
    got = X.parse_frames(wait.stdout.splitlines(), 1 << 20)
    if found:
        assert got.message is None and "executable file not found" not in main.stderr
    else:
        message = 'exec: "no-such-tool": executable file not found in $PATH'
        assert (main.returncode, got.exit_code, got.message) == (127, 127, message)
        assert main.stderr == message + "\n"


def test_output_links_leading_outside_are_left_out():
    """An output folder from the pod (`path: /etc` in a podman pod holds `mtab ->
    /proc/mounts`): its links that lead outside it are left out, the rest kept as they are."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        def add(name, kind, target="", data=b""):
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.size = kind, target, len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
        add("etc", tarfile.DIRTYPE)
        add("etc/hosts", tarfile.REGTYPE, data=b"127.0.0.1 localhost\n")
        add("etc/mtab", tarfile.SYMTYPE, "/proc/mounts")
        add("etc/up", tarfile.SYMTYPE, "../../x")
        add("etc/beside", tarfile.SYMTYPE, "../other")
        add("etc/alias", tarfile.SYMTYPE, "hosts")
    out = io.BytesIO()
    assert X.own_links(raw.getvalue(), out) == "etc"
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        assert sorted(tar.getnames()) == ["etc", "etc/alias", "etc/hosts"]
        assert tar.extractfile("etc/hosts").read() == b"127.0.0.1 localhost\n"


@pytest.mark.skipif(not bwrap_works(), reason="needs bubblewrap to stage a pod's file system")
@pytest.mark.skipif(not os.path.exists(BUSYBOX), reason="needs busybox (busybox-static)")
def test_a_container_sets_outputs_are_read_once_every_container_ended(tmp_path):
    """Argo's containerSet workspace example: `a` writes the output into a shared volume
    while `main` has ended already; the outputs are archived once both ended."""
    body = {"containers": [
        {"name": "a", "image": "busybox", "command": ["sh", "-c", "sleep 1; echo hi > /ws/out"]},
        {"name": "main", "image": "busybox", "command": ["true"]}]}
    objs = translate(manifest(body, kind="containerSet", outputs=["/ws/out"]), namespace="d")
    exec_dir, ws = tmp_path / "exec", tmp_path / "ws"
    exec_dir.mkdir()
    ws.mkdir()

    def container(command):
        argv = ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--ro-bind", BUSYBOX, "/usr/bin/busybox", "--proc", "/proc", "--dev", "/dev",
                "--tmpfs", "/tmp", "--bind", str(exec_dir), "/plait", "--bind", str(ws), "/ws",
                "--unshare-pid", "--die-with-parent", "--"]
        return subprocess.Popen(argv + command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    assert container(objs.pod["spec"]["initContainers"][0]["command"]).wait(60) == 0
    running = [container(containers(objs.pod)[n]["command"]) for n in ("a", "main", "wait")]
    out, err = running[2].communicate(timeout=60)
    assert [p.wait(60) for p in running] == [0, 0, 0], err
    got = X.parse_frames(out.splitlines(), 1 << 20)
    assert got.exit_code == 0
    with tarfile.open(fileobj=io.BytesIO(got.files[0])) as tar:
        assert tar.extractfile("out").read() == b"hi\n"
