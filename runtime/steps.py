"""Steps templates (spec §2, §6, §7, §11), and what steps and DAG tasks share: running one
child (its `when`, loop, arguments, template parallelism, failFast and exit hook) and the
`steps.X.*` / `tasks.X.*` values a finished child adds to its siblings' scope.

Groups run in sequence, the steps of a group in parallel. A group waits for every child (and
its exit hook) and fails with `child '<id>' failed` when a child Failed or Errored without a
matching `continueOn`; the steps node then fails with that message and later groups never
start.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

from plait.compiler.loops import expand_sequence
from plait.compiler.plan import (
    Child,
    Hook,
    Loop,
    Sequence,
    StepsBody,
    Template,
    TemplateSettings,
    ValueFrom,
    unresolved_text,
)
from plait.compiler.values import int_value
from plait.grammar import EvaluationError, GrammarError
from plait.grammar.evaluate import evaluate_when
from plait.grammar.limits import LimitError, check_loop_size, load_json

from .inputs import ABSENT_MESSAGE, TemplateError, absent_output, tag_body
from .kernel import FAILED_PHASES, Ctx, Kernel, evaluate
from .naming import item_values, loop_name
from .types import Node, NodeType, Phase
from .values import (
    ExpressionFailed,
    aggregate,
    layer,
    render_strict,
    render_text,
    rfc3339,
    whole_tag_key,
)

EMPTY_LOOP = "Skipped, empty params"
FAIL_FAST_MESSAGE = "template has failed or errored children and failFast enabled"
WITH_PARAM_ERROR = "withParam value could not be parsed as a JSON list: {}"


@dataclass
class Gate:
    """What limits a steps/dag node's children: template `parallelism` and `failFast`."""

    limit: asyncio.Semaphore | None
    fail_fast: bool
    failed: bool = False


def gate_of(tmpl: Template, scope: Any, fail_fast_default: bool = False) -> Gate:
    settings = tmpl.settings or TemplateSettings()
    limit = settings.parallelism
    if isinstance(limit, str):
        limit = render_text(limit, scope)
        limit = int(limit) if limit.strip().isdigit() else None
    sem = asyncio.Semaphore(limit) if isinstance(limit, int) and limit > 0 else None
    ff = settings.fail_fast
    return Gate(sem, fail_fast_default if ff is None else ff in (True, "true"))


def continues(child: Child, phase: Phase) -> bool:
    """Does the child's `continueOn` cover `phase`?"""
    cont = child.continue_on or ()
    return (phase is Phase.FAILED and "Failed" in cont) or (phase is Phase.ERROR and "Errored" in cont)


def node_scope(engine: Kernel, prefix: str, node: Node) -> dict[str, Any]:
    """`<prefix>.id/status/startedAt/finishedAt/ip/exitCode/outputs.*` of a finished node."""
    d: dict[str, Any] = {f"{prefix}.id": node.id, f"{prefix}.status": node.phase.value,
                         f"{prefix}.startedAt": rfc3339(node.started_at) or "",
                         f"{prefix}.finishedAt": rfc3339(node.finished_at) or ""}
    o = node.outputs
    if o.result is not None:
        d[f"{prefix}.outputs.result"] = o.result
    if o.exit_code is not None:
        d[f"{prefix}.exitCode"] = o.exit_code
    for p in o.parameters:
        d[f"{prefix}.outputs.parameters.{p['name']}"] = p.get("value")
    for a in o.artifacts:
        d[f"{prefix}.outputs.artifacts.{a['name']}"] = a
    ip = engine.ips.get(node.id)
    if ip:
        d[f"{prefix}.ip"] = ip
    return d


def template_name(engine: Kernel, key: str | None) -> str | None:
    """The name of the template `key` (a plan key: `library/name` for a library's), for a
    node that records which template it ran."""
    tmpl = engine.templates.get(key) if key else None
    return tmpl.name if tmpl is not None else key


def skipped_defaults(engine: Kernel, prefix: str, child: Child) -> dict[str, Any]:
    """Outputs of a producer that never ran resolve to their `valueFrom.default` (§4.5)."""
    tmpl = engine.templates.get(child.template or "")
    d = {}
    for p in tmpl.outputs.parameters if tmpl is not None else ():
        if p.value_from is not None and p.value_from.default is not None:
            d[f"{prefix}.outputs.parameters.{p.name}"] = str(p.value_from.default)
    return d


