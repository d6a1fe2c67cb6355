"""PL354: a `templateRef` to a known WorkflowTemplate names a template it does not have
(spec §19 rule 20)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import How, calls, ref_parts, resolve
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..names import suggest


@dataclass(frozen=True)
class UnknownRefTemplate(Message):
    """What: `templateRef.template` names no template of the referenced WorkflowTemplate,
    which plait found among the files given (or under `--templates`).

    Why: Argo rejects the workflow ("template reference X.Y not found"). Fix: correct the
    template name (the hint suggests the nearest), or the WorkflowTemplate name.

        templateRef:
          name: workflow-template-print-message
          template: print-mesage
        # fix:
          template: print-message
    """

    code = "PL354"
    library: str = ""
    name: str = ""
    suggestion: str | None = None

    def text(self) -> str:
        return f"WorkflowTemplate {self.library!r} has no template {self.name!r}"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return f"name one of the templates of {self.library!r}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        if call.ref is None or call.name is not None:
            continue
        target = resolve(wf, ctx, call)
        if target.how is not How.MISSING_IN_LIBRARY or target.library is None:
            continue
        template = ref_parts(call.ref).template
        if template is None:
            continue
        yield UnknownRefTemplate(template.span, target.library.name, str(template),
                                 suggest(str(template), [t.name for t in target.library.templates]))
