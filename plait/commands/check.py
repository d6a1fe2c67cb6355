"""`plait check` (and its alias `lint`), `plait explain` and `plait schema`."""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from typing import Any

from plait import __version__
from plait.compiler import check as checker
from plait.compiler import report as fmt
from plait.compiler.config import find_config
from plait.compiler.diagnostics import Diagnostic, Severity, message_classes
from plait.compiler.params import gather_parameters, parse_cli_parameters
from plait.compiler.schema import plait_schema

from .base import EXIT_FINDINGS, EXIT_OK, UsageError
from .sources import USAGE_ERRORS, python_paths, shown_diagnostics


def cmd_check(args: argparse.Namespace) -> int:
    """Check workflow files; exit 1 when a finding reaches `--fail-on`."""
    python_paths(args)
    try:
        config = find_config()
        if args.argo_version:
            config.argo_version = args.argo_version
        cli = parse_cli_parameters(args.parameters) if args.parameters else None
        parameters, sources, extra = gather_parameters(cli, args.parameter_file)
        report = checker.check_paths(args.paths, templates=args.templates, parameters=parameters,
                                     parameter_sources=sources, config=config)
    except USAGE_ERRORS as exc:
        raise UsageError(str(exc)) from None
    diags = sorted(shown_diagnostics(args, report.diagnostics)
                   + [Diagnostic.of(m) for m in extra], key=Diagnostic.sort_key)
    shown = getattr(args, "shown_files", {})      # Python workflows: by the name the user gave
    texts = {shown.get(fr.loaded.source.name, fr.loaded.source.name): fr.loaded.source.text
             for fr in report.files}
    _print_report(args, diags, texts)
    for note in report.notes:
        print(f"plait: note: {note}", file=sys.stderr)
    failing = {Severity.ERROR} | ({Severity.WARNING} if args.fail_on == "warning" else set())
    return EXIT_FINDINGS if any(d.severity in failing for d in diags) else EXIT_OK


def _print_report(args: argparse.Namespace, diags: list[Diagnostic], sources: dict[str, str]) -> None:
    if args.format == "json":
        print(fmt.format_json(diags))
    elif args.format == "sarif":
        print(fmt.format_sarif(diags, _rule_titles(), __version__))
    elif args.format == "github":
        if diags:
            print(fmt.format_github(diags))
    else:
        color = args.color == "always" or (
            args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
        if diags:
            print(fmt.format_text(diags, sources, color=color, snippets=not args.no_snippet))
        errors = sum(d.severity.value == "error" for d in diags)
        warnings = sum(d.severity.value == "warning" for d in diags)
        files = len(sources)
        if diags:
            print(f"{errors} error(s), {warnings} warning(s) in {files} file(s)", file=sys.stderr)


def _rule_titles() -> dict[str, str]:
    return {code: _summary(classes[0]) for code, classes in message_classes().items()}


def _summary(cls: Any) -> str:
    doc = (cls.__doc__ or "").strip()
    first = doc.split("\n", 1)[0]
    return str(first.removeprefix("What:").strip() or cls.__name__)


def cmd_explain(args: argparse.Namespace) -> int:
    """Explain a diagnostic code (`all` lists every code)."""
    classes = message_classes()
    code = args.code.upper()
    if code == "ALL":
        for c, group in classes.items():
            print(f"{c}  {group[0].severity.value:<7}  {_summary(group[0])}")
        return EXIT_OK
    if code not in classes:
        raise UsageError(f"unknown code {args.code!r}; `plait explain all` lists them")
    for cls in classes[code]:
        print(f"{code} ({cls.__name__}, {cls.severity.value})")
        print()
        print(inspect.cleandoc(cls.__doc__ or "(no documentation)"))
        if cls.hint:
            print()
            print(f"Hint: {cls.hint}")
        print()
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print plait's JSON Schema (for editors)."""
    print(json.dumps(plait_schema(), indent=2))
    return EXIT_OK
