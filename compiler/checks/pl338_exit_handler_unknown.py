"""PL338: an exit handler that names no template (spec §19 rule 14)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map, as_str
from ..names import suggest
from ..values import has_tag


@dataclass(frozen=True)
class ExitHandlerUnknown(Message):
    """What: `spec.onExit` or `spec.hooks.exit.template` names no template of the document.

    Why: Argo validates the exit handler like the entrypoint and rejects the workflow
    ("spec.onExit template 'x' undefined"). Fix: name an existing template.

        spec:
          onExit: exit-handlr
          templates:
          - name: exit-handler
        # fix:
          onExit: exit-handler
    """

    code = "PL338"
    field: str
    name: str
    suggestion: str | None = None

    def text(self) -> str:
        return f"{self.field} template {self.name!r} is not defined"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "name a template of this document"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.workflow_template_ref is not None:
        return                          # the templates live in the referenced template
    names = {t.name for t in wf.templates}
    on_exit = as_str(wf.spec.get("onExit"))
    hook = as_str(as_map(as_map(wf.spec.get("hooks")).get("exit")).get("template"))
    for field, name in (("spec.onExit", on_exit), ("spec.hooks.exit", hook)):
        if name and not has_tag(name) and name not in names:
            yield ExitHandlerUnknown(name.span, field, str(name), suggest(name, names))
