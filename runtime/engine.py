"""The engine: walks a `Plan` with Argo's semantics and hands every pod to a `Backend`.

One `Engine` runs one workflow (spec §2–§17). Templates are invoked recursively as they are
reached (`_invoke`): a `retryStrategy` wraps the invocation in a Retry node (`_retry`), steps
and DAG templates run their children (`runtime/steps.py`, `runtime/dag.py`), leaves become
pods, suspend timers, HTTP requests or a clear error for kinds the local runtime cannot run.

Every node change is saved (`store.save_node`) before the engine acts on it, then reported to
`on_change`. `stop()` kills the running pods and still runs the exit handler; `terminate()`
kills everything and runs nothing more. Per step the work is constant: scopes are layered
(`ChainMap`), nothing scans all nodes except `workflow.failures` for the exit handler.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from grammar import EvaluationError, GrammarError, evaluate_expression, nest, parse_expression

from .naming import display_name, node_id, pod_name
from .types import Backend, Node, NodeType, Outputs, Phase, PodHandle, PodResult
from .values import (global_scope, go_json, layer, params_json, render_strict, render_text,
                     render_value, rfc3339)

RECURSION_MESSAGE = ("Maximum recursion depth exceeded. See "
                     "https://argo-workflows.readthedocs.io/en/latest/scaling/#maximum-recursion-depth")
DEADLINE_MESSAGE = "Step exceeded its deadline"
POD_DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
STOP_MESSAGE = "Stopped with strategy 'Stop'"
TERMINATE_MESSAGE = "Stopped with strategy 'Terminate'"
FAILED_PHASES = (Phase.FAILED, Phase.ERROR)
POD_KINDS = ("container", "script", "containerSet")
KUBE_KINDS = ("resource", "data", "plugin")
REMOTE_ARTIFACTS = ("s3", "gcs", "azure", "hdfs", "oss", "artifactory", "git", "http", "plugin")
_TYPES = {"steps": NodeType.STEPS, "dag": NodeType.DAG, "suspend": NodeType.SUSPEND,
          "http": NodeType.HTTP}
# Argo's default transient errors (util/errors): matched against the node message
_TRANSIENT = re.compile(r"connection reset by peer|i/o timeout|connection refused|"
                        r"exceeded quota|etcdserver: leader changed|TLS handshake timeout|"
                        r"too many requests|the object has been modified|EOF", re.I)


class TemplateError(Exception):
    """A node cannot run (missing input, bad argument, unsupported kind): the node Errors."""


@dataclass
class Ctx:
    """Where an invocation happens: nesting depth, its steps/dag boundary, the daemons of
    that boundary, and whether it belongs to an exit handler (spared by `stop`)."""

    depth: int
    boundary: Node | None
    daemons: list = field(default_factory=list)
    exit: bool = False


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


class MemoryStore:
    """An in-memory store with the `Store` interface (library use and tests)."""

    def __init__(self, logs: Path | None = None) -> None:
        self.workflows: dict[str, dict[str, Any]] = {}
        self.saved: dict[str, dict[str, Node]] = {}
        self.events: list[tuple] = []
        self.saves = 0
        self._logs = logs

    def create_workflow(self, name: str, plan_json: Any, arguments: dict, started_at: float,
                        **_: Any) -> None:
        self.workflows[name] = {"name": name, "phase": Phase.RUNNING.value, "message": "",
                                "started_at": started_at, "finished_at": None}
        self.saved[name] = {}

    def save_node(self, wf: str, node: Node) -> None:
        self.saves += 1
        self.saved.setdefault(wf, {})[node.id] = node

    def set_workflow(self, wf: str, phase: Phase | str, message: str,
                     finished_at: float | None = None) -> None:
        row = self.workflows.setdefault(wf, {"name": wf})
        row.update(phase=getattr(phase, "value", phase), message=message, finished_at=finished_at)

    def event(self, wf: str, node_id: str | None, kind: str, message: str) -> None:
        self.events.append((wf, node_id, kind, message))

    def workflow(self, wf: str) -> dict | None:
        return self.workflows.get(wf)

    def nodes(self, wf: str) -> dict[str, Node]:
        return dict(self.saved.get(wf, {}))

    def log_path(self, wf: str, pod: str, container: str = "main") -> Path:
        if self._logs is None:
            self._logs = Path(tempfile.mkdtemp(prefix="plait-logs-"))
        return self._logs / wf / f"{pod}-{container}.log"


class _Logs:
    """Masked log lines of one pod, written to the store's log files as they come."""

    def __init__(self, engine: "Engine", pod: str) -> None:
        self.engine, self.pod = engine, pod
        self.files: dict[str, Any] = {}

    def __call__(self, container: str, line: str) -> None:
        f = self.files.get(container)
        if f is None:
            path = Path(self.engine.store.log_path(self.engine.name, self.pod, container))
            path.parent.mkdir(parents=True, exist_ok=True)
            f = self.files[container] = open(path, "a", encoding="utf-8")
        f.write(self.engine.mask(line) + "\n")
        f.flush()

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        self.files.clear()


