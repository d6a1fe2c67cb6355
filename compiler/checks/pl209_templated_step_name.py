"""PL209: a step or task name with a tag (a warning: Argo checks it after substitution)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from plait.grammar import GrammarError, parse_template
from plait.grammar import ast as A

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow
from ..names import MAX_TEMPLATE_NAME, TEMPLATE_NAME
from ..source import YStr


@dataclass(frozen=True)
class TemplatedStepName(Message):
    """What: a step or task `name` holding a tag, such as `run-{{workflow.parameters.date}}`,
    whose value plait cannot know.

    Why: Argo's validator accepts it (its own valid tests use such names) and the name is
    substituted before it names the node; but the full v4 CRD checks the name as written
    against its name rule (letters, digits and '-'), so a cluster with that CRD installed
    rejects it. Where the values are known (`workflow.parameters` given in the file or with
    `-p`), plait also checks the substituted name (an invalid one is PL401/PL403 instead).
    Fix: use a fixed name and put the varying part in `arguments`, or ignore this warning
    if your cluster has the minimal CRD.
    """

    code = "PL209"
    severity = Severity.WARNING
    hint = "use a fixed name; pass the varying part as an argument"
    name: str = ""
    kind: str = "step"

    def text(self) -> str:
        return (f"{self.kind} name {self.name!r} holds a tag: Argo accepts it, but the full "
                f"v4 CRD's {self.kind} name rule (letters, digits and '-') rejects it as written")


def templated(name: str) -> bool:
    """True when a step/task name holds one of Argo's tags."""
    try:
        return not parse_template(name).is_literal
    except GrammarError:
        return False


def substituted(wf: Workflow, ctx: Context, name: str) -> str | None:
    """The name with its tags replaced where every value is known (workflow parameters given
    in the file or with -p), else None."""
    try:
        parts = parse_template(name).parts
    except GrammarError:
        return None
    known = _workflow_parameters(wf, ctx)
    out = []
    for part in parts:
        if isinstance(part, A.Text):
            out.append(part.value)
            continue
        path = part.body.path if isinstance(part.body, A.Ref) else ()
        if len(path) != 3 or path[:2] != ("workflow", "parameters") or path[2] not in known:
            return None
        out.append(known[path[2]])
    return "".join(out)


def _workflow_parameters(wf: Workflow, ctx: Context) -> dict[str, str]:
    values: dict[str, str] = {}
    for p in wf.arguments.parameters:
        value: Any = p.value
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) \
                and not templated(str(value)):
            values[p.name] = str(value)
    for k, v in (ctx.parameters or {}).items():
        values[k] = str(v)
    return values


def _valid(name: str) -> bool:
    return len(name) <= MAX_TEMPLATE_NAME and TEMPLATE_NAME.fullmatch(name) is not None


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for _tmpl, step in wf.iter_steps():
        name = step.raw.get("name")
        if not isinstance(name, YStr) or not templated(name):
            continue
        value = substituted(wf, ctx, name)
        if value is None or _valid(value):      # an invalid known value is PL401/PL403's
            yield TemplatedStepName(name.span, name=str(name),
                                    kind="task" if step.is_task else "step")
