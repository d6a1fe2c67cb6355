"""Messages that used to mislead (issue 11), each with a golden: `tests/fixtures/msg/*.yaml`
gives `*.out`; standard input, SARIF for code scanning, duplicate WorkflowTemplates across
files, and byte-identical `compile`/`dot` output of a file with generateName."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from plait.cli import main
from plait.compiler.check import check_paths
from plait.compiler.report import format_text

from ..conftest import ROOT, golden

MSG = sorted((ROOT / "tests/fixtures/msg").glob("*.yaml"))


def render(path: Path) -> str:
    report = check_paths([str(path.relative_to(ROOT))], templates=[])
    return format_text(report.diagnostics, snippets=False) + "\n"


@pytest.mark.parametrize("path", MSG, ids=lambda p: p.stem)
def test_message_golden(path: Path, update_golden: bool):
    golden(path.with_suffix(".out"), render(path), update_golden)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_dash_reads_standard_input(capsys, monkeypatch):
    text = (ROOT / "tests/fixtures/err/pl130_misspelt_kind.yaml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    code, out, err = run(capsys, "check", "--no-snippet", "-")
    assert code == 1
    assert out.startswith("<stdin>:2:7: error: unknown kind 'Workflows'")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert run(capsys, "check", "-", "-")[0] == 2          # stdin only once


def test_a_chart_template_of_another_kind_is_skipped_with_a_note(capsys, tmp_path):
    chart = tmp_path / "deployment.yaml"
    chart.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                     "  name: {{ include \"x.fullname\" . }}\nspec:\n  {{- with .Values.x }}\n"
                     "  replicas: 1\n  {{- end }}\n")
    code, out, err = run(capsys, "check", str(chart))
    assert (code, out) == (0, "") and "Helm template of no Argo workflow, skipped" in err


def test_template_actions_inside_block_scalars_are_text(tmp_path):
    wf = tmp_path / "wf.yaml"
    wf.write_text("""\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: writes-a-chart-
spec:
  entrypoint: main
  templates:
  - name: main
    script:
      image: alpine
      command: [sh]
      source: |
        cat > chart/templates/cm.yaml <<'EOF'
        {{- if .Values.enabled }}
        data: {{ .Values.data }}
        {{- end }}
        EOF
""")
    codes = [d.code for d in check_paths([str(wf)]).diagnostics]
    assert "PL131" not in codes and "PL101" not in codes and "PL105" not in codes


def test_duplicate_workflow_template_across_files(tmp_path):
    text = (ROOT / "tests/fixtures/err/pl372_duplicate_workflow_template.yaml").read_text()
    first, second = text.split("---\n")
    (tmp_path / "a.yaml").write_text(first)
    (tmp_path / "b.yaml").write_text(second)
    diags = check_paths([str(tmp_path)]).diagnostics
    assert [(Path(d.file).name, d.code) for d in diags] == [("b.yaml", "PL372")]
    assert diags[0].message.endswith(f"already defined at {tmp_path / 'a.yaml'}:4")


def test_sarif_for_code_scanning(capsys):
    bad = "tests/fixtures/err/pl302_unknown_workflow_parameter.yaml"
    code, out, _ = run(capsys, "check", "--format", "sarif", bad)
    run_ = json.loads(out)["runs"][0]
    driver = run_["tool"]["driver"]
    assert "informationUri" not in driver                   # plait has no public home yet
    rule = driver["rules"][0]
    assert "helpUri" not in rule and rule["id"] == "PL302"
    assert rule["help"]["text"].startswith("What:") and "Fix:" in rule["help"]["text"]
    assert not rule["shortDescription"]["text"].endswith((".", " the", " a"))  # a whole phrase
    location = run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": bad, "uriBaseId": "%SRCROOT%"}
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"


@pytest.mark.parametrize("command", ["compile", "dot"])
def test_compile_and_dot_of_generate_name_are_byte_identical(capsys, command):
    first = run(capsys, command, "samples/hello.yaml")
    second = run(capsys, command, "samples/hello.yaml")
    assert first[0] == 0 and first[1] == second[1]
    assert "hello-" in first[1]
    if command == "compile":
        workflow = json.loads(first[1])["workflow"]
        assert workflow["generateName"] == "hello-" and "name" not in workflow
