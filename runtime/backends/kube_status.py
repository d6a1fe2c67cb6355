"""A Pod's status (the API's JSON) read as Argo reads it: is the node decided, and how.

Pure functions over the watched Pod, so every mapping is unit-tested without a cluster:

    main terminated, exit code 0                    Succeeded
    main terminated, reason OOMKilled               Failed  "OOMKilled (exit code 137)"
    main terminated, other exit code N              Failed  "main: Error (exit code N)"
    status.reason DeadlineExceeded                  Failed  "Pod was active on the node longer
                                                             than the specified deadline"
    status.reason Evicted                           Failed  "Evicted: <the kubelet's message>"
    an init container ended with exit code N != 0   Error   "init container 'x' failed: exit code N"
    phase Failed without any of the above           Error   the pod's message

While a pod is Pending, `pending_reason` is what holds it (`Unschedulable: 0/3 nodes are
available...`, `ImagePullBackOff: Back-off pulling image "x"`, `ErrImagePull: ...`): the
node's message while pending, and the message when a deadline ends a pod that never ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plait.runtime.types import Phase

DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
OOM_MESSAGE = "OOMKilled (exit code 137)"
WAITING_REASONS = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
                   "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
                   "CrashLoopBackOff")


@dataclass
class Outcome:
    phase: Phase
    exit_code: int | None
    message: str


def _status(pod: dict[str, Any]) -> dict[str, Any]:
    return pod.get("status") or {}


def container(pod: dict[str, Any], name: str, init: bool = False) -> dict[str, Any]:
    """The container's status entry (`{}` before the kubelet reported it)."""
    key = "initContainerStatuses" if init else "containerStatuses"
    return next((c for c in _status(pod).get(key) or [] if c.get("name") == name), {})


def terminated(pod: dict[str, Any], name: str) -> dict[str, Any] | None:
    return ((container(pod, name).get("state") or {}).get("terminated")) or None


def running(pod: dict[str, Any], name: str) -> bool:
    return bool((container(pod, name).get("state") or {}).get("running"))


def ready(pod: dict[str, Any], name: str) -> bool:
    """Main runs and the pod is Ready (its `Ready` condition, else every container's
    `ready`): the kubelet says so only once each readinessProbe passed, and Argo marks a
    daemon's node ready only then."""
    if not running(pod, name):
        return False
    st = _status(pod)
    cond = next((c for c in st.get("conditions") or [] if c.get("type") == "Ready"), None)
    if cond is not None:
        return cond.get("status") == "True"
    return all(c.get("ready") for c in st.get("containerStatuses") or [])


def pending_reason(pod: dict[str, Any]) -> str | None:
    """What keeps a pod from running, in the kubelet's or scheduler's words, or None."""
    st = _status(pod)
    for key in ("initContainerStatuses", "containerStatuses"):
        for c in st.get(key) or []:
            waiting = (c.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in WAITING_REASONS:
                text = str(waiting.get("message") or "").strip()
                return f"{waiting['reason']}: {text}" if text else str(waiting["reason"])
    for cond in st.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
            text = str(cond.get("message") or "").strip()
            reason = str(cond.get("reason") or "Unschedulable")
            return f"{reason}: {text}" if text else reason
    return None


def outcome(pod: dict[str, Any], main: str, init_names: list[str]) -> Outcome | None:
    """How the node ended, or None while main still has to end (see the module docstring)."""
    st = _status(pod)
    reason = st.get("reason")
    done = terminated(pod, main)
    code = int(done["exitCode"]) if done and done.get("exitCode") is not None else None
    if reason == "DeadlineExceeded":
        return Outcome(Phase.FAILED, code, DEADLINE_MESSAGE)
    if reason == "Evicted":
        text = str(st.get("message") or "").strip()
        return Outcome(Phase.FAILED, code, f"Evicted: {text}" if text else "Evicted")
    for name in init_names:
        t = ((container(pod, name, init=True).get("state") or {}).get("terminated")) or {}
        if t and t.get("exitCode") not in (0, None):
            return Outcome(Phase.ERROR, None,
                           f"init container '{name}' failed: exit code {t['exitCode']}")
    if done is not None:
        if done.get("reason") == "OOMKilled":
            return Outcome(Phase.FAILED, code, OOM_MESSAGE)
        if code == 0:
            return Outcome(Phase.SUCCEEDED, 0, "")
        return Outcome(Phase.FAILED, code, f"{main}: Error (exit code {code})")
    if st.get("phase") == "Failed":
        text = str(st.get("message") or reason or "the pod failed").strip()
        return Outcome(Phase.ERROR, None, text)
    return None


__all__ = ["DEADLINE_MESSAGE", "OOM_MESSAGE", "Outcome", "container", "outcome",
           "pending_reason", "ready", "running", "terminated"]
