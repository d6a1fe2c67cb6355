"""PL113: a `when` condition that does not parse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .grammar_errors import GrammarMessage, grammar_messages


@dataclass(frozen=True)
class WhenSyntax(GrammarMessage):
    """What: a `when` condition that does not parse as a govaluate expression.

    Why: the step fails with Error when it is reached, not at submit.
    Fix: write `<value> <op> <value>`, e.g. `when: "{{steps.flip.outputs.result}} == heads"`.
    """

    code = "PL113"
    hint = "write a comparison such as '{{steps.a.outputs.result}} == heads'"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from grammar_messages(wf, "PL113", WhenSyntax)
