"""Set-up shared by the engine, resume and CLI tests: run `plait` in this process or as a child
process against a private `$PLAIT_HOME` (the `plait_home` fixture in conftest.py makes one),
write a workflow file, compile a workflow text, and wait for an event in the store."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable

from plait.cli import main
from plait.compiler.compile import compile_file
from plait.compiler.plan import Plan
from plait.runtime.store import Store
from plait.runtime.storeapi import WorkflowRow
from plait.runtime.types import Phase

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60.0          # seconds a test waits for a detached run before it gives up
HEADER = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: wf
spec:
"""                  # a workflow named wf: a test appends the spec's body


# Workflows that several run-control tests (CLI and library) start, stop and resume.

STOPPABLE = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: stoppable
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - name: long
        template: sleep
  - name: sleep
    container: {image: busybox, command: [sh, -c, "echo started; sleep 60"]}
  - name: bye
    container: {image: busybox, command: [sh, -c, "echo exit handler saw {{workflow.status}}"]}
"""

SUSPENDED = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: waits
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: approve
        template: approve
    - - name: after
        template: after
  - name: approve
    suspend: {}
  - name: after
    container: {image: busybox, command: [echo, approved]}
"""

def cli(capsys, *argv: Any) -> tuple[int, str, str]:
    """`plait ARGV` in this process: exit code, stdout and stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(folder: Path, name: str, text: str) -> str:
    """Write `text` to folder/name and return the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def compile_text(tmp_path: Path, text: str, name: str = "wf", **kw: Any) -> Plan:
    """Compile a workflow text (dedented) that must compile."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    plan, diags = compile_file(str(path), name=name, **kw)
    assert plan is not None, [str(d) for d in diags]
    return plan


def plait_env(home: Path) -> dict[str, str]:
    """This process's environment with `$PLAIT_HOME` set: what a child `plait` sees."""
    return dict(os.environ, PLAIT_HOME=str(home))


def plait_command(*argv: Any) -> list[str]:
    return [sys.executable, "-m", "plait", *map(str, argv)]


def plait_process(home: Path, *argv: Any, timeout: float = WAIT, **kw: Any) -> subprocess.CompletedProcess:
    """`plait ARGV` as a child process (text output captured), from the repository root."""
    return subprocess.run(plait_command(*argv), capture_output=True, text=True, env=plait_env(home),
                          cwd=ROOT, timeout=timeout, **kw)


def plait_popen(home: Path, *argv: Any) -> subprocess.Popen:
    """`plait ARGV` started as a child process; its stdout and stderr are text pipes."""
    return subprocess.Popen(plait_command(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=plait_env(home), cwd=ROOT)


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    """Poll `predicate` until it returns something true (bounded: fails after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def finished(home: Path, name: str) -> WorkflowRow:
    """Wait until workflow `name` in the store at `home` has ended; its row (the runner's log
    goes into the failure message when it does not end)."""
    store = Store.at(home)

    def done():
        row = store.workflow(name)
        return row if row and row.phase not in (Phase.PENDING, Phase.RUNNING) else None
    try:
        return wait_for(done, f"{name} to finish")
    except AssertionError:
        log = home / "runners" / f"{name}.log"
        raise AssertionError(f"{name} did not finish: {store.workflow(name)}\n"
                             f"{log.read_text() if log.exists() else '(no runner log)'}") from None
