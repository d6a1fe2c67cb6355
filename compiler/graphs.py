"""The graphs of control flow, built once per document and shared by the checks: DAG
dependencies (edges, ancestors, cycles) and the template call graph (recursion, reach).

A task's dependencies come from `depends` when it is set (Argo ignores `dependencies`
then), else from `dependencies`. Graphs are plain dicts: the checks need only edges,
ancestors and cycles, and a pure-Python DFS is faster than importing networkx (0.1 s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Hashable, Iterable, Iterator, Mapping, NamedTuple, TypeVar

from plait.grammar import GrammarError, parse_depends
from plait.grammar import ast as A

from .calls import Call, How, Role, calls, intended_template, resolve
from .context import Context
from .diagnostics import Span
from .model import Step, Template, Workflow, as_seq
from .source import YStr
from .values import every_template, has_tag, int_value

N = TypeVar("N", bound=Hashable)

# names in a `depends` that does not parse: a task name, then an optional `.Result`
_DEP_NAME = re.compile(r"([A-Za-z0-9_][\w-]*)(?:\.(\w*))?")


class Dep(NamedTuple):
    """One dependency of a task: the task it names, the result asked for, and where.

    A NamedTuple with spans computed on demand: a DAG may have thousands of
    dependencies, and most are never reported.
    """

    task: str
    result: str | None
    text: YStr                      # the `depends` text, or the `dependencies` item
    start: int                      # offsets of the task name within `text`
    end: int
    result_start: int = -1

    @property
    def span(self) -> Span:
        return self.text.locate(self.start, self.end)

    @property
    def result_span(self) -> Span | None:
        if self.result is None:
            return None
        return self.text.locate(self.result_start, self.result_start + len(self.result))


@dataclass(frozen=True)
class Dag:
    """A DAG template's tasks and their dependencies, in document order."""

    template: Template
    by_name: dict[str, Step]                # first task of each name
    deps: tuple[tuple[Dep, ...], ...]       # aligned with `template.tasks`
    uses_depends: bool                      # some task has a `depends`

    def deps_of(self, name: str) -> tuple[Dep, ...]:
        """The dependencies of every task called `name` (one task unless names repeat)."""
        return tuple(d for task, deps in zip(self.template.tasks, self.deps)
                     if task.name == name for d in deps) if name in self.by_name else ()

    def edges(self) -> dict[str, list[str]]:
        """Task name → names of the tasks it waits for (unknown names included)."""
        out: dict[str, list[str]] = {}
        for task, deps in zip(self.template.tasks, self.deps):
            out.setdefault(task.name, []).extend(d.task for d in deps)
        return out


def dag(wf: Workflow, template: Template) -> Dag:
    """The dependency graph of a DAG template, computed once per document."""
    key = ("graphs.dag", id(template.raw))
    found = wf.cache.get(key)
    if found is None:
        found = wf.cache[key] = _build(template)
    return found


def dag_templates(wf: Workflow) -> Iterable[Template]:
    """Every DAG template of the document, inline ones included."""
    return (t for t in every_template(wf) if "dag" in t.kinds)


def dag_edges(template: Template) -> dict[str, list[str]]:
    """Task name → names of the tasks it depends on (from `depends` or `dependencies`)."""
    return _build(template).edges()


