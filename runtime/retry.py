"""`retryStrategy` (spec §10): a Retry node `<name>` and its attempts `<name>(n)`.

limit (None = unlimited), retryPolicy (OnFailure, OnError, Always, OnTransientError), backoff
`duration × factor^(n-1)` capped by `cap` (waited only when `limit` is set, as Argo does),
`maxDuration` from the first attempt's start, and `expression` over `lastRetry.*`. `limit`
and the backoff's fields may be tags over the template's inputs and the workflow's
parameters: they are rendered when the Retry node starts, and a value that is not a duration
(or, for `factor`, a number) ends it `Error`, as Argo's controller does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from typing import Any

from plait.compiler.plan import Backoff, Template
from plait.grammar import EvaluationError, GrammarError
from plait.grammar.durations import parse_duration
from plait.grammar.regex import RegexError, compile_regex

from .kernel import TRANSIENT, Args, Ctx, Kernel, Parent, evaluate
from .types import Node, NodeType, Phase
from .values import layer, render_text

NO_MORE = "No more retries left"
EXPRESSION_FALSE = "retryStrategy.expression evaluated to false"
MAX_DURATION = "Max duration limit exceeded"


def backoff_delay(backoff: Backoff, attempt: int) -> float:
    """Seconds to wait before attempt `attempt` (1-based retries): duration × factor^(n-1)."""
    duration = backoff.duration
    if not isinstance(duration, (int, float)) or attempt < 1:
        return 0.0
    factor = float(backoff.factor) if isinstance(backoff.factor, (int, float)) else 1.0
    delay = float(duration) * factor ** (attempt - 1)
    cap = backoff.cap
    if isinstance(cap, (int, float)) and cap > 0:
        delay = min(delay, float(cap))
    return delay


def transient(message: str) -> bool:
    """Argo's transient-error test (plus `TRANSIENT_ERROR_PATTERN`)."""
    extra = os.environ.get("TRANSIENT_ERROR_PATTERN")
    if extra:
        try:            # RE2: the message may hold a pod's output
            if compile_regex(extra).search(message or ""):
                return True
        except RegexError:
            pass
    return bool(TRANSIENT.search(message or ""))


def policy_allows(policy: str, node: Node) -> bool:
    if policy == "Always":
        return node.phase in (Phase.FAILED, Phase.ERROR)
    if policy == "OnError":
        return node.phase is Phase.ERROR
    if policy == "OnTransientError":
        return node.phase in (Phase.FAILED, Phase.ERROR) and transient(node.message)
    return node.phase is Phase.FAILED                     # OnFailure (the default)


