"""`run`/`submit --backend kubernetes`: which backend, its connection options, `--dry-run`.

The connection flags are the `argo`/`kubectl` ones (`--kubeconfig`, `--context`, `-n`); for
the local backend they mean nothing and `plait.commands.cluster.note_ignored` says so, for
this one they are used (so they are taken off the ignored list here).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from typing import Any

from plait.compiler.plan import Plan
from plait.runtime.backends import kube_connect
from plait.runtime.backends.kube_dryrun import first_objects

from .base import EXIT_FINDINGS, EXIT_OK, UsageError


def take_options(args: argparse.Namespace) -> dict[str, Any]:
    """The kubernetes backend's options from the flags (the connection flags are then no
    longer "ignored"); paths are made absolute for a detached runner."""
    kubeconfig = getattr(args, "ignored_kubeconfig", None)
    options = {"kubeconfig": os.path.abspath(kubeconfig) if kubeconfig else None,
               "context": getattr(args, "ignored_context", None),
               "executor_image": getattr(args, "executor_image", None) or "busybox"}
    args.ignored_kubeconfig = args.ignored_context = None
    return options


def with_namespace(options: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """`-n` (applied to the plan's metadata) or the workflow's own namespace, if any; else the
    context's (decided when connecting)."""
    return {**options, "namespace": plan.workflow.namespace or None}


def check_connection(options: dict[str, Any]) -> None:
    """Fail now, as a usage error (exit 2), when the client is missing or no cluster
    configuration can be loaded."""
    try:
        kube_connect.connect(kubeconfig=options.get("kubeconfig"),
                             context=options.get("context"), namespace=options.get("namespace"))
    except (kube_connect.ClientMissing, kube_connect.ConnectionFailed) as exc:
        raise UsageError(str(exc)) from None


def dry_run(plan: Plan, options: dict[str, Any], images: Any, secrets: Any) -> int:
    """Print the first objects as a YAML stream; exit 1 when a pod could not be built."""
    docs, errors = first_objects(plan, namespace=options.get("namespace") or "default",
                                 executor_image=options["executor_image"], images=images,
                                 secrets=secrets)
    sys.stdout.write(yaml_stream(docs))
    for error in errors:
        print(f"plait: {error}", file=sys.stderr)
    return EXIT_FINDINGS if errors else EXIT_OK


def yaml_stream(docs: list[dict[str, Any]]) -> str:
    """Documents separated by `---`, multi-line strings (executor scripts) as literal blocks."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import LiteralScalarString

    def literal(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: literal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [literal(v) for v in value]
        if isinstance(value, str) and "\n" in value:
            return LiteralScalarString(value)
        return value

    yaml = YAML()
    yaml.default_flow_style = False
    buf = io.StringIO()
    yaml.dump_all([literal(d) for d in docs], buf)
    return buf.getvalue()


__all__ = ["check_connection", "dry_run", "take_options",
           "with_namespace", "yaml_stream"]
