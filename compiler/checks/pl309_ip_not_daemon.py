"""PL309: `steps.X.ip` / `tasks.X.ip` of a node whose template is not `daemon: true`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class IpNotDaemon(ScopeMessage):
    """What: `steps.X.ip` / `tasks.X.ip` of a node whose template is not `daemon: true`.

    Why: the pod of a non-daemon step has exited by the time anyone reads its address.
    Fix: mark the template `daemon: true`.
    """

    code = "PL309"
    hint = 'set `daemon: true` on the template, or do not use its IP'

    def text(self) -> str:
        return f"'.ip' of step {self.name!r}, whose template {self.detail!r} is not a daemon"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.IP_NOT_DAEMON, IpNotDaemon)