class Engine:
    """Runs one plan to completion (`await run()`); `stop()` and `terminate()` end it early."""

    def __init__(self, plan: Any, backend: Backend, *, store: Any = None,
                 home: Path | None = None, secrets: Any = None, artifacts: Any = None,
                 parallelism: int | None = None,
                 on_change: Callable[[Node], None] | None = None,
                 stop_event: Any = None, clock: Callable[[], float] = time.time) -> None:
        self.plan, self.backend = plan, backend
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
        self.wf_outputs: dict[str, dict[str, Any]] = {"parameters": {}, "artifacts": {}}
        self.dag_cache: dict[str, Any] = {}
        self._artifacts = artifacts
        self._dirty: dict[str, Node] = {}
        self._batch = getattr(self.store, "batch", None)
        self._running: dict[str, tuple[PodHandle, bool]] = {}
        self._halt_reason: str | None = None
        self._halt = asyncio.Event()
        self._term = asyncio.Event()
        limit = plan.settings.get("parallelism")
        if isinstance(limit, str):
            limit = int(limit) if limit.strip().isdigit() else None
        self._pods = asyncio.Semaphore(limit) if isinstance(limit, int) and limit > 0 else None
        self.started_at = 0.0
        self.globals: dict[str, Any] = {}
        self._masking = bool(secrets)

    # --- public ----------------------------------------------------------------------------

    async def run(self) -> RunResult:
        """Run the workflow: entrypoint, then the exit handler; returns the final state."""
        self.started_at = self.clock()
        params = self._workflow_parameters()
        self.globals = global_scope(self.plan, self.name, self.started_at, params)
        self.store.create_workflow(self.name, self.plan.to_json(),
                                   {"parameters": params}, self.started_at)
        watchers = self._start_watchers()
        root_ctx = Ctx(depth=0, boundary=None)
        try:
            args = ({p["name"]: p["value"] for p in params if p.get("value") is not None},
                    self._workflow_artifacts())
            entry = await self._invoke(self.name, self.plan.entrypoint, args, None, root_ctx)
            await self._end_daemons(root_ctx)
            phase, message = self._workflow_phase(entry)
            if self.plan.on_exit and not self._term.is_set():
                phase, message = await self._run_exit_handler(phase, message)
        finally:
            for w in watchers:
                w.cancel()
        self.flush()
        finished = self.clock()
        self.store.set_workflow(self.name, phase, self.mask(message), finished)
        outputs = {k: [dict(v) for v in d.values()] for k, d in self.wf_outputs.items() if d}
        return RunResult(self.name, phase, self.mask(message), self.started_at, finished,
                         dict(self.nodes), outputs)

    def stop(self) -> None:
        """Argo's `stop`: kill running pods (not the exit handler's), then run exit handlers."""
        self._set_halt(STOP_MESSAGE)

    def terminate(self) -> None:
        """Argo's `terminate`: kill every pod, run no exit handler."""
        self._set_halt(TERMINATE_MESSAGE)
        self._term.set()
        self._kill_running(everything=True)

    # --- halting ---------------------------------------------------------------------------

    def _set_halt(self, reason: str) -> None:
        if self._halt_reason is None or reason == TERMINATE_MESSAGE:
            self._halt_reason = reason
        self._halt.set()
        self._kill_running(everything=False)

    def _kill_running(self, everything: bool) -> None:
        for pod, (handle, exempt) in list(self._running.items()):
            if everything or not exempt:
                asyncio.ensure_future(handle.kill(self._halt_reason or "stopped"))

    def halted(self, ctx: Ctx) -> bool:
        return self._term.is_set() if ctx.exit else self._halt.is_set()

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
        out = []
        deadline = self.plan.settings.get("activeDeadlineSeconds")
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
        deadline = self.plan.settings.get("activeDeadlineSeconds")
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
        if phase.done:
            node.finished_at = node.started_at
        self.nodes[nid] = node
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
        if self._batch is not None and len(dirty) > 1:
            with self._batch():
                for d in dirty.values():
                    self.store.save_node(self.name, d)
        else:
            for d in dirty.values():
                self.store.save_node(self.name, d)
        if self.on_change is not None:
            for d in dirty.values():
                self.on_change(d)

    def save(self, node: Node) -> None:
        """Commit `node` before anything acts on it, then tell `on_change`."""
        self._dirty.pop(node.id, None)
        self.store.save_node(self.name, node)
        if self.on_change is not None:
            self.on_change(node)

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

    async def _invoke(self, name: str, key: str | None, args: tuple[dict, dict],
                      parent: Node | None, ctx: Ctx) -> Node:
        """Run template `key` as node `name` with arguments (parameters, artifacts)."""
        tmpl = self.plan.templates.get(key) if key else None
        if tmpl is None:
            return self.error_node(name, key, parent, ctx, f"template {key!r} not found")
        if ctx.depth >= self.plan.max_depth:
            return self.error_node(name, tmpl["name"], parent, ctx, RECURSION_MESSAGE)
        if tmpl.get("retry") is not None:
            from .retry import run_retry
            return await run_retry(self, name, key, tmpl, args, parent, ctx)
        return await self.instance(name, key, tmpl, args, parent, ctx, None)

    async def instance(self, name: str, key: str, tmpl: dict[str, Any], args: tuple[dict, dict],
                       parent: Node | None, ctx: Ctx, retries: int | None) -> Node:
        """One execution of a template (one retry attempt)."""
        kind = tmpl.get("kind")
        type_ = _TYPES.get(kind, NodeType.POD)
        node = self.new_node(name, type_, tmpl["name"], parent, ctx.boundary, save=False)
        node.retries = retries
        try:
            local, artifacts = self.inputs(tmpl, args)
        except TemplateError as exc:
            return self.finish(node, Phase.ERROR, str(exc))
        node.inputs = {"parameters": [{"name": k[len("inputs.parameters."):], "value": v}
                                      for k, v in local.items()
                                      if k.startswith("inputs.parameters.")]}
        local["node.name"] = name
        if retries is not None:
            local["retries"] = str(retries)
        scope = layer(local, self.globals)
        settings = tmpl.get("settings") or {}
        shown = ((settings.get("annotations") or {}).get("workflows.argoproj.io/display-name")
                 or ((settings.get("metadata") or {}).get("annotations") or {}).get(
                     "workflows.argoproj.io/display-name"))
        if shown:
            node.display_name = render_text(str(shown), scope)
        if self.halted(ctx):
            return self.finish(node, Phase.FAILED, self.halt_message())
        if kind == "steps":
            from .steps import run_steps
            await run_steps(self, node, key, tmpl, scope, ctx)
        elif kind == "dag":
            from .dag import run_dag
            await run_dag(self, node, key, tmpl, scope, ctx)
        elif kind in POD_KINDS:
            await self.run_pod(node, tmpl, scope, artifacts, ctx)
        elif kind == "suspend":
            await self.run_suspend(node, tmpl, scope, ctx)
        elif kind == "http":
            await self.run_http(node, tmpl, scope, ctx)
        elif kind in KUBE_KINDS:
            self.finish(node, Phase.ERROR, f"{kind} templates need the kubernetes backend "
                        f"(not supported by the local backend)")
        else:
            self.finish(node, Phase.ERROR, f"template {tmpl['name']!r} has no body plait can run")
        return node

    # --- inputs and arguments --------------------------------------------------------------

    def _workflow_parameters(self) -> list[dict[str, Any]]:
        out = []
        for p in self.plan.arguments.get("parameters") or []:
            value = p.get("value")
            vf = p.get("valueFrom")
            if value is None and isinstance(vf, dict):
                value = self._value_from(vf, p["name"])
            out.append({"name": p["name"], "value": None if value is None else _text(value)})
        return out

    def _workflow_artifacts(self) -> dict[str, dict[str, Any]]:
        return {a["name"]: a for a in self.plan.arguments.get("artifacts") or []
                if isinstance(a, dict) and "name" in a}

    def _value_from(self, vf: dict[str, Any], name: str) -> str | None:
        ref = vf.get("configMapKeyRef")
        if isinstance(ref, dict) and self.secrets is not None:
            try:
                return self.secrets.config(str(ref.get("name")), str(ref.get("key")))
            except KeyError:
                if not ref.get("optional"):
                    if "default" not in vf:
                        raise TemplateError(f"configMap {ref.get('name')!r} key "
                                            f"{ref.get('key')!r} not found for {name!r}")
        if "default" in vf:
            return _text(vf["default"])
        return None

    def inputs(self, tmpl: dict[str, Any], args: tuple[dict, dict]) -> tuple[dict, list]:
        """The template's own scope (`inputs.*`) from the caller's arguments and defaults."""
        given, given_art = args
        local: dict[str, Any] = {}
        params = []
        ins = tmpl.get("inputs") or {}
        for p in ins.get("parameters") or []:
            n = p["name"]
            if n in given:
                v = given[n]
            elif p.get("value") is not None:
                v = render_text(_text(p["value"]), self.globals)
            elif isinstance(p.get("valueFrom"), dict) and \
                    self._value_from(p["valueFrom"], n) is not None:
                v = self._value_from(p["valueFrom"], n)
            elif p.get("default") is not None:
                v = render_text(_text(p["default"]), self.globals)
            else:
                raise TemplateError(f"inputs.parameters.{n} was not supplied")
            local[f"inputs.parameters.{n}"] = v
            params.append({"name": n, "value": v})
        if params:
            local["inputs.parameters"] = params_json(params)
        artifacts = []
        for a in ins.get("artifacts") or []:
            n = a.get("name")
            src = given_art.get(n)
            if src is None and any(k in a for k in ("raw",) + REMOTE_ARTIFACTS):
                src = a
            if src is None:
                if a.get("optional"):
                    continue
                raise TemplateError(f"inputs.artifacts.{n} was not supplied")
            for loc in REMOTE_ARTIFACTS:
                if loc in src:
                    raise TemplateError(f"{loc} artifacts are not supported by the local "
                                        f"backend (input artifact {n!r})")
            obj = dict(src, name=n)
            if a.get("path"):
                obj["path"] = a["path"]
                local[f"inputs.artifacts.{n}.path"] = a["path"]
            if a.get("mode") is not None:
                obj["mode"] = a["mode"]
            local[f"inputs.artifacts.{n}"] = obj
            artifacts.append(obj)
        return local, artifacts

    def arguments(self, raw: dict[str, Any] | None, scope: Any) -> tuple[dict, dict]:
        """A step's/task's arguments rendered in the caller's scope (spec §5.3, §4.5)."""
        params: dict[str, str] = {}
        arts: dict[str, dict] = {}
        raw = raw or {}
        for p in raw.get("parameters") or []:
            n = p.get("name")
            if "value" in p and p["value"] is not None:
                v = p["value"]
                if isinstance(v, str):
                    text = render_text(v, scope)
                    if text is v and ("{{" in v or "<<" in v) and _whole_output_ref(v):
                        continue        # an absent optional output: the input default applies
                    params[n] = text
                else:
                    params[n] = _text(v)
            elif isinstance(p.get("valueFrom"), dict):
                v2 = self._value_from(p["valueFrom"], n)
                if v2 is not None:
                    params[n] = v2
        for a in raw.get("artifacts") or []:
            n = a.get("name")
            if "from" in a:
                ref = _tag_body(str(a["from"]))
                obj = scope.get(ref) if ref else None
                if isinstance(obj, dict):
                    arts[n] = obj
                elif not a.get("optional"):
                    raise TemplateError(f"Unable to resolve: {a['from']}")
            elif "raw" in a:
                arts[n] = {"raw": {"data": render_text(str((a["raw"] or {}).get("data", "")),
                                                       scope)}}
            else:
                for loc in REMOTE_ARTIFACTS:
                    if loc in a:
                        arts[n] = dict(a)
        return params, arts

    # --- leaves ----------------------------------------------------------------------------

    def repo(self) -> Any:
        """The artifact repository (None when `runtime.artifacts` is not available)."""
        if self._artifacts is None:
            try:
                from .artifacts import ArtifactRepo
            except ImportError:          # pragma: no cover - R1's module missing
                return None
            root = (self.home or Path(tempfile.mkdtemp(prefix="plait-home-"))) / "artifacts"
            self._artifacts = ArtifactRepo(root)
        return self._artifacts

    def staging(self, pod: str) -> Path:
        base = self.home if self.home is not None else Path(tempfile.gettempdir()) / "plait"
        return base / "staging" / self.name / pod

    def _stage_inputs(self, pod: str, artifacts: list[dict]) -> list[dict[str, Any]]:
        out = []
        for a in artifacts:
            path = a.get("path")
            if not path:
                continue
            dest = self.staging(pod) / a["name"]
            if dest.exists() or dest.is_symlink():
                if dest.is_dir() and not dest.is_symlink():
                    shutil.rmtree(dest)
                else:
                    dest.unlink()
            dest.parent.mkdir(parents=True, exist_ok=True)
            if "raw" in a:
                dest.write_text(str((a["raw"] or {}).get("data", "")), encoding="utf-8")
            elif "key" in a:
                repo = self.repo()
                if repo is None:
                    raise TemplateError("artifacts need runtime.artifacts")
                try:
                    repo.load(a["key"], dest)
                except Exception as exc:  # UnsafeArtifact, ArtifactNotFound, ...
                    raise TemplateError(f"input artifact {a['name']!r}: {exc}") from None
            else:
                continue
            entry = {"path": path, "source": str(dest)}
            if a.get("mode") is not None:
                entry["mode"] = a["mode"]
            out.append(entry)
        return out

    def _deadline(self, tmpl: dict[str, Any], scope: Any) -> int | None:
        values = []
        for k in ("activeDeadlineSeconds", "timeout"):
            v = tmpl.get(k)
            if isinstance(v, str):
                from compiler.durations import parse_duration
                v = render_text(v, scope)
                try:
                    v = float(v)
                except ValueError:
                    try:
                        v = parse_duration(v.strip(), False)
                    except ValueError:
                        v = None
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                values.append(float(v))
        left = self.deadline_left()
        if left is not None:
            values.append(left)
        return max(1, math.ceil(min(values))) if values else None

    async def run_pod(self, node: Node, tmpl: dict[str, Any], scope: Any,
                      artifacts: list[dict], ctx: Ctx) -> None:
        """Build the pod, wait for a slot, run it, collect its outputs."""
        pod = node.name if node.name == self.name else pod_name(self.name, tmpl["name"], node.name)
        node.pod_name = pod
        scope.maps[0]["pod.name"] = pod
        for a in (tmpl.get("outputs") or {}).get("artifacts") or []:
            if a.get("path"):
                scope.maps[0][f"outputs.artifacts.{a['name']}.path"] = a["path"]
        for p in (tmpl.get("outputs") or {}).get("parameters") or []:
            path = (p.get("valueFrom") or {}).get("path")
            if path:
                scope.maps[0][f"outputs.parameters.{p['name']}.path"] = path
        rendered = dict(tmpl)
        for k in ("body", "settings", "outputs"):
            if k in tmpl:
                rendered[k] = render_value(tmpl[k], scope)
        settings = rendered.get("settings") or {}
        daemon = settings.get("daemon") in (True, "true")
        try:
            for a in (rendered.get("outputs") or {}).get("artifacts") or []:
                for loc in REMOTE_ARTIFACTS:
                    if loc in a:
                        raise TemplateError(f"{loc} artifacts are not supported by the local "
                                            f"backend (output artifact {a.get('name')!r})")
            inputs = self._stage_inputs(pod, artifacts)
            out_paths = _output_paths(rendered)
            manifest = _build_pod(workflow=self.name, node_name=node.name, pod_name=pod,
                                  template=rendered, settings=self.plan.settings,
                                  inputs=inputs, outputs=out_paths,
                                  deadline=self._deadline(tmpl, scope))
        except (TemplateError, ValueError, OSError) as exc:
            self.finish(node, Phase.ERROR, str(exc))
            return
        slot = self._pods
        if slot is not None:
            self.save(node)                                   # Pending: waits for a slot
        if slot is not None:
            ok, _ = await self.until(slot.acquire(), ctx)
            if not ok:
                self.finish(node, Phase.FAILED, self.halt_message())
                return
        released = False
        logs = _Logs(self, pod)
        try:
            if self.halted(ctx):
                self.finish(node, Phase.FAILED, self.halt_message())
                return
            node.phase = Phase.RUNNING
            node.started_at = self.clock()
            self.save(node)
            try:
                handle = await self.backend.start(manifest, logs)
            except Exception as exc:  # the backend could not create the pod
                self.finish(node, Phase.ERROR, str(exc))
                return
            self._running[pod] = (handle, ctx.exit)
            if self.halted(ctx):
                await handle.kill(self.halt_message())
            if daemon:
                result = await self._daemon(node, handle, ctx, logs)
                if slot is not None:
                    slot.release()
                    released = True
                if result is None:
                    logs = None  # the daemon watcher owns the logs now
                    return
            else:
                result = await handle.wait()
        finally:
            if logs is not None:
                logs.close()
                self._running.pop(pod, None)
            if slot is not None and not released:
                slot.release()
        self.pod_done(node, rendered, result, ctx)

    def pod_done(self, node: Node, rendered: dict[str, Any], result: PodResult, ctx: Ctx) -> None:
        """A pod ended: outputs, phase and message as Argo sets them."""
        phase, message = result.phase, result.message
        if phase is not Phase.SUCCEEDED and self.halted(ctx):
            phase, message = Phase.FAILED, self.halt_message(running=True)
        outs = node.outputs
        if result.result is not None:
            outs.result = self.mask(result.result)
        if result.exit_code is not None:
            outs.exit_code = str(result.exit_code)
        try:
            self.collect_outputs(node, rendered, result, phase is Phase.SUCCEEDED)
        except TemplateError as exc:
            if phase is Phase.SUCCEEDED:
                phase, message = Phase.ERROR, str(exc)
        self.finish(node, phase, message)

    def collect_outputs(self, node: Node, rendered: dict[str, Any], result: PodResult,
                        strict: bool) -> None:
        outs = rendered.get("outputs") or {}
        problem = None
        for p in outs.get("parameters") or []:
            vf = p.get("valueFrom") or {}
            value = None
            if p.get("value") is not None:
                value = _text(p["value"])
            elif vf.get("path"):
                local = result.files.get(vf["path"])
                if local is not None and os.path.isfile(local):
                    with open(local, encoding="utf-8", errors="replace") as f:
                        value = f.read()
                    if value.endswith("\n"):
                        value = value[:-1]
                elif vf.get("default") is not None:
                    value = _text(vf["default"])
                else:
                    problem = problem or f"open {vf['path']}: no such file or directory"
                    continue
            elif vf.get("default") is not None:
                value = _text(vf["default"])
            if value is None:
                continue
            value = self.mask(value)
            node.outputs.parameters.append({"name": p["name"], "value": value})
            self.publish(p, value)
        for a in outs.get("artifacts") or []:
            path = a.get("path")
            if not path:
                continue
            local = result.files.get(path)
            if local is None or not os.path.lexists(local):
                if not a.get("optional") and strict:
                    problem = problem or f"open {path}: no such file or directory"
                continue
            repo = self.repo()
            if repo is None:
                problem = problem or "output artifacts need runtime.artifacts"
                continue
            archive = "none" if isinstance(a.get("archive"), dict) and "none" in a["archive"] \
                else "tgz"
            try:
                key = repo.save(self.name, node.pod_name or node.name, a["name"], local, archive)
            except Exception as exc:
                problem = problem or f"output artifact {a['name']!r}: {exc}"
                continue
            entry = {"name": a["name"], "path": path, "key": key}
            node.outputs.artifacts.append(entry)
            if a.get("globalName"):
                g = str(a["globalName"])
                self.wf_outputs["artifacts"][g] = dict(entry, name=g)
                self.globals[f"workflow.outputs.artifacts.{g}"] = entry
        if problem and strict:
            raise TemplateError(problem)

    def publish(self, p: dict[str, Any], value: str) -> None:
        """An output parameter with `globalName` becomes `workflow.outputs.parameters.<g>`."""
        g = p.get("globalName")
        if g:
            g = str(g)
            self.wf_outputs["parameters"][g] = {"name": g, "value": value}
            self.globals[f"workflow.outputs.parameters.{g}"] = value

    async def _daemon(self, node: Node, handle: PodHandle, ctx: Ctx,
                      logs: _Logs) -> PodResult | None:
        """Wait until the daemon is ready (None: it then runs until its scope ends), or
        return how it ended before it was ready."""
        waiter = asyncio.ensure_future(handle.wait())
        ready = asyncio.ensure_future(handle.ready())
        ok, _ = await self.until(asyncio.wait((waiter, ready),
                                              return_when=asyncio.FIRST_COMPLETED), ctx)
        if not ok or waiter.done() or not ready.done() or ready.exception() is not None:
            ready.cancel()
            if not waiter.done():
                await handle.kill(self.halt_message() if not ok else "not ready")
            return await waiter
        self.daemoned.add(node.id)
        if handle.ip:
            self.ips[node.id] = handle.ip
        self.save(node)

        async def watch() -> None:
            try:
                result = await waiter
            finally:
                logs.close()
                self._running.pop(node.pod_name or "", None)
            self.daemoned.discard(node.id)
            if not node.phase.done:
                if getattr(node, "_scope_ended", False):
                    self.finish(node, Phase.SUCCEEDED)
                else:
                    self.finish(node, Phase.FAILED, result.message or "daemon exited")
        task = asyncio.ensure_future(watch())
        ctx.daemons.append((node, handle, task))
        return None

    async def end_daemons(self, daemons: list) -> None:
        """The enclosing steps/dag node is done: kill its daemons, mark them Succeeded."""
        for node, handle, task in daemons:
            if not node.phase.done:
                node._scope_ended = True  # type: ignore[attr-defined]
                await handle.kill("daemon scope ended")
        for node, handle, task in daemons:
            try:
                await task
            except Exception:
                pass
            if not node.phase.done:
                self.finish(node, Phase.SUCCEEDED)
        daemons.clear()

    async def _end_daemons(self, ctx: Ctx) -> None:
        await self.end_daemons(ctx.daemons)

    async def run_suspend(self, node: Node, tmpl: dict[str, Any], scope: Any, ctx: Ctx) -> None:
        body = tmpl.get("body") or {}
        duration = body.get("duration")
        if isinstance(duration, str):
            from compiler.durations import parse_duration
            try:
                duration = parse_duration(render_text(duration, scope), False)
            except ValueError:
                self.finish(node, Phase.ERROR, f"invalid suspend duration {duration!r}")
                return
        node.phase = Phase.RUNNING
        self.save(node)
        if duration is None:
            await self.until(asyncio.Event().wait(), ctx)   # until stop/deadline (resume: #5)
            self.finish(node, Phase.FAILED, self.halt_message())
            return
        if not await self.sleep(float(duration), ctx):
            self.finish(node, Phase.FAILED, self.halt_message())
            return
        for p in (tmpl.get("outputs") or {}).get("parameters") or []:
            vf = p.get("valueFrom") or {}
            if vf.get("default") is not None:
                value = render_text(_text(vf["default"]), scope)
            elif scope.get(f"inputs.parameters.{p['name']}") is not None:
                value = scope[f"inputs.parameters.{p['name']}"]
            else:
                continue
            node.outputs.parameters.append({"name": p["name"], "value": value})
            self.publish(p, value)
        self.finish(node, Phase.SUCCEEDED)

    async def run_http(self, node: Node, tmpl: dict[str, Any], scope: Any, ctx: Ctx) -> None:
        try:
            from .http import run_http
        except ImportError:
            self.finish(node, Phase.ERROR, "http templates are not available (runtime.http)")
            return
        body = render_value(tmpl.get("body") or {}, scope)
        node.phase = Phase.RUNNING
        self.save(node)
        try:
            ok, result = await self.until(run_http(body, secrets=self.secrets), ctx)
        except TypeError:
            ok, result = await self.until(run_http(body), ctx)
        except Exception as exc:
            self.finish(node, Phase.ERROR, str(exc))
            return
        if not ok:
            self.finish(node, Phase.FAILED, self.halt_message())
            return
        if getattr(result, "result", None) is not None:
            node.outputs.result = self.mask(result.result)
        self.finish(node, result.phase, result.message)

    # --- the end ---------------------------------------------------------------------------

    def _workflow_phase(self, entry: Node) -> tuple[Phase, str]:
        if self._halt_reason is not None and self._halt_reason != DEADLINE_MESSAGE \
                and entry.phase is not Phase.SUCCEEDED:
            return Phase.FAILED, self._halt_reason
        if entry.phase in (Phase.SUCCEEDED, Phase.SKIPPED, Phase.OMITTED):
            return Phase.SUCCEEDED, entry.message if entry.phase is Phase.SUCCEEDED else ""
        if self._halt_reason == DEADLINE_MESSAGE:
            return Phase.FAILED, DEADLINE_MESSAGE
        if entry.phase is Phase.ERROR:
            return Phase.ERROR, entry.message
        return Phase.FAILED, entry.message

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
        self.globals["workflow.duration"] = _seconds(self.clock() - self.started_at)
        hook = (self.plan.hooks or {}).get("exit") or {}
        if isinstance(hook.get("arguments"), dict):
            args = self.arguments(hook["arguments"], self.globals)
        else:
            args = ({p["name"]: p["value"] for p in self._workflow_parameters()
                     if p.get("value") is not None}, {})
        ctx = Ctx(depth=0, boundary=None, exit=True)
        node = await self._invoke(f"{self.name}.onExit", self.plan.on_exit, args, None, ctx)
        await self._end_daemons(ctx)
        if phase is Phase.SUCCEEDED and node.phase in FAILED_PHASES:
            return node.phase, node.message
        return phase, message


