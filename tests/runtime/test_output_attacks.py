"""Issue 8, findings 5, 9 and 12: what a pod hands back. Each test performs the attack on the
local backend with real processes and files: symlinks planted at output paths, special files,
sparse files, oversized outputs, secrets cut by a log-line split or the `result` truncation."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from plait.runtime.backends.local import LINE_LIMIT, RESULT_LIMIT
from plait.runtime.outputs import OutputLimits
from plait.runtime.secrets import SecretStore
from plait.runtime.types import Phase

from .test_local_backend import Lines, backend, container, manifest, run_one, sandbox, template  # noqa: F401

SECRET = "hunter2-Very-Secret-Value"


def _bwrap(sandbox: str) -> None:
    if sandbox != "bwrap":
        pytest.skip("unsandboxed pods see the host anyway: the read-back attack needs bwrap")


def _holds(folder: Path, data: bytes) -> list[Path]:
    """Files (not links) under `folder` whose content holds `data`."""
    found = []
    for dirpath, _, names in os.walk(folder):
        for name in names:
            p = Path(dirpath) / name
            if not p.is_symlink() and p.is_file() and data in p.read_bytes():
                found.append(p)
    return found


def _host_secret(tmp_path: Path) -> Path:
    """A 0600 host file outside the pod's world (not under the host's /tmp either)."""
    folder = Path("/root" if os.geteuid() == 0 else Path.home()) / f".plait-test-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    secret = folder / "secret.txt"
    secret.write_text(SECRET)
    secret.chmod(0o600)
    return secret


@pytest.fixture
def host_secret(tmp_path):
    path = _host_secret(tmp_path)
    yield path
    shutil.rmtree(path.parent, ignore_errors=True)


def _output_param(path: str) -> dict:
    return {"parameters": [{"name": "o", "valueFrom": {"path": path}}]}


def _run_planting(tmp_path, sandbox, script: str, out_path: str = "/tmp/out.txt", **kw):
    be = backend(tmp_path, sandbox, **kw)
    t = template(container(["sh", "-c", script]), outputs=_output_param(out_path))
    result, _ = run_one(be, manifest(t))
    return result, tmp_path / "home"


# -- finding 5: symlinks at output paths ------------------------------------------------------

def test_relative_symlink_to_a_0600_host_file_reads_nothing(tmp_path, sandbox, host_secret):
    _bwrap(sandbox)
    # the link, followed on the host from where the pod's /tmp lives, reaches the secret
    pod_tmp = tmp_path / "home" / "pods" / "wf-pod-1" / "main" / "tmp"
    rel = os.path.relpath(host_secret, pod_tmp)
    deep = "../" * 12 + str(host_secret).lstrip("/")
    for target in (rel, deep):
        result, home = _run_planting(tmp_path, sandbox, f"ln -s '{target}' /tmp/out.txt")
        assert result.files["/tmp/out.txt"] is None, target
        assert not _holds(home, SECRET.encode()), target


def test_absolute_symlink_to_a_host_file_reads_nothing(tmp_path, sandbox, host_secret):
    _bwrap(sandbox)
    result, home = _run_planting(tmp_path, sandbox, f"ln -s {host_secret} /tmp/out.txt")
    assert result.files["/tmp/out.txt"] is None
    assert not _holds(home, SECRET.encode())


def test_symlinked_folder_in_the_middle_of_the_path_reads_nothing(tmp_path, sandbox, host_secret):
    _bwrap(sandbox)
    pod_tmp = tmp_path / "home" / "pods" / "wf-pod-1" / "main" / "tmp"
    rel = os.path.relpath(host_secret.parent, pod_tmp)
    # plait made /tmp/d (the output's folder): the pod replaces it with a link
    result, home = _run_planting(tmp_path, sandbox, f"rmdir /tmp/d && ln -s '{rel}' /tmp/d",
                                 out_path="/tmp/d/secret.txt")
    assert result.files["/tmp/d/secret.txt"] is None
    assert not _holds(home, SECRET.encode())


def test_symlink_to_another_workflows_secret_volume_reads_nothing(tmp_path, sandbox):
    _bwrap(sandbox)
    store = SecretStore()
    store.add_secret("creds", {"token": SECRET})
    be = backend(tmp_path, sandbox, secrets=store)
    victim = template(container(["sh", "-c", "sleep 3"],
                                volumeMounts=[{"name": "creds", "mountPath": "/creds"}]),
                      settings={"volumes": [{"name": "creds", "secret": {"secretName": "creds"}}]})
    home = tmp_path / "home"
    secret_file = home / "pods" / "other-victim-1" / "volumes" / "creds" / "token"
    pod_tmp = home / "pods" / "wf-thief-1" / "main" / "tmp"
    rel = os.path.relpath(secret_file, pod_tmp)
    thief = template(container(["sh", "-c", f"ln -s '{rel}' /tmp/out.txt; cat /tmp/out.txt"]),
                     outputs=_output_param("/tmp/out.txt"))

    async def go():
        v = await be.start(manifest(victim, pod_name="other-victim-1", workflow="other"), Lines())
        for _ in range(100):
            if secret_file.exists():
                break
            await asyncio.sleep(0.05)
        assert secret_file.exists()
        t = await be.start(manifest(thief, pod_name="wf-thief-1"), Lines())
        got = await t.wait()
        await v.kill("done")
        return got
    result = asyncio.run(go())
    assert result.files["/tmp/out.txt"] is None
    assert SECRET not in (result.result or "")
    assert not _holds(home / "pods" / "wf-thief-1", SECRET.encode())


def test_links_the_pod_made_to_its_own_files_are_followed_as_in_the_container(tmp_path, sandbox):
    if sandbox != "bwrap":
        pytest.skip("unsandboxed, paths are rewritten as text: a link made at run time holds a "
                    "host path")
    script = ("mkdir -p /tmp/real; echo own > /tmp/real/f.txt; ln -s /tmp/real/f.txt /tmp/abs; "
              "ln -s real/f.txt /tmp/rel; rmdir /tmp/dir; ln -s /tmp/real /tmp/dir")
    be = backend(tmp_path, sandbox)
    t = template(container(["sh", "-c", script]),
                 outputs={"parameters": [{"name": n, "valueFrom": {"path": p}} for n, p in
                                         (("a", "/tmp/abs"), ("r", "/tmp/rel"),
                                          ("d", "/tmp/dir/f.txt"))]})
    result, _ = run_one(be, manifest(t))
    assert result.phase is Phase.SUCCEEDED, result.message
    for path in ("/tmp/abs", "/tmp/rel", "/tmp/dir/f.txt"):
        assert Path(result.files[path]).read_text() == "own\n", path


def test_a_link_inside_an_output_folder_is_copied_as_a_link(tmp_path, sandbox, host_secret):
    be = backend(tmp_path, sandbox)
    t = template(container(["sh", "-c", f"mkdir /tmp/o; echo a > /tmp/o/a; ln -s {host_secret} /tmp/o/s"]),
                 outputs={"artifacts": [{"name": "o", "path": "/tmp/o"}]})
    result, _ = run_one(be, manifest(t))
    assert result.phase is Phase.SUCCEEDED, result.message
    copy = Path(result.files["/tmp/o"])
    assert (copy / "a").read_text() == "a\n"
    assert (copy / "s").is_symlink() and os.readlink(copy / "s") == str(host_secret)


# -- finding 9: outputs that would fill the disk ----------------------------------------------

def _du(folder: Path) -> int:
    total = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total


def test_a_sparse_file_claiming_gigabytes_is_refused_by_its_apparent_size(tmp_path, sandbox):
    be = backend(tmp_path, sandbox)
    t = template(container(["sh", "-c", "echo x > /tmp/big; truncate -s 3G /tmp/big; du -k /tmp/big"]),
                 outputs={"artifacts": [{"name": "big", "path": "/tmp/big"}]})
    result, _ = run_one(be, manifest(t))
    assert result.phase is Phase.ERROR
    assert "PLAIT_MAX_ARTIFACT_BYTES" in result.message and "/tmp/big" in result.message
    assert result.files["/tmp/big"] is None
    assert _du(tmp_path / "home") < 1 << 20


def test_a_fifo_output_is_refused_without_blocking(tmp_path, sandbox):
    be = backend(tmp_path, sandbox)
    t = template(container(["sh", "-c", "mkfifo /tmp/out"]),
                 outputs={"artifacts": [{"name": "o", "path": "/tmp/out"}]})
    result, _ = run_one(be, manifest(t))
    assert result.phase is Phase.ERROR
    assert "FIFO" in result.message


def test_a_socket_output_is_refused(tmp_path, sandbox):
    """A Unix socket as an output path (and inside an output folder): refused, not connected
    to or copied. (Bound by a relative name: unsandboxed, /tmp is a long host path, and a
    socket's path may have at most 107 bytes.)"""
    bind = "import socket; socket.socket(socket.AF_UNIX).bind(\"sock\")"
    be = backend(tmp_path, sandbox)
    for n, (path, folder) in enumerate((("/tmp/sock", "/tmp"), ("/tmp/d", "/tmp/d"))):
        t = template(container(["sh", "-c", f"mkdir -p /tmp/d; cd {folder}; python3 -c '{bind}'; "
                                            "test -S sock || exit 42"]),
                     outputs={"artifacts": [{"name": "o", "path": path}]})
        result, _ = run_one(be, manifest(t, pod_name=f"wf-pod-{n + 1}"))
        assert result.exit_code != 42, "the pod could not make its socket"
        assert result.phase is Phase.ERROR, result.message
        assert "sock is a socket, which an output may not be" in result.message
        assert result.files[path] is None


def test_a_device_node_output_is_refused(tmp_path, sandbox):
    if os.geteuid() != 0:
        pytest.skip("mknod needs root: the attack (a pod running as root) cannot be staged")
    be = backend(tmp_path, sandbox)
    t = template(container(["sh", "-c", "mknod /tmp/zero c 1 5 || exit 42; mkdir /tmp/d; "
                                        "mknod /tmp/d/zero c 1 5"]),
                 outputs={"artifacts": [{"name": "o", "path": "/tmp/zero"}]})
    result, _ = run_one(be, manifest(t))
    if result.exit_code == 42:
        pytest.skip("mknod is not permitted in this sandbox (capabilities dropped): nothing to read")
    assert result.phase is Phase.ERROR
    assert "device file" in result.message
    assert _du(tmp_path / "home") < 1 << 20
    t2 = template(container(["sh", "-c", "mkdir /tmp/d; mknod /tmp/d/zero c 1 5"]),
                  outputs={"artifacts": [{"name": "o", "path": "/tmp/d"}]})
    result, _ = run_one(be, manifest(t2, pod_name="wf-pod-2"))
    assert result.phase is Phase.ERROR and "device file" in result.message


def test_caps_on_one_output_and_on_a_pods_outputs(tmp_path, sandbox, monkeypatch):
    script = "mkdir /tmp/d; head -c 600 /dev/zero > /tmp/d/a; head -c 600 /dev/zero > /tmp/d/b; " \
             "head -c 600 /dev/zero > /tmp/c"
    arts = {"artifacts": [{"name": "d", "path": "/tmp/d"}, {"name": "c", "path": "/tmp/c"}]}
    monkeypatch.setenv("PLAIT_MAX_ARTIFACT_BYTES", "1000")
    result, _ = run_one(backend(tmp_path, sandbox),
                        manifest(template(container(["sh", "-c", script]), outputs=arts)))
    assert result.phase is Phase.ERROR
    assert "/tmp/d is larger than 1000 bytes (PLAIT_MAX_ARTIFACT_BYTES)" in result.message
    monkeypatch.delenv("PLAIT_MAX_ARTIFACT_BYTES")
    monkeypatch.setenv("PLAIT_MAX_POD_OUTPUT_BYTES", "1500")
    result, _ = run_one(backend(tmp_path, sandbox),
                        manifest(template(container(["sh", "-c", script]), outputs=arts)))
    assert result.phase is Phase.ERROR and "PLAIT_MAX_POD_OUTPUT_BYTES" in result.message
    monkeypatch.setenv("PLAIT_MAX_POD_OUTPUT_BYTES", "2Ki")
    monkeypatch.setenv("PLAIT_MAX_OUTPUT_FILES", "3")
    result, _ = run_one(backend(tmp_path, sandbox),
                        manifest(template(container(["sh", "-c", script]), outputs=arts)))
    assert result.phase is Phase.ERROR and "PLAIT_MAX_OUTPUT_FILES" in result.message
    monkeypatch.setenv("PLAIT_MAX_OUTPUT_FILES", "4")
    result, _ = run_one(backend(tmp_path, sandbox),
                        manifest(template(container(["sh", "-c", script]), outputs=arts)))
    assert result.phase is Phase.SUCCEEDED, result.message


def test_output_limits_from_the_environment():
    assert OutputLimits.from_env({}) == OutputLimits()
    assert OutputLimits().artifact == 1 << 30 and OutputLimits().pod == 2 << 30
    got = OutputLimits.from_env({"PLAIT_MAX_ARTIFACT_BYTES": "512Mi",
                                 "PLAIT_MAX_PARAMETER_BYTES": "2048"})
    assert got.artifact == 512 << 20 and got.parameter == 2048
    for bad in ("0", "-1", "lots", "1.5Gi"):
        with pytest.raises(ValueError, match="PLAIT_MAX_POD_OUTPUT_BYTES"):
            OutputLimits.from_env({"PLAIT_MAX_POD_OUTPUT_BYTES": bad})


# -- finding 12: masking before cutting -------------------------------------------------------

def _secrets() -> SecretStore:
    store = SecretStore()
    store.add_secret("s", {"v": SECRET})
    return store


def test_a_secret_straddling_the_log_line_split_is_masked(tmp_path, sandbox):
    store = _secrets()
    half = len(SECRET) // 2
    pad = LINE_LIMIT - half
    be = backend(tmp_path, sandbox, secrets=store)
    t = template(container(["sh", "-c", f"head -c {pad} /dev/zero | tr '\\0' x; echo {SECRET}; echo done"]))
    result, sink = run_one(be, manifest(t))
    assert result.phase is Phase.SUCCEEDED, result.message
    pieces = [store.mask(line) for line in sink.of("main")]
    assert len(pieces) >= 3                               # the long line was split
    assert all(SECRET[:half] not in p and SECRET[half:] not in p for p in pieces)
    assert any("***" in p for p in pieces)
    assert sum(len(p) for p in pieces[:-1]) == pad + len("***")


def test_a_secret_at_the_result_truncation_boundary_leaves_no_part(tmp_path, sandbox):
    store = _secrets()
    half = len(SECRET) // 2
    tail = RESULT_LIMIT - (len(SECRET) - half)       # the cut falls in the middle of the secret
    be = backend(tmp_path, sandbox, secrets=store)
    t = template(container(["sh", "-c", f"printf '%s' {SECRET}; head -c {tail} /dev/zero | tr '\\0' y"]))
    result, _ = run_one(be, manifest(t))
    assert result.phase is Phase.SUCCEEDED, result.message
    masked = store.mask(result.result)
    assert not masked.startswith(SECRET[half:]) and SECRET[half:] not in masked
    assert set(masked) == {"y"} and len(masked) == tail


def test_match_across_finds_the_secret_a_cut_would_halve():
    store = _secrets()
    text = "ab" + SECRET + "cd"
    assert store.match_across(text, 5) == (2, 2 + len(SECRET))
    assert store.match_across(text, 2) is None and store.match_across(text, len(text) - 2) is None
    assert SecretStore().match_across(text, 5) is None


# -- finding 12: scratch folders --------------------------------------------------------------

def test_pod_folder_goes_once_the_engine_stored_outputs_unless_kept(tmp_path, sandbox):
    t = template(container(["sh", "-c", "echo v > /tmp/p"]), outputs=_output_param("/tmp/p"))
    for keep in (False, True):
        be = backend(tmp_path / str(keep), sandbox, keep_pods=keep)

        async def go(be=be):
            h = await be.start(manifest(t), Lines())
            r = await h.wait()
            before = Path(r.files["/tmp/p"]).read_text()
            h.cleanup()
            return before
        assert asyncio.run(go()) == "v\n"
        pod = tmp_path / str(keep) / "home" / "pods" / "wf-pod-1"
        assert pod.exists() is keep
        if keep:
            assert (pod / "out").is_dir() and (pod / "main").is_dir()
