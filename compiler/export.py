"""`plait compile --emit argo`: the Workflow as YAML that real Argo accepts.

plait's `<<…>>` tags become Argo's `{{…}}` (only real tags, as the grammar finds them: a
shell heredoc `cat <<EOF` stays as written), the resolved arguments are written into
`spec.arguments`, `--name` replaces `generateName`, `--entrypoint` is applied, and the YAML
is dumped by ruamel's safe dumper, which quotes `{{` (and anything else) where YAML needs it.
WorkflowTemplates of the same file come first, so `templateRef` keeps resolving.
"""

from __future__ import annotations

import io
from typing import Any, Iterable

from plait.grammar import GrammarError, parse_template
from plait.grammar import ast as A

from .model import Workflow
from .plan import Plan
from .plancodec import encode_meta
from .planner import plain


def argo_text(text: str) -> str:
    """`text` with every `<<…>>` tag written as `{{…}}`; anything else unchanged."""
    if "<<" not in text:
        return text
    try:
        tmpl = parse_template(text)
    except GrammarError:
        return text
    if not any(isinstance(p, A.Tag) and p.open == "<<" for p in tmpl.parts):
        return text
    out = []
    for part in tmpl.parts:
        if isinstance(part, A.Text):
            out.append(part.value)
        elif part.open == "<<":
            out.append("{{" + part.raw[2:-2] + "}}")
        else:
            out.append(part.raw)
    return "".join(out)


def literal_text(text: str) -> str:
    """`text` as data Argo (and plait) show as written: each tag opener becomes an
    expression tag whose value is that opener (`{{='{{'}}`), which is never read again."""
    if "{{" not in text and "<<" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in ("{{", "<<"):
            out.append("{{='" + pair + "'}}")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def to_argo(value: Any) -> Any:
    """Plain data with every string's tags in Argo's form (keys too)."""
    if isinstance(value, dict):
        return {argo_text(str(k)): to_argo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_argo(v) for v in value]
    if isinstance(value, str):
        return argo_text(value)
    return value


def workflow_document(wf: Workflow, plan: Plan, name_fixed: bool,
                      supplied: Iterable[str] = (), entrypoint_fixed: bool = False) -> dict[str, Any]:
    """The Workflow document with the plan's resolved arguments, name and entrypoint.

    Values of the `supplied` parameters (from `-p` or a parameter file) are data: their tag
    openers are escaped, so `-p msg=<<workflow.name>>` prints that text in Argo too. A Workflow
    that takes its entrypoint from its `workflowTemplateRef` keeps it that way unless
    `entrypoint_fixed` (`--entrypoint`): the export stays equal to the input."""
    supplied = set(supplied)
    doc = to_argo(plain(wf.doc.data))
    if wf.kind != "Workflow":      # the Workflow Argo submits for it (compiler/submitted.py)
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        doc = {"apiVersion": doc.get("apiVersion") or "argoproj.io/v1alpha1", "kind": "Workflow",
               "metadata": {k: v for k, v in encode_meta(plan.workflow).items()
                            if k in ("name", "generateName", "namespace", "labels", "annotations")},
               "spec": spec.get("workflowSpec") or {} if wf.kind == "CronWorkflow" else spec}
    meta = doc.setdefault("metadata", {})
    if name_fixed:
        meta.pop("generateName", None)
        meta["name"] = plan.name
    spec = doc.setdefault("spec", {})
    if entrypoint_fixed or "entrypoint" in spec or "workflowTemplateRef" not in spec:
        spec["entrypoint"] = plan.entrypoint
    resolved = {p.name: p.value for p in plan.arguments.parameters}
    params = spec.get("arguments", {}).get("parameters")
    if isinstance(params, list):
        for p in params:
            if isinstance(p, dict) and p.get("name") in resolved:
                value = resolved[p["name"]]
                if isinstance(value, str):
                    p.pop("valueFrom", None)
                    p["value"] = (literal_text(value) if p["name"] in supplied
                                  else argo_text(value))
    # a supplied name the spec does not declare is added, as `argo submit -p` adds it
    # (for the `--entrypoint` template's inputs, or a referenced template's parameters)
    have = {p.get("name") for p in params if isinstance(p, dict)} if isinstance(params, list) \
        else set()
    added = [{"name": name, "value": literal_text(str(resolved[name]))}
             for name in sorted(supplied) if name not in have and name in resolved
             and isinstance(resolved[name], str)]
    if added:
        arguments = spec.get("arguments")
        if not isinstance(arguments, dict):
            arguments = {}
            keys = list(spec)               # written before the templates, as people write it
            at = keys.index("templates") if "templates" in keys else len(keys)
            items = list(spec.items())
            spec.clear()
            spec.update([*items[:at], ("arguments", arguments), *items[at:]])
        if not isinstance(arguments.get("parameters"), list):
            arguments["parameters"] = []
        arguments["parameters"].extend(added)
    return doc


def dump_yaml(documents: Iterable[dict[str, Any]]) -> str:
    """YAML documents as text: keys in their order, multi-line strings as `|` blocks."""
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import SafeRepresenter

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # ruamel infers None
    yaml.width = 4096

    def text(rep: SafeRepresenter, data: str):
        # the emitter falls back to a quoted style where a block cannot hold the text
        if "\n" in data.rstrip("\n"):
            return rep.represent_scalar("tag:yaml.org,2002:str", data, style="|")
        return rep.represent_str(data)

    yaml.representer.add_representer(str, text)
    buf = io.StringIO()
    yaml.dump_all(list(documents), buf)
    return buf.getvalue()


def export_argo(wf: Workflow, plan: Plan, name_fixed: bool,
                companions: Iterable[Workflow] = (), supplied: Iterable[str] = (),
                entrypoint_fixed: bool = False) -> str:
    """The chosen Workflow (after its file's WorkflowTemplates) as Argo YAML."""
    docs = [to_argo(plain(other.doc.data)) for other in companions
            if other.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate")]
    docs.append(workflow_document(wf, plan, name_fixed, supplied, entrypoint_fixed))
    return dump_yaml(docs)


__all__ = ["argo_text", "dump_yaml", "export_argo", "literal_text", "to_argo",
           "workflow_document"]
