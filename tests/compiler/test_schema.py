"""The schema stage: plait.schema.json (generated) and the fast validator in compiler/schema.py."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plait.compiler.diagnostics import Message, Span
from plait.compiler.schema import (
    SCHEMA_PATH,
    BadValue,
    MissingKey,
    UnknownKey,
    WrongApiVersion,
    WrongType,
    _Compiler,
    _Walker,
    plait_schema,
    validate,
)
from plait.compiler.source import Document, SourceText, load_file, load_text

from ..conftest import ROOT, SHARED, example_params, need_examples

ARGO_SCHEMA = SHARED / "argo" / "schema.json"


def doc_of(text: str) -> Document:
    loaded = load_text(textwrap.dedent(text), "t.yaml")
    assert len(loaded.documents) == 1, loaded.messages
    return loaded.documents[0]


def check(text: str) -> list[Message]:
    return validate(doc_of(text))


def kinds(text: str) -> list[type]:
    return [type(m) for m in check(text)]


def where(msg: Message) -> tuple[int, int]:
    return msg.span.line, msg.span.col


def wf(spec: str) -> str:
    """A Workflow document around an indented `spec` body."""
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: t-\n"
            "spec:\n" + textwrap.indent(textwrap.dedent(spec), "  "))


# --- the schema file --------------------------------------------------------------------

def test_schema_is_valid_against_its_metaschema():
    import jsonschema
    schema = plait_schema()
    jsonschema.validators.validator_for(schema).check_schema(schema)
    assert schema["$id"] and schema["title"]
    assert {r["if"]["properties"]["kind"]["const"] for r in schema["allOf"]} == {
        "Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"}


def test_schema_file_is_small():
    size = SCHEMA_PATH.stat().st_size
    print(f"\nplait.schema.json: {size:,} bytes")
    assert size < 400_000


def test_objects_with_fixed_properties_are_closed():
    for name, body in plait_schema()["definitions"].items():
        if "properties" in body:
            assert body.get("additionalProperties") is False, name


def _generator():
    spec = importlib.util.spec_from_file_location("gen_schema", ROOT / "tools" / "gen_schema.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_file_is_current():
    if not ARGO_SCHEMA.is_file():
        pytest.skip(f"Argo's schema not found at {ARGO_SCHEMA}")
    gen = _generator()
    argo = json.loads(ARGO_SCHEMA.read_text(encoding="utf-8"))
    first = gen.render(gen.build(argo))
    assert first == gen.render(gen.build(json.loads(ARGO_SCHEMA.read_text(encoding="utf-8"))))
    assert first == SCHEMA_PATH.read_text(encoding="utf-8"), "run tools/gen_schema.py"
    assert gen.main(["--check", "--argo", str(ARGO_SCHEMA), "--out", str(SCHEMA_PATH)]) == 0


@pytest.mark.parametrize("path", example_params())
def test_examples_are_valid_under_jsonschema(argo_examples, path):
    import jsonschema
    validator = jsonschema.Draft7Validator(plait_schema())
    for doc in load_file(str(path)).documents:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc.data)]
        assert errors == []


@pytest.mark.parametrize("path", example_params())
def test_examples_are_valid_under_fast_validator(argo_examples, path):
    for doc in load_file(str(path)).documents:
        assert [(m.code, m.text(), where(m)) for m in validate(doc)] == []


def test_examples_exist():
    assert len(list(need_examples().rglob("*.yaml"))) > 100


# --- unknown keys (PL201) ---------------------------------------------------------------

def test_unknown_key_in_spec_with_suggestion():
    [msg] = check(wf("""\
        entrypiont: main
        templates:
        - name: main
          container: {image: alpine}
        """))
    assert isinstance(msg, UnknownKey) and msg.code == "PL201"
    assert msg.text() == "unknown key 'entrypiont' in WorkflowSpec"
    assert msg.hint_text() == "did you mean 'entrypoint'?"
    assert msg.span == Span("t.yaml", 6, 3, 6, 13)


def test_unknown_key_in_template():
    [msg] = check(wf("""\
        entrypoint: main
        templates:
        - name: main
          containr:
            image: alpine
            imag: not-checked-under-an-unknown-key
        """))
    assert isinstance(msg, UnknownKey)
    assert msg.text() == "unknown key 'containr' in Template"
    assert msg.hint_text() == "did you mean 'container'?"
    assert where(msg) == (9, 5)


def test_misspelt_image_pull_policy_inside_container():
    [msg] = check(wf("""\
        entrypoint: main
        templates:
        - name: main
          container:
            image: alpine
            imagePulPolicy: Always
        """))
    assert isinstance(msg, UnknownKey) and msg.where == "Container"
    assert msg.suggestion == "imagePullPolicy"
    assert msg.span == Span("t.yaml", 11, 7, 11, 21)


def test_misspelt_loop_and_dependencies_in_dag_task():
    msgs = check(wf("""\
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - name: a
              template: work
              withItem: [1, 2]
            - name: b
              template: work
              dependecies: [a]
        - name: work
          container: {image: alpine}
        """))
    assert [(m.key, m.where, m.suggestion, where(m)) for m in msgs] == [
        ("withItem", "DAGTask", "withItems", (13, 9)),
        ("dependecies", "DAGTask", "dependencies", (16, 9)),
    ]


def test_typo_in_steps_and_in_metadata():
    msgs = check("""\
        apiVersion: argoproj.io/v1alpha1
        kind: WorkflowTemplate
        metadata:
          name: t
          lables: {a: b}
        spec:
          templates:
          - name: main
            steps:
            - - name: a
                templat: work
        """)
    assert [(m.key, m.where, m.suggestion) for m in msgs] == [
        ("lables", "ObjectMeta", "labels"), ("templat", "WorkflowStep", "template")]


def test_inline_templates_are_checked_at_any_depth():
    msgs = check(wf("""\
        templates:
        - name: a
          steps:
          - - name: s
              inline:
                steps:
                - - name: t
                    templat: x
                dag:
                  tasks:
                  - name: u
                    inline: {containr: {}}
        """))
    assert [(m.key, m.where, where(m)) for m in msgs] == [
        ("templat", "WorkflowStep", (13, 15)), ("containr", "InlineTemplate", (17, 24))]


def test_unknown_key_without_close_match_lists_allowed_keys():
    [msg] = check(wf("""\
        entrypoint: main
        templates:
        - name: main
          suspend: {zzzzzz: 1}
        """))
    assert msg.suggestion is None
    assert msg.hint_text() == "SuspendTemplate keys are: duration"


def test_free_form_maps_stay_free():
    assert check(wf("""\
        entrypoint: main
        nodeSelector: {anything/goes: "yes"}
        podMetadata: {labels: {whatever: x}, annotations: {"a.b/c": d}}
        templates:
        - name: main
          plugin: {my-plugin: {any: [thing, 1]}}
        - name: c
          container:
            image: alpine
            resources: {limits: {cpu: 1, memory: 1Gi, nvidia.com/gpu: "2"}}
        """)) == []


def test_cron_workflow_typo_in_workflow_spec():
    msgs = check("""\
        apiVersion: argoproj.io/v1alpha1
        kind: CronWorkflow
        metadata: {name: c}
        spec:
          schedules: ["* * * * *"]
          concurrencyPolicy: Forbidd
          workflowSpec:
            entrypoint: main
            templates:
            - name: main
              scirpt: {image: python, source: print(1)}
        """)
    assert [(m.code, where(m)) for m in msgs] == [("PL204", (6, 22)), ("PL201", (11, 7))]
    assert msgs[0].suggestion == "Forbid" and msgs[1].suggestion == "script"


# --- wrong types (PL202) ----------------------------------------------------------------

def test_wrong_type_string_for_list():
    [msg] = check(wf("""\
        entrypoint: main
        templates:
        - name: main
          container: {image: alpine, args: echo hi}
        """))
    assert isinstance(msg, WrongType) and msg.code == "PL202"
    assert msg.text() == "expected a list for 'args', got a string"
    assert msg.span == Span("t.yaml", 9, 38, 9, 45)


def test_wrong_type_of_list_item_and_mapping():
    msgs = check(wf("""\
        entrypoint: main
        templates:
        - name: main
          container:
            image: alpine
            command: [sh, 3]
          inputs: [a]
        """))
    assert [(type(m), m.field, m.got, where(m)) for m in msgs] == [
        (WrongType, "command[1]", "an integer", (11, 21)),
        (WrongType, "inputs", "a list", (12, 13)),
    ]


def test_numbers_accept_whole_tags_only():
    ok = check(wf("""\
        entrypoint: main
        parallelism: "{{workflow.parameters.p}}"
        activeDeadlineSeconds: <<workflow.parameters.deadline>>
        templates:
        - name: main
          parallelism: 2
          retryStrategy: {limit: "3", retryPolicy: "{{inputs.parameters.policy}}"}
          activeDeadlineSeconds: 5m
          container: {image: alpine, tty: "{{inputs.parameters.tty}}"}
        """))
    assert ok == []
    [msg] = check(wf("""\
        entrypoint: main
        parallelism: five
        templates: []
        """))
    assert isinstance(msg, WrongType) and msg.field == "parallelism"
    assert msg.expected.startswith("an integer")


def test_loop_items_and_parameter_values_accept_any_scalar():
    assert check(wf("""\
        entrypoint: main
        arguments:
          parameters:
          - {name: n, value: 3}
          - {name: b, value: true, enum: [true, false]}
          - {name: f, default: 1.5}
        templates:
        - name: main
          steps:
          - - name: a
              template: main
              withItems: [1, "two", {three: 3}, [4], true]
              withSequence: {count: "{{workflow.parameters.n}}", start: 1}
        """)) == []
    # a list as a value: Argo 3.x took it, 4.x does not (one PL210, see test_realworld.py)
    listed = doc_of(wf("""\
        arguments:
          parameters:
          - {name: n, value: [1, 2]}
        """))
    [msg] = validate(listed)
    assert msg.code == "PL210" and "parameter 'value'" in msg.text()
    assert validate(listed, (3, 7)) == []


def test_null_is_not_set():
    # Go decodes null as "not set": Argo accepts it (the empty template is PL512's business)
    assert check(wf("""\
        entrypoint: main
        templates:
        - name: main
          container:
        """)) == []


def test_empty_scalar_value_warns_and_required_null_is_missing():
    msgs = check(wf("""\
        entrypoint: main
        templates:
        - name:
          container:
            image:
            env: [{name: X, value: null}]
        """))
    assert [m.code for m in msgs] == ["PL203", "PL206"]     # name: missing; image: empty
    assert msgs[0].key == "name" and msgs[1].field == "image"


# --- missing keys (PL203) ---------------------------------------------------------------

def test_missing_template_and_parameter_names():
    msgs = check(wf("""\
        entrypoint: main
        templates:
        - container: {image: alpine}
          inputs:
            parameters:
            - value: x
        """))
    assert [(type(m), m.key, m.where, where(m)) for m in msgs] == [
        (MissingKey, "name", "Template", (8, 5)),
        (MissingKey, "name", "Parameter", (11, 9)),
    ]


def test_image_is_not_required_by_the_schema():
    assert check(wf("""\
        entrypoint: main
        templateDefaults: {container: {image: alpine}}
        templates:
        - name: main
          container: {command: [echo]}
        - name: s
          script: {source: print(1)}
        """)) == []


def test_missing_spec_at_document_start_and_missing_key_under_a_key():
    msgs = check("""\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: x}
        """)
    assert [(m.code, m.key, where(m)) for m in msgs] == [("PL203", "spec", (1, 1))]
    msgs = check(wf("""\
        entrypoint: main
        templates:
        - name: main
          memoize:
            key: k
        """))
    assert [(m.key, where(m)) for m in msgs] == [("cache", (9, 5)), ("maxAge", (9, 5))]


# --- values (PL204) and apiVersion (PL205) -----------------------------------------------

def test_bad_enum_values_with_suggestions():
    msgs = check(wf("""\
        entrypoint: main
        podGC: {strategy: OnPodSucces}
        templates:
        - name: main
          retryStrategy: {retryPolicy: onfailure}
          container: {image: alpine, imagePullPolicy: Alwayz}
        """))
    assert [(type(m), m.value, m.suggestion, where(m)) for m in msgs] == [
        (BadValue, "OnPodSucces", "OnPodSuccess", (7, 21)),
        (BadValue, "onfailure", "OnFailure", (10, 34)),
        (BadValue, "Alwayz", "Always", (11, 49)),
    ]
    assert msgs[2].text() == "invalid value 'Alwayz' for 'imagePullPolicy'"
    assert msgs[2].code == "PL204"


def test_enum_without_close_match_lists_allowed_values():
    [msg] = check(wf("""\
        entrypoint: main
        templates:
        - name: main
          resource: {action: zzz, manifest: x}
        """))
    assert msg.suggestion is None
    assert "'apply'" in msg.hint_text()


def test_wrong_api_version():
    msgs = check("""\
        apiVersion: argoproj.io/v1
        kind: Workflow
        metadata: {name: x}
        spec: {entrypoint: main}
        """)
    assert [(type(m), m.code, m.span) for m in msgs] == [
        (WrongApiVersion, "PL205", Span("t.yaml", 1, 13, 1, 27))]
    assert "argoproj.io/v1alpha1" in msgs[0].text()


def test_several_findings_in_one_document_are_all_reported():
    msgs = check(wf("""\
        entrypiont: main
        templates:
        - name: main
          containr: {image: alpine}
          container: {image: alpine, imagePullPolicy: Never, args: x}
        - name: other
          dag:
            tasks:
            - {name: a, dependecies: []}
        """))
    assert [m.code for m in msgs] == ["PL201", "PL201", "PL202", "PL201"]
    assert [m.span.line for m in msgs] == sorted(m.span.line for m in msgs)


# --- agreement with jsonschema ----------------------------------------------------------

BROKEN = [
    wf("entrypiont: main\n"),
    wf("templates: [{name: a, containr: {}}]\n"),
    wf("templates: [{name: a, container: {args: x}}]\n"),
    wf("templates: [{name: a, container: {imagePullPolicy: x}}]\n"),
    wf("parallelism: x\n"),
    wf("templates: [{container: {}}]\n"),
    "apiVersion: v1\nkind: Workflow\nmetadata: {}\nspec: {}\n",
]


@pytest.mark.parametrize("text", BROKEN)
def test_jsonschema_and_fast_validator_agree_on_broken_documents(text):
    import jsonschema
    doc = doc_of(text)
    assert list(jsonschema.Draft7Validator(plait_schema()).iter_errors(doc.data))
    assert validate(doc)


def test_alternatives_report_the_closest_branch():
    comp = _Compiler({"definitions": {}})
    node = comp.compile({"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "string"}}]}, "X")
    walker = _Walker("f", Span("f", 1, 1, 1, 2))
    walker.check([1], node, None, None, "v", 0)
    assert [type(m) for m in walker.messages] == [WrongType]
    walker = _Walker("f", Span("f", 1, 1, 1, 2))
    walker.check(["a"], node, None, None, "v", 0)
    assert walker.messages == []


# --- robustness ---------------------------------------------------------------------------

VOCAB = ["apiVersion", "kind", "metadata", "spec", "templates", "name", "container", "image",
         "args", "dag", "tasks", "steps", "dependencies", "arguments", "parameters", "value",
         "inline", "retryStrategy", "limit", "withItems", "parallelism", "labels", "resources",
         "limits", "imagePullPolicy", "workflowSpec", "schedules", "entrypoint", "inputs"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=8), st.sampled_from(["{{x}}", "<<y>>", "Always", "argoproj.io/v1alpha1"]))
keys = st.one_of(st.sampled_from(VOCAB), st.text(max_size=6), st.integers())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate",
                             "CronWorkflow", "Other", 3]),
       body=st.dictionaries(keys, values, max_size=6))
def test_any_data_gives_messages_never_an_exception(kind, body):
    data = dict(body)
    data["kind"] = kind
    doc = Document(SourceText("h.yaml", ""), data, 0)
    for msg in validate(doc):
        assert isinstance(msg.span, Span)
        assert msg.code.startswith("PL2")
        msg.text()
        msg.hint_text()


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=" -:[]{}\nabcdeiklmnoprst0123\"'", max_size=120))
def test_any_yaml_under_spec_gives_messages_never_an_exception(text):
    src = wf("templates:\n") + textwrap.indent(text, "  ")
    for doc in load_text(src, "h.yaml").documents:
        for msg in validate(doc):
            assert 1 <= msg.span.line <= src.count("\n") + 2


def test_message_classes_have_codes_and_docs():
    for cls, code in [(UnknownKey, "PL201"), (WrongType, "PL202"), (MissingKey, "PL203"),
                      (BadValue, "PL204"), (WrongApiVersion, "PL205")]:
        assert cls.code == code
        assert "What:" in cls.__doc__ and "Fix:" in cls.__doc__
        cls(Span("f", 1, 1, 1, 2)).text()


def test_fast_validator_does_not_import_jsonschema():
    out = subprocess.run(
        [sys.executable, "-c",
         "import sys; from compiler.schema import validate, _compiled; _compiled();"
         "print('jsonschema' in sys.modules)"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- speed --------------------------------------------------------------------------------

def big_dag(tasks: int = 10_000) -> str:
    """A Workflow whose one DAG has `tasks` tasks, each with dependencies and a parameter."""
    out = ["apiVersion: argoproj.io/v1alpha1", "kind: Workflow", "metadata:",
           "  generateName: big-dag-", "spec:", "  entrypoint: main", "  templates:",
           "  - name: main", "    dag:", "      tasks:"]
    for i in range(tasks):
        deps = ", ".join(f"process-shard-{j:05d}" for j in range(max(0, i - 2), i))
        out += [f"      - name: process-shard-{i:05d}",
                "        template: process-one-shard-of-the-input",
                f"        dependencies: [{deps}]",
                "        arguments:",
                "          parameters:",
                "          - name: shard-index-parameter",
                f'            value: "{{{{workflow.parameters.prefix}}}}-shard-{i:05d}-of-{tasks}"',
                "          - name: shard-description",
                f'            value: "shard {i} of the input data set, processed in order"']
    out += ["  - name: process-one-shard-of-the-input", "    inputs:", "      parameters:",
            "      - name: shard-index-parameter", "      - name: shard-description",
            "    container:", "      image: alpine:3.19",
            '      args: ["{{inputs.parameters.shard-index-parameter}}"]']
    return "\n".join(out) + "\n"


def test_fast_validator_accepts_10k_task_dag():
    """A 10,000-task DAG is valid (bench/hostile_yaml.py times the validator on it)."""
    doc = load_text(big_dag(), "big.yaml").documents[0]
    assert validate(doc) == []
