"""PL112: an expression that does not parse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .grammar_errors import GrammarMessage, grammar_messages


@dataclass(frozen=True)
class ExpressionSyntax(GrammarMessage):
    """What: an expression (`{{= ...}}`, `valueFrom.expression`, a hook's or a retry's
    `expression`, an HTTP `successCondition`) that does not parse.

    Why: Argo never validates expressions: the node fails at run time, often hours in.
    Fix: correct the expression, e.g. `{{= asInt(inputs.parameters.n) + 1 }}`.
    """

    code = "PL112"
    hint = 'correct the expression syntax'


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from grammar_messages(wf, "PL112", ExpressionSyntax)
