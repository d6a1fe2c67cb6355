"""The checked plan: everything the runtime needs to run one workflow, as JSON-ready data.

A `Plan` is the output of `compiler.planner.build_plan` and the input of the runtime. It is
versioned (`planVersion`), deterministic (`to_json` sorts keys, so the same inputs and the
same name give byte-identical text) and round-trips: `Plan.from_json(p.to_json()) == p`.

The top level is typed; the per-template and per-child records are JSON values here (the
format is described by `compiler/plan.schema.json`), because the plan is a file format first:
the runtime reads it without the compiler, and another tool may write it. `record()` gives the
plan as typed records (`compiler/plancodec.py`, the one codec between records and JSON, which
also validates plan files); the runtime reads those.

Template record (`templates[<key>]`):
    name, kind (container|script|resource|suspend|http|data|plugin|containerSet|steps|dag),
    inputs {parameters: [{name, value?, default?, enum?, valueFrom?}], artifacts: [...]},
    outputs {parameters: [...], artifacts: [...]}, body (the leaf body as written, tags as text),
    steps: [[child...]...] or tasks: [child...] (+ target, failFast) for non-leaf kinds,
    retry {limit, policy, expression?, backoff {duration, factor, cap, maxDuration}} (seconds),
    timeout / activeDeadlineSeconds / pendingTimeout (seconds) and `settings` (everything else).
Child record: name, template (a key of `templates`), arguments {parameters: {n: v}, artifacts},
    when ({static: bool} folded, or {text, refs}), loop ({kind: items|param, items: [{name, item}]
    | text}), depends (text, DAG), producers (task/step names it waits for), continueOn, hooks.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .plancodec import (
    PLAN_VERSION,
    SCHEMA_PATH,
    PlanError,
    PlanRecord,
    decode_plan,
    parse_plan_text,
    plan_text,
    validate_plan,
)

MAX_DEPTH = 100          # Argo's recursion limit (spec §14)
NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"   # Kubernetes' random-suffix alphabet
DEFAULT_PREFIX = "workflow-"


def generate_name(prefix: str) -> str:
    """`generateName` completed as the Kubernetes API server does (prefix cut to 58)."""
    return prefix[:58] + "".join(secrets.choice(NAME_CHARS) for _ in range(5))


@dataclass(frozen=True)
class Plan:
    """One workflow, resolved as far as it can be without running anything."""

    workflow: dict[str, Any]                 # name and/or generateName, namespace, labels, annotations, source
    arguments: dict[str, Any]                # parameters {name: value | {valueFrom}}, artifacts [...]
    entrypoint: str                          # a key of `templates`
    templates: dict[str, dict[str, Any]]
    on_exit: str | None = None               # a key of `templates`
    hooks: dict[str, Any] = field(default_factory=dict)   # workflow lifecycle hooks (not exit)
    settings: dict[str, Any] = field(default_factory=dict)
    call_graph: dict[str, list[str]] = field(default_factory=dict)
    recursive: list[str] = field(default_factory=list)    # templates on a call cycle (lazy)
    max_depth: int = MAX_DEPTH
    plan_version: int = PLAN_VERSION

    _JSON_NAMES = {"on_exit": "onExit", "call_graph": "callGraph", "max_depth": "maxDepth",
                   "plan_version": "planVersion"}

    @property
    def name(self) -> str:
        """The workflow name; empty for a plan that keeps `generateName` (see `named`)."""
        return str(self.workflow.get("name", ""))

    def named(self, name: str | None = None) -> "Plan":
        """This plan with a workflow name: `name`, its own, or one made from
        `generateName` as the API server makes it when a run is created."""
        if not name and self.name:
            return self
        name = name or generate_name(str(self.workflow.get("generateName") or DEFAULT_PREFIX))
        return dataclasses.replace(self, workflow={**self.workflow, "name": name})

    def unresolved_refs(self) -> list[str]:
        """Each step or task whose template did not resolve when the plan was compiled (a
        `templateRef` to a WorkflowTemplate no file defined), as `TEMPLATE.STEP: REF`: a
        run refuses such a plan rather than start and fail."""
        found = []
        for key, tmpl in sorted(self.templates.items()):
            children = [c for group in tmpl.get("steps") or [] for c in group] \
                + list(tmpl.get("tasks") or [])
            for child in children:
                if isinstance(child, dict) and child.get("template") is None:
                    found.append(f"{key}.{child.get('name')}: "
                                 f"{unresolved_text(child.get('unresolved'))}")
        return found

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data (camelCase keys)."""
        return {self._JSON_NAMES.get(k, k): v for k, v in asdict(self).items()}

    def to_json(self) -> str:
        """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
        return plan_text(self.to_dict())

    def record(self, validate: bool = False) -> PlanRecord:
        """The plan as typed records (`compiler/plancodec.py`); a plan read from a file was
        validated when it was read, and the compiler's own are valid."""
        top = {self._JSON_NAMES.get(f.name, f.name): getattr(self, f.name) for f in fields(self)}
        return decode_plan(top, validate=validate)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Plan":
        """Plan JSON data, checked by the codec (version and schema: `PlanError`)."""
        decode_plan(data)
        back = {v: k for k, v in cls._JSON_NAMES.items()}
        names = {f.name for f in fields(cls)}
        return cls(**{back.get(k, k): v for k, v in data.items() if back.get(k, k) in names})

    @classmethod
    def from_json(cls, text: str) -> "Plan":
        """Read a plan written by `to_json` (checked against the plan schema: a plan file may
        have been edited, and its names become host paths when it runs)."""
        data = parse_plan_text(text)
        if not isinstance(data, dict):
            raise PlanError("a plan is a JSON object")
        return cls.from_dict(data)


def unresolved_text(unresolved: Any) -> str:
    """What a step that did not resolve names, in Argo's words (`template reference
    NAME.TEMPLATE not found`); never a Python `None`."""
    ref = unresolved.get("templateRef") if isinstance(unresolved, dict) else None
    if isinstance(ref, dict):
        return f"template reference {ref.get('name') or '?'}.{ref.get('template') or '?'} not found"
    name = unresolved.get("template") if isinstance(unresolved, dict) else None
    return f"template {name!r} not found" if name else "the step names no template"


def is_plan_text(text: str) -> bool:
    """True when `text` looks like a plan (so `plait run` can accept a plan or YAML)."""
    head = text.lstrip()[:4096]
    return head.startswith("{") and '"planVersion"' in text


__all__ = ["DEFAULT_PREFIX", "MAX_DEPTH", "NAME_CHARS", "PLAN_VERSION", "Plan", "PlanError",
           "SCHEMA_PATH",
           "unresolved_text",
           "generate_name", "is_plan_text", "validate_plan"]
