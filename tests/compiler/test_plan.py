"""The plan: golden plans, round-trip, determinism, the plan schema, and `plait compile`."""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path

import pytest

from plait.cli import main
from plait.compiler.compile import compile_file, compile_workflow
from plait.compiler.plan import Backoff, DagBody, Loop, Plan, Retry, When
from plait.compiler.plancodec import encode_io, read_plan, write_plan
from plait.compiler.planner import NAME_CHARS, item_description, loop_node_name

from ..conftest import EXAMPLES, ROOT, golden, need_examples

GOLDEN = ROOT / "tests" / "golden" / "plan"
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))
ARGO_EXAMPLES = ("steps", "dag-diamond", "loops", "loops-maps", "loops-sequence", "conditionals",
                 "coinflip-recursive", "exit-handlers", "retry-backoff", "global-parameters",
                 "parameter-aggregation")
PLAN_SCHEMA = ROOT / "compiler" / "plan.schema.json"


def rel(path: Path) -> str:
    return os.path.relpath(path, ROOT)


def cases() -> list:
    out = [pytest.param(rel(p), f"sample-{p.stem}", id=f"sample-{p.stem}") for p in SAMPLES]
    out += [pytest.param(rel(EXAMPLES / f"{n}.yaml"), f"argo-{n}", id=f"argo-{n}")
            for n in ARGO_EXAMPLES]
    return out


def plan_of(path: str, **kwargs) -> Plan:
    if path.startswith(rel(EXAMPLES)):
        need_examples()
    plan, diags = compile_file(path, **kwargs)
    errors = [d for d in diags if d.severity.value == "error"]
    assert plan is not None and not errors, errors
    return plan


@pytest.mark.parametrize("path,name", cases())
def test_golden_plan(path, name, update_golden):
    plan = plan_of(path, name=name)
    # the golden files name the examples where the default PLAIT_ARGO_EXAMPLES finds them
    text = write_plan(plan).replace(f'"{rel(EXAMPLES)}/', '"../shared/argo/examples/')
    golden(GOLDEN / f"{name}.json", text, update_golden)


