"""PL528: a CronWorkflow without a schedule, or with a schedule that does not parse
(spec §19 rule 54)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from plait.grammar.durations import suggest_duration

from ..context import Context
from ..cron import parse_schedule
from ..diagnostics import Message
from ..model import Workflow, as_map
from ..source import YStr


@dataclass(frozen=True)
class CronScheduleInvalid(Message):
    """What: a CronWorkflow whose `schedules` list is empty (and no legacy `schedule`), or a
    schedule that is not a 5-field cron expression (minute hour day-of-month month
    day-of-week) or a descriptor such as `@hourly` or `@every 30m`.

    Why: Argo rejects the CronWorkflow ("cron schedule is malformed"); nothing would run.
    Fix: correct the expression.

        schedules:
        - "0 9 * * MON-FRI *"
        # fix:
        - "0 9 * * MON-FRI"
    """

    code = "PL528"
    schedule: str
    reason: str

    def text(self) -> str:
        if not self.schedule and self.reason == "none":
            return "CronWorkflow has no schedule"
        return f"invalid cron schedule {self.schedule!r}: {self.reason}"

    def hint_text(self) -> str | None:
        if self.reason == "none":
            return "add a schedule, e.g. schedules: [\"0 * * * *\"]"
        if "@every" in self.schedule:
            better = suggest_duration(self.schedule.split("@every", 1)[1])
            if better:
                return f"write '@every {better}'"
        return "use 5 fields: minute hour day-of-month month day-of-week, e.g. '30 2 * * *'"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.kind != "CronWorkflow":
        return
    cron = as_map(wf.doc.data.get("spec"))
    schedules = [s for s in cron.get("schedules") or () if isinstance(s, YStr)] \
        if isinstance(cron.get("schedules"), list) else []
    legacy = cron.get("schedule")
    if isinstance(legacy, YStr) and legacy.strip():
        schedules.append(legacy)
    if not schedules and isinstance(cron.get("schedules"), list):
        yield CronScheduleInvalid(cron.value_span("schedules"), "", "none")
    for schedule in schedules:
        try:
            parse_schedule(schedule)
        except ValueError as exc:
            yield CronScheduleInvalid(schedule.span, str(schedule), str(exc))
