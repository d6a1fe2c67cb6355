"""PL510: an `activeDeadlineSeconds` that is not a non-negative number of seconds
(spec §19 rule 27)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YMap
from ..values import every_template, has_tag, int_value, value_span


@dataclass(frozen=True)
class DeadlineValueInvalid(Message):
    """What: `activeDeadlineSeconds` (of the workflow or of a template) that is negative, or
    a string that is neither a whole number nor a `{{...}}` tag.

    Why: Argo rejects it ("activeDeadlineSeconds must be a positive integer > 0 or an argo
    variable"); Kubernetes takes the value as the pod's deadline in seconds.
    Fix: write a whole number of seconds.

        activeDeadlineSeconds: "10m"
        # fix:
        activeDeadlineSeconds: 600
    """

    code = "PL510"
    value: str

    def text(self) -> str:
        return f"activeDeadlineSeconds must be a non-negative whole number of seconds, got {self.value!r}"

    def hint_text(self) -> str | None:
        return "write seconds, e.g. 600 (for a duration like '10m', use timeout on leaf templates)"


def _deadline(owner: YMap, strings: bool) -> Iterator[Message]:
    """`strings`: the schema lets any string through here (templates' IntOrString), so a
    string that is not a number is this check's to report."""
    if "activeDeadlineSeconds" not in owner:
        return
    value = owner["activeDeadlineSeconds"]
    if value is None or isinstance(value, (bool, float)) or has_tag(value):
        return                          # wrong types: the schema reports them
    number = int_value(value)
    if (number is None and strings) or (number is not None and number < 0):
        yield DeadlineValueInvalid(value_span(owner, "activeDeadlineSeconds", owner.span), str(value))


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from _deadline(wf.spec, False)
    yield from _deadline(wf.template_defaults, True)
    for tmpl in every_template(wf):
        yield from _deadline(tmpl.raw, True)
