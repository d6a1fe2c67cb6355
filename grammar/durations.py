"""Go durations as Argo reads them: `30s`, `1h30m`, `500ms`, and integer strings as seconds.

Argo parses its duration fields with Go's `time.ParseDuration`, after trying the text as a
whole number of seconds where the field allows that (retry backoff, suspend). Go has no
day unit, although Argo's docs show `1d`; such a value is rejected when it is used.

The one copy of this rule: the expression evaluator's `duration()`, the checks (PL508,
PL528), the planner's durations in seconds and the runtime's tagged durations (timeouts,
`pendingTimeout`, suspend, containerSet retries) all call `parse_duration`. (argosay keeps
its own parser: it runs inside the pod sandbox, where nothing of plait is importable.)
"""

from __future__ import annotations

import re

# Go's units, in seconds (`µs` and `μs` are the two micro signs Go accepts)
UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0,
         "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)([a-zA-Zµμ]*)")
_INTEGER = re.compile(r"[0-9]+")
# units people reach for that Go does not have, with what to write instead
_FOREIGN = {"d": "24h", "day": "24h", "days": "24h", "w": "168h", "wk": "168h",
            "sec": "s", "secs": "s", "min": "m", "mins": "m", "hr": "h", "hrs": "h",
            "H": "h", "M": "m", "S": "s", "MS": "ms"}


def parse_duration(text: str, integer_seconds: bool = True) -> float:
    """Seconds in a Go duration; a whole number means seconds if `integer_seconds`.

    Raises ValueError whose message says what is wrong (and, for a unit Go lacks such as
    `d`, what to write instead).
    """
    if integer_seconds and _INTEGER.fullmatch(text):
        return float(text)
    if text == "":
        raise ValueError("empty duration")
    body = text
    sign = 1.0
    if body[0] in "+-":
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    if body == "0":
        return 0.0
    total = 0.0
    pos = 0
    while pos < len(body):
        m = _PART.match(body, pos)
        if m is None:
            raise ValueError(f"invalid duration {text!r}: expected a number at {body[pos:]!r}")
        number, unit = m.groups()
        if not unit:
            raise ValueError(f"missing unit in duration {text!r} (e.g. {number}s)")
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r} in duration {text!r}")
        total += float(number) * UNITS[unit]
        pos = m.end()
    if pos == 0:
        raise ValueError(f"invalid duration {text!r}")
    return sign * total


def suggest_duration(text: str) -> str | None:
    """The Go spelling of a duration written with a foreign unit (`2d` → `48h`), if any."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]+)\s*", text)
    if m is None:
        return None
    number, unit = int(m.group(1)), m.group(2)
    if unit in ("d", "day", "days"):
        return f"{number * 24}h"
    if unit in ("w", "wk"):
        return f"{number * 168}h"
    if unit in UNITS:
        return f"{number}{unit}"
    replacement = _FOREIGN.get(unit)
    return f"{number}{replacement}" if replacement else None


__all__ = ["UNITS", "parse_duration", "suggest_duration"]
