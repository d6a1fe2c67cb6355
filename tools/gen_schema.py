"""Generate compiler/plait.schema.json from Argo's published JSON schema.

    python tools/gen_schema.py [--argo ../shared/argo/schema.json] [--out compiler/plait.schema.json] [--check]

Argo's schema describes the four workflow kinds but accepts any unknown key, says `string`
for int-or-string fields and knows almost no enums. plait's schema keeps only the
definitions the four kinds reach, drops the long descriptions, forbids unknown keys on
every object with a fixed set of properties, and applies the corrections listed in
`CORRECTIONS`, `ENUMS` and `build()` below. The output is deterministic (sorted keys), so
running the generator twice gives the same file and a review sees only real changes.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARGO = ROOT.parent / "shared" / "argo" / "schema.json"
DEFAULT_OUT = ROOT / "compiler" / "plait.schema.json"

SCHEMA_ID = "urn:plait:schema:argoproj.io:v1alpha1"
API_VERSION = "argoproj.io/v1alpha1"
KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
ARGO = "io.argoproj.workflow.v1alpha1."

# A string that is a template tag as a whole: Argo substitutes `{{...}}` before the value
# is used, so a tag may stand where a number, boolean or enum value is expected. The
# validator in compiler/schema.py recognises this exact pattern.
TAG_PATTERN = r"^\s*(\{\{[\s\S]*\}\}|<<[\s\S]*>>)\s*$"
TAG_DEF = "io.plait.Tag"

# Keywords that only document (or drive Kubernetes tooling); dropped to keep the file small.
DROP = {"description", "title", "format", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
        "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key", "x-kubernetes-map-type",
        "x-kubernetes-group-version-kind", "x-kubernetes-unions", "default"}

ANY_SCALAR = {"type": ["string", "number", "boolean"]}

# Hand-written corrections, by (definition, property) or by definition (property None).
# Each replaces the generated schema of that place.
CORRECTIONS: dict[tuple[str, str | None], Any] = {
    # Kubernetes decodes IntOrString from either; Argo's schema says only string.
    ("io.k8s.apimachinery.pkg.util.intstr.IntOrString", None): {"type": ["integer", "string"]},
    # `cpu: 1` is as good as `cpu: "1"`.
    ("io.k8s.apimachinery.pkg.api.resource.Quantity", None): {"type": ["string", "number"]},
    # Argo's `AnyString` decodes strings, numbers and booleans (`value: 3` is fine).
    (ARGO + "Parameter", "value"): ANY_SCALAR,
    (ARGO + "Parameter", "default"): ANY_SCALAR,
    (ARGO + "Parameter", "enum"): {"type": "array", "items": ANY_SCALAR},
    (ARGO + "ValueFrom", "default"): ANY_SCALAR,
    (ARGO + "ValueFrom", "supplied"): {"type": "object"},
    # The controller writes status; plait does not check it, but a saved object may carry one.
    (ARGO + "Workflow", "status"): {"type": "object"},
    (ARGO + "CronWorkflow", "status"): {"type": "object"},
    # `withItems` items may be any JSON value (Argo: "a map, string, bool, or number").
    (ARGO + "Item", None): {},
    # Placeholders Argo keeps for later: any object.
    (ARGO + "RetryNodeAntiAffinity", None): {"type": "object"},
    (ARGO + "NoneStrategy", None): {"type": "object"},
    (ARGO + "TarStrategy", None): {"type": "object", "properties": {"compressionLevel": {"type": "integer"}}},
    # Argo lets `templateDefaults` supply the image, so it is not required here.
    ("io.k8s.api.core.v1.Container", "image"): {"type": "string"},
}

# Properties whose `required` lists lose an entry (see CORRECTIONS for why).
NOT_REQUIRED: dict[str, set[str]] = {
    "io.k8s.api.core.v1.Container": {"image"},
    # The CRD does not require `source` (the controller only logs a suggestion); PL207 warns.
    ARGO + "ScriptTemplate": {"image", "source"},
}

# Required by the full v4 CRD but accepted by Argo's validator (its own valid tests omit
# them): kept as `x-plait-crd-required`, which compiler/schema.py reports as a warning
# naming the CRD rule (PL208) instead of a missing-key error.
CRD_ONLY_REQUIRED: dict[str, set[str]] = {
    ARGO + "Memoize": {"maxAge"},
    ARGO + "Gauge": {"realtime"},
}

# Properties that become required: the kinds need these to be read at all, and Argo's
# validator requires template and step names (a template in `spec.templates` is only
# reachable by name; `templateDefaults` and inline templates get an unnamed copy below).
REQUIRED: dict[str, list[str]] = {
    **{ARGO + kind: ["apiVersion", "kind", "metadata", "spec"] for kind in KINDS},
    ARGO + "Template": ["name"],
    ARGO + "WorkflowStep": ["name"],
    "io.k8s.api.core.v1.EnvVar": ["name"],
}

# Closed sets of values that Argo or Kubernetes reject otherwise. A tag is accepted too.
ENUMS: dict[tuple[str, str], list[str]] = {
    ("io.k8s.api.core.v1.Container", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    ("io.k8s.api.core.v1.Container", "terminationMessagePolicy"): ["FallbackToLogsOnError", "File"],
    (ARGO + "UserContainer", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    (ARGO + "UserContainer", "terminationMessagePolicy"): ["FallbackToLogsOnError", "File"],
    (ARGO + "ScriptTemplate", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    (ARGO + "ScriptTemplate", "terminationMessagePolicy"): ["FallbackToLogsOnError", "File"],
    (ARGO + "ContainerNode", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
    (ARGO + "ContainerNode", "terminationMessagePolicy"): ["FallbackToLogsOnError", "File"],
    (ARGO + "RetryStrategy", "retryPolicy"): ["Always", "OnError", "OnFailure", "OnTransientError"],
    (ARGO + "PodGC", "strategy"): ["", "OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion",
                                   "OnWorkflowSuccess"],
    (ARGO + "ArtifactGC", "strategy"): ["", "Never", "OnWorkflowCompletion", "OnWorkflowDeletion"],
    (ARGO + "WorkflowLevelArtifactGC", "strategy"): ["", "Never", "OnWorkflowCompletion",
                                                     "OnWorkflowDeletion"],
    (ARGO + "VolumeClaimGC", "strategy"): ["", "OnWorkflowCompletion", "OnWorkflowSuccess"],
    (ARGO + "ResourceTemplate", "action"): ["apply", "create", "delete", "get", "patch", "replace"],
    (ARGO + "ResourceTemplate", "mergeStrategy"): ["json", "merge", "strategic"],
    (ARGO + "CronWorkflowSpec", "concurrencyPolicy"): ["", "Allow", "Forbid", "Replace"],
    ("io.k8s.api.core.v1.Toleration", "operator"): ["Equal", "Exists", "Gt", "Lt"],
    ("io.k8s.api.core.v1.Toleration", "effect"): ["", "NoExecute", "NoSchedule", "PreferNoSchedule"],
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): ["SCTP", "TCP", "UDP"],
}

# Copies of Template without a required `name`: `templateDefaults` and inline templates
# have none. Messages name the copy, so "unknown key 'x' in TemplateDefaults" is precise.
TEMPLATE_COPIES: dict[tuple[str, str], str] = {
    (ARGO + "WorkflowSpec", "templateDefaults"): "TemplateDefaults",
    (ARGO + "WorkflowStep", "inline"): "InlineTemplate",
    (ARGO + "DAGTask", "inline"): "InlineTemplate",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/definitions/{name}"}


def _clean(node: Any) -> Any:
    """Drop documentation keywords (but never a property that happens to share their name)."""
    if isinstance(node, list):
        return [_clean(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in DROP:
            continue
        if key == "properties":
            out[key] = {name: _clean(sub) for name, sub in value.items()}
        else:
            out[key] = _clean(value)
    return out


def _tighten(node: Any, in_properties: bool = False) -> Any:
    """Close objects with a fixed set of properties; let tags stand for numbers and booleans."""
    if isinstance(node, list):
        return [_tighten(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _tighten(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") or isinstance(value, (dict, list)):
            out[key] = _tighten(value)
        else:
            out[key] = value
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if out.get("type") in ("integer", "number", "boolean") and "enum" not in out:
        out["type"] = [out["type"], "string"]
        out["pattern"] = TAG_PATTERN
    return out


def _short_names(names: set[str]) -> dict[str, str]:
    """Map full definition names to short ones (`Template`, `Container`), unique."""
    by_short: dict[str, list[str]] = {}
    for name in sorted(names):
        by_short.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    out = {}
    for short, fulls in by_short.items():
        if len(fulls) == 1:
            out[fulls[0]] = short
            continue
        for full in fulls:
            # Argo's own type keeps the short name; Kubernetes' gets its group as prefix.
            out[full] = short if full.startswith(ARGO) else f"{full.split('.')[-3]}.{short}"
    return out


def _refs(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[-1]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _rename_refs(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_rename_refs(x, names) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            target = value.rsplit("/", 1)[-1]
            out[key] = f"#/definitions/{names.get(target, target)}"
        elif key == "properties":
            out[key] = {name: _rename_refs(sub, names) for name, sub in value.items()}
        else:
            out[key] = _rename_refs(value, names)
    return out


def _enum_or_tag(values: list[str]) -> dict:
    return {"type": "string", "anyOf": [{"enum": values}, _ref(TAG_DEF)]}


def build(argo: dict) -> dict:
    """plait's strict schema, built from Argo's published schema."""
    defs: dict[str, Any] = copy.deepcopy(argo["definitions"])

    for (name, prop), replacement in CORRECTIONS.items():
        if prop is None:
            defs[name] = copy.deepcopy(replacement)
        else:
            defs[name]["properties"][prop] = copy.deepcopy(replacement)
    for name, props in NOT_REQUIRED.items():
        req = [r for r in defs[name].get("required", []) if r not in props]
        if req:
            defs[name]["required"] = req
        else:
            defs[name].pop("required", None)
    for name, props in CRD_ONLY_REQUIRED.items():
        defs[name]["required"] = [r for r in defs[name].get("required", []) if r not in props]
        defs[name]["x-plait-crd-required"] = sorted(props)
    for name, req in REQUIRED.items():
        defs[name]["required"] = sorted(set(defs[name].get("required", [])) | set(req))

    # Copies of Template without required names, for templateDefaults and inline templates.
    template = defs[ARGO + "Template"]
    for (name, prop), copy_name in TEMPLATE_COPIES.items():
        full = ARGO + copy_name
        if full not in defs:
            body = copy.deepcopy(template)
            body.pop("required", None)
            defs[full] = body
        defs[name]["properties"][prop] = _ref(full)

    # Only what the four kinds reach.
    roots = [ARGO + kind for kind in KINDS]
    reachable: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in reachable:
            continue
        reachable.add(name)
        todo.extend(_refs(defs[name]))

    out_defs: dict[str, Any] = {}
    for name in sorted(reachable):
        out_defs[name] = _tighten(_clean(defs[name]))
    for (name, prop), values in ENUMS.items():
        if name in out_defs:
            out_defs[name]["properties"][prop] = _enum_or_tag(values)
    for kind in KINDS:
        body = out_defs[ARGO + kind]["properties"]
        body["apiVersion"] = {"type": "string", "const": API_VERSION}
        body["kind"] = {"type": "string", "const": kind}

    names = _short_names(set(out_defs))
    names[TAG_DEF] = "Tag"
    final = {names[n]: _rename_refs(body, names) for n, body in out_defs.items()}
    final["Tag"] = {"type": "string", "pattern": TAG_PATTERN}

    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "Argo Workflows documents (plait strict schema)",
        "description": (
            "Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow "
            f"({API_VERSION}); unknown keys are errors. Generated by tools/gen_schema.py "
            "from Argo's schema (Apache-2.0)."
        ),
        "type": "object",
        "required": ["apiVersion", "kind"],
        "properties": {
            "apiVersion": {"type": "string", "const": API_VERSION},
            "kind": {"type": "string", "enum": list(KINDS)},
        },
        "allOf": [
            {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
             "then": _ref(names[ARGO + kind])}
            for kind in KINDS
        ],
        "definitions": dict(sorted(final.items())),
    }


def render(schema: dict) -> str:
    """The file's text: one definition per block, stable across runs."""
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the generated schema."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--argo", type=Path, default=DEFAULT_ARGO, help="Argo's schema.json")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = render(build(json.loads(args.argo.read_text(encoding="utf-8"))))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run tools/gen_schema.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()):,} bytes, "
          f"{len(json.loads(text)['definitions'])} definitions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
