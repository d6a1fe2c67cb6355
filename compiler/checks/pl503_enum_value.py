"""PL503: an empty `enum`, or a workflow argument value outside its `enum` (spec §19 rule 11)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YMap
from ..values import has_tag, io_lists, value_span


@dataclass(frozen=True)
class EnumValue(Message):
    """What: an argument parameter (of `spec.arguments`, a step, a task or a hook) with
    `enum: []`, or a `spec.arguments` parameter whose literal `value` is not one of its
    `enum` values. (Values outside the enum in step and task arguments are PL361's.)

    Why: Argo rejects the workflow ("... value should be present in ... enum list",
    "enum should contain at least one value"). Fix: list the allowed values and pick one.

        arguments:
          parameters:
          - name: level
            value: verbose
            enum: [debug, info, warn]
        # fix:
            value: debug
    """

    code = "PL503"
    name: str
    value: str | None
    allowed: tuple[str, ...] = ()

    def text(self) -> str:
        if self.value is None:
            return f"enum of {self.name!r} is empty"
        return f"value {self.value!r} of {self.name!r} is not in its enum"

    def hint_text(self) -> str | None:
        if self.value is None:
            return "list at least one allowed value, or remove 'enum'"
        return "allowed: " + ", ".join(repr(a) for a in self.allowed)


def as_text(value: Any) -> str:
    """A YAML scalar as the string Argo compares (`true`, `3`, `1.5`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for where, what, items in io_lists(wf):
        # rule 11 holds for every argument list (rule 42: steps' and tasks' too)
        if what != "parameter" or not where.endswith("arguments"):
            continue
        for item in items:
            if not isinstance(item, YMap) or not isinstance(item.get("enum"), list):
                continue
            name = str(item.get("name") or "")
            enum = item["enum"]
            if not enum:
                yield EnumValue(item.value_span("enum"), name, None)
                continue
            if where != "spec.arguments":
                continue  # a step's value outside the enum is PL361's
            if "value" not in item or item["value"] is None or has_tag(item["value"]):
                continue
            allowed = tuple(as_text(e) for e in enum)
            value = as_text(item["value"])
            if value not in allowed:
                yield EnumValue(value_span(item, "value", item.span), name, value, allowed)
