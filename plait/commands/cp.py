"""`plait cp NAME DEST`: a run's output artifacts copied into a folder, as `argo cp` does.

Each output artifact of each node (filtered by `--node`, `--template-name`,
`--artifact-name`) lands in `DEST/<--path>`, by default Argo's
`{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}`, under the base name it had in
the pod (`hello.txt`, or the folder `out/` with its tree). Archives are unpacked, with the
artifact repository's safe extraction (`runtime.artifacts`: nothing is written outside the
folder, whatever the archive holds); a `--path` that would climb out of DEST is refused.
"""

from __future__ import annotations

import argparse
import posixpath
import sys
from pathlib import Path
from typing import Any

from plait.compiler.plancodec import read_stored_plan
from plait.runtime.artifacts import ArtifactError, ArtifactRepo
from plait.runtime.home import ARTIFACTS_DIR
from plait.runtime.paths import UnsafePath, inside
from plait.runtime.types import Node

from .base import EXIT_FINDINGS, EXIT_OK, UsageError, runs_verb
from .runs import open_store, run_name

DEFAULT_PATH = "{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}"   # argo cp's


def _wanted(node: Node, args: argparse.Namespace) -> bool:
    return ((not args.node or args.node in (node.display_name, node.name, node.pod_name, node.id))
            and (not args.template_name or args.template_name == node.template_name))


def _folder(args: argparse.Namespace, fields: dict[str, str]) -> Path:
    """Where one artifact goes: DEST joined with `--path`, its variables replaced."""
    rel = args.path
    for key, value in fields.items():
        rel = rel.replace("{" + key + "}", value)
    try:
        return inside(args.dest, rel.strip("/"))
    except UnsafePath as exc:
        raise UsageError(f"--path {args.path!r}: {exc}") from None


@runs_verb
def cmd_cp(args: argparse.Namespace) -> int:
    """Copy a run's output artifacts into DEST; exit 1 when none matched or one failed."""
    store = open_store()
    name = run_name(store, args.name)
    row = store.workflow(name)
    plan = read_stored_plan(row.plan_json) if row is not None else None
    namespace = (plan.workflow.namespace if plan is not None else None) or "default"
    repo = ArtifactRepo(store.home / ARTIFACTS_DIR)
    copied = failed = 0
    for node in store.nodes(name).values():
        if not _wanted(node, args):
            continue
        for art in node.outputs.artifacts:
            if args.artifact_name and art.get("name") != args.artifact_name:
                continue
            if not art.get("key"):
                continue
            folder = _folder(args, {"namespace": namespace, "workflowName": name,
                                    "nodeId": node.id, "templateName": node.template_name or "",
                                    "artifactName": str(art.get("name"))})
            target = folder / _base_name(art)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                repo.load(str(art["key"]), target, workflow=name)
            except (ArtifactError, OSError) as exc:
                print(f"plait: error: artifact {art.get('name')!r} of {node.display_name}: {exc}",
                      file=sys.stderr)
                failed += 1
                continue
            print(f'Created "{art.get("name")}" artifact at "{target}"')
            copied += 1
    if not copied and not failed:
        print(f"plait: error: run {name} has no output artifact{_filters(args)}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_FINDINGS if failed else EXIT_OK


def _base_name(art: dict[str, Any]) -> str:
    """The name the artifact had in the pod (its path's last part), else its own name."""
    base = posixpath.basename(str(art.get("path") or "").rstrip("/"))
    return base if base not in ("", ".", "..") else str(art.get("name") or "artifact")


def _filters(args: argparse.Namespace) -> str:
    given = [f"{what} {value!r}" for what, value in (("named", args.artifact_name),
                                                     ("on node", args.node),
                                                     ("of template", args.template_name)) if value]
    return (" " + " ".join(given)) if given else ""
