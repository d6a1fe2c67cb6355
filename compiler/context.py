"""What a check may know beyond its own document: other files' templates and CLI arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .argo_version import DEFAULT, Version
from .model import Workflow


@dataclass
class Library:
    """WorkflowTemplates and ClusterWorkflowTemplates that `templateRef` can resolve to.

    Filled from every file given on the command line and every `--templates PATH`, as
    `argo lint --offline` resolves among the files it is given.
    """

    namespaced: dict[str, Workflow] = field(default_factory=dict)
    cluster: dict[str, Workflow] = field(default_factory=dict)

    def add(self, wf: Workflow) -> None:
        name = str(wf.metadata.get("name") or "")
        if not name:
            return
        if wf.kind == "WorkflowTemplate":
            self.namespaced.setdefault(name, wf)
        elif wf.kind == "ClusterWorkflowTemplate":
            self.cluster.setdefault(name, wf)

    def find(self, name: str, cluster_scope: bool = False) -> Workflow | None:
        return (self.cluster if cluster_scope else self.namespaced).get(name)


@dataclass
class Context:
    """Shared inputs of all checks of one run of `plait check`."""

    library: Library = field(default_factory=Library)
    # `-p name=value` and `--parameter-file` values, None when none were given
    parameters: dict[str, Any] | None = None
    parameter_sources: dict[str, str] = field(default_factory=dict)
    # the Argo release checked for (`--argo-version`): 3.x accepts fields 4.0 removed
    argo_version: Version = DEFAULT
    # label/annotation keys a run adds at submit (`-l`, `--annotations`): {"labels": {...}}
    submit_metadata: dict[str, set[str]] = field(default_factory=dict)
    # `--entrypoint T`: the workflow's arguments go to T's inputs (`argo submit --entrypoint`)
    entrypoint: str | None = None
