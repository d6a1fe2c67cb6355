"""PL334: a parameter or artifact name Argo rejects (spec §19 rule 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..names import PARAMETER_NAME
from ..source import YMap
from ..values import has_tag, io_lists


@dataclass(frozen=True)
class ParameterNameInvalid(Message):
    """What: a parameter or artifact name (in arguments, inputs or outputs) that is empty or
    has characters other than letters, digits, `-` and `_`.

    Why: Argo rejects the workflow ("... name must consist of alpha-numeric characters, '_'
    or '-'"). A dot would also make `{{inputs.parameters.a.b}}` ambiguous. Fix: rename it
    (and every reference to it).

        inputs:
          parameters:
          - name: log.level
        # fix:
          - name: log-level
    """

    code = "PL334"
    hint = "use letters, digits, '-' and '_' only"
    what: str
    name: str
    where: str

    def text(self) -> str:
        if not self.name:
            return f"{self.what} name is empty in {self.where}"
        return f"invalid {self.what} name {self.name!r} in {self.where}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for where, what, items in io_lists(wf):
        for item in items:
            if not isinstance(item, YMap):
                continue
            name = item.get("name")
            if not isinstance(name, str) or has_tag(name):
                continue                # missing or mistyped: the schema reports it
            if not PARAMETER_NAME.fullmatch(name):
                yield ParameterNameInvalid(item.value_span("name"), what, str(name), where)
