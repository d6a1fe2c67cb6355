"""PL508: a duration that Go's `time.ParseDuration` (as Argo uses it) rejects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from plait.grammar.durations import parse_duration, suggest_duration

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map
from ..source import YMap, YStr
from ..values import every_template, has_tag


@dataclass(frozen=True)
class InvalidDuration(Message):
    """What: a duration field (`timeout`, `pendingTimeout`, `suspend.duration`, retry
    `backoff.duration`/`maxDuration`/`cap`, `podGC.deleteDelayDuration`, a containerSet's
    retry `duration`) that is not a Go duration such as `30s`, `1h30m` or `500ms`.

    Why: Argo parses these with Go's `time.ParseDuration`, which knows only the units ns,
    us, ms, s, m and h: `1d` (shown in older docs) fails when the node runs. Where Argo
    allows it, a whole number means seconds, but `timeout` rejects a bare number.
    Fix: write Go syntax, e.g. `24h` for a day.

        retryStrategy:
          backoff:
            duration: 1d
        # fix:
            duration: 24h
    """

    code = "PL508"
    field: str
    value: str
    reason: str

    def text(self) -> str:
        return f"invalid duration {self.value!r} in {self.field}: {self.reason}"

    def hint_text(self) -> str | None:
        better = suggest_duration(self.value)
        if better:
            return f"write {better!r}"
        if self.value.strip().isdigit():
            return f"write {self.value.strip() + 's'!r}"
        return "use Go syntax: a number and a unit (ns, us, ms, s, m, h), e.g. '90s' or '1h30m'"


def _duration(owner: YMap, key: str, field: str, integer_seconds: bool) -> Iterator[Message]:
    value = owner.get(key)
    if not isinstance(value, YStr) or has_tag(value):
        return                          # other types: the schema reports them
    if not integer_seconds and value.isdigit() and field.endswith("timeout"):
        yield InvalidDuration(value.span, field, str(value), "a bare number is not accepted here")
        return
    try:
        seconds = parse_duration(value, integer_seconds)
    except ValueError as exc:
        yield InvalidDuration(value.span, field, str(value), str(exc))
        return
    if seconds < 0:
        yield InvalidDuration(value.span, field, str(value), "a duration may not be negative")


def _retry(rs: YMap, prefix: str) -> Iterator[Message]:
    backoff = as_map(rs.get("backoff"))
    for key in ("duration", "maxDuration", "cap"):
        yield from _duration(backoff, key, f"{prefix}retryStrategy.backoff.{key}", True)


def _template_fields(raw: YMap, prefix: str = "") -> Iterator[Message]:
    yield from _duration(raw, "timeout", f"{prefix}timeout", False)
    yield from _duration(raw, "pendingTimeout", f"{prefix}pendingTimeout", True)
    yield from _retry(as_map(raw.get("retryStrategy")), prefix)


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from _retry(as_map(wf.spec.get("retryStrategy")), "spec.")
    yield from _template_fields(wf.template_defaults, "templateDefaults.")
    yield from _duration(as_map(wf.spec.get("podGC")), "deleteDelayDuration",
                         "podGC.deleteDelayDuration", False)
    for tmpl in every_template(wf):
        yield from _template_fields(tmpl.raw)
        if tmpl.kind == "suspend":
            yield from _duration(tmpl.body, "duration", "suspend.duration", True)
        elif tmpl.kind == "containerSet":
            yield from _duration(as_map(tmpl.body.get("retryStrategy")), "duration",
                                 "containerSet.retryStrategy.duration", False)
