"""PL418: a template of a Workflow that nothing calls (a warning)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..graphs import call_graph
from ..model import Workflow


@dataclass(frozen=True)
class UnusedTemplate(Message):
    """What: a template of a Workflow or CronWorkflow that is not the entrypoint, not an
    exit handler or hook, and not called by any step or task reachable from them.

    Why: it never runs (unless the run is submitted with `--entrypoint`), yet Argo still
    validates it; often a step calls a misspelt or renamed template elsewhere, or the
    template is left over. WorkflowTemplates are not checked: other workflows call
    their templates. Fix: call it, or delete it.

    ```yaml
    # suspicious: nothing calls "cleanup"
    entrypoint: main
    templates:
    - name: main
      steps: [[{name: build, template: build}]]
    - name: build
      container: {image: alpine}
    - name: cleanup
      container: {image: alpine}
    # meant
    onExit: cleanup
    ```
    """

    code = "PL418"
    severity = Severity.WARNING
    name: str

    def text(self) -> str:
        return f"template {self.name!r} is never called"

    def hint_text(self) -> str | None:
        return "call it from a step or task, make it the onExit handler, or delete it"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if wf.is_library or wf.workflow_template_ref is not None or wf.template(wf.entrypoint) is None:
        return
    graph = call_graph(wf, ctx)
    if graph.dynamic:
        return                      # a `template: "{{...}}"` may call any of them
    callees: dict[int, list[int]] = {}
    roots = []
    for call in graph.edges:
        if call.caller is None:
            roots.append(id(call.callee.raw))
        else:
            callees.setdefault(id(call.caller.raw), []).append(id(call.callee.raw))
    given = wf.template(ctx.entrypoint)     # `--entrypoint T` runs T as well
    if given is not None:
        roots.append(id(given.raw))
    reached = set(roots)
    todo = list(roots)
    while todo:
        for nxt in callees.get(todo.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    seen: set[str] = set()
    for tmpl in wf.templates:
        if id(tmpl.raw) not in reached and tmpl.name not in seen:
            yield UnusedTemplate(tmpl.name_span, tmpl.name)
        seen.add(tmpl.name)
