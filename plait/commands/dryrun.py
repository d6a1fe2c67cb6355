"""`plait run|submit --dry-run` and `--server-dry-run`: check and compile as a run would,
then print the Workflow that would be submitted, as Argo YAML, and run nothing.

`--dry-run` is `argo submit --dry-run -o yaml`: the Workflow after the submit options (`-p`,
`--entrypoint`, `--name`/`--generate-name`, `-n`, `-l`, `--annotations`, `--serviceaccount`,
`--priority`), as the client would send it. `--server-dry-run` is what the API server answers
a dry-run create with: the same object, named from its generateName and placed in its
namespace. Exit 0, or 1 when the checks found errors (printed as for a run).

What is printed is chosen in `render`: the one place a backend with a dry run of its own
(the Kubernetes backend prints the Pods) hooks in.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from plait.compiler.export import dump_yaml, workflow_document
from plait.compiler.plan import Plan

from .base import EXIT_FINDINGS, EXIT_OK, UsageError
from .cluster import apply_cluster_options, note_ignored, spec_settings
from .sources import load_compiled

DEFAULT_NAMESPACE = "default"     # where the server places a Workflow that names none


def requested(args: argparse.Namespace) -> bool:
    """Whether `--dry-run` or `--server-dry-run` was given."""
    return bool(getattr(args, "dry_run", False) or getattr(args, "server_dry_run", False))


def dry_run(args: argparse.Namespace) -> int:
    """Check and compile `args.path` as `run`/`submit` would and print what would be
    submitted; nothing is stored and nothing runs."""
    note_ignored(args)
    plan, done = load_compiled(args, run=True)
    if plan is None:
        return EXIT_FINDINGS
    if done is None:
        raise UsageError(f"{args.path}: --dry-run prints the Workflow a file submits; a compiled "
                         "plan is not one (dry-run the workflow file)")
    plan = apply_cluster_options(plan, args)
    if args.server_dry_run:
        plan = plan.named(args.name)
    doc = submitted_workflow(workflow_document(
        done.workflow, plan, bool(args.name) or args.server_dry_run, done.supplied,
        entrypoint_fixed=args.entrypoint is not None), plan, args.server_dry_run)
    print(render(args, plan, doc), end="")
    return EXIT_OK


def submitted_workflow(doc: dict[str, Any], plan: Plan, server: bool) -> dict[str, Any]:
    """The exported Workflow `doc` with what the submit options set on the plan: metadata
    (namespace, labels, annotations, generateName) and the spec's service account and
    priority; `server`: placed in a namespace, as the API server does."""
    meta = doc.setdefault("metadata", {})
    for key, value in (("generateName", plan.workflow.generate_name),
                       ("namespace", plan.workflow.namespace), ("labels", plan.workflow.labels),
                       ("annotations", plan.workflow.annotations)):
        if value:
            meta[key] = value
    if server:
        meta.setdefault("namespace", DEFAULT_NAMESPACE)
    spec = doc.setdefault("spec", {})
    spec.update(spec_settings(plan))
    return doc


def render(args: argparse.Namespace, plan: Plan, doc: dict[str, Any]) -> str:
    """The text a dry run prints: the Workflow as YAML (`-o json`: JSON, `-o name`: its
    name). A backend that creates other objects (Kubernetes: Pods) renders them here."""
    output = getattr(args, "output", None)
    if output == "json":
        return json.dumps(doc, indent=2) + "\n"
    if output == "name":
        meta = doc.get("metadata") or {}
        return f"{meta.get('name') or meta.get('generateName') or ''}\n"
    return dump_yaml([doc])


__all__ = ["dry_run", "render", "requested", "submitted_workflow"]
