"""Parameters as `argo` takes them (issue 12, item 4), through the CLI: `run`/`submit` add an
undeclared `-p` with a warning (check keeps reporting it), `--entrypoint T` sends them to T's
inputs, `retry -p`/`resubmit -p` and `--parameter-file` override a run's parameters, and no
message points into a file plait wrote (`--from`, Python workflows)."""

from __future__ import annotations

import pytest

from ..helpers import cli, write

pytestmark = pytest.mark.usefixtures("plait_home")

GREETING = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  arguments:
    parameters: [{name: message, value: hi}]
  templates:
  - name: main
    container: {image: busybox, command: [echo, "{{workflow.parameters.message}}"]}
  - name: greet
    inputs:
      parameters: [{name: who}]
    container: {image: busybox, command: [echo, "hello {{inputs.parameters.who}}"]}
"""

COMMON = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: common
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox, command: [echo, main]}
  - name: greet
    inputs:
      parameters: [{name: who}]
    container: {image: busybox, command: [echo, "hello {{inputs.parameters.who}}"]}
"""

FLAKY = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: flaky
spec:
  entrypoint: main
  arguments:
    parameters: [{name: mode, value: bad}]
  templates:
  - name: main
    container: {image: busybox, command: [sh, -c, 'echo mode={{workflow.parameters.mode}}; test {{workflow.parameters.mode}} = ok']}
