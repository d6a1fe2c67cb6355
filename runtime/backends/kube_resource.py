"""`resource` templates on the kubernetes backend: the pure parts.

Argo's resource template acts on any object of the cluster (`action`: create, apply, delete,
patch with `mergeStrategy`), then, with `successCondition`/`failureCondition`, watches it
until one holds. This module knows:

- where an object lives in the API (`api_path`): `/api/v1/...` for the core group,
  `/apis/<group>/<version>/...` else; the plural is the kind in lower case with English's
  plural rules (`Job` -> `jobs`, `NetworkPolicy` -> `networkpolicies`), and a few kinds are
  cluster-scoped (`CLUSTER_KINDS`). A cluster's discovery would know every CRD's plural;
  plait asks none (one request fewer, and the same answer for the kinds workflows use);
- Argo's conditions (`matches`): requirements separated by commas, each `path op value` with
  op `==`, `=`, `!=`, `>`, `<`, `in (a,b)`, `notin (a,b)`, or a bare `path` (exists) or
  `!path`, evaluated on the object's JSON (`status.succeeded > 2`);
- output parameters' `jsonPath` in its common forms (`{.metadata.name}`, `{.status.x[0].y}`)
  and `jqFilter` (`jq_filter`: libjq through the `jq` package, printed as Argo prints gojq's
  results);
- `flags` (`parse_flags`): Argo passes them to kubectl; plait runs no kubectl, so it reads
  the ones workflows use: a kind and names or `-l/--selector` in place of a manifest (`delete
  configmap --selector cleanup=true`), `-n/--namespace`, `--ignore-not-found`, and
  `--validate=...` (kubectl's client-side check; the API server validates anyway). Any other
  flag is an Error naming it. Kinds given by name come from `KIND_NAMES` (no discovery);
- `setOwnerReference`'s owner (`owner_object`, `owner_reference`): Argo makes the Workflow
  object the owner, so Kubernetes' garbage collector deletes the resource with the workflow.
  plait creates no Workflow object on the cluster; a run's owner is a ConfigMap carrying the
  run's labels, made the first time a resource asks for an owner, and `plait delete` deletes
  it, after which the collector deletes what it owns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

CLUSTER_KINDS = {"Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
                 "CustomResourceDefinition", "StorageClass", "PriorityClass",
                 "ClusterWorkflowTemplate", "MutatingWebhookConfiguration",
                 "ValidatingWebhookConfiguration"}
PATCH_TYPES = {"strategic": "application/strategic-merge-patch+json",
               "merge": "application/merge-patch+json", "json": "application/json-patch+json"}


class ResourceError(ValueError):
    """The resource template cannot be carried out as written."""


# kubectl's resource names (plural, singular, short) -> (apiVersion, kind), for `flags`
_KINDS = {
    ("v1", "Pod"): ("po",), ("v1", "ConfigMap"): ("cm",), ("v1", "Secret"): (),
    ("v1", "Service"): ("svc",), ("v1", "ServiceAccount"): ("sa",),
    ("v1", "PersistentVolumeClaim"): ("pvc",), ("v1", "Namespace"): ("ns",),
    ("batch/v1", "Job"): (), ("batch/v1", "CronJob"): ("cj",),
    ("apps/v1", "Deployment"): ("deploy",), ("apps/v1", "StatefulSet"): ("sts",),
    ("apps/v1", "DaemonSet"): ("ds",), ("apps/v1", "ReplicaSet"): ("rs",),
    ("argoproj.io/v1alpha1", "Workflow"): ("wf",),
    ("argoproj.io/v1alpha1", "WorkflowTemplate"): ("wftmpl",),
    ("argoproj.io/v1alpha1", "CronWorkflow"): ("cwf", "cronwf"),
}


def plural(kind: str) -> str:
    k = kind.lower()
    if k.endswith("y") and not k.endswith(("ay", "ey", "oy", "uy")):
        return k[:-1] + "ies"
    if k.endswith(("s", "x", "ch", "sh")):
        return k + "es"
    return k + "s"


KIND_NAMES: dict[str, tuple[str, str]] = {
    name: (version, kind) for (version, kind), short in _KINDS.items()
    for name in (kind.lower(), plural(kind), *short)}


@dataclass(frozen=True)
class Flags:
    """What a resource template's `flags` ask for (see the module docstring)."""

    kind: tuple[str, str] | None = None       # (apiVersion, kind) named in the flags
    names: tuple[str, ...] = ()
    selector: str | None = None
    namespace: str | None = None
    ignore_not_found: bool = False

    def objects(self) -> list[dict[str, Any]]:
        """The objects the flags name (no selector): an apiVersion, kind and name each."""
        if self.kind is None:
            return []
        version, kind = self.kind
        return [{"apiVersion": version, "kind": kind, "metadata": {"name": n}}
                for n in self.names]


_VALUED = {"-l": "selector", "--selector": "selector", "-n": "namespace",
           "--namespace": "namespace"}


