"""Every templated string of a workflow, parsed once, with the place it belongs to.

Argo substitutes tags in nearly every string field; what a tag may refer to depends on
where the string sits: a template's own fields see its inputs; a step's arguments and
`when` also see earlier steps and the loop's `item`; a steps/dag template's outputs see
all its children. `sites(wf)` walks the document once and records, for each string, its
`Site` and its parse (a template, a `when` condition or an expression), or the grammar
error met. Checks then read this index instead of walking and parsing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from plait.grammar import GrammarError, iter_refs, parse_condition, parse_expression, parse_template

from .model import Step, Template, Workflow, as_map
from .source import YStr

# fields that are not templates, or are parsed by their own rule
_STEP_SKIP = frozenset({"name", "inline", "depends", "dependencies", "when", "hooks", "onExit",
                        "template", "templateRef"})
_TEMPLATE_SKIP = frozenset({"name", "steps", "dag", "outputs", "retryStrategy", "memoize",
                            "metrics"})


@dataclass(frozen=True, slots=True)
class Site:
    """Where a string sits: its template, its step or task (if any) and its role.

    `role` is one of: "template" (a template's own field), "step" (a step's or task's
    arguments, loop and other fields), "when", "hook" (arguments of a step's hook, which
    also see the hooked step), "outputs" (a steps/dag template's outputs, which see every
    child), "workflow" (spec-level fields: only globals), "expression" (an expression
    field without braces).
    """

    template: Template | None
    step: Step | None
    role: str
    field: str


@dataclass(frozen=True, slots=True)
class Use:
    """One reference found in a string: its path and its span in the file."""

    path: tuple[str, ...]
    text: YStr
    start: int
    end: int
    site: Site
    in_expression: bool

    @property
    def span(self):
        return self.text.locate(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Parsed:
    """One string with its parse results (`nodes`) or its grammar error."""

    text: YStr
    site: Site
    nodes: tuple
    error: GrammarError | None


def index(wf: Workflow) -> list[Parsed]:
    """Every templated string of the document, parsed (computed once per document)."""
    found = wf.cache.get("tags")
    if found is None:
        found = wf.cache["tags"] = list(_collect(wf))
    return found


def uses(wf: Workflow) -> list[Use]:
    """Every reference of every tag and expression, with its site."""
    found = wf.cache.get("uses")
    if found is None:
        found = []
        for p in index(wf):
            expr_root = p.site.role == "expression"
            for node in p.nodes:
                for ref in iter_refs(node):
                    found.append(Use(ref.path, p.text, ref.start, ref.end, p.site,
                                     expr_root or _inside_expression(node, ref.start)))
        wf.cache["uses"] = found
    return found


def _inside_expression(node: Any, offset: int) -> bool:
    tags = node.tags() if hasattr(node, "tags") else ()
    return any(t.kind == "expr" and t.start <= offset < t.end for t in tags)


def _parse(text: YStr, site: Site, how: str) -> Parsed:
    try:
        if how == "when":
            return Parsed(text, site, (parse_condition(text),), None)
        template = parse_template(text)
        if how == "expression":
            # tags in an expression field are substituted before it is compiled (Argo's
            # retry-conditional example): parse the tags, then the expression with each
            # tag masked by a placeholder name of the same length, so offsets still hold
            masked = str(text)
            for tag in template.tags():
                masked = masked[:tag.start] + "_" * (tag.end - tag.start) + masked[tag.end:]
            return Parsed(text, site, (template, parse_expression(masked)), None)
        if template.is_literal:
            return Parsed(text, site, (), None)
        return Parsed(text, site, (template,), None)
    except GrammarError as exc:
        return Parsed(text, site, (), exc)


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, YStr]]:
    """Every string value in a subtree (keys are not templated), with its dotted path."""
    if isinstance(value, str):
        if isinstance(value, YStr):
            yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def _templated(value: Any, site: Site) -> Iterator[Parsed]:
    for path, s in _strings(value):
        if "{{" in s or "<<" in s:
            yield _parse(s, Site(site.template, site.step, site.role, path), "template")


def _collect(wf: Workflow) -> Iterator[Parsed]:
    spec_site = Site(None, None, "workflow", "spec")
    for key, value in wf.spec.items():
        if key in ("templates", "hooks"):
            continue
        yield from _templated(value, spec_site)
    for name, hook in as_map(wf.spec.get("hooks")).items():
        hook = as_map(hook)
        expr = hook.get("expression")
        if isinstance(expr, YStr):
            yield _parse(expr, Site(None, None, "expression", f"hooks.{name}.expression"), "expression")
        yield from _templated(hook.get("arguments"), spec_site)
    seen: set[int] = set()
    queue = list(wf.templates)
    while queue:
        tmpl = queue.pop(0)
        if id(tmpl) in seen:
            continue
        seen.add(id(tmpl))
        yield from _template(tmpl)
        queue.extend(step.inline for step in tmpl.children if step.inline is not None)


def _template(tmpl: Template) -> Iterator[Parsed]:
    own = Site(tmpl, None, "template", "")
    for key, value in tmpl.raw.items():
        if key not in _TEMPLATE_SKIP:
            yield from _templated(value, own)
    if tmpl.kind == "dag":
        target = tmpl.dag.get("target")
        if isinstance(target, YStr):
            yield from _templated(target, Site(tmpl, None, "outputs", "dag.target"))
    rs = tmpl.retry_strategy
    if rs is not None:
        for key, value in rs.items():
            if key == "expression" and isinstance(value, YStr):
                yield _parse(value, Site(tmpl, None, "expression", "retryStrategy.expression"),
                             "expression")
            else:
                yield from _templated(value, own)
    outputs_site = Site(tmpl, None, "outputs" if tmpl.kind in ("steps", "dag") else "template",
                        "outputs")
    for i, param in enumerate(tmpl.outputs.parameters):
        vf: dict[str, Any] = param.value_from or {}
        for key, value in param.raw.items():
            if key != "valueFrom":
                yield from _templated(value, outputs_site)
        for key, value in vf.items():
            if key == "expression" and isinstance(value, YStr):
                yield _parse(value, Site(tmpl, None, "expression",
                                         f"outputs.parameters[{i}].valueFrom.expression"),
                             "expression")
            else:
                yield from _templated(value, outputs_site)
    for art in tmpl.outputs.artifacts:
        yield from _templated(art.raw, outputs_site)
    if tmpl.kind == "http":
        cond = tmpl.body.get("successCondition")
        if isinstance(cond, YStr):
            yield _parse(cond, Site(tmpl, None, "expression", "http.successCondition"), "expression")
    for step in tmpl.children:
        yield from _step(tmpl, step)


def _step(tmpl: Template, step: Step) -> Iterator[Parsed]:
    site = Site(tmpl, step, "step", "")
    for key, value in step.raw.items():
        if key not in _STEP_SKIP:
            yield from _templated(value, site)
    when = step.when
    if when is not None:
        yield _parse(when, Site(tmpl, step, "when", "when"), "when")
    for name, hook in step.hooks.items():
        hook = as_map(hook)
        expr = hook.get("expression")
        if isinstance(expr, YStr):
            yield _parse(expr, Site(tmpl, step, "expression", f"hooks.{name}.expression"),
                         "expression")
        yield from _templated(hook.get("arguments"), Site(tmpl, step, "hook", f"hooks.{name}"))

