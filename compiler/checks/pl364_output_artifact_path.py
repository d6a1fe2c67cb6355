"""PL364: an output artifact's `path`: required (and inside its directory) on leaf
templates, not allowed on steps, DAG and suspend templates (spec §19 rule 51)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..artifacts import path_escape
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..values import every_template


@dataclass(frozen=True)
class OutputArtifactPath(Message):
    """What: an output artifact of a container/script/... template without `path`, with a
    `path` that climbs out of its directory with `..`, or an output artifact of a steps,
    DAG or suspend template with a `path`.

    Why: a leaf template's artifact is collected from `path` in its pod, and Argo rejects
    paths that escape with `..`; a steps/DAG template runs no pod, so it exports an
    artifact with `from:` instead ("path only valid in container/script templates").
    Fix: give leaf outputs a `path` without `..`; on steps/DAG templates use `from:`.

        outputs:
          artifacts:
          - name: result           # in a container template
        # fix:
          - name: result
            path: /tmp/result.txt
    """

    code = "PL364"
    name: str = ""
    problem: str = ""       # "missing", "escape:<dir>" or "non-leaf:<kind>"

    def text(self) -> str:
        kind, _, detail = self.problem.partition(":")
        if kind == "missing":
            return f"output artifact {self.name!r} needs a path"
        if kind == "escape":
            return f"path of output artifact {self.name!r} escapes {detail!r} with '..'"
        return f"output artifact {self.name!r} of a {detail} template cannot have a path"

    def hint_text(self) -> str | None:
        kind, _, _ = self.problem.partition(":")
        if kind == "missing":
            return "add `path:` naming the file or directory the container writes"
        if kind == "escape":
            return "write the path without '..'"
        return 'export a child\'s artifact with `from: "{{steps.<step>.outputs.artifacts.<name>}}"`'


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind is None or len(tmpl.kinds) != 1:
            continue
        for art in tmpl.outputs.artifacts:
            raw = art.raw
            if tmpl.is_leaf:
                if raw.get("path") is None or raw.get("path") == "":
                    yield OutputArtifactPath(art.name_span, art.name, "missing")
                else:
                    safe = path_escape(raw.get("path"))
                    if safe is not None:
                        yield OutputArtifactPath(raw.value_span("path"), art.name, f"escape:{safe}")
            elif raw.get("path") not in (None, ""):
                yield OutputArtifactPath(raw.key_span("path"), art.name, f"non-leaf:{tmpl.kind}")
