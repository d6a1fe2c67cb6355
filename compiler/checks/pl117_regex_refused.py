"""PL117: a regular expression that Go's RE2 (and so Argo) refuses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from plait.grammar.evaluate import regex_literals
from plait.grammar.regex import regex_problem

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..tags import index
from .grammar_errors import error_span


@dataclass(frozen=True)
class RegexRefused(Message):
    """What: a pattern after `=~`/`!~` (in `when`) or `matches` (in an expression) that RE2
    cannot compile: lookarounds `(?=…)`, backreferences `\\1`, possessive `a*+`, `\\C`...

    Why: Argo compiles patterns with Go's `regexp` (RE2 syntax, linear time); the step
    fails with an error when it is reached. plait uses RE2 too, so a pod's output can never
    make a pattern run for ever.
    Fix: rewrite the pattern in RE2 syntax (https://github.com/google/re2/wiki/Syntax).

    ```yaml
    # wrong
    when: "'{{steps.a.outputs.result}}' =~ '^(?!skip)'"
    # right
    when: "'{{steps.a.outputs.result}}' !~ '^skip'"
    ```
    """

    code = "PL117"
    hint = "use RE2 syntax: no lookaround, no backreferences"
    pattern: str = ""
    problem: str = ""

    def text(self) -> str:
        return f"regular expression '{self.pattern}' is not valid RE2: {self.problem}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for parsed in index(wf):
        for node in parsed.nodes:
            for pattern, start, end in regex_literals(node):
                problem = regex_problem(pattern)
                if problem:
                    yield RegexRefused(error_span(parsed.text, start, end),
                                       pattern=pattern, problem=problem)
