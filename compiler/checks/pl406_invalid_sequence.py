"""PL406: a `withSequence` that Argo cannot expand, or expands into nonsense."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Step, Workflow
from ..source import YMap, span_of
from ..values import has_tag, int_value

_INT = re.compile(r"[+-]?\d+\Z")
# a Go fmt directive: flags, width, precision, verb (or `%%`)
_DIRECTIVE = re.compile(r"%(?:%|[-+# 0]*(?:\[\d+\])?(?:\d+|\*)?(?:\.(?:\d+|\*)?)?([a-zA-Z]?))")
_INT_VERBS = frozenset("bcdoOqxXUv")


@dataclass(frozen=True)
class InvalidSequence(Message):
    """What: a `withSequence` that cannot produce a list of numbers: both or neither of
    `count` and `end`, a `count`/`start`/`end` that is not an integer, a negative
    `count`, or a `format` without exactly one integer verb such as `%d` or `%02x`.

    Why: Argo rejects `count` with `end` at submit; the other mistakes fail the step when
    the loop expands, or print Go's `%!(EXTRA int=0)` into every item.
    Fix: give `count` (or `start` and `end`) as integers or tags, and a printf format
    with one integer verb.

    ```yaml
    # wrong
    withSequence: {count: "5", end: "9", format: "item"}
    # right
    withSequence: {start: "5", end: "9", format: "item-%02d"}
    ```
    """

    code = "PL406"
    problem: str
    advice: str

    def text(self) -> str:
        return f"invalid withSequence: {self.problem}"

    def hint_text(self) -> str | None:
        return self.advice


def format_problem(fmt: str) -> str | None:
    """Why a Go printf format cannot print one integer, or None if it can."""
    verbs = []
    for m in _DIRECTIVE.finditer(fmt):
        if m.group(0) != "%%":
            if "*" in m.group(0):
                return f"{m.group(0)!r} takes a width argument the sequence does not give"
            verbs.append(m.group(1))
    if not verbs:
        return "it has no verb such as %d for the number"
    if len(verbs) > 1:
        return f"it has {len(verbs)} verbs, but each item is one number"
    if verbs[0] not in _INT_VERBS:
        return f"%{verbs[0]} does not format an integer" if verbs[0] else "'%' without a verb"
    return None


def _check_sequence(step: Step, seq: YMap) -> Iterator[Message]:
    for key in ("count", "start", "end"):
        value = seq.get(key)
        span = span_of(value, seq.value_span(key))
        if isinstance(value, str) and not has_tag(value) and not _INT.match(value.strip()):
            yield InvalidSequence(span, f"{key} {str(value)!r} is not an integer",
                                  f"write {key} as a whole number, or a {{{{...}}}} tag")
        elif key == "count" and (int_value(value) or 0) < 0:
            yield InvalidSequence(span, f"count {value} is negative",
                                  "count is how many items to produce: 0 or more")
    if "count" in seq and "end" in seq:
        yield InvalidSequence(seq.key_span("end"), "both count and end are given",
                              "use count (from start) or end, not both")
    elif "count" not in seq and "end" not in seq:
        yield InvalidSequence(step.raw.key_span("withSequence"), "neither count nor end is given",
                              "add count: N, or start and end")
    fmt = seq.get("format")
    if isinstance(fmt, str) and not has_tag(fmt):
        problem = format_problem(fmt)
        if problem:
            yield InvalidSequence(span_of(fmt, seq.value_span("format")),
                                  f"format {str(fmt)!r}: {problem}",
                                  "use one integer verb, e.g. 'item-%d' or '%03d'")


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for _, step in wf.iter_steps():
        seq = step.with_sequence
        if seq is not None:
            yield from _check_sequence(step, seq)

