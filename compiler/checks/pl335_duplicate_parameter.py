"""PL335: two parameters (or two artifacts) with one name in one list (spec §19 rule 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YMap
from ..values import io_lists


@dataclass(frozen=True)
class DuplicateParameter(Message):
    """What: a parameter or artifact name repeated within one `parameters` or `artifacts`
    list of arguments, inputs or outputs.

    Why: Argo rejects the workflow ("... is not unique"); a reference could not tell the
    two apart. Fix: rename or remove one.

        arguments:
          parameters:
          - {name: message, value: hi}
          - {name: message, value: bye}     # duplicate
    """

    code = "PL335"
    what: str
    name: str
    where: str
    first_line: int

    def text(self) -> str:
        return (f"{self.what} {self.name!r} is not unique in {self.where} "
                f"(first defined on line {self.first_line})")

    def hint_text(self) -> str | None:
        return f"rename or remove one of the two {self.what}s"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for where, what, items in io_lists(wf):
        first: dict[str, int] = {}
        for item in items:
            if not isinstance(item, YMap):
                continue
            name = item.get("name")
            if not isinstance(name, str) or not name:
                continue
            span = item.value_span("name")
            if name in first:
                yield DuplicateParameter(span, what, str(name), where, first[name])
            else:
                first[name] = span.line
