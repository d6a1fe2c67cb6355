"""Template calls: every place a workflow invokes a template, and what each one resolves to.

A template is called by the entrypoint (with `spec.arguments`), by the exit handler and
workflow hooks (with their own `arguments`, else `spec.arguments`), by every step and DAG
task, by their hooks and by their deprecated `onExit`. A call names its template by
`template:` (this document), `templateRef:` (a WorkflowTemplate, resolved among the files
given and `--templates`) or `inline:`. The argument checks (supplied inputs, unknown
arguments, enums) are written once against this list, so local templates, templateRef
targets and the entrypoint are judged alike.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping

from .context import Context
from .diagnostics import Span
from .model import IO, Parameter, Step, Template, Workflow, as_map, as_str, io_of
from .names import suggest
from .source import YMap, YStr, span_of
from .values import every_template, has_tag


class Role(enum.Enum):
    ENTRYPOINT = "entrypoint"
    EXIT = "exit handler"            # spec.onExit / spec.hooks.exit
    HOOK = "workflow hook"           # spec.hooks.<name>, name != exit
    STEP = "step"                    # a step or a DAG task
    STEP_HOOK = "hook"               # hooks.<name> of a step or task
    STEP_EXIT = "onExit"             # deprecated onExit of a step or task


@dataclass(frozen=True, slots=True)
class Call:
    """One invocation of a template, with the arguments it passes."""

    role: Role
    raw: YMap                        # the mapping that names the template (the spec for the entrypoint)
    arguments: IO
    own_arguments: bool              # False when the call passes `spec.arguments` (global parameters)
    name: YStr | None                # `template: X` (or the entrypoint / onExit name)
    ref: YMap | None                 # `templateRef:`
    inline: Template | None
    caller: Template | None
    step: Step | None

    @property
    def label(self) -> str:
        """How messages name the caller: step, task, hook, entrypoint, exit handler, ..."""
        if self.role is Role.STEP and self.step is not None:
            return "task" if self.step.is_task else "step"
        return self.role.value

    @property
    def span(self) -> Span:
        """Where a finding about the call as a whole points: the name of what it calls."""
        if self.name is not None:
            return self.name.span
        for key in ("templateRef", "inline", "workflowTemplateRef", "name"):
            if key in self.raw:
                return self.raw.key_span(key)
        return self.raw.span


class How(enum.Enum):
    LOCAL = "local"                  # a template of this document (or inline)
    REF = "ref"                      # a template of a known WorkflowTemplate
    MISSING = "missing"              # `template: X`, X not in this document
    UNKNOWN_LIBRARY = "unknown-library"      # templateRef to a WorkflowTemplate nobody gave us
    MISSING_IN_LIBRARY = "missing-in-library"  # known WorkflowTemplate without that template
    UNRESOLVED = "unresolved"        # tags, missing names, nothing to call


@dataclass(frozen=True, slots=True)
class Target:
    """What a call resolves to. `template` is set for LOCAL and REF."""

    how: How
    template: Template | None = None
    library: Workflow | None = None  # the WorkflowTemplate of a templateRef / workflowTemplateRef

    @property
    def label(self) -> str:
        name = self.template.name if self.template is not None else ""
        if self.library is not None:
            return f"{self.library.name}/{name}"
        return name or "inline template"


@dataclass(frozen=True, slots=True)
class RefParts:
    """The fields of a `templateRef` / `workflowTemplateRef`; `cluster` None when a tag."""

    name: YStr | None
    template: YStr | None
    cluster: bool | None


def ref_parts(ref: Mapping[str, Any]) -> RefParts:
    scope = ref.get("clusterScope")
    cluster = None if isinstance(scope, str) else scope is True
    return RefParts(as_str(ref.get("name")), as_str(ref.get("template")), cluster)


def find_library(ctx: Context, ref: Mapping[str, Any]) -> tuple[bool, Workflow | None]:
    """(resolvable, the WorkflowTemplate) of a reference; not resolvable when it has tags."""
    parts = ref_parts(ref)
    if parts.name is None or not parts.name or has_tag(parts.name) or parts.cluster is None:
        return False, None
    return True, ctx.library.find(str(parts.name), parts.cluster)


def calls(wf: Workflow) -> list[Call]:
    """Every call of the document, in document order (computed once per document)."""
    found = wf.cache.get("calls")
    if found is None:
        found = wf.cache["calls"] = list(_collect(wf))
    return found


def _collect(wf: Workflow):
    spec = wf.spec
    entry = wf.entrypoint
    if entry is not None or wf.workflow_template_ref is not None:
        yield Call(Role.ENTRYPOINT, spec, wf.arguments, False, entry, None, None, None, None)
    on_exit = as_str(spec.get("onExit"))
    if on_exit is not None:
        yield Call(Role.EXIT, spec, wf.arguments, False, on_exit, None, None, None, None)
    for key, hook in as_map(spec.get("hooks")).items():
        if isinstance(hook, YMap):
            yield _hook_call(Role.EXIT if key == "exit" else Role.HOOK, hook, wf.arguments, None, None)
    for tmpl in every_template(wf):
        for step in tmpl.children:
            yield Call(Role.STEP, step.raw, step.arguments, True, step.template,
                       step.template_ref, step.inline, tmpl, step)
            for hook in step.hooks.values():
                if isinstance(hook, YMap):
                    yield _hook_call(Role.STEP_HOOK, hook, None, tmpl, step)
            if step.on_exit is not None:
                yield Call(Role.STEP_EXIT, step.raw, io_of(None, step.span), True, step.on_exit,
                           None, None, tmpl, step)


def _hook_call(role: Role, hook: YMap, default_args: IO | None, caller: Template | None,
               step: Step | None) -> Call:
    """A hook passes its own `arguments`; a workflow hook without them passes spec.arguments."""
    own = "arguments" in hook or default_args is None
    args = io_of(hook.get("arguments"), hook.span) if own or default_args is None else default_args
    ref = hook.get("templateRef")
    return Call(role, hook, args, own, as_str(hook.get("template")),
                ref if isinstance(ref, YMap) else None, None, caller, step)


def resolve(wf: Workflow, ctx: Context, call: Call) -> Target:
    """The template a call runs, or why it cannot be known (memoised per document, as
    several checks ask for every call)."""
    memo = wf.cache.setdefault("call_targets", {})
    found = memo.get(id(call))
    if found is None:
        found = memo[id(call)] = _resolve(wf, ctx, call)
    return found


def _resolve(wf: Workflow, ctx: Context, call: Call) -> Target:
    ref = wf.workflow_template_ref
    if call.role is Role.ENTRYPOINT and ref is not None:
        return _resolve_workflow_template_ref(ref, ctx, call)
    if call.inline is not None:
        return Target(How.LOCAL, call.inline)
    if call.name is not None and call.ref is None:
        if has_tag(call.name):
            return Target(How.UNRESOLVED)
        tmpl = wf.template(str(call.name))
        return Target(How.LOCAL, tmpl) if tmpl is not None else Target(How.MISSING)
    if call.ref is not None and call.name is None:
        parts = ref_parts(call.ref)
        resolvable, library = find_library(ctx, call.ref)
        if not resolvable or parts.template is None or has_tag(parts.template):
            return Target(How.UNRESOLVED)
        if library is None:
            return Target(How.UNKNOWN_LIBRARY)
        tmpl = library.template(str(parts.template))
        if tmpl is None:
            return Target(How.MISSING_IN_LIBRARY, None, library)
        return Target(How.REF, tmpl, library)
    return Target(How.UNRESOLVED)


def _resolve_workflow_template_ref(ref: YMap, ctx: Context, call: Call) -> Target:
    """A Workflow running a WorkflowTemplate's spec: its entrypoint lives there."""
    resolvable, library = find_library(ctx, ref)
    if not resolvable:
        return Target(How.UNRESOLVED)
    if library is None:
        return Target(How.UNKNOWN_LIBRARY)
    entry = call.name if call.name is not None else library.entrypoint
    if entry is None or has_tag(entry):
        return Target(How.UNRESOLVED)
    tmpl = library.template(str(entry))
    return Target(How.REF, tmpl, library) if tmpl is not None else Target(How.UNRESOLVED)


