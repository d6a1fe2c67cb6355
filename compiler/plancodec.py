"""The plan as typed records, and the one codec between them and the versioned plan JSON.

`plait compile` writes a plan file and the runtime reads one (`compiler/plan.py` holds the
`Plan` the compiler builds; `compiler/plan.schema.json` is the file format). This module is
the only place that knows the JSON's key names: `decode_plan(data)` validates a plan against
the schema and its version and returns a `PlanRecord`; `encode_plan(record)` gives the JSON
data back, equal to what was read (the golden plans round-trip byte for byte:
tests/compiler/test_plancodec.py). The runtime reads templates, steps, tasks, loops, `when`,
hooks, retry settings, parameters and artifacts, the workflow's metadata and its spec
settings as attributes of these records (`template_records`, `read_stored_plan`).

A field that the JSON may leave out is None here when it is absent. What stays JSON inside a
named field is Kubernetes' and Argo's own open formats, which pods and the status copy as they
are: a leaf's body (a container, a script, ...), a template's sidecars, init containers and pod
metadata, an artifact's storage location, pod-level spec fields (affinity, tolerations, ...),
volumes, and the settings no local run interprets (`other`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PLAN_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("plan.schema.json")
JSON = Any


class PlanError(ValueError):
    """A plan that does not follow `plan.schema.json`; the message names the field."""


# --- records ----------------------------------------------------------------------------


# Parameter, ValueFrom and Artifact are Argo's open JSON objects: each record names the keys
# the runtime interprets, keeps any other key in `other`, and remembers the order its keys were
# written in (`keys`), so that encoding gives back the same object, key order included (an
# artifact is passed on as a value: it lands in node inputs and `get -o json` as written).
# A key written with a null value stays written (it is in `keys`); one never written is None.


@dataclass(frozen=True, slots=True)
class ValueFrom:
    """A parameter's `valueFrom`. `config_map_key_ref` stays Kubernetes' own selector object
    (name, key, optional) and `supplied` Argo's (empty) marker object."""

    path: str | None = None
    parameter: str | None = None
    expression: str | None = None
    json_path: str | None = None
    jq_filter: str | None = None
    default: Any = None
    supplied: Any = None
    config_map_key_ref: dict[str, Any] | None = None
    event: str | None = None
    other: dict[str, Any] | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def has(self, key: str) -> bool:
        """True when the JSON key `key` was written (even with a null value)."""
        return _has(self, _VALUE_FROM_FIELDS, key)


@dataclass(frozen=True, slots=True)
class Parameter:
    """An input, output or argument parameter (`value` as written: text, or a number or bool
    YAML wrote; `enum` as written)."""

    name: str
    value: Any = None
    default: Any = None
    enum: Any = None
    description: Any = None
    value_from: ValueFrom | None = None
    global_name: str | None = None
    other: dict[str, Any] | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Artifact:
    """An input, output or argument artifact. `source` holds its storage location as written
    (`raw`, `s3`, `http`, `git`, ...: Argo's own open formats, which a pod or a repository reads
    as they are); `archive` stays Argo's object (`{none: {}}`, `{tar: {...}}`); `other` keeps
    the keys the runtime does not interpret (archiveLogs, artifactGC, deleted, recurseMode)."""

    name: str
    path: str | None = None
    from_: str | None = None
    from_expression: str | None = None
    optional: Any = None
    sub_path: str | None = None
    mode: Any = None
    global_name: str | None = None
    archive: Any = None
    source: dict[str, Any] | None = None
    other: dict[str, Any] | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def has(self, key: str) -> bool:
        """True when the JSON key `key` was written (even with a null value)."""
        return _has(self, _ARTIFACT_FIELDS, key) or key in (self.source or {})

    def json(self) -> dict[str, Any]:
        """The artifact as Argo's JSON object (what a step passes on as a value)."""
        return encode_artifact(self)


def _has(rec: Any, names: Mapping[str, str], key: str) -> bool:
    if key in rec.keys:
        return True
    attr = names.get(key)
    return getattr(rec, attr) is not None if attr else key in (rec.other or {})


ARTIFACT_LOCATIONS = ("raw", "s3", "gcs", "azure", "hdfs", "oss", "artifactory", "git", "http",
                      "plugin")
_SEQUENCE_FIELDS = {"count": "count", "start": "start", "end": "end", "format": "format"}
_VALUE_FROM_FIELDS = {"path": "path", "parameter": "parameter", "expression": "expression",
                      "jsonPath": "json_path", "jqFilter": "jq_filter", "default": "default",
                      "supplied": "supplied", "configMapKeyRef": "config_map_key_ref",
                      "event": "event"}
_PARAMETER_FIELDS = {"name": "name", "value": "value", "default": "default", "enum": "enum",
                     "description": "description", "valueFrom": "value_from",
                     "globalName": "global_name"}
