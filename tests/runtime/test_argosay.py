"""plait's argosay (runtime/argosay.py) run as the real program, against the behaviour of Argo's
`argoproj/argosay:v2` (test/e2e/images/argosay/v2/main/argosay.go and its argosay_test.go):
the same outputs, streams and exit codes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from plait.runtime.images import ARGOSAY, ARGOSAY_ARGV, BUILTIN, ImageTable


def say(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # Run as the image table runs it (python3 -I /argosay, the host file bound there) in a
    # container's PATH.
    return subprocess.run(["python3", "-I", str(ARGOSAY), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=30, env={"PATH": "/usr/local/bin:/usr/bin:/bin"})


def test_is_an_executable_self_contained_file():
    assert os.access(ARGOSAY, os.X_OK)
    text = ARGOSAY.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env -S python3 -I\n")   # -I: its folder is not on sys.path
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert imports and not any("plait" in line or " ." in line for line in imports), imports


def test_no_arguments_says_hello_argo_on_stderr():
    # Go's builtin println writes to stderr: a node's `result` (stdout) stays empty.
    proc = say()
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "hello argo\n")
    assert say("echo").stderr == "hello argo\n"
    assert say("echo", "hi there").stderr == "hi there\n"


def test_echo_to_a_file_creates_its_folder_and_writes_no_newline(tmp_path):
    target = tmp_path / "a" / "b" / "out.txt"
    proc = say("echo", "hello", str(target))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert target.read_bytes() == b"hello"


def test_cat_copies_files_to_stdout(tmp_path):
    (tmp_path / "f").write_text("one\n")
    proc = say("cat", str(tmp_path / "f"), str(tmp_path / "f"))
    assert (proc.returncode, proc.stdout) == (0, "one\none\n")


@pytest.mark.parametrize("args, message", [
    (("garbage",), "usage: argosay [assert_contains file string|cat [file...]|echo [string] [file]"
                   "|sleep duration|exit [code]]"),
    (("echo", "a", "/tmp/x", "more"), "usage: argosay echo [string] [file]"),
    (("cat", "/nonexistent/file"), "open /nonexistent/file: no such file or directory"),
    (("sleep",), "usage: argosay sleep duration"),
    (("sleep", "garbage"), 'time: invalid duration "garbage"'),
    (("sleep", "10"), 'time: missing unit in duration "10"'),
    (("sleep", "1y"), 'time: unknown unit "y" in duration "1y"'),
    (("exit", "x"), 'strconv.Atoi: parsing "x": invalid syntax'),
    (("assert_contains",), "usage: assert_contains data string"),
    (("assert_contains", "/nonexistent"), "usage: assert_contains data string"),
    (("assert_contains", "/nonexistent", "foo"), "open /nonexistent: no such file or directory"),
])
def test_errors_panic_with_exit_code_2(args, message):
    proc = say(*args)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"panic: {message}\n"), proc.stderr


def test_assert_contains(tmp_path):
    data = tmp_path / "data"
    assert say("echo", "foo", str(data)).returncode == 0
    assert say("assert_contains", str(data), "foo").returncode == 0
    proc = say("assert_contains", str(data), "bar")
    assert proc.returncode == 2
    assert f'panic: expected "{data}" to contain "bar", but was "foo"' in proc.stderr


@pytest.mark.parametrize("args, code", [
    (("exit",), 0), (("exit", "0"), 0), (("exit", "1"), 1), (("exit", "123"), 123),
    (("exit", "1", "2"), 0),          # more than one argument: Go's switch falls through to nil
    (("exit", "-1"), 255), (("exit", "256"), 0),
])
def test_exit_codes(args, code):
    assert say(*args).returncode == code


def test_sleep_takes_go_durations():
    assert say("sleep", "0").returncode == 0
    assert say("sleep", "0.1s").returncode == 0
    assert say("sleep", "50ms").returncode == 0
    assert say("sleep", "1us").returncode == 0
    assert say("sleep", "-5s").returncode == 0     # a negative duration returns at once


def test_builtin_image_table_runs_it_for_argosay_v2():
    assert ARGOSAY_ARGV == ["python3", "-I", "/argosay"]
    entry = {"entrypoint": ARGOSAY_ARGV, "cmd": [], "files": {"/argosay": str(ARGOSAY)}}
    assert BUILTIN["argoproj/argosay:v2"] == entry
    table = ImageTable.load(home=Path("/nonexistent-plait-home"), environ={})
    for image in ("argoproj/argosay:v2", "docker.io/argoproj/argosay:v2"):
        assert table.lookup(image) == entry


def test_an_image_table_file_overrides_the_builtin(tmp_path):
    override = tmp_path / "images.yaml"
    override.write_text("argoproj/argosay:v2: {entrypoint: [/opt/argosay]}\n")
    table = ImageTable.load(override, home=tmp_path, environ={})
    assert table.lookup("argoproj/argosay:v2") == {"entrypoint": ["/opt/argosay"], "cmd": []}


def test_stand_ins_for_commands_the_host_names_differently(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python3 = bin_dir / "python3"
    python3.write_text("#!/bin/sh\n")
    python3.chmod(0o755)
    path = str(bin_dir)
    assert ImageTable.stand_in("python", path) == ["python3"]
    assert ImageTable.stand_in("python3", path) == ["python3"]
    assert ImageTable.stand_in("no-such-tool", path) == ["no-such-tool"]
    assert ImageTable.stand_in("/abs/python", path) == ["/abs/python"]
    (bin_dir / "python").write_text("#!/bin/sh\n")
    (bin_dir / "python").chmod(0o755)
    assert ImageTable.stand_in("python", path) == ["python"]     # the real name wins


def test_argosay_images_hold_slash_argosay():
    # Argo's own workflows also call it by path (intermediate-parameters.yaml: command: [/argosay])
    assert ImageTable.stand_in("/argosay", None, "argoproj/argosay:v2") == ARGOSAY_ARGV
    assert ImageTable.stand_in("/argosay", None, "docker.io/argoproj/argosay:v2") == ARGOSAY_ARGV
    assert ImageTable.stand_in("/argosay", None, "busybox") == ["/argosay"]
