"""What a template handler sees of the engine: the `Kernel` protocol, and the `Ctx` of one
invocation.

The engine (`runtime/engine.py`) owns the run: its nodes, the store, the backend, halting
and the deadline. Each template kind is run by a handler (`runtime/handlers.py` lists them):
steps (`runtime/steps.py`), dag (`runtime/dag.py`), pods, suspend and http
(`runtime/leaves.py`), and the retry wrapper (`runtime/retry.py`). A handler is given a
`Kernel`, never the `Engine` class, so the handlers do not import the engine module (an
import-linter contract in pyproject.toml holds that) and the engine can change its insides
without touching them. The protocol is what the handlers use today, grouped as:

- nodes: `new_node`, `attach`, `save`, `finish`, `error_node`, `outbound_of` and the run's
  shared maps (`nodes`, `outbound`, `ips`, `daemoned`, `scope_ended`);
- running templates: `invoke` (a child template, with its retry wrapper), `instance` (one
  attempt), `reusable` (a resumed run's stored node), `inputs`/`arguments`, hooks;
- time: `clock`, `until`/`sleep` (they give up when the run halts), `halted`,
  `halt_message`, `deadline_left`;
- pods: `backend`, `store`, `repo()`, `pod_slots`, `track_pod`/`untrack_pod`,
  `rerun_mark`, `end_daemons`, suspend signals;
- values: `globals`, `publish`, `wf_outputs`, `mask`, `secrets`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from plait.compiler.plan import IO, Hook, Parameter, Plan, Template
from plait.grammar import evaluate_expression, nest, parse_expression

from .types import Backend, Node, NodeType, Phase, PodHandle

FAILED_PHASES = (Phase.FAILED, Phase.ERROR)
# Argo's default transient errors (util/errors): matched against the node message
TRANSIENT = re.compile(r"connection reset by peer|i/o timeout|connection refused|"
                       r"exceeded quota|etcdserver: leader changed|TLS handshake timeout|"
                       r"too many requests|the object has been modified|EOF", re.I)

Args = tuple[dict[str, Any], dict[str, Any]]
"""A template's arguments as its caller rendered them: (parameters, artifacts) by name."""
Parent = Node | list[Node] | None
"""Where a new node hangs in the tree: one node, several (a DAG task's dependencies), none."""


@dataclass
class Daemon:
    """A daemoned pod that outlives its node's invocation until its scope ends."""

    node: Node
    handle: PodHandle
    watcher: asyncio.Future


@dataclass
class Ctx:
    """Where an invocation happens: nesting depth, its steps/dag boundary, the daemons of
    that boundary, whether it belongs to an exit handler (spared by `stop`), and the step or
    task that invokes it (`("steps.name", "prepare")`: Argo's executeTemplate gives the
    template `{{steps.name}}` / `{{tasks.name}}`, the invoking step's or task's name)."""

    depth: int
    boundary: Node | None
    daemons: list[Daemon] = field(default_factory=list)
    exit: bool = False
    caller: tuple[str, str] | None = None


def evaluate(expr: str, scope: Any) -> Any:
    """An expr-lang expression (no braces) over a scope."""
    return evaluate_expression(parse_expression(expr), nest(scope))


class Kernel(Protocol):
    """The engine as the handlers see it (implemented by `runtime.engine.Engine`)."""

    name: str                                  # the workflow name
    plan: Plan                                 # the plan (compiler/plan.py)
    templates: dict[str, Template]             # the plan's templates as records, by key
    backend: Backend
    store: Any                                 # runtime.storeapi.Store
    home: Path | None
    secrets: Any                               # runtime.secrets.SecretStore or None
    clock: Callable[[], float]
    globals: dict[str, Any]                    # workflow.* values, the outermost scope
    wf_outputs: dict[str, dict[str, Any]]      # workflow outputs by globalName
    workflow_error: str | None                 # a message Argo fails the workflow with
    nodes: dict[str, Node]                     # id -> node
    outbound: dict[str, list[str]]             # id -> outbound node ids (tree edges)
    ips: dict[str, str]                        # node id -> a ready daemon's address
    daemoned: set[str]                         # ids of nodes whose daemon is ready
    scope_ended: set[str]                      # ids of daemons killed because their scope ended
    dag_cache: dict[str, Any]                  # template key -> its DAG shape

    # --- nodes
    def new_node(self, name: str, type_: NodeType, template: str | None, parent: Any,
                 boundary: Node | None, phase: Phase = ..., message: str = ...,
                 save: bool = ...) -> Node: ...
    def attach(self, parent: Node, child: Node) -> None: ...
    def save(self, node: Node) -> None: ...
    def finish(self, node: Node, phase: Phase, message: str | None = ...) -> Node: ...
    def error_node(self, name: str, template: str | None, parent: Any, ctx: Ctx,
                   message: str, type_: NodeType = ...) -> Node: ...
    def outbound_of(self, node: Node) -> list[str]: ...
    def mask(self, text: str) -> str: ...
    def publish(self, p: Parameter, value: str) -> None: ...

    # --- running templates
    async def invoke(self, name: str, key: str | None, args: Args, parent: Parent,
                     ctx: Ctx) -> Node: ...
    async def instance(self, name: str, key: str, tmpl: Template, args: Args,
                       parent: Parent, ctx: Ctx, retries: int | None) -> Node: ...
    def reusable(self, name: str) -> Node | None: ...
    def inputs(self, tmpl: Template, args: Args) -> tuple[dict, list]: ...
    def arguments(self, raw: IO | dict[str, Any] | None, scope: Any,
                  unresolved_as_text: bool = ...) -> Args: ...
    def watch(self, name: str, callback: Callable[[Node], None]) -> None: ...
    def unwatch(self, name: str) -> None: ...
    def start_hook(self, name: str, hook: Hook, scope: Any, parent: Node | None,
                   ctx: Ctx) -> asyncio.Future: ...
    async def hooks_done(self, tasks: list[asyncio.Future]) -> None: ...

    # --- time and halting
    async def until(self, aw: Any, ctx: Ctx) -> tuple[bool, Any]: ...
    async def sleep(self, seconds: float, ctx: Ctx) -> bool: ...
    def halted(self, ctx: Ctx) -> bool: ...
    def halted_any(self) -> bool: ...
    def halt_message(self, running: bool = ...) -> str: ...
    def deadline_left(self) -> float | None: ...

    # --- pods
    def repo(self) -> Any: ...
    @property
    def pod_slots(self) -> asyncio.Semaphore | None: ...
    def track_pod(self, pod: str, handle: PodHandle, exit_handler: bool) -> None: ...
    def untrack_pod(self, pod: str) -> None: ...
    def rerun_mark(self, node_name: str) -> str | None: ...
    def suspend_signal(self, node_id: str) -> asyncio.Event: ...
    def drop_suspend_signal(self, node_id: str) -> None: ...
    async def end_daemons(self, daemons: list[Daemon]) -> None: ...


__all__ = ["Args", "Ctx", "Daemon", "FAILED_PHASES", "Kernel", "Parent", "TRANSIENT",
           "evaluate"]
