"""PL530: a negative CronWorkflow `startingDeadlineSeconds` (spec §19 rule 54)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map
from ..values import has_tag, int_value, value_span


@dataclass(frozen=True)
class CronStartingDeadline(Message):
    """What: a CronWorkflow `startingDeadlineSeconds` below 0.

    Why: Argo rejects it ("startingDeadlineSeconds must be positive"): it is how many
    seconds late a missed run may still start. Fix: use 0 or more (omit it for no limit).

        startingDeadlineSeconds: -60
        # fix:
        startingDeadlineSeconds: 60
    """

    code = "PL530"
    hint = "use a number of seconds, 0 or more"
    value: str

    def text(self) -> str:
        return f"startingDeadlineSeconds may not be negative, got {self.value}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.kind != "CronWorkflow":
        return
    cron = as_map(wf.doc.data.get("spec"))
    value = cron.get("startingDeadlineSeconds")
    number = None if has_tag(value) else int_value(value)
    if number is not None and number < 0:
        yield CronStartingDeadline(value_span(cron, "startingDeadlineSeconds", cron.span), str(value))
