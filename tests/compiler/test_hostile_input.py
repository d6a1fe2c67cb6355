"""Hostile input to the checker, compiler and CLI (issue 8 #13): names, DOT text, exported
parameters, alias bombs and very large files. Each test performs the attack."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pydot
import pytest

from plait.cli import main
from plait.compiler.source import SourceText


@pytest.fixture(autouse=True)
def _home(plait_home):
    return plait_home


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


HELLO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: msg
      value: hi
  templates:
  - name: main
    container: {image: busybox, command: [echo, "<<workflow.parameters.msg>>"]}
"""


# --- --name is a Kubernetes object name -----------------------------------------------------

@pytest.mark.parametrize("name", ["../../etc", "a" * 64, "Upper", "x/y", "-dash", ""])
@pytest.mark.parametrize("verb", ["run", "submit", "compile"])
def test_bad_name_is_a_usage_error_and_stores_nothing(tmp_path, capsys, _home, name, verb):
    code, out, err = cli(capsys, verb, write(tmp_path, "wf.yaml", HELLO), "--name", name)
    assert code == 2
    assert "argument --name" in err
    assert not (_home / "plait.db").exists() or "hello" not in cli(capsys, "list")[1]
    assert not (tmp_path / "etc").exists()


def test_sixty_three_characters_are_accepted(tmp_path, capsys):
    code, out, err = cli(capsys, "compile", write(tmp_path, "wf.yaml", HELLO), "--name", "a" * 63)
    assert code == 0


# --- DOT strings cannot be broken out of -----------------------------------------------------

BREAKOUT = 'x\\" ]; evil [label="pwned'     # the text: x\" ]; evil [label="pwned


def _parse_dot(text: str) -> pydot.Dot:
    graphs = pydot.graph_from_dot_data(text)
    assert graphs and len(graphs) == 1, text
    return graphs[0]


