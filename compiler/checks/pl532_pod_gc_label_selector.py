"""PL532: a `podGC.labelSelector` that Kubernetes cannot parse (spec §19 rule 16)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Span
from ..model import Workflow, as_map, as_seq
from ..names import label_key_problem, label_value_problem
from ..source import YMap, YSeq, span_of
from ..values import has_tag

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True)
class LabelSelectorInvalid(Message):
    """What: `spec.podGC.labelSelector` with an invalid label key or value, an unknown
    `matchExpressions` operator, `values` missing for `In`/`NotIn`, or `values` given for
    `Exists`/`DoesNotExist`.

    Why: Argo parses the selector when the workflow is submitted and rejects it
    ("podGC.labelSelector invalid"); the pods are never collected.
    Fix: use Kubernetes' selector syntax.

        podGC:
          strategy: OnPodCompletion
          labelSelector:
            matchExpressions:
            - {key: should-be-deleted, operator: Exist}
        # fix:
            - {key: should-be-deleted, operator: Exists}
    """

    code = "PL532"
    hint = "see Kubernetes label selectors: matchLabels, or matchExpressions with In, NotIn, Exists, DoesNotExist"
    problem: str = ""

    def text(self) -> str:
        return f"podGC.labelSelector: {self.problem}"


def _expression(expr: YMap) -> Iterator[tuple[Span, str]]:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values")
    if isinstance(key, str) and not has_tag(key) and (why := label_key_problem(key)):
        yield expr.value_span("key"), f"key {key!r}: {why}"
    if isinstance(op, str) and not has_tag(op):
        if op not in OPERATORS:
            yield expr.value_span("operator"), f"unknown operator {op!r} (use {', '.join(OPERATORS)})"
        elif op in ("In", "NotIn") and not as_seq(values):
            yield expr.value_span("operator"), f"operator {op} needs a non-empty 'values' list"
        elif op in ("Exists", "DoesNotExist") and as_seq(values):
            yield expr.value_span("values"), f"operator {op} takes no 'values'"
    if not isinstance(values, YSeq):
        return
    for i, value in enumerate(values):
        if isinstance(value, str) and not has_tag(value) and (why := label_value_problem(value)):
            yield span_of(value, values.item_span(i)), f"value {value!r}: {why}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    selector = as_map(as_map(wf.spec.get("podGC")).get("labelSelector"))
    labels = as_map(selector.get("matchLabels"))
    for key, value in labels.items():
        if not has_tag(key) and (why := label_key_problem(str(key))):
            yield LabelSelectorInvalid(labels.key_span(key), f"key {str(key)!r}: {why}")
        if isinstance(value, str) and not has_tag(value) and (why := label_value_problem(value)):
            yield LabelSelectorInvalid(labels.value_span(key), f"value {value!r}: {why}")
    for expr in as_seq(selector.get("matchExpressions")):
        if isinstance(expr, YMap):
            for span, problem in _expression(expr):
                yield LabelSelectorInvalid(span, problem)
