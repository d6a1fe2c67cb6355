"""The image table: what a container without `command` runs, as its image would.

Kubernetes runs `command` if given, else the image's Docker ENTRYPOINT; then `args` if given,
else the image's CMD. The local backend pulls no image, so this table supplies ENTRYPOINT and
CMD: a YAML or JSON map

    python:3.12: {entrypoint: [], cmd: [python3]}
    ghcr.io/acme/tool: {entrypoint: [tool], cmd: [--help]}
    docker/whalesay: {entrypoint: [], cmd: [bash], path: [/opt/shims]}

`path` (optional) lists host folders the image has on its PATH (tools the host lacks, such as
test shims): each is bound read-only at the same path in the container and put in front of
the default PATH. `files` (optional) maps a container path to a host file bound read-only
there (`{/argosay: /opt/shims/argosay}`). An entrypoint that names a host file outside the
image folders is bound at its own path (see the local backend's `_shim`).

Sources, each overriding the next image by image: `--images FILE`, `$PLAIT_IMAGES`,
`<home>/images.yaml`, then the built-in entries below. A lookup tries the exact reference,
then the repository without its tag or digest, each also with Docker Hub's implicit
`docker.io/` and `library/` prefixes removed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from .home import IMAGES_FILE, plait_home

# plait's own stand-in for `argoproj/argosay:v2`'s program (its entrypoint, `/argosay`): the
# host file is bound read-only at /argosay in the pod (the `files` key) and run by the host's
# python3 (an installed wheel does not keep the file's x bit); -I keeps the file's folder,
# which holds plait modules such as types.py, off sys.path.
ARGOSAY = Path(__file__).resolve().with_name("argosay.py")
ARGOSAY_PATH = "/argosay"
ARGOSAY_ARGV = ["python3", "-I", ARGOSAY_PATH]



class ImageEntry(TypedDict):
    """One image: Docker's exec-form entrypoint and cmd, host folders put on PATH, and host
    files bound read-only at container paths."""

    entrypoint: list[str]
    cmd: list[str]
    path: NotRequired[list[str]]
    files: NotRequired[dict[str, str]]


# Stand-ins for well-known images: the commands the host provides in their place.
BUILTIN: dict[str, ImageEntry] = {
    "busybox": {"entrypoint": [], "cmd": ["sh"]},
    "alpine": {"entrypoint": [], "cmd": ["/bin/sh"]},
    "python": {"entrypoint": [], "cmd": ["python3"]},
    # The real image's entrypoint is docker-entrypoint.sh, which runs `bash "$@"` for the
    # usual arguments (`-c ...`, a script); plait runs bash directly.
    "bash": {"entrypoint": ["bash"], "cmd": []},
    "debian": {"entrypoint": [], "cmd": ["bash"]},
    "ubuntu": {"entrypoint": [], "cmd": ["bash"]},
    "argoproj/argosay:v2": {"entrypoint": ARGOSAY_ARGV, "cmd": [],
                            "files": {ARGOSAY_PATH: str(ARGOSAY)}},
    # cowsay images have it on PATH; Debian's cowsay package installs it in /usr/games
    "argoproj/argosay:v1": {"entrypoint": [], "cmd": ["cowsay"], "path": ["/usr/games"]},
    "docker/whalesay": {"entrypoint": [], "cmd": ["/bin/bash"], "path": ["/usr/games"]},
    "nginx": {"entrypoint": [], "cmd": ["nginx", "-g", "daemon off;"]},
}

# Commands Argo's example images have under a name the host may lack: the host command used in
# their place when the name itself is not on the container's PATH (python images have `python`,
# Debian/Ubuntu hosts only `python3`; Debian's cowsay package installs outside PATH).
STAND_INS: dict[str, tuple[str, ...]] = {
    "python": ("python3",),
    "cowsay": ("/usr/games/cowsay",),
}

# Programs an image holds that plait provides in their place: container path -> host argv.
IMAGE_FILES: dict[str, dict[str, list[str]]] = {
    "argoproj/argosay:v2": {"/argosay": ARGOSAY_ARGV},
}

_HUB_PREFIXES = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")


class ImageTableError(Exception):
    """An image table file that cannot be used; the message starts with its path
    (the CLI reports it as a usage error, exit 2)."""


def repository(image: str) -> str:
    """`image` without its `:tag` and `@digest` (a registry's `host:port/` is kept)."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def canonical(image: str) -> str:
    """`image` without Docker Hub's implicit prefixes (`docker.io/library/x` -> `x`)."""
    for prefix in _HUB_PREFIXES:
        if image.startswith(prefix):
            image = image[len(prefix):]
            break
    if image.startswith("library/"):
        image = image[len("library/"):]
    return image


def _candidates(image: str) -> list[str]:
    repo = repository(image)
    seen: list[str] = []
    for ref in (image, canonical(image), repo, canonical(repo)):
        if ref not in seen:
            seen.append(ref)
    return seen


class ImageTable:
    """image reference -> {entrypoint, cmd}; see the module docstring for the lookup rules."""

    def __init__(self, entries: dict[str, ImageEntry] | None = None,
                 sources: tuple[str, ...] = ()):
        self._entries: dict[str, ImageEntry] = {}
        self._overlay(entries if entries is not None else BUILTIN)
        self.sources = sources        # the files read, highest precedence first

    def _overlay(self, entries: dict[str, ImageEntry]) -> None:
        # `docker.io/library/python` in a file also answers for `python`; within one layer a
        # key written as such beats another key's short form.
        for image, entry in entries.items():
            self._entries[canonical(image)] = entry
        for image, entry in entries.items():
            self._entries[image] = entry

    @classmethod
    def load(cls, cli_file: str | Path | None = None, *, home: Path | None = None,
             environ: dict[str, str] | None = None) -> "ImageTable":
        """The built-ins overlaid with `<home>/images.yaml`, `$PLAIT_IMAGES` and `cli_file`
        (later wins per image). A named file that is missing or malformed raises
        `ImageTableError`; a missing `<home>/images.yaml` is fine."""
        env = os.environ if environ is None else environ
        files: list[tuple[Path, bool]] = []
        config = (home if home is not None else plait_home()) / IMAGES_FILE
        files.append((config, False))
        if env.get("PLAIT_IMAGES"):
            files.append((Path(env["PLAIT_IMAGES"]).expanduser(), True))
        if cli_file is not None:
            files.append((Path(cli_file), True))
        table = cls()
        read: list[str] = []
        for path, required in files:
            if not required and not path.exists():
                continue
            table._overlay(read_table(path))
            read.append(str(path))
        table.sources = tuple(reversed(read))
        return table

    def lookup(self, image: str) -> ImageEntry | None:
        """`{"entrypoint": [...], "cmd": [...]}` for `image`, or None when unknown."""
        for ref in _candidates(image):
            entry = self._entries.get(ref)
            if entry is not None:
                found: ImageEntry = {"entrypoint": list(entry["entrypoint"]),
                                     "cmd": list(entry["cmd"])}
                if entry.get("path"):
                    found["path"] = list(entry["path"])
                if entry.get("files"):
                    found["files"] = dict(entry["files"])
                return found
        return None

    @staticmethod
    def stand_in(command: str, path: str | None, image: str = "") -> list[str]:
        """The argv that runs `command` here: `[command]`, or what stands in for it, a program
        `image` holds at that path (`IMAGE_FILES`: argosay's `/argosay`) or a host command of
        another name (`STAND_INS`), each only when `command` itself is not on the host."""
        if "/" in command:
            if not os.path.exists(command):
                for ref in _candidates(image):
                    if command in IMAGE_FILES.get(ref, {}):
                        return list(IMAGE_FILES[ref][command])
            return [command]
        if not shutil.which(command, path=path):
            for other in STAND_INS.get(command, ()):
                if shutil.which(other, path=path):
                    return [other]
        return [command]

    def __contains__(self, image: str) -> bool:
        return self.lookup(image) is not None


def read_table(path: Path) -> dict[str, ImageEntry]:
    """Read one image table file (YAML or JSON), checking its shape."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImageTableError(f"{path}: cannot read image table: {exc}") from None
    try:
        data: Any = YAML(typ="safe", pure=False).load(text)
    except YAMLError as exc:
        raise ImageTableError(f"{path}: image table is not valid YAML/JSON: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ImageTableError(f"{path}: an image table maps image -> {{entrypoint: [...], "
                              "cmd: [...]}")
    table: dict[str, ImageEntry] = {}
    for image, entry in data.items():
        if not isinstance(image, str) or not image:
            raise ImageTableError(f"{path}: image names must be strings, got {image!r}")
        if not isinstance(entry, dict):
            raise ImageTableError(f"{path}: {image}: expected {{entrypoint: [...], cmd: [...]}}")
        unknown = set(entry) - {"entrypoint", "cmd", "path", "files"}
        if unknown:
            keys = ", ".join(sorted(map(str, unknown)))
            raise ImageTableError(f"{path}: {image}: unknown key(s) {keys} "
                                  "(only entrypoint, cmd, path and files)")
        files = entry.get("files") or {}
        if not isinstance(files, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k.startswith("/") and v.startswith("/")
                for k, v in files.items()):
            raise ImageTableError(f"{path}: {image}: files maps absolute container paths to "
                                  "absolute host files")
        lists: dict[str, list[str]] = {}
        for key in ("entrypoint", "cmd", "path"):
            value = entry.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ImageTableError(f"{path}: {image}: {key} must be a list of strings "
                                      "(Docker's exec form, e.g. [\"python3\", \"-u\"])")
            if key == "path" and not all(v.startswith("/") for v in value):
                raise ImageTableError(f"{path}: {image}: path lists absolute host folders")
            if value or key != "path":
                lists[key] = list(value)
        clean: ImageEntry = {"entrypoint": lists["entrypoint"], "cmd": lists["cmd"]}
        if "path" in lists:
            clean["path"] = lists["path"]
        if files:
            clean["files"] = dict(files)
        table[image] = clean
    return table
