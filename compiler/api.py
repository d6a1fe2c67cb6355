"""The compiler's public Python API: `check` and `compile` on anything that holds a workflow.

    >>> import plait
    >>> plait.check("workflow.yaml")                  # -> list[Diagnostic] (never raises on findings)
    >>> plan = plait.compile(wf, parameters={"n": 3}) # a Hera object -> Plan (CheckError on errors)

`workflow` may be a path (`str` or `os.PathLike`) to a YAML/JSON file, `FILE.py` or
`FILE.py:NAME` (a Python module defining Hera workflows, see `compiler.pysource`), YAML text,
a dict (one Argo document), a Hera `Workflow`/`WorkflowTemplate` (anything with `to_dict()`), a
list of those (several documents: WorkflowTemplates beside the Workflow that uses them), or a
`Source` from `resolve`.

Documents that do not come from a file are written to a private temporary file and checked
exactly as `plait check` checks files; the diagnostics then name the source by its label
(`<dict>`, `<yaml>`, `<Workflow hello->`, `module.py:wf`) instead of the temporary path.
Errors are exceptions: `PlaitError` (a usage problem: no such file, an unknown parameter
source, several workflows where one is needed) and its subclass `CheckError` (the checks found
errors), both with `.diagnostics`.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .argo_version import DEFAULT, Version, parse_version
from .check import UsageError, check_paths
from .compile import compile_workflow
from .config import Config
from .diagnostics import Diagnostic, Severity
from .plan import Plan
from .pysource import (
    PythonSourceError,
    PythonWorkflows,
    has_to_dict,
    is_python_ref,
    load_python_ref,
    object_document,
)

TEMPLATE_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate")


class PlaitError(Exception):
    """A workflow plait cannot check, compile or run; `diagnostics` holds the findings (may be
    empty for usage problems such as a missing file)."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = list(diagnostics)


class CheckError(PlaitError):
    """The checks found errors; `str(exc)` lists them as `file:line:col: CODE message`."""


@dataclass
class Source:
    """A workflow to check or compile, whatever it was given as.

    `path` is a YAML/JSON file read as is; otherwise `documents` are written to a temporary
    file. `templates` are more documents (WorkflowTemplates) that references resolve against
    but whose own findings are not reported. `python` is set for Hera objects and modules
    (the runtime's local backend prepares their Python scripts, see `runtime.pyscripts`).
    """

    label: str
    path: str | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None
    python: PythonWorkflows | None = None
    from_objects: bool = False     # built from to_dict() objects (Hera), not from data


def _label_of(obj: Any) -> str:
    meta = getattr(obj, "name", None) or getattr(obj, "generate_name", None)
    return f"<{type(obj).__name__} {meta}>" if meta else f"<{type(obj).__name__}>"


def resolve(workflow: Any, *, one: bool = False) -> Source:
    """`workflow` (see the module docstring) as a `Source`. With `one=True` a Python module
    must name its workflow (`FILE.py:NAME`) when it defines several; the module's other
    WorkflowTemplates become `templates`."""
    if isinstance(workflow, Source):
        return workflow
    if isinstance(workflow, (str, os.PathLike)) and is_python_ref(workflow):
        try:
            found = load_python_ref(os.fspath(workflow))
        except PythonSourceError as exc:
            raise PlaitError(str(exc)) from None
        return _python_source(found, one)
    if isinstance(workflow, os.PathLike) or (isinstance(workflow, str) and _looks_like_path(workflow)):
        path = os.fspath(workflow)
        if not os.path.exists(path):
            raise PlaitError(f"no such file or directory: {path}")
        return Source(label=path, path=path)
    if isinstance(workflow, str):
        return Source(label="<yaml>", text=workflow)
    if isinstance(workflow, Mapping):
        return Source(label="<dict>", documents=[dict(workflow)])
    if has_to_dict(workflow):
        return Source(label=_label_of(workflow), documents=[_document(workflow)],
                      from_objects=True)
    if isinstance(workflow, (list, tuple)) and workflow:
        docs = [dict(w) if isinstance(w, Mapping) else _document(w) for w in workflow]
        labels = [_label_of(w) for w in workflow if has_to_dict(w)]
        return Source(label=labels[0] if labels else "<dict>", documents=docs,
                      from_objects=bool(labels))
    raise PlaitError(f"cannot read a workflow from a {type(workflow).__name__}: give a path, "
                     "YAML text, a dict or a Hera Workflow (anything with to_dict())")


