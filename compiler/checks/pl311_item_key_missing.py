"""PL311: `item.key` where a literal `withItems` entry has no such key (or is not a map)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class ItemKeyMissing(ScopeMessage):
    """What: `item.key` where a literal `withItems` entry has no such key (or is not a map).

    Why: Argo fails loop expansion with "failed to resolve {{item.key}}".
    Fix: correct the key or add it to every entry.
    """

    code = "PL311"
    hint = 'use a key that every withItems entry has'

    def text(self) -> str:
        return f"item.{self.name}: {self.detail}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.ITEM_KEY_MISSING, ItemKeyMissing)
