"""The argo user's habits through the CLI (issue 12): templates that cannot be resolved never
start a run, and no message shows a Python `None`."""

from __future__ import annotations

import json

import pytest

from plait.compiler.compile import compile_file
from plait.runtime import MemoryStore
from plait.runtime import run as run_plan
from plait.runtime.types import Phase

from ..helpers import cli, write
from ..runtime.fakes import Behaviour, FakeBackend, echo

pytestmark = pytest.mark.usefixtures("plait_home")

STEP_REF = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ref-
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        templateRef:
          name: nope
          template: hello
"""

WORKFLOW_REF = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ref-
spec:
  workflowTemplateRef:
    name: nope
"""

PL353 = "error: WorkflowTemplate 'nope' is not among the files checked; its use is not verified [PL353]"


def _no_runs(capsys) -> None:
    code, out, _ = cli(capsys, "list", "-o", "name")
    assert code == 0 and out == ""


@pytest.mark.parametrize("text", [STEP_REF, WORKFLOW_REF], ids=["templateRef", "workflowTemplateRef"])
@pytest.mark.parametrize("verb", ["run", "submit"])
def test_an_unresolved_reference_never_starts_a_run(capsys, tmp_path, verb, text):
    path = write(tmp_path, "wf.yaml", text)
    code, out, err = cli(capsys, "check", path)
    assert code == 0 and "warning: WorkflowTemplate 'nope'" in out + err   # check: a warning
    code, out, err = cli(capsys, verb, "--sandbox", "none", path)
    assert code == 1, err
    assert out == ""
    assert PL353 in err and "hint: pass the file that defines it, or --templates DIR" in err
    assert "None" not in err
    _no_runs(capsys)


def test_the_reference_resolves_with_templates(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", STEP_REF)
    lib = write(tmp_path, "lib.yaml", """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: nope}
spec:
  templates:
  - name: hello
    container: {image: busybox, command: [echo, hi]}
""")
    code, out, err = cli(capsys, "run", "--sandbox", "none", "--templates", lib, path)
    assert code == 0, err
    assert "Status:              Succeeded" in out


def test_a_compiled_plan_with_an_unresolved_reference_is_refused(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", STEP_REF)
    plan = tmp_path / "wf.plan.json"
    code, _, err = cli(capsys, "compile", path, "-o", plan)
    assert code == 0, err                 # compiling for a cluster that has it is fine
    code, out, err = cli(capsys, "run", "--sandbox", "none", plan)
    assert code == 1 and out == ""
    assert err == (f"{plan}: error: main.a: template reference nope.hello not found "
                   "(compile it with the file that defines it, or --templates DIR)\n")
    _no_runs(capsys)


def test_submit_from_an_unknown_template_names_the_flag_not_a_temporary_file(capsys, tmp_path):
    code, out, err = cli(capsys, "submit", "--sandbox", "none", "--from", "workflowtemplate/nope")
    assert code == 1 and out == ""
    assert err.startswith("--from workflowtemplate/nope:") and PL353 in err
    assert "plait-submit-" not in err and "None" not in err


def test_the_engine_names_an_unresolved_reference_without_none(tmp_path):
    """A plan that reached the engine anyway (the API): Argo's words, and the Error run says why."""
    plan, _ = compile_file(write(tmp_path, "wf.yaml", STEP_REF), name="ref")
    assert plan is not None
    result = run_plan(plan, FakeBackend(rules={"*": echo}), store=MemoryStore(tmp_path / "logs"),
                      home=tmp_path)
    step = next(n for n in result.nodes.values() if n.display_name == "a")
    assert step.phase is Phase.ERROR
    assert step.message == "template reference nope.hello not found"
    assert result.message and "None" not in result.message
    assert "None" not in json.dumps([n.message for n in result.nodes.values()])


def test_an_error_run_always_has_a_workflow_message(tmp_path):
    """A pod that errors without a word: the workflow's message still says what happened."""
    plan, _ = compile_file(write(tmp_path, "wf.yaml", """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: quiet}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox, command: [echo]}
"""))
    assert plan is not None
    backend = FakeBackend(rules={"*": Behaviour(phase=Phase.ERROR, message="")})
    result = run_plan(plan, backend, store=MemoryStore(tmp_path / "logs"), home=tmp_path)
    assert result.phase is Phase.ERROR
    assert result.message
