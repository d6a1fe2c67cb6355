"""PL333: two templates with one name (spec §19 rule 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow


@dataclass(frozen=True)
class DuplicateTemplate(Message):
    """What: a template name used by an earlier template of the same document.

    Why: Argo rejects the workflow ("template name 'x' is not unique"); otherwise callers
    could not tell which one they mean. Fix: rename one of them.

        templates:
        - name: build
          container: {image: golang}
        - name: build            # duplicate
        # fix:
        - name: build-docs
    """

    code = "PL333"
    name: str
    first_line: int

    def text(self) -> str:
        return f"template name {self.name!r} is not unique (first used on line {self.first_line})"

    def hint_text(self) -> str | None:
        return "rename one of the two templates, and the steps that call it"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    first: dict[str, int] = {}
    for tmpl in wf.templates:
        if not tmpl.name:
            continue
        if tmpl.name in first:
            yield DuplicateTemplate(tmpl.name_span, tmpl.name, first[tmpl.name])
        else:
            first[tmpl.name] = tmpl.name_span.line
