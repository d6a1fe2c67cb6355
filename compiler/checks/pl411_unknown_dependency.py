"""PL411: a DAG task depends on a task that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag, dag_templates
from ..model import Workflow
from ..names import suggest


@dataclass(frozen=True)
class UnknownDependency(Message):
    """What: a name in a task's `dependencies` or `depends` is not a task of the DAG.

    Why: Argo rejects the workflow at submit ("dependency 'x' not defined"). Dependencies
    only name tasks of the same DAG, never templates or tasks of other DAGs.
    Fix: correct the spelling, or add the missing task.

    ```yaml
    # wrong
    - name: report
      depends: "tset"
    # right
    - name: report
      depends: "test"
    ```
    """

    code = "PL411"
    task: str
    dependency: str
    suggestion: str | None = None

    def text(self) -> str:
        return f"task {self.task!r} depends on unknown task {self.dependency!r}"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "dependencies name tasks of the same DAG"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        graph = dag(wf, tmpl)
        for task, deps in zip(tmpl.tasks, graph.deps):
            for dep in deps:
                if dep.task and dep.task not in graph.by_name:
                    yield UnknownDependency(dep.span, task.name, dep.task,
                                            suggest(dep.task, graph.by_name))
