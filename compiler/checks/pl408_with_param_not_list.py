"""PL408: a literal `withParam` that is not a JSON list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YStr
from ..values import has_tag


@dataclass(frozen=True)
class WithParamNotList(Message):
    """What: a `withParam` without tags whose text is not a JSON list.

    Why: Argo parses `withParam` as a JSON array when the loop expands; anything else
    fails the step with "withParam value could not be parsed as a JSON list".
    Fix: write a JSON array (`'["a", "b"]'`), or use `withItems` for a literal list.

    ```yaml
    # wrong
    withParam: "a, b, c"
    # right
    withItems: [a, b, c]
    ```
    """

    code = "PL408"
    hint = "write a JSON array such as '[\"a\", \"b\"]', or use withItems for a literal list"
    problem: str

    def text(self) -> str:
        return f"withParam is not a JSON list: {self.problem}"


def json_list_problem(text: str) -> str | None:
    """Why `text` is not a JSON list (in words about the text, not the JSON parser's), or
    None if it is one."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        return _what_was_found(text, e.pos)
    except ValueError:
        return f"found {_shown(text)}"
    if not isinstance(value, list):
        return f"it is a JSON {type(value).__name__.replace('dict', 'object').replace('str', 'string')}"
    return None


def _what_was_found(text: str, pos: int) -> str:
    body = text.strip()
    if not body.startswith(("[", "{", '"')):
        return f"found plain text {_shown(body)}"
    if pos >= len(text.rstrip()):
        return f"the text {_shown(body)} ends before the list is closed"
    char = text[pos]
    hint = " (JSON strings take double quotes)" if char == "'" else ""
    return f"found {char!r} at character {pos + 1} of {_shown(body)}{hint}"


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:39] + "…")


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for _, step in wf.iter_steps():
        param = step.with_param
        if isinstance(param, YStr) and param.strip() and not has_tag(param):
            problem = json_list_problem(param)
            if problem:
                yield WithParamNotList(param.span, problem)
