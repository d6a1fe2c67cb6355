"""PL523: a Prometheus metric that Argo rejects (spec §19 rule 34)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Span
from ..model import Workflow, as_map, as_seq
from ..names import METRIC_LABEL, METRIC_NAME
from ..source import YMap, YStr
from ..values import every_template, has_tag

TYPES = ("counter", "gauge", "histogram")


@dataclass(frozen=True)
class MetricInvalid(Message):
    """What: a `metrics.prometheus` entry whose name or a label key is not a valid
    Prometheus name, with an empty label value, an empty `help`, no (or several) of
    `counter`/`gauge`/`histogram`, or an empty metric `value`.

    Why: Argo rejects the workflow ("metric name 'x' is invalid", "must contain a help
    string", ...). Prometheus names are letters, digits, `_` and `:`, not starting with a
    digit; label keys are letters, digits and `_`. Fix: rename or complete the metric.

        prometheus:
        - name: build-duration
          help: ""
          gauge: {value: "{{workflow.duration}}", realtime: false}
        # fix:
        - name: build_duration
          help: "Duration of the build"
    """

    code = "PL523"
    problem: str
    detail: str = ""

    def text(self) -> str:
        return {
            "name": f"invalid metric name {self.detail!r}",
            "label": f"invalid metric label key {self.detail!r}",
            "label-value": f"metric label {self.detail!r} has an empty value",
            "help": f"metric {self.detail!r} has an empty help",
            "type": f"metric {self.detail!r} needs exactly one of counter, gauge, histogram",
            "value": f"metric {self.detail!r} has an empty value",
        }[self.problem]

    def hint_text(self) -> str | None:
        return {
            "name": "use letters, digits, '_' and ':', not starting with a digit",
            "label": "use letters, digits and '_', not starting with a digit",
            "label-value": "give the label a value",
            "help": "describe the metric in 'help:'",
            "type": "keep exactly one of counter, gauge, histogram",
            "value": "set 'value:' to what the metric records",
        }[self.problem]


def _metric(m: YMap) -> Iterator[Message]:
    name = m.get("name")
    label = str(name) if isinstance(name, str) else ""
    if isinstance(name, YStr) and not has_tag(name) and not METRIC_NAME.fullmatch(name):
        yield MetricInvalid(name.span, "name", label)
    for lab in as_seq(m.get("labels")):
        if not isinstance(lab, YMap):
            continue
        key, value = lab.get("key"), lab.get("value")
        if isinstance(key, YStr) and not has_tag(key) and not METRIC_LABEL.fullmatch(key):
            yield MetricInvalid(key.span, "label", str(key))
        elif isinstance(key, str) and value == "":
            yield MetricInvalid(lab.value_span("value"), "label-value", str(key))
    if m.get("help") == "":
        yield MetricInvalid(m.value_span("help"), "help", label)
    kinds = [k for k in TYPES if k in m]
    if len(kinds) != 1:
        span: Span = m.key_span(kinds[1]) if kinds else m.value_span("name")
        yield MetricInvalid(span, "type", label)
    elif as_map(m.get(kinds[0])).get("value") == "":
        yield MetricInvalid(as_map(m[kinds[0]]).value_span("value"), "value", label)


def _metrics(owner: YMap) -> Iterator[Message]:
    for m in as_seq(as_map(owner.get("metrics")).get("prometheus")):
        if isinstance(m, YMap):
            yield from _metric(m)


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    yield from _metrics(wf.spec)
    for tmpl in every_template(wf):
        yield from _metrics(tmpl.raw)
