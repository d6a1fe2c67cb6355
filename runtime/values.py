"""Substitution scopes: the flat `{"inputs.parameters.x": "v", ...}` maps tags resolve in.

A scope is a flat mapping (spec §4): globals (`workflow.*`), a template's own values
(`inputs.*`, `pod.name`, `node.name`, `retries`), the results of earlier steps or tasks
(`steps.X.*`, `tasks.X.*`) and loop values (`item`, `item.k`). Scopes are layered with
`ChainMap`, so building one per step costs the same however large the run is. Rendering
uses grammar's `render_template`; expressions see `nest(scope)`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import ChainMap
from typing import Any, Mapping, MutableMapping

from plait.compiler.plan import Plan
from plait.compiler.submitted import SCHEDULED_ANNOTATION
from plait.grammar import EvaluationError, GrammarError, nest, parse_template, render_template
from plait.grammar.limits import load_json

Scope = Mapping[str, Any]
_STRFTIME = "BbmAadHIMSYypz"


def rfc3339(ts: float | None) -> str | None:
    """Unix seconds as RFC 3339 in UTC, whole seconds (`2024-05-01T10:00:00Z`)."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(int(ts), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def params_json(params: list[dict[str, Any]]) -> str:
    """Argo's JSON array of parameter objects (`workflow.parameters`, `inputs.parameters`)."""
    return json.dumps([{"name": p["name"], "value": p.get("value")} for p in params],
                      separators=(",", ":"), ensure_ascii=False)


class Globals(dict):
    """The global scope. `workflow.creationTimestamp.<fmt>` keys resolve in simple tags but
    are left out of iteration, so an expression's `nest` keeps `workflow.creationTimestamp`
    a string (`sprig.date('2006', workflow.creationTimestamp)` works as in Argo)."""

    def __iter__(self):
        return (k for k in dict.__iter__(self) if not k.startswith(_HIDDEN))


_HIDDEN = "workflow.creationTimestamp."


