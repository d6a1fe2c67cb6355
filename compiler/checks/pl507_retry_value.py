"""PL507: a retry `limit`, backoff `factor` or containerSet `retries` that is not a count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map
from ..source import YMap
from ..values import every_template, has_tag, int_value, value_span


@dataclass(frozen=True)
class RetryValueInvalid(Message):
    """What: `retryStrategy.limit`, `retryStrategy.backoff.factor` or a containerSet's
    `retryStrategy.retries` that is negative or not a whole number (a `{{...}}` tag is
    fine).

    Why: Argo reads these as integers; `"3x"` or `2.5` fail when the node is retried, and a
    negative count makes no sense. Fix: write a whole number.

        retryStrategy:
          limit: "three"
          backoff: {duration: 10s, factor: "1.5"}
        # fix:
          limit: 3
          backoff: {duration: 10s, factor: 2}
    """

    code = "PL507"
    field: str
    value: str

    def text(self) -> str:
        return f"{self.field} must be a non-negative whole number, got {self.value!r}"

    def hint_text(self) -> str | None:
        if self.field.endswith("limit"):
            return "write the number of retries, e.g. limit: 3 (omit it to retry without limit)"
        return "write a whole number such as 2"


def _count(owner: YMap, key: str, field: str) -> Iterator[Message]:
    if key not in owner:
        return
    value: Any = owner[key]
    if value is None or has_tag(value) or isinstance(value, (float, bool)):
        return                  # floats and bools are wrong types: the schema reports them
    number = int_value(value)
    if number is None or number < 0:
        yield RetryValueInvalid(value_span(owner, key, owner.span), field, str(value))


def _strategy(rs: YMap) -> Iterator[Message]:
    yield from _count(rs, "limit", "retryStrategy.limit")
    yield from _count(as_map(rs.get("backoff")), "factor", "retryStrategy.backoff.factor")


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from _strategy(as_map(wf.spec.get("retryStrategy")))
    yield from _strategy(as_map(wf.template_defaults.get("retryStrategy")))
    for tmpl in every_template(wf):
        yield from _strategy(as_map(tmpl.raw.get("retryStrategy")))
        if tmpl.kind == "containerSet":
            cs_retry = as_map(tmpl.body.get("retryStrategy"))
            yield from _count(cs_retry, "retries", "containerSet.retryStrategy.retries")
