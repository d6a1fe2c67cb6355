"""Small ones found in use (issue 12, item 8), through the CLI: the exit handler after `retry`,
the tree's last visible child, `plait dot NAME` (exit handler joined, messages and retries in the
picture, a narrow title instead of a legend node), the plan's legend under the drawing, and
`--render` without `-o`."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from plait.runtime.types import Node, NodeType, Phase
from plait.views import render_tree

from ..conftest import ROOT, golden
from ..helpers import cli, write

pytestmark = pytest.mark.usefixtures("plait_home")

GOLDEN = ROOT / "tests" / "golden" / "dot"

RICH = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: rich
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - name: first
        template: ok
    - - name: flaky
        template: flaky
        continueOn: {failed: true}
      - name: skipped
        template: ok
        when: "1 == 2"
    - - name: last
        template: ok
  - name: ok
    container: {image: busybox, command: [echo, hi]}
  - name: flaky
    retryStrategy: {limit: 1}
    container: {image: busybox, command: [sh, -c, "echo failing; exit 3"]}
  - name: bye
    container: {image: busybox, command: [echo, bye]}
"""


def _need_graphviz() -> str:
    exe = shutil.which("dot")
    if exe is None:
        pytest.skip("Graphviz 'dot' not installed; apt-get install graphviz")
    return exe


def test_the_exit_handler_after_retry_says_retried_not_lost(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", RICH.replace("continueOn: {failed: true}", "")
                 .replace("exit 3", "test {{workflow.parameters.mode}} = ok")
                 .replace("  onExit: bye\n", "  onExit: bye\n  arguments:\n"
                          "    parameters: [{name: mode, value: bad}]\n"))
    code, _, err = cli(capsys, "run", "--sandbox", "none", path)
    assert code == 1, err
    code, _, err = cli(capsys, "retry", "rich", "-p", "mode=ok", "--wait")
    assert code == 0, err
    code, out, _ = cli(capsys, "logs", "rich", "rich.onExit")
    lines = out.splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == \
        ["bye", "--- plait: retried; this node runs again ---", "bye"]
    assert "runner was lost" not in out


def test_the_last_visible_child_gets_the_corner_even_before_hidden_ones():
    t0 = 1_700_000_000.0
    wf = "w"

    def node(nid, display, typ, phase=Phase.SUCCEEDED, start=0.0, **kw):
        return Node(nid, f"{wf}.{display}" if nid != wf else wf, display, typ, "t", phase,
                    started_at=t0 + start, finished_at=t0 + start + 1, **kw)
    nodes = {n.id: n for n in (
        node(wf, wf, NodeType.DAG, children=["a", "b", "c"]),
        node("a", "a", NodeType.POD, start=1, boundary_id=wf, pod_name="w-a"),
        node("b", "b", NodeType.POD, start=2, boundary_id=wf, pod_name="w-b"),
        node("c", "c", NodeType.SKIPPED, Phase.OMITTED, start=3, boundary_id=wf))}
    assert render_tree(wf, nodes, now=t0 + 9) == (
        "STEP    TEMPLATE  PODNAME  DURATION  MESSAGE\n"
        " ✔ w    t\n"
        " ├─✔ a  t         w-a      1s\n"
        " └─✔ b  t         w-b      1s\n")


def _run_dot(capsys, tmp_path) -> str:
    code, out, err = cli(capsys, "run", "--sandbox", "none", write(tmp_path, "wf.yaml", RICH))
    assert code == 0, err
    code, text, err = cli(capsys, "dot", "rich")
    assert code == 0, err
    return text


def test_run_graph_golden(capsys, tmp_path, update_golden):
    """Messages and the retry mark in the labels, the exit handler joined to the last node,
    the title as the graph's label (durations normalised)."""
    text = _run_dot(capsys, tmp_path)
    text = re.sub(r"(Succeeded|Failed|Skipped) \d+s", r"\1 Ns", text)
    # lines sorted: nodes come in the order the run saved them, which parallel steps vary
    golden(GOLDEN / "run-rich.dot.sorted", "\n".join(sorted(text.splitlines())) + "\n",
           update_golden)
    assert 'label="flaky\\n(flaky)\\nFailed Ns\\n↻ retries: 1\\nNo more retries left"' in text
    assert "when '1 == 2' evaluated false" in text and "main: Error (exit code 3)" in text
    assert "legend" not in text and 'label="rich: Succeeded"' in text


def _positions(dot_exe: str, text: str) -> dict[str, tuple[float, float]]:
    """Each node's centre (x, y) as Graphviz lays it out (`-Tplain`)."""
    plain = subprocess.run([dot_exe, "-Tplain"], input=text, capture_output=True, text=True,
                           check=True).stdout
    return {parts[1].strip('"'): (float(parts[2]), float(parts[3]))
            for parts in (line.split() for line in plain.splitlines()) if parts[0] == "node"}


def test_the_plan_legend_is_one_row_under_the_drawing(capsys):
    dot_exe = _need_graphviz()
    code, text, err = cli(capsys, "dot", "samples/exit-handler.yaml")
    assert code == 0, err
    where = _positions(dot_exe, text)
    legend = {n: p for n, p in where.items() if n.startswith("legend_")}
    others = [p for n, p in where.items() if not n.startswith("legend_")]
    assert len(legend) == 3
    assert len({y for _, y in legend.values()}) == 1                 # one row
    assert max(y for _, y in legend.values()) < min(y for _, y in others)   # below (y grows up)


def test_the_exit_handler_is_joined_in_the_rendered_run(capsys, tmp_path, monkeypatch):
    dot_exe = _need_graphviz()
    text = _run_dot(capsys, tmp_path)
    edges = re.findall(r'^"?([\w-]+)"? -> "?([\w-]+)"?( \[.*\])?;$', text, re.M)
    into_exit = [(a, attrs) for a, b, attrs in edges if b.startswith("rich-") and
                 f'"{b}" [label="rich.onExit' in text]
    assert len(into_exit) == 1 and 'label="on exit"' in into_exit[0][1]
    assert f'"{into_exit[0][0]}" [label="last\\n(ok)' in text
    monkeypatch.chdir(tmp_path)            # --render without -o: NAME.svg here, and it says so
    code, out, err = cli(capsys, "dot", "@latest", "--render", "png")
    assert code == 0 and out == "" and err == "plait: wrote rich.png\n"
    assert (tmp_path / "rich.png").read_bytes().startswith(b"\x89PNG")
    assert dot_exe