_ARTIFACT_FIELDS = {"name": "name", "path": "path", "from": "from_",
                    "fromExpression": "from_expression", "optional": "optional",
                    "subPath": "sub_path", "mode": "mode", "globalName": "global_name",
                    "archive": "archive"}


# Kubernetes' own pod-level fields that a workflow spec (or a template) may set and that go
# into every pod as they are written (pods.build_pod).
POD_SPEC_KEYS = ("nodeSelector", "affinity", "tolerations", "securityContext", "hostAliases",
                 "priorityClassName", "schedulerName", "automountServiceAccountToken",
                 "dnsPolicy", "dnsConfig", "imagePullSecrets", "hostNetwork")


@dataclass(frozen=True, slots=True)
class WorkflowMeta:
    """The workflow's metadata (`plan.workflow`): `labels` and `annotations` stay
    Kubernetes' string maps, `workflow_template_ref` Argo's reference object."""

    name: str | None = None
    generate_name: str | None = None
    namespace: str | None = None
    labels: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None
    source: str | None = None
    workflow_template_ref: dict[str, Any] | None = None
    other: dict[str, Any] | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class WorkflowSettings:
    """The workflow spec's other fields (`plan.settings`, an open set). The ones the runtime
    interprets are named; `pod` holds the pod-level fields (`POD_SPEC_KEYS`) that every pod
    inherits, and `volumes`/`volume_claim_templates` the volumes every pod may mount: those
    are Kubernetes' own objects, which pods receive as written, so they stay JSON here.
    `other` keeps the rest as written (podGC, ttlStrategy, synchronization, metrics, ...:
    fields `plait export` and the status copy, and that no local run interprets)."""

    parallelism: Any = None
    active_deadline_seconds: Any = None
    service_account_name: str | None = None
    priority: Any = None
    pod_spec_patch: str | None = None
    volumes: list[Any] | None = None
    volume_claim_templates: list[Any] | None = None
    pod: dict[str, Any] | None = None
    other: dict[str, Any] | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TemplateSettings:
    """A template's other fields (`settings`, an open set) that the runtime interprets by
    name; `metadata` (the pod's labels and annotations), `sidecars`, `init_containers`,
    `volumes` and `pod` (the pod-level fields, `POD_SPEC_KEYS`) are Kubernetes' own objects,
    which the pod receives as written, so they stay JSON; `other` keeps the rest (resources,
    nodeSelector's siblings the runtime does not read, memoize, synchronization, ...)."""

    daemon: Any = None
    parallelism: Any = None
    fail_fast: Any = None
    service_account_name: str | None = None
    pod_spec_patch: str | None = None
    metadata: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None
    sidecars: list[Any] | None = None
    init_containers: list[Any] | None = None
    volumes: list[Any] | None = None
    pod: dict[str, Any] | None = None
    other: dict[str, Any] | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def is_daemon(self) -> bool:
        return self.daemon in (True, "true")


_TEMPLATE_SETTINGS_FIELDS = {"daemon": "daemon", "parallelism": "parallelism",
                             "failFast": "fail_fast", "serviceAccountName": "service_account_name",
                             "podSpecPatch": "pod_spec_patch", "metadata": "metadata",
                             "annotations": "annotations", "sidecars": "sidecars",
                             "initContainers": "init_containers", "volumes": "volumes"}
_META_FIELDS = {"name": "name", "generateName": "generate_name", "namespace": "namespace",
                "labels": "labels", "annotations": "annotations", "source": "source",
                "workflowTemplateRef": "workflow_template_ref"}
_SETTINGS_FIELDS = {"parallelism": "parallelism",
                    "activeDeadlineSeconds": "active_deadline_seconds",
                    "serviceAccountName": "service_account_name", "priority": "priority",
                    "podSpecPatch": "pod_spec_patch", "volumes": "volumes",
                    "volumeClaimTemplates": "volume_claim_templates"}


@dataclass(frozen=True, slots=True)
class IO:
    """Inputs, outputs or arguments: parameter and artifact records."""

    parameters: tuple[Parameter, ...] = ()
    artifacts: tuple[Artifact, ...] = ()


@dataclass(frozen=True, slots=True)
class Backoff:
    """retryStrategy.backoff, in seconds (text only where a tag makes it dynamic)."""

    duration: float | str | None = None
    factor: float | str | None = None
    cap: float | str | None = None
    max_duration: float | str | None = None


