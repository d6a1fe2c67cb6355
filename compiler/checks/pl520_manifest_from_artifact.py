"""PL520: `manifestFrom.artifact` names no input artifact (spec §19 rule 32)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map, as_str
from ..names import suggest
from ..values import every_template, has_tag


@dataclass(frozen=True)
class ManifestFromUnknownArtifact(Message):
    """What: a resource template's `manifestFrom.artifact.name` that is not one of the
    template's input artifacts.

    Why: Argo rejects it ("artifact x in `manifestFrom` refer to a non-existent input
    artifact"): the manifest is read from that input artifact's file.
    Fix: declare the artifact under `inputs.artifacts` or correct the name.

        inputs:
          artifacts: [{name: manifest, path: /tmp/manifest.yaml}]
        resource:
          action: apply
          manifestFrom: {artifact: {name: manifests}}
        # fix:
          manifestFrom: {artifact: {name: manifest}}
    """

    code = "PL520"
    name: str
    suggestion: str | None = None

    def text(self) -> str:
        return f"manifestFrom artifact {self.name!r} is not an input artifact of this template"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        return "declare it under inputs.artifacts"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind != "resource":
            continue
        name = as_str(as_map(as_map(tmpl.body.get("manifestFrom")).get("artifact")).get("name"))
        if not name or has_tag(name):
            continue
        inputs = [a.name for a in tmpl.inputs.artifacts]
        if name not in inputs:
            yield ManifestFromUnknownArtifact(name.span, str(name), suggest(name, inputs))
