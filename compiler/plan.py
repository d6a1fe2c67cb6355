"""The checked plan as typed records: everything the runtime needs to run one workflow.

A `Plan` is the output of `compiler.planner.build_plan` and the input of the runtime: the
workflow's metadata, its arguments, its templates (each with its kind-specific body: the
steps or tasks with their loops, `when`, arguments and hooks, or a leaf's body as written),
retry and timeout settings, hooks and the workflow spec's other settings. The records are
frozen; a change makes a new record (`dataclasses.replace`).

A plan is a file format too: `compiler/plancodec.py` is the one codec between these records
and the versioned plan JSON (`compiler/plan.schema.json`, which it validates against), so
the runtime reads plan files without the compiler and another tool may write them. Its
output is deterministic (sorted keys), and every golden plan reads and writes back byte for
byte (tests/compiler/test_plancodec.py).

What stays JSON inside a named field is Kubernetes' and Argo's own open formats, which pods
and the status copy as they are: a leaf's body (a container, a script, ...), a template's
sidecars, init containers and pod metadata, an artifact's storage location, pod-level spec
fields (affinity, tolerations, ...), volumes, a retry's affinity, and the settings no local
run interprets (`other`). A field the JSON may leave out is None when it is absent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from .names import DISPLAY_NAME_ANNOTATION

PLAN_VERSION = 1
MAX_DEPTH = 100          # Argo's recursion limit (spec §14)
NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"   # Kubernetes' random-suffix alphabet
DEFAULT_PREFIX = "workflow-"


def generate_name(prefix: str) -> str:
    """`generateName` completed as the Kubernetes API server does (prefix cut to 58)."""
    return prefix[:58] + "".join(secrets.choice(NAME_CHARS) for _ in range(5))


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
        return _has(self, VALUE_FROM_FIELDS, key)


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
        return _has(self, ARTIFACT_FIELDS, key) or key in (self.source or {})


def _has(rec: Any, names: Mapping[str, str], key: str) -> bool:
    if key in rec.keys:
        return True
    attr = names.get(key)
    return getattr(rec, attr) is not None if attr else key in (rec.other or {})


# JSON key -> attribute, for the open objects' named fields (the codec reads and writes by
# these; `has` answers in JSON keys)
ARTIFACT_LOCATIONS = ("raw", "s3", "gcs", "azure", "hdfs", "oss", "artifactory", "git", "http",
                      "plugin")
SEQUENCE_FIELDS = {"count": "count", "start": "start", "end": "end", "format": "format"}
VALUE_FROM_FIELDS = {"path": "path", "parameter": "parameter", "expression": "expression",
                     "jsonPath": "json_path", "jqFilter": "jq_filter", "default": "default",
                     "supplied": "supplied", "configMapKeyRef": "config_map_key_ref",
                     "event": "event"}
PARAMETER_FIELDS = {"name": "name", "value": "value", "default": "default", "enum": "enum",
                    "description": "description", "valueFrom": "value_from",
                    "globalName": "global_name"}
ARTIFACT_FIELDS = {"name": "name", "path": "path", "from": "from_",
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

    @property
    def display_name(self) -> Any:
        """Argo's `workflows.argoproj.io/display-name` annotation (a tag text the node's name
        is rendered from), set on the template or on its pod metadata; None without one."""
        own = (self.annotations or {}).get(DISPLAY_NAME_ANNOTATION)
        pod = ((self.metadata or {}).get("annotations") or {}).get(DISPLAY_NAME_ANNOTATION)
        return own or pod or None


TEMPLATE_SETTINGS_FIELDS = {"daemon": "daemon", "parallelism": "parallelism",
                            "failFast": "fail_fast", "serviceAccountName": "service_account_name",
                            "podSpecPatch": "pod_spec_patch", "metadata": "metadata",
                            "annotations": "annotations", "sidecars": "sidecars",
                            "initContainers": "init_containers", "volumes": "volumes"}
META_FIELDS = {"name": "name", "generateName": "generate_name", "namespace": "namespace",
               "labels": "labels", "annotations": "annotations", "source": "source",
               "workflowTemplateRef": "workflow_template_ref"}
UNRESOLVED_FIELDS = {"template": "template", "templateRef": "template_ref"}
SETTINGS_FIELDS = {"parallelism": "parallelism",
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
        return _has(self, SEQUENCE_FIELDS, key)


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
class Unresolved:
    """What a step or task that did not resolve names, as written: `template` (a name, or a
    tag's text) and `template_ref` (Argo's reference object, or whatever was written)."""

    template: Any = None
    template_ref: Any = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Child:
    """A step or a DAG task."""

    name: str
    template: str | None                 # a key of the plan's templates; None: unresolved
    arguments: IO
    unresolved: Unresolved | None = None
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
class Plan:
    """The plan: the workflow's metadata, arguments, templates, hooks and spec settings."""

    workflow: WorkflowMeta
    arguments: IO
    entrypoint: str                          # a key of `templates`
    templates: dict[str, Template]
    on_exit: str | None = None               # a key of `templates`
    hooks: dict[str, Hook] = field(default_factory=dict)   # workflow lifecycle hooks (not exit)
    settings: WorkflowSettings = field(default_factory=WorkflowSettings)
    call_graph: dict[str, list[str]] = field(default_factory=dict)
    recursive: list[str] = field(default_factory=list)    # templates on a call cycle (lazy)
    max_depth: int = MAX_DEPTH
    plan_version: int = PLAN_VERSION

    @property
    def name(self) -> str:
        """The workflow name; empty for a plan that keeps `generateName` (see `named`)."""
        return self.workflow.name or ""

    def named(self, name: str | None = None) -> "Plan":
        """This plan with a workflow name: `name`, its own, or one made from
        `generateName` as the API server makes it when a run is created."""
        if not name and self.name:
            return self
        name = name or generate_name(self.workflow.generate_name or DEFAULT_PREFIX)
        return replace(self, workflow=replace(self.workflow, name=name))

    def with_source(self, source: str) -> "Plan":
        """This plan naming `source` as the file it was compiled from (how findings and
        `plait get` name it: a label such as `<stdin>` instead of a temporary path)."""
        return replace(self, workflow=replace(self.workflow, source=source))

    def unresolved_refs(self) -> list[str]:
        """Each step or task whose template did not resolve when the plan was compiled (a
        `templateRef` to a WorkflowTemplate no file defined), as `TEMPLATE.STEP: REF`: a
        run refuses such a plan rather than start and fail."""
        return [f"{key}.{child.name}: {unresolved_text(child.unresolved)}"
                for key, tmpl in sorted(self.templates.items())
                for child in tmpl.children if child.template is None]


