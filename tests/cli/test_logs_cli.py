"""`plait logs` as `argo logs` (issue #12 item 3): every stored line keeps its time, and
`--timestamps`, `--since`, `--since-time`, `--tail`, `-c`, `--grep`, `--no-color`, `POD|NODE` and
`-f` across a node's retries behave as Argo's do.

The golden outputs read a run recorded with fixed times (written by the engine's own log writer),
so they never change; the real runs check that the engine stamps lines, that `-f` picks up a
node's next attempts while it follows, and that a secret never shows, whatever the flags.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
from pathlib import Path

import pytest

from plait.commands import base as cli_base
from plait.runtime.logfiles import LogWriter
from plait.runtime.store import Store
from plait.runtime.types import Node, NodeType, Phase

from ..conftest import golden
from ..helpers import ROOT, finished, plait_command, plait_env, plait_popen, write
from ..helpers import cli as plait

GOLDEN = ROOT / "tests" / "golden" / "runs"
T0 = 1_700_000_000.0          # Tue Nov 14 22:13:20 2023 UTC
RUN = "recorded"


@pytest.fixture(autouse=True)
def home(plait_home: Path) -> Path:
    return plait_home


def _node(id_: str, display: str, type_: NodeType, start: float, end: float, children=(),
          pod: str | None = None, phase: Phase = Phase.SUCCEEDED) -> Node:
    name = RUN if id_ == RUN else f"{RUN}[0].{display}"
    return Node(id=id_, name=name, display_name=display, type=type_, template_name="t",
                phase=phase, started_at=T0 + start, finished_at=T0 + end,
                children=list(children), pod_name=pod)


# pod -> container -> [(seconds after T0, line)]; None: a log from before times were kept
LINES: dict[str, dict[str, list[tuple[float, str]] | None]] = {
    "recorded-prep-1": {"main": [(1.25, "prep: one"), (3.5, "prep: two"), (5.75, "token=***")],
                        "setup": [(1.0, "setup ran")]},
    "recorded-flaky-2": {"main": [(2.5, "attempt 0"), (4.0, "attempt 0 failed")]},
    "recorded-flaky-3": {"main": [(7.5, "attempt 1"), (8.125, "attempt 1 done")]},
    "recorded-old-4": {"main": None},
}


@pytest.fixture
def recorded(home: Path, monkeypatch) -> Store:
    """A finished run whose log lines have fixed times: `prep` (with an init container, setup),
    `flaky` retried once, and `old`, whose log was written before times were kept."""
    monkeypatch.setattr(cli_base, "now", lambda: T0 + 12)
    store = Store.at(home)
    store.create_workflow(RUN, "{}", {}, T0, phase=Phase.RUNNING)
    store.set_workflow(RUN, Phase.SUCCEEDED, "", T0 + 30)
    nodes = [
        _node(RUN, RUN, NodeType.STEPS, 0, 30, ["recorded-g"]),
        _node("recorded-g", "[0]", NodeType.STEP_GROUP, 0, 30,
              ["recorded-prep", "recorded-flaky", "recorded-old"]),
        # as in Argo, a step's children also name the next step: not the pods below it
        _node("recorded-prep", "prep", NodeType.POD, 1, 6, ["recorded-old"], pod="recorded-prep-1"),
        _node("recorded-flaky", "flaky", NodeType.RETRY, 2, 9, ["recorded-f0", "recorded-f1"]),
        _node("recorded-f0", "flaky(0)", NodeType.POD, 2, 5, pod="recorded-flaky-2",
              phase=Phase.FAILED),
        _node("recorded-f1", "flaky(1)", NodeType.POD, 7, 9, ["recorded-old"], pod="recorded-flaky-3"),
        _node("recorded-old", "old", NodeType.POD, 20, 21, pod="recorded-old-4"),
    ]
    for n in nodes:
        store.save_node(RUN, n)
    for pod, containers in LINES.items():
        for container, lines in containers.items():
            path = store.log_path(RUN, pod, container)
            if lines is None:
                path.write_text("from an older plait\nno times kept\n")
                continue
            writer = LogWriter(path)
            for at, text in lines:
                writer.write(text, T0 + at)
            writer.close()
    return store


# every flag on the recorded run; `now` is T0+12, so `--since 5s` starts at T0+7
GOLDEN_ARGS = [
    [],
    ["--timestamps"],
    ["--since", "5s"],
    ["--since-time", "2023-11-14T22:13:24Z"],               # T0+4, inclusive
    ["--since-time", "2023-11-14T23:13:27.5+01:00"],        # T0+7.5
    ["--tail", "1"],
    ["--since", "5s", "--tail", "1"],
    ["--grep", r"attempt \d+$"],
    ["--timestamps", "--grep", "T22:13:2[0-3]"],             # the time is part of the line
    ["flaky"],                                               # a retried node: every attempt
    ["prep"],
    ["flaky(1)"],
    ["recorded-flaky-2"],                                    # a pod name
    ["recorded-f1", "--timestamps"],                         # a node id
    ["prep", "-c", "setup", "--timestamps"],
    ["old", "--timestamps"],                                 # no times kept: its pod's start
    ["--no-color", "--tail", "1", "--grep", "0"],
]


def test_golden_logs_flags_on_recorded_times(capsys, recorded, update_golden):
    out = []
    for argv in GOLDEN_ARGS:
        code, text, err = plait(capsys, "logs", RUN, *argv)
        assert code == 0 and err == "", (argv, err)
        out.append(f"$ plait logs {RUN} {' '.join(argv)}".rstrip() + f"\n{text}")
    golden(GOLDEN / "logs-flags.out", "\n".join(out), update_golden)


def test_tail_counts_lines_per_pod_before_grep_filters_them(capsys, recorded):
    everything = plait(capsys, "logs", RUN)[1]
    assert plait(capsys, "logs", RUN, "--tail", "-1")[1] == everything       # Argo's default
    assert plait(capsys, "logs", RUN, "--tail", "100")[1] == everything
    assert plait(capsys, "logs", RUN, "--tail", "0") == (0, "", "")
    # prep's last line does not say "prep": nothing, though earlier lines do
    assert plait(capsys, "logs", RUN, "prep", "--tail", "1", "--grep", "prep") == (0, "", "")
    assert plait(capsys, "logs", RUN, "--since", "1h")[1] == everything
    assert plait(capsys, "logs", RUN, "--since", "0s")[1] == everything      # Argo: 0 is unset
    assert plait(capsys, "logs", RUN, "--since", "1h", "-f")[1] == everything   # ended: drains


@pytest.mark.parametrize("argv, message", [
    (["--since", "5s", "--since-time", "2023-11-14T22:13:24Z"], "only one of --since and --since-time"),
    (["--since-time", "yesterday"], "--since-time: 'yesterday' is not an RFC3339 time"),
    (["--since-time", "2023-11-14T22:13:24"], "is not an RFC3339 time"),      # no zone
    (["--since-time", "2023-13-14T22:13:24Z"], "is not an RFC3339 time"),
    (["--since", "later"], "--since: invalid duration 'later'"),
    (["--grep", "("], "--grep: invalid regular expression '('"),
    # Go's regexp (RE2), as argo's --grep: no look-ahead, no back-reference
    (["--grep", "a(?=b)"], "--grep: invalid regular expression 'a(?=b)': invalid perl operator"),
    (["--grep", r"(a)\1"], "--grep: invalid regular expression"),
    (["--tail", "x"], "invalid int value"),
])
def test_bad_flag_values_are_usage_errors(capsys, recorded, argv, message):
    code, out, err = plait(capsys, "logs", RUN, *argv)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_unknown_node_and_run_are_findings(capsys, recorded):
    assert plait(capsys, "logs", RUN, "nope") == \
        (1, "", "plait: error: run recorded has no pod node 'nope'\n")
    code, _, err = plait(capsys, "logs", "recordd")
    assert code == 1 and "did you mean 'recorded'?" in err


def _on_a_terminal(home: Path, *argv: str, **env: str) -> str:
    """`plait ARGV` with its stdout on a pseudo-terminal (NO_COLOR unset): what it printed."""
    environ = {k: v for k, v in plait_env(home).items() if k != "NO_COLOR"}
    environ.update(env)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(plait_command(*argv), stdout=follower, stderr=subprocess.PIPE,
                              env=environ, cwd=ROOT, timeout=60)
        os.close(follower)
        follower = -1
        assert proc.returncode == 0, proc.stderr
        data = b""
        while select.select([leader], [], [], 0.5)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:            # the terminal's other side is closed: all read
                break
            if not chunk:
                break
            data += chunk
        return data.decode().replace("\r\n", "\n")
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def test_a_terminal_gets_each_pods_colour_and_no_color_turns_it_off(home, recorded):
    colour = _on_a_terminal(home, "logs", RUN, "--tail", "1", TERM="xterm")
    # Argo's palette, picked by the sum of the pod name's characters
    assert colour == ("\x1b[35mrecorded-flaky-2: attempt 0 failed\x1b[0m\n"
                      "\x1b[34mrecorded-prep-1: token=***\x1b[0m\n"
                      "\x1b[36mrecorded-flaky-3: attempt 1 done\x1b[0m\n"
                      "\x1b[37mrecorded-old-4: no times kept\x1b[0m\n")
    plain = re.sub(r"\x1b\[\d+m", "", colour)
    assert _on_a_terminal(home, "logs", RUN, "--tail", "1", "--no-color", TERM="xterm") == plain
    assert _on_a_terminal(home, "logs", RUN, "--tail", "1", TERM="dumb") == plain


# -- real runs ---------------------------------------------------------------------------------

RETRIED = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: retried
spec:
  entrypoint: main
  volumes:
  - name: m
    hostPath: {path: MARKERS}
  templates:
  - name: main
    steps:
    - - name: flaky
        template: flaky
  - name: flaky
    retryStrategy: {limit: 3}
    initContainers:
    - {name: setup, image: busybox, command: [sh, -c, "echo setup of {{retries}}"]}
    container:
      image: busybox
      command: [sh, -c]
      args:
      - |
        echo attempt {{retries}}
        if [ {{retries}} = 0 ]; then while [ ! -e /m/go ]; do sleep 0.05; done; fi
        echo attempt {{retries}} ends
        test {{retries}} -ge 2
      volumeMounts: [{name: m, mountPath: /m}]
"""