@dataclass(frozen=True, slots=True)
class Retry:
    """A template's retryStrategy: `limit` None is unlimited."""

    limit: int | str | None
    policy: str
    expression: str | None = None
    backoff: Backoff | None = None
    affinity: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Hook:
    """A lifecycle hook (`exit`, or one with an `expression`): the template it runs, with
    its arguments (`argument_keys`: which of `parameters`/`artifacts` were written)."""

    template: str | None
    arguments: IO | None = None
    expression: str | None = None
    argument_keys: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class When:
    """A step's or task's `when`: `static` when the compiler could decide it."""

    text: str
    static: bool | None = None
    producers: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class LoopItem:
    """One `withItems` iteration: its node name, its item and its folded `when`."""

    name: str
    item: Any
    when: bool | None = None


@dataclass(frozen=True, slots=True)
class Sequence:
    """withSequence's fields as written: each a number, or text with tags to render."""

    count: int | str | None = None
    start: int | str | None = None
    end: int | str | None = None
    format: str | None = None
    other: dict[str, Any] | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def has(self, key: str) -> bool:
        """True when the JSON key `key` was written (even with a null value)."""
        return _has(self, _SEQUENCE_FIELDS, key)


@dataclass(frozen=True, slots=True)
class Loop:
    """withItems (`items`), withParam (`text`, a JSON list or its tag text) or withSequence
    (`sequence`, its fields as written)."""

    kind: str
    items: tuple[LoopItem, ...] = ()
    text: Any = None
    producers: tuple[str, ...] | None = None
    sequence: Sequence | None = None


@dataclass(frozen=True, slots=True)
class Child:
    """A step or a DAG task."""

    name: str
    template: str | None                 # a key of the plan's templates; None: unresolved
    arguments: IO
    unresolved: dict[str, Any] | None = None
    when: When | None = None
    loop: Loop | None = None
    depends: str | None = None
    producers: tuple[str, ...] | None = None
    continue_on: tuple[str, ...] | None = None
    hooks: dict[str, Hook] | None = None


@dataclass(frozen=True, slots=True)
class StepsBody:
    groups: tuple[tuple[Child, ...], ...]


@dataclass(frozen=True, slots=True)
class DagBody:
    tasks: tuple[Child, ...]
    target: tuple[str, ...] | str | None = None    # text when a tag makes it dynamic
    fail_fast: Any = None


@dataclass(frozen=True, slots=True)
class LeafBody:
    """The body of a leaf template as written (container, script, suspend, http, ...)."""

    spec: Any


Body = StepsBody | DagBody | LeafBody


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    kind: str | None
    leaf: bool
    inputs: IO
    outputs: IO
    body: Body | None = None
    library: str | None = None
    retry: Retry | None = None
    timeout: float | str | None = None
    pending_timeout: float | str | None = None
    active_deadline_seconds: float | str | None = None
    settings: TemplateSettings | None = None

    @property
    def children(self) -> tuple[Child, ...]:
        """Every step or task of the template (none for a leaf)."""
        if isinstance(self.body, StepsBody):
            return tuple(c for g in self.body.groups for c in g)
        if isinstance(self.body, DagBody):
            return self.body.tasks
        return ()

    @property
    def spec(self) -> Any:
        """A leaf's body as written (None for steps and dag templates)."""
        return self.body.spec if isinstance(self.body, LeafBody) else None


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """The plan: the workflow's metadata, arguments, templates, hooks and spec settings."""

    workflow: WorkflowMeta
    arguments: IO
    entrypoint: str
    templates: dict[str, Template]
    on_exit: str | None
    hooks: dict[str, Hook]
    settings: WorkflowSettings
    call_graph: dict[str, list[str]]
    recursive: list[str]
    max_depth: int
    plan_version: int = PLAN_VERSION


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
    known, other = _split(d, _VALUE_FROM_FIELDS)
    return ValueFrom(**known, other=other or None, keys=tuple(d))


def decode_parameter(d: Mapping[str, Any]) -> Parameter:
    known, other = _split(d, _PARAMETER_FIELDS)
    if isinstance(known.get("value_from"), Mapping):
        known["value_from"] = decode_value_from(known["value_from"])
    elif "value_from" in known:          # not an object (the schema leaves it open): kept
        other["valueFrom"] = known.pop("value_from")
    return Parameter(**{"name": None, **known}, other=other or None, keys=tuple(d))


def decode_artifact(d: Mapping[str, Any]) -> Artifact:
    known, other = _split(d, _ARTIFACT_FIELDS)
    source = {k: other.pop(k) for k in ARTIFACT_LOCATIONS if k in other}
    return Artifact(**{"name": None, **known}, source=source or None, other=other or None,
                    keys=tuple(d))


def decode_meta(d: Mapping[str, Any]) -> WorkflowMeta:
    known, other = _split(d, _META_FIELDS)
    return WorkflowMeta(**known, other=other or None, keys=tuple(d))


def decode_settings(d: Mapping[str, Any]) -> WorkflowSettings:
    known, other = _split(d, _SETTINGS_FIELDS)
    pod = {k: other.pop(k) for k in list(other) if k in POD_SPEC_KEYS}
    return WorkflowSettings(**known, pod=pod or None, other=other or None, keys=tuple(d))


