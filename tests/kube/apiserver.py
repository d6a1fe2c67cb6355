"""A small Kubernetes API server for tests (never shipped): the endpoints the kubernetes
backend uses, speaking the API's JSON, so the official client talks to it unmodified through
a generated kubeconfig; each created Pod runs for real with `podman kube play`.

    GET    /api/v1/namespaces/{ns}
    POST   /api/v1/namespaces/{ns}/{pods|secrets}          validated, strict, for 1.33 (422)
    (other resources, also /apis/{group}/{version}/...: stored only, for resource templates;
     PATCH merges mappings)
    GET    /api/v1/namespaces/{ns}/{pods|secrets}[/{name}]  list: labelSelector, fieldSelector
    GET    ...?watch=true&resourceVersion=N                 events after N, newline-delimited
    PUT    /api/v1/namespaces/{ns}/pods/{name}              422: only what a Pod allows changes
    DELETE /api/v1/namespaces/{ns}/{pods|secrets}/{name}
    GET    /api/v1/namespaces/{ns}/pods/{name}/log          container, follow

What it does not do: authentication (any token), other resources, field selectors other than
metadata.name. `forbid` makes it answer 403 as RBAC would, for (verb, resource).

Running a Pod: its Secret volumes become hostPath folders holding the Secret's items, its
emptyDirs fresh hostPath folders (podman would share a named volume between pods), every
container gets `imagePullPolicy: Never` (no registry here: the tests build images locally),
and the podman pod is named `<prefix><hash of the pod name>` so parallel tests never meet. The status
(container states, exit codes, OOMKilled, phase) is polled from `podman inspect` and each
change is a MODIFIED event; `activeDeadlineSeconds` is enforced (reason DeadlineExceeded).
readinessProbes run as the kubelet runs them (`_Prober`): a container with one is `ready`, and
the pod's `Ready` condition True, only once it passed.
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import json
import os
import re
import secrets as _random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import kubernetes_validate

from ..containers import engine_env

VERSION = "1.33"
POLL = 0.3
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # as the kubelet: no proxy


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def _matches(obj: dict[str, Any], labels: str | None, fields: str | None) -> bool:
    meta = obj.get("metadata") or {}
    have = meta.get("labels") or {}
    for term in filter(None, (labels or "").split(",")):
        key, _, value = term.partition("=")
        if have.get(key) != value:
            return False
    for term in filter(None, (fields or "").split(",")):
        key, _, value = term.partition("=")
        if key == "metadata.name" and meta.get("name") != value:
            return False
    return True


class _Prober:
    """A kubelet's readinessProbe of one container: first run once the container runs and
    `initialDelaySeconds` passed (the kubelet triggers it as the container starts), then every
    `periodSeconds` (10); ready after `successThreshold` (1) passes in a row, not ready again
    after `failureThreshold` (3) failures in a row; each run may take `timeoutSeconds` (1).
    exec runs in the container (`podman exec`); httpGet (2xx/3xx) and tcpSocket reach the
    pod's IP, or the probe's host."""

    def __init__(self, server: "FakeApiServer", container: dict[str, Any], full: str) -> None:
        self.server, self.container, self.full = server, container, full
        self.probe = container["readinessProbe"]
        self.ready = False
        self.passed = self.failed = 0
        self.due: float | None = None

    def _number(self, key: str, default: float) -> float:
        return float(self.probe.get(key) or default)

    def update(self, running: bool, ip: str) -> bool:
        now = time.monotonic()
        if not running:
            self.ready, self.due = False, None
            return False
        if self.due is None:
            self.due = now + self._number("initialDelaySeconds", 0)
        if now < self.due:
            return self.ready
        self.due = now + self._number("periodSeconds", 10)
        if self._once(ip):
            self.passed, self.failed = self.passed + 1, 0
            self.ready = self.ready or self.passed >= self._number("successThreshold", 1)
        else:
            self.passed, self.failed = 0, self.failed + 1
            self.ready = self.ready and self.failed < self._number("failureThreshold", 3)
        return self.ready

    def _once(self, ip: str) -> bool:
        timeout = self._number("timeoutSeconds", 1)
        if "exec" in self.probe:
            argv = [str(a) for a in (self.probe["exec"] or {}).get("command") or []]
            try:
                done = self.server._podman("exec", self.full, *argv, timeout=timeout + 5)
            except subprocess.TimeoutExpired:
                return False
            return done.returncode == 0
        how = self.probe.get("httpGet") or self.probe.get("tcpSocket") or {}
        port = how.get("port")
        if isinstance(port, str) and not port.isdigit():      # a named containerPort
            port = next((p["containerPort"] for p in self.container.get("ports") or []
                         if p.get("name") == port), 0)
        host = how.get("host") or ip
        if "httpGet" in self.probe:
            scheme = str(how.get("scheme") or "HTTP").lower()
            request = urllib.request.Request(
                f"{scheme}://{host}:{int(port)}{how.get('path') or '/'}",
                headers={h["name"]: h["value"] for h in how.get("httpHeaders") or []})
            try:
                with _DIRECT.open(request, timeout=timeout) as answer:
                    return 200 <= answer.status < 400
            except urllib.error.HTTPError as exc:
                return 200 <= exc.code < 400
            except (OSError, ValueError):
                return False
        if "tcpSocket" in self.probe:
            try:
                socket.create_connection((host, int(port)), timeout=timeout).close()
            except (OSError, ValueError):
                return False
        return True


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return None           # a client that hung up mid-stream (a watch it stopped)


class FakeApiServer:
    """Start with `start()`, give `kubeconfig(path)` to plait, `close()` at the end."""

    def __init__(self, namespaces: tuple[str, ...] = ("default",)) -> None:
        self.namespaces = set(namespaces)
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}   # (resource, ns, name)
        self.events: list[tuple[int, str, str, dict[str, Any]]] = []    # (rv, resource, type, obj)
        self.rv = 100
        self.cond = threading.Condition()
        self.forbid: set[tuple[str, str]] = set()
        self.watch_limit: float | None = None           # end every watch after this many s
        self.watches: list[str] = []                    # the resourceVersion each watch gave
        self.creates: list[tuple[str, str]] = []        # (resource, name) created
        self.prefix = "kt" + _random.token_hex(3) + "-"
        self.work = Path(tempfile.mkdtemp(prefix="plait-fake-api-"))
        self.pods: dict[str, threading.Event] = {}      # pod name -> stop its poller
        self.httpd = _Quiet(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    # -- life -------------------------------------------------------------------------------

    def start(self) -> "FakeApiServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        for stop in self.pods.values():
            stop.set()
        for name in list(self.pods):
            self._podman("pod", "rm", "-f", "-t", "0", self.podman_name(name))
        shutil.rmtree(self.work, ignore_errors=True)

    def kubeconfig(self, path: Path, namespace: str = "default") -> Path:
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": "test-token"}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester",
                                                      "namespace": namespace}}]}))
        return path

    def apply(self, obj: dict[str, Any], ns: str = "default") -> None:
        """Store an object as `kubectl apply` would (a Secret a workflow reads)."""
        kind = str(obj["kind"]).lower() + "s"
        with self.cond:
            obj = copy.deepcopy(obj)
            obj["metadata"].update(namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=_now())
            self.objects[(kind, ns, obj["metadata"]["name"])] = obj
            self._event(kind, "ADDED", obj)

    def settle(self, timeout: float = 60) -> None:
        """Wait until no Pod is terminating (deleted, its containers still stopping)."""
        end = time.monotonic() + timeout
        with self.cond:
            while any("deletionTimestamp" in o["metadata"] for o in self.objects.values()):
                if not self.cond.wait(max(0.0, end - time.monotonic())):
                    break

    def live(self, resource: str) -> list[str]:
        with self.cond:
            return sorted(n for (r, _, n) in self.objects if r == resource)

    def podman_pods(self) -> list[str]:
        out = self._podman("pod", "ps", "--format", "{{.Name}}").stdout
        names = {self.podman_name(n): n for n in self.pods}
        return sorted(names[n] for n in out.split() if n in names)

    def podman_name(self, name: str) -> str:
        """The podman pod of Pod `name`: short, as a pod's hostname holds 63 characters."""
        return self.prefix + hashlib.sha256(name.encode()).hexdigest()[:16]

    # -- the store --------------------------------------------------------------------------

    def _event(self, resource: str, kind: str, obj: dict[str, Any]) -> None:
        """Record a change (caller holds `cond`)."""
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self.events.append((self.rv, resource, kind, copy.deepcopy(obj)))
        self.cond.notify_all()

    def collect_garbage(self, uid: str) -> None:
        """What the cluster's garbage collector does once an owner is gone: delete the objects
        whose ownerReferences name it (cascading). Called with `cond` held."""
        owned = [key for key, o in self.objects.items()
                 if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]
        for key in owned:
            gone = self.objects.pop(key)
            self._event(key[0], "DELETED", gone)
            self.collect_garbage(gone["metadata"]["uid"])

    def _podman(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["podman", *args], capture_output=True, text=True,
                              timeout=timeout, env=engine_env())

    # -- running pods -----------------------------------------------------------------------

    def _run_pod(self, ns: str, name: str, stop: threading.Event) -> None:
        with self.cond:
            pod = copy.deepcopy(self.objects[("pods", ns, name)])
        spec = pod["spec"]
        folder = self.work / name
        for vol in spec.get("volumes") or []:
            if "secret" in vol:
                src = vol.pop("secret")
                with self.cond:
                    secret = self.objects.get(("secrets", ns, src["secretName"]))
                target = folder / vol["name"]
                target.mkdir(parents=True, exist_ok=True)
                data = (secret or {}).get("data") or {}
                for item in src.get("items") or [{"key": k, "path": k} for k in data]:
                    f = target / item["path"]
                    f.write_bytes(base64.b64decode(data.get(item["key"], "")))
                    os.chmod(f, src.get("defaultMode", 0o644))
                vol["hostPath"] = {"path": str(target), "type": "Directory"}
            elif "emptyDir" in vol:       # podman would make it a named volume shared by pods
                vol.pop("emptyDir")
                target = folder / vol["name"]
                target.mkdir(parents=True, exist_ok=True)
                os.chmod(target, 0o777)
                vol["hostPath"] = {"path": str(target), "type": "Directory"}
        for c in spec.get("initContainers", []) + spec["containers"]:
            c["imagePullPolicy"] = "Never"
        problem = self._resolve_env(ns, spec)
        pod["metadata"] = {"name": self.podman_name(name), "labels": pod["metadata"].get("labels", {}),
                           # podman removes init containers once run: keep them for their logs
                           "annotations": {"io.podman.annotations.init.container.type": "always"}}
        pod.pop("status", None)
        spec.pop("activeDeadlineSeconds", None)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pod.json").write_text(json.dumps(pod))
        started = time.monotonic()
        if problem:            # the kubelet does not start the pod's containers
            proc = subprocess.CompletedProcess([], 1, "", problem)
        else:
            proc = self._podman("kube", "play", str(folder / "pod.json"), timeout=300)
        if proc.returncode != 0:
            reason = ("CreateContainerConfigError" if problem else
                      "ErrImagePull" if "image" in proc.stderr.lower() else "CreateContainerError")
            self._set_status(ns, name, {"phase": "Pending", "containerStatuses": [
                {"name": c["name"], "ready": False, "restartCount": 0, "image": c["image"],
                 "imageID": "", "state": {"waiting": {"reason": reason,
                                                      "message": proc.stderr.strip()[-500:]}}}
                for c in spec["containers"]]})
        ip = self._pod_ip(name) if proc.returncode == 0 else ""
        probers = {c["name"]: _Prober(self, c, f"{self.podman_name(name)}-{c['name']}")
                   for c in spec["containers"] if c.get("readinessProbe")}
        deadline = (self.objects.get(("pods", ns, name)) or {}).get("spec", {}).get(
            "activeDeadlineSeconds")
        while not stop.wait(POLL):
            if proc.returncode != 0:
                if deadline and time.monotonic() - started > deadline:
                    with self.cond:
                        old = copy.deepcopy((self.objects.get(("pods", ns, name)) or {}).get("status") or {})
                    old.update(phase="Failed", reason="DeadlineExceeded",
                               message="Pod was active on the node longer than the specified deadline")
                    self._set_status(ns, name, old)
                    return
                continue
            status = self._inspect(spec, self.podman_name(name))
            if ip:
                status["podIP"] = ip
            self._ready(status, probers, ip)
            if deadline and time.monotonic() - started > deadline and status["phase"] in ("Pending", "Running"):
                self._podman("pod", "kill", self.podman_name(name))
                status = self._inspect(spec, self.podman_name(name))
                status.update(phase="Failed", reason="DeadlineExceeded",
                              message="Pod was active on the node longer than the specified deadline")
            self._set_status(ns, name, status)
            if status["phase"] in ("Succeeded", "Failed"):
                return

    def _resolve_env(self, ns: str, spec: dict[str, Any]) -> str | None:
        """As the kubelet: env `valueFrom` secretKeyRef/configMapKeyRef and `envFrom` become
        the values of the namespace's Secrets and ConfigMaps (podman would look for its own).
        Returns the kubelet's message when one is missing (the pod then waits)."""
        def lookup(kind: str, ref: dict[str, Any]) -> dict[str, str] | None:
            with self.cond:
                obj = self.objects.get((kind, ns, str(ref.get("name"))))
            if obj is None:
                return None
            if kind == "secrets":
                return {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
            return dict(obj.get("data") or {})
        for c in spec.get("initContainers", []) + spec["containers"]:
            env = []
            for source in c.pop("envFrom", None) or []:
                kind, ref = (("secrets", source["secretRef"]) if "secretRef" in source
                             else ("configmaps", source.get("configMapRef") or {}))
                values = lookup(kind, ref)
                if values is None and not ref.get("optional"):
                    return f'{kind[:-1]} "{ref.get("name")}" not found'
                env += [{"name": source.get("prefix", "") + k, "value": v}
                        for k, v in (values or {}).items()]
            for e in c.get("env") or []:
                how = e.get("valueFrom") or {}
                ref = how.get("secretKeyRef") or how.get("configMapKeyRef")
                if ref is None:
                    env.append(e)
                    continue
                kind = "secrets" if "secretKeyRef" in how else "configmaps"
                values = lookup(kind, ref)
                if values is None or ref.get("key") not in values:
                    if ref.get("optional"):
                        continue
                    return (f'{kind[:-1]} "{ref.get("name")}" not found' if values is None else
                            f'couldn\'t find key {ref.get("key")} in {kind[:-1].capitalize()} '
                            f'{ns}/{ref.get("name")}')
                env.append({"name": e["name"], "value": values[ref["key"]]})
            if env:
                c["env"] = env
        return None

    @staticmethod
    def _ready(status: dict[str, Any], probers: dict[str, "_Prober"], ip: str) -> None:
        """Each container's `ready` and the pod's conditions, as the kubelet reports them: a
        running container without a readinessProbe is ready, one with a probe only once the
        probe passed (`_Prober`); the pod is Ready when all its containers are."""
        for c in status["containerStatuses"]:
            prober = probers.get(c["name"])
            if prober is not None:
                c["ready"] = prober.update("running" in c["state"], ip)
        started = status["phase"] != "Pending"
        ready = started and all(c["ready"] for c in status["containerStatuses"])

        def cond(kind: str, ok: bool) -> dict[str, Any]:
            return {"type": kind, "status": "True" if ok else "False"}
        status["conditions"] = [cond("PodScheduled", True), cond("Initialized", started),
                                cond("ContainersReady", ready), cond("Ready", ready)]

    def _delete_pod(self, ns: str, name: str, grace: int) -> None:
        if grace == 0:
            self._gone(ns, "pods", name)
        self._podman("pod", "stop", "-t", str(grace), self.podman_name(name))
        time.sleep(POLL * 2)                    # the poller reports how the containers ended
        stop = self.pods.get(name)
        if stop is not None:
            stop.set()
        self._podman("pod", "rm", "-f", "-t", "0", self.podman_name(name))
        self._gone(ns, "pods", name)

    def _gone(self, ns: str, resource: str, name: str) -> None:
        with self.cond:
            gone = self.objects.pop((resource, ns, name), None)
            if gone is not None:
                self._event(resource, "DELETED", gone)
                self.collect_garbage(gone["metadata"]["uid"])

    def _pod_ip(self, name: str) -> str:
        """The pod's address on podman's network (its infra container's)."""
        infra = self._podman("pod", "inspect", self.podman_name(name), "--format",
                             "{{.InfraContainerID}}").stdout.strip()
        if not infra:
            return ""
        return (self._podman("inspect", infra, "--format",      # on the pod's network
                             "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}")
                .stdout.split() or [""])[0]

    def _inspect(self, spec: dict[str, Any], pod_name: str) -> dict[str, Any]:
        names = [c["name"] for c in spec["containers"]]
        full = [f"{pod_name}-{n}" for n in names]
        out = self._podman("inspect", *full).stdout
        info = {d["Name"]: d for d in json.loads(out or "[]")} if out.strip() else {}
        statuses, running, failed, done = [], 0, False, 0
        for n, f in zip(names, full):
            state: dict[str, Any] = {"waiting": {"reason": "ContainerCreating"}}
            d = info.get(f)
            if d is not None:
                st = d["State"]
                if st["Status"] == "running":
                    state = {"running": {"startedAt": _now()}}
                    running += 1
                elif st["Status"] in ("exited", "stopped"):
                    code = int(st.get("ExitCode", 0))
                    state = {"terminated": {"exitCode": code, "startedAt": _now(),
                                            "finishedAt": _now(),
                                            "reason": "OOMKilled" if st.get("OOMKilled") else
                                            ("Completed" if code == 0 else "Error")}}
                    done += 1
                    failed = failed or code != 0
            statuses.append({"name": n, "ready": "running" in state, "restartCount": 0,
                             "image": "", "imageID": "", "state": state})
        phase = ("Pending" if not running and not done else "Running" if done < len(names)
                 else "Failed" if failed else "Succeeded")
        init = [{"name": c["name"], "ready": False, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                          "startedAt": _now(), "finishedAt": _now()}}}
                for c in spec.get("initContainers") or []] if running or done else []
        status: dict[str, Any] = {"phase": phase, "containerStatuses": statuses}
        if init:
            status["initContainerStatuses"] = init
        return status

    def _set_status(self, ns: str, name: str, status: dict[str, Any]) -> None:
        with self.cond:
            obj = self.objects.get(("pods", ns, name))
            if obj is None or obj.get("status") == status:
                return
            obj["status"] = status
            self._event("pods", "MODIFIED", obj)

    # -- HTTP -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def send_json(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def route(self, verb: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.raw = self.rfile.read(length) if length else b""   # always: keep-alive
                url = urlparse(self.path)
                q = {k: v[-1] for k, v in parse_qs(url.query).items()}
                parts = url.path.strip("/").split("/")
                if parts[:1] == ["apis"] and len(parts) > 3:     # a group: /apis/G/V/namespaces/...
                    parts = ["api", "v1", *parts[3:]]
                if parts[:3] != ["api", "v1", "namespaces"] or len(parts) < 4:
                    return self.send_json(404, _status(404, "NotFound", f"{url.path} not found"))
                ns = parts[3]
                if len(parts) == 4 and verb == "get":
                    if ns in server.namespaces:
                        return self.send_json(200, {"kind": "Namespace", "apiVersion": "v1",
                                                    "metadata": {"name": ns}})
                    return self.send_json(404, _status(404, "NotFound", f'namespaces "{ns}" not found'))
                resource = parts[4]
                name = parts[5] if len(parts) > 5 else None
                sub = parts[6] if len(parts) > 6 else None
                action = ("watch" if q.get("watch") == "true" else
                          "list" if verb == "get" and name is None else verb)
                checked = f"{resource}/{sub}" if sub else resource
                if (action, checked) in server.forbid or (verb, checked) in server.forbid:
                    return self.send_json(403, _status(403, "Forbidden", (
                        f'{checked} is forbidden: User "tester" cannot {action} resource '
                        f'"{checked}" in API group "" in the namespace "{ns}"')))
                if ns not in server.namespaces:
                    return self.send_json(404, _status(404, "NotFound", f'namespaces "{ns}" not found'))
                if action == "post":
                    return self.create(ns, resource)
                if action == "watch":
                    return self.watch(ns, resource, q)
                if action == "list":
                    with server.cond:
                        items = [copy.deepcopy(o) for (r, n, _), o in server.objects.items()
                                 if r == resource and n == ns and
                                 _matches(o, q.get("labelSelector"), q.get("fieldSelector"))]
                        rv = str(server.rv)
                    kind = "PodList" if resource == "pods" else "SecretList"
                    return self.send_json(200, {"kind": kind, "apiVersion": "v1",
                                                "metadata": {"resourceVersion": rv}, "items": items})
                with server.cond:
                    obj = copy.deepcopy(server.objects.get((resource, ns, name or "")))
                if obj is None:
                    return self.send_json(404, _status(404, "NotFound", f'{resource} "{name}" not found'))
                if sub == "log":
                    return self.log(ns, name or "", obj, q)
                if action == "get":
                    return self.send_json(200, obj)
                if action == "put":
                    return self.update(resource, obj)
                if action == "patch":
                    return self.patch(ns, resource, obj)
                if action == "delete":
                    return self.delete(ns, resource, name or "", obj)
                return self.send_json(405, _status(405, "MethodNotAllowed", verb))

            def body(self) -> dict[str, Any]:
                return json.loads(self.raw or b"{}")

            def invalid(self, obj: dict[str, Any]) -> str | None:
                """The schema (strict), then what the API server checks beyond it: the
                object's name and its label values."""
                kind = obj.get("kind")
                meta = obj.get("metadata") or {}
                name = meta.get("name")
                try:
                    kubernetes_validate.validate(obj, VERSION, strict=True)
                except kubernetes_validate.ValidationError as exc:
                    return f'{kind} "{name}" is invalid: {exc.message}'
                if name is not None and not (_SUBDOMAIN.fullmatch(str(name)) and len(name) <= 253):
                    return (f'{kind} "{name}" is invalid: metadata.name: Invalid value: '
                            f'"{name}": a lowercase RFC 1123 subdomain must consist of lower '
                            f"case alphanumeric characters, '-' or '.', and must start and end "
                            f"with an alphanumeric character")
                for value in (meta.get("labels") or {}).values():
                    if not (_LABEL_VALUE.fullmatch(str(value)) and len(str(value)) <= 63):
                        return (f'{kind} "{name}" is invalid: metadata.labels: Invalid value: '
                                f'"{value}": a valid label must be an empty string or consist '
                                f"of alphanumeric characters, '-', '_' or '.', and must start "
                                f"and end with an alphanumeric character")
                return None

            def create(self, ns: str, resource: str) -> None:
                obj = self.body()
                problem = self.invalid(obj)
                if problem:
                    return self.send_json(422, _status(422, "Invalid", problem))
                meta = obj["metadata"]
                meta.setdefault("namespace", ns)
                if not meta.get("name") and meta.get("generateName"):
                    meta["name"] = meta["generateName"] + _random.token_hex(3)[:5]
                name = meta["name"]
                with server.cond:
                    if (resource, ns, name) in server.objects:
                        return self.send_json(409, _status(409, "AlreadyExists",
                                                           f'{resource} "{name}" already exists'))
                    meta.update(uid=str(uuid.uuid4()), creationTimestamp=_now())
                    if resource == "pods":
                        obj["status"] = {"phase": "Pending"}
                    server.objects[(resource, ns, name)] = obj
                    server.creates.append((resource, name))
                    server._event(resource, "ADDED", obj)
                    shown = self.public(obj)
                if resource == "pods":
                    stop = server.pods[name] = threading.Event()
                    threading.Thread(target=server._run_pod, args=(ns, name, stop), daemon=True).start()
                self.send_json(201, shown)

            def public(self, obj: dict[str, Any]) -> dict[str, Any]:
                return copy.deepcopy(obj)

            def update(self, resource: str, old: dict[str, Any]) -> None:
                new = self.body()
                problem = self.invalid(new)
                if problem:
                    return self.send_json(422, _status(422, "Invalid", problem))
                was = self.public(old)["spec"]
                if resource == "pods" and new.get("spec") != was:
                    name = old["metadata"]["name"]
                    return self.send_json(422, _status(422, "Invalid", (
                        f'Pod "{name}" is invalid: spec: Forbidden: pod updates may not change '
                        f"fields other than `spec.containers[*].image`, "
                        f"`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, "
                        f"`spec.tolerations` (only additions to existing tolerations), "
                        f"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
                        f"was previously negative)")))
                self.send_json(200, self.public(old))

            def patch(self, ns: str, resource: str, old: dict[str, Any]) -> None:
                """merge-patch and strategic-merge-patch as a merge of mappings (enough for the
                objects resource templates patch in tests); JSON patch is not served."""
                if "json-patch" in (self.headers.get("Content-Type") or ""):
                    return self.send_json(415, _status(415, "UnsupportedMediaType", "json patch"))

                def merge(a: Any, b: Any) -> Any:
                    if isinstance(a, dict) and isinstance(b, dict):
                        out = dict(a)
                        for k, v in b.items():
                            if v is None:
                                out.pop(k, None)
                            else:
                                out[k] = merge(a.get(k), v)
                        return out
                    return b
                new = merge(old, self.body())
                problem = self.invalid({k: v for k, v in new.items() if k != "status"})
                if problem:
                    return self.send_json(422, _status(422, "Invalid", problem))
                with server.cond:
                    server.objects[(resource, ns, old["metadata"]["name"])] = new
                    server._event(resource, "MODIFIED", new)
                self.send_json(200, copy.deepcopy(new))

            def delete(self, ns: str, resource: str, name: str, obj: dict[str, Any]) -> None:
                """A Secret goes at once; a Pod as the API server and kubelet delete it: the
                answer comes at once, with `deletionTimestamp` set (a MODIFIED event), then
                its containers get SIGTERM and, after the grace period, SIGKILL (their ends
                reported as usual), and the Pod is DELETED once they are gone. A grace of 0
                removes the Pod from the API at once (the containers are killed after)."""
                if resource != "pods":
                    server._gone(ns, resource, name)
                    return self.send_json(200, self.public(obj))
                q = {k: v[-1] for k, v in parse_qs(urlparse(self.path).query).items()}
                grace = q.get("gracePeriodSeconds") or self.body().get("gracePeriodSeconds")
                if grace is None:
                    grace = obj["spec"].get("terminationGracePeriodSeconds", 30)
                with server.cond:
                    live = server.objects.get((resource, ns, name))
                    if live is None:
                        return self.send_json(404, _status(404, "NotFound",
                                                           f'pods "{name}" not found'))
                    first = "deletionTimestamp" not in live["metadata"]
                    if first:
                        live["metadata"].update(deletionTimestamp=_now(),
                                                deletionGracePeriodSeconds=int(grace))
                        server._event(resource, "MODIFIED", live)
                    shown = self.public(live)
                if first:
                    threading.Thread(target=server._delete_pod, args=(ns, name, int(grace)),
                                     daemon=True).start()
                self.send_json(200, shown)

            def watch(self, ns: str, resource: str, q: dict[str, str]) -> None:
                self.start_chunks("application/json")
                since = int(q.get("resourceVersion") or 0)
                server.watches.append(q.get("resourceVersion") or "")
                until = time.monotonic() + min(float(q.get("timeoutSeconds") or 60),
                                               server.watch_limit or 1e9)
                sent = since
                with server.cond:
                    if not since:      # no version: the current objects first, as ADDED
                        for (r, n, _), o in server.objects.items():
                            if r == resource and n == ns and _matches(
                                    o, q.get("labelSelector"), q.get("fieldSelector")):
                                self.line({"type": "ADDED", "object": self.public(o)})
                        sent = server.rv
                try:
                    while time.monotonic() < until:
                        with server.cond:
                            fresh = [e for e in server.events if e[0] > sent and e[1] == resource]
                            if not fresh:
                                server.cond.wait(min(1.0, until - time.monotonic()))
                                continue
                        for rv, _, kind, o in fresh:
                            sent = rv
                            if (o["metadata"].get("namespace") == ns and
                                    _matches(o, q.get("labelSelector"), q.get("fieldSelector"))):
                                self.line({"type": kind, "object": self.public(o)})
                    self.chunk(b"")
                except (BrokenPipeError, ConnectionResetError):
                    return

            def start_chunks(self, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.close_connection = True

            def chunk(self, data: bytes) -> None:
                """One chunk of a streamed answer (empty: the end)."""
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def line(self, event: dict[str, Any]) -> None:
                self.chunk(json.dumps(event).encode() + b"\n")

            def log(self, ns: str, name: str, obj: dict[str, Any], q: dict[str, str]) -> None:
                container = q.get("container") or obj["spec"]["containers"][0]["name"]
                full = f"{server.podman_name(name)}-{container}"
                if server._podman("container", "exists", full).returncode != 0:
                    return self.send_json(400, _status(400, "BadRequest", (
                        f'container "{container}" in pod "{name}" is waiting to start: '
                        f"ContainerCreating")))
                self.start_chunks("text/plain")
                argv = ["podman", "logs", *(["-f"] if q.get("follow") == "true" else []),
                        *(["-t"] if q.get("timestamps") == "true" else []), full]   # the API's format
                proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        env=engine_env())
                try:
                    assert proc.stdout is not None
                    for data in iter(lambda: proc.stdout.read1(65536), b""):   # type: ignore[union-attr]
                        self.chunk(data)
                    self.chunk(b"")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    proc.kill()
                    proc.wait()

            def do_GET(self) -> None:
                self.route("get")

            def do_POST(self) -> None:
                self.route("post")

            def do_PUT(self) -> None:
                self.route("put")

            def do_PATCH(self) -> None:
                self.route("patch")

            def do_DELETE(self) -> None:
                self.route("delete")

        return Handler


__all__ = ["FakeApiServer"]
