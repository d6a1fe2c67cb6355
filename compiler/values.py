"""Reading scalar values the way Argo does: tags, int-or-string fields, every template.

Argo substitutes `{{...}}` tags (plait also `<<...>>`) in most fields before it reads
them, so a check that judges a literal value must first ask whether the value is one.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from .diagnostics import Span
from .model import Template, Workflow, as_map, as_seq
from .source import YMap

_TAG = re.compile(r"\{\{.*?\}\}|<<.*?>>", re.S)
_WHOLE_TAG = re.compile(r"\s*(\{\{[\s\S]*\}\}|<<[\s\S]*>>)\s*")
_INT = re.compile(r"[-+]?[0-9]+")


def has_tag(value: Any) -> bool:
    """True for a string that contains a tag: its final value is known only at run time."""
    return isinstance(value, str) and ("{{" in value or "<<" in value)


def is_tag(value: Any) -> bool:
    """True for a string that is one whole tag (allowed wherever Argo substitutes one)."""
    return isinstance(value, str) and _WHOLE_TAG.fullmatch(value) is not None


def mask_tags(text: str) -> str:
    """`text` with every tag replaced by `x`s of the same length (positions are kept)."""
    return _TAG.sub(lambda m: "".join("\n" if c == "\n" else "x" for c in m.group()), text)


def int_value(value: Any) -> int | None:
    """An int-or-string field as an int (`3`, `"3"`); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    return None


def value_span(parent: Any, key: Any, default: Span) -> Span:
    """The span of `parent[key]` in a loaded mapping or sequence, for values without one."""
    value = parent[key] if isinstance(parent, (dict, list)) else None
    span = getattr(value, "span", None)
    if span is not None:
        return span
    if isinstance(parent, dict) and hasattr(parent, "value_span"):
        return parent.value_span(key)
    if isinstance(parent, list) and hasattr(parent, "item_span"):
        return parent.item_span(key)
    return default


def every_template(wf: Workflow) -> tuple[Template, ...]:
    """The document's templates and every inline template of their steps (computed once)."""
    found = wf.cache.get("every_template")
    if found is None:
        found = wf.cache["every_template"] = tuple(_every(wf))
    return found


def _every(wf: Workflow) -> Iterator[Template]:
    stack = list(wf.templates)
    while stack:
        tmpl = stack.pop(0)
        yield tmpl
        stack.extend(step.inline for step in tmpl.children if step.inline is not None)


def _containers(body: YMap, raw: YMap) -> Iterator[YMap]:
    """The template's main container, containerSet containers, sidecars and init containers."""
    if body is not raw:
        yield body
    for c in as_seq(body.get("containers")):
        if isinstance(c, YMap):
            yield c
    for key in ("sidecars", "initContainers"):
        for c in as_seq(raw.get(key)):
            if isinstance(c, YMap):
                yield c


def all_containers(wf: Workflow) -> Iterator[YMap]:
    """Every container of every template, and those `templateDefaults` gives them all."""
    defaults = wf.template_defaults
    for key in ("container", "script"):
        if isinstance(defaults.get(key), YMap):
            yield defaults[key]
    yield from _containers(defaults, defaults)
    for tmpl in every_template(wf):
        body = tmpl.body if tmpl.kind in ("container", "script", "containerSet") else tmpl.raw
        yield from _containers(as_map(body), tmpl.raw)


def io_lists(wf: Workflow) -> Iterator[tuple[str, str, list]]:
    """Every `parameters` and `artifacts` list of arguments, inputs and outputs.

    Yields (where, "parameter" or "artifact", the list) for `spec.arguments`, workflow hook
    arguments, every template's inputs and outputs, and every step's, task's and step
    hook's arguments.
    """
    def lists(owner: Any, where: str) -> Iterator[tuple[str, str, list]]:
        owner = as_map(owner)
        for key, what in (("parameters", "parameter"), ("artifacts", "artifact")):
            items = owner.get(key)
            if isinstance(items, list):
                yield where, what, items

    yield from lists(wf.spec.get("arguments"), "spec.arguments")
    for name, hook in as_map(wf.spec.get("hooks")).items():
        yield from lists(as_map(hook).get("arguments"), f"hook {name!r} arguments")
    for tmpl in every_template(wf):
        label = f"template {tmpl.name!r}" if tmpl.name else "inline template"
        yield from lists(tmpl.raw.get("inputs"), f"{label} inputs")
        yield from lists(tmpl.raw.get("outputs"), f"{label} outputs")
        for step in tmpl.children:
            what = "task" if step.is_task else "step"
            yield from lists(step.raw.get("arguments"), f"{what} {step.name!r} arguments")
            for name, hook in step.hooks.items():
                yield from lists(as_map(hook).get("arguments"),
                                 f"{what} {step.name!r} hook {name!r} arguments")


OUTPUT_SOURCES = ("path", "jqFilter", "jsonPath", "parameter", "expression", "supplied", "event",
                  "configMapKeyRef")
"""Where an output parameter's `valueFrom` can read its value; `default` is a fallback."""


def output_sources(vf: YMap) -> list[str]:
    """The sources a `valueFrom` names (an empty string names none, as in Argo)."""
    return [k for k in OUTPUT_SOURCES if vf.get(k) is not None and vf.get(k) != ""]


__all__ = ["OUTPUT_SOURCES", "every_template", "has_tag", "int_value", "io_lists", "is_tag",
           "mask_tags", "output_sources", "value_span"]
