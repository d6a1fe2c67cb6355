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
- output parameters' `jsonPath` in its common forms (`{.metadata.name}`, `{.status.x[0].y}`).
"""

from __future__ import annotations

import json
import re
from typing import Any

CLUSTER_KINDS = {"Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
                 "CustomResourceDefinition", "StorageClass", "PriorityClass",
                 "ClusterWorkflowTemplate", "MutatingWebhookConfiguration",
                 "ValidatingWebhookConfiguration"}
PATCH_TYPES = {"strategic": "application/strategic-merge-patch+json",
               "merge": "application/merge-patch+json", "json": "application/json-patch+json"}


class ResourceError(ValueError):
    """The resource template cannot be carried out as written."""


def plural(kind: str) -> str:
    k = kind.lower()
    if k.endswith("y") and not k.endswith(("ay", "ey", "oy", "uy")):
        return k[:-1] + "ies"
    if k.endswith(("s", "x", "ch", "sh")):
        return k + "es"
    return k + "s"


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


def json_path(obj: dict[str, Any], expr: str) -> str:
    """kubectl's `{.a.b}` for the simple paths workflows use."""
    inner = expr.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    value = lookup(obj, inner.lstrip("."))
    if value is None:
        raise ResourceError(f"jsonPath {expr} finds nothing in the object")
    return _text(value)


__all__ = ["CLUSTER_KINDS", "PATCH_TYPES", "ResourceError", "api_path", "json_path", "lookup",
           "matches", "plural"]
