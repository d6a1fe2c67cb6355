"""PL509: `timeout`, `pendingTimeout` or `activeDeadlineSeconds` on a template that cannot
have it (spec §19 rules 26, 27 and 43)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..values import every_template


@dataclass(frozen=True)
class LeafOnlyField(Message):
    """What: `activeDeadlineSeconds` on a steps or dag template, or `timeout` or
    `pendingTimeout` on a steps, dag or suspend template.

    Why: Argo rejects it ("steps template doesn't support timeout field"): these limits
    become the deadline of a pod, and such templates run no pod of their own.
    Fix: put the limit on the leaf templates they call, or use the workflow's
    `spec.activeDeadlineSeconds` for an overall limit.

        - name: main
          timeout: 10m
          steps: [...]
        # fix: on the container template that is called
        - name: build
          timeout: 10m
          container: {...}
    """

    code = "PL509"
    field: str
    kind: str

    def text(self) -> str:
        return f"{self.field} is not allowed on a {self.kind} template"

    def hint_text(self) -> str | None:
        if self.kind == "suspend":
            return "remove it; a suspend template's own limit is suspend.duration"
        return f"set {self.field} on the templates this one calls, or spec.activeDeadlineSeconds"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        kind = tmpl.kind
        if kind not in ("steps", "dag", "suspend") or len(tmpl.kinds) != 1:
            continue
        fields: tuple[str, ...] = ("timeout", "pendingTimeout")
        if kind != "suspend":
            fields += ("activeDeadlineSeconds",)
        for field in fields:
            if field in tmpl.raw and tmpl.raw[field] not in (None, ""):
                yield LeafOnlyField(tmpl.raw.key_span(field), field, kind)
