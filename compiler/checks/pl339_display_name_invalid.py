"""PL339: a display-name annotation that Argo cannot use as a node display name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow, as_map, as_str
from ..names import DISPLAY_NAME, DISPLAY_NAME_ANNOTATION
from ..values import every_template, has_tag


@dataclass(frozen=True)
class DisplayNameInvalid(Message):
    """What: a literal `workflows.argoproj.io/display-name` annotation that is longer than
    63 characters, or has characters other than letters, digits, `-` and `.` (or does not
    start and end with a letter or digit).

    Why: the validator accepts it, but the node fails when it runs: display names must be
    valid label-like names. (Values with `{{...}}` are judged only at run time.)
    Fix: shorten or simplify it.

        annotations:
          workflows.argoproj.io/display-name: "build image #1"
        # fix:
          workflows.argoproj.io/display-name: build-image-1
    """

    code = "PL339"
    severity = Severity.WARNING
    hint = "use letters, digits, '-' and '.', at most 63 characters"
    name: str

    def text(self) -> str:
        return f"display name {self.name!r} is not a valid node name"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        value = as_str(as_map(tmpl.raw.get("annotations")).get(DISPLAY_NAME_ANNOTATION))
        if value is not None and not has_tag(value) and not DISPLAY_NAME.fullmatch(value):
            yield DisplayNameInvalid(value.span, str(value))
