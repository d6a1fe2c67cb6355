"""Hera workflows on the container backend (issue 13): their script templates run with the
image's Python, as on a cluster, never the host's. Hera's default script image (`python:3.10`)
is the test python image (tests/containers.py); the runner style (`constructor="runner"`)
needs an image holding Hera and the workflow's module: `python-hera:3.11`. Skipped (with the
reason) where no container engine works."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

pytest.importorskip("hera", reason="hera is not installed (pip install 'plait[hera]')")

import plait  # noqa: E402
from plait.testing import assert_node, assert_phase, assert_succeeded  # noqa: E402
from tests.helpers import finished, plait_process  # noqa: E402

from . import workflows as W  # noqa: E402

RUNNER = "hera.workflows.runner"


@pytest.fixture
def run(tmp_path, python_img):
    def go(workflow: Any, **options: Any) -> plait.Run:
        return plait.run(workflow, backend="container", home=tmp_path / "home", timeout=600,
                         **options)
    return go


def _scripts(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [t["script"] for t in doc["spec"]["templates"] if "script" in t]


def test_hera_scripts_keep_their_image_and_python(run):
    """The container backend runs Hera's own script: `python` of its default image."""
    workflow = W.typed_inputs()
    assert {s["image"] for s in _scripts(workflow.to_dict())} == {"python:3.10"}
    r = run(workflow)
    assert_node(r, "sum", result="7.5")
    assert r.node("sum").outputs.exit_code == 0


def test_dag_passes_an_output_parameter(run):
    r = run(W.dag_parameters())
    assert_succeeded(r)
    assert_node(r, "word", parameters={"word": "DAG"})
    assert_node(r, "use", result="DAG")


def test_a_failing_script_fails_as_in_argo(run):
    r = run(W.failing_step())
    assert_phase(r, "Failed")
    oops = r.node("oops")
    assert oops.phase == "Failed" and oops.outputs.exit_code == 3
    assert oops.logs().splitlines() == ["bad input"]


def _on_image(doc: dict[str, Any], image: str) -> dict[str, Any]:
    """`doc` with its runner scripts on `image` (as a user sets `image=` for them)."""
    doc = copy.deepcopy(doc)
    for body in _scripts(doc):
        if RUNNER in body.get("args", []):
            body["image"] = image
    return doc


def test_runner_scripts_run_in_an_image_with_hera(run, python_hera_img):
    r = run(_on_image(W.runner_scripts().to_dict(), python_hera_img.name))
    assert r.phase == "Succeeded", r.logs()
    assert_node(r, "add", result="42")
    assert_node(r, "show", result="42")
    assert r.node("summary").outputs.result.replace(" ", "") == '{"count":2,"first":"ada"}'


def test_runner_scripts_fail_clearly_in_an_image_without_hera(run):
    """As on a cluster: the image's Python says that it has no Hera; the node fails."""
    r = run(W.runner_scripts())
    assert_phase(r, "Failed")
    add = r.node("add")
    assert add.phase == "Failed" and add.outputs.exit_code == 1
    assert "No module named 'hera'" in add.logs()


MODULE = '''
from hera.workflows import Steps, Workflow, script

@script()
def shout(word: str):
    import sys
    print(word.upper(), sys.prefix)

with Workflow(generate_name="cli-", entrypoint="main") as wf:
    with Steps(name="main"):
        shout(name="shout", arguments={"word": "plait"})
'''


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "cli_container_flow.py"
    path.write_text(MODULE)
    return path


def test_cli_runs_a_hera_module_in_containers(tmp_path, python_img, module):
    proc = plait_process(tmp_path / "home", "run", "--backend", "container", "-o", "json",
                         f"{module}:wf", timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    nodes = {n["displayName"]: n for n in json.loads(proc.stdout)["status"]["nodes"].values()}
    assert nodes["shout"]["outputs"]["result"] == "PLAIT /usr"    # the image's Python, not ours


def test_cli_submits_a_hera_module_to_containers(tmp_path, python_img, module):
    home = tmp_path / "home"
    proc = plait_process(home, "submit", "--backend", "container", module, timeout=60)
    assert proc.returncode == 0, proc.stderr
    name = proc.stdout.splitlines()[0]
    assert finished(home, name).phase == "Succeeded"
    logs = plait_process(home, "logs", name).stdout
    assert logs.startswith(f"{name}-shout-") and logs.endswith(": PLAIT /usr\n"), logs
