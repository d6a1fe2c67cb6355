"""PL403: a DAG task name Argo rejects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag, dag_templates
from ..model import Workflow
from ..source import YStr
from .pl209_templated_step_name import substituted, templated
from .pl401_step_name import name_problem


@dataclass(frozen=True)
class InvalidTaskName(Message):
    """What: a DAG task name is empty, is not letters, digits and `-` starting with a
    letter or digit (at most 128 characters), or starts with a digit in a DAG that uses
    `depends` or `dependencies`.

    Why: Argo rejects the workflow at submit ("name 'x' is invalid", "name cannot begin
    with a digit when using either 'depends' or 'dependencies'"): task names become node
    names, `tasks.<name>` references and the variables of the `depends` expression.
    Fix: rename the task, and every reference to it.

    ```yaml
    # wrong
    - name: 1st-step
      template: a
    - name: second
      depends: 1st-step
    # right
    - name: first-step
      template: a
    - name: second
      depends: first-step
    ```
    """

    code = "PL403"
    name: str
    problem: str

    def text(self) -> str:
        if not self.name:
            return "task has an empty name"
        return f"invalid task name {self.name!r}: {self.problem}"

    def hint_text(self) -> str | None:
        if self.problem.startswith("starts with a digit"):
            return "start the name with a letter, e.g. " + repr("task-" + self.name)
        return "rename it, and every dependency and reference to it"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        uses_depends = dag(wf, tmpl).uses_depends
        for task in tmpl.tasks:
            name = task.raw.get("name")
            if not isinstance(name, YStr):
                continue            # absent or not a string: the schema stage reports it
            if name and templated(name):     # checked after substitution (PL209)
                value = substituted(wf, ctx, name)
                problem = name_problem(value) if value is not None else None
                if problem:
                    yield InvalidTaskName(name.span, str(name), f"it becomes {value!r}: {problem}")
                continue
            problem = name_problem(name) if name else "empty"
            if problem is None and name[0].isdigit() and (uses_depends or task.dependencies):
                problem = "starts with a digit, which 'depends'/'dependencies' cannot name"
            if problem:
                yield InvalidTaskName(name.span, str(name), problem)
