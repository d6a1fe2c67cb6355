"""PL314: `{{pod.name}}` where no pod exists: a steps/dag/suspend template or a step's fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class PodNameOutsidePod(ScopeMessage):
    """What: `{{pod.name}}` where no pod exists: a steps/dag/suspend template or a step's fields.

    Why: Argo rejects it ("failed to resolve {{pod.name}}").
    Fix: use it inside the container or script template that runs in the pod.
    """

    code = "PL314"
    hint = 'pod.name exists only in container, script, resource, containerSet and data templates'

    def text(self) -> str:
        return f"pod.name used outside a pod template ({self.detail})"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.POD_NAME_OUTSIDE_POD, PodNameOutsidePod)
