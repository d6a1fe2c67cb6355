"""PL340: a document with neither `metadata.name` nor `metadata.generateName` (spec §1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity, Span
from ..model import Workflow, as_map
from ..source import YStr

# `name: x` or `generateName: x` written at the start of a line inside an annotation value
_NAME_LINE = re.compile(r"^[ \t]*((?:generate)?[nN]ame):[ \t]*\S", re.M)


@dataclass(frozen=True)
class DocumentUnnamed(Message):
    """What: the document has neither `metadata.name` nor `metadata.generateName`.

    Why: Kubernetes refuses to create it ("name or generateName is required") unless the
    submitter supplies one (`argo submit --name` / `--generate-name`), so this is a warning.
    Often the key is there but indented one level too deep, inside `labels` or a block
    `annotations` value. Fix: add it directly under `metadata`.

        metadata:
          labels:
            app: gifs
            generateName: fun-with-gifs-     # a label, not the name
        # fix:
        metadata:
          generateName: fun-with-gifs-
          labels:
            app: gifs
    """

    code = "PL340"
    severity = Severity.WARNING
    misplaced: str = ""
    inside: str = ""

    def text(self) -> str:
        if self.misplaced:
            return f"document has no name: {self.misplaced!r} is inside metadata.{self.inside}"
        return "document has no metadata.name or metadata.generateName"

    def hint_text(self) -> str | None:
        if self.misplaced:
            return f"move {self.misplaced!r} out of metadata.{self.inside}, directly under metadata"
        return "add metadata.generateName: <prefix>- (or metadata.name)"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    data = wf.doc.data
    meta = wf.metadata
    if "name" in meta or "generateName" in meta:
        return
    found = _misplaced(meta)
    if found is not None:
        span, key, inside = found
        yield DocumentUnnamed(span, key, inside)
        return
    yield DocumentUnnamed(data.key_span("metadata") if "metadata" in data else wf.span.at_start())


def _misplaced(meta) -> tuple[Span, str, str] | None:
    """A `name`/`generateName` indented into labels, or typed into an annotation's text."""
    labels = as_map(meta.get("labels"))
    for key in ("generateName", "name"):
        if key in labels:
            return labels.key_span(key), key, "labels"
    for value in as_map(meta.get("annotations")).values():
        if isinstance(value, YStr):
            m = _NAME_LINE.search(value)
            if m:
                return value.locate(m.start(1), m.end(1)), m.group(1), "annotations"
    return None