def decode_template_settings(d: Mapping[str, Any] | None) -> TemplateSettings:
    """A template's `settings` (rendered or not) as a record."""
    d = d or {}
    known, other = _split(d, _TEMPLATE_SETTINGS_FIELDS)
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
    known, other = _split(seq, _SEQUENCE_FIELDS)
    return Loop(kind, sequence=Sequence(**known, other=other or None, keys=tuple(seq)))


def decode_child(d: Mapping[str, Any]) -> Child:
    when = d.get("when")
    return Child(
        name=d["name"], template=d.get("template"), arguments=_io(d.get("arguments") or {}),
        unresolved=d.get("unresolved"),
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


def decode_plan(data: Any, validate: bool = True) -> PlanRecord:
    """The plan JSON data (a parsed plan file), validated: `PlanError` names what is wrong.
    (`validate=False` only for data already validated, or built by the compiler.)"""
    if not isinstance(data, dict):
        raise PlanError("a plan is a JSON object")
    version = data.get("planVersion")
    if version != PLAN_VERSION:
        raise PlanError(f"unsupported planVersion {version!r} (this plait reads {PLAN_VERSION})")
    if validate:
        validate_plan(data)
    return PlanRecord(
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


def read_plan(text: str) -> PlanRecord:
    """A plan file's text as records; `PlanError` for text that is not a valid plan."""
    return decode_plan(parse_plan_text(text))


def read_stored_plan(text: str | None) -> PlanRecord | None:
    """The plan a store row holds (`plan_json`), read as every plan file is (validated), or
    None when the row holds no valid plan (a store made by a test or an older plait): the
    views that show a run's metadata read it this way and show less rather than fail."""
    if not text:
        return None
    try:
        return read_plan(text)
    except PlanError:
        return None


def template_records(templates: Mapping[str, Mapping[str, Any]]) -> dict[str, Template]:
    """A plan's templates (`Plan.templates`, JSON values) as records, by key."""
    return {k: decode_template(t) for k, t in templates.items()}


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
    return _object(vf, _VALUE_FROM_FIELDS, vf.other or {})


def encode_parameter(p: Parameter) -> dict[str, Any]:
    names = {k: a for k, a in _PARAMETER_FIELDS.items() if a != "value_from"}
    vf = None if p.value_from is None else encode_value_from(p.value_from)
    extra = {**({} if vf is None else {"valueFrom": vf}), **(p.other or {})}
    return _object(p, names, extra)


def encode_artifact(a: Artifact) -> dict[str, Any]:
    return _object(a, _ARTIFACT_FIELDS, {**(a.source or {}), **(a.other or {})})


def encode_meta(m: WorkflowMeta) -> dict[str, Any]:
    return _object(m, _META_FIELDS, m.other or {})


def encode_settings(st: WorkflowSettings) -> dict[str, Any]:
    return _object(st, _SETTINGS_FIELDS, {**(st.pod or {}), **(st.other or {})})


def encode_template_settings(st: TemplateSettings) -> dict[str, Any]:
    return _object(st, _TEMPLATE_SETTINGS_FIELDS, {**(st.pod or {}), **(st.other or {})})


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
            "sequence": None if seq is None else _object(seq, _SEQUENCE_FIELDS, seq.other or {})}


def _list(v: tuple[str, ...] | None) -> list[str] | None:
    return None if v is None else list(v)


def encode_child(c: Child) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "template": c.template,
                           "arguments": _io_json(c.arguments)}
    _put(out, "unresolved", c.unresolved)
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


def encode_plan(p: PlanRecord) -> dict[str, Any]:
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


def write_plan(p: PlanRecord) -> str:
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


__all__ = ["ARTIFACT_LOCATIONS", "Artifact", "Backoff", "Body", "Child", "DagBody", "Hook", "IO",
           "LeafBody", "Loop", "LoopItem", "Sequence", "PLAN_VERSION", "POD_SPEC_KEYS", "Parameter", "TemplateSettings",
           "decode_template_settings", "encode_template_settings",
           "ValueFrom", "WorkflowMeta", "WorkflowSettings", "decode_meta", "decode_settings",
           "encode_meta", "encode_settings",
           "decode_artifact", "decode_io", "decode_parameter", "decode_value_from",
           "encode_artifact", "encode_io", "encode_parameter", "encode_value_from", "PlanError", "PlanRecord", "Retry", "SCHEMA_PATH", "StepsBody",
           "Template", "When", "decode_child", "decode_hook", "decode_hooks", "decode_plan",
           "decode_template", "encode_child", "encode_hook", "encode_plan", "encode_template",
           "parse_plan_text", "plan_text", "read_plan", "read_stored_plan", "template_records", "validate_plan", "write_plan"]
