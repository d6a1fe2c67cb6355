"""The container backend runs real containers of real images (tests/containers.py builds them;
no registry is reached: PLAIT_TEST_PULL_POLICY=Never). Each test runs `plait run --backend
container` as a user would and asserts what the workflow shows: phases, messages, outputs,
logs, and what is left in the engine. Skipped (with the reason) where no engine works."""

from __future__ import annotations

import json
import signal
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from plait.runtime.backends.container import home_label
from plait.runtime.backends.container_pod import LABEL_RUN, run_label
from plait.runtime.store import Store
from tests.containers import engine_call
from tests.helpers import ROOT, finished, plait_command, plait_env, plait_process, wait_for

SECRET = "S00perS3cretPa55word"


@pytest.fixture(autouse=True)
def _never_pull(monkeypatch, busybox_img):
    """Every test here runs busybox built locally; nothing is pulled (the test-only switch)."""
    monkeypatch.setenv("PLAIT_TEST_PULL_POLICY", "Never")


def _run(tmp_path: Path, text: str, *extra: Any, name: str) -> tuple[subprocess.CompletedProcess, dict]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    proc = plait_process(tmp_path / "home", "run", "--backend", "container", "-o", "json",
                         "--name", name, *extra, path, timeout=240)
    assert proc.stdout, proc.stderr
    return proc, json.loads(proc.stdout)


def _nodes(doc: dict) -> dict[str, dict]:
    return {n["displayName"]: n for n in doc["status"]["nodes"].values()}


def _logs(tmp_path: Path, name: str, *argv: str) -> str:
    return plait_process(tmp_path / "home", "logs", name, *argv).stdout


def _left(name: str, home: Path) -> dict[str, list[str]]:
    """What the engine still holds of workflow `name` run under `home`."""
    filters = ["--filter", f"label={LABEL_RUN}={run_label(home_label(home), name)}"]
    out = {}
    for kind, argv in (("containers", ["ps", "-a"]), ("pods", ["pod", "ls"]),
                       ("networks", ["network", "ls"]), ("volumes", ["volume", "ls"])):
        proc = engine_call(*argv, "--format", "{{.Name}}" if kind == "volumes" else
                           "{{.Names}}" if kind == "containers" else "{{.Name}}", *filters)
        out[kind] = proc.stdout.decode().split()
    return out


def _containers(name: str, home: Path) -> list[str]:
    """The run's containers, without podman's pod infra containers."""
    return [c for c in _left(name, home)["containers"] if not c.endswith("-infra")]


def test_a_containers_log_holds_only_what_it_wrote(tmp_path):
    """The engine's own chatter (netavark's "failed to connect to syslog" while the pod's
    network is set up) never lands in a container's log."""
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: quiet}
        spec:
          entrypoint: main
          templates:
          - name: main
            container:
              image: busybox
              command: [sh, -c, "echo out; echo err >&2"]
        """, name="quiet")
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    home = tmp_path / "home"
    folder = next((home / "logs" / "quiet").iterdir())
    assert (folder / "main.log").read_text().splitlines() == ["out", "err"]


def test_outputs_result_and_artifacts_are_read_back(tmp_path):
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: outs}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: make, template: make}
            - - name: use
                template: use
                arguments:
                  artifacts: [{name: data, from: "{{steps.make.outputs.artifacts.dir}}"}]
                  parameters: [{name: p, value: "{{steps.make.outputs.parameters.p}}"}]
          - name: make
            container:
              image: busybox
              workingDir: /work
              command: [sh, -c]
              args: ["mkdir -p d && echo one > d/a && ln -s a d/link && printf 'x y' > /tmp/p.txt
                      && ln -s /tmp/p.txt /tmp/via-link && echo the-result && exit 0"]
            outputs:
              parameters: [{name: p, valueFrom: {path: /tmp/via-link}}]
              artifacts: [{name: dir, path: d}]
          - name: use
            inputs:
              parameters: [{name: p}]
              artifacts: [{name: data, path: /in/data}]
            container:
              image: busybox
              command: [sh, -c, "cat /in/data/a; readlink /in/data/link; echo '{{inputs.parameters.p}}'"]
        """, name="outs")
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    make = _nodes(doc)["make"]
    assert make["outputs"]["result"] == "the-result"
    assert make["outputs"]["parameters"] == [{"name": "p", "value": "x y"}]
    assert make["outputs"]["exitCode"] == "0"
    assert _nodes(doc)["use"]["outputs"]["result"] == "one\na\nx y"
    assert _left("outs", tmp_path / "home") == {"containers": [], "pods": [], "networks": [],
                                               "volumes": []}


