"""`compile_file`: check a workflow file, then build the plan of its Workflow."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from .argo_version import DEFAULT, Version
from .check import UsageError, check_paths, no_gc
from .config import Config
from .context import Context, Library
from .diagnostics import Diagnostic, Severity
from .model import Workflow
from .params import ParameterUsageError, gather_parameters
from .plan import MAX_DEPTH, Plan
from .planner import PlanError, build_plan, plain
from .submitted import submitted_metadata

# the finding of a reference to a template no file defines: an error when a run needs it
UNRESOLVED_REF_CODES = frozenset({"PL353"})
# the finding of a `-p` name the workflow does not declare: Argo adds it, so a run warns
UNDECLARED_PARAMETER_CODES = frozenset({"PL370"})


def select_workflow(workflows: list[Workflow], wanted: str | None, path: str) -> Workflow:
    """The document to compile: the one named `wanted` (metadata.name or generateName, any
    kind); else the file's one Workflow (its WorkflowTemplates resolve its references); else
    its one CronWorkflow (the `workflowSpec`); else its one WorkflowTemplate (the entrypoint,
    or `--entrypoint`)."""
    if wanted is not None:
        named = [wf for wf in workflows
                 if wanted in (str(wf.metadata.get("name") or ""), str(wf.metadata.get("generateName") or ""))]
        if len(named) != 1:
            names = ", ".join(f"{wf.kind} {wf.name}" for wf in workflows) or "none"
            what = "no" if not named else "more than one"
            raise UsageError(f"{path}: {what} document named {wanted!r} ({names})")
        return named[0]
    for kinds in (("Workflow",), ("CronWorkflow",), ("WorkflowTemplate", "ClusterWorkflowTemplate")):
        candidates = [wf for wf in workflows if wf.kind in kinds]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            names = ", ".join(wf.name for wf in candidates)
            raise UsageError(f"{path}: holds {len(candidates)} {kinds[0]}s ({names}); "
                             "choose one with --workflow NAME")
    raise UsageError(f"{path}: holds no Workflow, CronWorkflow or WorkflowTemplate "
                     "(hint: plait compiles and runs those kinds; `plait check` reads the file)")


def compile_file(path: str, parameters: dict[str, Any] | None = None,
                 parameter_file: str | None = None, entrypoint: str | None = None,
                 name: str | None = None, workflow: str | None = None,
                 templates: Iterable[str] = (), max_depth: int = MAX_DEPTH,
                 ) -> tuple[Plan | None, list[Diagnostic]]:
    """Check `path` and plan its Workflow; (None, diagnostics) if any check found an error."""
    done = compile_workflow(path, parameters, parameter_file, entrypoint, name,
                            workflow, templates, max_depth)
    return done.plan, done.diagnostics


@dataclass
class Compiled:
    """What `compile_workflow` found: the plan (None after errors) and where it came from."""

    plan: Plan | None
    diagnostics: list[Diagnostic]
    workflow: Workflow | None = None
    documents: list[Workflow] = field(default_factory=list)   # every document of the file
    supplied: tuple[str, ...] = ()      # parameters given by -p or a parameter file (data)
    library: Library | None = None      # the WorkflowTemplates references resolved against


def compile_workflow(path: str, parameters: dict[str, Any] | None = None,
                     parameter_file: str | None = None, entrypoint: str | None = None,
                     name: str | None = None, workflow: str | None = None,
                     templates: Iterable[str] = (), max_depth: int = MAX_DEPTH,
                     refs_must_resolve: bool = False,
                     submit_metadata: dict[str, set[str]] | None = None,
                     undeclared_ok: bool = False, argo_version: Version = DEFAULT) -> Compiled:
    """`compile_file`, also returning the chosen Workflow and its file's documents.

    `refs_must_resolve` (a run): a `templateRef`/`workflowTemplateRef` to a template none of
    the files defines (PL353, a warning for `check`: it may live in the cluster) is an error,
    as Argo rejects the submit when the cluster does not have it either. `submit_metadata`:
    the label/annotation keys the run adds (`check_paths`). `undeclared_ok` (a run, as
    `argo submit`): a parameter the workflow does not declare (PL370) is added with a warning.
    `argo_version`: the Argo release the workflow is for (`--argo-version`); under 3.x the
    fields v4 removed are accepted and planned as their v4 form (compiler/argo_version.py)."""
    with no_gc():
        return _compile_workflow(path, parameters, parameter_file, entrypoint, name, workflow,
                                 templates, max_depth, refs_must_resolve, submit_metadata or {},
                                 undeclared_ok, argo_version)


def _compile_workflow(path: str, parameters: dict[str, Any] | None, parameter_file: str | None,
                      entrypoint: str | None, name: str | None, workflow: str | None,
                      templates: Iterable[str], max_depth: int,
                      refs_must_resolve: bool,
                      submit_metadata: dict[str, set[str]],
                      undeclared_ok: bool = False, argo_version: Version = DEFAULT) -> Compiled:
    try:
        parameters, sources, messages = gather_parameters(parameters, parameter_file)
    except ParameterUsageError as exc:
        raise UsageError(str(exc)) from None
    # compiling is submitting: arguments left without a value are errors, as with `-p`
    parameters = dict(parameters or {})
    report = check_paths([path], templates=templates, parameters=parameters,
                         parameter_sources=sources, submit_metadata=submit_metadata,
                         entrypoint=entrypoint, config=Config(argo_version=argo_version))
    diags = sorted(report.diagnostics + [Diagnostic.of(m) for m in messages],
                   key=Diagnostic.sort_key)
    if refs_must_resolve:
        diags = [replace(d, severity=Severity.ERROR) if d.code in UNRESOLVED_REF_CODES else d
                 for d in diags]
    if undeclared_ok:
        diags = [replace(d, severity=Severity.WARNING) if d.code in UNDECLARED_PARAMETER_CODES
                 else d for d in diags]
    if any(d.severity is Severity.ERROR for d in diags):
        return Compiled(None, diags, library=report.library)
    workflows = [wf for fr in report.files for wf in fr.workflows]
    wf = select_workflow(workflows, workflow, path)
    ctx = Context(library=report.library, parameters=parameters, argo_version=argo_version)
    if wf.is_library and not (entrypoint or wf.entrypoint):
        names = ", ".join(t.name for t in wf.templates)
        raise UsageError(f"{path}: {wf.kind} {wf.name!r} has no entrypoint: choose a template "
                         f"with --entrypoint ({names})")
    try:
        plan = build_plan(wf, ctx, parameters=parameters, entrypoint=entrypoint, name=name,
                          max_depth=max_depth)
    except PlanError as exc:
        raise UsageError(f"{path}: {exc}") from None
    if wf.kind != "Workflow":       # what Argo submits for it (compiler/submitted.py)
        plan = replace(plan, workflow=submitted_metadata(wf.kind, plan.workflow,
                                                         plain(wf.doc.data.get("spec")), name))
    return Compiled(plan, diags, wf, workflows, tuple(sources), report.library)


__all__ = ["Compiled", "compile_file", "compile_workflow", "select_workflow"]
