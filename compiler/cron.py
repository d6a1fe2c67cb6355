"""Cron schedules as Argo reads them (robfig/cron's standard parser).

Five fields (minute, hour, day of month, month, day of week) with `*`, `?`, lists,
ranges, steps and month/weekday names, or a descriptor such as `@hourly` or
`@every 1h30m`; an optional `CRON_TZ=<zone>` (or `TZ=`) prefix.
"""

from __future__ import annotations

from plait.grammar.durations import parse_duration

DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
                         "@hourly"})
_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
# (name, lowest, highest, names)
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
          ("month", 1, 12, _MONTHS), ("day of week", 0, 6, _DAYS))


def parse_schedule(text: str) -> str | None:
    """The time zone of a `CRON_TZ=`/`TZ=` prefix ("" if none); raises ValueError if the
    schedule is not valid."""
    spec = text.strip()
    zone = ""
    if spec.startswith(("CRON_TZ=", "TZ=")):
        head, _, spec = spec.partition(" ")
        zone = head.split("=", 1)[1]
        spec = spec.strip()
    if not spec:
        raise ValueError("empty schedule")
    if spec.startswith("@"):
        _descriptor(spec)
        return zone
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}")
    for value, (name, low, high, names) in zip(fields, FIELDS):
        for part in value.split(","):
            _range(part, name, low, high, names)
    return zone


def _descriptor(spec: str) -> None:
    if spec.startswith("@every"):
        rest = spec[len("@every"):].strip()
        try:
            seconds = parse_duration(rest, integer_seconds=False)
        except ValueError as exc:
            raise ValueError(f"@every needs a Go duration: {exc}") from None
        if seconds <= 0:
            raise ValueError("@every needs a positive duration")
        return
    if spec not in DESCRIPTORS:
        raise ValueError(f"unknown descriptor {spec!r}")


def _number(text: str, name: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ValueError(f"invalid {name} value {text!r}")
    return int(text)


def _range(part: str, name: str, low: int, high: int, names: dict[str, int]) -> None:
    span, slash, step = part.partition("/")
    if slash:
        if not step.isdigit() or int(step) == 0:
            raise ValueError(f"invalid step {step!r} in {name} field")
    if span in ("*", "?"):
        return
    first, dash, last = span.partition("-")
    start = _number(first, name, names)
    end = _number(last, name, names) if dash else start
    for v in (start, end):
        if not low <= v <= high:
            raise ValueError(f"{name} value {v} is out of range {low}-{high}")
    if start > end:
        raise ValueError(f"{name} range {span!r} starts after it ends")


__all__ = ["DESCRIPTORS", "parse_schedule"]