def test_an_output_link_out_of_the_container_reads_nothing_of_the_host(tmp_path):
    """A planted link to a host file is resolved in the container's own root: the host's
    file is never read (here the container's /etc/hostname-less root has no such file)."""
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host data")
    proc, doc = _run(tmp_path, f"""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {{name: attack}}
        spec:
          entrypoint: main
          templates:
          - name: main
            container:
              image: busybox
              command: [sh, -c, "ln -s {secret} /tmp/out; ln -s ../../../../../{secret} /tmp/out2"]
            outputs:
              parameters:
              - {{name: a, valueFrom: {{path: /tmp/out, default: none}}}}
              - {{name: b, valueFrom: {{path: /tmp/out2, default: none}}}}
        """, name="attack")
    params = _nodes(doc)["attack"]["outputs"]["parameters"]
    assert "host data" not in json.dumps(doc)
    assert params == [{"name": "a", "value": "none"}, {"name": "b", "value": "none"}], proc.stderr


def test_an_etc_output_leaves_the_engines_mtab_link_out_and_keeps_the_pods_own(tmp_path):
    """As the local backend reads an image folder back: the link the engine put in the
    container's /etc (`mtab -> /proc/mounts`) is left out, so the next pod's input takes the
    artifact; a link the pod made there stays a link."""
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: etc}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: make, template: make}
            - - name: use
                template: use
                arguments:
                  artifacts: [{name: etc, from: "{{steps.make.outputs.artifacts.etc}}"}]
          - name: make
            container:
              image: busybox
              command: [sh, -c, "readlink /etc/mtab && echo x > /etc/f && ln -s f /etc/mine"]
            outputs:
              artifacts: [{name: etc, path: /etc, archive: {none: {}}}]
          - name: use
            inputs:
              artifacts: [{name: etc, path: /in/etc}]
            container:
              image: busybox
              command: [sh, -c, "readlink /in/etc/mine; cat /in/etc/f; ls -a /in/etc | grep -c mtab || true"]
        """, name="etc")
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    assert _nodes(doc)["make"]["outputs"]["result"] == "/proc/mounts"
    assert _nodes(doc)["use"]["outputs"]["result"] == "f\nx\n0"


def test_init_containers_run_in_order_and_the_emptydir_is_shared(tmp_path):
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: inits}
        spec:
          entrypoint: main
          templates:
          - name: main
            volumes:
            - {name: shared, emptyDir: {}}
            - {name: mem, emptyDir: {medium: Memory}}
            initContainers:
            - {name: first, image: busybox, command: [sh, -c, "echo 1 >> /s/order"],
               mirrorVolumeMounts: true}
            - {name: second, image: busybox, command: [sh, -c, "sleep 1; echo 2 >> /s/order"],
               mirrorVolumeMounts: true}
            container:
              image: busybox
              command: [sh, -c, "cat /s/order; grep -c ' /m tmpfs ' /proc/mounts"]
              volumeMounts: [{name: shared, mountPath: /s}, {name: mem, mountPath: /m}]
        """, name="inits")
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    assert _nodes(doc)["inits"]["outputs"]["result"] == "1\n2\n1"


