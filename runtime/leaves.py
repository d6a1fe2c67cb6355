"""Leaves: the nodes that do the work (spec §8, §9, §12, §15): pods, their inputs and
outputs, daemons, suspend timers and HTTP requests.

`run_pod` renders the template, stages input artifacts, builds the Pod manifest
(`runtime/pods.py`), waits for a slot (workflow `parallelism`, `pendingTimeout`), hands the pod
to the backend and turns its `PodResult` into outputs, a phase and a message. A daemon's pod
outlives its node's invocation: `end_daemons` kills it when its scope ends.
"""

from __future__ import annotations

import asyncio
import enum
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

from plait.compiler.plan import POD_SPEC_KEYS, Template, ValueFrom, WorkflowSettings
from plait.compiler.plancodec import (
    decode_io,
    decode_template_settings,
    encode_io,
    encode_template,
)
from plait.grammar.durations import parse_duration
from plait.grammar.limits import nul_field

from . import reserve
from .http import run_http as http_request
from .inputs import REMOTE_ARTIFACTS, TemplateError
from .kernel import Ctx, Daemon, Kernel
from .logfiles import LogWriter, append_line
from .naming import item_text, pod_name
from .outputs import OutputError, OutputLimits, read_parameter
from .paths import inside
from .pods import build_pod, pod_outputs, workflow_volumes
from .store import folder_name
from .types import Node, Phase, PodHandle, PodResult
from .values import render_text, render_value

PENDING_TIMEOUT = "Pod was pending longer than pendingTimeout ({})"
RAW_OUTPUT_UNSET = "raw output parameter '{}' has not been set and does not have a default value"


class _Logs:
    """Masked log lines of one pod, written to the store's log files as they come, each with
    the engine clock's time (`runtime/logfiles.py`)."""

    def __init__(self, engine: Kernel, pod: str) -> None:
        self.engine, self.pod = engine, pod
        self.files: dict[str, LogWriter] = {}
        self.error: str | None = None      # why the log could not be written (a full disk)
        self.limit = OutputLimits.from_env().log

    def __call__(self, container: str, line: str, at: float | None = None) -> None:
        if self.error is not None:
            return
        try:
            f = self.files.get(container)
            if f is None:
                path = Path(self.engine.store.log_path(self.engine.name, self.pod, container))
                f = self.files[container] = LogWriter(path, self.limit)
            f.write(self.engine.mask(line), self.engine.clock() if at is None else at)
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        """The log cannot be written: the node will end Error; the pod is not stopped here
        (the backend owns it), its further lines are dropped."""
        if reserve.is_full(exc):
            self.error = f"cannot write the pod's log: {reserve.full(self.engine.home, exc)}"
        else:
            self.error = f"cannot write the pod's log: {exc}"

    def close(self) -> None:
        for f in self.files.values():
            try:
                f.close()
            except OSError as exc:
                if self.error is None:
                    self._failed(exc)
        self.files.clear()


def staging(engine: Kernel, pod: str) -> Path:
    """`<home>/staging/<wf>/<pod>`: input artifacts loaded for one pod (removed after it)."""
    base = engine.home if engine.home is not None else Path(tempfile.gettempdir()) / "plait"
    return inside(base / "staging", engine.name, folder_name(pod))


def stage_inputs(engine: Kernel, pod: str, artifacts: list[dict]) -> list[dict[str, Any]]:
    out = []
    for a in artifacts:
        path = a.get("path")
        if not path:
            continue
        dest = inside(staging(engine, pod), str(a.get("name")))
        if dest.exists() or dest.is_symlink():
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest)
            else:
                dest.unlink()
        dest.parent.mkdir(parents=True, exist_ok=True)
        if "raw" in a:
            dest.write_text(str((a["raw"] or {}).get("data", "")), encoding="utf-8")
        elif "key" in a:
            repo = engine.repo()
            if repo is None:
                raise TemplateError("artifacts need runtime.artifacts")
            try:
                repo.load(a["key"], dest, workflow=engine.name)
            except Exception as exc:  # UnsafeArtifact, ArtifactNotFound, ...
                raise TemplateError(f"input artifact {a['name']!r}: {exc}") from None
        else:
            continue
        entry = {"path": path, "source": str(dest)}
        if a.get("mode") is not None:
            entry["mode"] = a["mode"]
        out.append(entry)
    return out


