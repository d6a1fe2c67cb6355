"""PL110: a tag that is never closed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .grammar_errors import GrammarMessage, grammar_messages


@dataclass(frozen=True)
class UnterminatedTag(GrammarMessage):
    """What: a `{{` (or `<<`) with no closing `}}` (`>>`) after it.

    Why: Argo fails the whole workflow with "Cannot find end tag" at submit and at run.
    Fix: close the tag: `"{{inputs.parameters.x}}"`, or `<<inputs.parameters.x>>`.
    """

    code = "PL110"
    hint = 'close the tag with }} (or >> for <<)'


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from grammar_messages(wf, "PL110", UnterminatedTag)