def global_scope(plan: Plan, name: str, created: float,
                 parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """`workflow.*` values known when the run starts."""
    wf = plan.workflow
    g: dict[str, Any] = Globals()
    g.update({"workflow.name": name,
              "workflow.namespace": str(wf.namespace or "default"),
              "workflow.uid": name,
              "workflow.mainEntrypoint": plan.entrypoint,
              "workflow.serviceAccountName": str(plan.settings.service_account_name
                                                 or "default"),
              "workflow.status": "Running"})
    for p in parameters:
        if p.get("value") is not None:
            g[f"workflow.parameters.{p['name']}"] = p["value"]
    if parameters:
        g["workflow.parameters"] = g["workflow.parameters.json"] = params_json(parameters)
    for what, m in (("labels", wf.labels or {}), ("annotations", wf.annotations or {})):
        if isinstance(m, dict) and m:
            for k, v in m.items():
                g[f"workflow.{what}.{k}"] = str(v)
            g[f"workflow.{what}"] = g[f"workflow.{what}.json"] = json.dumps(
                {str(k): str(v) for k, v in m.items()}, separators=(",", ":"))
    if plan.settings.priority is not None:
        g["workflow.priority"] = str(plan.settings.priority)
    scheduled = (wf.annotations or {}).get(SCHEDULED_ANNOTATION)
    if scheduled:                      # cron-created runs only (runtime/cronjobs.py)
        g["workflow.scheduledTime"] = str(scheduled)
    t = dt.datetime.fromtimestamp(int(created), dt.timezone.utc)
    g["workflow.creationTimestamp"] = g["workflow.creationTimestamp.RFC3339"] = rfc3339(created)
    g["workflow.creationTimestamp.s"] = str(int(created))
    for c in _STRFTIME:
        g[f"workflow.creationTimestamp.{c}"] = t.strftime("%" + c)
    g["workflow.creationTimestamp.L"] = f"{t.microsecond // 1000:03d}"
    g["workflow.creationTimestamp.Z"] = "UTC"
    return g


def layer(*maps: MutableMapping[str, Any]) -> ChainMap[str, Any]:
    """A scope made of `maps`, the first winning."""
    return ChainMap(*maps)


class ExpressionFailed(ValueError):
    """An expression tag that could not be evaluated (not merely an unknown name): as in
    Argo, the node that needs the text fails with the evaluation error."""


def render_text(text: str, scope: Scope, *, checked: bool = False) -> str:
    """`text` with every tag that `scope` can resolve substituted (others left verbatim).
    `checked`: an expression tag that fails to evaluate raises ExpressionFailed."""
    if "{{" not in text and "<<" not in text:
        return text
    try:
        return render_template(parse_template(text), scope)
    except EvaluationError as exc:
        if checked:
            raise ExpressionFailed(f"failed to evaluate expression: {exc}") from None
        return text
    except GrammarError:
        return text


def render_strict(text: str, scope: Scope) -> str:
    """`text` rendered; raises EvaluationError/GrammarError when a tag cannot be resolved."""
    if "{{" not in text and "<<" not in text:
        return text
    return render_template(parse_template(text), scope, strict=True)


def render_value(value: Any, scope: Scope, *, checked: bool = False) -> Any:
    """Every string inside a JSON value rendered (keys too, as Argo renders the JSON text)."""
    if isinstance(value, str):
        return render_text(value, scope, checked=checked)
    if isinstance(value, list):
        return [render_value(v, scope, checked=checked) for v in value]
    if isinstance(value, dict):
        return {render_text(k, scope, checked=checked) if isinstance(k, str) else k:
                render_value(v, scope, checked=checked) for k, v in value.items()}
    return value


def unresolved_tags(text: str) -> bool:
    """True when `text` still holds a tag after rendering."""
    return "{{" in text or "<<" in text and ">>" in text


def whole_tag_key(text: str) -> str | None:
    """The reference inside a string that is one simple tag (`{{steps.a.outputs.x}}`)."""
    s = text.strip()
    for o, c in (("{{", "}}"), ("<<", ">>")):
        if s.startswith(o) and s.endswith(c) and s.count(o) == 1:
            body = s[2:-2].strip()
            if body and not body.startswith("="):
                return body
    return None


def expression_env(scope: Scope) -> dict:
    """The nested environment an expression sees."""
    return nest(scope)


def aggregate(prefix: str, children: list[Any]) -> dict[str, str]:
    """Scope entries of a looped step/task from its Succeeded iterations (spec §4.3).

    `children` are the iterations' `Outputs`, in index order.
    """
    out: dict[str, str] = {}
    maps: list[dict[str, str]] = []
    names: list[str] = []
    for o in children:
        m = {p["name"]: p.get("value") for p in o.parameters}
        maps.append(m)
        for n in m:
            if n not in names:
                names.append(n)
    if maps and names:
        out[f"{prefix}.outputs.parameters"] = json.dumps(maps, separators=(",", ":"),
                                                         ensure_ascii=False)
        for n in names:
            values = [m.get(n) for m in maps if n in m]
            parsed = []
            for v in values:
                try:
                    j = load_json(v) if isinstance(v, str) else None
                except ValueError:
                    j = None
                parsed.append(j)
            if all(isinstance(j, (dict, list)) for j in parsed):
                arr: list[Any] = parsed
            else:
                arr = values
            out[f"{prefix}.outputs.parameters.{n}"] = json.dumps(arr, separators=(",", ":"),
                                                                 ensure_ascii=False)
    results = [o.result for o in children if o.result is not None]
    if results:
        parsed_results: list[Any] = []
        for r in results:
            try:
                parsed_results.append(load_json(r))
            except ValueError:
                parsed_results.append(r)       # Argo errors here; plait keeps the text
        out[f"{prefix}.outputs.result"] = json.dumps(parsed_results, separators=(",", ":"),
                                                     ensure_ascii=False)
    return out


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoding/json writes it (`<`, `>`, `&` escaped)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


__all__ = ["ExpressionFailed", "Scope", "aggregate", "expression_env", "global_scope", "go_json", "layer",
           "params_json", "render_strict", "render_text", "render_value", "rfc3339",
           "unresolved_tags", "whole_tag_key"]
