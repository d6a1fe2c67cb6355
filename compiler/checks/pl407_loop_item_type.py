"""PL407: a `withItems` element that is null."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow


@dataclass(frozen=True)
class InvalidLoopItem(Message):
    """What: an element of `withItems` is null (an empty `-` entry, `~` or `null`).

    Why: Argo accepts strings, numbers, booleans, lists and maps as items and rejects
    the workflow at submit otherwise ("withItems[1] expected string, number, list, or
    map"). Fix: give the item a value, quote it (`"null"`) if the word is meant, or
    remove the entry.

    ```yaml
    # wrong
    withItems:
    - alpha
    -
    - gamma
    # right
    withItems: [alpha, gamma]
    ```
    """

    code = "PL407"
    hint = "write a string, number, bool, list or map, or remove the entry"
    index: int

    def text(self) -> str:
        return f"withItems[{self.index}] is null; items must be strings, numbers, bools, lists or maps"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for _, step in wf.iter_steps():
        items = step.with_items
        if items is not None:
            for i, item in enumerate(items):
                if item is None:
                    yield InvalidLoopItem(items.item_span(i), i)
