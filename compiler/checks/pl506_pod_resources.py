"""PL506: `podResources` that Kubernetes cannot apply to a pod (spec §19 rule 17)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map
from ..source import YMap
from ..values import every_template


@dataclass(frozen=True)
class PodResourcesInvalid(Message):
    """What: `podResources` naming a resource other than `cpu`, `memory` or `hugepages-*`,
    using `claims`, or set on an `http` or `plugin` template.

    Why: Argo rejects it: pod-level resources cover only those resources, and http and
    plugin templates run in the shared agent pod, which no template may size.
    Fix: keep cpu/memory/hugepages, size other resources per container, and remove
    podResources from http/plugin templates.

        podResources:
          limits:
            nvidia.com/gpu: 1
        # fix: move it to the container
        container:
          resources:
            limits:
              nvidia.com/gpu: 1
    """

    code = "PL506"
    problem: str
    detail: str = ""

    def text(self) -> str:
        if self.problem == "resource":
            return f"podResources may only set cpu, memory and hugepages-*, not {self.detail!r}"
        if self.problem == "claims":
            return "podResources may not use claims"
        return f"podResources is not allowed on {self.detail} templates"

    def hint_text(self) -> str | None:
        if self.problem == "kind":
            return f"{self.detail} templates run in the shared agent pod; remove podResources"
        return "set other resources per container under container.resources"


def _resources(res: YMap) -> Iterator[Message]:
    if "claims" in res:
        yield PodResourcesInvalid(res.key_span("claims"), "claims")
    for part in ("limits", "requests"):
        amounts = as_map(res.get(part))
        for key in amounts:
            if key not in ("cpu", "memory") and not str(key).startswith("hugepages-"):
                yield PodResourcesInvalid(amounts.key_span(key), "resource", str(key))


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from _resources(as_map(wf.spec.get("podResources")))
    yield from _resources(as_map(wf.template_defaults.get("podResources")))
    for tmpl in every_template(wf):
        if "podResources" not in tmpl.raw:
            continue
        if tmpl.kind in ("http", "plugin"):
            yield PodResourcesInvalid(tmpl.raw.key_span("podResources"), "kind", tmpl.kind)
        yield from _resources(as_map(tmpl.raw.get("podResources")))