"""


def _logs(capsys, name: str) -> str:
    code, out, err = cli(capsys, "logs", name)
    assert code == 0, err
    return out


def test_run_adds_an_undeclared_parameter_with_a_warning_check_reports_it(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", GREETING)
    code, _, err = cli(capsys, "check", "-p", "mesage=yo", path)
    assert code == 1
    assert f"{path}:7:3: error: parameter 'mesage' (-p) is not declared in " \
           "spec.arguments.parameters [PL370]" in err + _
    code, out, err = cli(capsys, "run", "--sandbox", "none", "-p", "mesage=yo", path)
    assert code == 0, err
    assert (f"{path}:7:3: warning: parameter 'mesage' (-p) is not declared in "
            "spec.arguments.parameters [PL370]\n"
            "    7 |   arguments:\n"
            "      |   ^~~~~~~~~\n"
            "  hint: did you mean 'message'?\n") in err
    assert "  message:           hi\n  mesage:            yo\n" in out    # added, as Argo does
    name = out.splitlines()[0].split()[1]
    assert _logs(capsys, name) == f"{name}: hi\n"


def test_a_parameter_file_name_is_added_the_same_way(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", GREETING)
    values = write(tmp_path, "values.yaml", "message: from-file\nextra: 1\n")
    code, out, err = cli(capsys, "run", "--sandbox", "none", "-f", values, path)   # argo's -f
    assert code == 0, err
    assert f"parameter 'extra' (--parameter-file {values}) is not declared" in err
    assert "  extra:             1\n" in out
    name = out.splitlines()[0].split()[1]
    assert _logs(capsys, name) == f"{name}: from-file\n"


def test_a_name_in_both_the_parameter_file_and_p_is_refused(capsys, tmp_path):
    """argo submit appends the file's parameters after -p's, and a name given twice fails
    validation (not unique): exit 2, for every verb that takes both."""
    path = write(tmp_path, "wf.yaml", GREETING)
    values = write(tmp_path, "values.yaml", "message: from-file\n")
    for verb in (["run", "--sandbox", "none"], ["check"], ["compile"]):
        code, out, err = cli(capsys, *verb, "-f", values, "-p", "message=cli", path)
        assert code == 2, (verb, err)
        assert (f"parameter 'message' is given by -p and by --parameter-file {values}: argo "
                "refuses a duplicate name (give it once)") in err


def test_entrypoint_sends_parameters_to_the_templates_inputs(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", GREETING)
    code, out, err = cli(capsys, "run", "--sandbox", "none", "--entrypoint", "greet",
                         "-p", "who=x", path)
    assert code == 0, err
    assert "PL370" not in err and "PL418" not in err      # an input of T; T is called
    name = out.splitlines()[0].split()[1]
    assert _logs(capsys, name) == f"{name}: hello x\n"
    code, out, err = cli(capsys, "compile", "--emit", "argo", "--entrypoint", "greet",
                         "-p", "who=x", path)
    assert code == 0, err


def test_submit_from_a_template_with_entrypoint_and_parameters(capsys, tmp_path):
    common = write(tmp_path, "common.yaml", COMMON)
    code, out, err = cli(capsys, "submit", "--sandbox", "none", "--from", "workflowtemplate/common",
                         "--templates", common, "--entrypoint", "greet", "-p", "who=x", "--wait")
    assert code == 0, err
    name = out.splitlines()[0]
    assert err == f"plait: note: {name} runs UNSANDBOXED (--sandbox none): its pods can read " \
                  "and write what you can\n"            # and nothing else
    assert name.startswith("common-") and "Status:              Succeeded" in out
    assert _logs(capsys, name) == f"{name}: hello x\n"


def test_from_positions_name_the_stored_template_never_a_temporary_file(capsys, tmp_path):
    common = write(tmp_path, "common.yaml", COMMON)
    code, out, err = cli(capsys, "submit", "--sandbox", "none", "--from", "workflowtemplate/common",
                         "--templates", common, "-p", "who=x", "--wait")
    assert code == 0, err
    assert err.startswith(
        f"{common}:5:1: warning: parameter 'who' (-p) is not declared in "
        "spec.arguments.parameters [PL370]\n"
        "    5 | spec:\n"
        "      | ^~~~\n")
    assert "plait-submit-" not in err and ".from.yaml" not in err
    code, out, err = cli(capsys, "submit", "--sandbox", "none", "--from", "workflowtemplate/common",
                         "--templates", common, "--entrypoint", "nope")
    assert code == 2 and err == ("plait: error: --from workflowtemplate/common: entrypoint 'nope' "
                                 "is not a template of the workflow\n")
    code, out, err = cli(capsys, "submit", "--sandbox", "none", "--from", "workflowtemplate/nope")
    assert code == 1 and out == ""
    assert err == ("--from workflowtemplate/nope: error: WorkflowTemplate 'nope' is not among the "
                   "files checked; its use is not verified [PL353]\n"
                   "  hint: pass the file that defines it, or --templates DIR\n"
                   "1 error(s), 0 warning(s) in 1 file(s)\n")


def test_retry_and_resubmit_override_parameters_as_argo_does(capsys, tmp_path):
    path = write(tmp_path, "flaky.yaml", FLAKY)
    code, _, _ = cli(capsys, "run", "--sandbox", "none", path)
    assert code == 1
    code, out, err = cli(capsys, "retry", "flaky", "-p", "mdoe=x", "-p", "mode=ok", "--wait")
    assert code == 0, err
    assert err == ("plait: warning: flaky has no workflow parameter 'mdoe': added, as argo "
                   "retry adds it; did you mean 'mode'?\n")
    assert "  mode:              ok\n  mdoe:              x\n" in out
    assert _logs(capsys, "flaky") == ("flaky: mode=bad\n"
                                      "flaky: --- plait: retried; this node runs again ---\n"
                                      "flaky: mode=ok\n")
    values = write(tmp_path, "values.yaml", "mode: bad\n")
    code, out, err = cli(capsys, "resubmit", "flaky", "--name", "again", "--parameter-file", values,
                         "--wait")
    assert code == 1, err
    assert "Status:              Failed" in out and "  mode:              bad\n" in out
    assert _logs(capsys, "again") == "again: mode=bad\n"
    code, out, err = cli(capsys, "resubmit", "flaky", "--name", "third", "-p", "mode=ok", "--wait")
    assert code == 0, err


def test_a_bad_parameter_file_for_retry_is_a_finding(capsys, tmp_path):
    path = write(tmp_path, "flaky.yaml", FLAKY)
    cli(capsys, "run", "--sandbox", "none", path)
    values = write(tmp_path, "values.yaml", "- a list\n")
    code, out, err = cli(capsys, "retry", "flaky", "--parameter-file", values)
    assert code == 1 and out == ""
    assert f"{values}:1:1: error: parameter file must be a map of name: value, got a list [PL120]" \
        in err
    code, _, err = cli(capsys, "resubmit", "flaky", "-p", "novalue")
    assert code == 2 and "plait: error: -p expects name=value, got 'novalue'" in err


HERA = """\
from hera.workflows import Container, Parameter, Workflow

