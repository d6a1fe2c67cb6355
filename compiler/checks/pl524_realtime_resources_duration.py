"""PL524: a real-time gauge that reads `resourcesDuration` (spec §19 rule 34)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map, as_seq
from ..source import YMap, YStr
from ..values import every_template


@dataclass(frozen=True)
class RealtimeResourcesDuration(Message):
    """What: a gauge with `realtime: true` whose value uses `resourcesDuration.*`.

    Why: Argo rejects it ("'resourcesDuration.*' metrics cannot be used in real-time"):
    resource durations are known only when the node has finished, while a real-time gauge
    is re-evaluated while it runs. Fix: set `realtime: false`, or record `duration`.

        gauge:
          realtime: true
          value: "{{resourcesDuration.cpu}}"
        # fix:
          realtime: false
    """

    code = "PL524"
    hint = "set 'realtime: false' (the value is known only when the node ends)"

    def text(self) -> str:
        return "a real-time gauge cannot use resourcesDuration (known only when the node ends)"


def _metrics(owner: YMap) -> Iterator[Message]:
    for m in as_seq(as_map(owner.get("metrics")).get("prometheus")):
        gauge = as_map(as_map(m).get("gauge"))
        value = gauge.get("value")
        if gauge.get("realtime") is True and isinstance(value, YStr) and "resourcesDuration." in value:
            at = value.index("resourcesDuration.")
            yield RealtimeResourcesDuration(value.locate(at, at + len("resourcesDuration")))


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from _metrics(wf.spec)
    for tmpl in every_template(wf):
        yield from _metrics(tmpl.raw)
