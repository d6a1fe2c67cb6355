"""PL415: `.AnySucceeded` / `.AllFailed` on a task that has no loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag, dag_templates
from ..model import Workflow

_LOOP_RESULTS = ("AnySucceeded", "AllFailed")


@dataclass(frozen=True)
class LoopResultOnUnloopedTask(Message):
    """What: `depends` asks for `task.AnySucceeded` or `task.AllFailed` of a task that has
    no `withItems`, `withParam` or `withSequence`.

    Why: those results describe the iterations of a looped task; Argo rejects the
    workflow at submit ("uses an items-based condition such as .AnySucceeded or
    .AllFailed but does not contains any items").
    Fix: use `.Succeeded` / `.Failed`, or add the loop to the task.

    ```yaml
    # wrong (build has no loop)
    depends: "build.AnySucceeded"
    # right
    depends: "build.Succeeded"
    ```
    """

    code = "PL415"
    task: str
    result: str

    def text(self) -> str:
        return f"{self.result} needs a looped task, but {self.task!r} has no withItems, " \
            "withParam or withSequence"

    def hint_text(self) -> str | None:
        plain = "Succeeded" if self.result == "AnySucceeded" else "Failed"
        return f"use {self.task}.{plain}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        graph = dag(wf, tmpl)
        for deps in graph.deps:
            for dep in deps:
                target = graph.by_name.get(dep.task)
                if dep.result in _LOOP_RESULTS and target is not None and not target.loop_keys:
                    yield LoopResultOnUnloopedTask(dep.result_span or dep.span, dep.task, dep.result)
