"""PL502: a workflow argument `valueFrom` that arguments cannot use (spec §19 rule 10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map
from ..source import YMap
from ..values import io_lists

ALLOWED = ("configMapKeyRef", "supplied", "event")


@dataclass(frozen=True)
class ArgumentValueFrom(Message):
    """What: a `spec.arguments.parameters` entry whose `valueFrom` has no `configMapKeyRef`,
    `supplied` or `event`, or uses an output-only source (`path`, `jsonPath`, `jqFilter`,
    `parameter`, `expression`). (Step and task arguments are PL363's.)

    Why: Argo rejects it: those sources describe where an *output* is read from; an
    argument's value comes from a ConfigMap, from the submitter or from an event.
    `default` alone gives no source. Fix: use `value:` or a `configMapKeyRef`.

        arguments:
          parameters:
          - name: msg
            valueFrom:
              path: /tmp/msg
        # fix:
          - name: msg
            valueFrom:
              configMapKeyRef: {name: settings, key: msg}
    """

    code = "PL502"
    name: str
    source: str

    def text(self) -> str:
        if self.source:
            return f"argument {self.name!r}: valueFrom.{self.source} is only valid for outputs"
        return f"argument {self.name!r}: valueFrom needs configMapKeyRef, supplied or event"

    def hint_text(self) -> str | None:
        return "use 'value:', or valueFrom.configMapKeyRef: {name: ..., key: ...}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for where, what, items in io_lists(wf):
        if what != "parameter" or where != "spec.arguments":
            continue
        for item in items:
            vf = as_map(item.get("valueFrom")) if isinstance(item, YMap) else None
            if not vf:
                continue
            name = str(item.get("name") or "")
            wrong = [k for k in vf if k not in ALLOWED and k != "default"]
            if wrong:
                yield ArgumentValueFrom(vf.key_span(wrong[0]), name, str(wrong[0]))
            elif not any(k in vf for k in ALLOWED):
                yield ArgumentValueFrom(item.key_span("valueFrom"), name, "")
