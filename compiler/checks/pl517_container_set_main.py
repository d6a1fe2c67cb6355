"""PL517: a containerSet without containers, or without `main` where Argo needs one
(spec §19 rule 31)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_seq
from ..source import YMap
from ..values import every_template


@dataclass(frozen=True)
class ContainerSetMain(Message):
    """What: a `containerSet` with an empty `containers` list, or one with input artifacts
    or outputs but no container named `main`.

    Why: Argo rejects it: a pod needs a container, and input artifacts are loaded into (and
    outputs, including `outputs.result`, are read from) the container named `main`.
    Fix: name the container that consumes inputs and produces outputs `main`.

        containerSet:
          containers:
          - {name: build, image: golang, command: [make]}
        outputs:
          parameters: [{name: v, valueFrom: {path: /tmp/v}}]
        # fix:
          - {name: main, image: golang, command: [make]}
    """

    code = "PL517"
    empty: bool

    def text(self) -> str:
        if self.empty:
            return "containerSet has no containers"
        return "containerSet with input artifacts or outputs needs a container named 'main'"

    def hint_text(self) -> str | None:
        if self.empty:
            return "add at least one container"
        return "rename the container that reads the inputs and writes the outputs to 'main'"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind != "containerSet" or not isinstance(tmpl.raw.get("containerSet"), YMap):
            continue
        body = tmpl.body
        containers = body.get("containers")
        if isinstance(containers, list) and not containers:
            yield ContainerSetMain(body.value_span("containers"), True)
            continue
        names = {str(c.get("name")) for c in as_seq(containers) if isinstance(c, YMap)}
        needs_main = tmpl.inputs.artifacts or tmpl.outputs.parameters or tmpl.outputs.artifacts
        if needs_main and "main" not in names and containers:
            yield ContainerSetMain(body.key_span("containers"), False)