def _looks_like_path(text: str) -> bool:
    """A one-line string that is not YAML/JSON text."""
    stripped = text.strip()
    return bool(stripped) and "\n" not in stripped and not stripped.startswith(("{", "[", "apiVersion:", "kind:", "---"))


def _document(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return dict(obj)
    if not has_to_dict(obj):
        raise PlaitError(f"cannot read a workflow from a {type(obj).__name__}")
    try:
        return object_document(obj)
    except PythonSourceError as exc:
        raise PlaitError(str(exc)) from None


def _python_source(found: PythonWorkflows, one: bool) -> Source:
    pairs = found.documents
    if one and len(pairs) > 1:
        workflows = [(a, d) for a, d in pairs if d.get("kind") == "Workflow"]
        if len(workflows) != 1:
            names = ", ".join(a for a, _ in pairs)
            raise PlaitError(f"{found.label}: defines {len(pairs)} workflows ({names}): name one "
                             f"as {found.label}:NAME")
        chosen = workflows[0]
        templates = [d for a, d in pairs if d.get("kind") in TEMPLATE_KINDS]
        return Source(label=f"{found.label}:{chosen[0]}", documents=[chosen[1]],
                      templates=templates, python=found, from_objects=True)
    return Source(label=found.label, documents=[d for _, d in pairs], python=found,
                  from_objects=True)


def as_submittable(source: Source) -> Source:
    """A source whose one document is a WorkflowTemplate becomes a Workflow that references
    it (`argo submit --from workflowtemplate/NAME`), the template moving to `templates`."""
    if source.path is not None or source.text is not None or len(source.documents) != 1:
        return source
    doc = source.documents[0]
    if doc.get("kind") not in TEMPLATE_KINDS:
        return source
    name = str((doc.get("metadata") or {}).get("name") or "")
    ref: dict[str, Any] = {"name": name}
    if doc.get("kind") == "ClusterWorkflowTemplate":
        ref["clusterScope"] = True
    wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
          "metadata": {"generateName": f"{name}-"}, "spec": {"workflowTemplateRef": ref}}
    return dataclasses.replace(source, documents=[wf], templates=[*source.templates, doc])


def _represent_str(representer: Any, value: str) -> Any:
    style = "|" if "\n" in value and not any(c in value for c in "\r\t") and \
        all(line == line.rstrip() for line in value.split("\n")) else None
    return representer.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _dump(documents: Iterable[dict[str, Any]]) -> str:
    """Documents as one multi-document YAML text (plain data, so errors point at readable lines)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    # multi-line strings (Hera's script sources) as literal blocks, so diagnostics show lines
    yaml.representer.add_representer(str, _represent_str)
    out = io.StringIO()
    # round-trip through JSON: plain dicts, lists, strings and numbers only
    yaml.dump_all([json.loads(json.dumps(d, default=str)) for d in documents], out)
    return out.getvalue()


@contextmanager
def materialized(source: Source) -> Iterator[tuple[str, list[str], dict[str, str]]]:
    """(workflow file, template files, {temporary path: label}) for the time of the block."""
    if source.path is not None and not source.templates:
        yield source.path, [], {}
        return
    folder = tempfile.mkdtemp(prefix="plait-api-")
    try:
        labels: dict[str, str] = {}
        path = source.path
        if path is None:
            path = os.path.join(folder, "workflow.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(source.text if source.text is not None else _dump(source.documents))
            labels[path] = source.label
        extra = []
        if source.templates:
            tpath = os.path.join(folder, "templates.yaml")
            with open(tpath, "w", encoding="utf-8") as fh:
                fh.write(_dump(source.templates))
            labels[tpath] = f"{source.label} (templates)"
            extra.append(tpath)
        yield path, extra, labels
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _relabel(diagnostics: Iterable[Diagnostic], labels: Mapping[str, str]) -> list[Diagnostic]:
    return [dataclasses.replace(d, file=labels[d.file]) if d.file in labels else d
            for d in diagnostics]


def _string_parameters(parameters: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Argo's parameters are strings: non-strings are given as JSON (`3`, `true`, `[1, 2]`)."""
    if parameters is None:
        return None
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in parameters.items()}


