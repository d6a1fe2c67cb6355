"""PL514: `resourceClaims` on a template that runs no pod of its own (spec §19 rule 25)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import POD_KINDS, Workflow
from ..values import every_template


@dataclass(frozen=True)
class ResourceClaimsWithoutPod(Message):
    """What: template `resourceClaims` on a steps, dag, suspend, http or plugin template.

    Why: Argo rejects it: claims are added to the template's pod, and these templates run
    none (http and plugin templates share the agent pod). Fix: put the claims on the
    container templates that need the device, or on `spec.resourceClaims`.

        - name: main
          resourceClaims: [{name: gpu, resourceClaimTemplateName: gpu-claim}]
          steps: [...]
        # fix: on the container template that uses the device
    """

    code = "PL514"
    kind: str

    def text(self) -> str:
        return f"resourceClaims is not allowed on a {self.kind} template (it runs no pod)"

    def hint_text(self) -> str | None:
        return "move resourceClaims to the container templates that use the device"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if "resourceClaims" in tmpl.raw and tmpl.kind is not None and tmpl.kind not in POD_KINDS:
            yield ResourceClaimsWithoutPod(tmpl.raw.key_span("resourceClaims"), tmpl.kind)
