"""Size caps on workflow data: what a pod's output may make the engine (or the checker) do.

A pod's output is data: it may be parsed as JSON (`withParam`, `fromJSON`, aggregated loop
outputs), turned into a loop (`withParam`, `withSequence`) or passed to another pod. These
caps keep such data from exhausting the engine's stack, memory or store: beyond a cap the
node that consumes the data fails with a message naming the cap, and the run ends normally.

The caps live at the bottom layer so the evaluator, the compiler's checks and the runtime
share one definition. Each can be changed with an environment variable (read when used, so
`plait run`, a detached `submit` runner and `resume` see the same value):

| cap | variable | default |
|---|---|---|
| JSON nesting depth of pod data | `PLAIT_MAX_JSON_DEPTH` | 200 |
| JSON text size parsed from pod data | `PLAIT_MAX_JSON_BYTES` | 16 MiB |
| iterations of one loop (`withItems`/`withParam`/`withSequence`) | `PLAIT_MAX_LOOP_ITEMS` | 10,000 |
| nodes in one workflow | `PLAIT_MAX_NODES` | 100,000 |
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

import re2

DEFAULTS = {"PLAIT_MAX_JSON_DEPTH": 200, "PLAIT_MAX_JSON_BYTES": 16 * 1024 * 1024,
            "PLAIT_MAX_LOOP_ITEMS": 10_000, "PLAIT_MAX_NODES": 100_000}
_STRING = re2.compile(r'"(?:[^"\\]|\\.)*"')       # RE2: linear on any text
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class LimitError(ValueError):
    """Data beyond one of the caps; the message names the cap and how to raise it."""


def cap(variable: str) -> int:
    """The cap set by `variable` (a positive integer), else its default."""
    raw = os.environ.get(variable, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return DEFAULTS[variable]


def check_caps(environ: "os._Environ[str] | dict[str, str] | None" = None) -> None:
    """ValueError naming the first cap set to something other than a positive whole number:
    `plait run`/`submit` refuse it up front (exit 2) rather than silently use the default."""
    env = os.environ if environ is None else environ
    for variable in DEFAULTS:
        raw = env.get(variable)
        if raw is not None and raw.strip() and not (raw.strip().isdigit() and int(raw) > 0):
            raise ValueError(f"{variable}={raw!r}: expected a positive whole number")


def load_json(text: str, what: str = "JSON") -> Any:
    """`json.loads` bounded in size and nesting depth (LimitError beyond a cap, ValueError for
    text that is not JSON). Python's parser recurses per nesting level, so depth is measured
    first, without recursion."""
    limit = cap("PLAIT_MAX_JSON_BYTES")
    if len(text) > limit:
        raise LimitError(f"{what} is {len(text)} characters, more than the limit of {limit} "
                         f"(PLAIT_MAX_JSON_BYTES)")
    depth, limit = json_depth(text), cap("PLAIT_MAX_JSON_DEPTH")
    if depth > limit:
        raise LimitError(f"{what} is nested {depth} levels deep, more than the limit of "
                         f"{limit} (PLAIT_MAX_JSON_DEPTH)")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:     # the engine's own stack was already deep: still only data
        raise LimitError(f"{what} is nested too deeply to parse") from None
    return _no_surrogates(value) if _SURROGATE_ESCAPE.search(text) else value


# What Go's encoding/json (Argo's parser) does that Python's json does not: NaN and
# Infinity are not JSON, a number beyond float64 is an error, and a `\ud800` escape that
# is no half of a pair decodes to U+FFFD. Python would hand the engine inf/nan (which no
# int() or node name survives) and lone surrogates (which no UTF-8 store or log can hold).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
SURROGATE = re.compile("[\ud800-\udfff]")      # no UTF-8 text (store, logs, JSON) holds one


def without_surrogates(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD, as Go decodes an invalid one."""
    return SURROGATE.sub("\ufffd", text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is out of range of a 64-bit float")
    return value


def _no_surrogates(value: Any) -> Any:
    """`value` with each unpaired surrogate in its strings and keys replaced by U+FFFD
    (nesting is bounded by PLAIT_MAX_JSON_DEPTH, checked before parsing)."""
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    return value


def json_depth(text: str) -> int:
    """The deepest bracket nesting of JSON text (strings skipped)."""
    if "[" not in text and "{" not in text:
        return 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = deepest = 0
    for c in brackets:
        if c in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def check_loop_size(count: int, what: str) -> None:
    """LimitError when a loop would make more iterations than `PLAIT_MAX_LOOP_ITEMS`."""
    limit = cap("PLAIT_MAX_LOOP_ITEMS")
    if count > limit:
        raise LimitError(f"{what} has {count} items, more than the limit of {limit} "
                         f"(PLAIT_MAX_LOOP_ITEMS)")


def nul_field(value: Any, where: str = "") -> str | None:
    """The first field of a (rendered) JSON value whose text holds a NUL byte, else None.
    A process argument, environment variable or path cannot hold one."""
    if isinstance(value, str):
        return where or "value" if "\0" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            found = nul_field(v, f"{where}.{k}" if where else str(k))
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = nul_field(v, f"{where}[{i}]")
            if found:
                return found
    return None


__all__ = ["DEFAULTS", "SURROGATE", "without_surrogates", "LimitError", "cap", "check_caps", "check_loop_size", "json_depth", "load_json",
           "nul_field"]