def loop_phase(nodes: list[Node]) -> Phase:
    """The phase of a looped step's or task's iterations taken together (the looped step's
    `steps.X.status`, a DAG task's TaskGroup node): the phase of the first Failed or Errored
    iteration in index order, else Succeeded. One rule for steps and DAG loops."""
    return next((n.phase for n in nodes if n.phase in FAILED_PHASES), Phase.SUCCEEDED)


def loop_scope(engine: Kernel, prefix: str, nodes: list[Node], phase: Phase) -> dict[str, Any]:
    """The aggregated values of a looped step/task (Succeeded iterations, index order)."""
    ok = [n.outputs for n in nodes if n.phase is Phase.SUCCEEDED]
    d = aggregate(prefix, ok)
    d[f"{prefix}.status"] = phase.value
    return d


def expand(engine: Kernel, child: Child, base: str, scope: Any) -> list | None:
    """The iterations of a looped child as (name, item, folded when), None without a loop."""
    loop = child.loop
    if loop is None:
        return None
    kind = loop.kind
    prefix = base[: len(base) - len(child.name)]
    try:
        return _expand(kind, loop, base, prefix, scope)
    except (LimitError, ExpressionFailed) as exc:
        raise TemplateError(str(exc)) from None


def _expand(kind: str, loop: Loop, base: str, prefix: str, scope: Any) -> list:
    if kind == "items":
        check_loop_size(len(loop.items), "withItems")
        return [(prefix + e.name, e.item, e.when) for e in loop.items]
    if kind == "param":
        text = loop.text
        items: object
        if isinstance(text, list):
            items = text
        else:
            value = render_text(str(text), scope, checked=True)
            ref = whole_tag_key(value)
            if ref and absent_output(ref, scope):
                raise TemplateError(f"withParam: {ABSENT_MESSAGE}")
            try:
                # an empty parameter is an empty list: no children, the step/task Skipped
                # with "Skipped, empty params" (Argo's e2e TestLoopEmptyParam/TestDAGEmptyParam)
                items = load_json(value, "withParam value") if value.strip() else []
            except LimitError:
                raise
            except ValueError:
                items = None
            if not isinstance(items, list):
                raise TemplateError(WITH_PARAM_ERROR.format(
                    value if len(value) <= 1000 else value[:1000] + "..."))
        check_loop_size(len(items), "withParam")
        return [(loop_name(base, i, it), it, None) for i, it in enumerate(items)]
    if kind == "sequence":
        seq = loop.sequence or Sequence()
        vals = {}
        for k in ("count", "start", "end"):
            if seq.has(k):
                v = render_text(str(getattr(seq, k)), scope, checked=True)
                n = int_value(v)
                if n is None:
                    raise TemplateError(f"withSequence.{k} {v!r} is not an integer")
                vals[k] = n
        fmt = render_text(str(seq.format or "%d"), scope, checked=True)
        try:
            numbers = expand_sequence(vals.get("count"), vals.get("start"), vals.get("end"), fmt)
        except LimitError:
            raise
        except ValueError as exc:
            raise TemplateError(str(exc)) from None
        return [(loop_name(base, i, item), item, None) for i, item in enumerate(numbers)]
    raise TemplateError(f"unknown loop kind {kind!r}")


