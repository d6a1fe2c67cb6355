"""Container engines and locally built images, for the tests of the `container` backend.

There is no image registry here, so the tests build their own images and tag them under the
names Argo's workflows use:

- `busybox` (also `busybox:latest`, and `alpine:3.23`/`alpine` as an alpine stand-in: busybox is
  what alpine's shell tools are): Debian's static `/bin/busybox` with one RELATIVE symlink per
  applet (absolute ones would point at the host's files when the tar is unpacked anywhere but
  `/`), `/etc/passwd`, `/etc/group` and a 1777 `/tmp`. About a second to build.
- `python:3.12` (also `python:3`, `python:alpine3.23`, and `python:3.10`, the image Hera gives
  a script by default: `hera.shared.global_config.image`): a minimal Debian bookworm with python3
  (and `python`, as the real images have it), made by `mmdebstrap` (about 30-75 s; 3 minutes
  on a loaded machine). Built lazily, only when a test asks for it. Its tarball
  is cached in `cache_dir()` under a name holding the day, so a day's test runs build it once
  and the next day's pick up Debian's security updates.
  It also holds Debian's cowsay, for:
- `argoproj/argosay:v2`: the python image plus plait's built-in argosay (`runtime/argosay.py`,
  which mirrors Argo's Go program) as its entrypoint `/argosay`, as the real image has it; and
  `argoproj/argosay:v1`: the python image running `cowsay` (from /usr/games), as v1 does.

Every image carries a label with a digest of what it was built from (`plait.test.key`): a
builder that finds its names already holding an image with its key reuses it instead of
building again, so the images are built at most once per test run (and across runs while their
inputs stay the same), and a lock file makes parallel workers (pytest -n) and parallel test runs
on one machine wait for one builder instead of racing.

The engine: podman (preferred) or docker, counted only if it answers (`podman info`); the docker
client alone, with no daemon, does not count. podman on these machines needs a containers.conf
with `runtime = "runc"` (crun fails on hybrid cgroups) and no default ulimits (setrlimit is not
permitted): `containers_conf()` writes one, and the `container_engine` fixture points
CONTAINERS_CONF at it for the test process and every plait process it starts. That is the test
environment's configuration only: plait itself leaves a user's engine configured as the user
has it. The fixture also sets PLAIT_TEST_PULL_POLICY=Never (the container backend's test-only
switch), so no pod reaches for a registry: a workflow's `busybox` (tag latest: pull Always, as
in Kubernetes) runs the image built here. Without a working engine these tests skip, saying
why; under CI=true (CI installs podman) they fail instead.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARGOSAY = ROOT / "runtime" / "argosay.py"
BUSYBOX = Path("/bin/busybox")              # Debian's busybox-static: needs no libraries
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CONTAINERS_CONF = '[engine]\nruntime = "runc"\n\n[containers]\ndefault_ulimits = []\n'
KEY_LABEL = "plait.test.key"
RECIPE = "3"                                # bump to rebuild every image after a recipe change

BUSYBOX_TAGS = ("busybox", "busybox:latest", "alpine:3.23", "alpine")
PYTHON_TAGS = ("python:3.12", "python:3", "python:alpine3.23", "python:3.10")  # 3.10: Hera's default
ARGOSAY_TAGS = ("argoproj/argosay:v2",)
ARGOSAY_V1_TAGS = ("argoproj/argosay:v1",)
PYTHON_HERA_TAGS = ("python-hera:3.11",)
HERA_MODULE = ("tests/__init__.py", "tests/hera/__init__.py", "tests/hera/workflows.py")
IMAGE_SITE = "/usr/local/lib/python3.11/dist-packages"     # on Debian python3's sys.path
TEST_PULL_POLICY = {"PLAIT_TEST_PULL_POLICY": "Never"}   # the container backend's test switch
PYTHON_SUITE = "bookworm"
PYTHON_PACKAGES = ("python3", "python-is-python3", "cowsay")


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def need(ok: bool, reason: str) -> None:
    """Skip the calling test with `reason` unless `ok`; under CI=true, fail it instead."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true installs it, so this is a failure)", pytrace=False)
    pytest.skip(reason)


def cache_dir() -> Path:
    """Where built image tarballs and the containers.conf live: `$PLAIT_TEST_CACHE`, else
    `$XDG_CACHE_HOME/plait-tests` (`~/.cache/plait-tests`). A folder of the user's own, not a
    shared /tmp, so no other user can plant a file the tests would import as an image."""
    configured = os.environ.get("PLAIT_TEST_CACHE")
    base = Path(configured) if configured else (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "plait-tests")
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base


