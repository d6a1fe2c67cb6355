"""Calls across files and command-line parameters (PL353, PL354, PL356, PL370, PL371):
what the golden fixtures cannot show, since they check one file without `-p`."""

from __future__ import annotations

from pathlib import Path

from plait.compiler.check import check_paths

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: caller-
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: env
      value: dev
      enum: [dev, prod]
  templates:
  - name: main
    steps:
    - - name: a
        templateRef:
          name: library
          template: {template}
"""

LIBRARY = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: library
spec:
  templates:
  - name: print-message
    inputs:
      parameters:
      - name: message
    container:
      image: busybox
      command: [echo, "{{inputs.parameters.message}}"]
"""


def _write(tmp_path: Path, template: str = "print-message") -> tuple[str, str]:
    wf, lib = tmp_path / "wf.yaml", tmp_path / "lib" / "library.yaml"
    lib.parent.mkdir()
    wf.write_text(WORKFLOW.format(template=template), encoding="utf-8")
    lib.write_text(LIBRARY, encoding="utf-8")
    return str(wf), str(lib.parent)


def codes(report) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in report.diagnostics]


def test_unknown_library_is_a_warning(tmp_path):
    wf, _ = _write(tmp_path)
    assert codes(check_paths([wf])) == [("PL353", 17, 17)]


def test_library_from_templates_option_checks_the_call(tmp_path):
    wf, lib = _write(tmp_path)
    assert codes(check_paths([wf], templates=[lib])) == [("PL356", 16, 9)]


def test_library_given_as_a_path_checks_the_template_name(tmp_path):
    wf, lib = _write(tmp_path, template="print-mesage")
    report = check_paths([wf, lib])
    assert codes(report) == [("PL354", 18, 21)]
    assert report.diagnostics[0].hint == "did you mean 'print-message'?"


def test_cli_parameters(tmp_path):
    wf, lib = _write(tmp_path)
    report = check_paths([wf], templates=[lib], parameters={"evn": "dev", "env": "staging"})
    found = [(d.code, d.line, d.column, d.hint) for d in report.diagnostics if d.code.startswith("PL37")]
    assert found == [("PL370", 7, 3, "did you mean 'env'?"),
                     ("PL371", 7, 3, "allowed values: dev, prod")]


def test_cli_parameters_ignore_workflow_templates(tmp_path):
    _, lib = _write(tmp_path)
    assert check_paths([lib], parameters={"anything": "x"}).diagnostics == []