async def run_one(engine: Kernel, child: Child, name: str, item: Any, folded: Any,
                  scope: Any, parent: Node | list[Node], ctx: Ctx, gate: Gate, prefix: str,
                  looped: bool) -> Node | None:
    """One step/task (or one iteration): when, arguments, the invocation, its exit hook.
    None when failFast kept it from starting."""
    iscope = layer(item_values(item), scope) if looped else scope
    key = child.template
    tname = template_name(engine, key)
    if key is None:       # a plan compiled without the WorkflowTemplate a templateRef names
        return engine.error_node(name, None, parent, ctx, unresolved_text(child.unresolved))
    when = child.when
    if when is not None:
        try:
            if folded is False or when.static is False:
                ok, resolved = False, render_text(when.text, iscope)
            elif folded is True or when.static is True:
                ok, resolved = True, ""
            else:
                ok, resolved = evaluate_when(when.text, iscope)
        except (EvaluationError, GrammarError, RecursionError) as exc:
            return engine.error_node(name, tname, parent, ctx, f"invalid when: {exc}")
        if not ok:
            return engine.new_node(name, NodeType.SKIPPED, tname, parent, ctx.boundary,
                                   Phase.SKIPPED, f"when '{resolved}' evaluated false")
    try:
        args = engine.arguments(child.arguments, iscope)
    except TemplateError as exc:
        return engine.error_node(name, tname, parent, ctx, str(exc))
    sem = gate.limit
    if sem is not None:
        ok, _ = await engine.until(sem.acquire(), ctx)
        if not ok:
            return None
    hooks = Hooks.of(engine, child, name, f"{prefix}.{child.name}", iscope, ctx)
    try:
        if gate.failed and gate.fail_fast:
            return None
        node = await engine.invoke(name, key, args, parent,
                                   replace(ctx, caller=(f"{prefix}.name", child.name)))
    finally:
        if sem is not None:
            sem.release()
        if hooks is not None:
            engine.unwatch(name)
    if hooks is not None:
        await engine.hooks_done(hooks.tasks)
    if node.phase in FAILED_PHASES and not continues(child, node.phase):
        gate.failed = True
    hook = (child.hooks or {}).get("exit")
    if hook and node.phase in (Phase.SUCCEEDED, Phase.FAILED, Phase.ERROR):
        hscope = layer(node_scope(engine, f"{prefix}.{child.name}", node), iscope)
        try:
            hargs = engine.arguments(hook.arguments, hscope, unresolved_as_text=True)
        except TemplateError as exc:
            engine.error_node(f"{name}.onExit", hook.template, node, ctx, str(exc))
        else:
            await engine.invoke(f"{name}.onExit", hook.template, hargs, node, ctx)
    return node


class Hooks:
    """A step's/task's `hooks.<name>` with an `expression` (spec §13.2): evaluated each time
    the hooked node changes phase; a true one runs its template once, in parallel, as node
    `<node>.hooks.<name>`. The step waits for its hooks before it counts as done."""

    def __init__(self, engine: Kernel, hooks: dict[str, Hook], name: str, prefix: str,
                 scope: Any, ctx: Ctx) -> None:
        self.engine, self.hooks, self.name, self.prefix = engine, hooks, name, prefix
        self.scope, self.ctx = scope, ctx
        self.fired: set[str] = set()
        self.tasks: list[asyncio.Future] = []
        self.phase: Phase | None = None

    @classmethod
    def of(cls, engine: Kernel, child: Child, name: str, prefix: str, scope: Any,
           ctx: Ctx) -> "Hooks | None":
        hooks = {k: h for k, h in (child.hooks or {}).items() if k != "exit" and h.expression}
        if not hooks:
            return None
        out = cls(engine, hooks, name, prefix, scope, ctx)
        engine.watch(name, out)
        return out

    def __call__(self, node: Node) -> None:
        if node.phase is self.phase:
            return
        self.phase = node.phase
        scope = layer(node_scope(self.engine, self.prefix, node), self.scope)
        for hname, hook in sorted(self.hooks.items()):
            if hname in self.fired or self.engine.halted(self.ctx):
                continue
            try:
                fire = evaluate(str(hook.expression), scope) is True
            except (EvaluationError, GrammarError, RecursionError):
                fire = False
            if fire:
                self.fired.add(hname)
                self.tasks.append(self.engine.start_hook(f"{self.name}.hooks.{hname}", hook,
                                                         scope, node, self.ctx))


async def run_step(engine: Kernel, group: Node, child: Child, scope: Any,
                   results: dict[str, Any], ctx: Ctx, gate: Gate) -> list[Node]:
    """One step of a group: its node(s) under the group, its values into `results`."""
    base = f"{group.name}.{child.name}"
    prefix = f"steps.{child.name}"
    node: Node | None
    try:
        items = expand(engine, child, base, scope)
    except TemplateError as exc:
        node = engine.error_node(base, child.template, group, ctx, str(exc))
        results.update(node_scope(engine, prefix, node))
        return [node]
    if items is None:
        node = await run_one(engine, child, base, None, None, scope, group, ctx, gate, "steps",
                             False)
        if node is not None:
            results.update(node_scope(engine, prefix, node))
            if node.phase in (Phase.SKIPPED, Phase.OMITTED):
                results.update(skipped_defaults(engine, prefix, child))
        return [node] if node is not None else []
    if not items:
        node = engine.new_node(base, NodeType.SKIPPED, template_name(engine, child.template),
                               group, ctx.boundary, Phase.SKIPPED, EMPTY_LOOP)
        results.update(node_scope(engine, prefix, node))
        return [node]
    done = await asyncio.gather(*(run_one(engine, child, n, it, w, scope, group, ctx, gate,
                                          "steps", True) for n, it, w in items))
    nodes = [n for n in done if n is not None]
    phase = loop_phase(nodes)
    results.update(loop_scope(engine, prefix, nodes, phase))
    return nodes


