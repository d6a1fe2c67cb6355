"""plait's Pod manifest (`runtime/pods.py`) as the objects the kubernetes backend sends.

`translate` is a pure function of the manifest (and the staged input files it names): it
returns the Kubernetes Pod, and the Secret that carries the pod's input artifacts and script
source when it has any. The executor (`kube_executor`) is added here: the `init` and `wait`
containers, main's wrapped command, the `plait-exec` emptyDir and the Secret's volumes.

What else changes on the way:
- plait's `plait.dev/*` annotations (instructions for a backend) are read and dropped;
- labels: Argo's `workflows.argoproj.io/workflow` and `workflows.argoproj.io/completed`, and
  the owner marker `app.kubernetes.io/managed-by: plait` (resume and delete select by them);
  annotations: Argo's `workflows.argoproj.io/node-name` and `workflows.argoproj.io/node-id`;
- `metadata.namespace` is the backend's namespace;
- Argo-only container keys (`mirrorVolumeMounts`) are removed;
- a container without `command` gets its image's entrypoint from the image table (Argo asks
  the registry; plait cannot), else the pod cannot be built (`TranslateError`).

Everything else (serviceAccountName, automountServiceAccountToken, imagePullSecrets,
nodeSelector, affinity, tolerations, priorityClassName, securityContext, podSpecPatch,
metadata, resources, env references to the cluster's Secrets and ConfigMaps) is in the
manifest already and passes through unchanged.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import os
import tarfile
from dataclasses import dataclass
from typing import Any

from plait.runtime import pods as P
from plait.runtime.naming import node_id

from . import kube_executor as X

MANAGED_BY = "app.kubernetes.io/managed-by"
OWNER = "plait"
COMPLETED_LABEL = "workflows.argoproj.io/completed"
NODE_ID_ANNOTATION = "workflows.argoproj.io/node-id"
INPUT_LIMIT = 1 << 20          # a Secret holds at most 1 MiB: input archives + script source
DEFAULT_EXECUTOR_IMAGE = "busybox"
_ARGO_ONLY = ("mirrorVolumeMounts",)
_NOT_KUBERNETES = (P.INPUTS, P.OUTPUTS, P.SCRIPT, P.DAEMON, P.DEPENDENCIES, P.CONTAINER_RETRY)

# what `argoproj/argosay:v2` runs (the image table's entry is the local stand-in)
KNOWN_ENTRYPOINTS = {"argoproj/argosay:v2": ["/argosay"]}


class TranslateError(ValueError):
    """The manifest cannot run on a cluster as it is (the node ends Error with this)."""


@dataclass
class KubeObjects:
    """The Pod and, when the pod has inputs or a script, its Secret (same name); `main` is
    the container whose exit decides the node and `outputs` the paths its wrapper archives
    (frame `file <i>` is `outputs[i]`)."""

    pod: dict[str, Any]
    secret: dict[str, Any] | None
    main: str = "main"
    outputs: tuple[str, ...] = ()

    def documents(self) -> list[dict[str, Any]]:
        """In the order they are created: the Secret first, the Pod that mounts it next."""
        return ([self.secret] if self.secret else []) + [self.pod]


def selector(workflow: str) -> str:
    """The label selector of a run's objects."""
    return f"{P.WORKFLOW_LABEL}={workflow},{MANAGED_BY}={OWNER}"


