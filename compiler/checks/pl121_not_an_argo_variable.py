"""PL121: `{{...}}` text that Argo leaves alone but that looks like a misspelt variable."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterator

from plait.grammar.parse import ARGO_ROOTS

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from ..tags import index

# an opener, then a dotted (or indexed) name: `{{input.parameters.x}}`, `<<setps.a.x>>`
_DOTTED = re.compile(r"(\{\{|<<)\s*([A-Za-z_][A-Za-z0-9_]*)\s*[.\[]")
# a bare word in braces, `{{itme}}`: only the roots Argo uses alone are candidates (a `<<EOF>>`
# is a heredoc, and other template languages rarely write a bare word close to these)
_BARE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_BARE_ROOTS = ["item", "retries"]


@dataclass(frozen=True)
class NotAnArgoVariable(Message):
    """What: a `{{name.more}}` whose first word is close to, but not, one of Argo's variable
    roots (`inputs`, `outputs`, `steps`, `tasks`, `workflow`, `item`, `pod`, ...), or a bare
    `{{word}}` close to `item` or `retries` (`{{itme}}`).

    Why: Argo substitutes only tags that start with one of its roots and leaves every other
    `{{...}}` as written (so a Vault, kubectl or Helm template in a script keeps working).
    `{{input.parameters.x}}` therefore reaches the pod as literal text, with no error.
    Fix: correct the root (`inputs.parameters.x`). Text that is meant for another tool
    (`{{ .Values.x }}`, `{{range .items}}`) is never reported.
    """

    code = "PL121"
    severity = Severity.WARNING
    word: str = ""
    suggestion: str = ""

    def text(self) -> str:
        return (f"'{self.word}' is not an Argo variable, so Argo leaves this tag as "
                f"literal text")

    def hint_text(self) -> str | None:
        return f"did you mean {self.suggestion!r}?"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    roots = sorted(ARGO_ROOTS)
    for parsed in index(wf):
        text = parsed.text
        for m in _DOTTED.finditer(text):
            word = m.group(2)
            if word in ARGO_ROOTS:
                continue
            close = difflib.get_close_matches(word, roots, n=1, cutoff=0.75)
            if close:
                yield NotAnArgoVariable(text.locate(m.start(2), m.end(2)), word=word,
                                        suggestion=close[0])
        for m in _BARE.finditer(text):
            word = m.group(1)
            close = difflib.get_close_matches(word, _BARE_ROOTS, n=1, cutoff=0.75)
            if close and word not in ARGO_ROOTS:
                yield NotAnArgoVariable(text.locate(m.start(1), m.end(1)), word=word,
                                        suggestion=close[0])
