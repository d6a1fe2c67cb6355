"""PL405: a step or task has more than one loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow


@dataclass(frozen=True)
class MultipleLoops(Message):
    """What: a step or task uses more than one of `withItems`, `withParam` and
    `withSequence`.

    Why: a step loops over one list; Argo rejects the workflow at submit ("only one of
    withItems, withParam, withSequence can be specified").
    Fix: keep one loop; to loop over two lists, nest a steps template inside the loop.

    ```yaml
    # wrong
    - name: print
      template: echo
      withItems: [a, b]
      withSequence: {count: "3"}
    # right
    - name: print
      template: echo
      withItems: [a, b]
    ```
    """

    code = "PL405"
    keys: tuple[str, ...]

    def text(self) -> str:
        return "only one of withItems, withParam, withSequence may be used; found " \
            + ", ".join(self.keys[:-1]) + " and " + self.keys[-1]

    def hint_text(self) -> str | None:
        return "keep one loop; to loop over two lists, call a template that loops over the other"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for _, step in wf.iter_steps():
        keys = tuple(k for k in step.raw if k in ("withItems", "withParam", "withSequence"))
        if len(keys) > 1:
            yield MultipleLoops(step.raw.key_span(keys[1]), keys)
