"""PL601: a parameter spliced into a script's `source` (shell/code injection)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from plait.grammar import GrammarError, iter_refs, parse_template

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow, as_map, as_seq, as_str
from ..source import YMap
from ..values import every_template, has_tag

_SPLICED = (("inputs", "parameters"), ("workflow", "parameters"))
_PYTHON = re.compile(r"python[0-9.]*")
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


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

    Not reported where the source is not the program: Argo appends the source file's path
    to `command` + `args`, so an interpreter told to run a module or inline code (`python
    -m ...`, `python -c ...`, `sh -c ...`) gets the file only as an argument, read as data
    if at all. Hera's script runner is this shape (`source: '{{inputs.parameters}}'` read
    as JSON by `python -m hera.workflows.runner`).
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
        if tmpl.kind != "script" or not _source_is_program(tmpl.body, wf.template_defaults):
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


def _source_is_program(script: YMap, defaults: YMap) -> bool:
    """False when the interpreter runs a module or inline code instead of the source file.

    Argo runs `command + args + [source file]`; `python -m mod`, `python -c code` and
    `sh -c code` run their own code and pass the file along as an argument. A bare
    `sh -c` (no code after it) would run the file's path as the command: still the source.
    """
    script_defaults = as_map(as_map(defaults).get("script"))
    words = [w for key in ("command", "args")
             for w in as_seq(script.get(key, script_defaults.get(key)))]
    if not words or not isinstance(words[0], str):
        return True
    program = words[0].rsplit("/", 1)[-1]
    for i, word in enumerate(words[1:], 1):
        if not isinstance(word, str) or not word.startswith("-") or word.startswith("--"):
            break                       # options end at the first other word
        follows = i + 1 < len(words)    # the module or code, before the source file
        if _PYTHON.fullmatch(program) and word[:2] in ("-m", "-c"):
            return not (follows or len(word) > 2)
        if program in _SHELLS and "c" in word[1:]:
            return not follows
    return True
