"""Run control verbs: `plait stop`, `terminate`, `delete`, `retry`, `resubmit` and `resume`.

The rules live in `plait.runtime.control` (a library API); this module maps the verbs'
arguments onto it and its refusals onto exit codes (1 for a run in the wrong phase or no
such run, 2 for bad usage)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from plait.compiler.diagnostics import Diagnostic
from plait.compiler.names import suggest
from plait.compiler.params import ParameterUsageError, gather_parameters, parse_cli_parameters
from plait.runtime import control
from plait.runtime.runs import is_active, parse_age

from . import base
from .base import EXIT_FINDINGS, EXIT_OK, UsageError, runs_verb
from .runs import after_start, open_store, run_name
from .sources import print_diagnostics


def _refused(exc: control.ControlError) -> int:
    print(f"plait: error: {exc}", file=sys.stderr)
    return EXIT_FINDINGS


def _end_run(args: argparse.Namespace, action: Callable[[Any, str], object], done: str) -> int:
    """Stop or terminate the run named on the command line; say so, or why not."""
    store = open_store()
    name = run_name(store, args.name)
    try:
        action(store, name)
    except control.ControlError as exc:
        return _refused(exc)
    print(f"workflow {name} {done}")
    return EXIT_OK


@runs_verb
def cmd_stop(args: argparse.Namespace) -> int:
    """Argo's stop: running pods are killed, exit handlers still run, the workflow Fails."""
    return _end_run(args, control.stop, "stopped")


@runs_verb
def cmd_terminate(args: argparse.Namespace) -> int:
    """Argo's terminate: everything is killed, no exit handler runs."""
    return _end_run(args, control.terminate, "terminated")


@runs_verb
def cmd_delete(args: argparse.Namespace) -> int:
    """Delete runs (running ones are terminated first)."""
    if not (args.names or args.completed or args.older or args.all):
        raise UsageError("delete needs NAME, --completed, --older DURATION or --all")
    try:
        older = parse_age(args.older) if args.older else None
    except ValueError as exc:
        raise UsageError(f"--older: {exc}") from None
    store = open_store()
    now = base.now()
    names = [run_name(store, n) for n in args.names]
    for row in store.list_workflows():
        if args.all or ((args.completed or older is not None) and not is_active(row)
                        and (older is None or (row.finished_at or row.created_at) < now - older)):
            names.append(row.name)
    for name in dict.fromkeys(names):
        try:
            control.delete(store, name)
        except control.NoSuchRun:
            continue
        print(f"Workflow '{name}' deleted")
    return EXIT_OK


def overrides(args: argparse.Namespace, store: Any, name: str) -> dict[str, str] | None:
    """`-p`/`--parameter-file` of `retry` and `resubmit`: Argo sets the run's workflow
    parameters of those names and adds other names (plait warns, with a did-you-mean);
    None when the parameter file has findings or the run's plan is unreadable (printed)."""
    try:
        cli = parse_cli_parameters(args.parameters) if args.parameters else None
        given, _, findings = gather_parameters(cli, args.parameter_file)
    except ParameterUsageError as exc:
        raise UsageError(str(exc)) from None
    if findings:
        print_diagnostics([Diagnostic.of(m) for m in findings])
        return None
    try:
        declared = control.workflow_parameters(store, name)
    except control.ControlError as exc:
        _refused(exc)
        return None
    for key in given or {}:
        if key not in declared:
            close = suggest(key, declared)
            print(f"plait: warning: {name} has no workflow parameter {key!r}: added, as "
                  f"argo {args.command} adds it" + (f"; did you mean {close!r}?" if close else ""),
                  file=sys.stderr)
    return given or {}


@runs_verb
def cmd_retry(args: argparse.Namespace) -> int:
    """Argo's retry: re-run a Failed/Error run in place, keeping its succeeded nodes."""
    store = open_store()
    name = run_name(store, args.name)
    parameters = overrides(args, store, name)
    if parameters is None:
        return EXIT_FINDINGS
    try:
        control.retry(store, name, parameters)
    except control.ControlError as exc:
        return _refused(exc)
    print(name, flush=True)
    return after_start(store, name, args.watch, args.wait)


@runs_verb
def cmd_resubmit(args: argparse.Namespace) -> int:
    """Argo's resubmit: a new run from a run's plan and arguments."""
    store = open_store()
    name = run_name(store, args.name)
    parameters = overrides(args, store, name)
    if parameters is None:
        return EXIT_FINDINGS
    try:
        new = control.resubmit(store, name, args.new_name, now=base.now, parameters=parameters)
    except control.ControlError as exc:
        return _refused(exc)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(new, flush=True)
    return after_start(store, new, args.watch, args.wait)


@runs_verb
def cmd_resume(args: argparse.Namespace) -> int:
    """Argo's resume of suspended nodes, or a new runner for a run whose runner was lost."""
    store = open_store()
    name = run_name(store, args.name)
    try:
        control.resume(store, name)
    except control.ControlError as exc:
        return _refused(exc)
    print(f"workflow {name} resumed", file=sys.stderr)
    return after_start(store, name, args.watch, args.wait)
