"""Name resolution: what each `{{...}}` reference may see where it stands (spec §4, §19.39).

Argo's validator checks only some prefixes and lets through references that then wait
forever at run time (a step of the same group, a DAG task that is not an ancestor).
plait resolves every reference of every tag, `when` and expression against the scope of
its site and records each failure as a `Problem`; one check module per problem kind turns
them into messages.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterable

from plait.grammar.limits import load_json

from .calls import intended_template
from .context import Context
from .graphs import ancestors, dag_edges, dependencies_broken
from .model import POD_KINDS, Step, Template, Workflow, as_map, as_seq
from .submitted import CRON_LABEL, SCHEDULED_ANNOTATION
from .tags import Use, uses

# Problem kinds (one check module each)
UNKNOWN_INPUT = "unknown-input"
UNKNOWN_WORKFLOW_PARAMETER = "unknown-workflow-parameter"
UNKNOWN_STEP = "unknown-step"
UNKNOWN_TASK = "unknown-task"
STEP_NOT_EARLIER = "step-not-earlier"
TASK_NOT_ANCESTOR = "task-not-ancestor"
UNKNOWN_OUTPUT = "unknown-output"
NO_RESULT = "no-result"
IP_NOT_DAEMON = "ip-not-daemon"
ITEM_OUTSIDE_LOOP = "item-outside-loop"
ITEM_KEY_MISSING = "item-key-missing"
PARAM_ITEM_KEY_MISSING = "param-item-key-missing"
EXIT_HANDLER_ONLY = "exit-handler-only"
STATUS_OUTSIDE_EXIT_HANDLER = "status-outside-exit-handler"
RETRIES_WITHOUT_STRATEGY = "retries-without-strategy"
POD_NAME_OUTSIDE_POD = "pod-name-outside-pod"
UNKNOWN_VARIABLE = "unknown-variable"
UNKNOWN_GLOBAL_OUTPUT = "unknown-global-output"

_WORKFLOW_FIELDS = frozenset({
    "name", "namespace", "uid", "serviceAccountName", "mainEntrypoint", "creationTimestamp",
    "duration", "scheduledTime", "priority", "labels", "annotations", "parameters", "outputs",
    "status", "failures",
})
_NODE_FIELDS = frozenset({"id", "status", "startedAt", "finishedAt", "hostNodeName", "ip",
                          "exitCode", "outputs", "name", "displayName", "phase", "message"})
_TAGGY = re.compile(r"\{\{|<<")


@dataclass(frozen=True, slots=True)
class Problem:
    """One reference that does not resolve where it stands."""

    kind: str
    use: Use
    name: str = ""
    detail: str = ""
    suggestion: str | None = None


def did_you_mean(name: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def problems(wf: Workflow, ctx: Context) -> list[Problem]:
    """Every unresolvable reference of the document (computed once per document)."""
    found = wf.cache.get("scope")
    if found is None:
        found = wf.cache["scope"] = list(_Resolver(wf, ctx).run())
    return found


def of_kind(wf: Workflow, ctx: Context, kind: str) -> Iterable[Problem]:
    return (p for p in problems(wf, ctx) if p.kind == kind)


class _Resolver:
    def __init__(self, wf: Workflow, ctx: Context):
        self.wf, self.ctx = wf, ctx
        self.exit_templates = _exit_handler_templates(wf)
        # `argo submit -p NAME=v` adds an undeclared NAME to spec.arguments before it
        # validates, so a workflow may read parameters it only gets on the command line
        self.declared_args = {p.name for p in wf.arguments.parameters} | set(ctx.parameters or ())
        self.global_names, self.any_global = _global_names(wf)
        self.labels = _metadata_keys(wf, ctx, "labels")
        self.annotations = _metadata_keys(wf, ctx, "annotations")
        self.workflow_retry = ("retryStrategy" in wf.spec
                               or "retryStrategy" in wf.template_defaults)
        self._ancestors: dict[int, dict] = {}

    def run(self):
        for use in uses(self.wf):
            yield from self.resolve(use)

    # --- roots ---------------------------------------------------------------------
    def resolve(self, use: Use):
        path, site = use.path, use.site
        root = path[0]
        if root == "workflow":
            yield from self.workflow(use)
            return
        tmpl = site.template
        if tmpl is None:
            return  # spec-level fields see globals only; Argo leaves the rest verbatim
        handler = {
            "inputs": self.inputs, "outputs": self.outputs, "steps": self.steps,
            "tasks": self.tasks, "item": self.item, "pod": self.pod, "retries": self.retries,
        }.get(root)
        if handler is not None:
            yield from handler(use, tmpl)

    def workflow(self, use: Use):
        path = use.path
        if len(path) < 2:
            return
        field = path[1]
        if field not in _WORKFLOW_FIELDS:
            yield Problem(UNKNOWN_VARIABLE, use, ".".join(path[:2]),
                          suggestion=_dotted("workflow", did_you_mean(field, _WORKFLOW_FIELDS)))
            return
        if field == "parameters" and len(path) >= 3 and path[2] != "json":
            if self.wf.is_library or self.wf.workflow_template_ref is not None:
                return  # the caller's (or referenced template's) arguments apply
            name = path[2]
            if name not in self.declared_args:
                yield Problem(UNKNOWN_WORKFLOW_PARAMETER, use, name,
                              suggestion=did_you_mean(name, self.declared_args))
        elif field in ("status", "failures"):
            tmpl = use.site.template
            if tmpl is not None and id(tmpl) not in self.exit_templates and not self.wf.is_library:
                kind = EXIT_HANDLER_ONLY if field == "failures" else STATUS_OUTSIDE_EXIT_HANDLER
                yield Problem(kind, use, f"workflow.{field}")
        elif field == "outputs" and len(path) >= 4 and not self.any_global:
            kind, name = path[2], path[3]
            if name not in self.global_names.get(kind, ()):
                yield Problem(UNKNOWN_GLOBAL_OUTPUT, use, name, detail=kind,
                              suggestion=did_you_mean(name, self.global_names.get(kind, ())))
        elif field in ("labels", "annotations") and len(path) >= 3 and path[2] != "json":
            keys = self.labels if field == "labels" else self.annotations
            if keys is not None and ".".join(path[2:]) not in keys and path[2] not in keys:
                yield Problem(UNKNOWN_VARIABLE, use, ".".join(path),
                              detail=f"no {field[:-1]} {'.'.join(path[2:])!r} in the metadata")

    def inputs(self, use: Use, tmpl: Template):
        path = use.path
        if len(path) < 3:
            if len(path) == 2 and path[1] not in ("parameters", "artifacts"):
                yield Problem(UNKNOWN_VARIABLE, use, ".".join(path),
                              suggestion=_dotted("inputs", did_you_mean(path[1], ("parameters", "artifacts"))))
            return
        kind, name = path[1], path[2]
        if kind == "parameters":
            declared = [p.name for p in tmpl.inputs.parameters]
        elif kind == "artifacts":
            declared = [a.name for a in tmpl.inputs.artifacts]
        else:
            yield Problem(UNKNOWN_VARIABLE, use, ".".join(path[:2]),
                          suggestion=_dotted("inputs", did_you_mean(kind, ("parameters", "artifacts"))))
            return
        if name not in declared:
            yield Problem(UNKNOWN_INPUT, use, name, detail=kind[:-1],
                          suggestion=did_you_mean(name, declared))

    def outputs(self, use: Use, tmpl: Template):
        path = use.path
        if len(path) < 3 or path[1] not in ("parameters", "artifacts"):
            return  # `outputs.result` and friends: always accepted by Argo
        declared = [p.name for p in (tmpl.outputs.parameters if path[1] == "parameters"
                                     else tmpl.outputs.artifacts)]
        if path[2] not in declared:
            yield Problem(UNKNOWN_OUTPUT, use, path[2],
                          detail=f"{path[1][:-1]} {path[2]!r} of this template",
                          suggestion=output_suggestion(path[2], declared))

    def steps(self, use: Use, tmpl: Template):
        yield from self.sibling(use, tmpl, "steps", UNKNOWN_STEP, self.step_not_earlier)

    def tasks(self, use: Use, tmpl: Template):
        yield from self.sibling(use, tmpl, "dag", UNKNOWN_TASK, self.task_not_ancestor)

    def sibling(self, use: Use, tmpl: Template, body: str, unknown: str, ordering):
        """`steps.X…` / `tasks.X…`: X must be a child of this template that runs earlier."""
        path, site = use.path, use.site
        if len(path) == 2 and path[1] == "name":
            return  # the name of the invoking step or task
        if len(path) < 2 or tmpl.kind != body:
            if len(path) >= 2:
                yield Problem(unknown, use, path[1], detail=f"not inside a {body} template",
                              suggestion=_other_sibling(tmpl, path))
            return
        by_name = {s.name: s for s in tmpl.children}
        target = by_name.get(path[1])
        if target is None:
            yield Problem(unknown, use, path[1], suggestion=did_you_mean(path[1], by_name))
            return
        current = site.step
        if current is not None and site.role in ("step", "when", "hook"):
            own_hook = site.role == "hook" and target is current
            problem = None if own_hook else ordering(use, tmpl, current, target)
            if problem is not None:
                yield problem
                return
        yield from self.node_suffix(use, target)

    @staticmethod
    def step_not_earlier(use: Use, tmpl: Template, current: Step, target: Step) -> Problem | None:
        if target.group < current.group:
            return None
        where = "the same group" if target.group == current.group else "a later group"
        return Problem(STEP_NOT_EARLIER, use, target.name, detail=where)

    def task_not_ancestor(self, use: Use, tmpl: Template, current: Step, target: Step) -> Problem | None:
        if target.name in self.ancestors(tmpl, current.name):
            return None
        if dependencies_broken(self.wf, tmpl, current):
            return None     # the broken depends is reported; what it meant is unknown
        return Problem(TASK_NOT_ANCESTOR, use, target.name, detail=current.name)

    def node_suffix(self, use: Use, target: Step):
        """`.outputs.parameters.p`, `.outputs.result`, `.ip`, `.exitCode` of a step or task."""
        path = use.path
        if len(path) < 3:
            return
        field = path[2]
        if field not in _NODE_FIELDS:
            yield Problem(UNKNOWN_VARIABLE, use, ".".join(path[:3]),
                          suggestion=_dotted(".".join(path[:2]), did_you_mean(field, _NODE_FIELDS)))
            return
        called = self.called(target)
        if called is None:
            return  # unknown target template: other rules report it
        if field == "ip" and not called.daemon:
            yield Problem(IP_NOT_DAEMON, use, path[1], detail=called.name)
        elif field == "exitCode" and not called.produces_result:
            yield Problem(NO_RESULT, use, path[1], detail=f"{called.name} ({called.kind})")
        elif field == "outputs" and len(path) >= 4:
            kind = path[3]
            if kind == "result":
                if not called.produces_result:
                    yield Problem(NO_RESULT, use, path[1], detail=f"{called.name} ({called.kind})")
            elif kind in ("parameters", "artifacts") and len(path) >= 5:
                declared = [p.name for p in (called.outputs.parameters if kind == "parameters"
                                             else called.outputs.artifacts)]
                if path[4] not in declared:
                    yield Problem(UNKNOWN_OUTPUT, use, path[4],
                                  detail=f"{kind[:-1]} {path[4]!r} of template {called.name!r}",
                                  suggestion=output_suggestion(path[4], declared))
            elif kind not in ("parameters", "artifacts", "exitCode"):
                yield Problem(UNKNOWN_VARIABLE, use, ".".join(path[:4]),
                              suggestion=_dotted(".".join(path[:3]),
                                                 did_you_mean(kind, ("parameters", "artifacts", "result"))))

    def called(self, step: Step) -> Template | None:
        local = self.wf.called_template(step)
        if local is not None:
            return local
        ref = step.template_ref
        if ref is None:
            return None
        lib = self.ctx.library.find(str(ref.get("name") or ""), ref.get("clusterScope") is True)
        return lib.template(str(ref.get("template") or "")) if lib is not None else None

    def ancestors(self, tmpl: Template, task: str) -> set[str]:
        """Tasks that `task` waits for, directly or not (computed only for tasks that ask)."""
        per_task = self._ancestors.get(id(tmpl))
        if per_task is None:
            per_task = self._ancestors[id(tmpl)] = {"": dag_edges(tmpl)}
        if task not in per_task:
            per_task[task] = ancestors(per_task[""], task)
        return per_task[task]

    def item(self, use: Use, tmpl: Template):
        step = use.site.step
        if step is None or use.site.role not in ("step", "when") or not step.loop_keys:
            if not self.wf.is_library or use.site.role != "template":
                yield Problem(ITEM_OUTSIDE_LOOP, use, "item")
            return
        if len(use.path) < 2:
            return
        if step.with_items is None:
            yield from self.param_item(use, step)
            return
        key = use.path[1]
        items = step.with_items
        for i, it in enumerate(items):
            if isinstance(it, str) and _TAGGY.search(it):
                return  # items computed at run time
            if not isinstance(it, dict) or key not in it:
                what = "is not a map" if not isinstance(it, dict) else f"has no key {key!r}"
                keys = sorted(it) if isinstance(it, dict) else []
                yield Problem(ITEM_KEY_MISSING, use, key, detail=f"withItems[{i}] {what}",
                              suggestion=did_you_mean(key, keys))
                return

    def param_item(self, use: Use, step: Step):
        """`item.key` of a `withParam` whose JSON is known before the run (a warning: a
        workflow parameter may be overridden at submit)."""
        known = known_param_items(self.wf, self.ctx, use.site.template, step)
        if known is None:
            return
        source, items = known
        key = use.path[1]
        for i, it in enumerate(items):
            if not isinstance(it, dict) or key not in it:
                what = "is not a map" if not isinstance(it, dict) else f"has no key {key!r}"
                keys = sorted(it) if isinstance(it, dict) else []
                yield Problem(PARAM_ITEM_KEY_MISSING, use, key,
                              detail=f"item {i} of withParam ({source}) {what}",
                              suggestion=did_you_mean(key, keys))
                return

    def pod(self, use: Use, tmpl: Template):
        if use.site.role == "template" and tmpl.kind in POD_KINDS:
            return
        if len(use.path) >= 2 and use.path[1] == "name":
            yield Problem(POD_NAME_OUTSIDE_POD, use, "pod.name", detail=str(tmpl.kind))

    def retries(self, use: Use, tmpl: Template):
        if tmpl.retry_strategy is None and not self.workflow_retry:
            yield Problem(RETRIES_WITHOUT_STRATEGY, use, "retries", detail=tmpl.name)


_WITH_PARAM_SOURCE = re.compile(
    r"\s*\{\{\s*(workflow\.parameters\.[\w-]+|(?:steps|tasks)\.[\w-]+\.outputs\.parameters\.[\w-]+)\s*\}\}\s*")


def known_param_items(wf: Workflow, ctx: Context, tmpl: Template | None,
                      step: Step) -> tuple[str, list] | None:
    """(where they come from, the items) of a `withParam` whose JSON list is known before
    the run: literal JSON, a workflow parameter with a literal value, or a step's or
    task's output parameter declared with a literal `value`; None otherwise."""
    param = step.with_param
    if not isinstance(param, str):
        return None
    if not _TAGGY.search(param):
        source, text = "literal JSON", param
    else:
        m = _WITH_PARAM_SOURCE.fullmatch(param)
        if m is None:
            return None
        source = m.group(1)
        text = _known_value(wf, ctx, tmpl, source.split("."))
    if not isinstance(text, str) or _TAGGY.search(text):
        return None
    try:
        items = load_json(text)
    except ValueError:
        return None
    return (source, items) if isinstance(items, list) and items else None