def parse_flags(flags: list[Any]) -> Flags:
    """Read kubectl `flags` as `Flags`; a flag plait cannot honour is a ResourceError."""
    words = [str(f) for f in flags]
    kind: tuple[str, str] | None = None
    names: list[str] = []
    values: dict[str, str] = {}
    ignore = False
    i = 0
    while i < len(words):
        word = words[i]
        flag, eq, value = word.partition("=")
        if flag in _VALUED:
            if not eq:
                i += 1
                if i == len(words):
                    raise ResourceError(f"resource flag {flag} needs a value")
                value = words[i]
            values[_VALUED[flag]] = value
        elif flag == "--ignore-not-found":
            ignore = value.lower() != "false"
        elif flag == "--validate":
            pass        # kubectl's client-side check: the API server validates every object
        elif word.startswith("-"):
            raise ResourceError(f"resource flag {word!r} is not supported on the kubernetes "
                                f"backend (plait runs no kubectl)")
        elif kind is None:
            kind_name, _, name = word.partition("/")
            kind = KIND_NAMES.get(kind_name.lower().split(".")[0])
            if kind is None:
                raise ResourceError(f"resource flags name the kind {kind_name!r}, which plait "
                                    f"does not know: write a manifest instead")
            if name:
                names.append(name)
        else:
            names.append(word)
        i += 1
    return Flags(kind, tuple(names), values.get("selector"), values.get("namespace"), ignore)


def api_path(obj: dict[str, Any], namespace: str, name: str | None = None) -> str:
    """The collection (or, with `name`, the object) path of `obj` in `namespace`."""
    version = str(obj.get("apiVersion") or "")
    kind = str(obj.get("kind") or "")
    if not version or not kind:
        raise ResourceError("the manifest needs apiVersion and kind")
    base = f"/api/{version}" if "/" not in version else f"/apis/{version}"
    ns = "" if kind in CLUSTER_KINDS else f"/namespaces/{namespace}"
    path = f"{base}{ns}/{plural(kind)}"
    return f"{path}/{name}" if name else path


def lookup(obj: Any, path: str) -> Any:
    """`a.b[0].c` in `obj`, or None."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            idx = int(part[1:-1])
            obj = obj[idx] if isinstance(obj, list) and idx < len(obj) else None
        else:
            obj = obj.get(part) if isinstance(obj, dict) else None
        if obj is None:
            return None
    return obj


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


_REQ = re.compile(r"^\s*(!?)([^\s!=<>]+)\s*(?:(==|=|!=|>|<|\snotin\s|\sin\s)\s*(.*?))?\s*$")


def _requirements(condition: str) -> list[str]:
    """Split on commas outside parentheses (`a in (x,y),b=c`)."""
    parts, depth, cur = [], 0, ""
    for ch in condition:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in parts + [cur] if p.strip()]


def matches(condition: str, obj: dict[str, Any]) -> bool:
    """Whether every requirement of Argo's `condition` holds for `obj`."""
    for req in _requirements(condition):
        m = _REQ.match(" " + req.strip() if re.search(r"\s(in|notin)\s", req) else req)
        if not m:
            raise ResourceError(f"cannot read the condition {req.strip()!r}")
        negate, path, op, want = m.group(1), m.group(2), (m.group(3) or "").strip(), m.group(4)
        have = lookup(obj, path)
        if not op:
            if (have is None) != bool(negate):
                return False
            continue
        if have is None:
            if op in ("!=", "notin"):
                continue
            return False
        text = _text(have)
        want = (want or "").strip()
        if op in ("==", "="):
            ok = text == want
        elif op == "!=":
            ok = text != want
        elif op in (">", "<"):
            try:
                a, b = float(text), float(want)
            except ValueError:
                raise ResourceError(f"{path} {op} {want}: not numbers ({text!r})") from None
            ok = a > b if op == ">" else a < b
        else:
            values = {v.strip() for v in want.strip("() ").split(",")}
            ok = (text in values) == (op == "in")
        if not ok:
            return False
    return True


def go_json(value: Any) -> str:
    """`value` as Go's `json.Marshal` writes it: compact, map keys sorted, `<`, `>`, `&`,
    U+2028 and U+2029 escaped (Argo's jqFilter output)."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def jq_filter(obj: dict[str, Any], expr: str) -> str:
    """Argo's `jqFilter` output: each result on a line (a string as it is, anything else as
    Go's JSON), the whole trimmed of surrounding white space."""
    try:
        import jq  # the kubernetes extra's; loaded only when a jqFilter is used
    except ImportError:
        raise ResourceError("jqFilter needs the jq package: pip install 'plait[kubernetes]'"
                            ) from None
    try:
        results = jq.compile(expr).input_value(obj).all()
    except ValueError as exc:
        raise ResourceError(f"jqFilter {expr!r}: {str(exc).strip()}") from None
    lines = [r if isinstance(r, str) else go_json(r) for r in results]
    return "".join(line + "\n" for line in lines).strip()


OWNER_PREFIX = "plait-owner-"


def owner_object(workflow: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    """The ConfigMap that owns a run's resources made with `setOwnerReference` (see above)."""
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": (OWNER_PREFIX + workflow)[:253], "namespace": namespace,
                         "labels": dict(labels)},
            "data": {"workflow": workflow}}


def owner_reference(owner: dict[str, Any]) -> dict[str, Any]:
    """An ownerReferences entry naming the (created) `owner`."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"],
            "uid": meta["uid"]}


def json_path(obj: dict[str, Any], expr: str) -> str:
    """kubectl's `{.a.b}` for the simple paths workflows use."""
    inner = expr.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    value = lookup(obj, inner.lstrip("."))
    if value is None:
        raise ResourceError(f"jsonPath {expr} finds nothing in the object")
    return _text(value)


__all__ = ["CLUSTER_KINDS", "KIND_NAMES", "OWNER_PREFIX", "PATCH_TYPES", "Flags",
           "ResourceError", "api_path", "parse_flags",
           "go_json", "jq_filter", "json_path", "lookup", "matches", "owner_object",
           "owner_reference", "plural"]
