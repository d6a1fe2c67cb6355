"""The runtime's shared vocabulary: node phases and records, and the backend interface.

The engine (`runtime/engine.py`) walks a `compiler.plan.Plan`, records every node in the
store (`runtime/store.py`) and hands each pod-running node to a `Backend` as a Pod manifest
(`runtime/pods.py`). Nothing in the engine may assume local processes: the local backend
(`runtime/backends/local.py`) and a later Kubernetes backend implement the same `Backend`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol, Sequence


class Phase(str, enum.Enum):
    """Node and workflow phases, spelt as Argo spells them (spec §11)."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"
    SKIPPED = "Skipped"
    OMITTED = "Omitted"

    @property
    def done(self) -> bool:
        return self not in (Phase.PENDING, Phase.RUNNING)


class NodeType(str, enum.Enum):
    """Argo's node types (status.nodes[*].type)."""

    POD = "Pod"
    STEPS = "Steps"
    STEP_GROUP = "StepGroup"
    DAG = "DAG"
    TASK_GROUP = "TaskGroup"
    RETRY = "Retry"
    SKIPPED = "Skipped"
    SUSPEND = "Suspend"
    HTTP = "HTTP"
    CONTAINER = "Container"      # a container of a containerSet


@dataclass(slots=True)
class Outputs:
    """A node's outputs, in Argo's shape: `parameters: [{name, value}]`, `result`,
    `exitCode` (as a string) and `artifacts: [{name, path?, key}]` (`key` locates the stored
    artifact in the local artifact repository)."""

    parameters: list[dict[str, str]] = field(default_factory=list)
    result: str | None = None
    exit_code: str | None = None
    artifacts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.parameters:
            out["parameters"] = self.parameters
        if self.result is not None:
            out["result"] = self.result
        if self.exit_code is not None:
            out["exitCode"] = self.exit_code
        if self.artifacts:
            out["artifacts"] = self.artifacts
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Outputs":
        data = data or {}
        return cls(list(data.get("parameters", [])), data.get("result"), data.get("exitCode"),
                   list(data.get("artifacts", [])))


@dataclass(slots=True)
class Node:
    """One node of a run, as Argo's `status.nodes[<id>]`. (Slots: a node holds its declared
    fields only; what the engine knows besides lives in the engine's own maps.)

    `id` is `<wf>-<fnv32a(name)>` (the root's id is the workflow name), `name` the full
    node name (`wf[0].step(1:item)`), `display_name` its last segment.
    """

    id: str
    name: str
    display_name: str
    type: NodeType
    template_name: str | None
    phase: Phase = Phase.PENDING
    message: str = ""
    started_at: float | None = None      # Unix seconds
    finished_at: float | None = None
    outputs: Outputs = field(default_factory=Outputs)
    children: list[str] = field(default_factory=list)   # ids
    parent: str | None = None                            # id
    pod_name: str | None = None
    boundary_id: str | None = None       # the steps/dag node this node belongs to
    inputs: dict[str, Any] = field(default_factory=dict) # {parameters: [{name, value}]}
    retries: int | None = None           # attempt number for a retry child


@dataclass
class PodResult:
    """How a pod ended. `phase` is Succeeded, Failed or Error; `message` as Argo words it
    (`main: Error (exit code 1)`, `Pod was active on the node longer than the specified
    deadline`, ...). `result` is main's stdout (last 256 KiB, one trailing newline trimmed).
    `files` maps each requested output path (see `runtime/pods.py`) to a local copy, or to
    None when the path did not exist in the pod."""

    phase: Phase
    exit_code: int | None
    message: str = ""
    result: str | None = None
    files: dict[str, str | None] = field(default_factory=dict)


class LogSink(Protocol):
    """`sink(container_name, line[, at])`: a backend reports every log line through it
    (already decoded, without the newline); the engine masks secrets and writes the log
    files. `at` (Unix seconds) is when the line was written, where the backend knows it (the
    kubelet's timestamps); else the engine's clock when the line arrives."""

    def __call__(self, container: str, line: str, at: float | None = None) -> None: ...


class PodHandle(Protocol):
    """A started pod. Every member is stated here and implemented by every backend's pod: the
    engine uses a handle through these alone, never by probing for what it may have."""

    ip: str | None                              # reachable address once running

    # Set by the engine once the pod started, before it waits on it: a backend whose pod waits
    # on something outside plait (a cluster pulling an image, scheduling) calls it with what
    # keeps the pod pending (`ImagePullBackOff: ...`), and with None once the pod runs. A
    # backend that reports no such wait (local, container) never calls it.
    on_pending: Callable[[str | None], None] | None

    async def ready(self) -> None:
        """Return once the main container runs (and its readinessProbe passed, if any)."""

    async def wait(self) -> PodResult:
        """Wait for `main` to end; sidecars are then stopped; outputs are collected."""

    async def kill(self, reason: str) -> None:
        """Kill every process/container of the pod (timeouts, stop, daemons' scope end)."""

    def cleanup(self) -> None:
        """The engine has stored the pod's outputs and logs: remove what the backend still
        keeps of the pod (output copies, scratch folders), unless it keeps pods for debugging."""


class ResourceRunner(Protocol):
    """Runs a `resource` template's action on a cluster: `body` is the rendered template body
    (`action`, `manifest`, `successCondition`, ...), `outputs` Argo's output parameter objects
    rendered in the node's scope, `workflow` the run's name (owner references). Returns the
    node's phase, its message and the output parameters (`[{name, value}]`)."""

    async def __call__(self, body: dict[str, Any], outputs: list[dict[str, Any]], *,
                       workflow: str) -> tuple[Phase, str, list[dict[str, str]]]: ...


class Backend(Protocol):
    """Runs Pod manifests. `local` runs them as sandboxed processes on this machine,
    `container` as containers of their images, `kubernetes` as Pods on a cluster.

    Every feature the engine and the run's record use is a member here, with a neutral value
    for a backend that lacks it (None, empty), so nobody probes a backend with getattr or
    hasattr: a new backend sees at once what it must say. The read-only features are
    properties, so a backend may state them as class attributes, instance attributes or
    properties alike."""

    name: str                                   # local, container, kubernetes (recorded)

    @property
    def sandbox(self) -> str | None:
        """How plait isolates each pod, recorded with the run (`plait get` shows it): the local
        backend's sandbox mode (`bwrap`, `none`), `container`; None where plait does not
        isolate the pods itself (a cluster does)."""

    @property
    def engine_name(self) -> str | None:
        """The container engine that runs the pods (`podman`, `docker`), recorded so that
        `plait delete` and `plait resume` reach the run's containers; None where no container
        engine runs them."""

    @property
    def unenforced(self) -> Sequence[str]:
        """The limits this run asked for that the backend could not enforce (each once), so
        far; recorded with the run. Empty when every limit held."""

    @property
    def options(self) -> dict[str, Any] | None:
        """What another process needs to reach this run's pods again (`get_backend` options:
        a cluster's kubeconfig, context and namespace), recorded with the run as
        `backend_options`; None when the run's home is enough."""

    @property
    def run_resource(self) -> ResourceRunner | None:
        """Runs `resource` templates where the backend reaches a cluster; None where it cannot,
        and such a template ends in Error naming the backend. (An attribute that may be None,
        not a method that fails: the engine decides before it renders anything, so the node
        never shows Running on a backend that cannot run it.)"""

    async def start(self, manifest: dict[str, Any], log: LogSink) -> PodHandle:
        """Create the pod and start its containers (init containers first, in order)."""

    async def close(self) -> None:
        """Kill everything still running and release resources."""


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
