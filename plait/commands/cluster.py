"""The flags an argo user gives `argo submit` for the cluster (`-n`, `--serviceaccount`,
`-l`, `--annotations`, `--generate-name`, `--priority`, `--instanceid`; parsed in
`plait.cli`), applied to the plan as the Argo server applies them to the Workflow; and the
note for the argo client flags that have no meaning on this machine (accepted, so muscle
memory never hits a usage error)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from plait.compiler.plan import Plan

from .base import UsageError

# the label Argo's controller selects its workflows by (`argo submit --instanceid`)
INSTANCE_LABEL = "workflows.argoproj.io/controller-instanceid"


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    """`K=V,K2=V2` (repeatable) as a map, as `argo submit -l` reads it."""
    out: dict[str, str] = {}
    for value in values:
        for item in value.split(","):
            key, eq, val = item.partition("=")
            if not eq or not key.strip():
                raise UsageError(f"{flag} {item!r}: expected KEY=VALUE")
            out[key.strip()] = val
    return out


def given_metadata(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    """The labels and annotations the flags add (`-l`, `--annotations`, `--instanceid`)."""
    labels = _pairs(getattr(args, "labels", None) or [], "-l/--labels")
    if getattr(args, "instanceid", None):
        labels[INSTANCE_LABEL] = args.instanceid
    return {"labels": labels,
            "annotations": _pairs(getattr(args, "annotations", None) or [], "--annotations")}


def submit_keys(args: argparse.Namespace) -> dict[str, set[str]]:
    """The label and annotation keys the flags add: the checks know them."""
    return {k: set(v) for k, v in given_metadata(args).items()}


def note_ignored(args: argparse.Namespace) -> None:
    """One line on stderr naming the argo client flags given that mean nothing here (their
    `dest` is `ignored_NAME`, see `plait.cli`)."""
    given = ["--" + dest[len("ignored_"):].replace("_", "-") for dest, value in vars(args).items()
             if dest.startswith("ignored_") and value]
    if given:
        print(f"plait: note: {', '.join(given)}: no meaning on this machine (accepted, "
              "ignored)", file=sys.stderr)


def apply_cluster_options(plan: Plan, args: argparse.Namespace) -> Plan:
    """`plan` with the cluster flags applied to its metadata and settings (the flag wins
    over the workflow's own value, as `argo submit` does)."""
    meta, settings = plan.workflow, plan.settings
    given = given_metadata(args)
    if given["labels"]:
        meta = dataclasses.replace(meta, labels={**(meta.labels or {}), **given["labels"]})
    if given["annotations"]:
        meta = dataclasses.replace(meta, annotations={**(meta.annotations or {}),
                                                      **given["annotations"]})
    if args.namespace:
        own_ns = meta.namespace
        if own_ns and own_ns != args.namespace:   # the Kubernetes API refuses the same
            raise UsageError(f"-n {args.namespace}: the workflow's metadata.namespace is "
                             f"{own_ns!r} (the namespace of the object must match the request's)")
        meta = dataclasses.replace(meta, namespace=args.namespace)
    if args.generate_name:
        meta = dataclasses.replace(meta, generate_name=args.generate_name)
    if args.serviceaccount:
        settings = dataclasses.replace(settings, service_account_name=args.serviceaccount)
    if args.priority is not None:
        settings = dataclasses.replace(settings, priority=args.priority)
    if meta == plan.workflow and settings == plan.settings:
        return plan
    return dataclasses.replace(plan, workflow=meta, settings=settings)


def spec_settings(plan: Plan) -> dict[str, Any]:
    """The spec fields the cluster flags may set (`--serviceaccount`, `--priority`), as the
    submitted Workflow shows them."""
    return {k: v for k, v in (("serviceAccountName", plan.settings.service_account_name),
                              ("priority", plan.settings.priority)) if v is not None}
