"""Running one conformance case: `plait run -o json` as a subprocess (real processes, a private
PLAIT_HOME, no image table file: argosay, python and busybox-style commands come from plait's
built-in image table and the host's system folders), then `plait logs`. Cases that need a
host tool an image has (cowsay for conditionals.yaml's argosay:v1 step) skip without it."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..conftest import EXAMPLES
from .expectations import Case

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"    # a container's
@lru_cache(maxsize=None)
def bwrap_works() -> bool:
    """bubblewrap installed and allowed to create namespaces here."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False
    probe = subprocess.run([exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                            "--unshare-pid", "true"], capture_output=True)
    return probe.returncode == 0



def environment(home: Path) -> dict[str, str]:
    """The plait process's environment: this one's (with the tests' CONTAINERS_CONF, when a
    container test asked for the engine), the system PATH and a private PLAIT_HOME."""
    env = dict(os.environ)
    env["PATH"] = SYSTEM_PATH
    env["PLAIT_HOME"] = str(home)
    env.pop("PLAIT_IMAGES", None)
    env["NO_COLOR"] = "1"
    return env


@dataclass
class Run:
    name: str
    code: int
    doc: dict[str, Any]
    stdout: str
    stderr: str
    seconds: float
    home: Path
    env: dict[str, str]
    unique: str

    @property
    def nodes(self) -> dict[str, dict[str, Any]]:
        """status.nodes keyed by name relative to the workflow ("" = root, "[0].a", ".A")."""
        out = {}
        for node in self.doc["status"]["nodes"].values():
            name = node["name"]
            out[name[len(self.name):] if name.startswith(self.name) else name] = node
        return out

    def logs(self, rel: str, container: str = "main") -> str:
        argv = [sys.executable, "-m", "plait", "logs", self.name, self.name + rel]
        if container != "main":
            argv += ["-c", container]
        proc = subprocess.run(argv, capture_output=True, text=True, env=self.env, cwd=ROOT, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout


def example_path(case: Case) -> Path:
    kind, _, rest = case.example.partition("/")
    return (EXAMPLES if kind == "examples" else HERE / "variants") / rest


def run_case(case: Case, home: Path, backend: str = "local") -> Run:
    name = f"{case.id}-t"[:50].lower()          # --name must be a Kubernetes name
    unique = str(random.randrange(10**6, 10**7))
    args = [a.replace("{conformance}", str(HERE)).replace("{unique}", unique) for a in case.args]
    argv = [sys.executable, "-m", "plait", "run", "-o", "json", "--name", name,
            *(["--backend", backend] if backend != "local" else []), *args, str(example_path(case))]
    env = environment(home)
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=case.timeout)
    seconds = time.monotonic() - started
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"stdout is not JSON (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n"
                             f"stderr:\n{proc.stderr[-4000:]}") from None
    return Run(name, proc.returncode, doc, proc.stdout, proc.stderr, seconds, home, env, unique)