def intended_template(wf: Workflow, name: Any) -> Template | None:
    """The template `name` calls, or, when no template has that name, the one it most
    likely means (the did-you-mean of the message that reports it). Checks that reason
    about reach (unused templates, exit handlers) follow it, so a misspelt name is
    reported once and not again through everything that stops being reached."""
    if not isinstance(name, str) or has_tag(name):
        return None
    found = wf.template(str(name))
    if found is None:
        meant = suggest(str(name), [t.name for t in wf.templates])
        found = wf.template(meant) if meant is not None else None
    return found


def call_arguments(wf: Workflow, ctx: Context, call: Call, target: Target) -> IO:
    """The arguments a call passes. A Workflow that runs a WorkflowTemplate passes that
    template's `spec.arguments`, overridden by name by its own (spec §1.1)."""
    if call.role is not Role.ENTRYPOINT or wf.workflow_template_ref is None or target.library is None:
        return call.arguments
    mine = {p.name for p in call.arguments.parameters}
    params = call.arguments.parameters + tuple(
        p for p in target.library.arguments.parameters if p.name not in mine)
    arts_mine = {a.name for a in call.arguments.artifacts}
    arts = call.arguments.artifacts + tuple(
        a for a in target.library.arguments.artifacts if a.name not in arts_mine)
    return IO(call.arguments.span, params, arts, call.arguments.raw)


def checks_inputs(wf: Workflow, call: Call) -> bool:
    """False where Argo assumes the inputs are supplied from outside.

    A WorkflowTemplate's entrypoint gets its arguments from the Workflow that runs it, and
    so (plait's choice) does its exit handler when it passes `spec.arguments`. A step with
    its arguments misplaced is reported once, as the misplaced key.
    """
    if call.role is Role.STEP and ("parameters" in call.raw or "artifacts" in call.raw):
        return False    # arguments written beside `arguments:` (PL201 says indent them)
    return not (wf.is_library and not call.own_arguments)


def literal(value: Any) -> str | None:
    """A parameter value as the text Argo compares, or None when it is unknown (tag, map)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return None if has_tag(value) else str(value)
    return None


def enum_values(param: Parameter) -> tuple[str, ...] | None:
    """A parameter's `enum` as the texts Argo compares; None when absent, empty or a tag."""
    enum = param.enum
    if not enum:
        return None
    values = tuple(literal(v) for v in enum)
    texts = tuple(v for v in values if v is not None)
    return texts if len(texts) == len(values) else None


def value_span(param: Parameter, key: str = "value") -> Span:
    """The span of a parameter's value (ints and bools carry none of their own)."""
    return span_of(param.raw.get(key), param.raw.value_span(key))


__all__ = ["Call", "How", "RefParts", "Role", "Target", "call_arguments", "calls",
           "checks_inputs", "enum_values", "find_library", "literal", "ref_parts", "resolve", "value_span"]