def pod_deadline(engine: Kernel, tmpl: Template, scope: Any,
                 exit_handler: bool = False) -> int | None:
    """The pod's activeDeadlineSeconds: the template's own limits and what is left of the
    workflow's, except for exit-handler pods, which the workflow deadline spares (spec §12)."""
    values = []
    given: tuple[Any, ...] = (tmpl.active_deadline_seconds, tmpl.timeout)
    for v in given:                  # each a number, a duration text or None
        if isinstance(v, str):
            v = render_text(v, scope)
            try:
                v = float(v)
            except ValueError:
                try:
                    v = parse_duration(v.strip(), False)
                except ValueError:
                    v = None
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            values.append(float(v))      # "1e400" or "NaN" is no limit, as text that is none
    left = None if exit_handler else engine.deadline_left()
    if left is not None:
        values.append(left)
    return max(1, math.ceil(min(values))) if values else None


async def run_pod(engine: Kernel, node: Node, tmpl: Template, scope: Any,
                  artifacts: list[dict], ctx: Ctx) -> None:
    """Build the pod, wait for a slot, run it, collect its outputs; then drop the input
    artifacts staged for it (the pod got its own copies when it started)."""
    try:
        await _run_pod(engine, node, tmpl, scope, artifacts, ctx)
    finally:
        if node.pod_name:
            try:
                shutil.rmtree(staging(engine, node.pod_name), ignore_errors=True)
            except ValueError:
                pass


async def _run_pod(engine: Kernel, node: Node, tmpl: Template, scope: Any,
                   artifacts: list[dict], ctx: Ctx) -> None:
    pod = node.name if node.name == engine.name else pod_name(engine.name, tmpl.name, node.name)
    node.pod_name = pod
    scope.maps[0]["pod.name"] = pod
    for a in tmpl.outputs.artifacts:
        if a.path:
            scope.maps[0][f"outputs.artifacts.{a.name}.path"] = a.path
    for p in tmpl.outputs.parameters:
        path = p.value_from.path if p.value_from is not None else None
        if path:
            scope.maps[0][f"outputs.parameters.{p.name}.path"] = path
    # the pod is built from the template's JSON form (Argo's and Kubernetes' own format:
    # runtime/pods.py turns it into a Pod manifest), rendered in the node's scope
    raw = encode_template(tmpl)
    rendered = dict(raw)
    try:
        for k in ("body", "settings", "outputs"):
            if k in raw:
                rendered[k] = render_value(raw[k], scope, checked=True)
    except ValueError as exc:          # an expression tag failed: the pod never starts
        engine.finish(node, Phase.ERROR, str(exc))
        return
    daemon = decode_template_settings(rendered.get("settings")).is_daemon
    try:
        nul = nul_field({k: rendered.get(k) for k in ("body", "settings", "outputs")})
        if nul:
            raise TemplateError(f"{nul} holds a NUL byte, which no process argument, "
                                f"environment variable or path can hold")
        for a in decode_io(rendered.get("outputs")).artifacts:
            for loc in REMOTE_ARTIFACTS:
                if loc in (a.source or {}):
                    raise TemplateError(f"{loc} artifacts are not supported by the local "
                                        f"backend (output artifact {a.name!r})")
        inputs = stage_inputs(engine, pod, artifacts)
        out_paths = pod_outputs(rendered)
        manifest = _build_pod(workflow=engine.name, node_name=node.name, pod_name=pod,
                              template=rendered, settings=engine.plan.settings,
                              inputs=inputs, outputs=out_paths,
                              deadline=pod_deadline(engine, tmpl, scope, ctx.exit))
    except (TemplateError, ValueError, OSError) as exc:
        engine.finish(node, Phase.ERROR, str(exc))
        return
    created = engine.clock()
    pending = pending_timeout(tmpl, scope)
    slot = engine.pod_slots
    if slot is not None:
        engine.save(node)                                   # Pending: waits for a slot
        ok, got = await engine.until(_within(slot.acquire(), pending), ctx)
        if not ok:
            engine.finish(node, Phase.FAILED, engine.halt_message())
            return
        if got is _LATE:
            assert pending is not None      # only a pendingTimeout makes it late
            engine.finish(node, Phase.FAILED, PENDING_TIMEOUT.format(_timeout_text(pending)))
            return
    released = False
    mark = engine.rerun_mark(node.name)
    if mark is not None:
        _mark_logs(engine, pod, manifest, mark)
    logs: _Logs | None
    logs = _Logs(engine, pod)
    try:
        if engine.halted(ctx):
            engine.finish(node, Phase.FAILED, engine.halt_message())
            return
        node.phase = Phase.RUNNING
        node.started_at = engine.clock()
        engine.save(node)
        left = None if pending is None else max(0.0, created + pending - engine.clock())
        try:
            handle = await _within(engine.backend.start(manifest, logs), left, _kill_late)
        except Exception as exc:  # the backend could not create the pod
            engine.finish(node, Phase.ERROR, str(exc))
            return
        if handle is _LATE:
            assert pending is not None      # only a pendingTimeout makes it late
            engine.finish(node, Phase.FAILED, PENDING_TIMEOUT.format(_timeout_text(pending)))
            return
        engine.track_pod(pod, handle, ctx.exit)
        # a cluster's pod may wait (image pull, scheduling)
        handle.on_pending = lambda message: _pending(engine, node, message)
        if engine.halted(ctx):
            await handle.kill(engine.halt_message())
        if daemon:
            result = await wait_daemon(engine, node, handle, ctx, logs)
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
            engine.untrack_pod(pod)
        if slot is not None and not released:
            slot.release()
    if logs is not None and logs.error:
        engine.finish(node, Phase.ERROR, logs.error)
        return
    pod_done(engine, node, rendered, result, ctx)
    handle.cleanup()          # outputs and logs are stored: the pod's scratch can go


