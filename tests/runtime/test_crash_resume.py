"""Surviving a crash (issue #5): the detached runner of a 20-step workflow is killed with
SIGKILL at a random point, then `plait resume` continues from the store. Every workflow must
end Succeeded, every step must have run, and no step the store recorded as Succeeded at the
kill may run again (each step appends one line to a marker file through a hostPath volume).

The last step waits for a `go` file that the test writes only after the kill, so however slow
the machine, the kill lands while the run is still going (anywhere from the first step to the
last) and never after it has Succeeded.

The trials run at the same time (one thread each), so ten of them take about as long as one.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

from plait.runtime.runs import pid_alive
from plait.runtime.store import Store
from plait.runtime.types import NodeType, Phase

from ..helpers import plait_process as plait

TRIALS = 10
STEPS = 20
LOST_LINE = "--- plait: the runner was lost; this node runs again ---"


def workflow(name: str, markers: Path) -> str:
    steps = "".join(f"    - - name: s{i}\n        template: mark\n"
                    f"        arguments: {{parameters: [{{name: n, value: '{i}'}}]}}\n"
                    for i in range(STEPS))
    return f"""\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  onExit: bye
  volumes:
  - name: m
    hostPath: {{path: {markers}}}
  templates:
  - name: main
    steps:
{steps}  - name: mark
    inputs: {{parameters: [{{name: n}}]}}
    container:
      image: busybox
      command: [sh, -c, "echo step-{{{{inputs.parameters.n}}}} >> /m/marker; echo ran; sleep 0.2;
        if [ {{{{inputs.parameters.n}}}} = {STEPS - 1} ]; then until [ -e /m/go ]; do sleep 0.05; done; fi"]
      volumeMounts: [{{name: m, mountPath: /m}}]
  - name: bye
    container:
      image: busybox
      command: [sh, -c, "echo exit-handler >> /m/marker"]
      volumeMounts: [{{name: m, mountPath: /m}}]
"""


def trial(home: Path, folder: Path, index: int, seed: int, report: dict) -> None:
    name = f"crash-{index}"
    markers = folder / name
    markers.mkdir()
    path = folder / f"{name}.yaml"
    path.write_text(workflow(name, markers), encoding="utf-8")
    rng = random.Random(seed)
    store = Store.at(home)
    try:
        done = plait(home, "submit", str(path))
        assert done.returncode == 0 and done.stdout == f"{name}\n", done.stderr
        # kill at a random moment after the first step starts; the gated last step keeps the run going
        deadline = time.monotonic() + 30
        while not any(n.type is NodeType.POD for n in store.nodes(name).values()):
            assert time.monotonic() < deadline, "the runner never started a step"
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, STEPS * 0.2 * 0.5))    # the steps before the gate take ~4-5 s
        row = store.workflow(name)
        pid = row.runner_pid
        # never signal pid 0 (the whole process group): the runner must be recorded and running
        assert row.phase is Phase.RUNNING and pid and pid > 0 and pid_alive(pid), row
        os.kill(pid, signal.SIGKILL)
        while pid_alive(pid):
            time.sleep(0.02)
    finally:
        (markers / "go").touch()                      # the gate opens only once the runner is gone
    at_kill = {n.display_name: n.phase for n in store.nodes(name).values()
               if n.type is NodeType.POD}
    listed = plait(home, "list").stdout
    lost = [line for line in listed.splitlines() if line.startswith(name + " ")]
    resumed = plait(home, "resume", name, "--wait", timeout=120)
    report[index] = (at_kill, lost, resumed, markers)


def test_sigkill_then_resume_never_reruns_succeeded_steps(tmp_path):
    home = tmp_path / "home"
    report: dict = {}
    errors: list = []
    seed = random.randrange(1 << 30)

    def guarded(i: int) -> None:
        try:
            trial(home, tmp_path, i, seed + i, report)
        except BaseException as exc:  # surfaced below, with the seed
            errors.append((i, exc))

    Store.at(home)                                # one process creates the file first
    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(TRIALS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, f"seed {seed}: {errors}"
    store = Store.at(home)
    killed_while_running = 0
    for i in range(TRIALS):
        at_kill, lost, resumed, markers = report[i]
        name = f"crash-{i}"
        log = home / "runners" / f"{name}.log"
        context = (f"seed {seed + i}, {name}, at kill: {at_kill}\n{resumed.stdout}{resumed.stderr}"
                   f"runner log:\n{log.read_text() if log.exists() else '(none)'}")
        assert lost and "Running (runner lost)" in lost[0], (lost, context)
        assert resumed.returncode == 0, context
        row = store.workflow(name)
        assert row.phase is Phase.SUCCEEDED, context
        lines = (markers / "marker").read_text().split()
        for step in range(STEPS):
            ran = lines.count(f"step-{step}")
            if at_kill.get(f"s{step}") is Phase.SUCCEEDED:
                assert ran == 1, f"s{step} succeeded before the kill but ran {ran} times; {context}"
            else:
                assert 1 <= ran <= 2, f"s{step} ran {ran} times; {context}"
        assert lines.count("exit-handler") == 1, context
        nodes = store.nodes(name)
        assert all(n.phase is Phase.SUCCEEDED for n in nodes.values() if n.type is NodeType.POD)
        for n in nodes.values():
            if n.type is NodeType.POD and at_kill.get(n.display_name) is Phase.RUNNING:
                killed_while_running += 1
                log = store.log_path(name, n.pod_name).read_text().splitlines()
                assert LOST_LINE in log and log[-1] == "ran", (log, context)
    assert killed_while_running >= 1, "no trial killed the runner while a step ran"
