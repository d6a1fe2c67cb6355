"""PL409: a loop over a literal empty list (an info: the step is always Skipped)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from ..source import YStr, span_of


@dataclass(frozen=True)
class EmptyLoop(Message):
    """What: `withItems: []`, `withParam: "[]"` or `withSequence` with `count: 0`.

    Why: Argo accepts it and marks the step Skipped ("Skipped, empty params") without
    running anything, which is rarely what a literal list in the file is meant for.
    Fix: fill in the items, or remove the step if it is a placeholder.

    ```yaml
    # suspicious
    withItems: []
    # meant
    withItems: [eu-west-1, us-east-1]
    ```
    """

    code = "PL409"
    severity = Severity.INFO
    hint = "the step will always be Skipped; add items or remove the step"
    what: str

    def text(self) -> str:
        return f"{self.what}, so the step never runs"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for _, step in wf.iter_steps():
        raw = step.raw
        items, param, seq = step.with_items, step.with_param, step.with_sequence
        if items is not None and not items:
            yield EmptyLoop(raw.value_span("withItems"), "withItems is an empty list")
        if isinstance(param, YStr) and param.strip().startswith("[") and _empty_json(param):
            yield EmptyLoop(param.span, "withParam is an empty JSON list")
        count = seq.get("count") if seq is not None else None
        if seq is not None and (count == "0" or count == 0 and not isinstance(count, bool)) \
                and "end" not in seq:
            yield EmptyLoop(span_of(count, seq.value_span("count")), "withSequence count is 0")


def _empty_json(text: str) -> bool:
    try:
        return json.loads(text) == []
    except ValueError:
        return False
