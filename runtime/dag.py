"""DAG templates (spec §2.1, §11): tasks start as soon as their `depends` allow.

A task is decided when every task its `depends` mentions is fulfilled (done, or a daemon
that is ready); false ⇒ an Omitted node. Result sets per task: Succeeded, Failed, Errored,
Skipped, Omitted, Daemoned, plus AnySucceeded/AllFailed for looped tasks. With `failFast`
(the default) no task starts after an uncovered failure. The DAG's phase comes from its
target tasks' branches, as Argo's `assessDAGPhase` computes it: an Omitted target inherits
the failure of the branch that led to it; a target whose `continueOn` covers its phase does
not count.
"""

from __future__ import annotations

import asyncio
from typing import Any

from plait.compiler.plan import Child, DagBody, Template
from plait.grammar import EvaluationError, GrammarError, evaluate_depends, parse_depends
from plait.grammar import ast as A

from .inputs import TemplateError
from .kernel import FAILED_PHASES, Ctx, Kernel
from .steps import (
    EMPTY_LOOP,
    FAIL_FAST_MESSAGE,
    Gate,
    continues,
    expand,
    gate_of,
    loop_phase,
    loop_scope,
    node_scope,
    outputs,
    run_one,
    skipped_defaults,
    template_name,
)
from .types import Node, NodeType, Phase
from .values import layer, render_text

_RESULT = {Phase.SUCCEEDED: "Succeeded", Phase.FAILED: "Failed", Phase.ERROR: "Errored",
           Phase.SKIPPED: "Skipped", Phase.OMITTED: "Omitted"}
OMITTED_MESSAGE = "omitted: depends condition not met"


class _Shape:
    """A DAG template's dependency structure, computed once per template."""

    def __init__(self, tmpl: Template) -> None:
        body = tmpl.body if isinstance(tmpl.body, DagBody) else DagBody(())
        self.tasks = {t.name: t for t in body.tasks}
        self.order = list(self.tasks)
        self.depends: dict[str, A.Depends | None] = {}
        self.refs: dict[str, list[str]] = {}
        self.errors: dict[str, str] = {}
        self.dependants: dict[str, list[str]] = {n: [] for n in self.order}
        for name, t in self.tasks.items():
            text = t.depends
            refs: list[str] = []
            if text:
                try:
                    dep = parse_depends(text)
                    self.depends[name] = dep
                    refs = sorted({r.task for r in A.dep_refs(dep)})
                except GrammarError as exc:
                    self.depends[name] = None
                    self.errors[name] = f"invalid depends {text!r}: {exc}"
                unknown = [r for r in refs if r not in self.tasks]
                if unknown:
                    self.errors[name] = f"depends names unknown task {unknown[0]!r}"
                    refs = [r for r in refs if r in self.tasks]
            else:
                self.depends[name] = None
            self.refs[name] = refs
            for r in refs:
                self.dependants[r].append(name)
        self.continue_on = {n: {"Failed" if c == "Failed" else "Errored"
                                for c in (t.continue_on or ())}
                            for n, t in self.tasks.items()}


async def run_task(engine: Kernel, dag: Node, child: Child, scope: Any,
                   parents: list[Node], ctx: Ctx, gate: Gate) -> tuple[Node | None, list[Node]]:
    """One task: its node (a TaskGroup for loops) and its iterations."""
    base = f"{dag.name}.{child.name}"
    tname = template_name(engine, child.template)
    try:
        items = expand(engine, child, base, scope)
    except TemplateError as exc:
        return engine.error_node(base, tname, parents, ctx, str(exc)), []
    if items is None:
        node = await run_one(engine, child, base, None, None, scope, parents, ctx,
                             gate, "tasks", False)
        return node, []
    if not items:
        return engine.new_node(base, NodeType.SKIPPED, tname, parents, ctx.boundary,
                               Phase.SKIPPED, EMPTY_LOOP), []
    group = engine.new_node(base, NodeType.TASK_GROUP, tname, parents, ctx.boundary,
                            Phase.RUNNING)
    done = await asyncio.gather(*(run_one(engine, child, n, it, w, scope, group, ctx, gate,
                                          "tasks", True) for n, it, w in items))
    nodes = [n for n in done if n is not None]
    phase = loop_phase(nodes)
    engine.outbound[group.id] = [o for n in nodes for o in engine.outbound_of(n)]
    engine.finish(group, phase)
    return group, nodes


