"""PL356: a call does not supply an input parameter that has no value or default
(spec §19 rule 38)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

from ..calls import Call, How, Role, call_arguments, calls, checks_inputs, find_library, resolve
from ..context import Context
from ..diagnostics import Message
from ..model import Parameter, Workflow, as_str
from ..source import YStr


@dataclass(frozen=True)
class MissingInputParameter(Message):
    """What: the called template declares `inputs.parameters.X` with no `value` and no
    `default`, and the call passes no argument X. Calls are steps, DAG tasks and hooks
    (their `arguments`), the entrypoint and the exit handler (`spec.arguments`), and
    `templateRef` targets found among the files given.

    Why: Argo rejects the workflow: "inputs.parameters.X was not supplied".
    Fix: pass the argument, or give the input a `default`.

        - name: hello
          template: print-message          # inputs: parameters: [{name: message}]
        # fix:
        - name: hello
          template: print-message
          arguments:
            parameters: [{name: message, value: hi}]
    """

    code = "PL356"
    name: str = ""
    template: str = ""
    role: str = ""

    def text(self) -> str:
        return f"inputs.parameters.{self.name} was not supplied: the {self.role} calls {self.template!r} without it"

    def hint_text(self) -> str | None:
        where = "spec.arguments.parameters" if self.role in ("entrypoint", "exit handler") else "arguments.parameters"
        return f"pass {self.name!r} in {where}, or give the input a default"


def supplied(param: Parameter) -> bool:
    """An input parameter that has its own value (`value`, `default` or `valueFrom`)."""
    raw = param.raw
    return any(raw.get(k) is not None for k in ("value", "default", "valueFrom"))


def _entrypoint_name(wf: Workflow, ctx: Context) -> YStr | None:
    """`--entrypoint T`: T's name where the template is written (this document, or the
    WorkflowTemplate of its workflowTemplateRef); None when no such template exists."""
    owner: Workflow | None = wf
    if wf.workflow_template_ref is not None:
        owner = find_library(ctx, wf.workflow_template_ref)[1]
    tmpl = owner.template(ctx.entrypoint) if owner is not None else None
    return as_str(tmpl.raw.get("name")) if tmpl is not None else None


def _calls(wf: Workflow, ctx: Context) -> Iterator[Call]:
    """The document's calls; with `--entrypoint T` the entrypoint calls T, as
    `argo submit --entrypoint` sets it before Argo validates the workflow."""
    for call in calls(wf):
        if call.role is Role.ENTRYPOINT and ctx.entrypoint and not wf.is_library:
            name = _entrypoint_name(wf, ctx)
            if name is None:
                continue            # not a template: the planner refuses the entrypoint
            call = replace(call, name=name)
        yield call


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in _calls(wf, ctx):
        if not checks_inputs(wf, call):
            continue
        target = resolve(wf, ctx, call)
        if target.how not in (How.LOCAL, How.REF) or target.template is None:
            continue
        given = {p.name for p in call_arguments(wf, ctx, call, target).parameters}
        if call.role is Role.ENTRYPOINT and not wf.is_library:
            given |= set(ctx.parameters or {})     # `-p` names join spec.arguments at submit
        for param in target.template.inputs.parameters:
            if param.name and param.name not in given and not supplied(param):
                yield MissingInputParameter(call.span, param.name, target.label, call.label)

