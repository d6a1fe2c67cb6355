"""PL541: a literal loop larger than the runtime's loop cap (`PLAIT_MAX_LOOP_ITEMS`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from plait.grammar.limits import cap

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from ..source import span_of
from ..values import int_value


@dataclass(frozen=True)
class LoopOverCap(Message):
    """What: a `withSequence` (or `withItems`) that makes more iterations than plait runs in
    one loop (`PLAIT_MAX_LOOP_ITEMS`, 10,000 unless set).

    Why: every iteration is a node (and usually a pod); a loop this large fails when it is
    reached, locally with a message naming the cap. In a cluster it floods the workflow
    status and the API server.
    Fix: batch the work (each iteration handles a range), or raise the cap on purpose with
    `PLAIT_MAX_LOOP_ITEMS`.

    ```yaml
    # wrong
    withSequence: {count: "1000000000"}
    # right: 100 batches, each given its range
    withSequence: {count: "100"}
    ```
    """

    code = "PL541"
    severity = Severity.WARNING
    hint = "batch the work so each iteration handles many items"
    count: int = 0
    limit: int = 0

    def text(self) -> str:
        return f"this loop makes {self.count:,} iterations, more than the limit of " \
               f"{self.limit:,} (PLAIT_MAX_LOOP_ITEMS)"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    limit = cap("PLAIT_MAX_LOOP_ITEMS")
    for _, step in wf.iter_steps():
        seq = step.with_sequence
        if seq is not None:
            count = int_value(seq.get("count"))
            if count is None and "end" in seq:
                start, end = int_value(seq.get("start", 0)), int_value(seq.get("end"))
                if start is not None and end is not None:
                    count = abs(end - start) + 1
            key = "count" if "count" in seq else "end"
            if count is not None and count > limit:
                yield LoopOverCap(span_of(seq.get(key), seq.value_span(key)), count, limit)
        items = step.with_items
        if items is not None and len(items) > limit:
            yield LoopOverCap(step.raw.key_span("withItems"), len(items), limit)
