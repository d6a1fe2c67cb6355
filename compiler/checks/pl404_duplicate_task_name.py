"""PL404: two tasks of one DAG share a name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag_templates
from ..model import Workflow


@dataclass(frozen=True)
class DuplicateTaskName(Message):
    """What: a task name is used twice in the same DAG.

    Why: Argo rejects the workflow at submit ("name 'x' is not unique"): dependencies,
    `tasks.<name>` references and node names must be unambiguous.
    Fix: rename one of the tasks and the dependencies that mean it.

    ```yaml
    # wrong
    tasks:
    - name: fetch
      template: fetch-a
    - name: fetch
      template: fetch-b
    # right
    tasks:
    - name: fetch-a
      template: fetch-a
    - name: fetch-b
      template: fetch-b
    ```
    """

    code = "PL404"
    name: str
    first_line: int

    def text(self) -> str:
        return f"duplicate task name {self.name!r} (first used on line {self.first_line})"

    def hint_text(self) -> str | None:
        return "task names must be unique within a DAG; rename one"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        first: dict[str, int] = {}
        for task in tmpl.tasks:
            if not task.name:
                continue
            span = task.name_span
            if task.name in first:
                yield DuplicateTaskName(span, task.name, first[task.name])
            else:
                first[task.name] = span.line
