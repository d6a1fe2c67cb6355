"""Issue 8, findings 6, 9 and 12 through `plait run`/`submit`: edited plan files, output caps
from the environment, and the pod folders left behind (`--keep-pods`)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from plait.cli import main
from plait.compiler.api import PlaitError
from plait.compiler.plan import Plan
from plait.compiler.plancodec import PlanError, decode_plan, encode_plan
from plait.runtime import run_async
from plait.runtime.api import run as plait_run
from plait.runtime.artifacts import ArtifactRepo
from plait.runtime.paths import UnsafePath, inside
from plait.runtime.store import Store
from plait.runtime.types import Phase

from ..helpers import cli as run

ARTIFACTS = "samples/artifacts.yaml"


@pytest.fixture(autouse=True)
def _home(plait_home: Path) -> Path:
    return plait_home


def compiled(tmp_path, name: str, source: str = ARTIFACTS) -> dict:
    path = tmp_path / f"{name}.json"
    assert main(["compile", source, "--name", name, "-o", str(path)]) == 0
    return json.loads(path.read_text())


def write_plan(tmp_path, data: dict) -> str:
    path = tmp_path / f"{data['workflow']['name']}-edited.json"
    path.write_text(json.dumps(data))
    return str(path)


def victim(tmp_path) -> Path:
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "keep.txt").write_text("precious")
    return folder


# -- finding 6: plan files are checked before they run ----------------------------------------

def test_edited_plan_with_a_climbing_artifact_name_is_a_usage_error(tmp_path, capsys, _home):
    folder = victim(tmp_path)
    data = compiled(tmp_path, "climb")
    # staging/<wf>/<pod>/<name>: four levels up from the staged file is the test's folder
    data["templates"]["consume"]["inputs"]["artifacts"][1]["name"] = "../../../../victim"
    code, out, err = run(capsys, "run", write_plan(tmp_path, data))
    assert code == 2
    assert "templates.consume.inputs.artifacts[1].name" in err and "../../../../victim" in err
    assert "Traceback" not in err
    assert (folder / "keep.txt").read_text() == "precious"
    assert not (_home / "plait.db").exists() or Store.at(_home).workflow("climb") is None


def test_edited_plan_reading_another_runs_artifact_is_a_usage_error(tmp_path, capsys, _home):
    code, _, err = run(capsys, "run", ARTIFACTS, "--name", "first")
    assert code == 0, err
    keys = [p.relative_to(_home / "artifacts").as_posix()
            for p in (_home / "artifacts" / "first").rglob("*") if p.is_file()]
    assert keys
    data = compiled(tmp_path, "thief")
    data["arguments"]["artifacts"] = [{"name": "report", "key": keys[0]}]
    code, out, err = run(capsys, "run", write_plan(tmp_path, data))
    assert code == 2
    assert "arguments.artifacts[0]" in err and "'key' was unexpected" in err


def test_other_plan_errors_name_their_field(tmp_path, capsys):
    data = compiled(tmp_path, "fields")
    data["workflow"]["name"] = "../etc"
    code, _, err = run(capsys, "run", write_plan(tmp_path, data))
    assert code == 2 and "workflow.name" in err and "Traceback" not in err
    data = compiled(tmp_path, "fields2")
    data["templates"]["generate"]["retry"] = "often"
    code, _, err = run(capsys, "run", write_plan(tmp_path, data))
    assert code == 2 and "templates.generate.retry" in err
    deep = tmp_path / "deep.json"
    deep.write_text('{"planVersion": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code, _, err = run(capsys, "run", str(deep))
    assert code == 2 and "not a readable plan" in err and "Traceback" not in err
    (tmp_path / "list.json").write_text('[{"planVersion": 1}]')
    code, _, err = run(capsys, "dot", str(tmp_path / "list.json"))
    assert code in (1, 2) and "Traceback" not in err


def _unchecked_plan(tmp_path, name: str, edit) -> Plan:
    """A plan built without the schema check: what the runtime does with names on its own."""
    data = compiled(tmp_path, name)
    edit(data)
    return decode_plan(data, validate=False)


def test_the_runtime_joins_no_unchecked_name_even_without_the_schema(tmp_path, _home):
    folder = victim(tmp_path)

    def climb(data):
        data["templates"]["consume"]["inputs"]["artifacts"][1]["name"] = "../../../../victim"
    with pytest.raises(PlanError):
        decode_plan(encode_plan(_unchecked_plan(tmp_path, "c1", climb)))
    result = asyncio.run(run_async(_unchecked_plan(tmp_path, "c2", climb), home=_home))
    assert result.phase is not Phase.SUCCEEDED
    assert any("cannot be used as a path" in n.message for n in result.nodes.values())
    assert (folder / "keep.txt").read_text() == "precious"

    assert asyncio.run(run_async(_unchecked_plan(tmp_path, "first", lambda d: None),
                                 home=_home)).phase is Phase.SUCCEEDED
    key = next(p for p in (_home / "artifacts" / "first").rglob("*") if p.is_file())
    key = key.relative_to(_home / "artifacts").as_posix()

    def steal(data):                  # the entrypoint's input artifact comes from the arguments
        data["arguments"]["artifacts"] = [{"name": "report", "key": key}]
        data["entrypoint"] = "consume"
    result = asyncio.run(run_async(_unchecked_plan(tmp_path, "thief", steal), home=_home))
    messages = " ".join(n.message for n in result.nodes.values())
    assert result.phase is not Phase.SUCCEEDED
    assert "does not belong to workflow 'thief'" in messages, messages


def test_inside_refuses_what_leaves_the_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    assert inside(root, "a", "b/c") == root / "a" / "b" / "c"
    for bad in ("..", "a/../..", "/etc", "", "a//b", "x\0y", "."):
        with pytest.raises(UnsafePath):
            inside(root, bad)
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(UnsafePath, match="symlink"):
        inside(root, "link", "x")
    repo = ArtifactRepo(root)
    with pytest.raises(Exception, match="does not belong"):
        repo.load("other/pod/a.tgz", tmp_path / "dest", workflow="mine")


# -- findings 9 and 12 through the CLI -------------------------------------------------------

PARAM = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: busybox
      command: [sh, -c, "head -c 2000 /dev/zero | tr '\\\\0' p > /tmp/p; echo raw > /tmp/r"]
    outputs:
      parameters:
      - name: p
        valueFrom: {{path: /tmp/p}}
      - name: r
        valueFrom: {{path: /tmp/r}}
"""


