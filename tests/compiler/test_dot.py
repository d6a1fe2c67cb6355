"""`plait dot` and `compiler.dot.plan_to_dot`: golden DOT per workflow shape, and the CLI paths."""

from __future__ import annotations

import shutil
import subprocess

import pydot
import pytest

from plait.cli import main
from plait.compiler.compile import compile_file
from plait.compiler.dot import depends_edges, plan_to_dot

from ..conftest import ROOT, golden, need_examples

# pydot's parser uses pyparsing names that pyparsing 3.3 deprecates
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pydot")

GOLDEN = ROOT / "tests" / "golden" / "dot"
NAME = "golden"

# shape -> workflow file (relative to the repository root; None: Argo's examples)
SHAPES = {
    "steps": "samples/steps.yaml",
    "dag-diamond": "samples/dag-diamond.yaml",
    "dag-depends": "samples/dag-depends.yaml",
    "dag-nested": None,
    "loops": "samples/loops.yaml",
    "conditionals": "samples/conditionals.yaml",
    "coinflip-recursive": "samples/coinflip-recursive.yaml",
    "exit-handler": "samples/exit-handler.yaml",
}


def source(shape: str) -> str:
    path = SHAPES[shape]
    if path is None:
        return str(need_examples() / f"{shape}.yaml")
    return path


def dot_of(path: str) -> str:
    plan, diags = compile_file(path, name=NAME)
    assert plan is not None, [d for d in diags]
    return plan_to_dot(plan)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_golden(shape, update_golden):
    golden(GOLDEN / f"{shape}.dot", dot_of(source(shape)), update_golden)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_parses_back_and_is_deterministic(shape):
    text = dot_of(source(shape))
    assert text == dot_of(source(shape))
    graphs = pydot.graph_from_dot_data(text)
    assert graphs and len(graphs) == 1
    assert graphs[0].get_name() == NAME


def test_shapes_are_drawn_as_promised():
    steps = dot_of("samples/steps.yaml")
    assert "rank=same;" in steps
    loops = dot_of("samples/loops.yaml")
    assert 'label="scalars\\nprint-message\\n× 4"' in loops
    assert "× <<steps.generate.outputs.result>>" in loops
    assert "scalars(0" not in loops                      # one node per loop, not per item
    coin = dot_of("samples/coinflip-recursive.yaml")
    assert 'label=recursion' in coin and "constraint=false" in coin
    exits = dot_of("samples/exit-handler.yaml")
    assert "subgraph cluster_onexit {" in exits
    depends = dot_of("samples/dag-depends.yaml")
    assert 'label="B.Failed"' in depends
    cond = dot_of("samples/conditionals.yaml")
    assert "style=dashed" in cond and 'label="<<steps.flip.outputs.result>> == tails"' in cond


def test_depends_labels():
    assert depends_edges("A && B") == [("A", None), ("B", None)]
    assert depends_edges("A && B.Failed") == [("A", None), ("B", "B.Failed")]
    assert depends_edges("(B || C) && !D.Succeeded") == [
        ("B", "B || C"), ("C", "B || C"), ("D", "!D.Succeeded")]
    assert depends_edges(None) == []


def test_cli_writes_stdout_and_file(capsys, tmp_path):
    assert main(["dot", "samples/dag-diamond.yaml", "--name", NAME]) == 0
    out = capsys.readouterr().out
    assert out == (GOLDEN / "dag-diamond.dot").read_text(encoding="utf-8")
    target = tmp_path / "g.dot"
    assert main(["dot", "samples/dag-diamond.yaml", "--name", NAME, "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == out


def test_plan_json_gives_same_dot(capsys, tmp_path):
    plan_file = tmp_path / "plan.json"
    assert main(["compile", "samples/coinflip-recursive.yaml", "--name", NAME,
                 "-o", str(plan_file)]) == 0
    assert main(["dot", str(plan_file)]) == 0
    from_plan = capsys.readouterr().out
    assert main(["dot", "samples/coinflip-recursive.yaml", "--name", NAME]) == 0
    assert capsys.readouterr().out == from_plan


def test_plan_json_refuses_compile_options(capsys, tmp_path):
    plan_file = tmp_path / "plan.json"
    assert main(["compile", "samples/hello.yaml", "--name", NAME, "-o", str(plan_file)]) == 0
    assert main(["dot", str(plan_file), "-p", "x=1"]) == 2
    assert "apply to a workflow file" in capsys.readouterr().err


def test_render_svg(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not installed; apt-get install graphviz")
    out = tmp_path / "g.svg"
    assert main(["dot", "samples/exit-handler.yaml", "--name", NAME,
                 "-o", str(out), "--render", "svg"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text


def test_goldens_render_cleanly():
    """Graphviz reads every golden without a warning."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not installed; apt-get install graphviz")
    for path in sorted(GOLDEN.glob("*.dot")):
        proc = subprocess.run(["dot", "-Tsvg"], input=path.read_bytes(), capture_output=True)
        assert proc.returncode == 0 and not proc.stderr, (path, proc.stderr)


def test_render_without_graphviz(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    assert main(["dot", "samples/steps.yaml", "-o", str(tmp_path / "g.png"), "--render", "png"]) == 2
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and "brew install graphviz" in err
    assert "Traceback" not in err
    assert not (tmp_path / "g.png").exists()


def test_render_without_output_writes_next_to_the_input(capsys, tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not installed; apt-get install graphviz")
    wf = tmp_path / "steps.yaml"
    shutil.copy(ROOT / "samples" / "steps.yaml", wf)
    assert main(["dot", str(wf), "--render", "svg"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == f"plait: wrote {tmp_path / 'steps.svg'}\n"
    assert (tmp_path / "steps.svg").read_text(encoding="utf-8").startswith("<?xml")


def test_missing_file(capsys):
    assert main(["dot", "no/such/file.yaml"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err


def test_not_a_workflow(capsys, tmp_path):
    other = tmp_path / "cm.yaml"
    other.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", encoding="utf-8")
    assert main(["dot", str(other)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    text = tmp_path / "notes.txt"
    text.write_text("just: [some\n", encoding="utf-8")
    assert main(["dot", str(text)]) in (1, 2)
    assert "Traceback" not in capsys.readouterr().err
    bad_plan = tmp_path / "plan.json"
    bad_plan.write_text('{"planVersion": 99}', encoding="utf-8")
    assert main(["dot", str(bad_plan)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_workflow_with_errors_exits_1(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: b\n"
                   "spec:\n  entrypoint: main\n  templates:\n    - name: main\n      steps:\n"
                   "        - - name: a\n            template: missing\n", encoding="utf-8")
    assert main(["dot", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "error" in captured.err and "Traceback" not in captured.err
