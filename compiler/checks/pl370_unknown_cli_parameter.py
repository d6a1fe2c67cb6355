"""PL370: a `-p` / `--parameter-file` name that the workflow does not declare in
`spec.arguments.parameters`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..calls import find_library
from ..context import Context
from ..diagnostics import Message, Span
from ..model import Parameter, Workflow
from ..names import suggest
from ..tags import uses


@dataclass(frozen=True)
class UnknownCliParameter(Message):
    """What: a parameter given on the command line (`-p name=value` or in
    `--parameter-file`) that `spec.arguments.parameters` does not declare.

    Why: `argo submit` silently adds it as a new workflow parameter, which no template
    reads: usually a misspelt name, so the intended parameter keeps its default.
    `plait check` reports it; `plait run`/`submit` add it as Argo does, with this as a
    warning. An input of the `--entrypoint` template is declared (Argo passes the workflow's
    arguments to it by name). A name the workflow reads (`{{workflow.parameters.NAME}}`) is
    not reported: Argo adds it before it validates, and the workflow relies on it.
    Fix: correct the name (the hint suggests the nearest), or declare it.

        spec:
          arguments:
            parameters: [{name: message, value: hi}]
        # plait check -p mesage=hello wf.yaml  → did you mean 'message'?
    """

    code = "PL370"
    name: str = ""
    source: str = ""
    suggestion: str | None = None

    def text(self) -> str:
        via = f" ({self.source})" if self.source else ""
        return f"parameter {self.name!r}{via} is not declared in spec.arguments.parameters"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "declare it in spec.arguments.parameters, or drop it from the command line"


def declared_parameters(wf: Workflow, ctx: Context) -> dict[str, Parameter] | None:
    """The workflow's parameters by name (with those of a referenced WorkflowTemplate, and
    the inputs of the `--entrypoint` template, which Argo passes them to by name);
    None when they cannot be known (an unresolved workflowTemplateRef)."""
    params = {p.name: p for p in wf.arguments.parameters}
    owner: Workflow | None = wf
    ref = wf.workflow_template_ref
    if ref is not None:
        resolvable, owner = find_library(ctx, ref)
        if not resolvable or owner is None:
            return None
        for p in owner.arguments.parameters:
            params.setdefault(p.name, p)
    entry = owner.template(ctx.entrypoint) if owner is not None else None
    for p in entry.inputs.parameters if entry is not None else ():
        params.setdefault(p.name, p)
    return params


def read_parameters(wf: Workflow) -> set[str]:
    """The names the document reads as `workflow.parameters.NAME` (in tags and expressions)."""
    return {u.path[2] for u in uses(wf)
            if len(u.path) >= 3 and u.path[:2] == ("workflow", "parameters")}


def arguments_span(wf: Workflow) -> Span:
    """The `spec.arguments` key, or the key holding the spec (`spec` / `workflowSpec`)."""
    if "arguments" in wf.spec:
        return wf.spec.key_span("arguments")
    data = wf.doc.data
    if wf.kind == "CronWorkflow":
        outer = data.get("spec")
        if isinstance(outer, dict) and hasattr(outer, "key_span") and "workflowSpec" in outer:
            return outer.key_span("workflowSpec")
    return data.key_span("spec") if "spec" in data else data.span


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if not ctx.parameters or wf.is_library:
        return
    declared = declared_parameters(wf, ctx)
    if declared is None:
        return
    read = read_parameters(wf)
    ref = wf.workflow_template_ref
    owner = find_library(ctx, ref)[1] if ref is not None else None
    if owner is not None:
        read |= read_parameters(owner)
    for name in ctx.parameters:
        if name not in declared and name not in read:
            yield UnknownCliParameter(arguments_span(wf), name, ctx.parameter_sources.get(name, ""),
                                      suggest(name, [*declared, *sorted(read)]))
