"""A Pod manifest's container as the engine's `run` arguments (podman and docker share them).

Kubernetes' rules, as the kubelet applies them:
- `command` replaces the image's ENTRYPOINT (`--entrypoint`), `args` its CMD; with neither
  the image's own entrypoint and cmd run (`command` alone drops the image's CMD too).
- `workingDir` -> `--workdir`; `securityContext.runAsUser`/`runAsGroup` (the container's over
  the pod's) -> `--user UID[:GID]`.
- `resources.limits.memory` -> `--memory` (the kernel kills at the limit: OOMKilled, exit
  code 137), `limits.cpu` -> `--cpus`. Requests are not enforced by any single-host engine.
- `imagePullPolicy`: `Always`, `IfNotPresent`, `Never`; unset: `Always` for a `latest` or
  missing tag, else `IfNotPresent` (as Kubernetes defaults it).
Never `--privileged`; `privileged: true` and added capabilities are refused (a pod must not
get this host's devices or capabilities).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from plait.runtime.backends import limits as L
from plait.runtime.types import Phase

from .podkit import PodFailure

_ENGINE_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z")   # podman's and docker's name rule
_NAME_PREFIX = 40                  # characters of a sanitized pod name kept before its hash
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TEST_PULL_POLICY_ENV = "PLAIT_TEST_PULL_POLICY"
"""Test-only: `Never` makes every container's pull policy Never, so tests that tag locally
built images as `busybox` or `python:alpine3.23` never reach for a registry. Not for users."""


def engine_name(pod: str) -> str:
    """A pod's hostname and the base of its engine objects' names (engine pod, containers,
    volumes, which add the plait home's id: `ContainerPod`): the
    pod's own name where the engine takes it, else a sanitized prefix and a short hash of it
    (an inline template's pod `wf-main/a:inline-0` -> `wf-main-a-inline-0-1a2b3c4d`), the same
    on every run of the same pod, so a resumed runner finds what its predecessor made. plait's
    records and the `plait.dev/pod` label keep the pod's own name (labels take any text)."""
    if _ENGINE_NAME.match(pod) and len(pod) <= 63:
        return pod
    prefix = re.sub(r"[^a-zA-Z0-9.-]+", "-", pod).strip("-.")[:_NAME_PREFIX].rstrip("-.")
    digest = hashlib.sha256(pod.encode()).hexdigest()[:8]
    return f"{prefix}-{digest}" if prefix else f"pod-{digest}"


def pull_policy(spec: dict[str, Any], override: str | None = None) -> str:
    """The container's effective imagePullPolicy (Kubernetes' default from the tag)."""
    if override in PULL_POLICIES:
        return str(override)
    policy = spec.get("imagePullPolicy")
    if policy in PULL_POLICIES:
        return str(policy)
    image = str(spec.get("image") or "")
    name = image.split("@", 1)[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
    return "Always" if tag in ("", "latest") and "@" not in image else "IfNotPresent"


def _user(spec: dict[str, Any], pod_context: dict[str, Any]) -> str | None:
    own = spec.get("securityContext") or {}
    user = own.get("runAsUser", pod_context.get("runAsUser"))
    group = own.get("runAsGroup", pod_context.get("runAsGroup"))
    if user is None and group is None:
        return None
    return f"{int(user) if user is not None else 0}" + (f":{int(group)}" if group is not None else "")


def _refuse_privileges(spec: dict[str, Any]) -> None:
    ctx = spec.get("securityContext") or {}
    if ctx.get("privileged") in (True, "true"):
        raise PodFailure(Phase.ERROR, f"container '{spec.get('name')}': privileged containers "
                         "are not run by the container backend (they would get this host's "
                         "devices)")
    added = (ctx.get("capabilities") or {}).get("add") or []
    if added:
        raise PodFailure(Phase.ERROR, f"container '{spec.get('name')}': capabilities.add "
                         f"{json.dumps(added)} is not granted by the container backend")


def _cores(value: Any) -> float | None:
    """A CPU quantity (`2`, `0.5`, `500m`) in cores; None if unreadable or not positive."""
    text = str(value).strip()
    try:
        cores = float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    except ValueError:
        return None
    return cores if cores > 0 else None


def limits_args(spec: dict[str, Any], unenforced: list[str]) -> tuple[list[str], int | None]:
    """`--memory`/`--cpus` from `resources.limits`; the memory limit in bytes (None: none).
    Limits the engine cannot enforce are added to `unenforced`."""
    limits = (spec.get("resources") or {}).get("limits") or {}
    args: list[str] = []
    memory = None
    for key, value in limits.items():
        if key == "memory":
            memory = L.memory_bytes(value)
            if memory is None:
                unenforced.append(f"limits.memory {value!r} (not a quantity)")
            else:
                args += ["--memory", str(max(memory, 6 * 1024 * 1024))]    # engines' minimum
        elif key == "cpu":
            cores = _cores(value)
            if cores is None:
                unenforced.append(f"limits.cpu {value!r} (not a quantity)")
            else:
                args += ["--cpus", f"{cores:g}"]
        else:
            unenforced.append(f"limits.{key}")
    return args, memory


def run_args(spec: dict[str, Any], *, pod_context: dict[str, Any], unenforced: list[str]
             ) -> tuple[list[str], list[str], int | None]:
    """(options before the image, the image and its command after it, memory limit bytes) of
    `<engine> run` for one container of the manifest. Mounts, env, names and labels are the
    pod runner's."""
    _refuse_privileges(spec)
    opts: list[str] = []
    command = [str(a) for a in spec.get("command") or []]
    args = [str(a) for a in spec.get("args") or []]
    if command:
        opts += ["--entrypoint", json.dumps(command)]
    if spec.get("workingDir"):
        opts += ["--workdir", str(spec["workingDir"])]
    user = _user(spec, pod_context)
    if user is not None:
        opts += ["--user", user]
    extra, memory = limits_args(spec, unenforced)
    opts += extra
    # `--entrypoint` also drops the image's CMD (podman and docker), as `command` does
    tail = [str(spec.get("image") or "")] + args
    return opts, tail, memory


__all__ = ["PULL_POLICIES", "TEST_PULL_POLICY_ENV", "engine_name", "limits_args", "pull_policy", "run_args"]
