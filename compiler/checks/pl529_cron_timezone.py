"""PL529: a CronWorkflow time zone that is not an IANA zone name (spec §19 rule 54)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..cron import parse_schedule
from ..diagnostics import Message, Span
from ..model import Workflow, as_map, as_seq
from ..names import suggest
from ..source import YStr


@dataclass(frozen=True)
class CronTimezoneInvalid(Message):
    """What: a CronWorkflow `timezone` (or a schedule's `CRON_TZ=` prefix) that is not an
    IANA time zone name.

    Why: Argo rejects the CronWorkflow ("invalid timezone"): Go's `time.LoadLocation` knows
    names such as `Europe/Paris` or `America/New_York`, not abbreviations like `CEST`.
    Fix: use the zone's IANA name.

        timezone: EST5
        # fix:
        timezone: America/New_York
    """

    code = "PL529"
    zone: str
    suggestion: str | None = None

    def text(self) -> str:
        return f"unknown time zone {self.zone!r}"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "use an IANA zone name such as 'Europe/Paris' or 'UTC'"


@functools.cache
def zones() -> frozenset[str]:
    """IANA zone names known to this Python (empty if it has no time zone data)."""
    import zoneinfo

    try:
        return frozenset(zoneinfo.available_timezones())
    except (OSError, ValueError):
        return frozenset()


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.kind != "CronWorkflow" or not zones():
        return
    cron = as_map(wf.doc.data.get("spec"))
    found: list[tuple[str, Span]] = []
    tz = cron.get("timezone")
    if isinstance(tz, YStr) and tz:
        found.append((str(tz), tz.span))
    schedules = as_seq(cron.get("schedules"))
    for s in [*schedules, cron.get("schedule")]:
        if isinstance(s, YStr) and s.strip().startswith(("CRON_TZ=", "TZ=")):
            try:
                zone = parse_schedule(s)
            except ValueError:
                continue                # PL528 reports it
            start = s.index("=") + 1
            found.append((zone or "", s.locate(start, start + len(zone or " "))))
    for zone, span in found:
        if zone not in ("Local", "UTC") and zone not in zones():
            yield CronTimezoneInvalid(span, zone, suggest(zone, zones()))