def _render(text: str, tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not installed; apt-get install graphviz")
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "pwned" in done.stdout                 # shown as text, inside the label


def _no_evil_node(graph: pydot.Dot) -> None:
    names = set()
    stack = [graph]
    while stack:
        g = stack.pop()
        names |= {n.get_name().strip('"') for n in g.get_nodes()}
        stack.extend(g.get_subgraphs())
    assert "evil" not in names


def test_run_graph_escapes_display_names_and_messages(tmp_path, capsys):
    wf = write(tmp_path, "wf.yaml", f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: shown
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: a
                template: fail
          - name: fail
            metadata:
              annotations:
                workflows.argoproj.io/display-name: '{BREAKOUT}\\'
            container: {{image: busybox, command: [sh, -c, 'echo "{BREAKOUT}\\\\" >&2; exit 3']}}
        """)
    code, out, err = cli(capsys, "run", wf)
    assert code == 1
    code, text, err = cli(capsys, "dot", "shown")
    assert code == 0
    graph = _parse_dot(text)
    _no_evil_node(graph)
    labels = [n.get_label() for n in graph.get_nodes() if n.get_label()]
    assert any("pwned" in (label or "") for label in labels)
    _render(text, tmp_path)


def test_plan_graph_escapes_backslashes_in_conditions(tmp_path, capsys):
    wf = write(tmp_path, "wf.yaml", r"""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: cond
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - name: a
                template: echo
                when: '''{{workflow.name}}'' == ''x\" ]; evil [label="pwned\\'''
          - name: echo
            container: {image: busybox, command: [echo, hi]}
        """)
    code, out, err = cli(capsys, "check", wf)
    assert code == 0, out + err
    code, text, err = cli(capsys, "dot", wf)
    assert code == 0, err
    assert "pwned" in text
    graph = _parse_dot(text)
    _no_evil_node(graph)
    _render(text, tmp_path)


# --- compile --emit argo keeps -p values as data ---------------------------------------------

@pytest.mark.parametrize("value", ["<<workflow.name>>", "{{workflow.name}}", "a {{= 1 + 1 }} b"])
def test_parameter_values_do_not_become_live_argo_tags(tmp_path, capsys, value):
    code, out, err = cli(capsys, "compile", "--emit", "argo", write(tmp_path, "wf.yaml", HELLO),
                         "-p", f"msg={value}")
    assert code == 0, err
    from ruamel.yaml import YAML
    doc = YAML(typ="safe").load(out)
    exported = doc["spec"]["arguments"]["parameters"][0]["value"]
    # every tag in the exported value is an expression yielding a tag opener: rendering it
    # (Argo's single pass, or plait's) gives back exactly the value that was passed
    from plait.grammar import parse_template, render_template
    tmpl = parse_template(exported)
    assert all(getattr(p, "raw", "").startswith("{{='") for p in tmpl.parts if hasattr(p, "kind"))
    assert render_template(tmpl, {"workflow.name": "LIVE"}) == value


def test_parameter_file_values_are_data_too(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text("msg: '<<workflow.name>>'\n")
    code, out, err = cli(capsys, "compile", "--emit", "argo", write(tmp_path, "wf.yaml", HELLO),
                         "--parameter-file", str(params))
    assert code == 0, err
    assert "{{='<<'}}workflow.name>>" in out
    assert "{{workflow.name}}" not in out


# --- alias bombs and large files --------------------------------------------------------------

def _alias_bomb(tmp_path: Path) -> str:
    big = "x" * 2_000_000
    text = (HELLO.replace("  generateName: hello-\n",
                          f"  generateName: hello-\n  annotations:\n    big: &a \"{big}\"\n")
            + "    metadata:\n      labels:\n        l: [" + ", ".join(["*a"] * 10_000) + "]\n")
    return write(tmp_path, "bomb.yaml", text)


@pytest.mark.parametrize("verb", [["check"], ["compile"], ["dot"]])
def test_alias_bomb_of_one_large_scalar_is_refused(tmp_path, capsys, verb):
    code, out, err = cli(capsys, *verb, _alias_bomb(tmp_path))
    assert code == 1
    assert "aliases expand to 20,0" in out + err and "[PL104]" in out + err


def test_line_text_matches_the_lines_of_the_file():
    text = "a\nbb\n\nccc"
    src = SourceText("f", text)
    assert [src.line_text(i) for i in range(0, 6)] == ["", "a", "bb", "", "ccc", ""]
    assert SourceText("f", "x\n").line_text(2) == ""


def test_many_diagnostics_in_a_large_file_are_all_reported(tmp_path, capsys):
    """5 MB of workflow text, then a mistake on each of 2,000 lines: every diagnostic shows
    its own line (line offsets are computed once, not per diagnostic; the speed is measured
    by bench/hostile_yaml.py)."""
    steps = "".join(f"    - - name: s{i}\n        template: nowhere{i}\n" for i in range(2000))
    pad = "# " + "p" * 2000 + "\n"
    text = pad * 2400 + HELLO.replace("  templates:\n",
                                      "  templates:\n  - name: many\n    steps:\n" + steps)
    path = write(tmp_path, "large.yaml", text)
    assert Path(path).stat().st_size > 4_500_000
    code, out, err = cli(capsys, "check", path)
    assert code == 1
    assert out.count("[PL350]") == 2000
    assert " 6413 |         template: nowhere1999" in out


class _NoSplit(str):
    """A source text that may not be split again for each diagnostic (the quadratic way)."""

    def split(self, *args, **kwargs):
        raise AssertionError("the formatter split the whole file again")

    splitlines = split


def test_text_format_reads_each_line_from_offsets_computed_once():
    from plait.compiler.diagnostics import Diagnostic, Severity
    from plait.compiler.report import format_text
    text = _NoSplit("a: 1\nbb: 2\n\nccc: 3")
    diags = [Diagnostic("f.yaml", line, 1, line, 2, Severity.ERROR, "PL000", "m", None)
             for line in (4, 2, 1, 9)]
    out = format_text(diags, {"f.yaml": text})
    assert "    4 | ccc: 3" in out and "    2 | bb: 2" in out and "    1 | a: 1" in out
    assert "    9 |" not in out
