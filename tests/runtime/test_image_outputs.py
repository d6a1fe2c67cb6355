"""An output at an image folder (Argo's example artifact-disable-archive: `path: /etc`): a
container's /etc is its image's, so the pod's /etc keeps the host's read-only image entries and
takes new ones, and reading it back reads it as the pod sees it (runtime/outputs.py
`ImageRoot`): bound image entries from the image, private entries (not world-readable: the
sandbox covers or leaves them out) empty or absent, links the pod made copied as links. Each
attack test plants or asks for something outside the pod's view and checks nothing of it comes
back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plait.runtime.backends import sandbox as S
from plait.runtime.types import Phase

from .test_local_backend import backend, container, manifest, run_one, sandbox, template  # noqa: F401
from .test_output_attacks import SECRET, _holds, host_secret  # noqa: F401


@pytest.fixture
def bwrap(sandbox):  # noqa: F811
    if sandbox != "bwrap":
        pytest.skip("unsandboxed pods see the host's /etc as it is: nothing is covered")
    return sandbox


def _etc_output(tmp_path, sandbox, script: str, path: str = "/etc"):  # noqa: F811
    be = backend(tmp_path, sandbox)
    t = template(container(["sh", "-c", script]),
                 outputs={"artifacts": [{"name": "etc", "path": path}]})
    result, _ = run_one(be, manifest(t))
    return result, tmp_path / "home"


def _private_contents() -> list[bytes]:
    out = []
    for path, is_dir in S.hidden_in_etc():
        if not is_dir and os.path.isfile(path):
            data = Path(path).read_bytes()
            if len(data) >= 16:
                out.append(data)
    return out


def test_an_output_at_etc_is_the_pods_etc(tmp_path, bwrap):
    result, home = _etc_output(tmp_path, bwrap, "echo mine > /etc/mine.txt && cat /etc/hostname")
    assert result.phase is Phase.SUCCEEDED, result.message
    copy = Path(result.files["/etc"])
    assert (copy / "mine.txt").read_text() == "mine\n"                  # the pod's own entry
    assert (copy / "passwd").read_bytes() == Path("/etc/passwd").read_bytes()   # the image's
    for path, is_dir in S.hidden_in_etc():                               # covered or left out
        got = copy / os.path.relpath(path, "/etc")
        if os.path.lexists(got):
            assert (not any(got.iterdir())) if is_dir else got.stat().st_size == 0, path
    for data in _private_contents():
        assert not _holds(home, data[:64])
    for dirpath, _, names in os.walk(copy):                              # no link a consumer refuses
        for name in names:
            assert not (Path(dirpath) / name).is_symlink() or \
                not os.readlink(Path(dirpath) / name).startswith("/"), name


def test_a_link_the_pod_plants_in_its_etc_stays_a_link(tmp_path, bwrap, host_secret):  # noqa: F811
    result, home = _etc_output(tmp_path, bwrap, f"ln -s {host_secret} /etc/steal; "
                                                "ln -s ../root/x /etc/rel")
    assert result.phase is Phase.SUCCEEDED, result.message
    copy = Path(result.files["/etc"])
    assert os.readlink(copy / "steal") == str(host_secret)
    assert not _holds(home, SECRET.encode())


def test_reading_back_a_private_image_file_reads_nothing(tmp_path, bwrap):
    private = [p for p, is_dir in S.hidden_in_etc() if not is_dir and os.path.isfile(p)]
    if not private:
        pytest.skip("this host's /etc has no private file")
    result, home = _etc_output(tmp_path, bwrap, "true", path=private[0])
    assert result.files[private[0]] is None
    for data in _private_contents():
        assert not _holds(home, data[:64])


def test_a_pod_link_out_of_etc_into_a_private_image_folder_reads_nothing(tmp_path, bwrap):
    hidden = [p for p, is_dir in S.hidden_in_etc() if is_dir]
    if not hidden:
        pytest.skip("this host's /etc has no private folder")
    result, home = _etc_output(tmp_path, bwrap, f"mkdir -p /tmp/o; ln -s {hidden[0]} /tmp/o/in",
                               path="/tmp/o/in")
    assert not result.files["/tmp/o/in"] or not any(Path(result.files["/tmp/o/in"]).iterdir())
    for data in _private_contents():
        assert not _holds(home, data[:64])


def test_name_files_linked_out_of_etc_are_bound_alone(tmp_path):
    """systemd-resolved links /etc/resolv.conf to /run/systemd/resolve/stub-resolv.conf; pods
    see no /run, so DNS failed in every sandboxed pod. The linked file (only a regular,
    world-readable one) is bound at its own path."""
    etc, run = tmp_path / "etc", tmp_path / "run"
    etc.mkdir()
    run.mkdir()
    (run / "stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    (run / "stub-resolv.conf").chmod(0o644)
    (run / "private-hosts").write_text("10.0.0.1 secret\n")
    (run / "private-hosts").chmod(0o600)
    (run / "folder").mkdir()
    (etc / "real-nsswitch").write_text("hosts: files dns\n")
    os.symlink(run / "stub-resolv.conf", etc / "resolv.conf")
    os.symlink(run / "private-hosts", etc / "hosts")                 # private: never bound
    os.symlink(run / "folder", etc / "gai.conf")                     # a folder: never bound
    os.symlink("real-nsswitch", etc / "nsswitch.conf")                # inside /etc: bound already
    os.symlink(run / "nothing", etc / "host.conf")                   # dangling
    assert S.linked_name_files({str(etc)}, root=str(etc)) == [str(run / "stub-resolv.conf")]
