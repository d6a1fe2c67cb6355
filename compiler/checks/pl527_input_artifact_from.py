"""PL527: an input artifact with `from` (spec §19 rule 37)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..values import every_template


@dataclass(frozen=True)
class InputArtifactFrom(Message):
    """What: `from` (or `fromExpression`) on an artifact under a template's `inputs`.

    Why: Argo rejects it ("inputs.artifacts.x.from not valid in inputs"): an input says what
    the template needs; where it comes from is said by the caller's `arguments`.
    Fix: move `from` to the step's or task's `arguments.artifacts`.

        inputs:
          artifacts:
          - name: data
            path: /tmp/data
            from: "{{steps.gen.outputs.artifacts.data}}"
        # fix: in the calling step
        arguments:
          artifacts:
          - name: data
            from: "{{steps.gen.outputs.artifacts.data}}"
    """

    code = "PL527"
    name: str
    field: str

    def text(self) -> str:
        return f"input artifact {self.name!r} may not use {self.field}"

    def hint_text(self) -> str | None:
        return f"move {self.field} to the calling step's or task's arguments.artifacts"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        for art in tmpl.inputs.artifacts:
            for field in ("from", "fromExpression"):
                if field in art.raw:
                    yield InputArtifactFrom(art.raw.key_span(field), art.name, field)
