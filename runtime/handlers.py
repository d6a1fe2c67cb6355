"""The handler table: which function runs each template kind, and the retry wrapper.

`Engine.instance` looks a template's `kind` up in `HANDLERS.kinds` and awaits
`handler.run(kernel, call)`; `Engine.invoke` wraps a template with a `retryStrategy` in
`HANDLERS.retry`. A kind missing from the table ends its node in Error ("has no body plait
can run"). Handlers see the engine only through `runtime.kernel.Kernel`.

| kind                             | node type | handler                        |
|----------------------------------|-----------|--------------------------------|
| container, script, containerSet  | Pod       | `leaves.run_pod`               |
| resource                         | Pod       | `leaves.run_resource` (kubernetes; else Error) |
| data, plugin                     | Pod       | `leaves.run_unsupported`       |
| suspend                          | Suspend   | `leaves.run_suspend`           |
| http                             | HTTP      | `leaves.run_http`              |
| steps                            | Steps     | `steps.run_steps`              |
| dag                              | DAG       | `dag.run_dag`                  |
| (retryStrategy, any kind)        | Retry     | `retry.run_retry` (wrapper)    |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping

from plait.compiler.plan import Template

from .dag import run_dag
from .kernel import Args, Ctx, Kernel, Parent
from .leaves import run_http, run_pod, run_resource, run_suspend, run_unsupported
from .retry import run_retry
from .steps import run_steps
from .types import Node, NodeType


@dataclass
class Call:
    """One execution of a template: its node (created, not yet running), the template's key
    and record, its scope (`inputs.*` over the globals), its staged input artifacts and
    where it runs."""

    node: Node
    key: str
    template: Template
    scope: Any
    artifacts: list[dict[str, Any]]
    ctx: Ctx


@dataclass(frozen=True)
class Handler:
    """How one template kind runs: the node type it gets and the coroutine that runs it.
    `leaf`: a resumed run reuses a stored node of this kind instead of running it again."""

    node_type: NodeType
    run: Callable[[Kernel, Call], Awaitable[None]]
    leaf: bool = True


RetryWrapper = Callable[[Kernel, str, str, Template, Args, Parent, Ctx], Awaitable[Node]]


@dataclass(frozen=True)
class HandlerTable:
    kinds: Mapping[str, Handler]
    retry: RetryWrapper


async def _pod(k: Kernel, c: Call) -> None:
    await run_pod(k, c.node, c.template, c.scope, c.artifacts, c.ctx)


async def _unsupported(k: Kernel, c: Call) -> None:
    run_unsupported(k, c.node, c.template)


async def _resource(k: Kernel, c: Call) -> None:
    await run_resource(k, c.node, c.template, c.scope, c.ctx, c.artifacts)


async def _suspend(k: Kernel, c: Call) -> None:
    await run_suspend(k, c.node, c.template, c.scope, c.ctx)


async def _http(k: Kernel, c: Call) -> None:
    await run_http(k, c.node, c.template, c.scope, c.ctx)


async def _steps(k: Kernel, c: Call) -> None:
    await run_steps(k, c.node, c.key, c.template, c.scope, c.ctx)


async def _dag(k: Kernel, c: Call) -> None:
    await run_dag(k, c.node, c.key, c.template, c.scope, c.ctx)


_POD = Handler(NodeType.POD, _pod)
_KUBE = Handler(NodeType.POD, _unsupported)

HANDLERS = HandlerTable(
    kinds={"container": _POD, "script": _POD, "containerSet": _POD,
           "resource": Handler(NodeType.POD, _resource), "data": _KUBE, "plugin": _KUBE,
           "suspend": Handler(NodeType.SUSPEND, _suspend),
           "http": Handler(NodeType.HTTP, _http),
           "steps": Handler(NodeType.STEPS, _steps, leaf=False),
           "dag": Handler(NodeType.DAG, _dag, leaf=False)},
    retry=run_retry)


__all__ = ["Call", "HANDLERS", "Handler", "HandlerTable", "RetryWrapper"]
