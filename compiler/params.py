"""Workflow arguments given outside the file: `-p name=value` and `--parameter-file`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .diagnostics import Message, Span
from .source import load_text


class ParameterUsageError(Exception):
    """A malformed `-p` (exit 2)."""


@dataclass(frozen=True)
class ParameterFileNotMap(Message):
    """What: the `--parameter-file` is not a YAML/JSON map of names to values.

    Why: like `argo submit --parameter-file`, plait reads `name: value` pairs.
    Fix: write the file as a map, e.g. `message: hello` on one line per parameter.
    """

    code = "PL120"
    hint = "write one `name: value` pair per parameter"
    what: str = ""

    def text(self) -> str:
        return f"parameter file must be a map of name: value, got {self.what}"


def parse_cli_parameters(items: list[str]) -> dict[str, str]:
    """`-p name=value` pairs, split at the first `=` as argo does."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterUsageError(f"-p expects name=value, got {item!r}")
        out[name.strip()] = value
    return out


def as_parameter_value(value: Any) -> str:
    """Argo keeps non-string values of a parameter file as their JSON text."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def gather_parameters(cli: dict[str, str] | None, parameter_file: str | None
                      ) -> tuple[dict[str, str] | None, dict[str, str], list[Message]]:
    """`-p` values and `--parameter-file` values (a name in both is a ParameterUsageError, as
    argo refuses it), where each came from, and the file's findings. None when neither was
    given (checks then treat arguments as lint does)."""
    sources = {name: "-p" for name in cli or {}}
    if not parameter_file:
        return cli, sources, []
    from_file, messages = load_parameter_file(parameter_file)
    if from_file is None:
        return cli, sources, messages
    both = sorted(set(from_file) & set(cli or {}))
    if both:   # argo appends the file's parameters after -p's: a name in both is not unique
        raise ParameterUsageError(
            f"parameter {both[0]!r} is given by -p and by --parameter-file {parameter_file}: "
            f"argo refuses a duplicate name (give it once)")
    for name in from_file:
        sources.setdefault(name, f"--parameter-file {parameter_file}")
    return {**from_file, **(cli or {})}, sources, messages


def load_parameter_file(path: str) -> tuple[dict[str, str] | None, list[Message]]:
    """Read a YAML/JSON parameter file; a file that is not a map is a positioned finding."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterUsageError(f"cannot read parameter file {path}: {exc}") from None
    loaded = load_text(text, path)
    if loaded.messages:
        return None, list(loaded.messages)
    try:
        data = YAML(typ="safe", pure=False).load(text)
    except YAMLError as exc:  # load_text has already reported syntax; this is a backstop
        return None, [ParameterFileNotMap(Span(path, 1, 1, 1, 2), what=str(exc))]
    if not isinstance(data, dict):
        what = "nothing" if data is None else type(data).__name__.replace("str", "a string").replace("list", "a list")
        return None, [ParameterFileNotMap(Span(path, 1, 1, 1, 2), what=what)]
    return {str(k): as_parameter_value(v) for k, v in data.items()}, []


__all__ = ["ParameterFileNotMap", "ParameterUsageError", "as_parameter_value",
           "load_parameter_file", "parse_cli_parameters"]
