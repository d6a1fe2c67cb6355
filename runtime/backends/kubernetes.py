"""The kubernetes backend: each Pod manifest runs as a real Pod on a cluster.

plait's engine stays here (store, `plait get`, `plait logs`, resume); the pods run on the
cluster, created, watched, read and deleted through the official `kubernetes` client (an
optional dependency: `pip install 'plait[kubernetes]'`). The pieces, one module each:

    kube_connect   kubeconfig / context / namespace / in-cluster, as kubectl does
    kube_manifest  plait's Pod manifest -> the Kubernetes Pod (+ a Secret for inputs)
    kube_executor  the init/wait containers and main's wrapper (outputs without a plait image)
    kube_status    the watched Pod's status -> the node's phase and message
    kube_api       one API call: worker thread, bounded retries, errors without tracebacks

A pod's life here: create its Secret (if any) and the Pod; if a Pod of that name exists
already and carries this run's labels, it is adopted (a resumed run never makes a second Pod
for a node), unless its main failed, when it is replaced; watch the Pod (a lost watch starts
again from the last resourceVersion); stream each container's log to the engine once it
runs; when main ended, read the `wait` container's log for the outputs; `cleanup` deletes the
Pod and its Secret (unless `keep_pods`), which also stops sidecars started without a command.
"""

from __future__ import annotations

import asyncio
import json
import logging
import posixpath
import shutil
import socket
import tarfile
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from plait.runtime.artifacts import ArtifactError, extract
from plait.runtime.logfiles import rfc3339_ns
from plait.runtime.outputs import OutputLimits
from plait.runtime.store import folder_name
from plait.runtime.types import LogSink, Phase, PodResult

from . import kube_executor as X
from . import kube_resource as R
from . import kube_status as S
from .kube_api import REQUEST_TIMEOUT, KubeApiError, call
from .kube_connect import Connection, client_module, connect
from .kube_manifest import (
    DEFAULT_EXECUTOR_IMAGE,
    MANAGED_BY,
    OWNER,
    KubeObjects,
    selector,
    translate,
)

logger = logging.getLogger("plait.runtime.kubernetes")

WATCH_SECONDS = 60          # one watch request; then it is made again from the last version
WAIT_GRACE = 60.0           # after main ended, how long the wait container may take
RESOURCE_POLL = 1.0         # seconds between two reads of a resource awaiting its condition
LOG_GRACE = 10.0            # after the pod ended, how long its logs may take to be read
DELETE_GRACE = 5            # gracePeriodSeconds when a pod is killed
THREAD_GRACE = 5.0          # at the end of the run, how long its threads may take to end
_WORKFLOW = "workflows.argoproj.io/workflow"