def containers_conf() -> Path:
    """The containers.conf the tests point CONTAINERS_CONF at (written if missing or different)."""
    path = cache_dir() / "containers.conf"
    if not path.is_file() or path.read_text() != CONTAINERS_CONF:
        _write_atomically(path, CONTAINERS_CONF.encode())
    return path


def engine_env() -> dict[str, str]:
    """This process's environment with CONTAINERS_CONF set: for engine commands run by tests."""
    return {**os.environ, "CONTAINERS_CONF": str(containers_conf())}


@lru_cache(maxsize=None)
def probe() -> tuple[str | None, str]:
    """(the working engine, "") or (None, why none works). Podman first, as plait prefers it."""
    reasons = []
    for name in ("podman", "docker"):
        exe = shutil.which(name)
        if exe is None:
            reasons.append(f"{name} is not on PATH")
            continue
        try:
            proc = subprocess.run([exe, "info"], capture_output=True, text=True, timeout=60,
                                  env=engine_env())
        except subprocess.TimeoutExpired:
            reasons.append(f"`{name} info` did not answer within 60 s")
            continue
        if proc.returncode == 0:
            return name, ""
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        reasons.append(f"`{name} info` failed: {last}")
    return None, ("no working container engine (" + "; ".join(reasons)
                  + "); install one: apt-get install podman runc")


def engine() -> str | None:
    """"podman" or "docker", whichever answers (podman preferred), or None: see `why_no_engine`."""
    return probe()[0]


def why_no_engine() -> str:
    return probe()[1]


