"""PL401: a step name Argo rejects (an absent name is the schema's PL203)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow
from ..names import MAX_TEMPLATE_NAME, TEMPLATE_NAME
from ..source import YStr
from ..values import has_tag
from .pl209_templated_step_name import substituted, templated


@dataclass(frozen=True)
class InvalidStepName(Message):
    """What: a step's `name` is empty, or is not letters, digits and `-` starting
    with a letter or digit (at most 128 characters).

    Why: Argo rejects the workflow at submit ("steps[0].name is required", "name 'x' is
    invalid"); the name becomes the node name and the `steps.<name>` of references.
    Fix: give every step a name such as `build-image`.

    ```yaml
    # wrong
    - - name: build_image
        template: build
    # right
    - - name: build-image
        template: build
    ```
    """

    code = "PL401"
    name: str | None                # None when the name is empty
    problem: str = ""

    def text(self) -> str:
        if self.name is None:
            return "step has an empty name"
        return f"invalid step name {self.name!r}: {self.problem}"

    def hint_text(self) -> str | None:
        if self.name is None:
            return "name the step with letters, digits and '-'"
        fixed = _suggest(self.name)
        if has_tag(self.name):
            if fixed == self.name:
                return "make sure each substituted value is letters, digits and '-'"
            return "rename it, e.g. " + repr(fixed) + " (tags count by their value)"
        return "rename it, e.g. " + repr(fixed)


def name_problem(name: str) -> str | None:
    """Why Argo rejects a template, step or task name (`isValidWorkflowFieldName`), or None."""
    if len(name) > MAX_TEMPLATE_NAME:
        return f"longer than {MAX_TEMPLATE_NAME} characters"
    if not TEMPLATE_NAME.fullmatch(name):
        return "use letters, digits and '-', starting with a letter or digit"
    return None


def _suggest(name: str) -> str:
    """The name with each character Argo rejects made a '-'; tags are kept as written
    (their value counts, not their braces)."""
    parts = re.split(r"(\{\{.*?\}\}|<<.*?>>)", name)
    fixed = "".join(p if i % 2 else "".join(c if c.isascii() and c.isalnum() else "-" for c in p)
                    for i, p in enumerate(parts)).strip("-")
    return fixed[:MAX_TEMPLATE_NAME] or "step-1"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for _tmpl, step in wf.iter_steps():
        if step.is_task:
            continue
        name = step.raw.get("name")
        if not isinstance(name, YStr):
            continue            # absent or not a string: the schema stage reports it
        if not name:
            yield InvalidStepName(name.span, None)
        elif templated(name):           # checked after substitution, where values are known
            value = substituted(wf, ctx, name)
            problem = name_problem(value) if value is not None else None
            if problem:
                yield InvalidStepName(name.span, str(name), f"it becomes {value!r}: {problem}")
        else:
            problem = name_problem(name)
            if problem:
                yield InvalidStepName(name.span, str(name), problem)