class KubernetesBackend:
    """Runs Pod manifests on a cluster (see the module docstring)."""

    name = "kubernetes"
    engine_name: str | None = None      # the cluster runs the pods, not a local engine

    def __init__(self, *, home: Path | None = None, images: Any = None, keep_pods: bool = False,
                 kubeconfig: str | None = None, context: str | None = None,
                 namespace: str | None = None, executor_image: str | None = None,
                 connection: Connection | None = None, **_local_only: Any) -> None:
        self.connection = connection or connect(kubeconfig=kubeconfig, context=context,
                                                namespace=namespace)
        # how to reach the cluster again (`plait delete`): recorded with the run
        self.options = {"kubeconfig": kubeconfig, "context": context,
                        "namespace": self.connection.namespace}
        k = client_module()
        self.core = k.client.CoreV1Api(self.connection.api_client)
        self.watch_factory = k.watch.Watch
        self.namespace = self.connection.namespace
        self.images = images
        self.keep_pods = keep_pods
        self.executor_image = executor_image or DEFAULT_EXECUTOR_IMAGE
        self.home = Path(home) if home is not None else Path(tempfile.mkdtemp(prefix="plait-kube-"))
        self.limits = OutputLimits.from_env()
        self.pods: dict[str, KubePod] = {}
        self.deleting: set[asyncio.Future[None]] = set()     # cleanups not yet done
        self.owners: dict[tuple[str, str], dict[str, Any]] = {}   # setOwnerReference's
        self.threads: list[threading.Thread] = []            # every pod's watch and log threads
        self.sandbox = None          # recorded on the run: the cluster isolates, not plait
        self.unenforced: list[str] = []

    async def api(self, fn_name: str, *args: Any, verb: str, resource: str, **kw: Any) -> Any:
        return await call(getattr(self.core, fn_name), *args, verb=verb, resource=resource,
                          namespace=self.namespace, server=self.connection.server, **kw)

    async def start(self, manifest: dict[str, Any], log: LogSink) -> "KubePod":
        objects = translate(manifest, namespace=self.namespace,
                            executor_image=self.executor_image, entrypoints=self.images)
        pod = KubePod(self, objects, log)
        self.pods[pod.name] = pod
        try:
            await pod.create()
        except BaseException:
            self.pods.pop(pod.name, None)
            pod.stop_threads()
            raise
        return pod

    async def close(self) -> None:
        for pod in list(self.pods.values()):
            if not pod.finished:
                await pod.kill("the run ended")
            pod.stop_threads()
        self.pods.clear()
        if self.deleting:
            await asyncio.gather(*self.deleting, return_exceptions=True)
        # no thread may still read from the API when the interpreter ends (a daemon thread
        # woken by its socket during finalization can abort the process): their sockets were
        # shut down (`stop_threads`), so they end at once
        deadline = asyncio.get_running_loop().time() + THREAD_GRACE
        for t in self.threads:
            left = deadline - asyncio.get_running_loop().time()
            if t.is_alive() and left > 0:
                await asyncio.to_thread(t.join, left)
        self.connection.api_client.close()

    async def run_resource(self, body: dict[str, Any], outputs: list[dict[str, Any]],
                           stop: Any = None, workflow: str = ""
                           ) -> tuple[Phase, str, list[dict[str, str]]]:
        """A `resource` template of the run `workflow`: the action, then (with conditions) the
        object watched until one holds; returns (phase, message, output parameters). See
        `kube_resource`."""
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError
        action = str(body.get("action") or "")
        if action not in ("create", "apply", "delete", "patch", "replace", "get"):
            return Phase.ERROR, f"resource action {action!r} is not supported", []
        try:
            flags = R.parse_flags(list(body.get("flags") or []))
            text = str(body.get("manifest") or "")
            obj = YAML(typ="safe", pure=True).load(text) if text.strip() else None
        except YAMLError as exc:
            return Phase.ERROR, f"the resource manifest is not YAML: {exc}", []
        except R.ResourceError as exc:
            return Phase.ERROR, str(exc), []
        if obj is None and (flags.names or flags.selector):
            return await self._flagged(action, flags)
        if not isinstance(obj, dict):
            return Phase.ERROR, "the resource manifest is not an object", []
        meta = obj.setdefault("metadata", {})
        ns = str(flags.namespace or meta.get("namespace") or self.namespace)
        try:
            if body.get("setOwnerReference") in (True, "true") and action != "delete":
                owner = await self._owner(workflow, ns)
                meta["ownerReferences"] = [*(meta.get("ownerReferences") or []),
                                           R.owner_reference(owner)]
            found = await self._act(action, obj, ns, str(body.get("mergeStrategy") or "strategic"))
            if found is None:
                return Phase.SUCCEEDED, "", []
            name = found["metadata"]["name"]
            ok, bad = body.get("successCondition"), body.get("failureCondition")
            while ok or bad:
                if bad and R.matches(str(bad), found):
                    return Phase.FAILED, f"failure condition {bad!r} holds", []
                if ok and R.matches(str(ok), found):
                    break
                await asyncio.sleep(RESOURCE_POLL)
                found = await self._generic("GET", R.api_path(obj, ns, name), "get", obj)
            params = []
            for p in outputs:
                source = p.get("valueFrom") or {}
                if "jsonPath" in source:
                    params.append({"name": p["name"], "value": R.json_path(found, source["jsonPath"])})
                elif "jqFilter" in source:
                    params.append({"name": p["name"],
                                   "value": R.jq_filter(found, str(source["jqFilter"]))})
        except (R.ResourceError, KubeApiError) as exc:
            return Phase.ERROR, str(exc), []
        return Phase.SUCCEEDED, "", params

    async def _flagged(self, action: str, flags: R.Flags) -> tuple[Phase, str, list[Any]]:
        """A resource template whose `flags` name its objects (a kind with names or a label
        selector) in place of a manifest: `delete` (each one; none found is fine, as Argo's
        `kubectl delete --ignore-not-found`) or `get`."""
        ns = flags.namespace or self.namespace
        objects = flags.objects()
        try:
            if flags.selector and flags.kind is not None:
                probe = {"apiVersion": flags.kind[0], "kind": flags.kind[1]}
                listed = await self._generic(
                    "GET", f"{R.api_path(probe, ns)}?labelSelector={quote(flags.selector)}",
                    "list", probe)
                objects += [{**probe, "metadata": {"name": o["metadata"]["name"]}}
                            for o in listed.get("items") or []]
            if action not in ("delete", "get") or (action == "get" and len(objects) != 1):
                raise R.ResourceError(f"resource flags that name objects work with delete, or "
                                      f"get of one object; {action} needs a manifest")
            for o in objects:
                await self._act(action, o, ns, "strategic")
        except (R.ResourceError, KubeApiError) as exc:
            return Phase.ERROR, str(exc), []
        return Phase.SUCCEEDED, "", []

    async def _owner(self, workflow: str, ns: str) -> dict[str, Any]:
        """The run's owner object in `ns` (`kube_resource.owner_object`), created once; a
        resumed run finds the one it made before."""
        if (workflow, ns) in self.owners:
            return self.owners[(workflow, ns)]
        if not workflow:
            raise R.ResourceError("setOwnerReference needs the workflow's name")
        obj = R.owner_object(workflow, ns, {_WORKFLOW: workflow, MANAGED_BY: OWNER})
        try:
            made = await self._generic("POST", R.api_path(obj, ns), "create", obj, body=obj)
        except KubeApiError as exc:
            if not exc.conflict:
                raise
            made = await self._generic("GET", R.api_path(obj, ns, obj["metadata"]["name"]),
                                       "get", obj)
        self.owners[(workflow, ns)] = made
        return made

    async def _act(self, action: str, obj: dict[str, Any], ns: str,
                   strategy: str) -> dict[str, Any] | None:
        name = (obj.get("metadata") or {}).get("name")
        kind = str(obj.get("kind"))
        if action == "create":
            return await self._generic("POST", R.api_path(obj, ns), "create", obj, body=obj)
        if not name:
            raise R.ResourceError(f"{action} needs the {kind}'s metadata.name")
        path = R.api_path(obj, ns, name)
        if action == "get":
            return await self._generic("GET", path, "get", obj)
        if action == "delete":
            try:
                await self._generic("DELETE", path, "delete", obj)
            except KubeApiError as exc:
                if not exc.not_found:
                    raise
            return None
        if action == "patch":
            if strategy not in R.PATCH_TYPES:
                raise R.ResourceError(f"mergeStrategy {strategy!r}: expected strategic, merge "
                                      f"or json")
            patch: Any = obj if strategy != "json" else obj.get("patch", obj)
            return await self._generic("PATCH", path, "patch", obj, body=patch,
                                       content_type=R.PATCH_TYPES[strategy])
        try:                              # apply / replace: create, or update what exists
            return await self._generic("POST", R.api_path(obj, ns), "create", obj, body=obj)
        except KubeApiError as exc:
            if not exc.conflict:
                raise
        return await self._generic("PATCH", path, "patch", obj, body=obj,
                                   content_type=R.PATCH_TYPES["merge"])

    async def _generic(self, method: str, path: str, verb: str, obj: dict[str, Any],
                       body: Any = None, content_type: str = "application/json") -> dict[str, Any]:
        """One call on any resource, through the client's own serialisation and auth."""
        api = self.connection.api_client
        if not hasattr(api, "param_serialize"):
            raise R.ResourceError("resource templates need the kubernetes client 37 or later: "
                                  "pip install -U 'plait[kubernetes]'")

        def send() -> Any:
            m, url, headers, data, post = api.param_serialize(
                method, path, header_params={"Content-Type": content_type,
                                             "Accept": "application/json"},
                body=body, auth_settings=["BearerToken"])
            resp = api.call_api(m, url, header_params=headers, body=data, post_params=post,
                                _request_timeout=REQUEST_TIMEOUT)
            resp.read()
            if not 200 <= resp.status < 300:
                from kubernetes.client.exceptions import ApiException
                raise ApiException(http_resp=resp)
            return json.loads(resp.data or b"{}")

        resource = R.plural(str(obj.get("kind")))
        return await call(lambda **_: send(), verb=verb, resource=resource,
                          namespace=self.namespace, server=self.connection.server)

    async def delete_objects(self, name: str, secret: bool) -> None:
        """Delete one pod (and its Secret); gone already is fine."""
        for fn, resource, wanted in (("delete_namespaced_pod", "pods", True),
                                     ("delete_namespaced_secret", "secrets", secret)):
            if not wanted:
                continue
            try:
                await self.api(fn, name, self.namespace, verb="delete", resource=resource,
                               grace_period_seconds=DELETE_GRACE)
            except KubeApiError as exc:
                if not exc.not_found:
                    raise


