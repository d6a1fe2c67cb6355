"""The plan codec (compiler/plancodec.py): typed records to and from the versioned plan JSON.

Every golden plan decodes into records and encodes back to the same bytes; the compiled plan
of every Argo example that compiles does too; a bad plan file is a `PlanError` that names the
field (and `plait run` exits 2 with it, never a traceback).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plait.cli import main
from plait.compiler.check import UsageError
from plait.compiler.compile import compile_file
from plait.compiler.plan import Artifact, DagBody, LeafBody, Parameter, StepsBody
from plait.compiler.plancodec import (
    PlanError,
    decode_io,
    decode_plan,
    encode_artifact,
    encode_io,
    encode_parameter,
    encode_plan,
    read_plan,
    write_plan,
)

from ..conftest import ROOT, need_examples

GOLDEN = sorted((ROOT / "tests" / "golden" / "plan").glob("*.json"))


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_golden_plan_round_trips_byte_identically(path: Path):
    text = path.read_text(encoding="utf-8")
    record = read_plan(text)
    assert write_plan(record) == text
    assert decode_plan(encode_plan(record)) == record


def test_every_compiled_argo_example_round_trips():
    examples = need_examples()
    done = 0
    for path in sorted(examples.glob("*.yaml")):
        try:
            plan, _ = compile_file(str(path))
        except UsageError:              # a file of WorkflowTemplates only, or several Workflows
            continue
        if plan is None:
            continue
        text = write_plan(plan.named("round-trip"))
        assert write_plan(read_plan(text)) == text, path.name
        done += 1
    assert done > 50


def test_records_carry_the_kind_specific_body():
    plan = read_plan((ROOT / "tests" / "golden" / "plan" / "sample-dag-depends.json")
                     .read_text(encoding="utf-8"))
    templates = plan.templates
    kinds = {t.kind: t for t in templates.values()}
    dag = kinds["dag"]
    assert isinstance(dag.body, DagBody) and dag.children == dag.body.tasks
    assert all(isinstance(t.body, LeafBody) for t in templates.values() if t.leaf
               and t.kind != "suspend")
    steps = read_plan((ROOT / "tests" / "golden" / "plan" / "sample-steps.json")
                      .read_text(encoding="utf-8"))
    main_steps = steps.templates[steps.entrypoint]
    assert isinstance(main_steps.body, StepsBody) and main_steps.children


@pytest.mark.parametrize("text, words", [
    ("{", "not JSON"),
    ("[1]", "a plan is a JSON object"),
    ('{"planVersion": 2}', "unsupported planVersion 2"),
    ("[" * 100_000 + "]" * 100_000, "not JSON"),
])
def test_a_bad_plan_text_is_a_plan_error(text, words):
    with pytest.raises(PlanError, match=words):
        read_plan(text)
    with pytest.raises(PlanError, match=words):
        read_plan(text)


def test_a_schema_violation_names_the_field():
    data = json.loads(GOLDEN[0].read_text(encoding="utf-8"))
    key = next(iter(data["templates"]))
    data["templates"][key]["retry"] = {"limit": 1, "policy": "Sometimes"}
    with pytest.raises(PlanError, match=rf"templates\.{key}\.retry\.policy"):
        decode_plan(data)


def test_a_hook_argument_that_is_no_object_is_a_plan_error(tmp_path, capsys):
    """A hook's arguments decode into an IO record: the schema checks their lists' items are
    objects, so a list there is named, not an AttributeError inside the codec."""
    data = json.loads((ROOT / "tests/golden/plan/sample-exit-handler.json").read_text(encoding="utf-8"))
    hook = data["templates"]["main"]["steps"][0][0]["hooks"]["exit"]
    hook["arguments"]["parameters"][0] = ["not", "an", "object"]
    with pytest.raises(PlanError, match=r"steps\[0\]\[0\]\.hooks\.exit\.arguments\.parameters\[0\]: "):
        decode_plan(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    code = main(["run", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "hooks.exit.arguments" in err and "Traceback" not in err


def test_plait_run_of_a_bad_plan_file_exits_2_without_a_traceback(tmp_path, capsys):
    data = json.loads(GOLDEN[0].read_text(encoding="utf-8"))
    data["templates"] = {"x": {"name": "x"}}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    code = main(["run", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "templates.x" in err and "Traceback" not in err


def test_parameters_and_artifacts_are_records_that_give_back_their_json():
    io = {"parameters": [{"valueFrom": {"path": "/tmp/x", "default": None}, "name": "p",
                          "globalName": "g", "x-extra": 1}],
          "artifacts": [{"path": "/in", "name": "a", "s3": {"key": "k"}, "archive": {"none": {}},
                         "recurseMode": True, "from": "{{steps.s.outputs.artifacts.o}}"}]}
    record = decode_io(io)
    p, a = record.parameters[0], record.artifacts[0]
    assert isinstance(p, Parameter) and isinstance(a, Artifact)
    assert (p.name, p.global_name, p.other) == ("p", "g", {"x-extra": 1})
    assert p.value_from is not None and p.value_from.path == "/tmp/x"
    assert p.value_from.default is None and p.value_from.has("default")
    assert not p.value_from.has("supplied")
    assert (a.name, a.path, a.from_, a.archive) == ("a", "/in", "{{steps.s.outputs.artifacts.o}}",
                                                    {"none": {}})
    assert a.source == {"s3": {"key": "k"}} and a.other == {"recurseMode": True}
    back = encode_io(record)
    assert back == io
    # key order as written (an artifact is passed on as a value), a written null included
    assert [list(x) for x in back["parameters"]] == [list(x) for x in io["parameters"]]
    assert list(back["parameters"][0]["valueFrom"]) == ["path", "default"]
    assert [list(x) for x in back["artifacts"]] == [list(x) for x in io["artifacts"]]
    assert encode_artifact(a) == io["artifacts"][0]
    # a record built in code encodes only what it sets
    assert encode_parameter(Parameter("n", value="1")) == {"name": "n", "value": "1"}
