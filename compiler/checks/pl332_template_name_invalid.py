"""PL332: a template name Argo rejects (spec §19 rule 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..names import MAX_TEMPLATE_NAME, TEMPLATE_NAME


@dataclass(frozen=True)
class TemplateNameInvalid(Message):
    """What: a template name that is empty, longer than 128 characters, or not made of
    letters, digits and `-` (starting with a letter or digit).

    Why: Argo rejects the workflow ("templates.x name must consist of alpha-numeric
    characters or '-'"); template names also end up in pod names. Fix: rename it (and its
    callers).

        templates:
        - name: print_message
        # fix:
        - name: print-message
    """

    code = "PL332"
    name: str

    def text(self) -> str:
        if not self.name:
            return "template name is empty"
        if len(self.name) > MAX_TEMPLATE_NAME:
            return f"template name has {len(self.name)} characters; at most {MAX_TEMPLATE_NAME} are allowed"
        return f"invalid template name {self.name!r}"

    def hint_text(self) -> str | None:
        if self.name and len(self.name) > MAX_TEMPLATE_NAME:
            return "shorten the name"
        fixed = "".join(c if c.isalnum() else "-" for c in self.name).strip("-")
        if fixed and fixed != self.name and TEMPLATE_NAME.fullmatch(fixed):
            return f"use letters, digits and '-', e.g. {fixed!r}"
        return "use letters, digits and '-', starting with a letter or digit"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in wf.templates:
        name = tmpl.raw.get("name")
        if not isinstance(name, str):
            continue                    # missing or not a string: the schema reports it
        if not name or len(name) > MAX_TEMPLATE_NAME or not TEMPLATE_NAME.fullmatch(name):
            yield TemplateNameInvalid(tmpl.name_span, str(name))
