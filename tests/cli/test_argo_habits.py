"""The argo user's habits through the CLI (issue 12): templates that cannot be resolved never
start a run, and no message shows a Python `None`."""

from __future__ import annotations

import json
import re
from argparse import Namespace

import pytest

from plait.commands.cluster import apply_cluster_options
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


# -- item 1: the cluster flags of `argo submit` ---------------------------------------------

ECHO_WORLD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: lab-
  labels: {own: mine}
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: busybox
      command: [echo, "ns={{workflow.namespace}} team={{workflow.labels.team}} \\
own={{workflow.labels.own}} note={{workflow.annotations.note}} \\
sa={{workflow.serviceAccountName}} prio={{workflow.priority}} \\
id={{workflow.labels.workflows.argoproj.io/controller-instanceid}}"]
"""

FLAGS = ["-n", "argo", "--serviceaccount", "robot", "-l", "team=data,x=1", "--annotations",
         "note=hi", "--priority", "3", "--instanceid", "i1", "--generate-name", "gen-"]
SEEN = "ns=argo team=data own=mine note=hi sa=robot prio=3 id=i1"


def _header(out: str) -> list[str]:
    return out.splitlines()[:3]


def test_run_applies_the_cluster_flags(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", ECHO_WORLD)
    code, out, err = cli(capsys, "run", "--sandbox", "none", *FLAGS, path)
    assert code == 0, err
    name = out.splitlines()[0].split()[1]
    assert name.startswith("gen-")
    assert _header(out)[1:] == ["Namespace:           argo", "ServiceAccount:      robot"]
    code, out, _ = cli(capsys, "logs", name)
    assert out == f"{name}: {SEEN}\n"
    code, out, _ = cli(capsys, "get", name)
    assert _header(out)[1:] == ["Namespace:           argo", "ServiceAccount:      robot"]
    for argv in (["get", name, "-o", "json"], ["list", "-o", "json"]):
        code, out, _ = cli(capsys, *argv)
        doc = json.loads(out)
        meta = (doc[0] if isinstance(doc, list) else doc)["metadata"]
        assert meta["namespace"] == "argo"
        assert meta["labels"] == {"own": "mine", "team": "data", "x": "1",
                                  "workflows.argoproj.io/controller-instanceid": "i1"}
        assert meta["annotations"]["note"] == "hi"


def test_submit_applies_the_cluster_flags(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", ECHO_WORLD)
    code, out, err = cli(capsys, "submit", "--sandbox", "none", *FLAGS, "--wait", path)
    assert code == 0, err
    name = out.splitlines()[0]
    assert name.startswith("gen-")
    code, out, _ = cli(capsys, "logs", name)
    assert out == f"{name}: {SEEN}\n"


def test_labels_the_workflow_relies_on_are_an_error_without_the_flag(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", ECHO_WORLD)
    code, _, err = cli(capsys, "run", "--sandbox", "none", path)
    assert code == 1
    assert "unknown variable 'workflow.labels.team': no label 'team' in the metadata [PL315]" in err


def test_client_flags_without_a_local_meaning_are_accepted_with_a_note(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", ECHO_WORLD.replace("team={{workflow.labels.team}}", "")
                 .replace("note={{workflow.annotations.note}}", "")
                 .replace("id={{workflow.labels.workflows.argoproj.io/controller-instanceid}}", ""))
    code, out, err = cli(capsys, "run", "--sandbox", "none", "--kubeconfig", "/nowhere",
                         "--context", "prod", "-k", "--server-dry-run-ignored", path)
    assert code == 2          # an unknown flag stays a usage error, printed with run's usage
    assert err.startswith("usage: plait run ")
    assert "plait run: error: unrecognized arguments: --server-dry-run-ignored" in err
    code, out, err = cli(capsys, "run", "--sandbox", "none", "--kubeconfig", "/nowhere",
                         "--context", "prod", "-k", path)
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("plait: note:")]
    assert notes == ["plait: note: --kubeconfig, --context, --insecure-skip-verify: no meaning on "
                     "this machine (accepted, ignored)"]


def test_a_bad_label_and_a_namespace_clash_are_refused(capsys, tmp_path):
    path = write(tmp_path, "wf.yaml", ECHO_WORLD.replace("  labels: {own: mine}",
                                                         "  namespace: team\n  labels: {own: mine}"))
    code, _, err = cli(capsys, "run", "--sandbox", "none", "-l", "team", path)
    assert code == 2 and "plait: error: -l/--labels 'team': expected KEY=VALUE" in err
    code, _, err = cli(capsys, "submit", "--sandbox", "none", *FLAGS, path)
    assert code == 2
    assert "plait: error: -n argo: the workflow's metadata.namespace is 'team'" in err
    _no_runs(capsys)


def test_a_usage_error_prints_the_verbs_usage(capsys):
    code, out, err = cli(capsys, "submit", "--bogus", "x.yaml")
    assert code == 2 and out == ""
    assert err.startswith("usage: plait submit ")
    assert err.rstrip().endswith("plait submit: error: unrecognized arguments: --bogus")


# -- item 2 (part): wait, watch @latest, did-you-mean, submit -o name -----------------------

QUICK = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: GEN-}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox, command: [sh, -c, "exit CODE"]}
"""


def _submit(capsys, tmp_path, prefix: str, code: int) -> str:
    path = write(tmp_path, f"{prefix}.yaml", QUICK.replace("GEN", prefix).replace("CODE", str(code)))
    rc, out, err = cli(capsys, "submit", "--sandbox", "none", "-o", "name", path)
    assert rc == 0, err
    assert re.fullmatch(rf"{prefix}-[a-z0-9]{{5}}\n", out)     # -o name: the name alone
    return out.strip()


def test_wait_exits_from_the_phases_as_argo_wait(capsys, tmp_path):
    good = _submit(capsys, tmp_path, "good", 0)
    bad = _submit(capsys, tmp_path, "bad", 3)
    code, out, err = cli(capsys, "wait", good)
    assert code == 0, err
    assert re.fullmatch(rf"{good} Succeeded at \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\n", out)
    code, out, err = cli(capsys, "wait", good, bad)
    assert code == 1, err
    assert sorted(line.split(" at ")[0] for line in out.splitlines()) == \
        [f"bad-{bad[4:]} Failed", f"{good} Succeeded"]


def test_wait_for_an_unknown_run(capsys, tmp_path):
    good = _submit(capsys, tmp_path, "good", 0)
    code, out, err = cli(capsys, "wait", good + "x")
    assert code == 1 and out == ""
    assert err == f"plait: error: no run named '{good}x'; did you mean '{good}'?\n"
    code, out, err = cli(capsys, "wait", "--ignore-not-found", "nothing-like-it", good)
    assert code == 0, err
    assert out.startswith(f"{good} Succeeded at ")


@pytest.mark.parametrize("verb", ["get", "logs", "watch", "stop"])
def test_an_unknown_run_name_gets_a_did_you_mean(capsys, tmp_path, verb):
    good = _submit(capsys, tmp_path, "good", 0)
    cli(capsys, "wait", good)
    code, out, err = cli(capsys, verb, good[:-1])
    assert code == 1 and out == ""
    assert err == f"plait: error: no run named '{good[:-1]}'; did you mean '{good}'?\n"
    code, _, err = cli(capsys, verb, "zzzzzzzz")
    assert code == 1 and err == "plait: error: no run named 'zzzzzzzz'\n"


def test_watch_without_a_name_follows_the_latest_run(capsys, tmp_path):
    code, _, err = cli(capsys, "watch")
    assert code == 1 and err == "plait: error: no runs yet\n"
    _submit(capsys, tmp_path, "first", 0)
    latest = _submit(capsys, tmp_path, "second", 3)
    code, out, _ = cli(capsys, "watch")
    assert code == 1
    assert out.splitlines()[0] == f"Name:                {latest}"
    assert "Status:              Failed" in out


def test_the_service_account_reaches_the_pod(tmp_path):
    """What `run --serviceaccount` applies (`apply_cluster_options`) is the pod's
    serviceAccountName, as Argo's controller writes it."""
    plan, _ = compile_file(write(tmp_path, "wf.yaml", QUICK.replace("GEN", "sa").replace("CODE", "0")))
    assert plan is not None
    args = Namespace(labels=["team=data"], annotations=[], instanceid=None, namespace="argo",
                     generate_name=None, serviceaccount="robot", priority=None)
    backend = FakeBackend(rules={"*": echo})
    result = run_plan(apply_cluster_options(plan, args), backend,
                      store=MemoryStore(tmp_path / "logs"), home=tmp_path)
    assert result.phase is Phase.SUCCEEDED
    pod = backend.pods[0].manifest
    assert pod["spec"]["serviceAccountName"] == "robot"
