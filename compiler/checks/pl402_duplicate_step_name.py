"""PL402: two steps of one steps template share a name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..values import every_template


@dataclass(frozen=True)
class DuplicateStepName(Message):
    """What: a step name is used twice in the same steps template (in any of its groups).

    Why: Argo rejects the workflow at submit ("name 'x' is not unique"): node names and
    `steps.<name>` references must be unambiguous across the whole template.
    Fix: rename one of the steps.

    ```yaml
    # wrong
    steps:
    - - name: test
        template: unit
    - - name: test
        template: e2e
    # right
    steps:
    - - name: unit-test
        template: unit
    - - name: e2e-test
        template: e2e
    ```
    """

    code = "PL402"
    name: str
    first_line: int

    def text(self) -> str:
        return f"duplicate step name {self.name!r} (first used on line {self.first_line})"

    def hint_text(self) -> str | None:
        return "step names must be unique across all groups of a steps template; rename one"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        first: dict[str, int] = {}
        for step in tmpl.steps:
            if not step.name:
                continue
            span = step.name_span
            if step.name in first:
                yield DuplicateStepName(span, step.name, first[step.name])
            else:
                first[step.name] = span.line
