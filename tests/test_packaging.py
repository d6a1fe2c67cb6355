"""The distribution installs one import name, `plait`: the repository's top-level grammar/,
compiler/ and runtime/ folders become plait.grammar, plait.compiler and plait.runtime.

PyPI has unrelated distributions importable as `compiler`, `runtime` and `grammar`; a wheel that
put those names into site-packages would overwrite them (and a pod's `import runtime` would get
ours). These tests build the real wheel and look inside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _source_copy(dest: Path) -> Path:
    """The repository's files that git does not ignore (links kept as links) copied to `dest`:
    setuptools builds in the source tree's build/ folder, which two test workers building at
    once would share."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        src, dst = ROOT / name, dest / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            dst.symlink_to(os.readlink(src))
        elif src.is_file():
            shutil.copy2(src, dst)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    source = _source_copy(tmp_path_factory.mktemp("source"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(source)],
        capture_output=True, text=True, cwd=build)
    assert proc.returncode == 0, proc.stderr
    [path] = out.glob("plait-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_has_exactly_one_top_level_name(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"plait"}
    [top_level] = [n for n in wheel.namelist() if n.endswith("top_level.txt")]
    assert wheel.read(top_level).decode().split() == ["plait"]


def test_wheel_carries_every_module_and_data_file(wheel):
    names = set(wheel.namelist())
    for folder, package in (("grammar", "plait/grammar"), ("compiler", "plait/compiler"),
                            ("runtime", "plait/runtime"), ("plait", "plait")):
        for source in (ROOT / folder).rglob("*"):
            if source.suffix in (".py", ".lark", ".json") and "__pycache__" not in source.parts:
                rel = source.relative_to(ROOT / folder).as_posix()
                assert f"{package}/{rel}" in names, f"{folder}/{rel} is missing from the wheel"


def test_no_top_level_compiler_runtime_or_grammar_module_is_importable_outside_the_repo(tmp_path):
    code = ("import importlib.util as u, sys; "
            "print([n for n in ('compiler', 'runtime', 'grammar') if u.find_spec(n)])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr



def test_wheel_ships_argosay(wheel):
    # The image table runs it as `python3 -I FILE` (a wheel does not keep the file's x bit).
    assert "plait/runtime/argosay.py" in wheel.namelist()
