"""PL362: a step, task or hook argument artifact with no source, or with two
(spec §19 rules 12, 42 and 49)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..artifacts import has_location
from ..calls import calls
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow


@dataclass(frozen=True)
class ArgumentArtifactSource(Message):
    """What: an entry of a step's, task's or hook's `arguments.artifacts` has neither
    `from`, `fromExpression` nor a location (raw, http, git, s3, ...), or has both `from`
    and `fromExpression`.

    Why: Argo rejects it ("from, artifact location, or key is required" / "shouldn't have
    both `from` and `fromExpression`"). Fix: say where the artifact comes from, once.

        arguments:
          artifacts:
          - name: data
        # fix:
          - name: data
            from: "{{steps.produce.outputs.artifacts.data}}"
    """

    code = "PL362"
    name: str = ""
    both: bool = False

    def text(self) -> str:
        if self.both:
            return f"argument artifact {self.name!r} has both from and fromExpression"
        return f"argument artifact {self.name!r} has no source (from, fromExpression or a location)"

    def hint_text(self) -> str | None:
        if self.both:
            return "keep one of from and fromExpression"
        return 'add `from: "{{steps.<step>.outputs.artifacts.<name>}}"` or a location such as raw or s3'


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        if not call.own_arguments:
            continue
        for art in call.arguments.artifacts:
            raw = art.raw
            has_from, has_expr = raw.get("from") is not None, raw.get("fromExpression") is not None
            if has_from and has_expr:
                yield ArgumentArtifactSource(raw.key_span("fromExpression"), art.name, True)
            elif not (has_from or has_expr or has_location(raw)):
                yield ArgumentArtifactSource(art.name_span, art.name, False)
