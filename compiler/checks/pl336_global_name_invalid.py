"""PL336: a literal `globalName` Argo rejects (spec §19 rule 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..names import PARAMETER_NAME
from ..values import every_template, has_tag


@dataclass(frozen=True)
class GlobalNameInvalid(Message):
    """What: an output's `globalName` that is empty or has characters other than letters,
    digits, `-` and `_`.

    Why: Argo rejects the workflow; the name becomes `workflow.outputs.parameters.<name>`
    (or `.artifacts.<name>`). Fix: rename it (a `{{...}}` tag is also accepted).

        outputs:
          parameters:
          - name: result
            globalName: build.result
        # fix:
            globalName: build-result
    """

    code = "PL336"
    hint = "use letters, digits, '-' and '_' only"
    name: str

    def text(self) -> str:
        return f"invalid globalName {self.name!r}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        for item in tmpl.outputs.parameters + tmpl.outputs.artifacts:
            name = item.global_name
            if name is not None and not has_tag(name) and not PARAMETER_NAME.fullmatch(name):
                yield GlobalNameInvalid(name.span, str(name))
