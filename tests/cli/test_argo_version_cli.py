"""`--argo-version` beyond `check` (issue 11): a workflow written for Argo 3.x compiles, draws
and runs under `--argo-version 3.7` (or `argo-version = "3.7"` in [tool.plait]) as it checks,
its singular `synchronization.mutex`/`semaphore` planned as the v4 lists, and is refused with
the same one error per field under the default 4.1."""

from __future__ import annotations

import json

import pytest

import plait
from plait.compiler.argo_version import v4_synchronization
from plait.compiler.compile import compile_workflow

from ..conftest import ROOT
from ..helpers import cli as run
from ..helpers import write

ARGO3 = sorted((ROOT / "tests/fixtures/realworld/argo3").glob("*.yaml"))
RUNNABLE = [p for p in ARGO3 if "kind: Workflow\n" in p.read_text()]

# a 3.x workflow with both singular forms, and a v4 list beside one of them
LOCKED = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: locked
spec:
  entrypoint: main
  synchronization:
    mutex: {name: wf-lock}
  templates:
  - name: main
    synchronization:
      mutexes: [{name: first}]
      mutex: {name: second}
      semaphore:
        configMapKeyRef: {name: my-config, key: template}
    container: {image: busybox, command: [echo, locked]}
"""


def test_singular_locks_are_planned_as_the_v4_lists(tmp_path):
    path = write(tmp_path, "locked.yaml", LOCKED)
    refused = compile_workflow(path)                        # default 4.1
    assert refused.plan is None
    assert [d.code for d in refused.diagnostics] == ["PL210", "PL210", "PL210"]
    plan = compile_workflow(path, argo_version=(3, 7)).plan
    assert plan is not None
    assert plan.settings.other["synchronization"] == {"mutexes": [{"name": "wf-lock"}]}
    assert plan.templates["main"].settings.other["synchronization"] == {
        "mutexes": [{"name": "first"}, {"name": "second"}],
        "semaphores": [{"configMapKeyRef": {"name": "my-config", "key": "template"}}]}


def test_v4_synchronization_leaves_v4_settings_alone():
    settings = {"synchronization": {"mutexes": [{"name": "a"}]}, "parallelism": 2}
    assert v4_synchronization(settings) is settings
    assert v4_synchronization({}) == {}


@pytest.mark.parametrize("command", ["compile", "dot"])
@pytest.mark.parametrize("path", ARGO3, ids=lambda p: p.stem)
def test_compile_and_dot_take_argo_version(capsys, command, path):
    rel = str(path.relative_to(ROOT))
    code, out, err = run(capsys, command, rel)
    assert code == 1 and err.count("[PL210]") == 1 and out == ""
    code, out, err = run(capsys, command, rel, "--argo-version", "3.7")
    assert (code, err) == (0, "") and out


def test_compile_reads_argo_version_from_the_config(capsys, tmp_path, monkeypatch):
    path = write(tmp_path, "locked.yaml", LOCKED)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "compile", path)[0] == 1
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\nargo-version = "3.7"\n')
    code, out, err = run(capsys, "compile", path)
    assert code == 0, err
    assert json.loads(out)["settings"]["synchronization"] == {"mutexes": [{"name": "wf-lock"}]}
    assert run(capsys, "compile", path, "--argo-version", "4.1")[0] == 1   # the flag wins


def test_argo_version_applies_to_a_workflow_file_not_a_plan(capsys, tmp_path):
    plan = tmp_path / "plan.json"
    code, out, _ = run(capsys, "compile", "samples/hello.yaml")
    plan.write_text(out)
    code, _, err = run(capsys, "dot", str(plan), "--argo-version", "3.7")
    assert code == 2 and "--argo-version apply to a workflow file" in err


@pytest.mark.usefixtures("plait_home")
def test_a_3x_workflow_runs_under_argo_version_3_7(capsys, tmp_path):
    path = write(tmp_path, "locked.yaml", LOCKED)
    code, _, err = run(capsys, "run", path)
    assert code == 1 and err.count("[PL210]") == 3
    code, out, err = run(capsys, "run", path, "--argo-version", "3.7", "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["status"]["phase"] == "Succeeded"
    assert doc["status"]["nodes"]["locked"]["outputs"]["result"] == "locked"


@pytest.mark.usefixtures("plait_home")
@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: p.stem)
def test_every_3x_fixture_runs_under_3_7(capsys, path):
    code, out, err = run(capsys, "run", str(path.relative_to(ROOT)), "--argo-version", "3.7",
                         "-o", "json")
    assert code == 0, err
    assert json.loads(out)["status"]["phase"] == "Succeeded"


def test_the_python_api_takes_argo_version(tmp_path):
    assert [d.code for d in plait.check(LOCKED)] == ["PL210", "PL210", "PL210"]
    assert plait.check(LOCKED, argo_version="3.7") == []
    with pytest.raises(plait.CheckError):
        plait.compile(LOCKED)
    plan = plait.compile(LOCKED, argo_version="v3.7.2")
    assert plan.settings.other["synchronization"] == {"mutexes": [{"name": "wf-lock"}]}
    with pytest.raises(plait.PlaitError, match="unsupported Argo version '2.9'"):
        plait.check(LOCKED, argo_version="2.9")
    done = plait.run(LOCKED, argo_version="3.7", name="locked-api", home=tmp_path / "home")
    assert done.phase == "Succeeded" and done.node("main").phase == "Succeeded"
