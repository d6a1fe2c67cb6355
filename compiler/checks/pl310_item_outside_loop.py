"""PL310: `{{item}}` where no `withItems`/`withParam`/`withSequence` applies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class ItemOutsideLoop(ScopeMessage):
    """What: `{{item}}` where no `withItems`/`withParam`/`withSequence` applies.

    Why: `item` exists only in the fields of a looped step or task; elsewhere it stays
    verbatim. Fix: pass the item to the template as an argument:
    `arguments: {parameters: [{name: x, value: "{{item}}"}]}` and use `inputs.parameters.x`.
    """

    code = "PL310"
    hint = 'use item only in a step or task with withItems, withParam or withSequence'

    def text(self) -> str:
        return "'item' used outside a loop"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.ITEM_OUTSIDE_LOOP, ItemOutsideLoop)