def _known_value(wf: Workflow, ctx: Context, tmpl: Template | None, path: list[str]) -> Any:
    if path[0] == "workflow":
        if ctx.parameters is not None and path[2] in ctx.parameters:
            return ctx.parameters[path[2]]
        found = [p.value for p in wf.arguments.parameters if p.name == path[2]]
        return found[0] if found else None
    if tmpl is None:
        return None
    child = next((s for s in tmpl.children if s.name == path[1]), None)
    called = wf.called_template(child) if child is not None else None
    if called is None:
        return None
    out = called.outputs.parameter(path[4])
    return out.raw.get("value") if out is not None and out.value_from is None else None


def _other_sibling(tmpl: Template, path: tuple[str, ...]) -> str | None:
    """`tasks.X…` for a `steps.X…` written in a DAG that has task X (and the reverse)."""
    other = {"dag": "tasks", "steps": "steps"}.get(str(tmpl.kind))
    if other is None or other == path[0] or path[1] not in {s.name for s in tmpl.children}:
        return None
    return ".".join((other, *path[1:]))


def output_suggestion(name: str, declared: list[str]) -> str | None:
    """The declared output a misspelt `name` most likely means: a close spelling, an
    abbreviation (`sq` for `square`), or the only output there is."""
    close = did_you_mean(name, declared)
    if close is not None:
        return close
    short = [d for d in declared if d and (name.startswith(d) or d.startswith(name))]
    if len(short) == 1:
        return short[0]
    return declared[0] if len(declared) == 1 else None


