"""User configuration (`[tool.plait]` or `.plait.toml`) and inline suppressions."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .argo_version import DEFAULT, Version, parse_version
from .diagnostics import Severity
from .names import suggest


class ConfigError(Exception):
    """A configuration file that cannot be used (a usage error, exit 2)."""


@dataclass
class Config:
    disable: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    path: str | None = None
    argo_version: Version = DEFAULT         # `argo-version = "3.7"`; --argo-version overrides
    backend: str | None = None              # `backend = "container"`; --backend overrides
    engine: str | None = None               # `engine = "podman"`; --engine overrides


def find_config(start: Path | None = None) -> Config:
    """The nearest `.plait.toml`, or `pyproject.toml` with a `[tool.plait]` table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        dot = folder / ".plait.toml"
        if dot.is_file():
            return _parse(dot, _read(dot))
        py = folder / "pyproject.toml"
        if py.is_file():
            table = _read(py).get("tool", {}).get("plait")
            if table is not None:
                return _parse(py, table)
    return Config()


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None


# the keys a configuration file may set; a misspelt one is an error, not silently nothing
KEYS = ("disable", "severity", "argo-version", "backend", "engine")


def _parse(path: Path, table: dict) -> Config:
    if "tool" in table and path.name == ".plait.toml":
        table = table.get("tool", {}).get("plait", table)
    for key in table:
        if key == "sandbox":    # a repository's file must never turn a pod's isolation off
            raise ConfigError(f"{path}: 'sandbox' cannot be set in a configuration file (the "
                              "sandbox is chosen per run: --sandbox)")
        if key not in KEYS:
            meant = suggest(str(key), KEYS)
            raise ConfigError(f"{path}: unknown key {key!r}"
                              + (f" (did you mean {meant!r}?)" if meant else "")
                              + f"; plait reads {', '.join(KEYS)}")
    disable = table.get("disable", [])
    severity = table.get("severity", {})
    if not isinstance(disable, list) or not all(isinstance(c, str) for c in disable):
        raise ConfigError(f"{path}: 'disable' must be a list of codes such as [\"PL501\"]")
    if not isinstance(severity, dict):
        raise ConfigError(f"{path}: 'severity' must be a table such as {{PL502 = \"error\"}}")
    levels = {}
    for code, level in severity.items():
        try:
            levels[code] = Severity(level)
        except ValueError:
            raise ConfigError(f"{path}: severity of {code} must be error, warning or info, "
                              f"not {level!r}") from None
    version = table.get("argo-version", None)
    try:
        argo_version = DEFAULT if version is None else parse_version(str(version))
    except ValueError as exc:
        raise ConfigError(f"{path}: argo-version: {exc}") from None
    run = {}
    for key, known in (("backend", ("local", "container")), ("engine", ("podman", "docker"))):
        value = table.get(key)
        if value is not None and value not in known:
            raise ConfigError(f"{path}: {key} must be one of {', '.join(known)}, not {value!r}")
        run[key] = value
    return Config(frozenset(disable), levels, str(path), argo_version, **run)


_IGNORE = re.compile(r"#\s*plait:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?")


def suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """Line (1-based) -> codes ignored there (None = all), from `# plait: ignore[...]`.

    A comment applies to its own line and to the line below it.
    """
    found: dict[int, frozenset[str] | None] = {}
    if "plait:" not in text:
        return found
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _IGNORE.search(line)
        if not m:
            continue
        codes = None if m.group(1) is None else frozenset(
            c.strip().upper() for c in m.group(1).split(",") if c.strip())
        for target in (lineno, lineno + 1):
            old = found.get(target, frozenset())
            found[target] = None if codes is None or old is None else old | codes
    return found
