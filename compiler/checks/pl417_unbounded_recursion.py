"""PL417: templates that call each other in a cycle with nothing that can stop it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..graphs import CallEdge, call_graph, find_cycles
from ..model import Template, Workflow


@dataclass(frozen=True)
class UnboundedRecursion(Message):
    """What: a template calls itself, directly or through other templates, and no call
    on the way has a `when` (or a hook expression, a `withParam` loop, or a `depends`
    on a failure or skip) that could stop it.

    Why: every run goes one level deeper, until Argo stops it at 100 nested templates
    with "Maximum recursion depth exceeded" and fails the workflow.
    Fix: guard the recursive call with a `when` that eventually becomes false.

    ```yaml
    # wrong
    - name: flip
      steps:
      - - name: again
          template: flip
    # right
    - name: flip
      steps:
      - - name: toss
          template: toss
      - - name: again
          template: flip
          when: "{{steps.toss.outputs.result}} == tails"
    ```
    """

    code = "PL417"
    hint = "add a `when` to one of the calls in the cycle so the recursion can end"
    cycle: tuple[str, ...]

    def text(self) -> str:
        if len(self.cycle) == 2:
            return f"template {self.cycle[0]!r} calls itself unconditionally " \
                "(Argo fails at depth 100)"
        return "unconditional recursion: " + " -> ".join(self.cycle) + " (Argo fails at depth 100)"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    graph = call_graph(wf, ctx)
    templates: dict[int, Template] = {}
    edges: dict[int, list[int]] = {}
    closing: dict[tuple[int, int], CallEdge] = {}
    for call in graph.edges:
        templates[id(call.callee.raw)] = call.callee
        edges.setdefault(id(call.callee.raw), [])
        if call.caller is None or call.guarded:
            continue
        key = (id(call.caller.raw), id(call.callee.raw))
        if key not in closing:
            closing[key] = call
            edges.setdefault(key[0], []).append(key[1])
    labels = _labels(wf)
    for cycle in find_cycles(edges):
        call = closing[(cycle[-2], cycle[-1])]
        yield UnboundedRecursion(call.span, tuple(labels.get(n) or templates[n].name for n in cycle))


def _labels(wf: Workflow) -> dict[int, str]:
    """Display names of inline templates: `<step>(inline)`."""
    return {id(step.inline.raw): f"{step.name}(inline)"
            for _, step in wf.iter_steps() if step.inline is not None}