def translate(manifest: dict[str, Any], *, namespace: str,
              executor_image: str = DEFAULT_EXECUTOR_IMAGE,
              entrypoints: Any = None) -> KubeObjects:
    """The objects for `manifest` (see the module docstring). `entrypoints`: an image table
    (`runtime.images.ImageTable`) for containers without `command`."""
    pod = copy.deepcopy(manifest)
    meta = pod.setdefault("metadata", {})
    name = str(meta.get("name"))
    annotations: dict[str, str] = dict(meta.get("annotations") or {})
    plait = {k: annotations.pop(k) for k in _NOT_KUBERNETES if k in annotations}
    inputs = json.loads(plait.get(P.INPUTS) or "[]")
    outputs = [o["path"] for o in json.loads(plait.get(P.OUTPUTS) or "[]")]
    main = next((o["container"] for o in json.loads(plait.get(P.OUTPUTS) or "[]")), None)
    script = json.loads(plait.get(P.SCRIPT) or "null")
    deps: dict[str, list[str]] | None = (json.loads(plait[P.DEPENDENCIES])
                                         if P.DEPENDENCIES in plait else None)
    workflow = str((meta.get("labels") or {}).get(P.WORKFLOW_LABEL, ""))
    node_name = annotations.get(P.NODE_NAME_ANNOTATION, name)
    annotations[NODE_ID_ANNOTATION] = node_id(workflow, node_name)
    meta["annotations"] = annotations
    meta["labels"] = {**(meta.get("labels") or {}), COMPLETED_LABEL: "false", MANAGED_BY: OWNER}
    meta["namespace"] = namespace

    spec = pod["spec"]
    containers: list[dict[str, Any]] = spec.get("containers") or []
    if not containers:
        raise TranslateError("the pod has no containers")
    names = [c["name"] for c in containers]
    main = main or ("main" if "main" in names else names[-1])
    for c in containers + list(spec.get("initContainers") or []):
        for key in _ARGO_ONLY:
            c.pop(key, None)

    data: dict[str, bytes] = {}
    for i, entry in enumerate(inputs):
        data[f"in-{i}.tgz"] = _archive(entry, budget=INPUT_LIMIT - _size(data))
    if script is not None:
        data["script"] = str(script.get("source", "")).encode("utf-8")
        if _size(data) > INPUT_LIMIT:
            raise TranslateError(f"the script source and input artifacts of pod {name} are "
                                 f"{_size(data)} bytes: more than a Secret holds (1 MiB)")

    exec_mount = {"name": X.EXEC_VOLUME, "mountPath": X.EXEC_DIR}
    wrapped = [main] if deps is None else list(deps)
    for c in containers:
        argv = _argv(c, entrypoints)
        if c["name"] in wrapped:
            if argv is None:
                raise TranslateError(
                    f"container {c['name']!r} has no command and image {c.get('image')!r} is "
                    f"not in the image table: the kubernetes backend runs it through its "
                    f"executor and must know what it runs (give `command`, or the image's "
                    f"entrypoint with --images)")
            is_main = c["name"] == main
            if is_main and script is not None:
                argv = argv + [f"{X.SCRIPT_DIR}/script"]
            text = X.main_script(c["name"], inputs=inputs if is_main else [],
                                 outputs=outputs if is_main else [], capture=is_main,
                                 after=(deps or {}).get(c["name"], []),
                                 others=[n for n in wrapped if n != c["name"]] if is_main
                                 else None)
            c["command"] = [X.BUSYBOX, "sh", "-c", text, "plait-exec", *argv]
            c.pop("args", None)
            mounts = c.setdefault("volumeMounts", [])
            mounts.append(dict(exec_mount))
            if is_main and inputs:
                mounts.append({"name": X.INPUT_VOLUME, "mountPath": X.INPUT_DIR,
                               "readOnly": True})
            if is_main and script is not None:
                mounts.append({"name": X.SCRIPT_VOLUME, "mountPath": X.SCRIPT_DIR,
                               "readOnly": True})
        elif argv is not None:                      # a sidecar: stopped when main ends
            c["command"] = [X.BUSYBOX, "sh", "-c", X.sidecar_script(main), "plait-sidecar",
                            *argv]
            c.pop("args", None)
            c.setdefault("volumeMounts", []).append(dict(exec_mount))
        # else: a sidecar of an unknown image runs its own entrypoint (stopped by the delete)

    others = [n for n in wrapped if n != main]
    spec["initContainers"] = [
        {"name": "init", "image": executor_image, "command": X.init_command(),
         "volumeMounts": [dict(exec_mount)]},
        *(spec.get("initContainers") or [])]
    containers.append({"name": "wait", "image": executor_image,
                       "command": ["sh", "-c", X.wait_script(main, len(outputs), True, others)],
                       "volumeMounts": [dict(exec_mount)]})
    volumes = spec.setdefault("volumes", [])
    volumes.append({"name": X.EXEC_VOLUME, "emptyDir": {}})
    secret = None
    if data:
        if inputs:
            volumes.append({"name": X.INPUT_VOLUME, "secret": {
                "secretName": name, "defaultMode": 0o444,
                "items": [{"key": k, "path": k} for k in data if k.startswith("in-")]}})
        if script is not None:
            volumes.append({"name": X.SCRIPT_VOLUME, "secret": {
                "secretName": name, "defaultMode": 0o555,
                "items": [{"key": "script", "path": "script"}]}})
        secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                  "metadata": {"name": name, "namespace": namespace,
                               "labels": {P.WORKFLOW_LABEL: workflow, MANAGED_BY: OWNER},
                               "annotations": {P.NODE_NAME_ANNOTATION: node_name}},
                  "data": {k: base64.b64encode(v).decode("ascii") for k, v in data.items()}}
    return KubeObjects(pod, secret, main, tuple(outputs))


def _size(data: dict[str, bytes]) -> int:
    return sum(len(v) for v in data.values())


def _argv(c: dict[str, Any], entrypoints: Any) -> list[str] | None:
    """What the container runs, as Kubernetes decides it: `command` (else the image's
    entrypoint), then `args` (else, without `command`, the image's cmd)."""
    args = c.get("args")
    if c.get("command"):
        return [str(a) for a in c["command"]] + [str(a) for a in args or []]
    image = str(c.get("image") or "")
    known = KNOWN_ENTRYPOINTS.get(image)
    if known is not None:
        return list(known) + [str(a) for a in args or []]
    entry = entrypoints.lookup(image) if entrypoints is not None else None
    if entry is None:
        return None
    argv = list(entry.get("entrypoint") or []) + [str(a) for a in (
        args if args is not None else entry.get("cmd") or [])]
    return argv or None


def _archive(entry: dict[str, Any], budget: int) -> bytes:
    """The staged input at `entry["source"]` as a gzip tar of one member named after the
    last segment of its path in the pod."""
    source, path = str(entry["source"]), str(entry["path"])
    arcname = os.path.basename(path.rstrip("/")) or "."
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(source, arcname=arcname, filter=_anonymous)
    data = buf.getvalue()
    if len(data) > budget:
        name = os.path.basename(source)
        raise TranslateError(
            f"input artifact {name!r} is {_human(len(data))} (gzip tar): the kubernetes "
            f"backend carries at most 1 MiB of input artifacts per pod, in a Secret; larger "
            f"artifacts need an S3-compatible artifact repository, which plait does not "
            f"support yet")
    return data


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _human(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"


__all__ = ["COMPLETED_LABEL", "DEFAULT_EXECUTOR_IMAGE", "INPUT_LIMIT", "KubeObjects",
           "MANAGED_BY", "NODE_ID_ANNOTATION", "OWNER", "TranslateError", "selector",
           "translate"]
