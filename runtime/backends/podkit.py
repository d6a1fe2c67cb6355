"""What every backend that runs a Pod manifest on this machine shares: the pod's failure, its
log streams and `outputs.result`, Kubernetes' `$(VAR)` expansion, env values from Secrets,
ConfigMaps and the pod's own fields, secret/configMap volume files with their modes, and
path helpers. The local backend (`local.py`) and the container backend (`container*.py`)
differ only in how a container runs; these rules are the same for both, so they live once.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
import os
import posixpath
import re
import shutil
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping

from plait.runtime import pods as P
from plait.runtime.backends import limits as L
from plait.runtime.outputs import Area, Budget, OutputError, OutputLimits, copy_output
from plait.runtime.paths import inside, under
from plait.runtime.types import LogSink, Phase, PodResult

RESULT_LIMIT = 256 * 1024          # outputs.result keeps the last 256 KiB of main's stdout
LINE_LIMIT = 1 << 20               # a log "line" longer than this (in characters) is split
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
SCRIPT_PATH = "/argo/staging/script"


_logger = logging.getLogger("plait.runtime.pods")


class PodFailure(Exception):
    """The pod cannot go on: `phase` and `message` are what its node shows."""

    def __init__(self, phase: Phase, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.phase, self.message, self.exit_code = phase, message, exit_code


Ended = tuple[int | None, str | None, str | None]
"""How one container ended: (exit code, main's kept stdout, a message)."""


class PodLife:
    """What a started pod does the same way on every backend that runs it on this machine
    (`runtime.types.PodHandle`): read its manifest, signal readiness, end by its
    `activeDeadlineSeconds` or a kill, and turn a failure into Argo's `PodResult`.

    A backend's pod supplies `_life` (its containers, start to end), `_stop_all` (kill what
    runs now), `_finished(release)` (give back its slot, tidy up) and may map its own set-up
    errors in `_set_up_failed`."""

    ip: str | None = None

    def __init__(self, manifest: dict[str, Any], sink: LogSink) -> None:
        self.sink = sink
        meta = manifest.get("metadata") or {}
        self.name = str(meta.get("name") or "pod")
        self.annotations: dict[str, str] = dict(meta.get("annotations") or {})
        self.labels: dict[str, str] = dict(meta.get("labels") or {})
        self.workflow = self.labels.get(P.WORKFLOW_LABEL, "default")
        self.spec: dict[str, Any] = manifest.get("spec") or {}
        self.task: asyncio.Future | None = None
        self._ready = asyncio.Event()
        self._killed: str | None = None
        # `runtime.types.PodHandle.on_pending`: set by the engine, never called here (a pod on
        # this machine shows Running from its start, an image pull included)
        self.on_pending: Callable[[str | None], None] | None = None

    @property
    def daemon(self) -> bool:
        return self.annotations.get(P.DAEMON) == "true"

    async def ready(self) -> None:
        """Return once main runs (and its readinessProbe passed, if any), or the pod ended."""
        await self._ready.wait()

    async def wait(self) -> PodResult:
        """Main's end: sidecars stopped, outputs read back."""
        assert self.task is not None
        return await asyncio.shield(self.task)

    async def kill(self, reason: str) -> None:
        """Kill everything the pod runs; `wait()` then returns Failed with `reason`."""
        if self._killed is None:
            self._killed = reason
        await self._stop_all()
        if self.task is not None:
            await asyncio.wait([self.task])

    async def run(self, release: bool) -> PodResult:
        """The pod's whole life, bounded by its activeDeadlineSeconds; `release`: give its
        slot of the backend's parallelism back at the end."""
        started = time.monotonic()
        try:
            deadline = self.spec.get("activeDeadlineSeconds")
            body = asyncio.ensure_future(self._life())
            try:
                done, _ = await asyncio.wait([body], timeout=float(deadline) if deadline else None)
                if not done:
                    if self._killed is None:
                        self._killed = DEADLINE_MESSAGE
                    await self._stop_all()
                result = await body
            except asyncio.CancelledError:
                body.cancel()
                await self._stop_all()
                raise
            if self._killed is not None:
                result.phase, result.message = Phase.FAILED, self._killed
            return result
        except PodFailure as failure:
            if self._killed is not None:
                return PodResult(Phase.FAILED, failure.exit_code, self._killed)
            return PodResult(failure.phase, failure.exit_code, failure.message)
        except OSError as exc:      # the pod's directories or files could not be set up
            return PodResult(Phase.ERROR, None, f"pod set-up failed: {exc}")
        except Exception as exc:
            failed = self._set_up_failed(exc)
            if failed is None:
                raise
            return failed
        finally:
            self._ready.set()
            self._finished(release)
            _logger.debug("pod %s ran %.3fs", self.name, time.monotonic() - started)

    async def _container_set(self, names: list[str], deps: dict[str, list[str]], main: str,
                             run: Callable[[str, int], Awaitable[Ended]]) -> PodResult:
        """A containerSet: each container `run(name, attempt)` once its dependencies ended with
        0 (after a failed one it never starts), retried inside the pod by the template's
        containerSet retryStrategy; the pod ends as its first failed container, else as main."""
        done: dict[str, asyncio.Future] = {}
        retry = json.loads(self.annotations.get(P.CONTAINER_RETRY) or "null") or {}

        async def one(name: str) -> Ended:
            for d in deps.get(name) or []:
                if d in done:
                    code, _, _ = await done[d]
                    if code != 0:
                        return None, None, None       # a failed dependency: never started
            result = await run(name, 0)
            for attempt in range(1, int(retry.get("retries") or 0) + 1):
                if result[0] in (0, None) or self._killed:
                    break
                await asyncio.sleep(float(retry.get("seconds") or 0))
                result = await run(name, attempt)
            return result

        for name in names:
            done[name] = asyncio.ensure_future(one(name))
        self._ready.set()
        results = {name: await fut for name, fut in done.items()}
        main_out = results[main][1] if main in results else None
        for name, (code, _out, message) in results.items():
            if code not in (0, None) or message:
                return self._ended(name, code, main_out, message)
        code, out, _ = results.get(main, (0, None, None))
        return self._ended(main, code, out, None)

    def _ended(self, name: str, code: int | None, out: str | None, message: str | None) -> PodResult:
        return pod_ended(name, code, out, message, self._killed)

    async def _life(self) -> PodResult:
        raise NotImplementedError

    async def _stop_all(self) -> None:
        raise NotImplementedError

    def _finished(self, release: bool) -> None:
        raise NotImplementedError

    def _set_up_failed(self, exc: Exception) -> PodResult | None:
        """The backend's own set-up errors as a result (None: not one of them)."""
        return None


async def launch(pod: PodLife, slots: asyncio.Semaphore | None, pods: set) -> None:
    """Start `pod` once a slot of the backend's parallelism is free (a daemon takes none: it
    lives as long as its scope and would starve the steps that use it)."""
    if not pod.daemon:
        assert slots is not None
        await slots.acquire()
    pods.add(pod)
    pod.task = asyncio.ensure_future(pod.run(release=not pod.daemon))


class Streams(asyncio.SubprocessProtocol):
    """A container's stdout/stderr as log lines; main's stdout also kept for `result`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, name: str, sink: LogSink, keep: bool,
                 secrets: Any = None) -> None:
        self.name, self.sink = name, sink
        self.secrets = secrets or None    # long lines are split where no secret spans the cut
        self.kept: bytearray | None = bytearray() if keep else None
        # enough bytes before the result's start to see a secret the cut would halve
        self.margin = 4 * self.secrets.longest + 4 if self.secrets else 0
        self.first_err: str | None = None
        self.watch_alloc = False          # look for an allocation failure (an RLIMIT_AS limit)
        self.alloc_failed = False
        self.exited: asyncio.Future = loop.create_future()
        self.closed: asyncio.Future = loop.create_future()
        self._bufs = {1: "", 2: ""}
        self._decoders = {fd: codecs.getincrementaldecoder("utf-8")("replace") for fd in (1, 2)}
        self._open = {1, 2}

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1 and self.kept is not None:
            self.kept += data
            if len(self.kept) > 2 * RESULT_LIMIT + self.margin:
                del self.kept[:-(RESULT_LIMIT + self.margin)]
        self._add(fd, self._decoders[fd].decode(data))

    def _add(self, fd: int, text: str) -> None:
        """Report each complete line; a line longer than LINE_LIMIT is split (whether its end
        came yet or not), where no secret spans the cut."""
        buf = self._bufs[fd] + text
        start = 0
        while True:
            end = buf.find("\n", start, start + LINE_LIMIT + 1)
            if end >= 0:
                self._line(fd, buf[start:end])
                start = end + 1
            elif len(buf) - start > LINE_LIMIT:
                cut = start + LINE_LIMIT
                if self.secrets is not None:
                    window = buf[start:cut + self.secrets.longest]
                    span = self.secrets.match_across(window, LINE_LIMIT)
                    if span:
                        cut = start + (span[0] or span[1])
                self._line(fd, buf[start:cut])
                start = cut
            else:
                break
        self._bufs[fd] = buf[start:]

    def _line(self, fd: int, line: str) -> None:
        if fd == 2 and self.first_err is None:
            self.first_err = line
        if fd == 2 and self.watch_alloc and not self.alloc_failed:
            self.alloc_failed = L.allocation_failed(line)
        self.sink(self.name, line)

    def _end(self, fd: int) -> None:
        self._add(fd, self._decoders[fd].decode(b"", final=True))
        if self._bufs[fd]:
            self._line(fd, self._bufs[fd])
            self._bufs[fd] = ""

    def flush(self) -> None:
        for fd in (1, 2):
            self._end(fd)

    def result(self) -> str | None:
        """main's stdout kept for `outputs.result`: its last RESULT_LIMIT bytes, one trailing
        newline trimmed. A secret that the cut would halve is left out whole (the rest is
        masked by the engine), so no piece of it is kept."""
        if self.kept is None:
            return None
        kept = self.kept
        start = max(0, len(kept) - RESULT_LIMIT)
        while 0 < start < len(kept) and (kept[start] & 0xC0) == 0x80:
            start += 1                          # not in the middle of a character
        text = bytes(kept[start:]).decode("utf-8", "replace")
        if start and self.secrets is not None:
            before = bytes(kept[max(0, start - self.margin):start]).decode("utf-8", "replace")
            span = self.secrets.match_across(before + text, len(before))
            if span:
                text = text[span[1] - len(before):]
        return text[:-1] if text.endswith("\n") else text

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._end(fd)
        self._open.discard(fd)
        if not self._open and not self.closed.done():
            self.closed.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


def pod_ended(name: str, code: int | None, out: str | None, message: str | None,
              killed: str | None) -> "PodResult":
    """How a pod ended, from the container that decided it: killed (stop, deadline), failed
    with a message, exit 0, or `<name>: Error (exit code N)` as Argo words it."""
    if killed:
        return PodResult(Phase.FAILED, code, killed, out)
    if message:
        return PodResult(Phase.FAILED, code, message, out)
    if code == 0:
        return PodResult(Phase.SUCCEEDED, 0, "", out)
    return PodResult(Phase.FAILED, code, f"{name}: Error (exit code {code})", out)


def probe_port(spec: dict[str, Any], port: Any) -> int:
    """A probe's `port`: a number, or the name of one of the container's `ports`."""
    if isinstance(port, str) and not port.isdigit():
        for p in spec.get("ports") or []:
            if p.get("name") == port:
                return int(p.get("containerPort"))
    return int(port or 80)


# -- values --------------------------------------------------------------------------------------

def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion in env values, command and args (`$$` escapes)."""
    if "$(" not in text:
        return text
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def key_message(exc: KeyError) -> str:
    return str(exc.args[0]) if exc.args else str(exc)


def env_source(src: dict[str, Any], store: Any) -> dict[str, str]:
    """An `envFrom` entry's variables: every key of its Secret or ConfigMap."""
    for field, kind in (("secretRef", "secret"), ("configMapRef", "configmap")):
        ref = src.get(field)
        if not ref:
            continue
        try:
            if store is None:
                raise KeyError(f"{kind} {ref.get('name')!r} not found (no --secrets/--configmaps given)")
            files = store.secret_files(ref["name"]) if kind == "secret" else store.config_files(ref["name"])
        except KeyError as exc:
            if ref.get("optional"):
                return {}
            raise PodFailure(Phase.ERROR, key_message(exc)) from None
        return {k: v.decode("utf-8", "surrogateescape") for k, v in files.items()}
    return {}


def ref_value(source: dict[str, Any], store: Any) -> tuple[bool, str | None]:
    """An env `valueFrom` that names a Secret or ConfigMap key: (True, its value, or None when
    optional and absent); (False, None) for other sources (`fieldRef`, ...)."""
    for field, kind in (("secretKeyRef", "secret"), ("configMapKeyRef", "configmap")):
        ref = source.get(field)
        if not ref:
            continue
        try:
            if store is None:
                raise KeyError(f"{kind} {ref.get('name')!r} not found "
                               f"(give its manifest with --{kind}s FILE)")
            getter = store.secret if kind == "secret" else store.config
            return True, getter(str(ref.get("name")), str(ref.get("key")))
        except KeyError as exc:
            if ref.get("optional"):
                return True, None
            raise PodFailure(Phase.ERROR, key_message(exc)) from None
    return False, None


def spec_env(env: dict[str, str], spec: Mapping[str, Any], store: Any,
             field_of: Callable[[dict[str, Any]], str],
             rewrite: Callable[[str], str] = str) -> dict[str, str]:
    """A container's `envFrom` and then its `env`, added to `env` as Kubernetes builds them:
    every key of each envFrom source (with its prefix), then each env entry in order, its
    `$(VAR)` expanded over what came before. A `valueFrom` reads a Secret or ConfigMap key
    (an optional one that is absent sets nothing) or a `fieldRef` (`field_of`, which knows
    the backend's pod); `rewrite` maps each value (a local pod's paths)."""
    for src in spec.get("envFrom") or []:
        prefix = str(src.get("prefix") or "")
        for key, text in env_source(src, store).items():
            env[prefix + key] = text
    for item in spec.get("env") or []:
        value: str | None
        if "valueFrom" in item:
            source = item["valueFrom"] or {}
            found, value = ref_value(source, store)
            if not found:
                value = field_of(source["fieldRef"]) if source.get("fieldRef") else ""
            if value is None:
                continue
        else:
            value = expand(str(item.get("value", "")), env)
        env[str(item.get("name"))] = rewrite(value)
    return env


def field_value(field_ref: dict[str, Any], known: Mapping[str, str], labels: Mapping[str, str],
                annotations: Mapping[str, str], backend: str) -> str:
    """A `fieldRef`'s value: one of `known` (metadata.name, status.podIP, ...) or a label or
    annotation of the pod."""
    path = str(field_ref.get("fieldPath", ""))
    if path in known:
        return known[path]
    m = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", path)
    if m:
        return (labels if m.group(1) == "labels" else annotations).get(m.group(2), "")
    raise PodFailure(Phase.ERROR, f"fieldRef {path!r} is not supported by the {backend} backend")


# -- files ---------------------------------------------------------------------------------------

def write_key_files(path: Path, vol: dict[str, Any], store: Any) -> None:
    """A `secret` or `configMap` volume's files in `path`, with Kubernetes' modes
    (`defaultMode`, `items[].mode`, 0644 by default) and `items` paths (never leaving `path`)."""
    kind = "secret" if "secret" in vol else "configmap"
    src = vol.get("secret") or vol.get("configMap") or {}
    ref = str(src.get("secretName") or src.get("name") or "")
    path.mkdir(parents=True, exist_ok=True)
    try:
        if store is None:
            raise KeyError(f"{kind} {ref!r} not found (give its manifest with --{kind}s FILE)")
        files = store.secret_files(ref) if kind == "secret" else store.config_files(ref)
    except KeyError as exc:
        if not src.get("optional"):
            raise PodFailure(Phase.ERROR, key_message(exc)) from None
        files = {}
    mode = int(src.get("defaultMode") or 0o644)
    items = src.get("items")
    pairs = [(i["key"], i.get("path", i["key"]), i.get("mode")) for i in items] if items \
        else [(k, k, None) for k in files]
    for key, rel, item_mode in pairs:
        if key not in files:
            raise PodFailure(Phase.ERROR, f"{kind} {ref!r} has no key {key!r}")
        target = inside(path, str(rel))     # Kubernetes refuses '..' here too
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(files[key])
        os.chmod(target, int(item_mode or mode))


def copy_input(source: Path, target: Path, mode: Any, what: str) -> None:
    """Copy a staged input (file or folder, links kept as links) to `target`; `mode` as the
    artifact's `mode`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        target.unlink()
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    elif source.exists():
        shutil.copy2(source, target, follow_symlinks=False)
    else:
        raise PodFailure(Phase.ERROR, f"input {what!r}: {source} does not exist")
    if mode is not None:
        os.chmod(target, int(mode))


def read_outputs(out_dir: Path, outputs: list[dict[str, Any]], limits: OutputLimits,
                 locate: Callable[[str, str], tuple[Area, str] | None]
                 ) -> tuple[dict[str, str | None], str | None]:
    """Copy each output path out of the pod (`runtime.outputs`: the pod's own files only, no
    links followed on the host, special files refused, size caps) to `out_dir/<i>/<base
    name>`. `locate(path, container)` gives the container's `area` and the absolute path (None:
    that container is not there). Returns the copies (None: the path did not exist) and the
    first reason an output could not be handed back."""
    files: dict[str, str | None] = {}
    budget = Budget(limits)
    problem = None
    for i, item in enumerate(outputs):
        path, name = str(item["path"]), str(item.get("container", "main"))
        files[path] = None
        found = locate(path, name) if not problem else None
        if found is None:
            continue
        area, full = found
        dest = out_dir / str(i)
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / (posixpath.basename(full) or "artifact")
        try:
            if copy_output(area, full, target, budget):
                files[path] = str(target)
        except OutputError as exc:
            problem = f"output {exc}" if str(exc).startswith("/") else f"output {path}: {exc}"
        except OSError as exc:
            problem = f"output {path}: cannot be read back: {exc.strerror or exc}"
    return files, problem


def within(path: Path | str, roots: list[Path]) -> bool:
    """`path` (symlinks resolved) is one of `roots` or inside one."""
    real = os.path.realpath(path)
    return any(under(real, os.path.realpath(r)) for r in roots)


def safe_name(name: str) -> str:
    """A name usable as one path segment."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", name) or "_"
    return "_" + cleaned if cleaned in (".", "..") else cleaned


def relative(path: str) -> str:
    """A container path as a relative path that cannot climb out (`..` dropped)."""
    parts = [p for p in posixpath.normpath("/" + path).split("/") if p and p != ".."]
    return "/".join(parts) or "."


__all__ = ["DEADLINE_MESSAGE", "LINE_LIMIT", "PodFailure", "RESULT_LIMIT", "SCRIPT_PATH",
           "Streams", "copy_input", "env_source", "expand", "field_value", "key_message", "pod_ended", "probe_port",
           "read_outputs", "ref_value", "relative", "safe_name", "spec_env", "under", "within",
           "write_key_files"]
