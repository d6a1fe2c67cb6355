"""The one codec between the typed plan (`compiler/plan.py`) and the versioned plan JSON.

`plait compile` writes a plan file and the runtime reads one (`compiler/plan.schema.json` is
the file format). This module is the only place that turns records into that JSON and back:
`read_plan(text)` validates a plan file against the schema and its version and returns a
`Plan`; `write_plan(plan)` gives the file's text, deterministic (sorted keys), equal to what
was read (the golden plans round-trip byte for byte: tests/compiler/test_plancodec.py). The
`decode_*` functions also read Argo's own open objects (a parameter, an artifact, a
withSequence, settings) into records where the compiler meets them in a workflow.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Mapping

from .plan import (
    ARTIFACT_FIELDS,
    ARTIFACT_LOCATIONS,
    IO,
    META_FIELDS,
    PARAMETER_FIELDS,
    PLAN_VERSION,
    POD_SPEC_KEYS,
    SEQUENCE_FIELDS,
    SETTINGS_FIELDS,
    TEMPLATE_SETTINGS_FIELDS,
    UNRESOLVED_FIELDS,
    VALUE_FROM_FIELDS,
    Artifact,
    Backoff,
    Body,
    Child,
    DagBody,
    Hook,
    LeafBody,
    Loop,
    LoopItem,
    Parameter,
    Plan,
    Retry,
    Sequence,
    StepsBody,
    Template,
    TemplateSettings,
    Unresolved,
    ValueFrom,
    When,
    WorkflowMeta,
    WorkflowSettings,
)

SCHEMA_PATH = Path(__file__).with_name("plan.schema.json")


class PlanError(ValueError):
    """A plan that does not follow `plan.schema.json`; the message names the field."""


# --- decoding ---------------------------------------------------------------------------


def _split(d: Mapping[str, Any], names: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An open JSON object's keys: (named fields by attribute name, every other key)."""
    known: dict[str, Any] = {}
    other: dict[str, Any] = {}
    for k, v in d.items():
        if k in names:
            known[names[k]] = v
        else:
            other[k] = v
    return known, other


def decode_value_from(d: Mapping[str, Any]) -> ValueFrom:
    known, other = _split(d, VALUE_FROM_FIELDS)
    return ValueFrom(**known, other=other or None, keys=tuple(d))


def decode_parameter(d: Mapping[str, Any]) -> Parameter:
    known, other = _split(d, PARAMETER_FIELDS)
    if isinstance(known.get("value_from"), Mapping):
        known["value_from"] = decode_value_from(known["value_from"])
    elif "value_from" in known:          # not an object (the schema leaves it open): kept
        other["valueFrom"] = known.pop("value_from")
    return Parameter(**{"name": None, **known}, other=other or None, keys=tuple(d))


def decode_artifact(d: Mapping[str, Any]) -> Artifact:
    known, other = _split(d, ARTIFACT_FIELDS)
    source = {k: other.pop(k) for k in ARTIFACT_LOCATIONS if k in other}
    return Artifact(**{"name": None, **known}, source=source or None, other=other or None,
                    keys=tuple(d))


def decode_meta(d: Mapping[str, Any]) -> WorkflowMeta:
    known, other = _split(d, META_FIELDS)
    return WorkflowMeta(**known, other=other or None, keys=tuple(d))


def decode_settings(d: Mapping[str, Any]) -> WorkflowSettings:
    known, other = _split(d, SETTINGS_FIELDS)
    pod = {k: other.pop(k) for k in list(other) if k in POD_SPEC_KEYS}
    return WorkflowSettings(**known, pod=pod or None, other=other or None, keys=tuple(d))


def decode_template_settings(d: Mapping[str, Any] | None) -> TemplateSettings:
    """A template's `settings` (rendered or not) as a record."""
    d = d or {}
    known, other = _split(d, TEMPLATE_SETTINGS_FIELDS)
    pod = {k: other.pop(k) for k in list(other) if k in POD_SPEC_KEYS}
    return TemplateSettings(**known, pod=pod or None, other=other or None, keys=tuple(d))


def decode_io(d: Mapping[str, Any] | None) -> IO:
    """Argo's `{parameters: [...], artifacts: [...]}` (either may be absent) as a record."""
    d = d or {}
    return IO(tuple(decode_parameter(p) for p in d.get("parameters") or ()),
              tuple(decode_artifact(a) for a in d.get("artifacts") or ()))


