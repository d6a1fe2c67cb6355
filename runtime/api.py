"""The runtime's public Python API: `run(workflow, ...) -> Run`, for tests and scripts.

    >>> import plait
    >>> run = plait.run("hello.yaml", parameters={"message": "hi"})
    >>> run.phase, run.node("print-message").outputs.result
    ('Succeeded', 'hi')

`workflow` is anything `plait.compile` takes (a path, `FILE.py[:NAME]`, YAML text, a dict, a
Hera object, or a compiled `Plan`). The run is recorded in the store under `home` (default:
`$PLAIT_HOME`, as `plait run`), so `plait get NAME` and `plait logs NAME` show it too.

A `Run` is a read-only view over the finished run: `phase`, `message`, `duration`, `nodes`
in start order, `node(name)` by display name, node name or path, views such as `run.failed`
and `run.skipped`, each node's outputs (parameters, result, exit code, artifacts), its logs,
and `to_argo_status()`, the `status` of Argo's Workflow object.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from plait.compiler.api import CheckError, PlaitError, Source, compile_source, resolve
from plait.compiler.diagnostics import Diagnostic
from plait.compiler.plan import Plan
from plait.grammar.limits import check_caps

from . import run_async
from .artifacts import ArtifactRepo
from .backends import get_backend
from .home import ensure_home
from .images import ImageTable, ImageTableError
from .outputs import OutputLimits
from .pyscripts import prepare
from .secrets import SecretsError, SecretStore
from .status import workflow_json
from .store import Store
from .types import Node, NodeType, Phase

FAILED = (Phase.FAILED, Phase.ERROR)
TIMEOUT_MESSAGE = "plait: the run exceeded its timeout of {:g}s and was terminated"


def _time(ts: float | None) -> _dt.datetime | None:
    return None if ts is None else _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)


class Artifact:
    """One output artifact of a node: `read_bytes()`, `read_text()` and `path` (a local copy,
    extracted from the run's artifact repository on first use)."""

    def __init__(self, run: "Run", node: "RunNode", entry: Mapping[str, Any]) -> None:
        self._run, self._node, self._entry = run, node, dict(entry)
        self.name: str = str(entry.get("name", ""))
        self.key: str | None = entry.get("key")
        self._path: Path | None = None

    def __repr__(self) -> str:
        return f"<Artifact {self.name} of {self._node.display_name}>"

    @property
    def path(self) -> Path:
        """The artifact as a local file or folder (a private copy; read it, don't keep it
        after the `Run` is gone)."""
        if self._path is None:
            if not self.key:
                raise FileNotFoundError(f"artifact {self.name!r} of {self._node.display_name} "
                                        "was not stored (optional and absent?)")
            dest = self._run._scratch() / self._node.id / self.name
            if not os.path.lexists(dest):
                dest.parent.mkdir(parents=True, exist_ok=True)
                ArtifactRepo(self._run.home / "artifacts").load(self.key, dest)
            self._path = dest
        return self._path

    def read_bytes(self) -> bytes:
        """The artifact's content (a file; a folder raises IsADirectoryError: use `path`)."""
        return self.path.read_bytes()

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)


@dataclass
class Outputs:
    """A node's outputs: `parameters` (name -> value), `result` (stdout of a script or
    container), `exit_code` (int) and `artifacts` (name -> `Artifact`)."""

    parameters: dict[str, str]
    result: str | None
    exit_code: int | None
    artifacts: dict[str, Artifact]


class RunNode:
    """One node of a run (Argo's `status.nodes[id]`), with its relatives resolved."""

    def __init__(self, run: "Run", node: Node) -> None:
        self._run, self._node = run, node
        self.id: str = node.id
        self.name: str = node.name                 # Argo's full node name: `wf[0].step(1:x)`
        self.display_name: str = node.display_name
        self.type: str = node.type.value          # Pod, Steps, DAG, Retry, Skipped, ...
        self.template_name: str | None = node.template_name
        self.phase: str = node.phase.value
        self.message: str = node.message or ""
        self.started_at: _dt.datetime | None = _time(node.started_at)
        self.finished_at: _dt.datetime | None = _time(node.finished_at)
        self.pod_name: str | None = node.pod_name
        self.retries: int | None = node.retries
        self.inputs: dict[str, str] = {str(p.get("name")): p.get("value")
                                       for p in (node.inputs or {}).get("parameters", [])}
        out = node.outputs
        code = out.exit_code
        self.outputs = Outputs(
            parameters={str(p.get("name")): p["value"] for p in out.parameters},
            result=out.result,
            exit_code=int(code) if code not in (None, "") and str(code).lstrip("-").isdigit() else None,
            artifacts={str(a.get("name")): Artifact(run, self, a) for a in out.artifacts})

    def __repr__(self) -> str:
        return f"<RunNode {self.display_name} {self.type} {self.phase}>"

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (None until both are known)."""
        n = self._node
        return None if n.started_at is None or n.finished_at is None else n.finished_at - n.started_at

    @property
    def children(self) -> list["RunNode"]:
        """The node's children as Argo lists them (StepGroups, Retry attempts, pods ...)."""
        return [self._run._by_id[c] for c in self._node.children if c in self._run._by_id]

    @property
    def parent(self) -> "RunNode | None":
        return self._run._by_id.get(self._node.parent or "")

    @property
    def succeeded(self) -> bool:
        return self.phase == Phase.SUCCEEDED.value

    @property
    def failed(self) -> bool:
        """Failed or Error."""
        return self.phase in (Phase.FAILED.value, Phase.ERROR.value)

    @property
    def skipped(self) -> bool:
        return self.phase == Phase.SKIPPED.value

    def logs(self, container: str = "main") -> str:
        """This node's container log (the main container unless named); empty for nodes
        without a pod."""
        return self._run._log_text(self._node, container)


