"""PL365: an output parameter needs exactly one of `value` and `valueFrom`, and a
`valueFrom` exactly one source (spec §19 rule 52)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Parameter, Workflow
from ..source import YMap
from ..values import every_template, output_sources


@dataclass(frozen=True)
class OutputParameterSource(Message):
    """What: an output parameter with both `value` and `valueFrom`, with neither, or whose
    `valueFrom` names no source or several (`path`, `jqFilter`, `jsonPath`, `parameter`,
    `expression`, `supplied`, ...). `default` alone is only a fallback, not a source.

    Why: Argo rejects it ("has both valueFrom and value specified", "valueFrom type
    unspecified", "multiple valueFrom types specified"). Fix: keep exactly one.

        outputs:
          parameters:
          - name: count
            valueFrom:
              default: "0"
        # fix:
            valueFrom:
              path: /tmp/count
              default: "0"
    """

    code = "PL365"
    name: str = ""
    problem: str = ""       # "both", "neither", "no-source", "several:<a>,<b>"

    def text(self) -> str:
        kind, _, detail = self.problem.partition(":")
        if kind == "both":
            return f"output parameter {self.name!r} has both value and valueFrom"
        if kind == "neither":
            return f"output parameter {self.name!r} has neither value nor valueFrom"
        if kind == "no-source":
            return f"valueFrom of output parameter {self.name!r} names no source"
        return f"valueFrom of output parameter {self.name!r} names several sources ({detail.replace(',', ', ')})"

    def hint_text(self) -> str | None:
        kind, _, _ = self.problem.partition(":")
        if kind == "both":
            return "keep one of value and valueFrom"
        if kind == "several":
            return "keep exactly one source"
        return "add valueFrom.path (container/script), parameter or expression (steps/dag), or value"


_VALUE_FROM_KEYS = ("path", "jsonPath", "jqFilter", "parameter", "expression", "supplied",
                    "event", "configMapKeyRef")


def problem(param: Parameter) -> tuple[str, str] | None:
    """(problem, key whose span to report) for an output parameter, or None if sound."""
    raw = param.raw
    has_value, vf = raw.get("value") is not None, raw.get("valueFrom")
    if has_value and vf is not None:
        return "both", "valueFrom"
    if has_value:
        return None
    if not isinstance(vf, YMap):
        if vf is None and any(k in raw for k in _VALUE_FROM_KEYS):
            return None     # `path:` beside `valueFrom:`: the schema says where it belongs
        return ("neither", "name") if vf is None else None
    found = output_sources(vf)
    if not found:
        return "no-source", "valueFrom"
    if len(found) > 1:
        return "several:" + ",".join(found), found[1]
    return None


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        for param in tmpl.outputs.parameters:
            found = problem(param)
            if found is None:
                continue
            kind, key = found
            vf = param.value_from   # a YMap whenever the problem is "several"
            owner = vf if vf is not None and kind.startswith("several") else param.raw
            span = param.name_span if key == "name" else owner.key_span(key)
            yield OutputParameterSource(span, param.name, kind)
