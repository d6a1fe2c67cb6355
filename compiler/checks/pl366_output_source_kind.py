"""PL366: an output parameter reads from a source its template kind does not have
(spec §19 rule 53)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..values import every_template, output_sources

NEEDS = {
    "container": ("path",),
    "containerSet": ("path",),
    "script": ("path",),
    "resource": ("jqFilter", "jsonPath"),
    "steps": ("parameter", "expression"),
    "dag": ("parameter", "expression"),
}
"""The sources each template kind can give an output parameter (others: no rule)."""


@dataclass(frozen=True)
class OutputSourceKind(Message):
    """What: an output parameter's `valueFrom` source does not fit its template: container,
    containerSet and script templates read a file (`path`); resource templates read the
    object (`jqFilter` or `jsonPath`); steps and DAG templates take a child's output
    (`parameter`) or compute one (`expression`).

    Why: Argo rejects the workflow ("path must be specified for container templates").
    Fix: use the source of the template's kind.

        - name: gen                         # a container template
          outputs:
            parameters:
            - name: x
              valueFrom: {parameter: "{{steps.a.outputs.result}}"}
        # fix: the container writes a file
              valueFrom: {path: /tmp/x}
    """

    code = "PL366"
    name: str = ""
    source: str = ""
    kind: str = ""

    def text(self) -> str:
        return f"output parameter {self.name!r}: valueFrom.{self.source} cannot be used in a {self.kind} template"

    def hint_text(self) -> str | None:
        return "use " + " or ".join(f"valueFrom.{s}" for s in NEEDS[self.kind]) + f" in a {self.kind} template"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        kind = tmpl.kind or ""
        needs = NEEDS.get(kind)
        if needs is None or len(tmpl.kinds) != 1:
            continue
        for param in tmpl.outputs.parameters:
            vf = param.value_from
            if vf is None or param.raw.get("value") is not None:
                continue
            found = output_sources(vf)
            if len(found) == 1 and found[0] not in needs:
                yield OutputSourceKind(vf.key_span(found[0]), param.name, found[0], kind)