class Run:
    """A finished run (see the module docstring). Phases and types are strings, as Argo
    spells them (`"Succeeded"`, `"Pod"`); times are timezone-aware UTC datetimes; durations
    are seconds."""

    def __init__(self, result: Any, *, store: Any = None, home: Path | None = None,
                 plan: Plan | None = None, diagnostics: Sequence[Diagnostic] = (),
                 timed_out: bool = False) -> None:
        self.name: str = result.name
        self.phase: str = Phase(result.phase).value
        self.message: str = result.message or ""
        self.started_at = _time(result.started_at)
        self.finished_at = _time(result.finished_at)
        self.outputs: dict[str, Any] = dict(result.outputs or {})
        self.plan = plan
        self.diagnostics: list[Diagnostic] = list(diagnostics)   # warnings of the compile
        self.timed_out = timed_out
        self.store = store
        self.home = Path(home) if home is not None else \
            Path(store.home) if store is not None else Path(".")
        self.result = result           # the engine's RunResult (runtime records)
        self._result = result
        self._raw: dict[str, Node] = dict(result.nodes)
        order = {nid: i for i, nid in enumerate(self._raw)}
        ordered = sorted(self._raw.values(),
                         key=lambda n: (n.started_at is None, n.started_at or 0.0, order[n.id]))
        self._by_id: dict[str, RunNode] = {}
        for n in ordered:
            self._by_id[n.id] = RunNode(self, n)
        self._scratch_dir: Path | None = None

    def __repr__(self) -> str:
        return f"<Run {self.name} {self.phase}>"

    # -- the run ------------------------------------------------------------------------------

    @property
    def duration(self) -> float | None:
        r = self._result
        return None if r.started_at is None or r.finished_at is None else r.finished_at - r.started_at

    @property
    def succeeded(self) -> bool:
        return self.phase == Phase.SUCCEEDED.value

    # -- nodes --------------------------------------------------------------------------------

    @property
    def nodes(self) -> list[RunNode]:
        """Every node, in start order (ties in the order the engine created them)."""
        return list(self._by_id.values())

    def _phase(self, *phases: Phase) -> list[RunNode]:
        wanted = {p.value for p in phases}
        return [n for n in self._by_id.values() if n.phase in wanted]

    @property
    def pods(self) -> list[RunNode]:
        """The nodes that ran a pod (containers and scripts), in start order."""
        return [n for n in self._by_id.values() if n.type == NodeType.POD.value]

    @property
    def steps(self) -> list[RunNode]:
        """What `argo get` shows as steps: pods, skipped, suspend and HTTP nodes, in start order."""
        kinds = {NodeType.POD.value, NodeType.SKIPPED.value, NodeType.SUSPEND.value,
                 NodeType.HTTP.value}
        return [n for n in self._by_id.values() if n.type in kinds]

    @property
    def succeeded_nodes(self) -> list[RunNode]:
        return self._phase(Phase.SUCCEEDED)

    @property
    def failed(self) -> list[RunNode]:
        """Nodes that ended Failed or Error."""
        return self._phase(Phase.FAILED, Phase.ERROR)

    @property
    def errored(self) -> list[RunNode]:
        return self._phase(Phase.ERROR)

    @property
    def skipped(self) -> list[RunNode]:
        """Nodes whose `when` was false (phase Skipped)."""
        return self._phase(Phase.SKIPPED)

    @property
    def omitted(self) -> list[RunNode]:
        """DAG tasks whose `depends` ruled them out (phase Omitted)."""
        return self._phase(Phase.OMITTED)

    @property
    def running(self) -> list[RunNode]:
        return self._phase(Phase.PENDING, Phase.RUNNING)

    def display_names(self, nodes: Iterable[RunNode] | None = None) -> list[str]:
        """Display names of `nodes` (default: `steps`), in start order."""
        return [n.display_name for n in (self.steps if nodes is None else nodes)]

    def node(self, key: str) -> RunNode:
        """A node by display name (`hello`, `step(1:b)`), full node name (`wf[0].hello`), the
        name without the workflow's (`[0].hello`, `.onExit`), id, or a path of display names
        (`main/inner/hello`: each part an ancestor's display name or template name, others
        skipped; `cleanup/notify` for a step of the exit handler `cleanup`), or
        the root's template name (the root's display name is the run's generated name).

        KeyError when nothing matches or a display name is ambiguous (loops, recursion):
        the message lists the candidates' full names."""
        nodes = list(self._by_id.values())
        for exact in (lambda n: n.name == key, lambda n: n.id == key,
                      lambda n: n.name == self.name + key):
            found = [n for n in nodes if exact(n)]
            if found:
                return found[0]
        if "/" in key:
            found = [n for n in nodes if self._path_matches(n, key.split("/"))]
        else:
            found = [n for n in nodes if n.display_name == key]
            if not found:      # the root's display name is the run's: allow its template's
                found = [n for n in nodes if n.template_name == key and n.parent is None]
        if len(found) == 1:
            return found[0]
        if not found:
            names = sorted({n.display_name for n in self.steps}) or sorted({n.display_name for n in nodes})
            raise KeyError(f"run {self.name} has no node {key!r} (steps: {', '.join(names)})")
        raise KeyError(f"run {self.name}: {key!r} names {len(found)} nodes: "
                       + ", ".join(n.name for n in found) + " (use a full node name or a path)")

    def _path_matches(self, node: RunNode, parts: list[str]) -> bool:
        if node.display_name != parts[-1]:
            return False
        want = parts[:-1]
        up = node.parent
        while want and up is not None:
            if want[-1] in (up.display_name, up.template_name):
                want.pop()
            up = up.parent
        return not want

    def __getitem__(self, key: str) -> RunNode:
        return self.node(key)

    # -- logs ---------------------------------------------------------------------------------

    def _log_text(self, node: Node, container: str = "main") -> str:
        if not node.pod_name or self.store is None:
            return ""
        try:
            path = self.store.log_path(self.name, node.pod_name, container)
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            return ""

    def logs(self, node: str | RunNode | None = None, container: str = "main") -> str:
        """One node's log (by anything `node()` takes), or every pod's, in start order, each
        line prefixed with its pod name as `plait logs` prints them."""
        if node is not None:
            target = node if isinstance(node, RunNode) else self.node(node)
            return target.logs(container)
        lines: list[str] = []
        seen: set[str | None] = set()
        for n in self.pods:
            if n.pod_name in seen:
                continue
            seen.add(n.pod_name)
            text = n.logs(container)
            lines.extend(f"{n.pod_name}: {line}" for line in text.splitlines())
        return "\n".join(lines) + ("\n" if lines else "")

    # -- Argo's shape -------------------------------------------------------------------------

    def to_argo(self) -> dict[str, Any]:
        """The run as Argo's Workflow object (`argo get -o json`)."""
        return workflow_json(self.name, self._result, self._raw)

    def to_argo_status(self) -> dict[str, Any]:
        """Argo's `status`: phase, message, startedAt, finishedAt, nodes by id, outputs."""
        return self.to_argo()["status"]

    def raw_nodes(self) -> dict[str, Node]:
        """The runtime's own node records by id (for renderers such as `plait get`'s tree)."""
        return dict(self._raw)

    # -- scratch ------------------------------------------------------------------------------

    def _scratch(self) -> Path:
        if self._scratch_dir is None:
            self._scratch_dir = Path(tempfile.mkdtemp(prefix=f"plait-run-{self.name}-"))
            weakref.finalize(self, shutil.rmtree, str(self._scratch_dir), True)
        return self._scratch_dir


