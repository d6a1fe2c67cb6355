"""PL526: an input artifact path that is missing, escapes with `..`, or is not allowed
(spec §19 rule 36)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..values import every_template


@dataclass(frozen=True)
class InputArtifactPath(Message):
    """What: an input artifact of a leaf template (container, script, resource, ...)
    without `path`, an input artifact path with a `..` segment, or an input artifact of a
    steps, dag or suspend template with a `path`.

    Why: Argo rejects it ("inputs.artifacts.x.path not specified", "path only valid in
    container/script templates"): a leaf template's artifact is unpacked at its path in
    the pod, a `..` would escape it, and other templates have no pod to unpack into.
    Fix: give leaf artifacts an absolute path; remove `path` from steps/dag inputs.

        inputs:
          artifacts:
          - name: source
        container: {image: golang, command: [make]}
        # fix:
          - name: source
            path: /src
    """

    code = "PL526"
    name: str
    problem: str
    kind: str = ""

    def text(self) -> str:
        if self.problem == "missing":
            return f"input artifact {self.name!r} needs a path"
        if self.problem == "dotdot":
            return f"input artifact {self.name!r} path may not contain '..'"
        return f"input artifact {self.name!r} may not have a path in a {self.kind} template"

    def hint_text(self) -> str | None:
        if self.problem == "missing":
            return "add 'path:' where the artifact is placed in the container, e.g. /tmp/input"
        if self.problem == "dotdot":
            return "write the path without '..'"
        return "remove 'path'; the templates this one calls say where the artifact goes"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind is None:
            continue
        for art in tmpl.inputs.artifacts:
            path = art.path
            if tmpl.is_leaf:
                if "path" not in art.raw or path == "":
                    yield InputArtifactPath(art.name_span, art.name, "missing")
                elif path is not None and ".." in path.split("/"):
                    yield InputArtifactPath(path.span, art.name, "dotdot")
            elif path:
                yield InputArtifactPath(art.raw.key_span("path"), art.name, "path", tmpl.kind)
