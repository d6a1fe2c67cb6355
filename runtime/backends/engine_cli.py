"""The container engine's command line (podman or docker), as the container backend calls it.

plait drives the engine the user already has through its CLI: no API client to install, the
user's own engine configuration (`containers.conf`, `~/.docker/config.json`, contexts) applies
as it does to their own commands. An engine counts only if it answers (`podman info` /
`docker info`): a docker client without a running daemon is no engine.

`find_engine(preferred)` picks one: the one asked for (`--engine`, `[tool.plait] engine`,
`$PLAIT_ENGINE`), else podman, else docker. `NoEngine` says what to install or start.
Every call that fails because the engine itself is unusable (daemon down, permission denied)
raises `EngineError` naming the engine and the command that failed; a call that fails for the
pod's own reasons (an image that cannot be pulled) is left to the caller (`check=False`).
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from typing import Sequence

ENGINES = ("podman", "docker")
ENGINE_ENV = "PLAIT_ENGINE"
PROBE_TIMEOUT = 20.0          # seconds `podman info` may take (its first call sets up storage)
# an engine's words for "the engine itself cannot be used" (not a container's own failure)
_UNUSABLE = re.compile(
    r"cannot connect to the docker daemon|is the docker daemon running|error during connect"
    r"|unable to connect to podman|permission denied while trying to connect"
    r"|(?:docker|podman)\.sock.*(?:permission denied|connection refused|no such file)"
    r"|/(?:var/lib|run)/containers\S*: permission denied", re.IGNORECASE)


class NoEngine(Exception):
    """No container engine answers here (the message says what to install or start)."""


class EngineError(Exception):
    """The engine failed for its own reasons (down, no permission): names engine and command."""


@dataclass(frozen=True)
class Completed:
    """What one engine call gave back."""

    code: int
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.code == 0


class EngineCLI:
    """One container engine's command line: `name` is podman or docker, `path` the binary."""

    def __init__(self, name: str, path: str, version: str = "") -> None:
        self.name, self.path, self.version = name, path, version

    @property
    def is_podman(self) -> bool:
        return self.name == "podman"

    def describe(self) -> str:
        """`podman 4.3.1`: what the run's first progress line shows."""
        return f"{self.name} {self.version}".strip()

    def argv(self, *args: str) -> list[str]:
        return [self.path, *args]

    def command_text(self, args: Sequence[str]) -> str:
        return shlex.join([self.name, *args])

    def failure(self, args: Sequence[str], done: Completed) -> EngineError:
        """The error for a call that failed: the engine, the command and its own words."""
        words = (done.err or done.out).strip().splitlines()
        tail = words[-1] if words else f"exit code {done.code}"
        return EngineError(f"{self.name} failed: `{self.command_text(args)}`: {tail}")

    def unusable(self, done: Completed) -> bool:
        """Whether a failed call failed because the engine itself cannot be used."""
        return self.unusable_text(done.err or "")

    @staticmethod
    def unusable_text(text: str) -> bool:
        """Whether an engine's error text says the engine itself cannot be used."""
        return _UNUSABLE.search(text) is not None

    async def call(self, *args: str, check: bool = True, timeout: float | None = None,
                   stdin: bytes | None = None) -> Completed:
        """Run `<engine> args...` to its end. `check`: a non-zero exit raises EngineError;
        otherwise only an unusable engine (daemon down, permission denied) raises."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv(*args), stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise EngineError(f"{self.name} cannot be started (`{self.command_text(args)}`): "
                              f"{exc.strerror or exc}") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise EngineError(f"{self.name} did not answer within {timeout:g}s: "
                              f"`{self.command_text(args)}`") from None
        except asyncio.CancelledError:
            if proc.returncode is None:
                proc.terminate()      # not SIGKILL: the engine client releases its locks
            raise
        done = Completed(proc.returncode or 0, out.decode("utf-8", "replace"),
                         err.decode("utf-8", "replace"))
        if not done.ok and (check or self.unusable(done)):
            raise self.failure(args, done)
        return done

    def call_sync(self, *args: str, check: bool = True, timeout: float = 60.0) -> Completed:
        """`call` for code outside an event loop (`plait delete`, detection)."""
        try:
            proc = subprocess.run(self.argv(*args), stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout)
        except OSError as exc:
            raise EngineError(f"{self.name} cannot be started (`{self.command_text(args)}`): "
                              f"{exc.strerror or exc}") from None
        except subprocess.TimeoutExpired:
            raise EngineError(f"{self.name} did not answer within {timeout:g}s: "
                              f"`{self.command_text(args)}`") from None
        done = Completed(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                         proc.stderr.decode("utf-8", "replace"))
        if not done.ok and (check or self.unusable(done)):
            raise self.failure(args, done)
        return done


def probe(name: str) -> tuple[EngineCLI | None, str]:
    """(the engine, "") when `name` is on PATH and answers `<name> info`, else (None, why)."""
    path = shutil.which(name)
    if path is None:
        return None, f"{name} is not installed (not on PATH)"
    engine = EngineCLI(name, path)
    fmt = "{{.Version.Version}}" if name == "podman" else "{{.ServerVersion}}"
    try:
        done = engine.call_sync("info", "--format", fmt, check=False, timeout=PROBE_TIMEOUT)
    except EngineError as exc:
        return None, str(exc)
    if not done.ok:
        words = (done.err or done.out).strip().splitlines()
        return None, f"`{name} info` failed: {words[-1] if words else f'exit code {done.code}'}"
    return EngineCLI(name, path, done.out.strip()), ""


def find_engine(preferred: str | None = None) -> EngineCLI:
    """The engine to use: `preferred` (podman or docker) or, with none, podman then docker;
    NoEngine with what to install or start when none answers."""
    if preferred is None:
        preferred = os.environ.get(ENGINE_ENV) or None
    if preferred is not None and preferred not in ENGINES:
        raise ValueError(f"unknown container engine {preferred!r} (known: {', '.join(ENGINES)})")
    reasons, installed = [], False
    for name in [preferred] if preferred else list(ENGINES):
        engine, why = probe(name)
        if engine is not None:
            return engine
        reasons.append(why)
        installed = installed or shutil.which(name) is not None
    fix = ("Start the engine (or let this user use it), " if installed else "") + \
        ("install podman (Debian/Ubuntu: `apt-get install podman`; macOS: `brew install podman "
         "&& podman machine init && podman machine start`) or start the docker daemon, "
         "or use --backend local")
    raise NoEngine("the container backend needs a working container engine: "
                   + "; ".join(r.rstrip(".") for r in reasons) + ". " + fix[0].upper() + fix[1:])


__all__ = ["Completed", "ENGINES", "ENGINE_ENV", "EngineCLI", "EngineError", "NoEngine",
           "find_engine", "probe"]