def _dotted(prefix: str, suggestion: str | None) -> str | None:
    return f"{prefix}.{suggestion}" if suggestion else None


def _exit_handler_templates(wf: Workflow) -> set[int]:
    """ids of templates that run as exit handlers or hooks, and everything they call."""
    roots: list[Template] = []

    def add(name) -> None:
        t = intended_template(wf, name)
        if t is not None:
            roots.append(t)

    add(wf.spec.get("onExit"))
    for hook in as_map(wf.spec.get("hooks")).values():
        add(as_map(hook).get("template"))
    for _tmpl, step in wf.iter_steps():
        add(step.on_exit)
        for hook in step.hooks.values():
            add(as_map(hook).get("template"))
    seen: set[int] = set()
    while roots:
        t = roots.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        for step in t.children:
            called = wf.called_template(step)
            if called is not None:
                roots.append(called)
    return seen


def _global_names(wf: Workflow) -> tuple[dict[str, set[str]], bool]:
    names: dict[str, set[str]] = {"parameters": set(), "artifacts": set()}
    tagged = False
    for tmpl in wf.templates:
        for kind, items in (("parameters", tmpl.outputs.parameters),
                            ("artifacts", tmpl.outputs.artifacts)):
            for item in items:
                g = item.global_name
                if g:
                    if _TAGGY.search(g):
                        tagged = True
                    names[kind].add(str(g))
    return names, tagged


def _metadata_keys(wf: Workflow, ctx: Context, field: str) -> set[str] | None:
    """Declared label/annotation keys (with those a run adds at submit); None when they may
    come from elsewhere."""
    keys = set(as_map(wf.metadata.get(field)).keys()) | ctx.submit_metadata.get(field, set())
    wm = as_map(wf.spec.get("workflowMetadata"))
    keys |= set(as_map(wm.get(field)).keys())
    if wf.kind == "CronWorkflow":       # what its children get (compiler/submitted.py)
        cron_wm = as_map(as_map(wf.doc.data.get("spec")).get("workflowMetadata"))
        keys |= set(as_map(cron_wm.get(field)).keys())
        keys.add(CRON_LABEL if field == "labels" else SCHEDULED_ANNOTATION)
    if f"{field}From" in wm or wf.is_library or wf.workflow_template_ref is not None:
        return None
    return keys


__all__ = ["Problem", "problems", "of_kind", "did_you_mean", "as_seq"]
