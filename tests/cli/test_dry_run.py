"""`run`/`submit --dry-run` and `--server-dry-run` (issue 12, item 1): check and compile, print
the Workflow that would be submitted as Argo YAML (`argo submit --dry-run -o yaml`), store and
run nothing; exit 1 with findings."""

from __future__ import annotations

import re

import pytest
from ruamel.yaml import YAML

from ..helpers import cli, write

pytestmark = pytest.mark.usefixtures("plait_home")

HELLO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
  labels: {own: mine}
spec:
  entrypoint: main
  arguments:
    parameters: [{name: message, value: hi}]
  templates:
  - name: main
    container: {image: busybox, command: [echo, "{{workflow.parameters.message}}"]}
"""

# golden: what `argo submit --dry-run -o yaml` shows for these flags
DRY_RUN = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
  labels:
    own: mine
    team: data
    workflows.argoproj.io/controller-instanceid: i1
  namespace: argo
  annotations:
    note: hi
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: message
      value: yo
    - name: extra
      value: '1'
  templates:
  - name: main
    container:
      image: busybox
      command:
      - echo
      - '{{workflow.parameters.message}}'
  serviceAccountName: robot
  priority: 3
"""

FLAGS = ("-p", "message=yo", "-p", "extra=1", "-n", "argo", "-l", "team=data",
         "--annotations", "note=hi", "--serviceaccount", "robot", "--priority", "3",
         "--instanceid", "i1")


def _no_runs(capsys) -> None:
    code, out, _ = cli(capsys, "list", "-o", "name")
    assert code == 0 and out == ""


@pytest.mark.parametrize("verb", ["run", "submit"])
def test_dry_run_prints_the_submitted_workflow_and_runs_nothing(capsys, tmp_path, verb):
    path = write(tmp_path, "wf.yaml", HELLO)
    code, out, err = cli(capsys, verb, "--dry-run", *FLAGS, path)
    assert code == 0, err
    assert out == DRY_RUN
    assert "parameter 'extra' (-p) is not declared" in err      # added, with a warning
    _no_runs(capsys)


def test_server_dry_run_names_the_workflow_and_places_it(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", HELLO)
    code, out, err = cli(capsys, "submit", "--server-dry-run", path)
    assert code == 0, err
    meta = YAML(typ="safe").load(out)["metadata"]
    assert re.fullmatch(r"hello-[a-z0-9]{5}", meta["name"])
    assert meta["generateName"] == "hello-" and meta["namespace"] == "default"
    code, out, err = cli(capsys, "run", "--server-dry-run", "--name", "fixed", "-o", "json", path)
    assert code == 0, err
    assert '"name": "fixed"' in out
    _no_runs(capsys)


def test_dry_run_of_a_template_reference(capsys, tmp_path):
    lib = write(tmp_path, "common.yaml", """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: common}
spec:
  templates:
  - name: greet
    inputs: {parameters: [{name: who}]}
    container: {image: busybox, command: [echo, "hello {{inputs.parameters.who}}"]}
""")
    code, out, err = cli(capsys, "submit", "--dry-run", "--from", "workflowtemplate/common",
                         "--templates", lib, "--entrypoint", "greet", "-p", "who=x")
    assert code == 0, err
    assert out == """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: common-
spec:
  workflowTemplateRef:
    name: common
  entrypoint: greet
  arguments:
    parameters:
    - name: who
      value: x
"""
    _no_runs(capsys)


def test_dry_run_with_findings_exits_1(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", HELLO.replace("entrypoint: main", "entrypoint: mian"))
    code, out, err = cli(capsys, "run", "--dry-run", path)
    assert code == 1 and out == ""
    assert "[PL337]" in err
    _no_runs(capsys)


def test_dry_run_needs_a_workflow_file_not_a_plan(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", HELLO)
    plan = tmp_path / "wf.plan.json"
    assert cli(capsys, "compile", path, "-o", plan)[0] == 0
    code, out, err = cli(capsys, "submit", "--dry-run", plan)
    assert code == 2 and out == ""
    assert "a compiled plan is not one" in err
