"""The public Python API (issue 13): plait.check / compile / run on paths, YAML text, dicts and
Hera objects; the Run views; errors as exceptions with diagnostics; `import plait` stays cheap;
the CLI's FILE.py[:NAME]."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import plait
from plait.compiler.diagnostics import Diagnostic, Severity

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "samples" / "hello.yaml"

STEPS = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
    "metadata": {"generateName": "api-"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": [
                [{"name": "make", "template": "make"}],
                [{"name": "use", "template": "say",
                  "arguments": {"parameters": [
                      {"name": "msg", "value": "{{steps.make.outputs.parameters.word}}"}]}},
                 {"name": "never", "template": "say", "when": "1 == 2",
                  "arguments": {"parameters": [{"name": "msg", "value": "no"}]}}],
            ]},
            {"name": "make", "script": {
                "image": "alpine", "command": ["sh"],
                "source": "printf plait > /tmp/word; mkdir -p /tmp/out; echo data > /tmp/out/f.txt; echo made"},
             "outputs": {"parameters": [{"name": "word", "valueFrom": {"path": "/tmp/word"}}],
                         "artifacts": [{"name": "file", "path": "/tmp/out/f.txt"}]}},
            {"name": "say", "inputs": {"parameters": [{"name": "msg"}]},
             "container": {"image": "alpine", "command": ["echo", "{{inputs.parameters.msg}}"]}},
        ],
    },
}


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_import_plait_loads_neither_compiler_nor_runtime():
    code = ("import sys, plait; print(sorted(m for m in sys.modules if m.startswith("
            "('plait.', 'ruamel', 'hera', 'lark', 'networkx', 'jsonschema', 'rich'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert {"check", "compile", "run", "Run", "PlaitError"} <= set(dir(plait))
    with pytest.raises(AttributeError):
        _ = plait.no_such_name


def test_check_a_path_text_dict_and_object():
    assert plait.check(str(HELLO)) == []
    assert plait.check(HELLO) == []                       # a Path
    assert plait.check(HELLO.read_text()) == []           # YAML text
    assert plait.check(STEPS) == []                       # a dict

    class HeraLike:
        def to_dict(self):
            return STEPS

    assert plait.check(HeraLike()) == []


def test_check_reports_findings_with_the_sources_label():
    bad = json.loads(json.dumps(STEPS))
    bad["spec"]["templates"][0]["steps"][1][0]["template"] = "sya"
    [diag] = plait.check(bad)
    assert isinstance(diag, Diagnostic)
    assert (diag.file, diag.code, diag.severity) == ("<dict>", "PL350", Severity.ERROR)
    [diag] = plait.check(textwrap.dedent(HELLO.read_text()).replace("message}}", "mesage}}")
                         .replace("message>>", "mesage>>"))
    assert diag.file == "<yaml>" and diag.code == "PL301" and diag.line == 20


def test_errors_are_exceptions_with_diagnostics():
    bad = json.loads(json.dumps(STEPS))
    bad["spec"]["entrypoint"] = "nope"
    with pytest.raises(plait.CheckError) as info:
        plait.compile(bad)
    assert [d.code for d in info.value.diagnostics] == ["PL337"]
    assert "<dict>:" in str(info.value) and "PL337" in str(info.value)
    with pytest.raises(plait.PlaitError, match="no such file"):
        plait.check("missing.yaml")
    with pytest.raises(plait.PlaitError, match="cannot read a workflow from a int"):
        plait.run(42)
    with pytest.raises(plait.PlaitError, match="no 'message2'|message2"):
        plait.compile(HELLO, parameters={"message2": "x"})


def test_compile_gives_the_plan():
    plan = plait.compile(HELLO, parameters={"message": "hi"}, name="hello-api")
    assert isinstance(plan, plait.Plan)
    assert plan.name == "hello-api" and plan.entrypoint == "hello"
    assert plan.arguments.parameters[0].value == "hi"
    assert plait.compile(STEPS).workflow.source == "<dict>"


def test_run_views(home):
    run = plait.run(STEPS, home=home, name="api-views")
    assert isinstance(run, plait.Run)
    assert (run.name, run.phase, run.message) == ("api-views", "Succeeded", "")
    assert run.duration is not None and run.duration >= 0
    assert run.started_at <= run.finished_at
    assert [n.display_name for n in run.steps] == ["make", "use", "never"] or \
        [n.display_name for n in run.steps] == ["make", "never", "use"]
    make, use = run.node("make"), run["use"]
    assert make.outputs.parameters == {"word": "plait"}
    assert make.outputs.result == "made" and make.outputs.exit_code == 0
    artifact = make.outputs.artifacts["file"]
    assert artifact.read_bytes() == b"data\n" and artifact.path.is_file()
    assert use.outputs.result == "plait" and use.inputs == {"msg": "plait"}
    assert make.finished_at <= use.started_at
    assert [n.display_name for n in run.skipped] == ["never"]
    assert run.failed == [] and run.node("never").skipped
    root = run.node("main")
    assert root.type == "Steps" and root.parent is None
    assert [c.type for c in root.children] == ["StepGroup"]      # Argo chains the groups
    assert use.parent.type == "StepGroup"
    assert run.node("api-views[1].use") is use and run.node("[1].use") is use
    assert run.node("main/use") is use
    assert use.logs() == "plait\n" and run.logs("use") == "plait\n"
    assert run.logs().splitlines() == [f"{make.pod_name}: made", f"{use.pod_name}: plait"]
    with pytest.raises(KeyError, match="has no node 'missing'"):
        run.node("missing")


def test_to_argo_status(home):
    run = plait.run(HELLO, home=home, parameters={"message": "argo"})
    status = run.to_argo_status()
    assert status["phase"] == "Succeeded"
    [node] = status["nodes"].values()
    assert node["type"] == "Pod" and node["outputs"]["result"] == "argo"
    assert run.to_argo()["metadata"]["name"] == run.name


def test_run_is_in_the_store_for_plait_get(home, monkeypatch):
    run = plait.run(HELLO, home=home)
    monkeypatch.setenv("PLAIT_HOME", str(home))
    from plait.cli import main

    assert main(["get", run.name]) == 0


def test_a_failed_run_is_a_run_and_secrets_are_masked(home):
    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
           "metadata": {"generateName": "sec-"},
           "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {
               "image": "alpine", "command": ["sh", "-c", "echo token=$TOKEN; exit 4"],
               "env": [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}}]}}]}}
    run = plait.run(doc, home=home, secrets={"s": {"t": "hunter2"}})
    assert run.phase == "Failed"
    [pod] = run.failed
    assert pod.outputs.exit_code == 4 and "exit code 4" in pod.message
    assert pod.logs() == "token=***\n"


def test_name_clash_is_an_error(home):
    plait.run(HELLO, home=home, name="same-name")
    with pytest.raises(plait.PlaitError, match="already exists"):
        plait.run(HELLO, home=home, name="same-name")


# -- Python modules: the API and the CLI ------------------------------------------------------

MODULE = '''
from hera.workflows import Steps, Workflow, WorkflowTemplate, script

@script()
def hello(who: str):
    print(f"hello {who}")

@script(constructor="runner")
def double(n: int) -> int:
    return 2 * n

with Workflow(generate_name="first-", entrypoint="main") as first:
    with Steps(name="main"):
        hello(arguments={"who": "first"})
        double(arguments={"n": 21})

with WorkflowTemplate(name="second", entrypoint="main") as second:
    with Steps(name="main"):
        hello(arguments={"who": "second"})
'''


@pytest.fixture
def module(tmp_path):
    pytest.importorskip("hera", reason="hera is not installed (plait[hera])")
    folder = tmp_path / "pkgdir"
    folder.mkdir()
    path = folder / "api_mod_under_test.py"
    path.write_text(MODULE)
    yield path
    sys.modules.pop("api_mod_under_test", None)


def test_python_module_references(module, home):
    run = plait.run(f"{module}:first", home=home)
    assert run.phase == "Succeeded", run.logs()
    assert run.node("hello").outputs.result == "hello first"
    assert run.node("double").outputs.result == "42"       # the runner imported the module in the pod
    run = plait.run(f"{module}:second", home=home)         # a WorkflowTemplate runs by reference
    assert run.node("hello").outputs.result == "hello second"
    # the module's only Workflow, its WorkflowTemplates available to templateRef
    assert plait.compile(str(module)).workflow.generate_name == "first-"
    two = module.with_name("two_workflows_under_test.py")
    two.write_text(MODULE.replace("WorkflowTemplate(name=\"second\"", "Workflow(name=\"second\""))
    with pytest.raises(plait.PlaitError, match="defines 2 workflows .first, second.: name one"):
        plait.compile(str(two))
    sys.modules.pop("two_workflows_under_test", None)
    with pytest.raises(plait.PlaitError, match="has no 'third'"):
        plait.check(f"{module}:third")
    assert all(d.severity is not Severity.ERROR for d in plait.check(str(module)))


def _cli(*args, home):
    env = {"PLAIT_HOME": str(home), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "plait", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT)


def test_cli_takes_python_modules(module, home):
    for verb in ("check", "compile", "dot"):
        proc = _cli(verb, f"{module}:first", home=home)
        assert proc.returncode == 0, proc.stderr
    assert '"entrypoint": "main"' in _cli("compile", f"{module}:first", home=home).stdout
    assert "digraph" in _cli("dot", f"{module}:first", home=home).stdout
    proc = _cli("run", f"{module}:first", home=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Succeeded" in proc.stdout and "double" in proc.stdout
    proc = _cli("run", str(module), home=home)            # the module's only Workflow
    assert proc.returncode == 0 and "first-" in proc.stdout
    proc = _cli("run", f"{module}:nothing", home=home)
    assert proc.returncode == 2 and "has no 'nothing'" in proc.stderr
    assert "Traceback" not in proc.stderr
