"""A FakeBackend: runs Pod manifests in memory, scripted per node name.

Rules map an fnmatch pattern over the node name (`*.flip`, `wf[0].hello(0:*)`) to a
`Behaviour` or to a function `FakePod -> Behaviour`; the first match wins, else
`default`. The backend records every manifest it started, the peak number of pods running
at once, and which pods were killed.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from plait.runtime.types import Phase, PodResult


@dataclass
class Behaviour:
    exit_code: int = 0
    stdout: str = ""
    files: dict[str, str | None] = field(default_factory=dict)   # container path -> content
    delay: float = 0.0
    message: str | None = None
    phase: Phase | None = None
    ready_delay: float = 0.0
    ip: str = "10.0.0.7"
    start_error: str | None = None


@dataclass
class FakePod:
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return self.manifest["metadata"]["name"]

    @property
    def node_name(self) -> str:
        return self.manifest["metadata"]["annotations"]["workflows.argoproj.io/node-name"]

    @property
    def main(self) -> dict[str, Any]:
        return self.manifest["spec"]["containers"][0]

    @property
    def args(self) -> list[str]:
        return list(self.main.get("args") or [])

    @property
    def text(self) -> str:
        """Everything main would run: command, args, script source."""
        script = self.manifest["metadata"]["annotations"].get("plait.dev/script")
        src = json.loads(script)["source"] if script else ""
        return " ".join(list(self.main.get("command") or []) + self.args) + "\n" + src

    @property
    def env(self) -> dict[str, str]:
        return {e["name"]: e.get("value", "") for e in self.main.get("env") or []}

    @property
    def inputs(self) -> list[dict[str, Any]]:
        """The staged input artifacts: `[{path, source (a host path), mode?}]`."""
        return json.loads(self.manifest["metadata"]["annotations"].get("plait.dev/inputs", "[]"))

    @property
    def deadline(self) -> int | None:
        return self.manifest["spec"].get("activeDeadlineSeconds")


class FakeHandle:
    def __init__(self, backend: "FakeBackend", pod: FakePod, b: Behaviour, log: Any) -> None:
        self.backend, self.pod, self.b, self.log = backend, pod, b, log
        self.ip = b.ip
        self.on_pending: Callable[[str | None], None] | None = None    # set by the engine
        self._killed: str | None = None
        self._kill = asyncio.Event()
        self._result: PodResult | None = None
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> PodResult:
        b = self.b
        self.backend.running += 1
        self.backend.peak = max(self.backend.peak, self.backend.running)
        try:
            deadline = self.pod.deadline
            wait = b.delay
            timed_out = deadline is not None and wait > deadline
            if timed_out:
                wait = float(deadline)
            if wait > 0:
                try:
                    await asyncio.wait_for(self._kill.wait(), wait)
                except asyncio.TimeoutError:
                    pass
            if self._killed is not None:
                return PodResult(Phase.FAILED, 137, f"killed: {self._killed}", None, {})
            if timed_out:
                return PodResult(Phase.FAILED, None,
                                 "Pod was active on the node longer than the specified deadline")
            for line in b.stdout.splitlines():
                self.log("main", line)
            files: dict[str, str | None] = {}
            wanted = json.loads(self.pod.manifest["metadata"]["annotations"].get(
                "plait.dev/outputs", "[]"))
            for o in wanted:
                content = b.files.get(o["path"])
                if content is None:
                    files[o["path"]] = None
                else:
                    fd, path = tempfile.mkstemp(dir=self.backend.tmp)
                    with os.fdopen(fd, "w") as f:
                        f.write(content)
                    files[o["path"]] = path
            result = b.stdout[:-1] if b.stdout.endswith("\n") else b.stdout
            phase = b.phase or (Phase.SUCCEEDED if b.exit_code == 0 else Phase.FAILED)
            msg = b.message if b.message is not None else (
                "" if phase is Phase.SUCCEEDED else f"Error (exit code {b.exit_code})")
            return PodResult(phase, b.exit_code, msg, result, files)
        finally:
            self.backend.running -= 1

    async def ready(self) -> None:
        if self.b.ready_delay:
            await asyncio.sleep(self.b.ready_delay)

    async def wait(self) -> PodResult:
        return await asyncio.shield(self._task)

    async def kill(self, reason: str) -> None:
        if self._killed is None and not self._task.done():
            self._killed = reason
            self.backend.killed.append(self.pod.node_name)
            self._kill.set()
        await asyncio.wait((self._task,))

    def cleanup(self) -> None:
        self.backend.cleaned.append(self.pod.node_name)


class FakeBackend:
    """An in-memory Backend (runtime.types.Backend)."""

    name = "fake"
    sandbox: str | None = None
    engine_name: str | None = None
    unenforced: tuple[str, ...] = ()
    options: dict[str, Any] | None = None
    run_resource: Any = None            # resource templates end in Error, as on `local`

    def __init__(self, rules: dict[str, Behaviour | Callable[[FakePod], Behaviour]] | None = None,
                 default: Behaviour | None = None, tmp: Path | None = None) -> None:
        self.rules = dict(rules or {})
        self.default = default or Behaviour()
        self.tmp = str(tmp or tempfile.mkdtemp(prefix="plait-fake-"))
        self.pods: list[FakePod] = []
        self.running = 0
        self.peak = 0
        self.killed: list[str] = []
        self.cleaned: list[str] = []          # node names whose pods the engine let go
        self.handles: list[FakeHandle] = []

    def behaviour(self, pod: FakePod) -> Behaviour:
        for pattern, rule in self.rules.items():
            if fnmatch.fnmatchcase(pod.node_name, pattern):
                return rule(pod) if callable(rule) else rule
        return self.default

    async def start(self, manifest: dict[str, Any], log: Any) -> FakeHandle:
        pod = FakePod(manifest)
        b = self.behaviour(pod)
        if b.start_error:
            raise RuntimeError(b.start_error)
        self.pods.append(pod)
        h = FakeHandle(self, pod, b, log)
        self.handles.append(h)
        return h

    async def close(self) -> None:
        for h in self.handles:
            await h.kill("closed")

    def started(self) -> list[str]:
        """Node names of the pods started, in order."""
        return [p.node_name for p in self.pods]


def echo(pod: FakePod) -> Behaviour:
    """`sh -c 'echo "text"'` as the fake understands it: prints the echoed text."""
    script = pod.args[-1] if pod.args else ""
    text = script.strip()
    if text.startswith("echo "):
        text = text[5:].strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1]
        return Behaviour(stdout=text + "\n")
    return Behaviour()


def cat_inputs(pod: FakePod) -> Behaviour:
    """Prints each staged input artifact (a file) as `<path>=<content>`, one per line."""
    lines = []
    for i in pod.inputs:
        with open(i["source"], encoding="utf-8") as f:
            lines.append(f"{i['path']}={f.read()}")
    return Behaviour(stdout="\n".join(lines) + "\n")


def started_count(backend: "FakeBackend") -> dict[str, int]:
    """How often each node's pod was started."""
    out: dict[str, int] = {}
    for n in backend.started():
        out[n] = out.get(n, 0) + 1
    return out


__all__ = ["Behaviour", "FakeBackend", "FakePod", "cat_inputs", "echo", "started_count"]
