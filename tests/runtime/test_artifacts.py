"""The local artifact repository: round-trips, and hostile archives that must not write outside
their destination (tar slip, absolute names, Argo's CVE-2025-62156 and its symlink bypass)."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from plait.runtime.artifacts import ArtifactError, ArtifactNotFound, ArtifactRepo, UnsafeArtifact


@pytest.fixture
def repo(tmp_path) -> ArtifactRepo:
    return ArtifactRepo(tmp_path / "artifacts")


def snapshot(root: Path, skip: Path) -> set[str]:
    """Every path under `root` except those under `skip`."""
    found = set()
    for folder, dirs, files in os.walk(root):
        for entry in [*dirs, *files]:
            path = Path(folder) / entry
            if path != skip and skip not in path.parents:
                found.add(str(path.relative_to(root)))
    return found


# -- round trips ----------------------------------------------------------------------------

def test_file_round_trip_as_tgz(repo, tmp_path):
    src = tmp_path / "out.txt"
    src.write_text("hello world\n")
    key = repo.save("wf", "wf-gen-123", "hello-art", src)
    assert key == "wf/wf-gen-123/hello-art.tgz" and repo.path(key).is_file()
    dest = tmp_path / "pod2" / "tmp" / "message"
    repo.load(key, dest)
    assert dest.read_text() == "hello world\n"


def test_directory_round_trip_keeps_inner_links(repo, tmp_path):
    src = tmp_path / "outdir"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.txt").write_text("b")
    os.symlink("../a.txt", src / "sub" / "link")
    os.link(src / "a.txt", src / "hard.txt")
    os.chmod(src / "a.txt", 0o755)
    key = repo.save("wf", "pod", "dir", src)
    dest = tmp_path / "in" / "dir"
    repo.load(key, dest)
    assert (dest / "a.txt").read_text() == "a" and (dest / "sub" / "b.txt").read_text() == "b"
    assert os.readlink(dest / "sub" / "link") == "../a.txt"
    assert (dest / "sub" / "link").read_text() == "a"
    assert (dest / "hard.txt").read_text() == "a"
    assert os.stat(dest / "a.txt").st_mode & 0o111


def test_archive_none_file_and_tree(repo, tmp_path):
    src = tmp_path / "f.bin"
    src.write_bytes(b"\x00\x01")
    key = repo.save("wf", "pod", "f", src, archive="none")
    assert key == "wf/pod/f"
    repo.load(key, tmp_path / "got.bin")
    assert (tmp_path / "got.bin").read_bytes() == b"\x00\x01"
    tree = tmp_path / "tree"
    (tree / "x").mkdir(parents=True)
    (tree / "x" / "y").write_text("y")
    key = repo.save("wf", "pod", "tree", tree, archive="none")
    (tmp_path / "got-tree").mkdir()                     # an empty destination is fine
    repo.load(key, tmp_path / "got-tree")
    assert (tmp_path / "got-tree" / "x" / "y").read_text() == "y"


def test_tree_with_an_outside_link_is_refused(repo, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    os.symlink("/etc", tree / "etc")
    key = repo.save("wf", "pod", "tree", tree, archive="none")
    with pytest.raises(UnsafeArtifact):
        repo.load(key, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_save_raw_is_content_addressed(repo, tmp_path):
    one = repo.save_raw("wf", "input", "this is raw\n")
    two = repo.save_raw("wf", "input", b"other")
    assert one != two and one.startswith("wf/raw/") and one.endswith("/input")
    assert repo.save_raw("wf", "input", "this is raw\n") == one
    repo.load(one, tmp_path / "raw.txt")
    assert (tmp_path / "raw.txt").read_text() == "this is raw\n"


def test_missing_paths_and_bad_requests(repo, tmp_path):
    with pytest.raises(ArtifactNotFound):
        repo.save("wf", "pod", "x", tmp_path / "missing")
    with pytest.raises(FileNotFoundError):               # ArtifactNotFound is one
        repo.load("wf/pod/none.tgz", tmp_path / "d")
    (tmp_path / "f").write_text("x")
    with pytest.raises(ArtifactError, match="not supported"):
        repo.save("wf", "pod", "x", tmp_path / "f", archive="zip")
    for key in ("../x", "/abs", "wf/../../x", "wf//x"):
        with pytest.raises(ArtifactError):
            repo.path(key)
    with pytest.raises(ValueError):
        repo.save("..", "pod", "x", tmp_path / "f")
    key = repo.save("wf", "wf-main/a:inline-1", "../x", tmp_path / "f")
    assert key == "wf/wf-main_a_inline-1/_.._x.tgz" and repo.path(key).is_file()


def test_multi_root_archive_extracts_into_a_folder(repo, tmp_path):
    key = "wf/pod/multi.tgz"
    build(repo.path(key), [file_("one", b"1"), file_("two/three", b"3")])
    dest = tmp_path / "dest"
    repo.load(key, dest)
    assert (dest / "one").read_bytes() == b"1" and (dest / "two" / "three").read_bytes() == b"3"


# -- hostile archives -----------------------------------------------------------------------

def file_(name: str, data: bytes = b"evil") -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def link(name: str, target: str, kind=tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def special(name: str, kind) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info, None


def directory(name: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return info, None


def build(path: Path, members) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)


def hostile_cases(outside: Path) -> dict[str, list]:
    return {
        "tar-slip": [file_("ok.txt", b"ok"), file_("../outside/evil")],
        "tar-slip-nested": [file_("a/b/../../../outside/evil")],
        "absolute": [file_("ok.txt", b"ok"), file_(str(outside / "evil"))],
        "symlink-absolute": [link("a", str(outside))],
        "symlink-relative-escape": [link("a", "../outside")],
        # CVE-2025-62156's bypass: plant a link, then write through it.
        "symlink-then-write-through": [directory("d"), link("d/a", str(outside)),
                                       file_("d/a/evil")],
        "symlink-inside-then-write-through": [directory("d"), link("d/a", "."),
                                              file_("d/a/evil")],
        "symlink-chain-escape": [link("x", "y/.."), link("y", "."), file_("z", b"z")],
        "symlink-loop": [link("a", "b"), link("b", "a")],
        "hardlink-outside-relative": [link("h", "../outside/target", tarfile.LNKTYPE)],
        "hardlink-absolute": [link("h", "/etc/passwd", tarfile.LNKTYPE)],
        "hardlink-to-symlink": [link("s", "."), link("h", "s", tarfile.LNKTYPE)],
        "device": [special("dev", tarfile.CHRTYPE)],
        "fifo": [special("fifo", tarfile.FIFOTYPE)],
        "root-folder-link-escape": [directory("out"), file_("out/f", b"f"),
                                    link("out/l", "../sibling")],
    }


CASES = sorted(hostile_cases(Path("/x")))


@pytest.mark.parametrize("case", CASES)
def test_hostile_archive_is_refused_and_writes_nothing_outside(repo, tmp_path, case):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target").write_text("precious")
    key = f"wf/pod/{case}.tgz"
    build(repo.path(key), hostile_cases(outside)[case])
    dest = tmp_path / "dest"
    before = snapshot(tmp_path, dest)
    with pytest.raises(UnsafeArtifact):
        repo.load(key, dest)
    assert snapshot(tmp_path, dest) == before
    assert sorted(os.listdir(outside)) == ["target"]
    assert (outside / "target").read_text() == "precious"
    assert not dest.exists()                             # nothing half-extracted is left


def test_links_already_in_the_destination_are_not_followed(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    os.symlink(outside, dest / "sub")                    # planted before extraction
    key = "wf/pod/two-roots.tgz"
    build(repo.path(key), [file_("top", b"t"), file_("sub/evil")])
    with pytest.raises(UnsafeArtifact):
        repo.load(key, dest)
    assert os.listdir(outside) == []


def test_a_file_destination_that_is_a_link_is_replaced_not_followed(repo, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    src = tmp_path / "msg"
    src.write_text("new")
    key = repo.save("wf", "pod", "m", src)
    dest = tmp_path / "dest"
    os.symlink(outside, dest)
    repo.load(key, dest)
    assert outside.read_text() == "precious"
    assert not dest.is_symlink() and dest.read_text() == "new"


def test_setuid_bits_are_dropped(repo, tmp_path):
    info, data = file_("run.sh", b"#!/bin/sh\n")
    info.mode = 0o4777
    key = "wf/pod/suid.tgz"
    build(repo.path(key), [(info, data)])
    repo.load(key, tmp_path / "run.sh")
    mode = os.stat(tmp_path / "run.sh").st_mode
    assert not mode & 0o4000 and not mode & 0o022
