"""Reading what a verb is given: Python workflow files (`FILE.py[:NAME]`, Hera), workflow
files compiled to a plan, plan JSON files, and the diagnostics of a compile."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import replace
from typing import Any, Callable

from plait.compiler import report as fmt
from plait.compiler.api import PlaitError, as_submittable, materialized, resolve
from plait.compiler.check import UsageError as CheckUsage
from plait.compiler.checks.pl370_unknown_cli_parameter import arguments_span
from plait.compiler.compile import compile_workflow
from plait.compiler.config import ConfigError, find_config
from plait.compiler.context import Library
from plait.compiler.diagnostics import Diagnostic, Severity
from plait.compiler.params import ParameterUsageError, parse_cli_parameters
from plait.compiler.plan import Plan, is_plan_text
from plait.compiler.plancodec import read_plan
from plait.compiler.pysource import is_python_ref
from plait.compiler.source import STDIN, STDIN_NAME

from .base import UsageError
from .cluster import submit_keys

# the compiler's exceptions for bad command-line input (exit 2)
USAGE_ERRORS = (CheckUsage, ConfigError, ParameterUsageError)

# documents of a Python source -> (the same prepared, the host folders they need read-only)
Prepare = Callable[[list[Any]], tuple[list[Any], list[str]]]


def python_paths(args: argparse.Namespace, prepare: Prepare | None = None) -> None:
    """`FILE.py[:NAME]` (Hera workflows) becomes a temporary YAML file of its documents, so
    every verb reads it as it reads YAML. `prepare` (given by `run`) readies the Python
    scripts for a local run and names the folders they need (`args.ro_binds`)."""
    if isinstance(getattr(args, "paths", None), list):
        if any(is_python_ref(p) for p in args.paths):
            args.paths = [_python_path(args, p) if is_python_ref(p) else p for p in args.paths]
    elif isinstance(getattr(args, "path", None), str) and is_python_ref(args.path):
        ref = args.source_ref = args.path               # what the user gave
        args.path, extra, args.ro_binds = python_file(ref, one=True, prepare=prepare)
        show_as(args, args.path, python_label(ref))
        args.templates = [*args.templates, *extra]


def _python_path(args: argparse.Namespace, ref: str) -> str:
    path = python_file(ref, one=False)[0]
    show_as(args, path, python_label(ref))
    return path


def python_label(ref: str) -> str:
    """How findings name the YAML of a Python workflow: positions are in that YAML (its
    lines are shown), not in the module."""
    return f"{ref} (as YAML)"


def show_as(args: argparse.Namespace, path: str, label: str) -> None:
    """Findings in `path`, a file plait wrote, name `label` (what the user gave) instead."""
    shown = getattr(args, "shown_files", None)
    if shown is None:
        shown = args.shown_files = {}
    shown[path] = label


def file_texts(args: argparse.Namespace) -> dict[str, str]:
    """The text of each file plait wrote, under the label its findings name (snippets)."""
    texts = {}
    for path, label in (getattr(args, "shown_files", None) or {}).items():
        try:
            with open(path, encoding="utf-8") as fh:
                texts[label] = fh.read()
        except OSError:
            pass
    return texts


def shown_diagnostics(args: argparse.Namespace, diagnostics: list[Diagnostic],
                      library: Library | None = None) -> list[Diagnostic]:
    """`diagnostics` naming what the user gave, never a file plait wrote: the label of a
    Python workflow's YAML; for `--from KIND/NAME` the template itself (its arguments, where
    parameters are declared), or the flag without a position when no file defines it."""
    shown = getattr(args, "shown_files", None) or {}
    ref = getattr(args, "from_template", None)
    template = library.find(*ref) if ref is not None and library is not None else None
    out = []
    for d in diagnostics:
        if d.file in shown and ref is not None:
            if template is not None:
                at = arguments_span(template)
                d = replace(d, file=at.file, line=at.line, column=at.col,
                            end_line=at.end_line, end_column=at.end_col)
            else:
                d = replace(d, file=shown[d.file], line=0, column=0, end_line=0, end_column=0)
        elif d.file in shown:
            d = replace(d, file=shown[d.file])
        out.append(d)
    return out


def python_file(ref: str, one: bool, prepare: Prepare | None = None
                ) -> tuple[str, list[str], list[str]]:
    """(workflow file, template files, read-only binds) of a Python reference; the files live
    in a temporary folder removed when plait exits."""
    try:
        source = resolve(ref, one=one)
    except PlaitError as exc:
        raise UsageError(str(exc)) from None
    binds: list[str] = []
    if one:
        source = as_submittable(source)
    if prepare is not None:
        source.documents, done = prepare(source.documents)
        source.templates, more = prepare(source.templates)
        binds = [*done, *more]
    folder = tempfile.mkdtemp(prefix="plait-py-")
    atexit.register(shutil.rmtree, folder, True)
    with materialized(source) as (path, extra, _labels):
        stem = source.label.replace("/", "_").replace(":", "_")
        kept = [shutil.copy(p, os.path.join(folder, f"{stem}.{os.path.basename(p)}"))
                for p in [path, *extra]]
    return kept[0], kept[1:], binds


def print_diagnostics(diagnostics: list[Any], texts: dict[str, str] | None = None) -> None:
    """Diagnostics of one compiled file, as text on stderr (`texts`: files not on disk)."""
    sources = dict(texts or {})
    for path in {d.file for d in diagnostics} - set(sources):
        try:
            with open(path, encoding="utf-8") as fh:
                sources[path] = fh.read()
        except (OSError, UnicodeDecodeError):
            pass
    print(fmt.format_text(diagnostics, sources), file=sys.stderr)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    print(f"{errors} error(s), {warnings} warning(s) in 1 file(s)", file=sys.stderr)


def compile_args(args: argparse.Namespace, run: bool = False) -> Any:
    """Compile `args.path` with the workflow options of the verb; its diagnostics printed,
    the compile's result returned (`.plan` None after errors). `run`: the plan is to be run,
    so a template reference that does not resolve is an error (never a run that fails)."""
    try:
        parameters = parse_cli_parameters(args.parameters) if args.parameters else None
        argo_version = getattr(args, "argo_version", None) or find_config().argo_version
        done = compile_workflow(args.path, parameters=parameters, parameter_file=args.parameter_file,
                                entrypoint=args.entrypoint, name=args.name, workflow=args.workflow,
                                templates=args.templates, refs_must_resolve=run,
                                submit_metadata=submit_keys(args) if run else None,
                                undeclared_ok=run, argo_version=argo_version)
    except USAGE_ERRORS as exc:
        message = str(exc)
        for path, label in (getattr(args, "shown_files", None) or {}).items():
            message = message.replace(path, label)     # never a file plait wrote
        raise UsageError(message) from None
    done.diagnostics = shown_diagnostics(args, done.diagnostics, done.library)
    label = (getattr(args, "shown_files", None) or {}).get(args.path)
    if done.plan is not None and label:      # the plan's source: what the user gave
        done.plan = done.plan.with_source(label)
    if done.diagnostics:
        print_diagnostics(done.diagnostics, file_texts(args))
    return done


def failed(done: Any) -> bool:
    """A compile that gave no plan or an error."""
    return done.plan is None or any(d.severity is Severity.ERROR for d in done.diagnostics)


def load_plan(args: argparse.Namespace, run: bool = False) -> Plan | None:
    """The plan to draw or run (`run`, see `compile_args`): read from a plan JSON, or
    compiled from a workflow (None after errors)."""
    return load_compiled(args, run)[0]


def stdin_path(args: argparse.Namespace) -> None:
    """`-` (standard input) becomes a temporary file named `<stdin>` in findings, so a verb
    that reads its input twice (is it a plan? then compile it) reads it as a file."""
    if getattr(args, "path", None) != STDIN:
        return
    folder = tempfile.mkdtemp(prefix="plait-stdin-")
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, "stdin.yaml")
    try:
        data = sys.stdin.buffer.read()
    except OSError as exc:
        raise UsageError(f"cannot read standard input: {exc}") from None
    with open(path, "wb") as fh:
        fh.write(data)
    args.path = path
    show_as(args, path, STDIN_NAME)


def load_compiled(args: argparse.Namespace, run: bool = False) -> tuple[Plan | None, Any]:
    """`load_plan`, with the compile's result (None for a plan JSON)."""
    stdin_path(args)
    if not os.path.isfile(args.path):
        raise UsageError(f"{args.path}: no such file")
    try:
        with open(args.path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{args.path}: cannot read: {exc}") from None
    if is_plan_text(text):
        given = [opt for opt, v in (("-p", args.parameters), ("--parameter-file", args.parameter_file),
                                    ("--entrypoint", args.entrypoint), ("--name", args.name),
                                    ("--workflow", args.workflow), ("--templates", args.templates),
                                    ("--argo-version", getattr(args, "argo_version", None))) if v]
        if given:
            raise UsageError(f"{', '.join(given)} apply to a workflow file, not to a plan "
                             "(compile the plan with them)")
        try:
            plan = read_plan(text)
        except (ValueError, TypeError, RecursionError) as exc:
            raise UsageError(f"{args.path}: not a readable plan: {exc}") from None
        missing = plan.unresolved_refs() if run else []
        for where in missing:        # never a run that fails on a template it cannot find
            print(f"{args.path}: error: {where} (compile it with the file that defines "
                  "it, or --templates DIR)", file=sys.stderr)
        return (None if missing else plan), None
    done = compile_args(args, run=run)
    args.compiled = done            # `submit -o json|yaml` prints the Workflow it came from
    return (None if failed(done) else done.plan), done
