"""The locally built test images run (tests/containers.py): busybox's applets through their
relative symlinks, a writable /tmp and a passwd file; python prints its version; argosay:v2's
entrypoint answers as Argo's Go program does (`echo` writes to stderr); argosay:v1 has cowsay."""

from __future__ import annotations

from tests.containers import engine_call, run_engine


def test_busybox_runs_its_applets(busybox_img):
    for tag in busybox_img.tags:
        assert run_engine("run", "--rm", "--pull=never", tag, "echo", "hello") == "hello\n"
    out = run_engine("run", "--rm", "--pull=never", "alpine:3.23", "sh", "-c",
                     "stat -c %a /tmp; id -un; readlink /bin/sh; echo $PATH")
    assert out.splitlines() == ["1777", "root", "busybox",
                                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]


def test_python_prints_its_version(python_img):
    for tag in python_img.tags:
        out = run_engine("run", "--rm", "--pull=never", tag, "python3", "--version")
        assert out.startswith("Python 3."), out
    # No command: the image's own CMD (python3) reads the program from stdin.
    assert run_engine("run", "--rm", "-i", "--pull=never", "python:3.12",
                      stdin=b"print(6 * 7)\n") == "42\n"


def test_argosay_entrypoint_is_plaits_argosay(argosay_img):
    # Like Argo's Go program: `echo` prints to stderr, `echo TEXT FILE` writes the file.
    proc = engine_call("run", "--rm", "--pull=never", "argoproj/argosay:v2", "echo", "hello")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"hello\n")
    out = run_engine("run", "--rm", "--pull=never", "--entrypoint", "/bin/sh",
                     "argoproj/argosay:v2", "-c", "/argosay echo hi /tmp/f && cat /tmp/f")
    assert out == "hi"


def test_argosay_v1_runs_cowsay(argosay_v1_img):
    out = run_engine("run", "--rm", "--pull=never", "argoproj/argosay:v1", "cowsay", "hello")
    assert "< hello >" in out
