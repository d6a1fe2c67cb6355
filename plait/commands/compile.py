"""`plait compile`: a workflow's execution plan (JSON), or Workflow YAML for real Argo."""

from __future__ import annotations

import argparse

from plait.compiler.export import export_argo
from plait.compiler.plancodec import write_plan

from .base import EXIT_FINDINGS, EXIT_OK, write_output
from .sources import compile_args, failed, python_paths


def cmd_compile(args: argparse.Namespace) -> int:
    """Check a workflow and write its plan (or Argo YAML); exit 1 after errors."""
    python_paths(args)
    done = compile_args(args)
    if failed(done):
        return EXIT_FINDINGS
    if args.emit == "argo":
        text = export_argo(done.workflow, done.plan, args.name is not None, done.documents,
                           done.supplied, entrypoint_fixed=args.entrypoint is not None)
    else:
        text = write_plan(done.plan)
    write_output(text, args.output)
    return EXIT_OK
