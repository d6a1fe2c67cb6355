"""PL604: a privileged container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow, as_map
from ..source import span_of
from ..values import all_containers


@dataclass(frozen=True)
class Privileged(Message):
    """What: a container (main, sidecar, init container or containerSet member) with
    `securityContext.privileged: true`.

    Why: a privileged container has every capability and the host's devices: it can mount
    the host's disks and leave its sandbox. Kubernetes' Pod Security "baseline" profile
    refuses it; plait's local backend never grants it.
    Fix: drop `privileged`; add only the capability the step needs
    (`securityContext.capabilities.add`), or none.

    ```yaml
    # wrong
    securityContext: {privileged: true}
    # right
    securityContext: {capabilities: {add: [NET_BIND_SERVICE]}}
    ```
    """

    code = "PL604"
    severity = Severity.WARNING
    hint = "remove privileged: true; add only the capabilities the step needs"

    def text(self) -> str:
        return "the container is privileged: it can reach the host's devices and leave its sandbox"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for container in all_containers(wf):
        sc = as_map(container.get("securityContext"))
        if sc.get("privileged") in (True, "true"):
            yield Privileged(span_of(sc.get("privileged"), sc.value_span("privileged")))