async def run_steps(engine: Kernel, node: Node, key: str, tmpl: Template, scope: Any,
                    ctx: Ctx) -> None:
    """A steps template: groups in sequence, each group's steps in parallel."""
    node.phase = Phase.RUNNING
    engine.save(node)
    inner = Ctx(depth=ctx.depth + 1, boundary=node, daemons=[], exit=ctx.exit)
    results: dict[str, Any] = {}
    sscope = layer(results, scope)
    gate = gate_of(tmpl, scope)
    prev: list[Node] = []
    failure: tuple[Phase, str] | None = None
    groups = tmpl.body.groups if isinstance(tmpl.body, StepsBody) else ()
    for i, group in enumerate(groups):
        if engine.halted(ctx):
            failure = (Phase.FAILED, engine.halt_message())
            break
        gnode = engine.new_node(f"{node.name}[{i}]", NodeType.STEP_GROUP, tmpl.name,
                                node if i == 0 else None, node, Phase.RUNNING, save=False)
        for p in prev:
            for oid in engine.outbound_of(p):
                engine.attach(engine.nodes[oid], gnode)
        if i > 0:
            gnode.parent = node.id
        engine.save(gnode)
        done = await asyncio.gather(*(run_step(engine, gnode, c, sscope, results, inner, gate)
                                      for c in group))
        children = [n for nodes in done for n in nodes]
        by_child = [(c, n) for c, nodes in zip(group, done) for n in nodes]
        prev = children or [gnode]
        bad = next((n for c, n in by_child
                    if n.phase in FAILED_PHASES and not continues(c, n.phase)), None)
        started = sum(len(d) for d in done)
        if bad is None and gate.failed and gate.fail_fast:
            bad = gnode
        if bad is not None:
            message = f"child '{bad.id}' failed"
            engine.finish(gnode, Phase.FAILED, message)
            # a template-level failFast names itself on the steps node (Argo's e2e
            # TestWorkflowParallelismStepFailFast: the workflow carries this message)
            failure = (Phase.FAILED, FAIL_FAST_MESSAGE if gate.fail_fast else message)
            break
        if started == 0 and engine.halted(ctx):
            engine.finish(gnode, Phase.FAILED, engine.halt_message())
            failure = (Phase.FAILED, engine.halt_message())
            break
        engine.finish(gnode, Phase.SUCCEEDED)
    engine.outbound[node.id] = [o for p in prev for o in engine.outbound_of(p)]
    await engine.end_daemons(inner.daemons)
    if failure is not None:
        engine.finish(node, *failure)
        return
    try:
        outputs(engine, node, tmpl, sscope)
    except TemplateError as exc:
        engine.finish(node, Phase.ERROR, str(exc))
        return
    engine.finish(node, Phase.SUCCEEDED)


def outputs(engine: Kernel, node: Node, tmpl: Template, scope: Any) -> None:
    """Output parameters of a steps/dag node: `valueFrom.parameter` / `expression`."""
    for p in tmpl.outputs.parameters:
        vf = p.value_from or ValueFrom()
        value = None
        try:
            if p.value is not None:
                value = render_text(str(p.value), scope)
            elif vf.parameter:
                value = render_strict(str(vf.parameter), scope)
            elif vf.expression:
                v = evaluate(str(vf.expression), scope)
                value = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
        except (EvaluationError, GrammarError):
            value = None
        if value is None:
            if vf.default is not None:
                value = str(vf.default)
            else:
                raise TemplateError(f"unable to resolve output parameter {p.name!r}")
        value = engine.mask(value)
        node.outputs.parameters.append({"name": p.name, "value": value})
        engine.publish(p, value)
    for a in tmpl.outputs.artifacts:
        src = a.from_
        if src:
            obj = scope.get(tag_body(str(src)) or "")
            if isinstance(obj, dict):
                entry = dict(obj, name=a.name)
                node.outputs.artifacts.append(entry)
            elif not a.optional:
                raise TemplateError(f"Unable to resolve: {src}")


__all__ = ["EMPTY_LOOP", "FAIL_FAST_MESSAGE", "Gate", "Hooks", "WITH_PARAM_ERROR", "continues", "expand", "gate_of",
           "loop_phase", "node_scope", "run_one", "run_steps", "template_name"]