with Workflow(generate_name="hera-", entrypoint="main",
              arguments=[Parameter(name="message", value="hi")]) as wf:
    Container(name="main", image="busybox", command=["echo", "{{workflow.parameters.message}}"])
"""


def test_python_workflows_are_named_as_given_and_submit_runs_them(capsys, tmp_path):
    pytest.importorskip("hera", reason="hera is not installed (plait[hera])")
    module = write(tmp_path, "flow.py", HERA)
    for verb in ("check", "run"):
        code, out, err = cli(capsys, verb, "--sandbox", "none", "-p", "mesage=x", module) \
            if verb == "run" else cli(capsys, verb, "-p", "mesage=x", module)
        lines = [line for line in (out + err).splitlines() if "PL370" in line]
        assert len(lines) == 1 and lines[0].startswith(f"{module} (as YAML):"), out + err
        assert "  arguments:" in out + err                  # the YAML line is shown
        assert "plait-py-" not in out + err
    code, out, err = cli(capsys, "run", "--sandbox", "none", "--workflow", "x", module)
    assert code == 2 and err == (f"plait: error: {module} (as YAML): no document named 'x' "
                                 "(Workflow hera-)\n")
    code, out, err = cli(capsys, "submit", "--sandbox", "none", "--wait", "-p", "message=yo", module)
    assert code == 0, err
    name = out.splitlines()[0]
    assert name.startswith("hera-") and "Status:              Succeeded" in out
    assert _logs(capsys, name) == f"{name}: yo\n"


ENTRY_INPUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ent-
spec:
  entrypoint: greet
  templates:
  - name: greet
    inputs:
      parameters: [{name: who}]
    container: {image: busybox, command: [echo, "hello {{inputs.parameters.who}}"]}
"""


def test_a_p_name_reaches_the_entrypoints_inputs_as_argo_adds_it(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", ENTRY_INPUT)
    code, _, err = cli(capsys, "run", "--sandbox", "none", path)
    assert code == 1 and "[PL356]" in err                  # not supplied: refused before a run
    code, out, err = cli(capsys, "run", "--sandbox", "none", "-p", "who=x", path)
    assert code == 0, err
    assert "[PL356]" not in err and "warning: parameter 'who' (-p) is not declared" in err
    name = out.splitlines()[0].split()[1]
    assert _logs(capsys, name) == f"{name}: hello x\n"


def test_an_entrypoint_input_left_without_a_value_is_refused_before_a_run(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", GREETING)
    code, out, err = cli(capsys, "run", "--sandbox", "none", "--entrypoint", "greet", path)
    assert code == 1 and out == ""
    assert err.startswith(f"{path}:12:11: error: inputs.parameters.who was not supplied: the "
                          "entrypoint calls 'greet' without it [PL356]\n")
    common = write(tmp_path, "common.yaml", COMMON)
    code, out, err = cli(capsys, "submit", "--sandbox", "none", "--from", "workflowtemplate/common",
                         "--templates", common, "--entrypoint", "greet")
    assert code == 1 and out == ""
    assert err.startswith(f"{common}:10:11: error: inputs.parameters.who was not supplied: the "
                          "entrypoint calls 'common/greet' without it [PL356]\n")
    code, out, _ = cli(capsys, "list", "-o", "name")
    assert out == ""
