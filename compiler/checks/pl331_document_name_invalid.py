"""PL331: a document name Kubernetes rejects (spec §1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_str
from ..names import DNS1123_SUBDOMAIN, NAME_PREFIX


@dataclass(frozen=True)
class DocumentNameInvalid(Message):
    """What: `metadata.name` (or the `generateName` prefix) is not a valid Kubernetes
    object name.

    Why: Kubernetes rejects the object at submit: names must be lowercase letters, digits,
    `-` and `.`, starting and ending with a letter or digit. Fix: name it so.

        metadata:
          name: My_Workflow
        # fix:
          name: my-workflow
    """

    code = "PL331"
    problem: str
    name: str = ""

    def text(self) -> str:
        field = "generateName" if self.problem == "prefix" else "name"
        return f"{field} {self.name!r} is not a valid Kubernetes name"

    def hint_text(self) -> str | None:
        return "use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    meta = wf.metadata
    name = as_str(meta.get("name"))
    prefix = as_str(meta.get("generateName"))
    if name:
        if not DNS1123_SUBDOMAIN.fullmatch(name):
            yield DocumentNameInvalid(name.span, "name", str(name))
    elif prefix and not NAME_PREFIX.fullmatch(prefix):
        yield DocumentNameInvalid(prefix.span, "prefix", str(prefix))
