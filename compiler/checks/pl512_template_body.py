"""PL512: a template with no body, or with more than one (spec §19 rule 23)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import BODY_KINDS, Workflow
from ..values import every_template


@dataclass(frozen=True)
class TemplateBody(Message):
    """What: a template with none of `container`, `script`, `steps`, `dag`, `resource`,
    `suspend`, `http`, `containerSet`, `data`, `plugin`, or with more than one.

    Why: Argo rejects it ("template type unspecified" / "multiple template types
    specified"): the body says what the template does. Fix: keep exactly one body; split a
    template that does two things into two templates.

        - name: hello
          container: {image: busybox, command: [echo, hi]}
          script: {image: python, source: print(1)}
        # fix: two templates, or drop one body
    """

    code = "PL512"
    name: str
    kinds: tuple[str, ...]

    def text(self) -> str:
        who = f"template {self.name!r}" if self.name else "inline template"
        if not self.kinds:
            return f"{who} has no body (template type unspecified)"
        return f"{who} has several bodies: {', '.join(self.kinds)}"

    def hint_text(self) -> str | None:
        if not self.kinds:
            return "add one of: " + ", ".join(BODY_KINDS)
        return "keep exactly one body; split the template in two"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        # `steps: []` counts as no body, as in Argo (an empty list is absent in Go)
        kinds = tuple(k for k in tmpl.kinds if tmpl.raw[k] is not None
                      and not (k == "steps" and tmpl.raw[k] == []))
        if len(kinds) == 1:
            continue
        span = tmpl.name_span if not kinds else tmpl.raw.key_span(kinds[1])
        yield TemplateBody(span, tmpl.name, kinds)
