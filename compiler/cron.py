"""Cron schedules as Argo reads them (robfig/cron's standard parser): the one reader that the
checker (PL528, PL529) and the cron scheduler (`runtime/cronjobs.py`) share.

Five fields (minute, hour, day of month, month, day of week) with `*`, `?`, lists,
ranges, steps and month/weekday names, or a descriptor such as `@hourly` or
`@every 1h30m`; an optional `CRON_TZ=<zone>` (or `TZ=`) prefix.

Validation is robfig's dialect (stricter than most cron libraries: no `L`, `W`, `#`, no
seconds field, weekday 0-6). Evaluation (`Schedule.next_after`) is croniter's, plus the thin
layer Argo adds on top: `@every` (a constant delay, not a calendar), the descriptors, the
zone (`timezone:` or `CRON_TZ=`, else the machine's) and robfig's daylight-saving rule: an
instant that falls in a skipped hour does not fire that day (croniter would move it to the
hour after), an instant in a repeated hour fires twice (as croniter does). croniter is
imported only when a schedule is evaluated, so `plait check` never loads it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from plait.grammar.durations import parse_duration

DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
                         "@hourly"})
_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
# (name, lowest, highest, names)
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
          ("month", 1, 12, _MONTHS), ("day of week", 0, 6, _DAYS))


# robfig's descriptors as the five fields they stand for
_DESCRIBED = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
              "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
              "@hourly": "0 * * * *"}


def parse_schedule(text: str) -> str | None:
    """The time zone of a `CRON_TZ=`/`TZ=` prefix ("" if none); raises ValueError if the
    schedule is not valid."""
    return read_schedule(text).zone


@dataclass(frozen=True)
class Schedule:
    """One valid schedule: `fields` (five cron fields, descriptors expanded, `?` as `*`) or
    `every` (seconds of an `@every`), evaluated in `zone` ("" = this machine's zone)."""

    text: str
    fields: str = ""
    every: float = 0.0
    zone: str = ""

    def in_zone(self, zone: str) -> "Schedule":
        """This schedule in `zone` (a CronWorkflow's `timezone:`) unless it names its own."""
        if self.zone or not zone:
            return self
        return Schedule(self.text, self.fields, self.every, zone)

    def next_after(self, t: float, anchor: float | None = None) -> float:
        """The first instant (Unix seconds) strictly after `t` at which this schedule fires
        (`math.inf` for one that never does, such as 30 February). KeyError for an unknown
        zone.
        An `@every` counts its delays from `anchor` (when the cron was scheduled) as robfig's
        does from its start, so looking often does not push its instants away."""
        if self.every:
            # robfig's ConstantDelaySchedule: whole seconds, at least one
            step = max(1, int(self.every))
            if anchor is None:
                return float(int(t) + step)
            start = int(anchor)
            return float(start + step * (max(0, int((t - start) // step)) + 1))
        from croniter import CroniterBadDateError, croniter

        zone = _tzinfo(self.zone)
        start_at = dt.datetime.fromtimestamp(t, zone)
        it = croniter(self.fields, start_at)
        wanted = croniter.expand(self.fields)[0]
        try:
            for _ in range(10_000):     # a gap skips one instant a day; never more than a few
                when = it.get_next(dt.datetime)
                if _on_the_clock(when, wanted):
                    return when.timestamp()
        except CroniterBadDateError:    # `0 0 30 2 *`: valid for robfig, and never due
            pass
        return math.inf

    def fire_times(self, after: float, until: float, anchor: float | None = None,
                   most: int = 100_000) -> list[float]:
        """The instants in (after, until], oldest first (at most `most` of them)."""
        out: list[float] = []
        t = self.next_after(after, anchor)
        while t <= until and len(out) < most:
            out.append(t)
            t = self.next_after(t, anchor)
        return out


def _on_the_clock(when: dt.datetime, wanted: list[list[Any]]) -> bool:
    """The wall-clock minute and hour are ones the fields name: croniter moves an instant of a
    skipped hour (spring forward) to the hour after, which robfig does not fire."""
    minutes, hours = wanted[0], wanted[1]
    return (minutes == ["*"] or when.minute in minutes) and (hours == ["*"] or when.hour in hours)


def _tzinfo(zone: str) -> dt.tzinfo:
    """The zone of a schedule: an IANA name, UTC, or ("" / Local) the machine's own."""
    if zone and zone != "Local":
        from zoneinfo import ZoneInfo

        return ZoneInfo(zone)
    from dateutil import tz

    return tz.tzlocal()


def read_schedule(text: str, timezone: str = "") -> Schedule:
    """The schedule `text` reads as (a `CRON_TZ=` prefix wins over `timezone`); raises
    ValueError, with the reason, when Argo would reject it."""
    spec = text.strip()
    zone = ""
    if spec.startswith(("CRON_TZ=", "TZ=")):
        head, _, spec = spec.partition(" ")
        zone = head.split("=", 1)[1]
        spec = spec.strip()
    if not spec:
        raise ValueError("empty schedule")
    if spec.startswith("@"):
        every = _descriptor(spec)
        return Schedule(text, _DESCRIBED.get(spec, ""), every, zone or timezone)
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}")
    for value, (name, low, high, names) in zip(fields, FIELDS):
        for part in value.split(","):
            _range(part, name, low, high, names)
    return Schedule(text, " ".join(f.replace("?", "*") for f in fields), 0.0, zone or timezone)


def schedules_of(spec: Any) -> list[str]:
    """A CronWorkflow spec's schedule texts: `schedules`, and the legacy `schedule`."""
    if not isinstance(spec, dict):
        return []
    found = [str(s) for s in spec.get("schedules") or () if isinstance(s, str)] \
        if isinstance(spec.get("schedules"), list) else []
    legacy = spec.get("schedule")
    if isinstance(legacy, str) and legacy.strip():
        found.append(legacy)
    return found


def _descriptor(spec: str) -> float:
    """Seconds of an `@every`, 0 for another known descriptor; ValueError otherwise."""
    if spec.startswith("@every"):
        rest = spec[len("@every"):].strip()
        try:
            seconds = parse_duration(rest, integer_seconds=False)
        except ValueError as exc:
            raise ValueError(f"@every needs a Go duration: {exc}") from None
        if seconds <= 0:
            raise ValueError("@every needs a positive duration")
        return float(seconds)
    if spec not in DESCRIPTORS:
        raise ValueError(f"unknown descriptor {spec!r}")
    return 0.0


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


__all__ = ["DESCRIPTORS", "Schedule", "parse_schedule", "read_schedule", "schedules_of"]