def _workflow(tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(PARAM.format(name=name))
    return str(path)


def test_an_output_parameter_over_its_cap_errors_the_node(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PLAIT_MAX_PARAMETER_BYTES", "1000")
    code, out, err = run(capsys, "run", _workflow(tmp_path, "big-param"), "-o", "json")
    assert code == 1
    wf = json.loads(out)
    assert "PLAIT_MAX_PARAMETER_BYTES" in wf["status"]["message"] or any(
        "PLAIT_MAX_PARAMETER_BYTES" in (n.get("message") or "") for n in wf["status"]["nodes"].values())


@pytest.mark.parametrize("variable", ["PLAIT_MAX_ARTIFACT_BYTES", "PLAIT_MAX_JSON_DEPTH",
                                      "PLAIT_MAX_JSON_BYTES", "PLAIT_MAX_LOOP_ITEMS",
                                      "PLAIT_MAX_NODES"])
def test_a_bad_cap_is_a_usage_error(tmp_path, capsys, monkeypatch, _home, variable):
    """docs/security.md: a cap that is not a positive number stops `run`/`submit` (exit 2)
    before anything is stored, rather than silently running with the default."""
    for bad in ("lots", "0"):
        monkeypatch.setenv(variable, bad)
        for verb in ("run", "submit"):
            code, _, err = run(capsys, verb, _workflow(tmp_path, f"bad-cap-{verb}"))
            assert code == 2 and f"{variable}={bad!r}" in err, err
        with pytest.raises(PlaitError, match=f"{variable}={bad!r}"):      # the Python API too
            plait_run(_workflow(tmp_path, "bad-cap-api"), home=_home)
    assert not (_home / "plait.db").exists() or Store.at(_home).list_workflows() == []


def test_pod_folders_and_staged_inputs_go_after_the_run(tmp_path, capsys, _home):
    code, _, err = run(capsys, "run", _workflow(tmp_path, "scratch"))
    assert code == 0, err
    assert not any((_home / "pods").iterdir()) if (_home / "pods").exists() else True
    code, _, err = run(capsys, "run", ARTIFACTS, "--name", "staged")
    assert code == 0, err
    leftovers = [p for p in (_home / "pods").rglob("*")] if (_home / "pods").exists() else []
    assert leftovers == []
    staged = [p for p in (_home / "staging").rglob("*") if p.is_file()] \
        if (_home / "staging").exists() else []
    assert staged == []


def test_keep_pods_keeps_them_for_debugging(tmp_path, capsys, _home):
    code, _, err = run(capsys, "run", _workflow(tmp_path, "kept"), "--keep-pods")
    assert code == 0, err
    raw = [p for p in (_home / "pods").rglob("*") if p.is_file() and p.read_bytes() == b"raw\n"]
    assert raw, "the raw parameter file stays with --keep-pods"


def test_submit_carries_keep_pods_to_the_runner(tmp_path, capsys, _home):
    code, out, err = run(capsys, "submit", _workflow(tmp_path, "kept-submit"), "--keep-pods", "--wait")
    assert code == 0, err
    assert Store.at(_home).workflow("kept-submit").options["keep_pods"] is True
    assert any(p.is_file() for p in (_home / "pods").rglob("*"))
    code, out, err = run(capsys, "submit", _workflow(tmp_path, "gone-submit"), "--wait")
    assert code == 0, err
    assert not [p for p in (_home / "pods").rglob("*") if "gone-submit" in str(p)]
