"""The engine: walks a `Plan` with Argo's semantics and hands every pod to a `Backend`.

One `Engine` runs one workflow (spec §2–§17). Templates are invoked recursively as they are
reached (`invoke`): a `retryStrategy` wraps the invocation in a Retry node (`runtime/retry.py`),
steps and DAG templates run their children (`runtime/steps.py`, `runtime/dag.py`), leaves
become pods, suspend timers, HTTP requests or a clear error for kinds the local runtime cannot
run.

Every node change is saved (`store.save_node`) before the engine acts on it, then reported to
`on_change`. Each template kind runs in its handler (`runtime/handlers.py`), which sees the
engine only through the `runtime.kernel.Kernel` protocol. `stop()` kills the running pods and still runs the exit handler; `terminate()`
kills everything and runs nothing more. Per step the work is constant: scopes are layered
(`ChainMap`), nothing scans all nodes except `workflow.failures` for the exit handler.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from plait.compiler.plan import (
    Hook,
    Parameter,
    Template,
    TemplateSettings,
    Unresolved,
    unresolved_text,
)
from plait.compiler.plancodec import write_plan
from plait.grammar import EvaluationError, GrammarError
from plait.grammar.limits import cap

from . import inputs as _inputs
from .artifacts import ArtifactRepo
from .handlers import HANDLERS, Call, HandlerTable
from .heartbeat import Heartbeat
from .inputs import TemplateError
from .kernel import FAILED_PHASES, Args, Ctx, Daemon, Parent, evaluate
from .leaves import end_daemons
from .memstore import MemoryStore
from .naming import display_name, node_id, pod_name
from .reserve import DiskFull
from .types import Backend, Node, NodeType, Phase, PodHandle
from .values import global_scope, go_json, layer, render_text, rfc3339

RECURSION_MESSAGE = ("Maximum recursion depth exceeded. See "
                     "https://argo-workflows.readthedocs.io/en/latest/scaling/#maximum-recursion-depth")
DEADLINE_MESSAGE = "Step exceeded its deadline"
POD_DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
STOP_MESSAGE = "Stopped with strategy 'Stop'"
TERMINATE_MESSAGE = "Stopped with strategy 'Terminate'"
NODE_CAP_MESSAGE = ("workflow has more than {} nodes, the limit (PLAIT_MAX_NODES); "
                    "stopped as by terminate")
# template kinds by how they run (kept for callers; runtime/handlers.py's table decides)
POD_KINDS = ("container", "script", "containerSet")
KUBE_KINDS = ("resource", "data", "plugin")
LEAF_KINDS = POD_KINDS + KUBE_KINDS + ("suspend", "http")
MODES = ("new", "resume", "retry")
HEARTBEAT_SECONDS = 2.0
LOST_MARK = "--- plait: the runner was lost; this node runs again ---"
RETRY_MARK = "--- plait: retried; this node runs again ---"


@dataclass
class RunResult:
    """How a run ended: Argo's workflow phase and message, and every node."""

    name: str
    phase: Phase
    message: str
    started_at: float
    finished_at: float | None
    nodes: dict[str, Node]
    outputs: dict[str, Any] = field(default_factory=dict)