def unresolved_text(unresolved: Unresolved | None) -> str:
    """What a step that did not resolve names, in Argo's words (`template reference
    NAME.TEMPLATE not found`); never a Python `None`."""
    ref = unresolved.template_ref if unresolved is not None else None
    if isinstance(ref, Mapping):
        return f"template reference {ref.get('name') or '?'}.{ref.get('template') or '?'} not found"
    name = unresolved.template if unresolved is not None else None
    return f"template {name!r} not found" if name else "the step names no template"


def is_plan_text(text: str) -> bool:
    """True when `text` looks like a plan (so `plait run` can accept a plan or YAML)."""
    head = text.lstrip()[:4096]
    return head.startswith("{") and '"planVersion"' in text


__all__ = ["ARTIFACT_FIELDS", "ARTIFACT_LOCATIONS", "Artifact", "Backoff", "Body", "Child",
           "DEFAULT_PREFIX", "DagBody", "Hook", "IO", "LeafBody", "Loop", "LoopItem", "MAX_DEPTH",
           "META_FIELDS", "NAME_CHARS", "PARAMETER_FIELDS", "PLAN_VERSION", "POD_SPEC_KEYS",
           "Parameter", "Plan", "Retry", "SEQUENCE_FIELDS", "SETTINGS_FIELDS", "Sequence",
           "StepsBody", "TEMPLATE_SETTINGS_FIELDS", "Template", "TemplateSettings",
           "UNRESOLVED_FIELDS", "Unresolved", "VALUE_FROM_FIELDS", "ValueFrom", "When",
           "WorkflowMeta", "WorkflowSettings", "generate_name", "is_plan_text", "unresolved_text"]
