"""PL357: a call does not supply a required input artifact (spec §19 rule 38)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..artifacts import has_location
from ..calls import How, call_arguments, calls, checks_inputs, resolve
from ..context import Context
from ..diagnostics import Message
from ..model import Artifact, Workflow


@dataclass(frozen=True)
class MissingInputArtifact(Message):
    """What: the called template declares input artifact X that is not `optional` and has
    no location of its own (raw, http, git, s3, ...), and the call passes no artifact X.

    Why: Argo rejects the workflow: "inputs.artifacts.X was not supplied".
    Fix: pass it in `arguments.artifacts` (usually `from:` another step's output), give it
    a location, or mark it `optional: true`.

        - name: consume
          template: print-file             # inputs: artifacts: [{name: data, path: /tmp/d}]
        # fix:
          arguments:
            artifacts:
            - name: data
              from: "{{steps.produce.outputs.artifacts.data}}"
    """

    code = "PL357"
    name: str = ""
    template: str = ""
    role: str = ""

    def text(self) -> str:
        return f"inputs.artifacts.{self.name} was not supplied: the {self.role} calls {self.template!r} without it"

    def hint_text(self) -> str | None:
        return f"pass {self.name!r} in arguments.artifacts, give it a location, or mark it optional"


def needs_argument(art: Artifact) -> bool:
    """A required input artifact with nowhere to come from but the call (`from` is PL5xx's)."""
    raw = art.raw
    optional = raw.get("optional")
    return not (optional is True or isinstance(optional, str) or has_location(raw)
                or "from" in raw or "fromExpression" in raw)


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for call in calls(wf):
        if not checks_inputs(wf, call):
            continue
        target = resolve(wf, ctx, call)
        if target.how not in (How.LOCAL, How.REF) or target.template is None:
            continue
        given = {a.name for a in call_arguments(wf, ctx, call, target).artifacts}
        for art in target.template.inputs.artifacts:
            if art.name and art.name not in given and needs_argument(art):
                yield MissingInputArtifact(call.span, art.name, target.label, call.label)
