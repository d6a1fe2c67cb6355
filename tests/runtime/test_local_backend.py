"""The local backend with real processes and files, unsandboxed and (when bubblewrap works)
inside bubblewrap."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from plait.runtime.backends import get_backend
from plait.runtime.backends import sandbox as sandbox_module
from plait.runtime.backends.local import DEADLINE_MESSAGE, BackendError, LocalBackend, bwrap_works
from plait.runtime.images import ImageTable
from plait.runtime.pods import build_pod, pod_outputs
from plait.runtime.secrets import SecretStore
from plait.runtime.types import Phase

PY = "python3"          # the image's python: pods see /usr, not this venv


def _bwrap_ready() -> bool:
    found = shutil.which("bwrap")
    return bool(found and bwrap_works(found))


@pytest.fixture(params=["none", "bwrap"])
def sandbox(request) -> str:
    if request.param == "bwrap" and not shutil.which("bwrap"):
        pytest.skip("bubblewrap not installed: apt-get install bubblewrap")
    if request.param == "bwrap" and not _bwrap_ready():
        pytest.skip("bubblewrap cannot create namespaces in this environment")
    return request.param


def container(command, args=None, **extra) -> dict:
    body = {"image": "alpine:3.19", "command": list(command), **extra}
    if args is not None:
        body["args"] = list(args)
    return body


def template(body, kind="container", settings=None, outputs=None, name="t") -> dict:
    t = {"kind": kind, "name": name, "body": body, "outputs": outputs or {}}
    if settings:
        t["settings"] = settings
    return t


def manifest(t, pod_name="wf-pod-1", workflow="wf", inputs=(), outputs=None, deadline=None,
             spec_volumes=()):
    return build_pod(workflow=workflow, node_name=f"{workflow}.x", pod_name=pod_name, template=t,
                     spec_volumes=list(spec_volumes), inputs=list(inputs),
                     outputs=pod_outputs(t) if outputs is None else list(outputs),
                     deadline=deadline, service_account=None)


class Lines:
    def __init__(self):
        self.lines: list[tuple[str, str]] = []

    def __call__(self, name, line):
        self.lines.append((name, line))

    def of(self, name):
        return [l for n, l in self.lines if n == name]


def run_one(backend, m):
    async def go():
        sink = Lines()
        handle = await backend.start(m, sink)
        return await handle.wait(), sink
    return asyncio.run(go())


def backend(tmp_path, sandbox, **kw) -> LocalBackend:
    return LocalBackend(tmp_path / "home", sandbox=sandbox, **kw)


def processes_with(marker: str) -> list[str]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                cmd = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            if marker in cmd and stat[stat.rfind(")") + 2] != "Z":
                found.append(cmd)
    return found


# -- basics ------------------------------------------------------------------------------------

def test_stdout_is_the_result_and_every_line_is_logged(tmp_path, sandbox):
    m = manifest(template(container([PY, "-c", "import sys; print('a'); print('b'); "
                                     "print('oops', file=sys.stderr)"])))
    result, sink = run_one(backend(tmp_path, sandbox), m)
    assert result.phase is Phase.SUCCEEDED and result.exit_code == 0
    assert result.result == "a\nb"
    assert sorted(sink.of("main")) == ["a", "b", "oops"]


def test_exit_code_fails_the_pod(tmp_path, sandbox):
    result, _ = run_one(backend(tmp_path, sandbox), manifest(template(container(["sh", "-c", "exit 3"]))))
    assert result.phase is Phase.FAILED
    assert result.exit_code == 3
    assert result.message == "main: Error (exit code 3)"


def test_missing_command_names_command_and_image(tmp_path, sandbox):
    m = manifest(template(container(["no-such-tool-xyz", "arg"], image="argoproj/argosay:v2")))
    result, sink = run_one(backend(tmp_path, sandbox), m)
    assert result.phase is Phase.FAILED and result.exit_code == 127
    assert result.message.startswith('exec: "no-such-tool-xyz": executable file not found in $PATH')
    assert "not from image argoproj/argosay:v2" in result.message and "shim on PATH" in result.message


def test_image_table_gives_entrypoint_and_cmd(tmp_path, sandbox):
    table = ImageTable({"tool:1": {"entrypoint": ["sh", "-c"], "cmd": ["echo from-cmd"]}})
    be = backend(tmp_path, sandbox, images=table)
    body = {"image": "tool:1"}
    assert run_one(be, manifest(template(body)))[0].result == "from-cmd"
    body = {"image": "tool:1", "args": ["echo from-args"]}
    assert run_one(be, manifest(template(body), pod_name="p2"))[0].result == "from-args"
    result, _ = run_one(be, manifest(template({"image": "unknown/image:3"}), pod_name="p3"))
    assert result.phase is Phase.ERROR
    assert "unknown/image:3" in result.message and "--images FILE" in result.message


def test_script_source_in_an_owner_only_file_appended_to_args(tmp_path, sandbox):
    source = "import os, sys\nprint(oct(os.stat(sys.argv[0]).st_mode & 0o777), sys.argv[0])\n"
    body = {"image": "python:3.11", "command": [PY], "args": ["-u"], "source": source}
    # `python -u <script>`: the script path comes after the container's args
    result, _ = run_one(backend(tmp_path, sandbox), manifest(template(body, kind="script")))
    assert result.phase is Phase.SUCCEEDED, result.message
    mode, path = result.result.split()
    assert mode == "0o700"                   # private, and runnable as `sh -c <path>`
    if sandbox == "bwrap":
        assert path == "/argo/staging/script"


def test_env_secrets_configmaps_field_refs_and_expansion(tmp_path, sandbox):
    store = SecretStore()
    store.add_secret("creds", {"token": "s3cr3t"})
    store.add_config("settings", {"colour": "blue"})
    env = [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}},
           {"name": "COLOUR", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "colour"}}},
           {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
           {"name": "GONE", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "nope", "optional": True}}},
           {"name": "BOTH", "value": "$(COLOUR)-$(POD)"}]
    script = "import os; print(os.environ['TOKEN'], os.environ['COLOUR'], os.environ['POD'], " \
             "'GONE' in os.environ, os.environ['BOTH'])"
    m = manifest(template(container([PY, "-c", script], env=env)), pod_name="wf-env-9")
    result, _ = run_one(backend(tmp_path, sandbox, secrets=store), m)
    assert result.result == "s3cr3t blue wf-env-9 False blue-wf-env-9"
    assert "s3cr3t" not in repr(m)          # the manifest holds only the reference


def test_missing_secret_is_an_error_naming_it(tmp_path, sandbox):
    env = [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "k"}}}]
    result, _ = run_one(backend(tmp_path, sandbox, secrets=SecretStore()),
                        manifest(template(container(["true"], env=env))))
    assert result.phase is Phase.ERROR
    assert "absent" in result.message


def test_working_dir(tmp_path, sandbox):
    body = container([PY, "-c", "import os; open('here.txt', 'w').write('x'); print(os.getcwd())"],
                     workingDir="/work-dir-for-test")
    result, _ = run_one(backend(tmp_path, sandbox), manifest(template(body)))
    assert result.phase is Phase.SUCCEEDED, result.message
    if sandbox == "bwrap":
        assert result.result == "/work-dir-for-test"
    assert not Path("/work-dir-for-test").exists()


# -- containers of one pod ---------------------------------------------------------------------

def test_init_containers_run_in_order_before_main(tmp_path, sandbox):
    mounts = [{"name": "shared", "mountPath": "/shared"}]
    inits = [{"name": f"init-{i}", "image": "busybox", "command": ["sh", "-c", f"echo {i} >> /shared/log"],
              "volumeMounts": mounts} for i in (1, 2, 3)]
    t = template(container(["cat", "/shared/log"], volumeMounts=mounts),
                 settings={"initContainers": inits, "volumes": [{"name": "shared", "emptyDir": {}}]})
    result, sink = run_one(backend(tmp_path, sandbox), manifest(t))
    assert result.result == "1\n2\n3"


def test_failing_init_container_is_an_error(tmp_path, sandbox):
    inits = [{"name": "setup", "image": "busybox", "command": ["sh", "-c", "exit 4"]}]
    t = template(container(["echo", "never"]), settings={"initContainers": inits})
    result, sink = run_one(backend(tmp_path, sandbox), manifest(t))
    assert result.phase is Phase.ERROR
    assert result.message == "init container 'setup' failed: exit code 4"
    assert sink.of("main") == []


def test_sidecar_shares_empty_dir_and_is_stopped_when_main_ends(tmp_path, sandbox):
    marker = f"1000.{os.getpid()}{int(time.time() * 1000) % 100000}"
    side = {"name": "heartbeat", "image": "busybox", "mirrorVolumeMounts": True,
            "command": ["sh", "-c", f"echo alive > /shared/heartbeat; sleep {marker}"]}
    main = container(["sh", "-c", "i=0; while [ ! -f /shared/heartbeat ] && [ $i -lt 100 ]; do "
                      "sleep 0.05; i=$((i+1)); done; cat /shared/heartbeat"],
                     volumeMounts=[{"name": "shared", "mountPath": "/shared"}])
    t = template(main, settings={"sidecars": [side], "volumes": [{"name": "shared", "emptyDir": {}}]})
    began = time.monotonic()
    result, _ = run_one(backend(tmp_path, sandbox), manifest(t))
    assert result.phase is Phase.SUCCEEDED, result.message
    assert result.result == "alive"
    assert time.monotonic() - began < 10
    assert processes_with(f"sleep {marker}") == []


def test_container_set_runs_its_dag(tmp_path, sandbox):
    mounts = [{"name": "ws", "mountPath": "/workspace"}]
    body = {"volumeMounts": mounts, "containers": [
        {"name": "a", "image": "x", "command": ["sh", "-c", "echo a >> /workspace/order"]},
        {"name": "b", "image": "x", "command": ["sh", "-c", "echo b >> /workspace/order"], "dependencies": ["a"]},
        {"name": "main", "image": "x", "command": ["sh", "-c", "cat /workspace/order; echo m > /workspace/m.txt"],
         "dependencies": ["b"]}]}
    t = template(body, kind="containerSet", settings={"volumes": [{"name": "ws", "emptyDir": {}}]},
                 outputs={"parameters": [{"name": "m", "valueFrom": {"path": "/workspace/m.txt"}}]})
    result, _ = run_one(backend(tmp_path, sandbox), manifest(t))
    assert result.phase is Phase.SUCCEEDED, result.message
    assert result.result == "a\nb"
    assert Path(result.files["/workspace/m.txt"]).read_text() == "m\n"

    body["containers"][0]["command"] = ["sh", "-c", "exit 2"]
    result, sink = run_one(backend(tmp_path, sandbox), manifest(t, pod_name="p2"))
    assert result.phase is Phase.FAILED
    assert result.message == "a: Error (exit code 2)"
    assert sink.of("main") == []


# -- files -------------------------------------------------------------------------------------

def test_inputs_placed_and_outputs_read_back(tmp_path, sandbox):
    src = tmp_path / "in.txt"
    src.write_text("payload\n")
    srcdir = tmp_path / "indir"
    (srcdir / "sub").mkdir(parents=True)
    (srcdir / "sub" / "f").write_text("deep")
    script = ("cat /data/in/in.txt; cat /data/dir/sub/f; echo; stat -c %a /data/in/in.txt; "
              "mkdir -p /tmp/outdir; echo one > /tmp/outdir/1; echo param > /tmp/p.txt")
    t = template(container(["sh", "-c", script]),
                 outputs={"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/p.txt"}},
                                         {"name": "q", "valueFrom": {"path": "/tmp/absent"}}],
                          "artifacts": [{"name": "d", "path": "/tmp/outdir"}]})
    m = manifest(t, inputs=[{"path": "/data/in/in.txt", "source": str(src), "mode": 0o640},
                            {"path": "/data/dir", "source": str(srcdir)}])
    result, _ = run_one(backend(tmp_path, sandbox), m)
    assert result.phase is Phase.SUCCEEDED, result.message
    assert result.result == "payload\ndeep\n640"
    assert Path(result.files["/tmp/p.txt"]).read_text() == "param\n"
    assert result.files["/tmp/absent"] is None
    assert (Path(result.files["/tmp/outdir"]) / "1").read_text() == "one\n"
    assert not Path("/data/in").exists()


def test_parallel_pods_writing_the_same_tmp_path_do_not_collide(tmp_path, sandbox):
    be = backend(tmp_path, sandbox, parallelism=8)
    t = template(container(["sh", "-c", "echo $HOSTNAME > /tmp/out.txt; sleep 0.3; cat /tmp/out.txt"]),
                 outputs={"parameters": [{"name": "o", "valueFrom": {"path": "/tmp/out.txt"}}]})

    async def go():
        handles = [await be.start(manifest(t, pod_name=f"wf-par-{i}"), Lines()) for i in range(6)]
        return await asyncio.gather(*(h.wait() for h in handles))
    results = asyncio.run(go())
    for i, r in enumerate(results):
        assert r.phase is Phase.SUCCEEDED, r.message
        assert r.result == f"wf-par-{i}"
        assert Path(r.files["/tmp/out.txt"]).read_text() == f"wf-par-{i}\n"


def test_secret_volume_and_workflow_volume_shared_across_pods(tmp_path, sandbox):
    store = SecretStore()
    store.add_secret("creds", {"user": "alice"})
    vols = [{"name": "creds", "secret": {"secretName": "creds"}},
            {"name": "workdir", "persistentVolumeClaim": {"claimName": "workdir"}}]
    mounts = [{"name": "creds", "mountPath": "/etc/creds", "readOnly": True},
              {"name": "workdir", "mountPath": "/mnt/vol"}]
    be = backend(tmp_path, sandbox, secrets=store)
    write = template(container(["sh", "-c", "cat /etc/creds/user > /mnt/vol/who"], volumeMounts=mounts))
    read = template(container(["cat", "/mnt/vol/who"], volumeMounts=mounts))
    assert run_one(be, manifest(write, spec_volumes=vols))[0].phase is Phase.SUCCEEDED
    assert run_one(be, manifest(read, pod_name="wf-read", spec_volumes=vols))[0].result == "alice"


def test_host_path_volume(tmp_path, sandbox):
    host = tmp_path / "hostdir"
    t = template(container(["sh", "-c", "echo hi > /hp/file"], volumeMounts=[{"name": "h", "mountPath": "/hp"}]),
                 settings={"volumes": [{"name": "h", "hostPath": {"path": str(host)}}]})
    assert run_one(backend(tmp_path, sandbox), manifest(t))[0].phase is Phase.SUCCEEDED
    assert (host / "file").read_text() == "hi\n"


# -- deadlines, kill, parallelism, daemons ---------------------------------------------------

def _spawner(marker: str) -> list[str]:
    code = (f"import subprocess, time; subprocess.Popen(['sleep', '{marker}']); "
            "print('started', flush=True); time.sleep(100)")
    return [PY, "-c", code]


def test_deadline_kills_the_whole_process_group(tmp_path, sandbox):
    marker = f"200.{os.getpid()}1"
    m = manifest(template(container(_spawner(marker))), deadline=1)
    began = time.monotonic()
    result, sink = run_one(backend(tmp_path, sandbox), m)
    assert result.phase is Phase.FAILED
    assert result.message == DEADLINE_MESSAGE
    assert time.monotonic() - began < 30             # cut at the deadline, not after the 100 s sleep
    assert sink.of("main") == ["started"]
    assert processes_with(f"sleep {marker}") == []


def test_kill_stops_grandchildren_and_reports_the_reason(tmp_path, sandbox):
    marker = f"300.{os.getpid()}2"
    be = backend(tmp_path, sandbox)

    async def go():
        handle = await be.start(manifest(template(container(_spawner(marker)))), Lines())
        for _ in range(200):
            if processes_with(f"sleep {marker}"):
                break
            await asyncio.sleep(0.02)
        await handle.kill("Stopped with strategy 'Stop'")
        return await handle.wait()
    result = asyncio.run(go())
    assert result.phase is Phase.FAILED and result.message == "Stopped with strategy 'Stop'"
    assert processes_with(f"sleep {marker}") == []


def test_background_leftovers_die_with_main(tmp_path, sandbox):
    marker = f"400.{os.getpid()}3"
    m = manifest(template(container(["sh", "-c", f"sleep {marker} & echo done"])))
    result, _ = run_one(backend(tmp_path, sandbox), m)
    assert result.result == "done"
    assert processes_with(f"sleep {marker}") == []


def test_parallelism_caps_running_pods(tmp_path):
    be = LocalBackend(tmp_path / "home", sandbox="none", parallelism=2)
    log = tmp_path / "spans"
    code = f"import time; s=time.time(); time.sleep(0.3); open({str(log)!r}, 'a').write(f'{{s}} {{time.time()}}\\n')"

    async def go():
        async def one(i):
            h = await be.start(manifest(template(container([PY, "-c", code])), pod_name=f"p{i}"), Lines())
            return await h.wait()
        return await asyncio.gather(*(one(i) for i in range(5)))
    assert all(r.phase is Phase.SUCCEEDED for r in asyncio.run(go()))
    spans = [tuple(map(float, line.split())) for line in log.read_text().splitlines()]
    for s, _ in spans:
        assert sum(1 for a, b in spans if a <= s < b) <= 2


def test_daemon_ready_by_probe_reachable_and_holds_no_slot(tmp_path, sandbox):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    be = backend(tmp_path, sandbox, parallelism=1)
    server = template(container([PY, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                                readinessProbe={"tcpSocket": {"port": port}, "periodSeconds": 1}),
                      settings={"daemon": True})
    client = template(container([PY, "-c", f"import urllib.request as u; "
                                 f"print(u.urlopen('http://127.0.0.1:{port}/').status)"]))

    async def go():
        daemon = await be.start(manifest(server, pod_name="wf-server"), Lines())
        await asyncio.wait_for(daemon.ready(), 20)
        assert daemon.ip == "127.0.0.1"
        h = await asyncio.wait_for(be.start(manifest(client, pod_name="wf-client"), Lines()), 5)
        result = await h.wait()
        await daemon.kill("daemon scope ended")
        return result, await daemon.wait()
    result, daemon_result = asyncio.run(go())
    assert result.result == "200"
    assert daemon_result.message == "daemon scope ended"


def test_close_kills_everything(tmp_path, sandbox):
    marker = f"500.{os.getpid()}4"
    be = backend(tmp_path, sandbox)

    async def go():
        h = await be.start(manifest(template(container(["sleep", marker]))), Lines())
        await asyncio.sleep(0.3)
        await be.close()
        return await h.wait()
    assert asyncio.run(go()).phase is Phase.FAILED
    assert processes_with(f"sleep {marker}") == []


# -- sandbox specifics -------------------------------------------------------------------------

def test_bwrap_keeps_the_host_read_only_and_writes_private(tmp_path):
    if not _bwrap_ready():
        pytest.skip("bubblewrap not installed: apt-get install bubblewrap")
    script = "touch /usr/plait-test 2>/dev/null && echo wrote-usr; echo x > /new-top/f 2>/dev/null || " \
             "{ mkdir -p /new-top && echo x > /new-top/f; }; cat /new-top/f; echo $$"
    result, _ = run_one(backend(tmp_path, "bwrap"), manifest(template(container(["sh", "-c", script]))))
    first, pid = result.result.split()
    assert first == "x"
    assert int(pid) < 10                      # a PID namespace of its own
    assert "wrote-usr" not in result.result
    assert not Path("/new-top").exists() and not Path("/usr/plait-test").exists()


@pytest.mark.parametrize("mode", ["bwrap", "auto", None])
def test_sandbox_required_but_missing_refuses(tmp_path, monkeypatch, mode):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PLAIT_SANDBOX", raising=False)
    monkeypatch.setattr(sandbox_module, "bundled_bwrap", lambda: None)
    with pytest.raises(BackendError, match="--sandbox none"):
        LocalBackend(tmp_path, sandbox=mode)
    monkeypatch.setenv("PLAIT_SANDBOX", "none")
    assert LocalBackend(tmp_path, sandbox=None).sandbox == "none"


def test_get_backend(tmp_path):
    assert get_backend("local", home=tmp_path, sandbox="none").name == "local"
    with pytest.raises(ValueError):
        get_backend("nomad")


def test_planted_symlinks_do_not_reach_outside(tmp_path, sandbox):
    secret = tmp_path / "host-only.txt"          # under the host's /tmp: hidden from bwrap pods
    secret.write_text("host data\n")
    t = template(container(["sh", "-c", f"ln -s {secret} /tmp/out.txt"]),
                 outputs={"parameters": [{"name": "o", "valueFrom": {"path": "/tmp/out.txt"}}]})
    result, _ = run_one(backend(tmp_path, sandbox), manifest(t))
    if sandbox == "bwrap":
        assert result.files["/tmp/out.txt"] is None
    vols = [{"name": "shared", "persistentVolumeClaim": {"claimName": "shared"}}]
    plant = template(container(["ln", "-s", str(tmp_path), "/mnt/vol/sub"],
                               volumeMounts=[{"name": "shared", "mountPath": "/mnt/vol"}]))
    be = backend(tmp_path, sandbox)
    assert run_one(be, manifest(plant, spec_volumes=vols))[0].phase is Phase.SUCCEEDED
    use = template(container(["true"], volumeMounts=[{"name": "shared", "mountPath": "/data",
                                                      "subPath": "sub"}]))
    result, _ = run_one(be, manifest(use, pod_name="wf-use", spec_volumes=vols))
    assert result.phase is Phase.ERROR and "outside the volume" in result.message


def test_exec_readiness_probe_sees_the_containers_files(tmp_path, sandbox):
    ready = "/tmp/ready" if sandbox == "bwrap" else "/state/ready"   # the fallback shares /tmp
    body = container(["sh", "-c", f"sleep 0.4; touch {ready}; sleep 30"],
                     readinessProbe={"exec": {"command": ["test", "-f", ready]}},
                     volumeMounts=[{"name": "state", "mountPath": "/state"}])
    settings = {"daemon": True, "volumes": [{"name": "state", "emptyDir": {}}]}
    be = backend(tmp_path, sandbox)

    async def go():
        began = time.monotonic()
        h = await be.start(manifest(template(body, settings=settings)), Lines())
        await asyncio.wait_for(h.ready(), 15)
        waited = time.monotonic() - began
        await h.kill("daemon scope ended")
        return waited, await h.wait()
    waited, result = asyncio.run(go())
    assert 0.35 < waited < 10
    assert result.message == "daemon scope ended"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12 watches children with pidfds itself")
def test_pidfd_child_watcher_used_then_restored(tmp_path, monkeypatch):
    # backends of earlier tests were not closed: start from Python's default again
    monkeypatch.setattr(asyncio.get_event_loop_policy(), "_watcher", None)
    be = LocalBackend(tmp_path / "home", sandbox="none")

    async def go():
        h = await be.start(manifest(template(container(["true"]))), Lines())
        kind = type(asyncio.get_event_loop_policy()._watcher).__name__
        await h.wait()
        await be.close()
        return kind
    kind = asyncio.run(go())
    if hasattr(os, "pidfd_open"):
        assert kind == "PidfdChildWatcher"
    assert not isinstance(asyncio.get_event_loop_policy()._watcher, asyncio.PidfdChildWatcher)

    async def plain_subprocess():
        proc = await asyncio.create_subprocess_exec("true")
        return await proc.wait()
    assert asyncio.run(plain_subprocess()) == 0
