"""PL111: a tag body that is not a reference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .grammar_errors import GrammarMessage, grammar_messages


@dataclass(frozen=True)
class BadReference(GrammarMessage):
    """What: a tag whose body is not a reference such as `inputs.parameters.x`.

    Why: `{{}}`, `{{a..b}}` or `{{inputs parameters}}` never resolve; Argo leaves them in
    the command verbatim. Fix: write a dotted reference, or `{{= ...}}` for an expression.
    """

    code = "PL111"
    hint = 'write a dotted reference such as inputs.parameters.name'


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from grammar_messages(wf, "PL111", BadReference)