def _version(argo_version: str | None) -> Version:
    """The `argo_version` argument (`"3.7"`, `"v4.1"`; None: plait's default) as `plait
    check --argo-version` reads it; `PlaitError` for one plait does not know."""
    if argo_version is None:
        return DEFAULT
    try:
        return parse_version(argo_version)
    except ValueError as exc:
        raise PlaitError(str(exc)) from None


def check(workflow: Any, *, parameters: Mapping[str, Any] | None = None,
          templates: Iterable[str] = (), argo_version: str | None = None) -> list[Diagnostic]:
    """Every finding of `plait check` on `workflow`, sorted (errors, warnings and infos).

    Never raises because of findings; raises `PlaitError` when there is nothing to check
    (a missing file, an object without `to_dict()`). `parameters` are checked as `-p` values
    against `spec.arguments`; `templates` are paths of more WorkflowTemplates;
    `argo_version` is the Argo release the workflow is for (`--argo-version`: under 3.x the
    fields 4.0 removed are accepted).
    """
    version = _version(argo_version)
    source = resolve(workflow)
    with materialized(source) as (path, extra, labels):
        try:
            report = check_paths([path], templates=[*templates, *extra],
                                 parameters=_string_parameters(parameters),
                                 config=Config(argo_version=version))
        except UsageError as exc:
            raise PlaitError(str(exc)) from None
    return _relabel(report.diagnostics, labels)


def compile(workflow: Any, *, parameters: Mapping[str, Any] | None = None,
            entrypoint: str | None = None, name: str | None = None,
            select: str | None = None, templates: Iterable[str] = (),
            argo_version: str | None = None) -> Plan:
    """Check `workflow` and plan it; the `Plan` that `plait run` executes.

    `parameters` override `spec.arguments` (non-strings are passed as JSON text),
    `entrypoint` replaces `spec.entrypoint`, `name` fixes the run's name (default:
    generateName plus five random characters), `select` picks one Workflow of a file that
    holds several (metadata.name or generateName), `templates` are paths of more
    WorkflowTemplates, `argo_version` as in `check`. A lone WorkflowTemplate is planned as a
    Workflow that references it. Raises `CheckError` (with `.diagnostics`) when a check finds an error.
    """
    return compile_source(workflow, parameters=parameters, entrypoint=entrypoint, name=name,
                          select=select, templates=templates, argo_version=argo_version)[0]


def compile_source(workflow: Any, *, parameters: Mapping[str, Any] | None = None,
                   entrypoint: str | None = None, name: str | None = None,
                   select: str | None = None, templates: Iterable[str] = (),
                   argo_version: str | None = None) -> tuple[Plan, list[Diagnostic]]:
    """`compile`, also returning the diagnostics (warnings) of a successful compile."""
    version = _version(argo_version)
    source = as_submittable(resolve(workflow, one=True))
    with materialized(source) as (path, extra, labels):
        try:
            done = compile_workflow(path, parameters=_string_parameters(parameters),
                                    entrypoint=entrypoint, name=name, workflow=select,
                                    templates=[*templates, *extra], argo_version=version)
        except UsageError as exc:
            message = str(exc)
            for tmp, label in labels.items():
                message = message.replace(tmp, label)
            raise PlaitError(message) from None
    diagnostics = _relabel(done.diagnostics, labels)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if done.plan is None or errors:
        shown = "\n".join(f"  {d.file}:{d.line}:{d.column}: {d.code} {d.message}" for d in errors)
        raise CheckError(f"{source.label}: {len(errors)} error(s)\n{shown}", diagnostics)
    plan = done.plan
    if path in labels:
        plan = plan.with_source(labels[path])
    return plan, diagnostics


__all__ = ["CheckError", "PlaitError", "Source", "as_submittable", "check", "compile",
           "compile_source", "materialized", "resolve"]