class _Late(enum.Enum):
    """What `_within` returns once its time ran out (an enum: its one member narrows types)."""

    LATE = "late"


_LATE = _Late.LATE
_T = TypeVar("_T")


def _pending(engine: Kernel, node: Node, message: str | None) -> None:
    """A backend's word on a pod that waits (`ImagePullBackOff: ...`): the node shows Pending
    with it, as Argo's does; None: the pod runs now."""
    if node.phase.done:
        return
    node.phase, node.message = (Phase.PENDING, message) if message else (Phase.RUNNING, "")
    engine.save(node)


async def _kill_late(handle: PodHandle) -> None:
    """A pod whose start took longer than its pendingTimeout: it never runs on."""
    await handle.kill("pending timeout")


async def _within(aw: Awaitable[_T], seconds: float | None,
                  give_back: Callable[[_T], Awaitable[None]] | None = None) -> _T | _Late:
    """`await aw`, or `_LATE` once `seconds` passed. What `aw` got while it was being
    cancelled is given back with `give_back` (a started pod is killed) and `_LATE` returned;
    without `give_back` it is returned as if in time (a semaphore acquired is held)."""
    if seconds is None:
        return await aw
    task = asyncio.ensure_future(aw)
    try:
        done, _ = await asyncio.wait((task,), timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if done:
        return task.result()
    task.cancel()
    try:
        got = await task
    except asyncio.CancelledError:
        return _LATE
    if give_back is None:                         # a semaphore acquired while cancelling
        return got
    await give_back(got)
    return _LATE


def pending_timeout(tmpl: Template, scope: Any) -> float | None:
    """The template's `pendingTimeout` in seconds (None without one)."""
    v: Any = tmpl.pending_timeout
    if isinstance(v, str):
        try:
            v = parse_duration(render_text(v, scope).strip())   # whole seconds too, as PL508
        except ValueError:
            return None
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
        return float(v)
    return None


def _timeout_text(v: float) -> str:
    """A timeout of `v` seconds as a message shows it: `30s`, `2.5s`."""
    return f"{int(v)}s" if v == int(v) else f"{v}s"


def _mark_logs(engine: Kernel, pod: str, manifest: dict[str, Any], mark: str) -> None:
    """A node run again: its earlier log files are kept, with `mark` before the new lines."""
    spec = manifest.get("spec") or {}
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        name = c.get("name") or "main"
        path = Path(engine.store.log_path(engine.name, pod, name))
        # main's log always gets the mark (a pod lost before its first line has no file yet)
        if (path.is_file() and path.stat().st_size) or name == "main":
            append_line(path, mark, engine.clock())


def pod_done(engine: Kernel, node: Node, rendered: dict[str, Any], result: PodResult, ctx: Ctx) -> None:
    """A pod ended: outputs, phase and message as Argo sets them."""
    phase, message = result.phase, result.message
    if phase is not Phase.SUCCEEDED and engine.halted(ctx):
        phase, message = Phase.FAILED, engine.halt_message(running=True)
    outs = node.outputs
    if result.result is not None:
        outs.result = engine.mask(result.result)
    if result.exit_code is not None:
        outs.exit_code = str(result.exit_code)
    try:
        collect_outputs(engine, node, rendered, result, phase is Phase.SUCCEEDED)
    except TemplateError as exc:
        if phase is Phase.SUCCEEDED:
            phase, message = Phase.ERROR, str(exc)
    engine.finish(node, phase, message)


def collect_outputs(engine: Kernel, node: Node, rendered: dict[str, Any], result: PodResult,
                    strict: bool) -> None:
    """The pod's output parameters and artifacts, from the template's outputs as rendered in
    the node's scope (read back through the codec)."""
    outs = decode_io(rendered.get("outputs"))
    problem = None
    for p in outs.parameters:
        vf = p.value_from or ValueFrom()
        value = None
        if p.value is not None:
            value = item_text(p.value)
        elif vf.path:
            local = result.files.get(vf.path)
            if local is not None and os.path.isfile(local):
                try:
                    value = read_parameter(local, OutputLimits.from_env().parameter)
                except OutputError as exc:
                    problem = problem or f"output parameter {p.name!r}: {exc}"
                    continue
                if value.endswith("\n"):
                    value = value[:-1]
            elif vf.default is not None:
                value = item_text(vf.default)
            else:
                problem = problem or f"open {vf.path}: no such file or directory"
                continue
        elif vf.default is not None:
            value = item_text(vf.default)
        if value is None:
            continue
        value = engine.mask(value)
        node.outputs.parameters.append({"name": p.name, "value": value})
        engine.publish(p, value)
    for a in outs.artifacts:
        path = a.path
        if not path:
            continue
        local = result.files.get(path)
        if local is None or not os.path.lexists(local):
            if not a.optional and strict:
                problem = problem or f"open {path}: no such file or directory"
            continue
        repo = engine.repo()
        if repo is None:
            problem = problem or "output artifacts need runtime.artifacts"
            continue
        archive = "none" if isinstance(a.archive, dict) and "none" in a.archive else "tgz"
        try:
            key = repo.save(engine.name, node.pod_name or node.name, a.name, local, archive)
        except Exception as exc:
            problem = problem or f"output artifact {a.name!r}: {exc}"
            continue
        entry = {"name": a.name, "path": path, "key": key}
        node.outputs.artifacts.append(entry)
        if a.global_name:
            g = str(a.global_name)
            engine.wf_outputs["artifacts"][g] = dict(entry, name=g)
            engine.globals[f"workflow.outputs.artifacts.{g}"] = entry
    if problem and strict:
        raise TemplateError(problem)


async def wait_daemon(engine: Kernel, node: Node, handle: PodHandle, ctx: Ctx,
                  logs: _Logs) -> PodResult | None:
    """Wait until the daemon is ready (None: it then runs until its scope ends), or
    return how it ended before it was ready."""
    waiter = asyncio.ensure_future(handle.wait())
    ready = asyncio.ensure_future(handle.ready())
    ok, _ = await engine.until(asyncio.wait((waiter, ready),
                                          return_when=asyncio.FIRST_COMPLETED), ctx)
    if not ok or waiter.done() or not ready.done() or ready.exception() is not None:
        ready.cancel()
        if not waiter.done():
            await handle.kill(engine.halt_message() if not ok else "not ready")
        return await waiter
    engine.daemoned.add(node.id)
    if handle.ip:
        engine.ips[node.id] = handle.ip
    engine.save(node)

    async def watch() -> None:
        try:
            result = await waiter
        finally:
            logs.close()
            engine.untrack_pod(node.pod_name or "")
            handle.cleanup()
        engine.daemoned.discard(node.id)
        if not node.phase.done:
            if node.id in engine.scope_ended:
                engine.finish(node, Phase.SUCCEEDED)
            else:
                engine.finish(node, Phase.FAILED, result.message or "daemon exited")
    task = asyncio.ensure_future(watch())
    ctx.daemons.append(Daemon(node, handle, task))
    return None


async def end_daemons(engine: Kernel, daemons: list[Daemon]) -> None:
    """The enclosing steps/dag node is done: kill its daemons, mark them Succeeded."""
    for d in daemons:
        if not d.node.phase.done:
            engine.scope_ended.add(d.node.id)
            await d.handle.kill("daemon scope ended")
    for d in daemons:
        try:
            await d.watcher
        except Exception:
            pass
        if not d.node.phase.done:
            engine.finish(d.node, Phase.SUCCEEDED)
    daemons.clear()


async def run_suspend(engine: Kernel, node: Node, tmpl: Template, scope: Any, ctx: Ctx) -> None:
    body = tmpl.spec or {}
    duration = body.get("duration")
    if isinstance(duration, str):
        try:
            duration = parse_duration(render_text(duration, scope).strip())
        except ValueError:
            engine.finish(node, Phase.ERROR, f"invalid suspend duration {duration!r}")
            return
    node.phase = Phase.RUNNING
    engine.save(node)
    resumed = engine.suspend_signal(node.id)
    try:
        if duration is None:
            ok, _ = await engine.until(resumed.wait(), ctx)     # until resumed, stop, deadline
        else:
            # counted from the node's first start, so a resumed run waits only what is left
            left = (node.started_at or engine.clock()) + float(duration) - engine.clock()
            ok, _ = await engine.until(_within(resumed.wait(), max(0.0, left)), ctx)
    finally:
        engine.drop_suspend_signal(node.id)
    if not ok:
        engine.finish(node, Phase.FAILED, engine.halt_message())
        return
    for p in tmpl.outputs.parameters:
        vf = p.value_from or ValueFrom()
        if p.value is not None:
            value = render_text(item_text(p.value), scope)
        elif vf.default is not None:
            value = render_text(item_text(vf.default), scope)
        elif scope.get(f"inputs.parameters.{p.name}") is not None:
            value = scope[f"inputs.parameters.{p.name}"]
        elif vf.has("supplied") and not resumed.is_set():
            # the duration ran out and nobody supplied it: Argo fails the node and the
            # workflow with this message (e2e TestSuspendNodeTimeoutWithoutDefaultValue)
            message = RAW_OUTPUT_UNSET.format(p.name)
            engine.workflow_error = engine.workflow_error or message
            engine.finish(node, Phase.FAILED, message)
            return
        else:
            continue
        node.outputs.parameters.append({"name": p.name, "value": value})
        engine.publish(p, value)
    engine.finish(node, Phase.SUCCEEDED)


MANIFEST_BYTES = 1 << 20      # a manifest read from an artifact (an API object is at most ~1.5 MiB)


async def run_resource(engine: Kernel, node: Node, tmpl: Template, scope: Any, ctx: Ctx,
                       artifacts: list[dict[str, Any]] | None = None) -> None:
    """A `resource` template: on a backend that reaches a cluster (`run_resource`), else an
    Error naming that backend. `manifestFrom.artifact` takes the manifest from the input
    artifact of that name (`artifacts`, as the engine resolved them), as it is: Argo renders
    an inline manifest, never an artifact's content."""
    run = engine.backend.run_resource
    if run is None:
        run_unsupported(engine, node, tmpl)
        return
    try:
        body = render_value(tmpl.spec or {}, scope, checked=True)
        # the backend takes Argo's output parameter objects, rendered in the node's scope
        outs = render_value(encode_io(tmpl.outputs)["parameters"], scope, checked=True)
        source = (body.get("manifestFrom") or {}).get("artifact") or {}
        if source and not body.get("manifest"):
            body["manifest"] = manifest_from(engine, node, artifacts or [], str(source.get("name")))
    except (ValueError, TemplateError) as exc:
        engine.finish(node, Phase.ERROR, str(exc))
        return
    node.phase, node.started_at = Phase.RUNNING, engine.clock()
    engine.save(node)
    ok, got = await engine.until(run(body, outs, workflow=engine.name), ctx)
    if not ok:
        engine.finish(node, Phase.FAILED, engine.halt_message())
        return
    phase, message, params = got
    node.outputs.parameters = params
    for out in decode_io({"parameters": outs}).parameters:
        value = next((x["value"] for x in params if x["name"] == out.name), None)
        if out.global_name and value is not None:
            engine.publish(out, value)
    engine.finish(node, phase, message)


def manifest_from(engine: Kernel, node: Node, artifacts: list[dict[str, Any]], name: str) -> str:
    """The text of the input artifact `name` (a file of at most MANIFEST_BYTES), loaded as a
    pod's input would be and removed again."""
    found = next((a for a in artifacts if a.get("name") == name), None)
    if found is None:
        raise TemplateError(f"manifestFrom: no input artifact named {name!r}")
    folder = staging(engine, node.id)
    try:
        placed = stage_inputs(engine, node.id, [dict(found, path="/manifest")])
        if not placed:
            raise TemplateError(f"manifestFrom: input artifact {name!r} has no content")
        path = Path(placed[0]["source"])
        if not path.is_file() or path.is_symlink():
            raise TemplateError(f"manifestFrom: input artifact {name!r} is not a file")
        if path.stat().st_size > MANIFEST_BYTES:
            raise TemplateError(f"manifestFrom: input artifact {name!r} is larger than "
                                f"{MANIFEST_BYTES} bytes")
        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def run_http(engine: Kernel, node: Node, tmpl: Template, scope: Any, ctx: Ctx) -> None:
    body = render_value(tmpl.spec or {}, scope)
    node.phase = Phase.RUNNING
    engine.save(node)
    try:
        ok, got = await engine.until(http_request(body, secrets=engine.secrets), ctx)
    except Exception as exc:
        engine.finish(node, Phase.ERROR, str(exc))
        return
    if not ok:
        engine.finish(node, Phase.FAILED, engine.halt_message())
        return
    result: PodResult = got              # the response: its body is `result`
    if result.result is not None:
        node.outputs.result = engine.mask(result.result)
    engine.finish(node, result.phase, result.message)


RESOURCE_ELSEWHERE = ("resource templates need the kubernetes backend (not supported by the "
                      "{} backend)")
UNSUPPORTED = {
    "data": "data templates are not supported by plait yet: they read an artifact repository "
            "through Argo's executor, and plait has no artifact repository",
    "plugin": "plugin templates are not supported by plait: executor plugins run in the Argo "
              "controller's agent pod",
}


def run_unsupported(engine: Kernel, node: Node, tmpl: Template) -> None:
    """Templates this backend cannot run: resource templates off the kubernetes backend, data
    and plugin templates on every backend (`UNSUPPORTED` says why)."""
    if tmpl.kind == "resource":
        message = RESOURCE_ELSEWHERE.format(engine.backend.name)
    else:
        message = UNSUPPORTED.get(str(tmpl.kind), f"{tmpl.kind} templates are not supported")
    engine.finish(node, Phase.ERROR, message)


def _build_pod(*, workflow: str, node_name: str, pod_name: str, template: dict[str, Any],
               settings: WorkflowSettings, inputs: list, outputs: list,
               deadline: int | None) -> dict[str, Any]:
    own = template.get("settings") or {}
    pod = settings.pod or {}
    inherited = {k: pod[k] for k in POD_SPEC_KEYS if k in pod and k not in own}
    if inherited:       # the workflow's pod-spec fields apply to every pod that sets none
        template = dict(template, settings={**own, **inherited})
    return build_pod(workflow=workflow, node_name=node_name, pod_name=pod_name,
                     template=template, spec_volumes=workflow_volumes(settings), inputs=inputs,
                     outputs=outputs, deadline=deadline,
                     service_account=settings.service_account_name)



__all__ = ["MANIFEST_BYTES", "PENDING_TIMEOUT", "RESOURCE_ELSEWHERE", "UNSUPPORTED",
           "collect_outputs", "end_daemons",
           "manifest_from", "pod_deadline", "run_http", "run_pod", "run_resource", "run_suspend", "run_unsupported",
           "stage_inputs", "staging"]
