"""PL505: a lifecycle hook other than `exit` without `expression` (spec §19 rule 15)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map
from ..source import YMap
from ..values import every_template


@dataclass(frozen=True)
class HookWithoutExpression(Message):
    """What: a workflow, step or task hook whose name is not `exit` and that has no (or an
    empty) `expression`.

    Why: Argo rejects it ("expression is required"): only the `exit` hook has a fixed
    moment; every other hook runs when its expression becomes true.
    Fix: add an expression, or name the hook `exit` if it is the exit handler.

        hooks:
          running:
            template: notify
        # fix:
          running:
            expression: workflow.status == "Running"
            template: notify
    """

    code = "PL505"
    name: str

    def text(self) -> str:
        return f"hook {self.name!r} has no expression"

    def hint_text(self) -> str | None:
        return "add 'expression:' (e.g. workflow.status == \"Running\"), or name the hook 'exit'"


def _hooks(hooks: YMap) -> Iterator[Message]:
    for name, hook in hooks.items():
        if name == "exit" or not isinstance(hook, YMap):
            continue
        expr = hook.get("expression")
        if not (isinstance(expr, str) and expr.strip()):
            yield HookWithoutExpression(hooks.key_span(name), str(name))


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from _hooks(as_map(wf.spec.get("hooks")))
    for tmpl in every_template(wf):
        for step in tmpl.children:
            yield from _hooks(step.hooks)