def test_container_set_follows_its_dependencies(tmp_path):
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: cset}
        spec:
          entrypoint: main
          templates:
          - name: main
            volumes: [{name: w, emptyDir: {}}]
            containerSet:
              volumeMounts: [{name: w, mountPath: /w}]
              containers:
              - {name: a, image: busybox, command: [sh, -c, "sleep 1; echo a >> /w/log"]}
              - {name: b, image: busybox, command: [sh, -c, "echo b >> /w/log"], dependencies: [a]}
              - {name: main, image: busybox, command: [sh, -c, "echo main >> /w/log; cat /w/log"],
                 dependencies: [b]}
        """, name="cset")
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    assert _nodes(doc)["cset"]["outputs"]["result"] == "a\nb\nmain"


def test_sidecar_answers_on_localhost_and_a_daemon_by_its_pod_ip(tmp_path):
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: net}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: server, template: server}
            - - name: client
                template: client
                arguments: {parameters: [{name: ip, value: "{{steps.server.ip}}"}]}
              - {name: side, template: side}
          - name: server
            daemon: true
            container:
              image: busybox
              command: [sh, -c, "mkdir /w && echo from-daemon > /w/index.html && httpd -f -p 8080 -h /w"]
              readinessProbe: {tcpSocket: {port: 8080}}
          - name: client
            inputs: {parameters: [{name: ip}]}
            container:
              image: busybox
              command: [sh, -c, "wget -qO- http://{{inputs.parameters.ip}}:8080/"]
          - name: side
            sidecars:
            - name: web
              image: busybox
              command: [sh, -c, "mkdir /w && echo from-sidecar > /w/index.html && httpd -f -p 9090 -h /w"]
            container:
              image: busybox
              command: [sh, -c, "until wget -qO- http://localhost:9090/; do sleep 0.2; done"]
        """, name="net")
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    nodes = _nodes(doc)
    assert nodes["client"]["outputs"]["result"] == "from-daemon"
    assert nodes["side"]["outputs"]["result"] == "from-sidecar"
    assert _left("net", tmp_path / "home")["containers"] == []


def test_secret_volume_has_its_mode_and_the_logs_are_masked(tmp_path):
    secrets = tmp_path / "secret.yaml"
    secrets.write_text(textwrap.dedent(f"""
        apiVersion: v1
        kind: Secret
        metadata: {{name: s}}
        stringData: {{password: {SECRET}}}
        """))
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: sec}
        spec:
          entrypoint: main
          volumes: [{name: s, secret: {secretName: s, defaultMode: 0400}}]   # octal, as Argo reads it
          templates:
          - name: main
            container:
              image: busybox
              command: [sh, -c, "stat -Lc %a /s/password; cat /s/password; echo; echo $P;
                                 touch /s/x 2>/dev/null || echo read-only"]
              env: [{name: P, valueFrom: {secretKeyRef: {name: s, key: password}}}]
              volumeMounts: [{name: s, mountPath: /s}]
        """, "--secrets", secrets, name="sec")
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    logs = _logs(tmp_path, "sec")
    assert "400" in logs and "read-only" in logs
    assert SECRET not in logs and logs.count("***") >= 2, logs


def test_memory_limit_kills_the_container_as_oomkilled(tmp_path):
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: oom}
        spec:
          entrypoint: main
          templates:
          - name: main
            container:
              image: busybox
              command: [sh, -c, "x=$(head -c 300000000 /dev/zero | tr '\\\\0' a); echo survived"]
              resources: {limits: {memory: 32Mi}}
        """, name="oom")
    node = _nodes(doc)["oom"]
    assert (node["phase"], node["message"]) == ("Failed", "OOMKilled (exit code 137)"), proc.stderr
    assert not (ROOT / "oom").exists()      # podman's conmon writes one where it is started


