"""PL504: a workflow argument artifact without a source, or with two (spec §19 rule 12)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YMap
from ..values import io_lists

LOCATIONS = ("s3", "git", "http", "raw", "gcs", "oss", "azure", "artifactory", "hdfs", "plugin")


@dataclass(frozen=True)
class ArgumentArtifactSource(Message):
    """What: a `spec.arguments.artifacts` entry with none of `from`, `fromExpression` or a
    location (`s3`, `http`, `git`, `raw`, ...), or with both `from` and `fromExpression`.
    (Step and task arguments are PL362's.)

    Why: Argo rejects it ("from, artifact location, or key is required", "shouldn't have
    both `from` and `fromExpression`"): the artifact would have no content, or two.
    (A WorkflowTemplate's own arguments may leave the source to the caller.)
    Fix: give exactly one source.

        arguments:
          artifacts:
          - name: source
        # fix:
          - name: source
            from: "{{steps.checkout.outputs.artifacts.source}}"
    """

    code = "PL504"
    name: str
    both: bool = False

    def text(self) -> str:
        if self.both:
            return f"argument artifact {self.name!r} has both from and fromExpression"
        return f"argument artifact {self.name!r} has no source"

    def hint_text(self) -> str | None:
        if self.both:
            return "keep one of 'from' and 'fromExpression'"
        return "add 'from: \"{{steps.X.outputs.artifacts.Y}}\"' or a location such as 'http: {url: ...}'"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for where, what, items in io_lists(wf):
        if what != "artifact" or where != "spec.arguments":
            continue
        library_default = wf.is_library
        for item in items:
            if not isinstance(item, YMap):
                continue
            name = str(item.get("name") or "")
            if "from" in item and "fromExpression" in item:
                yield ArgumentArtifactSource(item.key_span("fromExpression"), name, True)
            elif not library_default and item.get("optional") is not True and not any(
                    k in item for k in ("from", "fromExpression") + LOCATIONS):
                yield ArgumentArtifactSource(item.value_span("name") if "name" in item else item.span, name)