def _secrets(secrets: Any, configmaps: Any) -> Any:
    """A `SecretStore` from one (returned as is), paths of Secret manifests, or a mapping
    `{secret name: {key: value}}`."""
    if isinstance(secrets, SecretStore):
        return secrets
    if secrets is None and configmaps is None:
        return None

    def split(value: Any) -> tuple[list[str], dict[str, Mapping[str, Any]]]:
        if value is None:
            return [], {}
        if isinstance(value, Mapping):
            return [], dict(value)
        if isinstance(value, (str, os.PathLike)):
            return [os.fspath(value)], {}
        return [os.fspath(v) for v in value], {}

    spaths, sdata = split(secrets)
    cpaths, cdata = split(configmaps)
    try:
        store = SecretStore.load(spaths, cpaths)
    except SecretsError as exc:
        raise PlaitError(str(exc)) from None
    for name, data in sdata.items():
        store.add_secret(str(name), {str(k): v for k, v in dict(data).items()})
    for name, data in cdata.items():
        store.add_config(str(name), {str(k): v for k, v in dict(data).items()})
    return store


def run(workflow: Any, *, parameters: Mapping[str, Any] | None = None,
        entrypoint: str | None = None, name: str | None = None, backend: str = "local",
        secrets: Any = None, configmaps: Any = None, timeout: float | None = None,
        home: str | os.PathLike | None = None, templates: Iterable[str] = (),
        parallelism: int | None = None, images: Any = None, select: str | None = None,
        sandbox: str = "auto", argo_version: str | None = None) -> Run:
    """Compile `workflow` and run it to the end on `backend`; the finished `Run`.

    - `parameters`, `entrypoint`, `name`, `select`, `templates`, `argo_version`: as
      `plait.compile`.
    - `backend`: `"local"` (pods as sandboxed processes on this machine) or `"container"`
      (each pod's containers run from their images by podman or docker).
    - `secrets`/`configmaps`: a `SecretStore`, paths of Kubernetes Secret/ConfigMap
      manifests, or `{name: {key: value}}`; values are masked in logs and outputs.
    - `timeout`: seconds; a run still going then is terminated (Argo's `terminate`: no exit
      handler), ends Failed and has `timed_out` set.
    - `home`: the plait home holding the store, logs and artifacts (default `$PLAIT_HOME`).

    A failed workflow is a `Run` with `phase == "Failed"`, not an exception. Raises
    `CheckError` when the checks find errors and `PlaitError` for unusable input.
    On the local backend, Hera script templates (`image: python:*`) run with this Python (see
    `runtime.pyscripts`); on the container backend, with their image's.
    """
    if timeout is not None and timeout <= 0:
        raise PlaitError("timeout must be a positive number of seconds")
    try:     # the caps must be sizes and counts (as `plait run` refuses them up front)
        OutputLimits.from_env()
        check_caps()
    except ValueError as exc:
        raise PlaitError(str(exc)) from None
    binds: list[str] = []
    diagnostics: list[Diagnostic]
    if isinstance(workflow, Plan):
        plan, diagnostics = workflow, []
    else:
        source = resolve(workflow, one=True)
        if source.from_objects and backend == "local":
            prepared = prepare([*source.documents])
            templates_prepared = prepare([*source.templates]) if source.templates else None
            source = Source(label=source.label, documents=prepared.documents,
                            templates=templates_prepared.documents if templates_prepared else [],
                            python=source.python, from_objects=True)
            binds = [*prepared.binds, *(templates_prepared.binds if templates_prepared else [])]
        plan, diagnostics = compile_source(source, parameters=parameters, entrypoint=entrypoint,
                                            name=name, select=select, templates=templates,
                                            argo_version=argo_version)
    home_path = ensure_home(Path(home) if home is not None else None)
    store = Store.at(home_path)
    if store.workflow(plan.name) is not None:
        raise PlaitError(f"workflow {plan.name!r} already exists in {home_path}: choose another name")
    secret_store = _secrets(secrets, configmaps)
    if images is not None and not hasattr(images, "lookup"):
        try:
            images = ImageTable.load(os.fspath(images))
        except ImageTableError as exc:
            raise PlaitError(str(exc)) from None
    try:
        # the container backend runs each pod's own image: no image table, sandbox or binds
        local = {} if backend == "container" else {"images": images, "sandbox": sandbox}
        pods = get_backend(backend, home=home_path, secrets=secret_store, parallelism=parallelism,
                           **local, **({"ro_binds": tuple(dict.fromkeys(binds))} if binds else {}))
    except Exception as exc:       # unknown backend, no sandbox where one was required
        raise PlaitError(str(exc)) from None
    result, timed_out = asyncio.run(_run(plan, pods, store, home_path, secret_store,
                                         parallelism, timeout))
    if timed_out:
        result.message = TIMEOUT_MESSAGE.format(timeout)
        store.set_workflow(result.name, result.phase, result.message)
    return Run(result, store=store, home=home_path, plan=plan, diagnostics=diagnostics,
               timed_out=timed_out)


async def _run(plan: Plan, backend: Any, store: Any, home: Path, secrets: Any,
               parallelism: int | None, timeout: float | None) -> tuple[Any, bool]:
    engines: list[Any] = []
    task = asyncio.ensure_future(run_async(plan, backend, store=store, home=home, secrets=secrets,
                                           parallelism=parallelism, engine_ready=engines.append))
    timed_out = False
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            timed_out = True
            for engine in engines:
                engine.terminate()
        return await task, timed_out
    finally:
        await backend.close()


__all__ = ["Artifact", "CheckError", "Outputs", "PlaitError", "Run", "RunNode", "run"]
