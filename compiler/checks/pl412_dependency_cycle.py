"""PL412: DAG tasks that depend on each other in a cycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import dag, dag_templates, find_cycles
from ..model import Workflow


@dataclass(frozen=True)
class DependencyCycle(Message):
    """What: DAG tasks wait for each other in a circle (`a` depends on `b`, `b` on `a`),
    or a task depends on itself.

    Why: no task of the cycle can ever start; Argo rejects the workflow at submit
    ("dependency cycle detected"). Fix: remove the dependency that closes the cycle.

    ```yaml
    # wrong
    - name: a
      dependencies: [b]
    - name: b
      dependencies: [a]
    # right
    - name: a
    - name: b
      dependencies: [a]
    ```
    """

    code = "PL412"
    cycle: tuple[str, ...]

    def text(self) -> str:
        return "dependency cycle: " + " -> ".join(self.cycle)

    def hint_text(self) -> str | None:
        return ("each task waits for the next one, so none can start; "
                "remove one of these dependencies")


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in dag_templates(wf):
        graph = dag(wf, tmpl)
        edges = {name: [d for d in deps if d in graph.by_name]
                 for name, deps in graph.edges().items()}
        for cycle in find_cycles(edges):
            first = next(d for d in graph.deps_of(cycle[0]) if d.task == cycle[1])
            yield DependencyCycle(first.span, tuple(cycle))
