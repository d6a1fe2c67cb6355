"""PL515: a container without an image (spec §19 rule 29)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map, as_seq
from ..source import YMap
from ..values import every_template


@dataclass(frozen=True)
class ImageMissing(Message):
    """What: a `container` or `script` body without `image` (and no
    `templateDefaults.container.image` / `templateDefaults.script.image`), or an init
    container, sidecar or containerSet container without one.

    Why: Argo rejects the template ("container.image may not be empty"), and Kubernetes
    cannot start a container without an image. Fix: add `image:`.

        container:
          command: [echo, hello]
        # fix:
        container:
          image: busybox
          command: [echo, hello]
    """

    code = "PL515"
    hint = "add 'image:' (e.g. image: busybox)"
    where: str

    def text(self) -> str:
        return f"{self.where} has no image"


def _missing(container: YMap) -> bool:
    image = container.get("image")
    return image is None or image == ""


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    defaults = wf.template_defaults
    for tmpl in every_template(wf):
        kind = tmpl.kind
        if kind in ("container", "script") and isinstance(tmpl.raw.get(kind), YMap):
            body = tmpl.body
            if _missing(body) and _missing(as_map(defaults.get(kind))):
                span = body.key_span("image") if "image" in body else tmpl.raw.key_span(kind)
                yield ImageMissing(span, f"{kind} of template {tmpl.name!r}")
        named = [("init container", c) for c in as_seq(tmpl.raw.get("initContainers"))]
        named += [("sidecar", c) for c in as_seq(tmpl.raw.get("sidecars"))]
        if kind == "containerSet":
            named += [("container", c) for c in as_seq(tmpl.body.get("containers"))]
        for what, c in named:
            if isinstance(c, YMap) and _missing(c):
                span = c.key_span("image") if "image" in c else c.value_span("name")
                yield ImageMissing(span, f"{what} {str(c.get('name') or '')!r}")