def _limit(value: Any, scope: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = render_text(value, scope)
        try:
            return int(value)
        except ValueError:
            return None
    return int(value)


def resolved_backoff(backoff: Backoff, scope: Any) -> Backoff:
    """`backoff` with its tagged fields rendered in `scope` and read: durations (Go's, or whole
    seconds) for duration, cap and maxDuration, a number for factor. Raises ValueError naming
    the field."""
    values: dict[str, Any] = {}
    for field, key in (("duration", "duration"), ("factor", "factor"), ("cap", "cap"),
                       ("max_duration", "maxDuration")):
        value = getattr(backoff, field)
        if not isinstance(value, str):
            continue
        text = render_text(value, scope).strip()
        try:
            values[field] = float(text) if field == "factor" else parse_duration(text)
        except ValueError as exc:
            raise ValueError(f"retryStrategy.backoff.{key}: {exc}") from None
    return dataclasses.replace(backoff, **values) if values else backoff


async def run_retry(engine: Kernel, name: str, key: str, tmpl: Template,
                    args: Args, parent: Parent, ctx: Ctx) -> Node:
    """Run attempts until one succeeds or the strategy says stop."""
    rs = tmpl.retry
    assert rs is not None                  # the engine wraps only templates with a strategy
    node = engine.new_node(name, NodeType.RETRY, tmpl.name, parent, ctx.boundary,
                           Phase.RUNNING)
    try:
        local, _ = engine.inputs(tmpl, args)  # `limit` may name the template's inputs
    except Exception:  # the first attempt reports a bad input itself
        local = {}
    limit = _limit(rs.limit, layer(local, engine.globals))
    policy = str(rs.policy or "OnFailure")
    try:
        backoff = resolved_backoff(rs.backoff or Backoff(), layer(local, engine.globals))
    except ValueError as exc:
        engine.finish(node, Phase.ERROR, str(exc))
        return node
    max_duration = backoff.max_duration
    first = engine.clock()
    attempt = 0
    message: str | None = None
    last: Node | None = None
    while True:
        if attempt > 0 and limit is not None:
            delay = backoff_delay(backoff, attempt)
            if engine.reusable(f"{name}({attempt})") is not None:
                delay = 0.0                     # resumed: that attempt already ran
            if isinstance(max_duration, (int, float)) and max_duration > 0 and \
                    engine.clock() - first + delay > float(max_duration):
                message = MAX_DURATION
                break
            if delay > 0 and not await engine.sleep(delay, ctx):
                message = engine.halt_message()
                break
        started = engine.clock()
        last = await engine.instance(f"{name}({attempt})", key, tmpl, args, node, ctx, attempt)
        if last.phase is Phase.SUCCEEDED or engine.halted(ctx):
            break
        if last.phase in (Phase.SKIPPED, Phase.OMITTED) or not last.phase.done:
            break
        if not policy_allows(policy, last):
            break
        if limit is not None and attempt >= limit:
            message = NO_MORE
            break
        if isinstance(max_duration, (int, float)) and max_duration > 0 and \
                engine.clock() - first >= float(max_duration):
            message = MAX_DURATION
            break
        expression = rs.expression
        if expression:
            exit_code = last.outputs.exit_code if last.outputs.exit_code is not None else "-1"
            scope = layer({"lastRetry.exitCode": exit_code, "lastRetry.status": last.phase.value,
                           "lastRetry.duration": str(int((last.finished_at or started) - started)),
                           "lastRetry.message": last.message, "retries": str(attempt)},
                          engine.globals)
            try:
                try:
                    local, _ = engine.inputs(tmpl, args)
                except Exception:
                    local = {}
                text = render_text(str(expression), layer(local, scope))
                ok = evaluate(text, scope)
            except (EvaluationError, GrammarError) as exc:
                engine.finish(node, Phase.ERROR, f"retryStrategy.expression: {exc}")
                return node
            if ok is not True:
                message = EXPRESSION_FALSE
                break
        attempt += 1
    if last is None:                       # halted or out of time before the first attempt
        engine.finish(node, Phase.FAILED, message or engine.halt_message())
        return node
    node.outputs = last.outputs
    if last.id in engine.daemoned:         # a daemon attempt: the Retry node is daemoned too
        _follow_daemon(engine, node, last, attempt, limit, policy,
                       lambda n: engine.instance(f"{name}({n})", key, tmpl, args, node, ctx, n))
        return node
    _end(engine, node, last, message)
    return node


def _end(engine: Kernel, node: Node, last: Node, message: str | None) -> None:
    """The Retry node ends as its last attempt did."""
    engine.outbound[node.id] = engine.outbound_of(last)
    if last.phase is Phase.SUCCEEDED:
        engine.finish(node, Phase.SUCCEEDED, last.message)
    else:
        engine.finish(node, last.phase, message if message is not None else last.message)


def _follow_daemon(engine: Kernel, node: Node, last: Node, attempt: int, limit: int | None,
                   policy: str, start: Any) -> None:
    """A daemoned attempt is ready and keeps running after the Retry node returns. If it
    exits by itself with a failure the policy retries, the next attempt `<name>(n+1)` starts
    (Argo's e2e TestDaemonPodRetry: `daemoned(0)` Failed, `daemoned(1)` Succeeded when its
    scope ends); when an attempt ends for good the Retry node ends with it."""
    engine.daemoned.add(node.id)
    if last.id in engine.ips:
        engine.ips[node.id] = engine.ips[last.id]
    engine.save(node)

    def changed(n: Node) -> None:
        if not n.phase.done:
            return
        engine.unwatch(n.name)
        if n.phase in (Phase.FAILED, Phase.ERROR) and policy_allows(policy, n) \
                and (limit is None or attempt < limit) \
                and n.id not in engine.scope_ended and not engine.halted_any():
            asyncio.ensure_future(_next(n))
            return
        engine.daemoned.discard(node.id)
        node.outputs = n.outputs
        more = limit is not None and attempt >= limit and n.phase is not Phase.SUCCEEDED
        _end(engine, node, n, NO_MORE if more else None)

    async def _next(failed: Node) -> None:
        nxt = await start(attempt + 1)
        node.outputs = nxt.outputs
        if nxt.id in engine.daemoned:
            _follow_daemon(engine, node, nxt, attempt + 1, limit, policy, start)
        else:
            engine.daemoned.discard(node.id)
            _end(engine, node, nxt, NO_MORE if limit is not None and attempt + 1 >= limit
                 and nxt.phase is not Phase.SUCCEEDED else None)

    if last.phase.done:
        changed(last)
    else:
        engine.watch(last.name, changed)


__all__ = ["backoff_delay", "policy_allows", "resolved_backoff", "run_retry", "transient"]