def _shut(resp: Any) -> None:
    """Shut down the socket of a streamed response (a followed log), as the client's
    `Watch.stop` does for a watch."""
    sock = getattr(getattr(resp, "connection", None), "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class KubePod:
    """One Pod on the cluster (`runtime.types.PodHandle`)."""

    def __init__(self, backend: KubernetesBackend, objects: KubeObjects, log: LogSink) -> None:
        self.backend, self.objects, self.log = backend, objects, log
        self.name = objects.pod["metadata"]["name"]
        spec = objects.pod["spec"]
        self.containers = [c["name"] for c in spec["containers"] if c["name"] != "wait"]
        self.inits = [c["name"] for c in spec.get("initContainers") or [] if c["name"] != "init"]
        self.main = objects.main
        self.ip: str | None = None
        self.status: dict[str, Any] = {}
        self.finished = False
        self.adopted = False
        self._killed: str | None = None
        self._changed = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watch: Any = None                 # the watch being read
        self._streams: list[Any] = []           # the logs being followed
        self._logging: set[str] = set()
        self._log_threads: dict[str, threading.Thread] = {}
        self._rv: str | None = None
        self._watch_error: str | None = None
        self._scratch: Path | None = None
        # set by the engine: called with what keeps the pod pending, then None once it runs
        self.on_pending: Callable[[str | None], None] | None = None
        self._shown: str | None = None

    # -- creation and adoption -------------------------------------------------------------

    async def create(self) -> None:
        b = self.backend
        if self.objects.secret is not None:
            try:
                await b.api("create_namespaced_secret", b.namespace, self.objects.secret,
                            verb="create", resource="secrets", _preload_content=False)
            except KubeApiError as exc:
                if not exc.conflict:
                    raise
        try:
            resp = await b.api("create_namespaced_pod", b.namespace, self.objects.pod,
                               verb="create", resource="pods", _preload_content=False)
            self._seen(json.loads(resp.data))
        except KubeApiError as exc:
            if not exc.conflict:
                if self.objects.secret is not None:      # no Pod: its Secret must not stay
                    try:
                        await b.api("delete_namespaced_secret", self.name, b.namespace,
                                    verb="delete", resource="secrets")
                    except KubeApiError as gone:
                        logger.warning("cannot delete the Secret of pod %s: %s", self.name, gone)
                raise
            await self._adopt()
        self._spawn(self._watch_thread)

    async def _adopt(self) -> None:
        """A Pod of this name exists: adopt it if it is this run's, else refuse."""
        b = self.backend
        resp = await b.api("read_namespaced_pod", self.name, b.namespace, verb="get",
                           resource="pods", _preload_content=False)
        existing = json.loads(resp.data)
        labels = (existing.get("metadata") or {}).get("labels") or {}
        ours = self.objects.pod["metadata"]["labels"]
        if labels.get(MANAGED_BY) != OWNER or labels.get(_WORKFLOW) != ours.get(_WORKFLOW):
            raise KubeApiError(f"a pod named {self.name!r} exists in namespace {b.namespace!r} "
                               f"and was not created by plait for this workflow: delete it or "
                               f"run under another name", 409)
        main_end = S.terminated(existing, self.main)
        if main_end is not None and main_end.get("exitCode") != 0:
            # retry/resume runs a failed node again: a fresh pod, not the failed one
            await b.delete_objects(self.name, secret=False)
            await self._until_gone()
            resp = await b.api("create_namespaced_pod", b.namespace, self.objects.pod,
                               verb="create", resource="pods", _preload_content=False)
            self._seen(json.loads(resp.data))
            return
        self.adopted = True
        self._seen(existing)

    async def _until_gone(self) -> None:
        b = self.backend
        for _ in range(600):
            try:
                await b.api("read_namespaced_pod", self.name, b.namespace, verb="get",
                            resource="pods", _preload_content=False)
            except KubeApiError as exc:
                if exc.not_found:
                    return
                raise
            await asyncio.sleep(0.2)
        raise KubeApiError(f"pod {self.name!r} was not deleted within 2 minutes")

    # -- watching (threads feed the event loop) ----------------------------------------------

    def _spawn(self, target: Any, *args: Any) -> threading.Thread:
        t = threading.Thread(target=target, args=args, daemon=True,
                             name=f"plait-kube-{self.name}")
        self._threads.append(t)
        self.backend.threads.append(t)
        t.start()
        return t

    async def _logs_read(self) -> None:
        """Wait (up to LOG_GRACE s) for the logs of the containers that ended to be read to
        their end, so the engine stores whole logs before the pod is deleted."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOG_GRACE
        for name, thread in list(self._log_threads.items()):
            if S.terminated(self.status, name) is not None or name in self.inits:
                await asyncio.to_thread(thread.join, max(0.0, deadline - loop.time()))
        await asyncio.sleep(0)          # the lines the threads posted are written now

    def _seen(self, pod: dict[str, Any]) -> None:
        """A new view of the Pod (from the create, the adoption or the watch)."""
        rv = (pod.get("metadata") or {}).get("resourceVersion")
        if rv:
            self._rv = rv
        self.status = pod
        self.ip = (pod.get("status") or {}).get("podIP") or self.ip
        for name in self.inits + self.containers:
            init = name in self.inits
            state = S.container(pod, name, init=init).get("state") or {}
            if (state.get("running") or state.get("terminated")) and name not in self._logging:
                self._logging.add(name)
                self._log_threads[name] = self._spawn(self._log_thread, name)
        why = S.pending_reason(pod)
        if why != self._shown and self.on_pending is not None:
            self._shown = why
            self.on_pending(why)
        self._changed.set()

    def _post(self, pod: dict[str, Any] | None, error: str | None = None) -> None:
        def apply() -> None:
            if error is not None:
                self._watch_error = error
                self._changed.set()
            elif pod is not None:
                self._seen(pod)
        if not self._stop.is_set():
            self._loop.call_soon_threadsafe(apply)

    def _watch_thread(self) -> None:
        b = self.backend
        failures = 0
        while not self._stop.is_set():
            w = self._watch = b.watch_factory()
            try:
                for event in w.stream(b.core.list_namespaced_pod, b.namespace,
                                      field_selector=f"metadata.name={self.name}",
                                      resource_version=self._rv or "",
                                      timeout_seconds=WATCH_SECONDS,
                                      allow_watch_bookmarks=False):
                    if self._stop.is_set():
                        break
                    failures = 0
                    obj = event.get("raw_object") or {}
                    if event.get("type") == "ERROR":
                        if obj.get("code") == 410:        # too old: list again
                            self._rv = None
                        break
                    if event.get("type") == "DELETED":
                        obj = dict(obj, plaitDeleted=True)
                    self._post(obj)
            except Exception as exc:          # a lost connection: watch again from _rv
                failures += 1
                if failures > 8:
                    self._post(None, f"lost the watch of pod {self.name}: {exc}")
                    return
                self._stop.wait(min(8.0, 0.25 * 2 ** failures))
            finally:
                w.stop()
            self._stop.wait(0.1)        # a watch the server ends at once must not spin

    def _log_thread(self, container: str) -> None:
        """Follow one container's log; the `wait` container's is read once, by `wait()`."""
        b = self.backend
        try:
            resp = b.core.read_namespaced_pod_log(self.name, b.namespace, container=container,
                                                  follow=True, timestamps=True,
                                                  _preload_content=False)
            self._streams.append(resp)
            pending = b""
            for chunk in resp.stream(65536):
                if self._stop.is_set():
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self._line(container, line)
            if pending:
                self._line(container, pending)
        except Exception as exc:      # the pod went away, or the API failed: the log ends here
            logger.debug("log of %s/%s ended: %s", self.name, container, exc)

    def _line(self, container: str, raw: bytes) -> None:
        """One line as the API sends it with `timestamps=true`: the kubelet's RFC3339 time, a
        space, the text. The line keeps that time (a resumed run reads old lines with theirs)."""
        text = raw.decode("utf-8", errors="replace")
        stamp, _, rest = text.partition(" ")
        ns = rfc3339_ns(stamp)
        if ns is not None:
            text, at = rest, ns / 1e9
        else:
            at = None
        if not self._stop.is_set():
            self._loop.call_soon_threadsafe(self.log, container, text, at)

    def stop_threads(self) -> None:
        """End the watch and log threads now: their sockets are shut down, so a read that
        waits for the API returns at once."""
        self._stop.set()
        if self._watch is not None:
            self._watch.stop()
        for resp in self._streams:
            _shut(resp)

    # -- PodHandle ---------------------------------------------------------------------------

    async def _changes(self) -> None:
        await self._changed.wait()
        self._changed.clear()
        if self._watch_error:
            raise KubeApiError(self._watch_error)

    async def ready(self) -> None:
        while not S.ready(self.status, self.main):
            if S.outcome(self.status, self.main, self.inits) or self.status.get("plaitDeleted"):
                return
            await self._changes()

    def pending_message(self) -> str | None:
        """What keeps the pod pending, in Kubernetes' words (None when nothing does)."""
        return S.pending_reason(self.status)

    async def wait(self) -> PodResult:
        try:
            end = await self._main_end()
        except KubeApiError as exc:
            self.finished = True
            return PodResult(Phase.ERROR, None, str(exc))
        if self._killed:
            self.finished = True
            return PodResult(Phase.FAILED, end.exit_code if end else None, self._killed)
        assert end is not None
        result = PodResult(end.phase, end.exit_code, end.message)
        ended_by_pod = (self.status.get("status") or {}).get("reason") in ("DeadlineExceeded",
                                                                           "Evicted")
        if (end.phase in (Phase.SUCCEEDED, Phase.FAILED) and not ended_by_pod
                and S.terminated(self.status, self.main)):
            try:
                await self._collect(result)
            except (KubeApiError, X.FrameError, OSError, tarfile.TarError,
                    ArtifactError) as exc:
                if end.phase is Phase.SUCCEEDED:       # a failure says more than its outputs
                    result = PodResult(Phase.ERROR, end.exit_code,
                                       f"cannot read the pod's outputs: {exc}")
                else:
                    logger.warning("pod %s: cannot read its outputs: %s", self.name, exc)
        await self._logs_read()
        self.finished = True
        return result

    async def _main_end(self) -> S.Outcome | None:
        while True:
            end = S.outcome(self.status, self.main, self.inits)
            if end is not None:
                return end
            if self.status.get("plaitDeleted"):
                if self._killed:
                    return None
                why = S.pending_reason(self.status)
                raise KubeApiError(f"pod {self.name} was deleted" + (f" ({why})" if why else ""))
            if self._killed and self.status.get("plaitDeleted"):
                return None
            await self._changes()

    async def _collect(self, result: PodResult) -> None:
        """The wait container's frames: exit code, result, output files."""
        b = self.backend
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_GRACE
        while S.terminated(self.status, "wait") is None:
            if loop.time() > deadline or self.status.get("plaitDeleted"):
                raise X.FrameError("the wait container did not end after main")
            try:
                await asyncio.wait_for(self._changes(), max(0.1, deadline - loop.time()))
            except asyncio.TimeoutError:
                pass
        resp = await b.api("read_namespaced_pod_log", self.name, b.namespace, verb="get",
                           resource="pods/log", container="wait", _preload_content=False)
        lines = resp.data.decode("utf-8", errors="replace").splitlines()
        collected = X.parse_frames(lines, b.limits.pod)
        if collected.message and result.phase is Phase.FAILED:
            # Argo's inferFailedReason: "<container>: <reason> (exit code N): <its message>"
            result.message = f"{result.message}: {collected.message}"
        if collected.result is not None:
            text = collected.result.decode("utf-8", errors="replace")
            result.result = text[:-1] if text.endswith("\n") else text
        paths = self.objects.outputs
        scratch = self._scratch = b.home / "pods" / folder_name(self.name)
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True, exist_ok=True)
        for i, path in enumerate(paths):
            data = collected.files.get(i)
            if data is None:
                result.files[path] = None
                continue
            saved = scratch / f"{i}.tar"
            with open(saved, "wb") as out:
                root = X.own_links(data, out)
            if not root:
                result.files[path] = None
                continue
            dest = scratch / str(i) / (posixpath.basename(path.rstrip("/")) or "artifact")
            extract(saved, dest)          # nothing outside dest, no link leading out
            result.files[path] = str(dest)

    async def kill(self, reason: str) -> None:
        if self.finished or self._killed:
            return
        self._killed = reason
        try:
            await self.backend.delete_objects(self.name, secret=self.objects.secret is not None)
        except KubeApiError as exc:
            logger.warning("cannot delete pod %s: %s", self.name, exc)
        self._changed.set()

    def cleanup(self) -> None:
        self.stop_threads()
        self.backend.pods.pop(self.name, None)
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
        if self.backend.keep_pods:
            return
        task = asyncio.ensure_future(self._delete_quietly())
        self.backend.deleting.add(task)
        task.add_done_callback(self.backend.deleting.discard)

    async def _delete_quietly(self) -> None:
        try:
            await self.backend.delete_objects(self.name, secret=self.objects.secret is not None)
        except KubeApiError as exc:
            logger.warning("cannot delete pod %s: %s", self.name, exc)


__all__ = ["KubePod", "KubernetesBackend", "selector"]
