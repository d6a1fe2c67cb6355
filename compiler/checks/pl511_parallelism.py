"""PL511: `parallelism` on a template that runs no children, or below 1 (spec §19 rule 28)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..argo_version import TEMPLATE_PARALLELISM_ZERO, RemovedInV4, before_v4
from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YMap
from ..values import every_template, int_value, value_span


@dataclass(frozen=True)
class ParallelismInvalid(Message):
    """What: template `parallelism` on a template other than steps or dag, or a
    `parallelism` (of the workflow or a template) below 1.

    Why: template parallelism limits how many children of a steps or dag template run at
    once; other templates have no children, and Argo rejects it there. A limit of 0 (or
    less) would never let anything start. Fix: move it to the steps/dag template that
    runs the loop, with a value of at least 1.

        - name: print
          parallelism: 2
          container: {...}
        # fix: on the caller
        - name: main
          parallelism: 2
          steps: [...]
    """

    code = "PL511"
    problem: str
    detail: str

    def text(self) -> str:
        if self.problem == "kind":
            return f"parallelism is only valid on steps and dag templates, not {self.detail}"
        return f"parallelism must be at least 1, got {self.detail}"

    def hint_text(self) -> str | None:
        if self.problem == "kind":
            return "set parallelism on the steps/dag template that calls this one"
        return "use 1 or more (omit it for no limit)"


def _value(owner: YMap, ctx: Context | None = None) -> Iterator[Message]:
    """`ctx` is given for a template, where 0 meant "no limit" before Argo 4.0."""
    value = owner.get("parallelism")
    number = None if isinstance(value, str) else int_value(value)   # a string: PL202's
    if number == 0 and ctx is not None:
        if not before_v4(ctx.argo_version):
            yield RemovedInV4(owner.key_span("parallelism"), field="'parallelism: 0' on a template",
                              replacement=TEMPLATE_PARALLELISM_ZERO.replacement)
    elif number is not None and number < 1:
        yield ParallelismInvalid(value_span(owner, "parallelism", owner.span), "value", str(value))


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from _value(wf.spec)
    for tmpl in every_template(wf):
        if "parallelism" not in tmpl.raw:
            continue
        if tmpl.kind is not None and tmpl.kind not in ("steps", "dag") and len(tmpl.kinds) == 1:
            yield ParallelismInvalid(tmpl.raw.key_span("parallelism"), "kind", tmpl.kind)
        else:
            yield from _value(tmpl.raw, ctx)