_io = decode_io


def _strings(v: Any) -> tuple[str, ...] | None:
    return None if v is None else tuple(v)


def decode_hook(d: Mapping[str, Any]) -> Hook:
    args = d.get("arguments")
    if not isinstance(args, Mapping):
        return Hook(d.get("template"), None, d.get("expression"))
    return Hook(d.get("template"), decode_io(args), d.get("expression"), tuple(args))


def decode_hooks(d: Mapping[str, Any] | None) -> dict[str, Hook]:
    return {k: decode_hook(h) for k, h in (d or {}).items()}


def _loop(d: Mapping[str, Any]) -> Loop:
    kind = d["kind"]
    if kind == "items":
        return Loop(kind, items=tuple(LoopItem(i["name"], i["item"], i.get("when"))
                                      for i in d.get("items") or ()))
    if kind == "param":
        return Loop(kind, text=d.get("text"), producers=_strings(d.get("producers")))
    seq = d.get("sequence")
    if not isinstance(seq, Mapping):
        return Loop(kind)
    return Loop(kind, sequence=decode_sequence(seq))


def decode_unresolved(d: Mapping[str, Any]) -> Unresolved:
    return Unresolved(d.get("template"), d.get("templateRef"), keys=tuple(d))


def decode_sequence(d: Mapping[str, Any]) -> Sequence:
    """withSequence's fields as written (Argo's object) as a record."""
    known, other = _split(d, SEQUENCE_FIELDS)
    return Sequence(**known, other=other or None, keys=tuple(d))


def decode_child(d: Mapping[str, Any]) -> Child:
    when = d.get("when")
    return Child(
        name=d["name"], template=d.get("template"), arguments=_io(d.get("arguments") or {}),
        unresolved=None if d.get("unresolved") is None else decode_unresolved(d["unresolved"]),
        when=None if when is None else When(when["text"], when.get("static"),
                                            _strings(when.get("producers"))),
        loop=None if d.get("loop") is None else _loop(d["loop"]),
        depends=d.get("depends"), producers=_strings(d.get("producers")),
        continue_on=_strings(d.get("continueOn")),
        hooks=None if d.get("hooks") is None else decode_hooks(d["hooks"]))


def _retry(d: Mapping[str, Any]) -> Retry:
    b = d.get("backoff")
    backoff = None if b is None else Backoff(b.get("duration"), b.get("factor"), b.get("cap"),
                                             b.get("maxDuration"))
    return Retry(d.get("limit"), d["policy"], d.get("expression"), backoff, d.get("affinity"))


def decode_template(d: Mapping[str, Any]) -> Template:
    body: Body | None = None
    if "steps" in d:
        body = StepsBody(tuple(tuple(decode_child(c) for c in g) for g in d["steps"]))
    elif "tasks" in d:
        target = d.get("target")
        body = DagBody(tuple(decode_child(c) for c in d["tasks"]),
                       tuple(target) if isinstance(target, list) else target, d.get("failFast"))
    elif "body" in d:
        body = LeafBody(d["body"])
    return Template(
        name=d["name"], kind=d.get("kind"), leaf=d.get("leaf", False),
        inputs=_io(d.get("inputs") or {}), outputs=_io(d.get("outputs") or {}), body=body,
        library=d.get("library"), retry=None if d.get("retry") is None else _retry(d["retry"]),
        timeout=d.get("timeout"), pending_timeout=d.get("pendingTimeout"),
        active_deadline_seconds=d.get("activeDeadlineSeconds"),
        settings=None if d.get("settings") is None else decode_template_settings(d["settings"]))


def decode_plan(data: Any, validate: bool = True) -> Plan:
    """The plan JSON data (a parsed plan file), validated: `PlanError` names what is wrong.
    (`validate=False` only for data already validated, or built by the compiler.)"""
    if not isinstance(data, dict):
        raise PlanError("a plan is a JSON object")
    version = data.get("planVersion")
    if version != PLAN_VERSION:
        raise PlanError(f"unsupported planVersion {version!r} (this plait reads {PLAN_VERSION})")
    if validate:
        validate_plan(data)
    return Plan(
        workflow=decode_meta(data["workflow"]), arguments=_io(data["arguments"]),
        entrypoint=data["entrypoint"],
        templates={k: decode_template(t) for k, t in data["templates"].items()},
        on_exit=data["onExit"], hooks=decode_hooks(data["hooks"]),
        settings=decode_settings(data["settings"]),
        call_graph=data["callGraph"], recursive=data["recursive"], max_depth=data["maxDepth"],
        plan_version=version)


