"""PL416: a DAG `target` names a task that does not exist."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag, dag_templates
from ..model import Workflow
from ..names import suggest
from ..source import YStr
from ..values import has_tag

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class UnknownTarget(Message):
    """What: a name in a DAG's `target` (space-separated task names) is not a task of
    that DAG.

    Why: Argo rejects the workflow at submit ("target 'x' is not defined").
    Fix: correct the name; separate several targets with spaces, not commas.

    ```yaml
    # wrong
    dag:
      target: "build,test"
    # right
    dag:
      target: "build test"
    ```
    """

    code = "PL416"
    name: str
    suggestion: str | None = None

    def text(self) -> str:
        return f"target {self.name!r} is not a task of this DAG"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "target lists task names separated by spaces"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        target = tmpl.dag.get("target")
        if not isinstance(target, YStr) or has_tag(target):
            continue
        tasks = dag(wf, tmpl).by_name
        for m in _WORD.finditer(target):
            if m.group() not in tasks:
                yield UnknownTarget(target.locate(m.start(), m.end()), m.group(),
                                    suggest(m.group(), tasks))