def engine_call(*args: str, timeout: float = 600,
                stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """`ENGINE ARGS...` with the tests' containers.conf, its output captured."""
    name = engine()
    assert name is not None, why_no_engine()
    return subprocess.run([name, *args], input=stdin, capture_output=True, timeout=timeout,
                          env=engine_env())


def run_engine(*args: str, timeout: float = 600, stdin: bytes | None = None) -> str:
    """`ENGINE ARGS...`'s stdout; a failure raises with the command and the engine's message."""
    proc = engine_call(*args, timeout=timeout, stdin=stdin)
    if proc.returncode != 0:
        raise RuntimeError(f"`{engine()} {' '.join(args)}` failed ({proc.returncode}): "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode(errors="replace")


# ---------------------------------------------------------------------------- building images

@dataclass(frozen=True)
class Image:
    """A locally built test image: the tags it answers to, and how long this run spent on it
    (0.0 when an earlier run's image was still there)."""
    tags: tuple[str, ...]
    key: str
    seconds: float

    @property
    def name(self) -> str:
        return self.tags[0]


def busybox_image() -> Image:
    need(BUSYBOX.is_file(), f"{BUSYBOX} not found: install Debian's busybox-static")
    key = _digest(RECIPE, "busybox", BUSYBOX.read_bytes())
    return _ensure(BUSYBOX_TAGS, key, lambda: _import(_busybox_tar(), BUSYBOX_TAGS[0], key))


def python_image() -> Image:
    need(shutil.which("mmdebstrap") is not None, "mmdebstrap not found: install Debian's mmdebstrap")
    today = datetime.date.today().isoformat()
    key = _digest(RECIPE, "python", PYTHON_SUITE, *PYTHON_PACKAGES, today)

    def build() -> None:
        tarball = cache_dir() / f"python-{PYTHON_SUITE}-{today}-{key[:12]}.tar"
        if not tarball.is_file():
            _mmdebstrap(tarball)
            for old in cache_dir().glob("python-*.tar"):     # earlier days' tarballs
                if f"-{today}-" not in old.name:
                    old.unlink(missing_ok=True)
        _import(tarball.read_bytes(), PYTHON_TAGS[0], key, cmd='["python3"]')
    return _ensure(PYTHON_TAGS, key, build)


def argosay_image(python: Image) -> Image:
    """argosay:v2 on top of `python` (whose key is part of this one's, so it follows it)."""
    source = ARGOSAY.read_bytes()
    key = _digest(RECIPE, "argosay", python.key, source)
    files = {"argosay": (source, 0o755)}
    steps = 'COPY argosay /argosay\nENTRYPOINT ["/argosay"]\n'
    return _ensure(ARGOSAY_TAGS, key, lambda: _build(python, ARGOSAY_TAGS[0], key, steps, files))


def argosay_v1_image(python: Image) -> Image:
    """argosay:v1: cowsay (in the python image's /usr/games) as its command, no entrypoint."""
    key = _digest(RECIPE, "argosay-v1", python.key)
    steps = f'ENV PATH={SYSTEM_PATH}:/usr/games\nCMD ["cowsay"]\n'
    return _ensure(ARGOSAY_V1_TAGS, key, lambda: _build(python, ARGOSAY_V1_TAGS[0], key, steps, {}))


def python_hera_image(python: Image) -> Image:
    """`python-hera:3.11`: the python image with this environment's Hera and everything it
    needs (copied from site-packages, as `pip install hera` would put them; no registry here)
    and the tests' Hera module (tests/hera/workflows.py) under /app on PYTHONPATH, as a user
    builds an image for Hera's runner scripts (`constructor="runner"`)."""
    if sys.version_info[:2] != (3, 11):     # not a missing tool: skipped under CI=true too
        pytest.skip("the python image's Python is 3.11: Hera's compiled dependencies "
                    f"(pydantic-core) of this Python {sys.version_info[0]}.{sys.version_info[1]} "
                    "would not load in it")
    files = {f"site/{name}": data for name, data in _distribution_files("hera").items()}
    files.update({f"app/{name}": ((ROOT / name).read_bytes(), 0o644) for name in HERA_MODULE})
    key = _digest(RECIPE, "python-hera", python.key,
                  *(part for name in sorted(files) for part in (name, files[name][0])))
    steps = f"COPY site/ {IMAGE_SITE}/\nCOPY app/ /app/\nENV PYTHONPATH=/app\n"
    return _ensure(PYTHON_HERA_TAGS, key,
                   lambda: _build(python, PYTHON_HERA_TAGS[0], key, steps, files))


def _distribution_files(name: str) -> dict[str, tuple[bytes, int]]:
    """The installed files (relative to site-packages) of distribution `name` and of every
    distribution it requires, without extras."""
    from importlib import metadata

    from packaging.requirements import Requirement
    files: dict[str, tuple[bytes, int]] = {}
    todo, seen = [name], set()
    while todo:
        dist = metadata.distribution(todo.pop())
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        for requirement in map(Requirement, dist.requires or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
        for entry in dist.files or []:
            if entry.parts[0] != ".." and "__pycache__" not in entry.parts:
                files[str(entry)] = (Path(str(dist.locate_file(entry))).read_bytes(), 0o644)
    return files


def _build(base: Image, tag: str, key: str, steps: str, files: dict[str, tuple[bytes, int]]) -> None:
    """`ENGINE build` of `FROM base` plus `steps`, with `files` (name -> bytes, mode) beside it."""
    with tempfile.TemporaryDirectory(prefix="plait-image-") as folder:
        context = Path(folder)
        for name, (data, mode) in files.items():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            (context / name).write_bytes(data)
            (context / name).chmod(mode)
        (context / "Containerfile").write_text(
            f"FROM {_local_name(base.name)}\n{steps}LABEL {KEY_LABEL}={key}\n")
        pull = "--pull=never" if engine() == "podman" else "--pull=false"
        run_engine("build", pull, "-q", "-t", tag, "-f", str(context / "Containerfile"), str(context))


def _ensure(tags: tuple[str, ...], key: str, build: Callable[[], None]) -> Image:
    """The image `key` under every name in `tags`: reused if the first name already holds it,
    else built (by one process at a time, machine-wide) and tagged with all of them."""
    started = time.monotonic()
    with _lock(f"build-{tags[0].replace('/', '_').replace(':', '_')}"):
        if _label(tags[0]) != key:
            old = {image_id for image_id in map(_image_id, tags) if image_id}
            build()
            for tag in tags[1:]:
                run_engine("tag", tags[0], tag)
            for image_id in old:       # the replaced image, unless something still uses it
                engine_call("rmi", image_id)
        else:
            for tag in tags[1:]:
                if _image_id(tag) != _image_id(tags[0]):
                    run_engine("tag", tags[0], tag)
        return Image(tags, key, time.monotonic() - started)


def _label(name: str) -> str | None:
    try:
        out = run_engine("image", "inspect", "--format", "{{json .Config.Labels}}", name)
    except RuntimeError:
        return None
    labels = json.loads(out or "null") or {}
    return labels.get(KEY_LABEL)


def _image_id(name: str) -> str | None:
    try:
        return run_engine("image", "inspect", "--format", "{{.Id}}", name).strip() or None
    except RuntimeError:
        return None


def _local_name(tag: str) -> str:
    """How a Containerfile names a locally imported image: podman files it under localhost/."""
    return f"localhost/{tag}" if engine() == "podman" and "/" not in tag else tag


def _import(tar: bytes, tag: str, key: str, cmd: str | None = None) -> None:
    changes = ["--change", f"ENV PATH={SYSTEM_PATH}", "--change", f"LABEL {KEY_LABEL}={key}"]
    if cmd:
        changes += ["--change", f"CMD {cmd}"]
    run_engine("import", *changes, "-", tag, stdin=tar)


def _busybox_tar() -> bytes:
    """A root filesystem of busybox alone: its applets as relative symlinks to /bin/busybox."""
    listing = subprocess.run([str(BUSYBOX), "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folders = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "tmp", "var",
                   "home", "dev", "proc", "sys"}
        folders |= {os.path.dirname(applet) for applet in listing}
        for folder in sorted(folders - {""}):
            tar.addfile(_entry(folder, tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755))
        binary = BUSYBOX.read_bytes()
        tar.addfile(_entry("bin/busybox", tarfile.REGTYPE, 0o755, size=len(binary)),
                    io.BytesIO(binary))
        for applet in sorted(set(listing) - {"bin/busybox"}):
            link = _entry(applet, tarfile.SYMTYPE, 0o777)
            link.linkname = os.path.relpath("bin/busybox", os.path.dirname(applet))
            tar.addfile(link)
        for name, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
                           ("etc/group", "root:x:0:\nnogroup:x:65534:\n")):
            data = text.encode()
            tar.addfile(_entry(name, tarfile.REGTYPE, 0o644, size=len(data)), io.BytesIO(data))
    return buffer.getvalue()


def _entry(name: str, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.mtime = kind, mode, size, 0
    return info


def _mmdebstrap(target: Path) -> None:
    """A minimal Debian (`essential` variant: no apt) with python3, as a tarball at `target`
    (written beside it first, then renamed, so a half-built tarball is never picked up)."""
    partial = target.with_suffix(".partial.tar")
    no_docs = [f"--dpkgopt=path-exclude=/usr/share/{d}/*" for d in ("doc", "man", "locale", "info")]
    proc = subprocess.run(["mmdebstrap", "--quiet", "--variant=essential",
                           "--include=" + ",".join(PYTHON_PACKAGES), *no_docs,
                           PYTHON_SUITE, str(partial)], capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"mmdebstrap failed ({proc.returncode}): {proc.stderr[-2000:]}")
    partial.replace(target)


@contextmanager
def _lock(name: str) -> Iterator[None]:
    with open(cache_dir() / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_bytes(data)
    partial.replace(path)


def _digest(*parts: str | bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part if isinstance(part, bytes) else part.encode())
        sha.update(b"\0")
    return sha.hexdigest()


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def container_engine() -> Iterator[str]:
    """The working engine's name, with CONTAINERS_CONF (and the test pull policy Never) set for
    this process and the plait processes it starts. Skips (fails under CI=true) when no engine
    answers."""
    name = engine()
    need(name is not None, why_no_engine())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONTAINERS_CONF", str(containers_conf()))
        for key, value in TEST_PULL_POLICY.items():
            patch.setenv(key, value)
        yield name or ""


@pytest.fixture(scope="session")
def busybox_img(container_engine) -> Image:
    return busybox_image()


@pytest.fixture(scope="session")
def python_img(container_engine) -> Image:
    return python_image()


@pytest.fixture(scope="session")
def argosay_img(python_img) -> Image:
    return argosay_image(python_img)


@pytest.fixture(scope="session")
def argosay_v1_img(python_img) -> Image:
    return argosay_v1_image(python_img)


@pytest.fixture(scope="session")
def python_hera_img(python_img) -> Image:
    return python_hera_image(python_img)


@pytest.fixture(scope="session")
def workflow_images(busybox_img, python_img, argosay_img, argosay_v1_img) -> tuple[Image, ...]:
    """Every image the conformance cases name, for tests that run whole workflows."""
    return busybox_img, python_img, argosay_img, argosay_v1_img
