"""PL410: a DAG without tasks (`steps: []` is PL512's "no body": Go drops empty lists)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag_templates
from ..model import Workflow


@dataclass(frozen=True)
class EmptyDag(Message):
    """What: `dag: {tasks: []}`: a DAG template with nothing to run.

    Why: Argo rejects it at submit ("must have at least one task"). (An empty `steps`
    list is reported as a template without a body, PL512.)
    Fix: add the tasks, or delete the template and the calls to it.

    ```yaml
    # wrong
    - name: main
      dag:
        tasks: []
    # right
    - name: main
      dag:
        tasks:
        - name: hello
          template: say-hello
    ```
    """

    code = "PL410"
    hint = "add at least one task"
    template: str

    def text(self) -> str:
        return f"DAG {self.template!r} has no tasks"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        tasks = tmpl.dag.get("tasks")
        if isinstance(tasks, list) and not tasks:
            yield EmptyDag(tmpl.dag.value_span("tasks"), tmpl.name)
