"""`plait compile --emit argo`: the export is a Workflow that Argo's schema accepts and that
plait itself checks clean."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from plait.cli import main
from plait.compiler.check import UsageError, check_paths
from plait.compiler.compile import compile_workflow
from plait.compiler.export import argo_text, export_argo

from ..conftest import ROOT, SHARED, example_params, need_examples

ARGO_SCHEMA = SHARED / "argo" / "schema.json"
SAMPLES = sorted((ROOT / "samples").glob("*.yaml"))


def sources() -> list:
    return [pytest.param(p, id=f"sample-{p.stem}") for p in SAMPLES] + example_params(prefix="argo-")


@lru_cache(maxsize=None)
def validators():
    import jsonschema

    schema = json.loads(ARGO_SCHEMA.read_text())
    defs = dict(schema["definitions"])
    # Kubernetes decodes IntOrString from an int or a string (`port: 80`); Argo's schema
    # says string only, which would reject Argo's own examples (tools/gen_schema.py agrees).
    defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = {"type": ["integer", "string"]}
    cls = jsonschema.validators.validator_for(schema)
    prefix = "#/definitions/io.argoproj.workflow.v1alpha1."
    return {kind: cls({"$ref": prefix + kind, "definitions": defs})
            for kind in ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate")}


@pytest.mark.parametrize("path", sources())
def test_export_is_valid_argo_and_checks_clean(path: Path | None, tmp_path):
    from ruamel.yaml import YAML

    if path is None:
        need_examples()
    if not ARGO_SCHEMA.exists():
        pytest.skip(f"{ARGO_SCHEMA} not found (../shared beside the repo)")
    try:
        done = compile_workflow(str(path), name="exported")
    except UsageError:
        pytest.skip("not a single compilable Workflow (e.g. only WorkflowTemplates)")
    if done.plan is None:
        pytest.skip("does not compile")
    if done.workflow.is_library:
        pytest.skip("a WorkflowTemplate alone: checked as a library (its parameters may come "
                    "from an event binding), so its export may not check clean as a Workflow")
    text = export_argo(done.workflow, done.plan, True, done.documents)
    docs = list(YAML(typ="safe").load_all(text))
    assert docs[-1]["kind"] == "Workflow" and docs[-1]["metadata"]["name"] == "exported"
    for doc in docs:
        errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
                  for e in validators()[doc["kind"]].iter_errors(doc)]
        assert not errors, errors
    out = tmp_path / path.name
    out.write_text(text)
    errors = [d for d in check_paths([str(out)]).diagnostics if d.severity.value == "error"]
    assert not errors, errors


def test_only_real_tags_are_rewritten():
    assert argo_text("echo <<inputs.parameters.x>>") == "echo {{inputs.parameters.x}}"
    assert argo_text("<<= asInt(inputs.parameters.n) + 1 >>") == "{{= asInt(inputs.parameters.n) + 1 }}"
    heredoc = "cat <<EOF\nhello\nEOF\n"
    assert argo_text(heredoc) == heredoc
    assert argo_text("{{workflow.name}} and <<workflow.name>>") == "{{workflow.name}} and {{workflow.name}}"


def test_cli_emit_argo(capsys):
    from ruamel.yaml import YAML

    code = main(["compile", "samples/hello.yaml", "--emit", "argo", "-p", "message=hi there"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = YAML(typ="safe").load(out)
    assert doc["metadata"] == {"generateName": "hello-"}
    assert doc["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "hi there"}]
    assert doc["spec"]["templates"][0]["container"]["args"] == ["{{inputs.parameters.message}}"]
    assert "'{{inputs.parameters.message}}'" in out or '"{{inputs.parameters.message}}"' in out


def test_cli_emit_argo_with_name_and_entrypoint(capsys, tmp_path):
    from ruamel.yaml import YAML

    out_file = tmp_path / "wf.yaml"
    code = main(["compile", "samples/loops.yaml", "--emit", "argo", "--name", "loops-1",
                 "--entrypoint", "gen-list", "-o", str(out_file)])
    assert code == 0, capsys.readouterr().err
    doc = YAML(typ="safe").load(out_file.read_text())
    assert doc["metadata"]["name"] == "loops-1" and "generateName" not in doc["metadata"]
    assert doc["spec"]["entrypoint"] == "gen-list"


# --- export is the input, as data (issue 11) ------------------------------------------------

KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
# repeats a key (../shared/argo/README.md): a strict reader rejects the input itself
DUPLICATE_KEY_EXAMPLE = "k8s-patch-json-workflow.yaml"


def example_files() -> list:
    return [p for p in example_params() if p.values[0] is None or p.values[0].name != DUPLICATE_KEY_EXAMPLE]


def _documents(text: str) -> list[dict]:
    """The workflow documents of `text`, a leading-zero integer octal as Argo reads it
    (`mode: 0755` is 493)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    class OctalInts(SafeConstructor):
        def construct_yaml_int(self, node):  # type: ignore[no-untyped-def]
            digits = str(node.value).replace("_", "")
            if re.fullmatch(r"[-+]?0[0-7]+", digits):
                return int(digits, 8)
            return super().construct_yaml_int(node)

    OctalInts.add_constructor("tag:yaml.org,2002:int", OctalInts.construct_yaml_int)
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = OctalInts
    return [d for d in yaml.load_all(text) if isinstance(d, dict) and d.get("kind") in KINDS]


