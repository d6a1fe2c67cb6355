"""PL313: `{{retries}}` in a template without `retryStrategy`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class RetriesWithoutStrategy(ScopeMessage):
    """What: `{{retries}}` in a template without `retryStrategy`.

    Why: the variable is set only for retried templates; elsewhere it stays verbatim.
    Fix: add `retryStrategy` to the template, or drop the reference.
    """

    code = "PL313"
    hint = 'add a retryStrategy to the template'

    def text(self) -> str:
        return f"'retries' used in template {self.detail!r}, which has no retryStrategy"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.RETRIES_WITHOUT_STRATEGY, RetriesWithoutStrategy)
