"""The typed model of a workflow document.

Every field keeps its position: strings are `YStr` (a `str` that knows its span) and each
model object has the span of its mapping. The model is built from data the schema stage
may have found faults in, so it tolerates wrong types: a field of the wrong shape reads as
absent here (the schema stage has already reported it), and checks go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from .diagnostics import Span
from .source import Document, YMap, YSeq, YStr, span_of

LEAF_KINDS = ("container", "script", "resource", "containerSet", "data", "http", "plugin")
POD_KINDS = ("container", "script", "resource", "containerSet", "data")
BODY_KINDS = LEAF_KINDS + ("steps", "dag", "suspend")
# bodies whose node has `outputs.result` and `exitCode` (spec §4.3)
RESULT_KINDS = ("container", "script", "containerSet", "data", "http", "plugin")

_EMPTY_MAP = YMap.empty(Span("", 1, 1, 1, 1))


def as_map(value: Any) -> YMap:
    """`value` if it is a mapping, else an empty one (the schema stage reports the type)."""
    return value if isinstance(value, YMap) else _EMPTY_MAP


def as_seq(value: Any) -> list:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> YStr | None:
    return value if isinstance(value, YStr) else None   # every loaded string is one


@dataclass(frozen=True, slots=True)
class Parameter:
    """An entry of `parameters` in inputs, outputs or arguments."""

    name: str
    span: Span
    raw: YMap
    index: int

    @property
    def name_span(self) -> Span:
        return span_of(self.raw.get("name"), self.span)

    @property
    def has_value(self) -> bool:
        return "value" in self.raw

    @property
    def value(self) -> Any:
        return self.raw.get("value")

    @property
    def default(self) -> Any:
        return self.raw.get("default")

    @property
    def value_from(self) -> YMap | None:
        vf = self.raw.get("valueFrom")
        return vf if isinstance(vf, YMap) else None

    @property
    def enum(self) -> list | None:
        e = self.raw.get("enum")
        return e if isinstance(e, list) else None

    @property
    def global_name(self) -> YStr | None:
        return as_str(self.raw.get("globalName"))


@dataclass(frozen=True, slots=True)
class Artifact:
    """An entry of `artifacts` in inputs, outputs or arguments."""

    name: str
    span: Span
    raw: YMap
    index: int

    @property
    def name_span(self) -> Span:
        return span_of(self.raw.get("name"), self.span)

    @property
    def path(self) -> YStr | None:
        return as_str(self.raw.get("path"))

    @property
    def source(self) -> YStr | None:
        """The `from` reference of an argument artifact."""
        return as_str(self.raw.get("from"))

    @property
    def optional(self) -> bool:
        return self.raw.get("optional") is True

    @property
    def global_name(self) -> YStr | None:
        return as_str(self.raw.get("globalName"))


@dataclass(frozen=True, slots=True)
class IO:
    """`inputs`, `outputs` or `arguments`: parameters and artifacts."""

    span: Span
    parameters: tuple[Parameter, ...]
    artifacts: tuple[Artifact, ...]
    raw: YMap

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def artifact(self, name: str) -> Artifact | None:
        return next((a for a in self.artifacts if a.name == name), None)


def io_of(value: Any, default_span: Span) -> IO:
    """Model an `inputs`/`outputs`/`arguments` mapping (absent or malformed reads as empty)."""
    m = as_map(value)
    span = m.span if m is not _EMPTY_MAP else default_span
    params = tuple(Parameter(str(p.get("name") or ""), span_of(p, span), p, i)
                   for i, p in enumerate(as_seq(m.get("parameters"))) if isinstance(p, YMap))
    arts = tuple(Artifact(str(a.get("name") or ""), span_of(a, span), a, i)
                 for i, a in enumerate(as_seq(m.get("artifacts"))) if isinstance(a, YMap))
    return IO(span, params, arts, m)


@dataclass(frozen=True, slots=True)
class Step:
    """A step of a steps template, or a task of a DAG (`group` is -1 for tasks)."""

    name: str
    span: Span
    raw: YMap
    group: int
    index: int
    arguments: IO
    inline: "Template | None"

    @property
    def is_task(self) -> bool:
        return self.group < 0

    @property
    def name_span(self) -> Span:
        return span_of(self.raw.get("name"), self.span)

    @property
    def template(self) -> YStr | None:
        return as_str(self.raw.get("template"))

    @property
    def template_ref(self) -> YMap | None:
        ref = self.raw.get("templateRef")
        return ref if isinstance(ref, YMap) else None

    @property
    def when(self) -> YStr | None:
        return as_str(self.raw.get("when"))

    @property
    def loop_keys(self) -> tuple[str, ...]:
        return tuple(k for k in ("withItems", "withParam", "withSequence") if k in self.raw)

    @property
    def with_items(self) -> YSeq | None:
        v = self.raw.get("withItems")
        return v if isinstance(v, YSeq) else None

    @property
    def with_param(self) -> Any:
        return self.raw.get("withParam")

    @property
    def with_sequence(self) -> YMap | None:
        v = self.raw.get("withSequence")
        return v if isinstance(v, YMap) else None

    @property
    def continue_on(self) -> YMap:
        return as_map(self.raw.get("continueOn"))

    @property
    def dependencies(self) -> list | None:
        v = self.raw.get("dependencies")
        return v if isinstance(v, list) else None

    @property
    def depends(self) -> YStr | None:
        return as_str(self.raw.get("depends"))

    @property
    def hooks(self) -> YMap:
        return as_map(self.raw.get("hooks"))

    @property
    def on_exit(self) -> YStr | None:
        return as_str(self.raw.get("onExit"))


@dataclass(frozen=True, slots=True)
class Template:
    """A template: its name, its body kind, inputs/outputs and, for steps/dag, children."""

    name: str
    span: Span
    raw: YMap
    index: int
    kinds: tuple[str, ...]          # every body key present (exactly one is valid)
    inputs: IO
    outputs: IO
    groups: tuple[tuple[Step, ...], ...]   # steps templates: groups of parallel steps
    tasks: tuple[Step, ...]                # dag templates

    @property
    def kind(self) -> str | None:
        return self.kinds[0] if self.kinds else None

    @property
    def name_span(self) -> Span:
        return span_of(self.raw.get("name"), self.span)

    @property
    def body(self) -> YMap:
        return as_map(self.raw.get(self.kind)) if self.kind else _EMPTY_MAP

    @property
    def is_leaf(self) -> bool:
        return self.kind in LEAF_KINDS

    @property
    def produces_result(self) -> bool:
        if self.kind == "containerSet":
            return any(isinstance(c, YMap) and c.get("name") == "main"
                       for c in as_seq(self.body.get("containers")))
        return self.kind in RESULT_KINDS

    @property
    def daemon(self) -> bool:
        return self.raw.get("daemon") is True

    @property
    def retry_strategy(self) -> YMap | None:
        r = self.raw.get("retryStrategy")
        return r if isinstance(r, YMap) else None

    @property
    def dag(self) -> YMap:
        return as_map(self.raw.get("dag"))

    @property
    def steps(self) -> Iterator[Step]:
        for group in self.groups:
            yield from group

    @property
    def children(self) -> tuple[Step, ...]:
        """Steps or tasks, in document order."""
        return tuple(self.steps) if self.kind == "steps" else self.tasks


def _template(value: YMap, index: int) -> Template:
    span = value.span
    kinds = tuple(k for k in BODY_KINDS if k in value)
    groups: list[tuple[Step, ...]] = []
    tasks: list[Step] = []
    if "steps" in value:
        for g, group in enumerate(as_seq(value.get("steps"))):
            # a group is a list of steps; a bare step mapping is tolerated as a group of one
            items = group if isinstance(group, list) else [group]
            groups.append(tuple(_step(s, g, i) for i, s in enumerate(items) if isinstance(s, YMap)))
    if "dag" in value:
        for i, t in enumerate(as_seq(as_map(value.get("dag")).get("tasks"))):
            if isinstance(t, YMap):
                tasks.append(_step(t, -1, i))
    return Template(str(value.get("name") or ""), span, value, index, kinds,
                    io_of(value.get("inputs"), span), io_of(value.get("outputs"), span),
                    tuple(groups), tuple(tasks))


def _step(value: YMap, group: int, index: int) -> Step:
    inline = value.get("inline")
    return Step(str(value.get("name") or ""), value.span, value, group, index,
                io_of(value.get("arguments"), value.span),
                _template(inline, -1) if isinstance(inline, YMap) else None)


@dataclass
class Workflow:
    """One workflow document (any of the four kinds), modelled."""

    doc: Document
    kind: str
    spec: YMap
    templates: tuple[Template, ...]
    arguments: IO
    by_name: dict[str, Template] = field(default_factory=dict)
    # results that several checks share (e.g. the resolved tags), computed once per document
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def file(self) -> str:
        return self.doc.source.name

    @property
    def metadata(self) -> YMap:
        return as_map(self.doc.data.get("metadata"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.metadata.get("generateName") or "")

    @property
    def span(self) -> Span:
        return self.doc.data.span

    @property
    def entrypoint(self) -> YStr | None:
        return as_str(self.spec.get("entrypoint"))

    @property
    def on_exit(self) -> YStr | None:
        """The exit handler's template name: `spec.onExit` or `spec.hooks.exit.template`."""
        name = as_str(self.spec.get("onExit"))
        if name is None:
            name = as_str(as_map(as_map(self.spec.get("hooks")).get("exit")).get("template"))
        return name

    @property
    def template_defaults(self) -> YMap:
        return as_map(self.spec.get("templateDefaults"))

    @property
    def workflow_template_ref(self) -> YMap | None:
        ref = self.spec.get("workflowTemplateRef")
        return ref if isinstance(ref, YMap) else None

    @property
    def is_library(self) -> bool:
        """WorkflowTemplates are checked on their own: entrypoint and argument values optional."""
        return self.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate")

    def template(self, name: str | None) -> Template | None:
        return self.by_name.get(name) if name else None

    def iter_steps(self) -> Iterator[tuple[Template, Step]]:
        """Every step and task of every template (inline templates included), with its owner."""
        stack = list(self.templates)
        while stack:
            tmpl = stack.pop(0)
            for step in tmpl.children:
                yield tmpl, step
                if step.inline is not None:
                    stack.append(step.inline)

    def called_template(self, step: Step) -> Template | None:
        """The template a step calls in this document (`inline` wins over `template`)."""
        if step.inline is not None:
            return step.inline
        return self.template(step.template)


def build(doc: Document) -> Workflow:
    """Model one loaded document; never raises for malformed input."""
    data = doc.data
    kind = str(data.get("kind", ""))
    spec = as_map(data.get("spec"))
    if kind == "CronWorkflow":
        spec = as_map(spec.get("workflowSpec"))
    templates = tuple(_template(t, i) for i, t in enumerate(as_seq(spec.get("templates")))
                      if isinstance(t, YMap))
    wf = Workflow(doc, kind, spec, templates, io_of(spec.get("arguments"), spec.span))
    for t in templates:
        wf.by_name.setdefault(t.name, t)
    return wf