async def run_dag(engine: Kernel, node: Node, key: str, tmpl: Template, scope: Any,
                  ctx: Ctx) -> None:
    """A DAG template: schedule tasks as their dependencies are fulfilled."""
    node.phase = Phase.RUNNING
    engine.save(node)
    shape = engine.dag_cache.get(key)
    if shape is None:
        shape = engine.dag_cache[key] = _Shape(tmpl)
    inner = Ctx(depth=ctx.depth + 1, boundary=node, daemons=[], exit=ctx.exit)
    results: dict[str, Any] = {}
    tscope = layer(results, scope)
    gate = gate_of(tmpl, scope)
    fail_fast = not isinstance(tmpl.body, DagBody) or tmpl.body.fail_fast is not False
    targets = _targets(tmpl, tscope, shape)
    needed = _needed(shape, targets)
    nodes: dict[str, Node] = {}
    result_sets: dict[str, set[str]] = {}
    remaining = {n: len(shape.refs[n]) for n in shape.order}
    to_decide = [n for n in shape.order if remaining[n] == 0 and n in needed]
    ready: list[str] = []
    running: dict[asyncio.Future, str] = {}
    failed: Phase | None = None

    def record(name: str, n: Node, iterations: list[Node]) -> None:
        nonlocal failed
        nodes[name] = n
        rs = {"Daemoned"} if n.id in engine.daemoned else {_RESULT.get(n.phase, n.phase.value)}
        if iterations:
            if any(i.phase is Phase.SUCCEEDED for i in iterations):
                rs.add("AnySucceeded")
            if all(i.phase in FAILED_PHASES for i in iterations):
                rs.add("AllFailed")
        result_sets[name] = rs
        prefix = f"tasks.{name}"
        if iterations:
            results.update(loop_scope(engine, prefix, iterations, n.phase))
            results[f"{prefix}.id"] = n.id
        else:
            results.update(node_scope(engine, prefix, n))
            if n.phase in (Phase.SKIPPED, Phase.OMITTED):
                results.update(skipped_defaults(engine, prefix, shape.tasks[name]))
        if n.phase in FAILED_PHASES and not continues(shape.tasks[name], n.phase):
            failed = failed or n.phase
        for d in shape.dependants[name]:
            remaining[d] -= 1
            if remaining[d] == 0 and d in needed:
                to_decide.append(d)

    def parents_of(name: str) -> list[Node]:
        refs = shape.refs[name]
        if not refs:
            return [node]
        out: list[Node] = []
        for r in refs:
            for oid in engine.outbound_of(nodes[r]):
                out.append(engine.nodes[oid])
        return out

    def decide(name: str) -> None:
        base = f"{node.name}.{name}"
        t = shape.tasks[name]
        if name in shape.errors:
            record(name, engine.error_node(base, template_name(engine, t.template),
                                           parents_of(name), inner, shape.errors[name]), [])
            return
        dep = shape.depends[name]
        if dep is not None:
            try:
                ok = evaluate_depends(dep, {r: result_sets[r] for r in shape.refs[name]},
                                      shape.continue_on)
            except EvaluationError as exc:
                record(name, engine.error_node(base, template_name(engine, t.template),
                                               parents_of(name), inner, str(exc)), [])
                return
            if not ok:
                record(name, engine.new_node(base, NodeType.SKIPPED,
                                             template_name(engine, t.template), parents_of(name),
                                             node, Phase.OMITTED, OMITTED_MESSAGE), [])
                return
        ready.append(name)

    while True:
        while to_decide:
            decide(to_decide.pop(0))
        # failFast does not stop scheduling: it only decides the phase without waiting for
        # targets that can no longer be reached (spec §11, Argo's assessDAGPhase)
        if not engine.halted(ctx):
            for name in ready:
                fut: asyncio.Future = asyncio.ensure_future(
                    run_task(engine, node, shape.tasks[name], tscope, parents_of(name), inner,
                             gate))
                running[fut] = name
            ready.clear()
        if not running:
            break
        done, _ = await asyncio.wait(tuple(running), return_when=asyncio.FIRST_COMPLETED)
        for fut in done:
            name = running.pop(fut)
            n, iterations = fut.result()
            if n is not None:
                record(name, n, iterations)
    await engine.end_daemons(inner.daemons)
    phase = _assess(engine, shape, targets, nodes, fail_fast, failed)
    engine.outbound[node.id] = [o for t in targets if t in nodes
                                for o in engine.outbound_of(nodes[t])]
    if phase is Phase.SUCCEEDED:
        try:
            outputs(engine, node, tmpl, tscope)
        except TemplateError as exc:
            engine.finish(node, Phase.ERROR, str(exc))
            return
        engine.finish(node, Phase.SUCCEEDED)
    elif engine.halted(ctx) and failed is None:
        engine.finish(node, Phase.FAILED, engine.halt_message())
    elif gate.fail_fast and gate.failed:
        engine.finish(node, Phase.FAILED, FAIL_FAST_MESSAGE)
    else:
        engine.finish(node, phase)


def _targets(tmpl: Template, scope: Any, shape: _Shape) -> list[str]:
    """`dag.target` (space-separated, may be parameterised); empty means the leaf tasks, the
    ones no other task depends on (Argo's `findLeafTaskNames`)."""
    target = tmpl.body.target if isinstance(tmpl.body, DagBody) else None
    if isinstance(target, str):
        names = render_text(target, scope).split()
    else:
        names = list(target or [])
    return names or [n for n in shape.order if not shape.dependants[n]]


def _needed(shape: _Shape, targets: list[str]) -> set[str]:
    """The targets and every task they depend on, transitively: the only tasks that get a node
    (Argo walks `executeDAGTask` up from each target)."""
    out: set[str] = set()
    todo = [t for t in targets if t in shape.tasks]
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(shape.refs[name])
    return out


def _assess(engine: Kernel, shape: _Shape, targets: list[str], nodes: dict[str, Node],
            fail_fast: bool, failed: Phase | None) -> Phase:
    memo: dict[str, Phase | None] = {}

    def branch(name: str) -> Phase | None:
        if name in memo:
            return memo[name]
        n = nodes.get(name)
        if n is None:
            out = None
        elif n.phase is Phase.OMITTED:
            out = Phase.SUCCEEDED
            for r in shape.refs[name]:
                b = branch(r)
                if b in FAILED_PHASES:
                    out = b
                    break
        elif n.id in engine.daemoned:
            out = Phase.SUCCEEDED
        else:
            out = n.phase
        memo[name] = out
        return out

    result = Phase.SUCCEEDED
    for t in targets:
        if t not in shape.tasks:
            continue
        b = branch(t)
        if b is None:
            result = failed or Phase.FAILED
            if fail_fast:
                break
        elif b in FAILED_PHASES:
            if continues(shape.tasks[t], b):
                continue
            result = b
            if fail_fast:
                break
    return result


__all__ = ["OMITTED_MESSAGE", "run_dag", "run_task"]