@pytest.mark.parametrize("path", example_files())
def test_example_exports_equal_as_data(argo_examples, path: Path):
    """Every Workflow of every Argo example exports (`--emit argo`, no --name) to exactly
    its input documents; a file without a Workflow goes through the same rewriting."""
    from plait.compiler.export import dump_yaml, to_argo
    from plait.compiler.planner import plain
    from plait.compiler.source import load_file

    given = _documents(path.read_text(encoding="utf-8"))
    workflows = [d for d in given if d["kind"] == "Workflow"]
    if not workflows:
        loaded = load_file(str(path)).documents
        assert _documents(dump_yaml(to_argo(plain(d.data)) for d in loaded)) == given
        return
    companions = [d for d in given if d["kind"] in ("WorkflowTemplate", "ClusterWorkflowTemplate")]
    # a templateRef resolves against the example's folder, as `argo lint` of the folder would
    templates = [str(path.parent)] if "templateref" in path.read_text(encoding="utf-8").lower() else []
    for doc in workflows:
        meta = doc["metadata"]
        done = compile_workflow(str(path), workflow=meta.get("name") or meta.get("generateName"),
                                templates=templates)
        assert done.plan is not None, [str(d) for d in done.diagnostics]
        text = export_argo(done.workflow, done.plan, False, done.documents)
        assert _documents(text) == companions + [doc]


def test_heredoc_and_foreign_braces_export_byte_unchanged(tmp_path):
    script = ("cat <<EOF >> /tmp/log\nstarted <<workflow.name>>\nEOF\n"
              "kubectl get pods --template=\"{{range .items}}{{.status.podIP}}{{end}}\"\n"
              "echo '{{ .Values.image.tag }}' {{input.parameters.x}}\n")
    annotation = '{{ with secret "kv/data/db" -}}{{ .Data.data.password }}{{- end }}'
    source = tmp_path / "wf.yaml"
    source.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: h-}\n"
        "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    metadata:\n"
        f"      annotations: {{vault.hashicorp.com/agent-inject-template-db: '{annotation}'}}\n"
        "    script:\n      image: alpine:3.19\n      command: [sh]\n      source: |\n"
        + "".join(f"        {line}\n" for line in script.splitlines()))
    done = compile_workflow(str(source))
    assert done.plan is not None, [str(d) for d in done.diagnostics]
    [doc] = _documents(export_argo(done.workflow, done.plan, False, done.documents))
    tmpl = doc["spec"]["templates"][0]
    assert tmpl["script"]["source"] == script.replace("<<workflow.name>>", "{{workflow.name}}")
    assert tmpl["metadata"]["annotations"]["vault.hashicorp.com/agent-inject-template-db"] == annotation
