"""PL519: a resource template without a manifest, or with two (spec §19 rule 32)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YMap
from ..values import every_template


@dataclass(frozen=True)
class ResourceManifest(Message):
    """What: a `resource` template whose action is not `get` or `delete` and that has neither
    `manifest` nor `manifestFrom`, or that has both.

    Why: Argo rejects it ("either resource manifest or resource manifestFrom must be
    specified"): create, apply, replace and patch need exactly one object to send.
    Fix: give one manifest.

        resource:
          action: create
        # fix:
        resource:
          action: create
          manifest: |
            apiVersion: v1
            kind: ConfigMap
            metadata: {generateName: cm-}
    """

    code = "PL519"
    action: str
    both: bool

    def text(self) -> str:
        if self.both:
            return "resource has both manifest and manifestFrom"
        return f"resource action {self.action!r} needs a manifest or manifestFrom"

    def hint_text(self) -> str | None:
        if self.both:
            return "keep one of 'manifest' and 'manifestFrom'"
        return "add 'manifest: |' with the object, or 'manifestFrom: {artifact: {name: ...}}'"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind != "resource" or not isinstance(tmpl.raw.get("resource"), YMap):
            continue
        body = tmpl.body
        action = body.get("action")
        if not isinstance(action, str) or action in ("get", "delete"):
            continue
        has_manifest = bool(body.get("manifest"))
        has_from = body.get("manifestFrom") is not None
        if has_manifest and has_from:
            yield ResourceManifest(body.key_span("manifestFrom"), str(action), True)
        elif not has_manifest and not has_from:
            yield ResourceManifest(body.value_span("action"), str(action), False)
