"""A full disk under `$PLAIT_HOME` ends the run Error and never wedges the store (issue 8 #10).

The plait home is a 3 MiB tmpfs; a pod prints 10 MB. Needs permission to mount (CI runs as
root); skipped with the reason otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from plait.cli import main

BIG = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    script:
      image: python
      command: [python3]
      source: |
        import sys
        for i in range(100000):
            sys.stdout.write("x" * 99 + "\\n")
"""


@pytest.fixture
def small_home(tmp_path, monkeypatch):
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command: cannot make a small file system for $PLAIT_HOME")
    point = tmp_path / f"small-{uuid.uuid4().hex[:6]}"
    point.mkdir()
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs for $PLAIT_HOME: {done.stderr.strip()}")
    home = point / "home"
    monkeypatch.setenv("PLAIT_HOME", str(home))
    monkeypatch.delenv("PLAIT_IMAGES", raising=False)
    try:
        yield home
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def write(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(BIG.format(name=name), encoding="utf-8")
    return str(path)


def cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err
    return code, out + err


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


FULL = "is full"


def test_pod_filling_the_disk_ends_the_run_error(tmp_path, small_home, capsys):
    code, out = cli(capsys, "run", write(tmp_path, "big"))
    assert code == 1
    assert "Status:              Error" in out and FULL in out
    code, out = cli(capsys, "get", "big")
    assert "Status:              Error" in out and "runner lost" not in out
    code, out = cli(capsys, "resume", "big")            # a finished run: a message, no crash
    assert code in (0, 1)


def test_detached_run_filling_the_disk_then_delete_frees_space(tmp_path, small_home, capsys):
    code, out = cli(capsys, "submit", write(tmp_path, "big1"), "--wait")
    assert code == 1 and "Status:              Error" in out and FULL in out
    # the disk is still (nearly) full: another run may start only if it can record its end
    code, out = cli(capsys, "submit", write(tmp_path, "big2"), "--wait")
    assert "runner lost" not in out
    if code == 2:
        assert FULL in out                             # refused before anything is stored
    else:
        assert "Status:              Error" in out and FULL in out
    code, out = cli(capsys, "list")
    assert "runner lost" not in out and "Running" not in out
    before = free_bytes(small_home)
    code, out = cli(capsys, "delete", "big1")
    assert code == 0
    assert free_bytes(small_home) > before
    code, out = cli(capsys, "delete", "--all")
    assert code == 0
    code, out = cli(capsys, "list")
    assert "big" not in out
    assert free_bytes(small_home) > 1.5 * 1024 * 1024      # 3 MiB less the 1 MiB ballast


def test_delete_works_with_no_space_left_at_all(tmp_path, small_home, capsys):
    code, out = cli(capsys, "run", write(tmp_path, "big"))
    assert code == 1
    # fill what is left (and the ballast's space) so SQLite has no free page at all
    (small_home / ".reserve").unlink(missing_ok=True)
    filler = small_home.parent / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
    code, out = cli(capsys, "delete", "big")
    assert code == 0, out
    code, out = cli(capsys, "list")
    assert "big" not in out
