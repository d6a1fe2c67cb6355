"""PL114: an unquoted `when` value that govaluate splits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .grammar_errors import GrammarMessage, grammar_messages


@dataclass(frozen=True)
class WhenUnquoted(GrammarMessage):
    """What: an unquoted value in `when` that govaluate splits into several tokens.

    Why: govaluate reads `us-east-1` as `us - east - 1`, `v1.2` as an accessor and `a/b`
    as a division, so the condition errors at run time (Argo issues #1240, #3611).
    Fix: quote both sides: `when: "'{{inputs.parameters.region}}' == 'us-east-1'"`.
    """

    code = "PL114"
    hint = "quote both sides: '{{...}}' == 'us-east-1'"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from grammar_messages(wf, "PL114", WhenUnquoted)