def ancestors(edges: Mapping[N, Iterable[N]], task: N) -> set[N]:
    """Every node `task` waits for, directly or not (itself only if on a cycle)."""
    seen: set[N] = set()
    todo = list(edges.get(task, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


def find_cycle(edges: Mapping[N, Iterable[N]]) -> list[N] | None:
    """One cycle as a path whose last node repeats the first (`[a, b, a]`), or None."""
    return next(find_cycles(edges), None)


def find_cycles(edges: Mapping[N, Iterable[N]]) -> Iterator[list[N]]:
    """Cycles as paths whose last node repeats the first (`[a, b, a]`), none sharing a node.

    One iterative DFS in the mapping's order, so the answer is deterministic and linear;
    edges to nodes that are not keys of `edges` are ignored.
    """
    state: dict[N, int] = {}                # 1 = on the current path, 2 = finished
    reported: set[N] = set()
    for root in edges:
        if root in state:
            continue
        state[root] = 1
        path = [root]
        stack = [iter(edges[root])]
        while stack:
            for nxt in stack[-1]:
                if nxt not in edges:
                    continue
                seen = state.get(nxt)
                if seen == 1 and nxt not in reported:
                    cycle = path[path.index(nxt):]
                    if reported.isdisjoint(cycle):
                        reported.update(cycle)
                        yield cycle + [nxt]
                if seen is None:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(edges[nxt]))
                    break
            else:
                state[path.pop()] = 2
                stack.pop()


def depends_refs(text: YStr) -> tuple[Dep, ...]:
    """The task references of a `depends` text; a rough scan if it does not parse."""
    try:
        tree = parse_depends(str(text))
    except GrammarError:
        return _scan(text)
    return tuple(Dep(r.task, r.result, text, r.start, r.start + len(r.task),
                     r.end - len(r.result) if r.result else -1)
                 for r in A.dep_refs(tree))


def _scan(text: YStr) -> tuple[Dep, ...]:
    return tuple(Dep(m.group(1), m.group(2), text, m.start(1), m.end(1), m.start(2))
                 for m in _DEP_NAME.finditer(text))


def task_deps(task: Step) -> tuple[Dep, ...]:
    """The tasks one DAG task waits for, with the span of each mention."""
    depends = task.depends
    if depends is not None and depends.strip():
        return depends_refs(depends)
    return tuple(Dep(str(d), None, d, 0, len(d)) for d in as_seq(task.dependencies)
                 if isinstance(d, YStr))


def _build(template: Template) -> Dag:
    by_name: dict[str, Step] = {}
    for task in template.tasks:
        by_name.setdefault(task.name, task)
    deps = tuple(task_deps(t) for t in template.tasks)
    uses_depends = any(bool(t.depends) for t in template.tasks)
    return Dag(template, by_name, deps, uses_depends)


# --- the template call graph ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CallEdge:
    """One call of a template of this document: by a step, a task, a hook or the workflow."""

    caller: Template | None         # None for the workflow (entrypoint, onExit, hooks)
    callee: Template
    span: Span                      # the `template:` value (the `inline` key for inline)
    guarded: bool                   # a `when`, hook expression or runtime-sized loop may skip it


@dataclass(frozen=True)
class CallGraph:
    edges: tuple[CallEdge, ...]
    dynamic: bool                   # some `template:` name is a tag: callees unknown statically


# a dependant of these results runs only in some runs (`!` too): it can end a recursion
_STOPPING = re.compile(r"\.\s*(Failed|Errored|Skipped|Omitted|AllFailed)\b")


def call_graph(wf: Workflow, ctx: Context) -> CallGraph:
    """Every call of a template of this document (a `templateRef` to the WorkflowTemplate
    being checked included), computed once per document from `compiler.calls`."""
    found = wf.cache.get("graphs.calls")
    if found is None:
        found = wf.cache["graphs.calls"] = _call_graph(wf, ctx)
    return found


def _call_graph(wf: Workflow, ctx: Context) -> CallGraph:
    edges: list[CallEdge] = []
    dynamic = False
    for call in calls(wf):
        target = resolve(wf, ctx, call)
        if call.name is not None and has_tag(call.name):
            dynamic = True
        callee = target.template
        if target.how is How.MISSING:   # reported as unknown: reach what it means
            callee = intended_template(wf, call.name)
        local = target.how in (How.LOCAL, How.MISSING) or target.how is How.REF and target.library is wf
        if local and callee is not None:
            guarded = _guarded(call) or target.how is How.MISSING   # no recursion of a typo
            edges.append(CallEdge(call.caller, callee, call.span, guarded))
    return CallGraph(tuple(edges), dynamic)


def _guarded(call: Call) -> bool:
    """Whether a call might not happen in some run: the guard that can end a recursion."""
    step = call.step
    if step is None:
        return False
    if call.role is Role.STEP_HOOK and call.raw is not step.hooks.get("exit"):
        return True                 # a hook with an expression
    return _may_skip(step)


def _may_skip(step: Step) -> bool:
    """Whether a step might not run: a `when`, a runtime or empty loop, a conditional depends."""
    raw = step.raw
    if "when" in raw or "withParam" in raw:
        return True
    if "withItems" in raw and not as_seq(raw.get("withItems")):
        return True
    seq = step.with_sequence
    if seq is not None and (int_value(seq.get("count")) == 0 or any(
            has_tag(seq.get(k)) for k in ("count", "start", "end"))):
        return True
    depends = step.depends
    return depends is not None and ("!" in depends or _STOPPING.search(depends) is not None)


def depends_errors(wf: Workflow) -> list[tuple[YStr, GrammarError]]:
    """Every `depends` of the document that does not parse, with its grammar error."""
    found = wf.cache.get("graphs.depends_errors")
    if found is None:
        found = wf.cache["graphs.depends_errors"] = []
        for tmpl in dag_templates(wf):
            for task in tmpl.tasks:
                if task.depends is not None:
                    try:
                        parse_depends(str(task.depends))
                    except GrammarError as e:
                        found.append((task.depends, e))
    return found


def dependencies_broken(wf: Workflow, template: Template, task: Step) -> bool:
    """Whether a task's `depends` does not parse or names a task that does not exist: its
    real dependencies are unknown, so findings that rely on them would only follow on."""
    if task.depends is not None and any(text is task.depends for text, _ in depends_errors(wf)):
        return True
    graph = dag(wf, template)
    return any(d.task not in graph.by_name for d in task_deps(task))
