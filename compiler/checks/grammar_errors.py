"""Shared by the grammar-error rules (PL110–PL116): turn a `GrammarError` into a message
at the exact file position of the offending characters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..diagnostics import Message, Span
from ..model import Workflow
from ..source import YStr
from ..tags import index


@dataclass(frozen=True)
class GrammarMessage(Message):
    """Base of messages that carry a grammar error's own text and hint."""

    message: str = ""
    fix: str | None = None

    def text(self) -> str:
        return self.message

    def hint_text(self) -> str | None:
        return self.fix or self.hint


def grammar_messages(wf: Workflow, code: str, cls: type[GrammarMessage]) -> Iterator[Message]:
    """Messages for the grammar errors of the document that have this code."""
    for parsed in index(wf):
        err = parsed.error
        if err is not None and err.code == code:
            yield cls(error_span(parsed.text, err.start, err.end),
                      message=err.message, fix=err.hint)


def error_span(text: YStr, start: int, end: int) -> Span:
    """The span of a grammar error's characters; an error at the end of the text (an
    "unexpected end") points at its last character, which the reader can see."""
    stripped = len(text.rstrip())
    if start >= stripped and text.strip():
        return text.locate(stripped - 1, stripped)
    return text.locate(start, max(end, start + 1))
