"""PL521: a resource `manifest` that is not valid YAML (spec §19 rule 32)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..source import YStr
from ..values import every_template, mask_tags


@dataclass(frozen=True)
class ManifestYaml(Message):
    """What: a resource template's `manifest` text that does not parse as YAML (after
    replacing each `{{...}}` tag by a plain word, as Argo's validator does).

    Why: Argo rejects it ("resource.manifest must be a valid yaml"); the mistake is
    invisible to the outer document, where the manifest is just a string.
    Fix: correct the YAML inside the block (indentation, a missing `:`, unclosed quotes).

        manifest: |
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: settings
           namespace: default      # wrong indentation
    """

    code = "PL521"
    hint = "fix the YAML inside the manifest (indentation, ':', quotes)"
    problem: str

    def text(self) -> str:
        return f"resource manifest is not valid YAML: {self.problem}"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind != "resource":
            continue
        manifest = tmpl.body.get("manifest")
        if isinstance(manifest, YStr) and manifest.strip():
            found = _problem(manifest)
            if found is not None:
                yield ManifestYaml(found[0], found[1])


def _problem(manifest: YStr):
    """(span, description) of the first YAML error in the manifest, or None."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    text = mask_tags(str(manifest))
    try:
        list(YAML(typ="safe", pure=False).compose_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if mark is None:
            return manifest.span, problem
        lines = text.split("\n")
        offset = sum(len(line) + 1 for line in lines[:mark.line]) + mark.column
        rest = text[offset:].split("\n", 1)[0] or text[offset:offset + 1]
        return manifest.locate(offset, offset + max(len(rest), 1)), problem
    except YAMLError as exc:
        return manifest.span, str(exc).strip()
    return None