STAMPED = re.compile(r"(retried-flaky-\d+): (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*)")


def _read_line(proc: subprocess.Popen, timeout: float = 60) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "no line from `plait logs -f`"
    return proc.stdout.readline()


def test_follow_picks_up_a_nodes_next_attempts_and_ends_with_the_run(capsys, home, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    path = write(tmp_path, "r.yaml", RETRIED.replace("MARKERS", str(markers)))
    code, out, err = plait(capsys, "submit", path)
    assert code == 0, out + err
    follower = plait_popen(home, "logs", "retried", "flaky", "-f")
    try:
        first = _read_line(follower)
        # attempt 0 waits for /m/go: the next attempts' pods do not exist yet
        assert first.endswith(": attempt 0\n"), first
        pods = {n.pod_name for n in Store.at(home).nodes("retried").values() if n.pod_name}
        assert len(pods) == 1
        (markers / "go").write_text("")
        rest, err = follower.communicate(timeout=60)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert follower.returncode == 0, err
    assert finished(home, "retried").phase is Phase.SUCCEEDED
    lines = (first + rest).splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == \
        ["attempt 0", "attempt 0 ends", "attempt 1", "attempt 1 ends", "attempt 2", "attempt 2 ends"]
    assert len({line.split(": ", 1)[0] for line in lines}) == 3          # one pod per attempt

    # the same, stored: each line with the engine's time, in order, inside the run's span
    code, out, _ = plait(capsys, "logs", "retried", "--timestamps")
    stamped = [STAMPED.fullmatch(line) for line in out.splitlines()]
    assert all(stamped), out
    times = [m.group(2) for m in stamped if m]
    assert times == sorted(times)
    assert [m.group(3) for m in stamped if m] == [line.split(": ", 1)[1] for line in lines]
    code, out, _ = plait(capsys, "logs", "retried", "flaky(2)", "-c", "setup")
    assert out.split(": ", 1)[1] == "setup of 2\n"
    assert plait(capsys, "logs", "retried", "--tail", "1", "--grep", "ends")[1].count("\n") == 3


SECRET = """\
apiVersion: v1
kind: Secret
metadata: {name: logs-secret}
stringData: {token: s3cr3t-t0ken-value}
"""

SHOWS_SECRET = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: shows-secret
spec:
  entrypoint: show
  templates:
  - name: show
    container:
      image: busybox
      command: [sh, -c, "echo before; echo token=$TOKEN; echo $TOKEN alone; echo after"]
      env:
      - name: TOKEN
        valueFrom: {secretKeyRef: {name: logs-secret, key: token}}
"""


SECRET_FLAGS = [
    [], ["--timestamps"], ["--tail", "2"], ["--since", "1h"], ["-f"], ["shows-secret"], ["-c", "main"],
    ["--grep", "s3cr3t"], ["--grep", "s3cr3t-t0ken-value"], ["--grep", "t0ken"],
    ["--grep", "token"], ["--grep", r"\*\*\*", "--timestamps", "-f"],
]


def test_a_secret_never_shows_whatever_the_flags(capsys, home, tmp_path):
    secrets = write(tmp_path, "secret.yaml", SECRET)
    code, out, err = plait(capsys, "run", write(tmp_path, "w.yaml", SHOWS_SECRET), "--secrets", secrets)
    assert code == 0, out + err
    shown = {}
    for argv in SECRET_FLAGS:
        code, out, err = plait(capsys, "logs", "shows-secret", *argv)
        assert code == 0, (argv, err)
        assert "s3cr3t" not in out + err and "t0ken" not in out + err, argv
        shown[" ".join(argv)] = [line.split(": ", 1)[1] for line in out.splitlines()]
    assert shown[""] == ["before", "token=***", "*** alone", "after"]
    # a pattern that matches the secret finds nothing: the stored lines never held it
    assert shown["--grep s3cr3t"] == shown["--grep s3cr3t-t0ken-value"] == shown["--grep t0ken"] == []
    assert shown["--grep token"] == ["token=***"]
    assert [line.split(" ", 1)[1] for line in shown[r"--grep \*\*\* --timestamps -f"]] == \
        ["token=***", "*** alone"]
    for path in home.rglob("*"):
        if path.is_file():
            assert b"s3cr3t-t0ken-value" not in path.read_bytes(), path


def test_a_follower_started_before_the_run_ends_sees_every_line_once(home, tmp_path):
    """`-f` while lines are being written: every line once, in order, each whole."""
    talk = write(tmp_path, "talk.yaml", """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: talks
spec:
  entrypoint: talk
  templates:
  - name: talk
    container: {image: busybox, command: [sh, -c, "for i in $(seq 1 40); do echo line-$i; sleep 0.02; done"]}
""")
    submit = subprocess.run(plait_command("submit", talk), env=plait_env(home), cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert submit.returncode == 0, submit.stderr
    follow = subprocess.run(plait_command("logs", "talks", "-f", "--timestamps"), env=plait_env(home),
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert follow.returncode == 0, follow.stderr
    texts = [line.split(" ", 2)[2] for line in follow.stdout.splitlines()]
    assert texts == [f"line-{i}" for i in range(1, 41)]
