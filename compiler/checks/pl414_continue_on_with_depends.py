"""PL414: `continueOn` on a task of a DAG that uses `depends`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag, dag_templates
from ..model import Workflow


@dataclass(frozen=True)
class ContinueOnWithDepends(Message):
    """What: a task has `continueOn` in a DAG whose tasks use `depends`.

    Why: Argo rejects the workflow at submit ("cannot use 'continueOn' when using
    'depends'"): with `depends`, each dependant states which results it accepts.
    Fix: remove `continueOn` and accept the failure where the task is depended on.

    ```yaml
    # wrong
    - name: flaky
      continueOn: {failed: true}
    - name: next
      depends: "flaky"
    # right
    - name: flaky
    - name: next
      depends: "flaky.Succeeded || flaky.Failed"
    ```
    """

    code = "PL414"
    task: str

    def text(self) -> str:
        return f"task {self.task!r} has continueOn, which a DAG using 'depends' does not allow"

    def hint_text(self) -> str | None:
        return f"remove it and write e.g. depends: \"{self.task}.Succeeded || {self.task}.Failed\" " \
            "in the tasks that follow"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        if not dag(wf, tmpl).uses_depends:
            continue
        for task in tmpl.tasks:
            if "continueOn" in task.raw:
                yield ContinueOnWithDepends(task.raw.key_span("continueOn"), task.name)