def test_active_deadline_kills_the_pod(tmp_path):
    started = time.monotonic()
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: late}
        spec:
          entrypoint: main
          templates:
          - name: main
            activeDeadlineSeconds: 2
            container: {image: busybox, command: [sleep, "120"]}
        """, name="late")
    node = _nodes(doc)["late"]
    assert node["phase"] == "Failed", proc.stderr
    assert node["message"] == "Pod was active on the node longer than the specified deadline"
    assert time.monotonic() - started < 60
    assert _left("late", tmp_path / "home")["containers"] == []


def test_an_image_that_cannot_be_pulled_fails_its_node_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.delenv("PLAIT_TEST_PULL_POLICY")      # a real pull: no registry answers here
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: pull}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: missing, template: missing, continueOn: {error: true}}
            - - {name: never, template: never, continueOn: {error: true}}
            - - {name: after, template: after}
          - name: missing
            retryStrategy: {limit: 1, retryPolicy: Always}     # an Error is retried
            container: {image: "localhost:1/plait-no-such-image:1", command: ["true"]}
          - name: never
            container: {image: "plait-no-such-image:2", imagePullPolicy: Never, command: ["true"]}
          - name: after
            container: {image: "busybox:latest", imagePullPolicy: IfNotPresent, command: [echo, ok]}
        """, name="pull")
    nodes = _nodes(doc)
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    attempts = [n for n in doc["status"]["nodes"].values() if n["type"] == "Pod"
                and n["displayName"].startswith("missing(")]
    assert len(attempts) == 2
    for n in attempts:
        assert n["phase"] == "Error"
        assert n["message"].startswith(
            'ErrImagePull: failed to pull image "localhost:1/plait-no-such-image:1": '), n
    assert nodes["never"]["message"] == ('ErrImageNeverPull: Container image '
                                         '"plait-no-such-image:2" is not present with pull '
                                         'policy of Never')
    assert nodes["after"]["outputs"]["result"] == "ok"