@pytest.mark.parametrize("path,name", cases())
def test_round_trip_deterministic_and_valid(path, name):
    import jsonschema

    plan = plan_of(path, name=name)
    text = write_plan(plan)
    assert read_plan(text) == plan
    assert write_plan(read_plan(text)) == text
    assert write_plan(plan_of(path, name=name)) == text          # same inputs, same bytes
    schema = json.loads(PLAN_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(json.loads(text))


def test_plan_schema_is_a_valid_schema():
    import jsonschema

    schema = json.loads(PLAN_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_from_json_refuses_other_versions():
    plan = plan_of("samples/hello.yaml", name="h")
    data = json.loads(write_plan(plan))
    data["planVersion"] = 2
    with pytest.raises(ValueError, match="planVersion"):
        read_plan(json.dumps(data))


def test_no_secret_values():
    text = write_plan(plan_of("samples/secrets.yaml", name="s"))
    assert "secretKeyRef" in text


# --- what the planner resolves ------------------------------------------------------------

def test_generate_name_stays_in_the_plan_and_a_run_adds_five_random_chars():
    plan = plan_of("samples/hello.yaml")
    assert plan.name == "" and plan.workflow.name is None
    assert plan.workflow.generate_name == "hello-"
    assert write_plan(plan_of("samples/hello.yaml")) == write_plan(plan)   # deterministic
    named = plan.named()
    assert re.fullmatch(f"hello-[{NAME_CHARS}]{{5}}", named.name)
    assert named.named() is named and plan.named("given").name == "given"
    import jsonschema
    schema = json.loads(PLAN_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(json.loads(write_plan(plan)))


def test_parameters_override_spec_arguments():
    plan = plan_of("samples/hello.yaml", name="h", parameters={"message": "hi"})
    assert encode_io(plan.arguments)["parameters"] == [{"name": "message", "value": "hi"}]


def test_parameter_file(tmp_path):
    pf = tmp_path / "p.yaml"
    pf.write_text("message: from-file\n")
    plan = plan_of("samples/hello.yaml", name="h", parameter_file=str(pf))
    assert plan.arguments.parameters[0].value == "from-file"


def test_entrypoint_override():
    plan = plan_of("samples/loops.yaml", name="l", entrypoint="gen-list")
    assert plan.entrypoint == "gen-list" and set(plan.templates) == {"gen-list"}


def test_loop_node_names():
    assert loop_node_name("step", 0, "a") == "step(0:a)"
    assert item_description({"b": 2, "a": "x"}) == "a:x,b:2"
    assert item_description(["a", "b"]) == "[a b]"
    assert item_description("f(x)") == "fx"
    assert item_description(True) == "true"
    plan = plan_of("samples/loops.yaml", name="l")
    steps = {s.name: s for s in plan.templates["main"].children}
    assert [i.name for i in steps["range"].loop.items] == [
        "range(0:v10)", "range(1:v09)", "range(2:v08)"]
    assert [i.name for i in steps["count"].loop.items] == [
        "count(0:0)", "count(1:1)", "count(2:2)"]
    assert steps["maps"].loop.items[0].name == "maps(0:os:debian,version:12)"
    assert steps["fan-out"].loop == Loop("param", text="<<steps.generate.outputs.result>>",
                                         producers=("generate",))


def test_dependencies_become_depends():
    plan = plan_of("samples/dag-diamond.yaml", name="d")
    dag = next(t for t in plan.templates.values() if t.kind == "dag")
    tasks = {t.name: t for t in dag.children}
    assert tasks["D"].depends == "B && C"
    assert tasks["D"].producers == ("B", "C")
    assert tasks["A"].depends is None
    assert isinstance(dag.body, DagBody) and dag.body.target == ("D",)


def test_durations_are_seconds():
    plan = plan_of("samples/retries.yaml", name="r")
    retry = plan.templates["fails-twice"].retry
    assert retry == Retry(limit=3, policy="OnFailure",
                          backoff=Backoff(duration=0.1, factor=2, cap=1, max_duration=30))
    assert plan.templates["exit-code-rule"].retry.policy == "Always"


def test_template_defaults_merged_under_templates():
    plan = plan_of("samples/scripts.yaml", name="s")
    for t in plan.templates.values():
        assert t.retry.limit == 1
        assert t.settings.metadata["labels"]["plait.dev/sample"] == "scripts"


def test_template_ref_resolved():
    plan = plan_of("samples/templateref.yaml", name="t")
    step = plan.templates["main"].children[0]
    assert step.template == "plait-sample-library/greet"
    assert plan.templates["plait-sample-library/greet"].library == "plait-sample-library"


def test_recursion_is_lazy():
    plan = plan_of("samples/coinflip-recursive.yaml", name="c")
    assert plan.recursive and plan.max_depth == 100
    for name in plan.recursive:
        assert name in plan.call_graph


def test_when_folded_on_known_values():
    plan = plan_of("samples/conditionals.yaml", name="c")
    steps = {s.name: s for s in plan.templates["main"].children}
    assert steps["on-heads"].when == When("<<steps.flip.outputs.result>> == heads",
                                          producers=("flip",))
    assert steps["feature-branch"].when.static is True
    other = plan_of("samples/conditionals.yaml", name="c", parameters={"branch": "main"})
    steps = {s.name: s for s in other.templates["main"].children}
    assert steps["feature-branch"].when.static is False


WFT_REF = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: lib
spec:
  entrypoint: hello
  arguments:
    parameters:
      - name: who
        value: lib
  templates:
    - name: hello
      container:
        image: busybox
        args: [echo, "<<workflow.parameters.who>>"]
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ref-
spec:
  workflowTemplateRef:
    name: lib
"""


def test_workflow_template_ref(tmp_path):
    f = tmp_path / "wft.yaml"
    f.write_text(WFT_REF)
    plan = plan_of(str(f), name="r", parameters={"who": "me"})
    assert plan.entrypoint == "hello"
    assert encode_io(plan.arguments)["parameters"] == [{"name": "who", "value": "me"}]


def test_large_dag_compiles(tmp_path):
    """A 3,000-task chain plans every task (its speed is bench/compile_scale.py's to show)."""
    n = 3000
    tasks = "\n".join(f"      - name: t{i}\n        template: w\n"
                      + (f"        dependencies: [t{i - 1}]\n" if i else "") for i in range(n))
    text = ("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: big\nspec:\n"
            "  entrypoint: main\n  templates:\n  - name: w\n    container:\n      image: busybox\n"
            "  - name: main\n    dag:\n      tasks:\n" + textwrap.indent(tasks, "  "))
    path = tmp_path / "big.yaml"
    path.write_text(text)
    done = compile_workflow(str(path))
    assert done.plan is not None
    assert len(done.plan.templates["main"].children) == n


# --- the command line ---------------------------------------------------------------------

POSITIONED = re.compile(r"^\S+:\d+:\d+: error: .+ \[PL\d{3}\]$", re.M)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_compile_writes_plan(capsys):
    code, out, err = run(capsys, "compile", "samples/hello.yaml", "--name", "h", "-p", "message=yo")
    assert code == 0, err
    plan = read_plan(out)
    assert plan.name == "h" and plan.arguments.parameters[0].value == "yo"


def test_cli_compile_output_file(capsys, tmp_path):
    out_file = tmp_path / "plan.json"
    code, out, _ = run(capsys, "compile", "samples/hello.yaml", "--name", "h", "-o", str(out_file))
    assert code == 0 and out == ""
    assert read_plan(out_file.read_text()).name == "h"


def test_cli_unknown_parameter(capsys):
    code, out, err = run(capsys, "compile", "samples/hello.yaml", "-p", "nope=1")
    assert code == 1 and out == ""
    assert POSITIONED.search(err) and "nope" in err


def test_cli_value_outside_enum(capsys):
    code, out, err = run(capsys, "compile", "samples/parameters.yaml", "-p", "log-level=loud")
    assert code == 1 and out == ""
    assert POSITIONED.search(err) and "loud" in err


def test_cli_missing_required_argument(capsys, tmp_path):
    f = tmp_path / "req.yaml"
    f.write_text(textwrap.dedent("""\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          generateName: req-
        spec:
          entrypoint: main
          arguments:
            parameters:
              - name: needed
          templates:
            - name: main
              container:
                image: busybox
                args: [echo, "<<workflow.parameters.needed>>"]
        """))
    code, out, err = run(capsys, "compile", str(f))
    assert code == 1 and out == ""
    assert POSITIONED.search(err) and "needed" in err
    code, out, err = run(capsys, "compile", str(f), "-p", "needed=x", "--name", "r")
    assert code == 0, err


def test_cli_parameter_file_not_a_map(capsys, tmp_path):
    pf = tmp_path / "p.yaml"
    pf.write_text("- a\n- b\n")
    code, out, err = run(capsys, "compile", "samples/hello.yaml", "--parameter-file", str(pf))
    assert code == 1 and out == ""
    assert POSITIONED.search(err) and "PL120" in err


def test_workflow_is_chosen_by_name(capsys, tmp_path):
    f = tmp_path / "two.yaml"
    hello = (ROOT / "samples" / "hello.yaml").read_text()
    f.write_text(hello + "---\n" + hello.replace("generateName: hello-", "name: second"))
    assert run(capsys, "compile", str(f))[0] == 2
    code, out, err = run(capsys, "compile", str(f), "--workflow", "second")
    assert code == 0, err
    assert read_plan(out).name == "second"


def test_cli_usage_errors(capsys, tmp_path):
    assert run(capsys, "compile", "samples/hello.yaml", "-p", "novalue")[0] == 2
    assert run(capsys, "compile", "samples/hello.yaml", "--entrypoint", "nope")[0] == 2
    assert run(capsys, "compile", "samples/hello.yaml", "--workflow", "other")[0] == 2
    assert run(capsys, "compile", "samples/nope.yaml")[0] == 2
    lib = tmp_path / "wft.yaml"          # a WorkflowTemplate alone compiles from its entrypoint
    lib.write_text(WFT_REF.split("---")[0])
    assert run(capsys, "compile", str(lib))[0] == 0
    lib.write_text(WFT_REF.split("---")[0].replace("  entrypoint: hello\n", ""))
    code, _, err = run(capsys, "compile", str(lib))
    assert code == 2 and "has no entrypoint: choose a template with --entrypoint (hello)" in err
