"""PL413: one DAG uses both `depends` and `dependencies`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag, dag_templates
from ..model import Workflow


@dataclass(frozen=True)
class MixedDependencyStyles(Message):
    """What: a DAG where some task has `dependencies` while a task (this one or another)
    has `depends`.

    Why: Argo rejects the workflow at submit ("cannot use both 'depends' and
    'dependencies' in the same DAG template"). Fix: write every task's dependencies as
    `depends`: `dependencies: [a, b]` is `depends: "a && b"`.

    ```yaml
    # wrong
    - name: c
      dependencies: [a, b]
    - name: d
      depends: "c.Failed"
    # right
    - name: c
      depends: "a && b"
    - name: d
      depends: "c.Failed"
    ```
    """

    code = "PL413"
    suggestion: str

    def text(self) -> str:
        return "'dependencies' in a DAG that also uses 'depends'"

    def hint_text(self) -> str | None:
        return f"write it as depends: {self.suggestion!r}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        if not dag(wf, tmpl).uses_depends:
            continue
        for task in tmpl.tasks:
            deps = task.dependencies
            if deps:
                yield MixedDependencyStyles(task.raw.key_span("dependencies"),
                                            " && ".join(str(d) for d in deps))