def test_no_engine_is_a_usage_error_naming_what_to_install(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\n"
                    "spec:\n  entrypoint: m\n  templates:\n  - name: m\n"
                    "    container: {image: busybox, command: ['true']}\n")
    env_path = "/nonexistent"          # neither podman nor docker on PATH
    proc = subprocess.run(["/usr/bin/env", f"PATH={env_path}", *_python_plait(),
                           "run", "--backend", "container", str(path)],
                          capture_output=True, text=True, env=_home_env(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "podman is not installed" in proc.stderr and "apt-get install podman" in proc.stderr


def _python_plait() -> list[str]:
    import sys
    return [sys.executable, "-m", "plait"]


def _home_env(tmp_path: Path) -> dict[str, str]:
    import os
    return dict(os.environ, PLAIT_HOME=str(tmp_path / "home"))


def test_killed_runner_then_resume_runs_no_succeeded_node_again(tmp_path):
    """SIGKILL the runner while a pod runs: its container is left running; `plait resume`
    removes it, runs that node again (one container at a time), never the succeeded one."""
    home = tmp_path / "home"
    marks = tmp_path / "marks"
    marks.mkdir()
    path = tmp_path / "wf.yaml"
    path.write_text(textwrap.dedent(f"""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {{name: crash}}
        spec:
          entrypoint: main
          volumes: [{{name: marks, hostPath: {{path: {marks}}}}}]
          templates:
          - name: main
            steps:
            - - {{name: first, template: mark, arguments: {{parameters: [{{name: n, value: first}}]}}}}
            - - {{name: slow, template: mark, arguments: {{parameters: [{{name: n, value: slow}}]}}}}
          - name: mark
            inputs: {{parameters: [{{name: n}}]}}
            container:
              image: busybox
              command: [sh, -c, "echo run >> /m/{{{{inputs.parameters.n}}}};
                                 if [ {{{{inputs.parameters.n}}}} = slow ]; then sleep 6; fi"]
              volumeMounts: [{{name: marks, mountPath: /m}}]
        """))
    proc = plait_process(home, "submit", "--backend", "container", path)
    assert proc.returncode == 0, proc.stderr
    store = Store.at(home)
    wait_for(lambda: (marks / "slow").exists(), "the slow pod to start", timeout=120)
    row = store.workflow("crash")
    assert row is not None and row.runner_pid
    import os
    os.kill(int(row.runner_pid), signal.SIGKILL)
    left = _containers("crash", home)
    assert left, "the killed runner's container keeps running"
    proc = plait_process(home, "resume", "crash")
    assert proc.returncode == 0, proc.stderr
    wait_for(lambda: (marks / "slow").read_text().count("run") == 2, "the slow pod again",
             timeout=120)
    running = _containers("crash", home)
    assert len(running) <= 1, running           # the old one was removed, not duplicated
    assert finished(home, "crash").phase.value == "Succeeded"
    assert (marks / "first").read_text() == "run\n"        # never run again
    assert (marks / "slow").read_text() == "run\nrun\n"


# one pod with every kind of engine object a run leaves with --keep-pods (a memory volume)
KEPT = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {name: NAME}
    spec:
      entrypoint: main
      templates:
      - name: main
        volumes: [{name: mem, emptyDir: {medium: Memory}}]
        container:
          image: busybox
          command: [echo, hi]
          volumeMounts: [{name: mem, mountPath: /m}]
    """


def test_delete_removes_the_runs_containers_pods_networks_and_volumes(tmp_path):
    proc, doc = _run(tmp_path, KEPT.replace("NAME", "kept"), "--keep-pods", name="kept")
    home = tmp_path / "home"
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    left = _left("kept", home)
    assert left["containers"] and left["pods"] and left["networks"] and left["volumes"], left
    proc = plait_process(home, "delete", "kept")
    assert proc.returncode == 0, proc.stderr
    assert _left("kept", home) == {"containers": [], "pods": [], "networks": [], "volumes": []}


def test_tool_plait_chooses_the_backend_and_the_container_gets_its_spec(tmp_path):
    """`[tool.plait] backend = "container"`; runAsUser/runAsGroup, workingDir (made), env with
    $(VAR) and the pod's own fields, args after the image's entrypoint."""
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\nbackend = "container"\n')
    path = tmp_path / "wf.yaml"
    path.write_text(textwrap.dedent("""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: spec}
        spec:
          entrypoint: main
          templates:
          - name: main
            securityContext: {runAsUser: 1000, runAsGroup: 3000}
            container:
              image: busybox
              command: [sh, -c]
              args: ['echo "$(id -u):$(id -g) $(pwd) $GREETING $POD $NS"; test -n "$IP";
                      cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us']
              workingDir: /made/here
              resources: {limits: {cpu: 250m}}
              env:
              - {name: WHO, value: world}
              - {name: GREETING, value: "hello-$(WHO)"}
              - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
              - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
              - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
        """))
    proc = subprocess.run([*_python_plait(), "run", "-o", "json", str(path)], capture_output=True,
                          text=True, env=_home_env(tmp_path), cwd=tmp_path, timeout=240)
    assert proc.stderr.splitlines()[0].startswith("plait: backend container, engine "), proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    first, cpu = _nodes(doc)["spec"]["outputs"]["result"].splitlines()
    assert first == "1000:3000 /made/here hello-world spec default"
    assert cpu.split()[0] == "25000"          # limits.cpu 250m: a quarter of each 100 ms period


def test_outputs_copied_out_where_the_root_cannot_be_mounted(tmp_path, monkeypatch):
    """docker and rootless podman cannot mount a container's root: each output path is copied
    out (`<engine> cp`) and unpacked with the artifact rules; a link that leads out of it is
    refused as the artifact's extraction refuses it."""
    from plait import runtime
    from plait.runtime.backends.container import ContainerBackend
    from tests.helpers import compile_text

    async def no_mount(self, container):
        return None
    monkeypatch.setattr(ContainerBackend, "mount", no_mount)
    plan = compile_text(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: copied}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: good, template: good}
              - {name: bad, template: bad}
          - name: good
            container:
              image: busybox
              command: [sh, -c, "mkdir -p /tmp/d && echo one > /tmp/d/a && ln -s a /tmp/d/b && echo v > /tmp/p"]
            outputs:
              parameters: [{name: p, valueFrom: {path: /tmp/p}}]
              artifacts: [{name: d, path: /tmp/d, archive: {none: {}}}]
          - name: bad
            container:
              image: busybox
              command: [sh, -c, "mkdir -p /tmp/e && ln -s /etc/passwd /tmp/e/out"]
            outputs:
              artifacts: [{name: e, path: /tmp/e}]
        """, name="copied")
    home = tmp_path / "home"
    backend = ContainerBackend(home)
    result = runtime.run(plan, backend, home=home)
    asyncio_close(backend)
    nodes = {n.display_name: n for n in result.nodes.values()}
    assert nodes["good"].phase.value == "Succeeded", nodes["good"].message
    assert nodes["good"].outputs.parameters == [{"name": "p", "value": "v"}]
    assert nodes["bad"].phase.value == "Error"
    assert "points outside" in nodes["bad"].message or "absolute" in nodes["bad"].message, \
        nodes["bad"].message


def asyncio_close(backend: Any) -> None:
    import asyncio
    asyncio.run(backend.close())


def test_configmap_items_subpath_and_readonly_mounts(tmp_path):
    maps = tmp_path / "cm.yaml"
    maps.write_text(textwrap.dedent("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cm}
        data: {a: alpha, b: beta}
        """))
    proc, doc = _run(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: mounts}
        spec:
          entrypoint: main
          imagePullSecrets: [{name: registry-login}]
          templates:
          - name: main
            volumes:
            - {name: cm, configMap: {name: cm, items: [{key: b, path: sub/bee, mode: 384}]}}
            - {name: work, emptyDir: {}}
            initContainers:
            - name: fill
              image: busybox
              command: [sh, -c, "mkdir -p /w/inner && echo inside > /w/inner/f"]
              volumeMounts: [{name: work, mountPath: /w}]
            container:
              image: busybox
              command: [sh, -c, "ls /c; cat /c/sub/bee; echo; stat -Lc %a /c/sub/bee; cat /only/f;
                                 touch /ro/x 2>/dev/null || echo read-only"]
              volumeMounts:
              - {name: cm, mountPath: /c}
              - {name: work, mountPath: /only, subPath: inner}
              - {name: work, mountPath: /ro, readOnly: true}
        """, "--configmaps", maps, name="mounts")
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    assert _nodes(doc)["mounts"]["outputs"]["result"] == "sub\nbeta\n600\ninside\nread-only"
    assert "imagePullSecrets are not supported by the container backend" in proc.stderr


def test_two_homes_run_a_workflow_of_the_same_name_at_once(tmp_path):
    """The engine is shared by every plait home on the machine (a user's, a CI job's, a
    test's): a pod's engine objects carry its home's id, so two runs named alike never meet
    on a pod, container or volume name (the second used to fail: the name was in use)."""
    path = tmp_path / "twin.yaml"
    path.write_text(textwrap.dedent("""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: twin}
        spec:
          entrypoint: main
          templates:
          - name: main
            volumes: [{name: mem, emptyDir: {medium: Memory}}]
            container:
              image: busybox
              command: [sh, -c, "hostname; sleep 3"]
              volumeMounts: [{name: mem, mountPath: /m}]
        """), encoding="utf-8")
    homes = [tmp_path / "a", tmp_path / "b"]
    procs = [subprocess.Popen(plait_command("run", "--backend", "container", "-o", "json", path),
                              env=plait_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for home in homes]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        doc = json.loads(out)
        assert doc["status"]["phase"] == "Succeeded", err
        assert _nodes(doc)["twin"]["outputs"]["result"] == "twin"     # the hostname: the pod's name


def test_delete_in_one_home_leaves_another_homes_run_alone(tmp_path):
    """The engines OR two `--filter label=` options: selecting a run's objects by workflow
    and home that way made `plait delete` (and a new run's clean-up of leftovers) in one home
    remove another home's containers of a workflow of the same name. Attack: keep a run's
    objects in home `a`, delete a run of the same name in home `b`."""
    text = KEPT.replace("NAME", "shared-name")
    proc, doc = _run(tmp_path, text, "--keep-pods", name="shared-name")
    kept = tmp_path / "home"                            # _run's home
    assert doc["status"]["phase"] == "Succeeded", proc.stderr
    before = _left("shared-name", kept)
    assert before["containers"] and before["volumes"], before
    other = tmp_path / "other"
    path = tmp_path / "shared-name.yaml"
    done = plait_process(other, "run", "--backend", "container", "--name", "shared-name", path,
                         timeout=240)
    assert done.returncode == 0, done.stderr
    assert plait_process(other, "delete", "shared-name").returncode == 0
    assert _left("shared-name", kept) == before          # home a's objects are all still there
    assert plait_process(kept, "delete", "shared-name").returncode == 0
    assert _left("shared-name", kept) == {"containers": [], "pods": [], "networks": [],
                                          "volumes": []}