def parse_plan_text(text: str) -> Any:
    """A plan file's JSON data, not yet validated; `PlanError` for text that is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise PlanError(f"not JSON: {exc or 'nested too deeply'}") from None


def read_plan(text: str) -> Plan:
    """A plan file's text as records; `PlanError` for text that is not a valid plan."""
    return decode_plan(parse_plan_text(text))


def read_stored_plan(text: str | None) -> Plan | None:
    """The plan a store row holds (`plan_json`), read as every plan file is (validated), or
    None when the row holds no valid plan (a store made by a test or an older plait): the
    views that show a run's metadata read it this way and show less rather than fail."""
    if not text:
        return None
    try:
        return read_plan(text)
    except PlanError:
        return None


# --- encoding ---------------------------------------------------------------------------


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _object(rec: Any, names: Mapping[str, str], extra: Mapping[str, Any]) -> dict[str, Any]:
    """An open JSON object from its record: the keys as written first, in their order (a
    written null stays), then any named field set on a record built in code."""
    values = {k: getattr(rec, a) for k, a in names.items()}
    values.update(extra)
    out: dict[str, Any] = {}
    for k in rec.keys:
        if k in values:
            out[k] = values[k]
    for k, v in values.items():
        if k not in out and v is not None:
            out[k] = v
    return out


def encode_value_from(vf: ValueFrom) -> dict[str, Any]:
    return _object(vf, VALUE_FROM_FIELDS, vf.other or {})


def encode_parameter(p: Parameter) -> dict[str, Any]:
    names = {k: a for k, a in PARAMETER_FIELDS.items() if a != "value_from"}
    vf = None if p.value_from is None else encode_value_from(p.value_from)
    extra = {**({} if vf is None else {"valueFrom": vf}), **(p.other or {})}
    return _object(p, names, extra)


def encode_artifact(a: Artifact) -> dict[str, Any]:
    return _object(a, ARTIFACT_FIELDS, {**(a.source or {}), **(a.other or {})})


def encode_meta(m: WorkflowMeta) -> dict[str, Any]:
    return _object(m, META_FIELDS, m.other or {})


def encode_settings(st: WorkflowSettings) -> dict[str, Any]:
    return _object(st, SETTINGS_FIELDS, {**(st.pod or {}), **(st.other or {})})


def encode_template_settings(st: TemplateSettings) -> dict[str, Any]:
    return _object(st, TEMPLATE_SETTINGS_FIELDS, {**(st.pod or {}), **(st.other or {})})


def encode_io(io: IO) -> dict[str, Any]:
    """Argo's `{parameters: [...], artifacts: [...]}` of a record."""
    return {"parameters": [encode_parameter(p) for p in io.parameters],
            "artifacts": [encode_artifact(a) for a in io.artifacts]}


_io_json = encode_io


def encode_hook(h: Hook) -> dict[str, Any]:
    out: dict[str, Any] = {"template": h.template}
    if h.arguments is not None:
        io = encode_io(h.arguments)
        out["arguments"] = {k: io[k] for k in h.argument_keys or io if k in io}
    _put(out, "expression", h.expression)
    return out


def _loop_json(loop: Loop) -> dict[str, Any]:
    if loop.kind == "items":
        items = []
        for i in loop.items:
            item: dict[str, Any] = {"name": i.name, "item": i.item}
            _put(item, "when", i.when)
            items.append(item)
        return {"kind": "items", "items": items}
    if loop.kind == "param":
        out: dict[str, Any] = {"kind": "param", "text": loop.text}
        _put(out, "producers", None if loop.producers is None else list(loop.producers))
        return out
    seq = loop.sequence
    return {"kind": loop.kind,
            "sequence": None if seq is None else _object(seq, SEQUENCE_FIELDS, seq.other or {})}


def _list(v: tuple[str, ...] | None) -> list[str] | None:
    return None if v is None else list(v)