class Engine:
    """Runs one plan to completion (`await run()`); `stop()` and `terminate()` end it early.

    Implements `runtime.kernel.Kernel` for the handlers of `handlers` (the table of
    `runtime/handlers.py` unless a subclass or caller sets another)."""

    handlers: HandlerTable = HANDLERS

    def __init__(self, plan: Any, backend: Backend, *, store: Any = None,
                 home: Path | None = None, secrets: Any = None, artifacts: Any = None,
                 parallelism: int | None = None,
                 on_change: Callable[[Node], None] | None = None,
                 stop_event: Any = None, clock: Callable[[], float] = time.time,
                 mode: str = "new") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.plan, self.backend = plan, backend
        self.mode = mode
        self.name: str = plan.name
        self.home = Path(home) if home is not None else None
        self.store = store if store is not None else MemoryStore()
        self.secrets = secrets
        self.on_change = on_change
        self.stop_event = stop_event
        self.clock = clock
        self.nodes: dict[str, Node] = {}
        self.outbound: dict[str, list[str]] = {}      # id -> outbound node ids (tree edges)
        self.ips: dict[str, str] = {}
        self.daemoned: set[str] = set()
        self.scope_ended: set[str] = set()
        self.wf_outputs: dict[str, dict[str, Any]] = {"parameters": {}, "artifacts": {}}
        self.dag_cache: dict[str, Any] = {}
        self.templates: dict[str, Template] = plan.templates
        self.hooks: dict[str, Hook] = plan.hooks
        self._artifacts = artifacts
        self._dirty: dict[str, Node] = {}
        self._running: dict[str, tuple[PodHandle, bool]] = {}
        self._halt_reason: str | None = None
        self._halt = asyncio.Event()
        self._term = asyncio.Event()
        limit = self.plan.settings.parallelism
        if isinstance(limit, str):
            limit = int(limit) if limit.strip().isdigit() else None
        self._pods = asyncio.Semaphore(limit) if isinstance(limit, int) and limit > 0 else None
        self.started_at = 0.0
        self.globals: dict[str, Any] = {}
        self._masking = bool(secrets)
        self._stored: dict[str, Node] = {}            # resume/retry: the stored nodes by name
        self._rerun: dict[str, str] = {}              # pod node name -> mark for its old log
        self._watch: dict[str, Callable[[Node], None]] = {}   # node name -> phase watcher
        self._suspended: dict[str, asyncio.Event] = {}        # node id -> resume signal
        self._wf_hooks: set[str] = set()
        self.workflow_error: str | None = None   # an error Argo fails the workflow with
        self._hook_tasks: list[asyncio.Future] = []
        self._max_nodes = cap("PLAIT_MAX_NODES")

    # --- public ----------------------------------------------------------------------------

    async def run(self) -> RunResult:
        """Run the workflow: entrypoint, then the exit handler; returns the final state.

        `mode="resume"` continues a stored run: nodes that Succeeded (or were Skipped or
        Omitted) are reused as stored, Failed/Error ones kept, Pending/Running ones run again;
        `mode="retry"` also runs Failed/Error nodes (and so their ancestors) again, and the
        exit handler (Argo's `argo retry`)."""
        self.started_at = self.clock()
        try:
            params, failure = self._workflow_parameters(), None
        except TemplateError as exc:       # Argo fails the workflow before any node
            params, failure = [], str(exc)
        if self.mode == "new":
            self.store.create_workflow(self.name, write_plan(self.plan),
                                       {"parameters": params}, self.started_at)
        else:
            self._load_stored()
        self.globals = global_scope(self.plan, self.name, self.started_at, params)
        watchers = self._start_watchers()
        beat = Heartbeat(self.store, self.name, HEARTBEAT_SECONDS).start()
        root_ctx = Ctx(depth=0, boundary=None)
        hooks_ctx = Ctx(depth=0, boundary=None)
        try:
            phase, message = (Phase.FAILED, failure) if failure else \
                await self._walk(params, root_ctx, hooks_ctx)
        except DiskFull as exc:
            # the store cannot take more: stop everything and record the end in the space
            # the store's ballast freed (runtime/reserve.py)
            phase, message = Phase.ERROR, str(exc)
            self._set_halt(TERMINATE_MESSAGE)
            self._term.set()
            self._kill_running(everything=True)
            self._dirty.clear()
        finally:
            for w in watchers:
                w.cancel()
            beat.stop()
        self.flush()
        finished = self.clock()
        self.store.set_workflow(self.name, phase, self.mask(message), finished)
        outputs = {k: [dict(v) for v in d.values()] for k, d in self.wf_outputs.items() if d}
        return RunResult(self.name, phase, self.mask(message), self.started_at, finished,
                         dict(self.nodes), outputs)

    async def _walk(self, params: list, root_ctx: Ctx, hooks_ctx: Ctx) -> tuple[Phase, str]:
        """The entrypoint, workflow hooks and the exit handler: the run's phase and message."""
        self._check_wf_hooks(hooks_ctx)
        args = ({p["name"]: p["value"] for p in params if p.get("value") is not None},
                self._workflow_artifacts())
        entry = await self.invoke(self.name, self.plan.entrypoint, args, None, root_ctx)
        await self._end_daemons(root_ctx)
        phase, message = self._workflow_phase(entry)
        self.globals["workflow.status"] = phase.value
        self._check_wf_hooks(hooks_ctx)
        await self.hooks_done(self._hook_tasks)
        await self._end_daemons(hooks_ctx)
        if self.plan.on_exit and not self._term.is_set():
            phase, message = await self._run_exit_handler(phase, message)
        return phase, message

    def resume_suspended(self) -> None:
        """Argo's `resume`: every node waiting in a suspend template finishes Succeeded now."""
        for ev in list(self._suspended.values()):
            ev.set()

    def stop(self) -> None:
        """Argo's `stop`: kill running pods (not the exit handler's), then run exit handlers."""
        self._set_halt(STOP_MESSAGE)

    def terminate(self) -> None:
        """Argo's `terminate`: kill every pod, run no exit handler."""
        self._set_halt(TERMINATE_MESSAGE)
        self._term.set()
        self._kill_running(everything=True)

    # --- resume and retry ------------------------------------------------------------------

    def _load_stored(self) -> None:
        """Read the stored run back: its start time and nodes; the row goes back to Running."""
        row = self.store.workflow(self.name)
        if row is None:
            raise ValueError(f"workflow {self.name!r} is not in the store: nothing to {self.mode}")
        if self.mode == "resume" and row.started_at:
            self.started_at = float(row.started_at)   # deadlines count from the first start
        self._stored = {n.name: n for n in self.store.nodes(self.name).values()}
        for n in self._stored.values():
            if n.type is NodeType.POD and self.reusable(n.name) is None and n.pod_name:
                # a retry also runs its succeeded exit handler again: retried, not lost
                retried = self.mode == "retry" or n.phase in FAILED_PHASES
                self._rerun[n.name] = RETRY_MARK if retried else LOST_MARK
        self.store.set_workflow(self.name, Phase.RUNNING, "")

    def reusable(self, name: str) -> Node | None:
        """The stored node `name` when this run keeps it as it is, else None."""
        old = self._stored.get(name)
        if old is None:
            return None
        # Skipped/Omitted nodes are decided again by the walk (same inputs, same answer); a
        # node the walk now decides to run must not be taken for the one it skipped before.
        if old.phase is Phase.SUCCEEDED:
            exit_part = name.startswith(f"{self.name}.onExit")
            return None if self.mode == "retry" and exit_part else old
        if old.phase in FAILED_PHASES and self.mode == "resume":
            return old
        return None

    def _restore(self, old: Node, tmpl: Template, parent: Any) -> Node:
        """Put a stored leaf back into the run: tree edges, global outputs, watchers."""
        self.nodes[old.id] = old
        for p in (parent if isinstance(parent, list) else (parent,) if parent else ()):
            self.attach(p, old)
        values = {p["name"]: p.get("value") for p in old.outputs.parameters}
        for p in tmpl.outputs.parameters:
            if p.global_name and (value := values.get(p.name)) is not None:
                self.publish(p, value)
        stored_arts = {a["name"]: a for a in old.outputs.artifacts}
        for a in tmpl.outputs.artifacts:
            entry = stored_arts.get(a.name)
            if a.global_name and entry is not None:
                g = str(a.global_name)
                self.wf_outputs["artifacts"][g] = dict(entry, name=g)
                self.globals[f"workflow.outputs.artifacts.{g}"] = entry
        self._notify(old)
        return old

    # --- lifecycle hooks (spec §13) --------------------------------------------------------

    def watch(self, name: str, callback: Callable[[Node], None]) -> None:
        """Call `callback(node)` whenever the node called `name` is saved."""
        self._watch[name] = callback

    def unwatch(self, name: str) -> None:
        self._watch.pop(name, None)

    def _check_wf_hooks(self, ctx: Ctx) -> None:
        """Workflow-level `hooks.<name>.expression` over the globals: a true one runs once."""
        for hname, hook in sorted(self.hooks.items()):
            if hname == "exit" or hname in self._wf_hooks or not hook.expression:
                continue
            if self._term.is_set():
                return
            try:
                fire = evaluate(str(hook.expression), self.globals) is True
            except (EvaluationError, GrammarError, RecursionError):
                fire = False
            if fire:
                self._wf_hooks.add(hname)
                self._hook_tasks.append(self.start_hook(f"{self.name}.hooks.{hname}", hook,
                                                        self.globals, None, ctx))

    def start_hook(self, name: str, hook: Hook, scope: Any, parent: Node | None,
                   ctx: Ctx) -> asyncio.Future:
        """Run a hook's template as node `name`, in parallel with what it watches."""
        async def go() -> None:
            try:
                args = self.arguments(hook.arguments, scope)
            except TemplateError as exc:
                self.error_node(name, hook.template, parent, ctx, str(exc))
                return
            await self.invoke(name, hook.template, args, parent, ctx)
        return asyncio.ensure_future(go())

    @staticmethod
    async def hooks_done(tasks: list[asyncio.Future]) -> None:
        """Wait for started hooks (also those that start while waiting)."""
        while tasks:
            pending, tasks[:] = list(tasks), []
            await asyncio.gather(*pending)

    # --- halting ---------------------------------------------------------------------------

    def _set_halt(self, reason: str) -> None:
        if self._halt_reason is None or reason == TERMINATE_MESSAGE:
            self._halt_reason = reason
        self._halt.set()
        self._kill_running(everything=False)

    def _over_node_cap(self) -> None:
        """Too many nodes (say, recursion that doubles): end the run as `terminate` does,
        with a message naming the cap, so the store and memory stay bounded."""
        self._halt_reason = NODE_CAP_MESSAGE.format(self._max_nodes)
        self._halt.set()
        self._term.set()
        self._kill_running(everything=True)

    def _kill_running(self, everything: bool) -> None:
        for handle, exempt in list(self._running.values()):
            if everything or not exempt:
                asyncio.ensure_future(handle.kill(self._halt_reason or "stopped"))

    def halted(self, ctx: Ctx) -> bool:
        return self._term.is_set() if ctx.exit else self._halt.is_set()

    def halted_any(self) -> bool:
        """The run is stopping (stop, terminate or the workflow deadline)."""
        return self._halt.is_set()

    def halt_message(self, running: bool = False) -> str:
        reason = self._halt_reason or DEADLINE_MESSAGE
        if reason == DEADLINE_MESSAGE and running:
            return POD_DEADLINE_MESSAGE
        return reason

    async def until(self, aw: Any, ctx: Ctx) -> tuple[bool, Any]:
        """Await `aw` unless the run halts first: (True, result) or (False, None)."""
        event = self._term if ctx.exit else self._halt
        if event.is_set():
            if asyncio.iscoroutine(aw):
                aw.close()
            return False, None
        task = asyncio.ensure_future(aw)
        halt = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait((task, halt), return_when=asyncio.FIRST_COMPLETED)
        finally:
            halt.cancel()
        if task.done():
            return True, task.result()
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
        return False, None

    async def sleep(self, seconds: float, ctx: Ctx) -> bool:
        """Sleep unless the run halts; True when the full time passed."""
        done, _ = await self.until(asyncio.sleep(max(0.0, seconds)), ctx)
        return done

    def _start_watchers(self) -> list[asyncio.Task]:
        out: list[asyncio.Task] = []
        deadline = self.plan.settings.active_deadline_seconds
        if isinstance(deadline, (int, float)) and not isinstance(deadline, bool):
            async def expire() -> None:
                await asyncio.sleep(max(0.0, float(deadline)))
                self._set_halt(DEADLINE_MESSAGE)
            out.append(asyncio.ensure_future(expire()))
        ev = self.stop_event
        if ev is not None:
            async def watch() -> None:
                if isinstance(ev, asyncio.Event):
                    await ev.wait()
                else:
                    while not ev.is_set():
                        await asyncio.sleep(0.05)
                self.stop()
            out.append(asyncio.ensure_future(watch()))
        return out

    def deadline_left(self) -> float | None:
        deadline = self.plan.settings.active_deadline_seconds
        if isinstance(deadline, (int, float)) and not isinstance(deadline, bool):
            return max(0.0, self.started_at + float(deadline) - self.clock())
        return None

    # --- nodes -----------------------------------------------------------------------------

    def mask(self, text: str) -> str:
        if self._masking and text:
            return self.secrets.mask(text)
        return text

    def new_node(self, name: str, type_: NodeType, template: str | None, parent: Any,
                 boundary: Node | None, phase: Phase = Phase.PENDING, message: str = "",
                 save: bool = True) -> Node:
        """Create (or find again) the node `name`, attached under `parent`."""
        nid = node_id(self.name, name)
        node = Node(nid, name, display_name(name, boundary.name if boundary else None), type_,
                    template, phase, self.mask(message), started_at=self.clock(),
                    boundary_id=boundary.id if boundary else None)
        if self._stored:
            old = self._stored.get(name)
            if old is not None:          # walked again: keep its tree edges and first start
                node.children = list(old.children)
                node.started_at = old.started_at or node.started_at
        if phase.done:
            node.finished_at = node.started_at
        self.nodes[nid] = node
        if len(self.nodes) > self._max_nodes and not self._term.is_set():
            self._over_node_cap()
        if parent is not None:
            for p in (parent if isinstance(parent, list) else (parent,)):
                self.attach(p, node)
        if save:
            self.save(node)
        return node

    def attach(self, parent: Node, child: Node) -> None:
        if child.id not in parent.children:
            parent.children.append(child.id)
            if not self._dirty:
                # A parent's children list is a tree edge (each child also names its parent):
                # it is saved once per event-loop turn, so a burst of 1,000 tasks under one
                # DAG node writes that node once, not 1,000 times.
                asyncio.get_running_loop().call_soon(self.flush)
            self._dirty[parent.id] = parent
        if child.parent is None:
            child.parent = parent.id

    def flush(self) -> None:
        """Save the parents whose children changed."""
        dirty, self._dirty = self._dirty, {}
        if not dirty:
            return
        if len(dirty) > 1:
            with self.store.batch():
                for d in dirty.values():
                    self.store.save_node(self.name, d)
        else:
            for d in dirty.values():
                self.store.save_node(self.name, d)
        if self.on_change is not None:
            for d in dirty.values():
                self.on_change(d)

    def save(self, node: Node) -> None:
        """Commit `node` before anything acts on it, then tell `on_change` (and watchers)."""
        self._dirty.pop(node.id, None)
        self.store.save_node(self.name, node)
        self._notify(node)

    def _notify(self, node: Node) -> None:
        if self.on_change is not None:
            self.on_change(node)
        if self._watch:
            w = self._watch.get(node.name)
            if w is not None:
                w(node)

    def finish(self, node: Node, phase: Phase, message: str | None = None) -> Node:
        node.phase = phase
        if message is not None:
            node.message = self.mask(message)
        node.finished_at = self.clock()
        self.save(node)
        return node

    def error_node(self, name: str, template: str | None, parent: Any, ctx: Ctx,
                   message: str, type_: NodeType = NodeType.SKIPPED) -> Node:
        """A node that failed before it could start (type Skipped, phase Error)."""
        return self.new_node(name, type_, template, parent, ctx.boundary, Phase.ERROR, message)

    def fulfilled(self, node: Node) -> bool:
        return node.phase.done or node.id in self.daemoned

    def outbound_of(self, node: Node) -> list[str]:
        """Argo's outbound nodes: where the next group or dependant task hangs in the tree."""
        out = self.outbound.get(node.id)
        return out if out else [node.id]

    # --- invocation ------------------------------------------------------------------------

    async def invoke(self, name: str, key: str | None, args: Args, parent: Parent,
                     ctx: Ctx) -> Node:
        """Run template `key` as node `name` with arguments (parameters, artifacts)."""
        tmpl = self.templates.get(key) if key else None
        if tmpl is None or key is None:
            return self.error_node(name, key, parent, ctx, unresolved_text(Unresolved(template=key)))
        if ctx.depth >= self.plan.max_depth:
            return self.error_node(name, tmpl.name, parent, ctx, RECURSION_MESSAGE)
        if tmpl.retry is not None:
            return await self.handlers.retry(self, name, key, tmpl, args, parent, ctx)
        return await self.instance(name, key, tmpl, args, parent, ctx, None)

    async def instance(self, name: str, key: str, tmpl: Template, args: Args,
                       parent: Parent, ctx: Ctx, retries: int | None) -> Node:
        """One execution of a template (one retry attempt), by its kind's handler."""
        handler = self.handlers.kinds.get(str(tmpl.kind))
        if self._stored and handler is not None and handler.leaf:
            old = self.reusable(name)
            if old is not None:
                return self._restore(old, tmpl, parent)
        type_ = handler.node_type if handler is not None else NodeType.POD
        node = self.new_node(name, type_, tmpl.name, parent, ctx.boundary, save=False)
        node.retries = retries
        try:
            local, artifacts = self.inputs(tmpl, args)
        except TemplateError as exc:
            return self.finish(node, Phase.ERROR, str(exc))
        node.inputs = {"parameters": [{"name": k[len("inputs.parameters."):], "value": v}
                                      for k, v in local.items()
                                      if k.startswith("inputs.parameters.")]}
        local["node.name"] = name
        local["workflow.duration"] = _elapsed_text(self.clock() - self.started_at)
        if ctx.caller is not None:
            local[ctx.caller[0]] = ctx.caller[1]
        if retries is not None:
            local["retries"] = str(retries)
        scope = layer(local, self.globals)
        shown = (tmpl.settings or TemplateSettings()).display_name
        if shown:
            node.display_name = render_text(str(shown), scope)
        if self.halted(ctx):
            return self.finish(node, Phase.FAILED, self.halt_message())
        if handler is None:
            self.finish(node, Phase.ERROR, f"template {tmpl.name!r} has no body plait can run")
        else:
            await handler.run(self, Call(node, key, tmpl, scope, artifacts, ctx))
        return node

    # --- inputs and arguments (runtime/inputs.py) ------------------------------------------

    _workflow_parameters = _inputs.workflow_parameters
    _workflow_artifacts = _inputs.workflow_artifacts
    _value_from = _inputs.value_from
    inputs = _inputs.inputs
    arguments = _inputs.arguments

    # --- leaves ----------------------------------------------------------------------------

    def repo(self) -> Any:
        """The artifact repository (None when `runtime.artifacts` is not available)."""
        if self._artifacts is None:
            root = (self.home or Path(tempfile.mkdtemp(prefix="plait-home-"))) / "artifacts"
            self._artifacts = ArtifactRepo(root)
        return self._artifacts

    async def end_daemons(self, daemons: list[Daemon]) -> None:
        """The enclosing steps/dag node is done: kill its daemons, mark them Succeeded."""
        await end_daemons(self, daemons)

    @property
    def pod_slots(self) -> asyncio.Semaphore | None:
        """The workflow's `parallelism` as a semaphore pods acquire (None: no limit)."""
        return self._pods

    def track_pod(self, pod: str, handle: PodHandle, exit_handler: bool) -> None:
        """A started pod: `stop` kills it unless it belongs to an exit handler; `terminate`
        kills it anyway."""
        self._running[pod] = (handle, exit_handler)

    def untrack_pod(self, pod: str) -> None:
        self._running.pop(pod, None)

    def rerun_mark(self, node_name: str) -> str | None:
        """The mark to write into the earlier log of a pod node that runs again (once)."""
        return self._rerun.pop(node_name, None)

    def suspend_signal(self, node_id: str) -> asyncio.Event:
        """The event that `resume_suspended` sets for the suspended node `node_id`."""
        ev = self._suspended[node_id] = asyncio.Event()
        return ev

    def drop_suspend_signal(self, node_id: str) -> None:
        self._suspended.pop(node_id, None)

    async def _end_daemons(self, ctx: Ctx) -> None:
        await self.end_daemons(ctx.daemons)

    def publish(self, p: Parameter, value: str) -> None:
        """An output parameter with `globalName` becomes `workflow.outputs.parameters.<g>`."""
        g = p.global_name
        if g:
            g = str(g)
            self.wf_outputs["parameters"][g] = {"name": g, "value": value}
            self.globals[f"workflow.outputs.parameters.{g}"] = value

    # --- the end ---------------------------------------------------------------------------

    def _workflow_phase(self, entry: Node) -> tuple[Phase, str]:
        if self._halt_reason is not None and self._halt_reason != DEADLINE_MESSAGE \
                and entry.phase is not Phase.SUCCEEDED:
            return Phase.FAILED, self._halt_reason
        if entry.phase in (Phase.SUCCEEDED, Phase.SKIPPED, Phase.OMITTED):
            return Phase.SUCCEEDED, entry.message if entry.phase is Phase.SUCCEEDED else ""
        if self._halt_reason == DEADLINE_MESSAGE:
            return Phase.FAILED, DEADLINE_MESSAGE
        if self.workflow_error is not None:
            return Phase.FAILED, self.workflow_error
        if entry.phase is Phase.ERROR:   # `get` and `list` always say why a run errored
            return Phase.ERROR, entry.message or self._first_error() or "the workflow errored"
        return Phase.FAILED, entry.message

    def _first_error(self) -> str:
        """The message of the first node that ended in Error with one."""
        done = [n for n in self.nodes.values() if n.phase is Phase.ERROR and n.message]
        return min(done, key=lambda n: n.finished_at or 0).message if done else ""

    def failures(self) -> str:
        """`workflow.failures`: JSON of the Failed/Error nodes, quoted once more (spec §13.3)."""
        items = []
        for n in self.nodes.values():
            if n.phase in FAILED_PHASES:
                items.append({"displayName": n.display_name, "message": n.message,
                              "templateName": n.template_name or "", "phase": n.phase.value,
                              "podName": n.pod_name or pod_name(self.name, n.template_name, n.name),
                              "finishedAt": rfc3339(n.finished_at)})
        return go_json(go_json(items) if items else "null")

    async def _run_exit_handler(self, phase: Phase, message: str) -> tuple[Phase, str]:
        self.globals["workflow.status"] = phase.value
        self.globals["workflow.failures"] = self.failures()
        self.globals["workflow.duration"] = _elapsed_text(self.clock() - self.started_at)
        hook = self.hooks.get("exit")
        ctx = Ctx(depth=0, boundary=None, exit=True)
        if hook is not None and hook.arguments is not None:
            try:
                args = self.arguments(hook.arguments, self.globals)
            except TemplateError as exc:
                node = self.error_node(f"{self.name}.onExit", self.plan.on_exit, None, ctx,
                                       str(exc))
                return (node.phase, node.message) if phase is Phase.SUCCEEDED else (phase, message)
        else:
            args = ({p["name"]: p["value"] for p in self._workflow_parameters()
                     if p.get("value") is not None}, {})
        node = await self.invoke(f"{self.name}.onExit", self.plan.on_exit, args, None, ctx)
        await self._end_daemons(ctx)
        if phase is Phase.SUCCEEDED and node.phase in FAILED_PHASES:
            return node.phase, node.message
        return phase, message


def _elapsed_text(v: float) -> str:
    """`{{workflow.duration}}`: the seconds since the run started, as Go's `%f` writes them
    (`12.500000`). Argo's operator refreshes this global on every pass, so every template
    sees the duration at its start, and the exit handler the final one (its unit test
    TestGlobalParamDuration: `0.000000` on the first pass). (Not a Go duration: leaves'
    `_timeout_text` writes those, for messages.)"""
    return f"{float(v):f}"


__all__ = ["Ctx", "Engine", "FAILED_PHASES", "MemoryStore", "RunResult", "TemplateError",
           "evaluate"]
