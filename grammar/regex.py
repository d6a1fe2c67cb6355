"""Regular expressions over workflow data, in linear time (RE2), as Argo's Go code runs them.

Argo evaluates `=~`/`!~` (govaluate) and `matches` (expr-lang) with Go's `regexp`, which is
RE2: no backtracking, so a pattern such as `^(a+)+$` cannot hang on a pod's output. Python's
`re` backtracks, so every pattern that workflow data reaches goes through `compile_regex`.
`regex_problem` tells the compiler why RE2 (and so Go) refuses a pattern.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False        # a refused pattern is reported by us, not printed by RE2
# Go's regexp accepts RE2 syntax minus `\C` (any byte), which would split UTF-8 characters.
_GO_REFUSES = ("\\C",)


class RegexError(ValueError):
    """A pattern that Go's RE2 syntax does not accept."""


@functools.lru_cache(maxsize=256)
def compile_regex(pattern: str) -> Any:
    """The compiled RE2 pattern; RegexError (with RE2's reason) when Go would refuse it."""
    problem = _go_only(pattern)
    if problem:
        raise RegexError(problem)
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as e:
        reason = e.args[0] if e.args else str(e)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RegexError(str(reason)) from None


def regex_problem(pattern: str) -> str | None:
    """Why RE2 refuses `pattern`, or None when it compiles."""
    try:
        compile_regex(pattern)
    except RegexError as e:
        return str(e)
    return None


def _go_only(pattern: str) -> str | None:
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            if pattern[i:i + 2] in _GO_REFUSES:
                return f"invalid escape sequence: {pattern[i:i + 2]}"
            i += 2
            continue
        i += 1
    return None


__all__ = ["RegexError", "compile_regex", "regex_problem"]
