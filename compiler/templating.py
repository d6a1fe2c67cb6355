"""Files that are Helm or Jinja templates rather than YAML: one message for the file.

A chart's `templates/workflow.yaml` holds `{{ .Values.x }}`, `{{- if ... }}` lines or
`{% for %}` blocks; read as YAML it gives a syntax error or "unquoted {{...}}" at the
first such place, which sends the user fixing the wrong thing. Argo's own tags never look
like these: their first word is a variable root (`inputs`, `steps`, ...), never `.Values`,
a Go template action or a Jinja statement. A template action inside a block scalar (a
script writing a chart, a kubectl `--template`) is text, and is not taken for templating.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from .diagnostics import Message, Span
from .source import LoadedFile, YStr, walk

# a Go template action or Helm object: `{{ .Values`, `{{- if`, `{{ include`, `{{ $x :=`
_GO_ACTION = re.compile(
    r"\{\{-?\s*(?:-\s|\.(?:Values|Release|Chart|Capabilities|Files|Template)\b|\$|"
    r"(?:if|else|end|range|with|define|template|include|block|toYaml|tpl|required)\b)")
# Helm's built-in objects: unmistakable wherever they stand
_HELM_OBJECT = re.compile(r"\{\{-?\s*\.(?:Values|Release|Chart|Capabilities|Files)\b")
_JINJA = re.compile(r"\{%-?\s*\w+|\{#")
# a template construct's opener, and what may stand before it on its line for it to be where
# YAML expects a key, a value or an item: nothing, a list dash, or a mapping key
_OPENER = re.compile(r"\{[{%#]")
_LINE_PREFIX = re.compile(r"[ \t]*(?:-[ \t]+)?(?:[\w.\"'/-]+:[ \t]+)?")
_ARGO = re.compile(r"argoproj\.io|kind:\s*(?:Cluster)?Workflow|kind:\s*CronWorkflow")


@dataclass(frozen=True)
class UnrenderedTemplate(Message):
    """What: the file looks like a Helm or Jinja template (`{{ .Values.x }}`,
    `{{- if ... }}`, `{% for ... %}`), not like YAML that Argo can read.

    Why: such a file becomes a workflow only once it is rendered; read as it is, every
    template construct is a YAML error or a string Argo does not understand.
    Fix: render it first and check the output (`helm template . | plait check -`), or
    exclude the file from the paths given to plait.
    """

    code = "PL131"
    engine: str = "Helm"
    construct: str = ""
    yaml_error: str | None = None

    def text(self) -> str:
        return (f"this file looks like a {self.engine} template ({self.construct}): "
                "it must be rendered before it can be checked")

    def hint_text(self) -> str | None:
        if self.engine == "Helm":
            hint = "check the rendered output instead: `helm template . | plait check -`"
        else:
            hint = "render it with your Jinja tool and check the output (`... | plait check -`)"
        if self.yaml_error:
            hint += f"; if it is no template, fix the YAML error on {self.yaml_error}"
        return hint


def template_message(loaded: LoadedFile) -> UnrenderedTemplate | None:
    """One message if the file is a Helm/Jinja template about an Argo workflow, else None."""
    text = loaded.source.text
    if "{{" not in text and "{%" not in text and "{#" not in text:
        return None
    found = _structural(loaded) or _helm_object_value(loaded)
    if found is None:
        return None
    engine, span, construct = found
    yaml_error = None
    for msg in loaded.messages:
        if msg.code == "PL101":
            problem = msg.text().removeprefix("YAML syntax error: ").split(" (", 1)[0]
            yaml_error = f"line {msg.span.line}: {problem}"
    return UnrenderedTemplate(span, engine=engine, construct=_short(construct),
                              yaml_error=yaml_error)


def is_argo_text(text: str) -> bool:
    """Whether a file's text mentions Argo (its apiVersion or a workflow kind)."""
    return _ARGO.search(text) is not None


def _structural(loaded: LoadedFile) -> tuple[str, Span, str] | None:
    """A template construct where YAML expects a key, a value or an item."""
    src = loaded.source
    blocks = None
    for m in _OPENER.finditer(src.text):      # openers are few; lines are many
        at = m.start()
        if not _LINE_PREFIX.fullmatch(src.text, src.text.rfind("\n", 0, at) + 1, at):
            continue
        end = src.text.find("\n", at)
        rest = src.text[at:end if end >= 0 else len(src.text)]
        engine = "Jinja" if _JINJA.match(rest) else "Helm" if _GO_ACTION.match(rest) else None
        if engine is None:
            continue
        if blocks is None:
            blocks = _block_scalar_lines(loaded)
        if src.position(at)[0] in blocks:
            continue
        close = rest.find("}}" if rest.startswith("{{") else "}")
        construct = rest[:close + 2] if close >= 0 else rest
        return engine, src.span(at, at + len(construct)), construct
    return None


def _helm_object_value(loaded: LoadedFile) -> tuple[str, Span, str] | None:
    """`{{ .Values.x }}` inside a quoted or plain value (not a block of script text)."""
    if _HELM_OBJECT.search(loaded.source.text) is None:
        return None                     # nothing to find: spare the walk over every string
    for value in _strings(loaded):
        if value.style not in ("|", ">"):
            m = _HELM_OBJECT.search(value)
            if m:
                close = value.find("}}", m.end())
                end = close + 2 if close >= 0 else m.end()
                return "Helm", value.locate(m.start(), end), str(value[m.start():end])
    return None


def _strings(loaded: LoadedFile) -> Iterator[YStr]:
    for doc in loaded.documents:
        for _, value in walk(doc.data):
            if isinstance(value, YStr):
                yield value


def _block_scalar_lines(loaded: LoadedFile) -> set[int]:
    """Lines inside block scalars (`|`, `>`); none when the file did not parse."""
    lines: set[int] = set()
    for value in _strings(loaded):
        if value.style in ("|", ">"):
            span = value.span
            lines.update(range(span.line, span.end_line + 1))
    return lines


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


__all__ = ["UnrenderedTemplate", "is_argo_text", "template_message"]
