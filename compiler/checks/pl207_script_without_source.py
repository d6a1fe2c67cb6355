"""PL207: a `script` template without `source` (a warning: Argo accepts it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow, as_map
from ..values import every_template


@dataclass(frozen=True)
class ScriptWithoutSource(Message):
    """What: a `script` template with no `source` (and none from `templateDefaults`).

    Why: Argo's CRD does not require `source`, and the controller only logs a suggestion:
    the pod runs the script's `command`/`args` like a container, and `outputs.result` is
    still its standard output. Usually the template was meant to be a `container`, or the
    script text is missing. Fix: add `source: |` with the script, or write `container:`.
    `templateDefaults.script` without `source` is not reported: templates fill it in.
    """

    code = "PL207"
    severity = Severity.WARNING
    hint = "add 'source:' with the script text, or use 'container:' to run command/args"
    template: str = ""

    def text(self) -> str:
        return f"script of template {self.template!r} has no source"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    if "source" in as_map(wf.template_defaults.get("script")):
        return
    for tmpl in every_template(wf):
        script = tmpl.raw.get("script")
        if isinstance(script, dict) and script.get("source") is None:
            yield ScriptWithoutSource(tmpl.raw.key_span("script"), template=str(tmpl.name or ""))