def _text(v: Any) -> str:
    """A parameter value as Argo's string (numbers and bools as YAML wrote them)."""
    from .naming import item_text
    return item_text(v)


def _seconds(v: float) -> str:
    return repr(float(v))


def _tag_body(text: str) -> str | None:
    s = text.strip()
    for o, c in (("{{", "}}"), ("<<", ">>")):
        if s.startswith(o) and s.endswith(c):
            return s[2:-2].strip()
    return None


def _whole_output_ref(text: str) -> bool:
    body = _tag_body(text)
    return bool(body) and body.split(".", 1)[0] in ("steps", "tasks") and ".outputs." in body


def _output_paths(rendered: dict[str, Any]) -> list[str]:
    try:
        from .pods import pod_outputs
    except ImportError:  # pragma: no cover - R2's module missing
        pod_outputs = None
    if pod_outputs is not None:
        return pod_outputs(rendered)
    outs = rendered.get("outputs") or {}
    paths: list[str] = []
    for p in outs.get("parameters") or []:
        path = (p.get("valueFrom") or {}).get("path")
        if path and path not in paths:
            paths.append(path)
    for a in outs.get("artifacts") or []:
        if a.get("path") and a["path"] not in paths:
            paths.append(a["path"])
    return paths


def _build_pod(*, workflow: str, node_name: str, pod_name: str, template: dict[str, Any],
               settings: dict[str, Any], inputs: list, outputs: list,
               deadline: int | None) -> dict[str, Any]:
    from .pods import build_pod, workflow_volumes
    return build_pod(workflow=workflow, node_name=node_name, pod_name=pod_name,
                     template=template, spec_volumes=workflow_volumes(settings), inputs=inputs,
                     outputs=outputs, deadline=deadline,
                     service_account=settings.get("serviceAccountName"))


def evaluate(expr: str, scope: Any) -> Any:
    """An expr-lang expression (no braces) over a scope."""
    return evaluate_expression(parse_expression(expr), nest(scope))


__all__ = ["Ctx", "Engine", "MemoryStore", "RunResult", "TemplateError", "evaluate"]
