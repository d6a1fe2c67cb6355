"""Shared by the name-resolution rules (PL301–PL316): one message per `scope.Problem`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..scope import of_kind


@dataclass(frozen=True)
class ScopeMessage(Message):
    """Base of messages about a reference that does not resolve where it stands."""

    name: str = ""
    detail: str = ""
    suggestion: str | None = None

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return self.hint


def scope_messages(wf: Workflow, ctx: Context, kind: str,
                   cls: type[ScopeMessage]) -> Iterator[Message]:
    for p in of_kind(wf, ctx, kind):
        yield cls(p.use.span, name=p.name, detail=p.detail, suggestion=p.suggestion)
