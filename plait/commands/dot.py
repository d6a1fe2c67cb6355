"""`plait dot`: a workflow's plan as a Graphviz DOT graph, or a stored run coloured by phase."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

from plait.compiler.dot import plan_to_dot
from plait.compiler.pysource import is_python_ref
from plait.compiler.source import STDIN
from plait.runtime.home import DB_NAME, plait_home

from ..rundot import run_to_dot
from . import base
from .base import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, UsageError, write_output
from .runs import open_store, resolve_run
from .sources import load_plan, python_paths

GRAPHVIZ_HINT = ("Graphviz 'dot' is not installed (needed for --render); install it with "
                 "`apt-get install graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS), "
                 "or leave out --render to write DOT text")


def cmd_dot(args: argparse.Namespace) -> int:
    """Draw the plan (or the run) as DOT text, or render it with Graphviz (`--render`)."""
    python_paths(args)
    dot_exe = None
    if args.render:
        dot_exe = shutil.which("dot")
        if dot_exe is None:
            raise UsageError(GRAPHVIZ_HINT)
    text = _run_dot_text(args)            # `plait dot NAME`: a stored run, by phase
    if text is None:
        plan = load_plan(args)
        if plan is None:
            return EXIT_FINDINGS
        text = plan_to_dot(plan)
    if dot_exe is not None:
        if not args.output:
            args.output = image_path(args, args.render)
        proc = subprocess.run([dot_exe, f"-T{args.render}", "-o", args.output],
                              input=text.encode("utf-8"), capture_output=True)
        if proc.returncode != 0:
            print(f"plait: error: Graphviz dot failed (exit {proc.returncode}):\n"
                  + proc.stderr.decode("utf-8", "replace"), file=sys.stderr)
            return EXIT_INTERNAL
        print(f"plait: wrote {args.output}", file=sys.stderr)
    else:
        write_output(text, args.output)
    return EXIT_OK


def image_path(args: argparse.Namespace, ext: str) -> str:
    """`--render` without `-o`: NAME.svg (or .png) next to the input file, or in the current
    folder for a run's name."""
    if getattr(args, "run_name", None):
        return f"{args.run_name}.{ext}"
    given = getattr(args, "source_ref", args.path)      # FILE.py[:NAME], not its YAML
    if is_python_ref(given) and ".py:" in given:
        given = given.rsplit(":", 1)[0]
    if os.path.isfile(given):
        stem = os.path.splitext(given)[0]
        if stem.endswith(".plan"):                  # wf.plan.json -> wf.svg
            stem = stem[:-len(".plan")]
        return f"{stem}.{ext}"
    return f"{os.path.basename(given.split(':')[0]) or 'workflow'}.{ext}"


def _run_dot_text(args: argparse.Namespace) -> str | None:
    """`plait dot NAME`: a stored run's DOT, nodes coloured by phase and labelled with their
    durations; None when the argument is a file (or names no run)."""
    if (args.path == STDIN or os.path.exists(args.path) or "/" in args.path
            or not (plait_home() / DB_NAME).is_file()):
        return None
    store = open_store()
    name = resolve_run(store, args.path)
    if name is None:
        return None
    args.run_name = name                      # `--render` without -o: NAME.svg
    return run_to_dot(name, store.workflow(name), store.nodes(name), base.now())