def encode_child(c: Child) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "template": c.template,
                           "arguments": _io_json(c.arguments)}
    if c.unresolved is not None:
        out["unresolved"] = _object(c.unresolved, UNRESOLVED_FIELDS, {})
    if c.when is not None:
        when: dict[str, Any] = {"text": c.when.text}
        _put(when, "static", c.when.static)
        _put(when, "producers", _list(c.when.producers))
        out["when"] = when
    if c.loop is not None:
        out["loop"] = _loop_json(c.loop)
    _put(out, "depends", c.depends)
    _put(out, "producers", _list(c.producers))
    _put(out, "continueOn", _list(c.continue_on))
    if c.hooks is not None:
        out["hooks"] = {k: encode_hook(h) for k, h in c.hooks.items()}
    return out


def _retry_json(r: Retry) -> dict[str, Any]:
    out: dict[str, Any] = {"limit": r.limit, "policy": r.policy}
    _put(out, "expression", r.expression)
    if r.backoff is not None:
        b: dict[str, Any] = {}
        _put(b, "duration", r.backoff.duration)
        _put(b, "factor", r.backoff.factor)
        _put(b, "cap", r.backoff.cap)
        _put(b, "maxDuration", r.backoff.max_duration)
        out["backoff"] = b
    _put(out, "affinity", r.affinity)
    return out


def encode_template(t: Template) -> dict[str, Any]:
    out: dict[str, Any] = {"name": t.name, "kind": t.kind, "leaf": t.leaf,
                           "inputs": _io_json(t.inputs), "outputs": _io_json(t.outputs)}
    body = t.body
    if isinstance(body, StepsBody):
        out["steps"] = [[encode_child(c) for c in g] for g in body.groups]
    elif isinstance(body, DagBody):
        out["tasks"] = [encode_child(c) for c in body.tasks]
        _put(out, "target", list(body.target) if isinstance(body.target, tuple) else body.target)
        _put(out, "failFast", body.fail_fast)
    elif isinstance(body, LeafBody):
        out["body"] = body.spec
    _put(out, "library", t.library)
    if t.retry is not None:
        out["retry"] = _retry_json(t.retry)
    _put(out, "timeout", t.timeout)
    _put(out, "pendingTimeout", t.pending_timeout)
    _put(out, "activeDeadlineSeconds", t.active_deadline_seconds)
    _put(out, "settings", None if t.settings is None else encode_template_settings(t.settings))
    return out


def encode_plan(p: Plan) -> dict[str, Any]:
    """The plan's JSON data (what `decode_plan` read)."""
    return {"planVersion": p.plan_version, "workflow": encode_meta(p.workflow),
            "arguments": _io_json(p.arguments),
            "entrypoint": p.entrypoint,
            "templates": {k: encode_template(t) for k, t in p.templates.items()},
            "onExit": p.on_exit, "hooks": {k: encode_hook(h) for k, h in p.hooks.items()},
            "settings": encode_settings(p.settings), "callGraph": p.call_graph, "recursive": p.recursive,
            "maxDepth": p.max_depth}


def plan_text(data: Mapping[str, Any]) -> str:
    """Deterministic plan file text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_plan(p: Plan) -> str:
    return plan_text(encode_plan(p))


# --- validation -------------------------------------------------------------------------


def validate_plan(data: Any) -> None:
    """Raise `PlanError` naming the first field of `data` that `plan.schema.json` refuses."""
    error = _best_error(data)
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise PlanError(f"{where.lstrip('.') or 'the plan'}: {error.message}")


def _best_error(data: Any) -> Any:
    import jsonschema  # lazily (a heavy library): `plait check` and `compile` never need it

    return jsonschema.exceptions.best_match(_validator().iter_errors(data))


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


__all__ = ["PlanError", "SCHEMA_PATH", "decode_artifact", "decode_child", "decode_hook",
           "decode_hooks", "decode_io", "decode_meta", "decode_parameter", "decode_plan",
           "decode_sequence", "decode_settings", "decode_template", "decode_template_settings",
           "decode_unresolved", "decode_value_from", "encode_artifact", "encode_child",
           "encode_hook", "encode_io", "encode_meta", "encode_parameter", "encode_plan",
           "encode_settings", "encode_template", "encode_template_settings", "encode_value_from",
           "parse_plan_text", "plan_text", "read_plan", "read_stored_plan", "validate_plan",
           "write_plan"]
