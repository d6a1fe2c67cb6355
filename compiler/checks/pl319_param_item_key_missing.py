"""PL319: `item.key` where the JSON list of a `withParam` is known and its items lack the key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import scope
from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from .scope_messages import ScopeMessage, scope_messages


@dataclass(frozen=True)
class ParamItemKeyMissing(ScopeMessage):
    """What: `item.key` in a step or task whose `withParam` list is known before the run
    (literal JSON, a workflow parameter with a literal value, or an output parameter
    declared with a literal `value`), and an item of that list has no such key.

    Why: Argo cannot resolve the tag when the loop expands, and the step fails (or the
    literal text `{{item.lable}}` reaches the pod). A warning: a workflow parameter may be
    given another value at submit. Fix: correct the key.

        withParam: '[{"label": "a"}, {"label": "b"}]'
        arguments: {parameters: [{name: m, value: "{{item.lable}}"}]}
        # fix:
        arguments: {parameters: [{name: m, value: "{{item.label}}"}]}
    """

    code = "PL319"
    severity = Severity.WARNING
    hint = "use a key that every item of the list has"

    def text(self) -> str:
        return f"item.{self.name}: {self.detail}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from scope_messages(wf, ctx, scope.PARAM_ITEM_KEY_MISSING, ParamItemKeyMissing)
