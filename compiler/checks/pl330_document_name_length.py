"""PL330: a document name longer than Argo allows (spec §19 rule 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_str
from ..names import GENERATED_SUFFIX, MAX_CRON_NAME, MAX_OBJECT_NAME, MAX_PREFIX


@dataclass(frozen=True)
class DocumentNameTooLong(Message):
    """What: `metadata.name` is longer than 63 characters (52 for a CronWorkflow), or a
    CronWorkflow's `generateName` yields names longer than 52.

    Why: Argo rejects the document ("name ... must be no more than 63 characters"): the
    name is copied into label values, which Kubernetes caps at 63. A CronWorkflow names
    each run `<cron name>-<10-digit unix time>`, so its own name has 11 characters fewer.
    Fix: shorten the name.

        kind: CronWorkflow
        metadata:
          name: nightly-rebuild-of-every-image-in-the-registry-and-mirrors   # 58
        # fix:
          name: nightly-image-rebuild
    """

    code = "PL330"
    kind: str
    name: str
    length: int
    limit: int
    generated: bool = False

    def text(self) -> str:
        if self.generated:
            return (f"generateName {self.name!r} yields {self.kind} names of {self.length} "
                    f"characters; at most {self.limit} are allowed")
        return f"{self.kind} name {self.name!r} has {self.length} characters; at most {self.limit} are allowed"

    def hint_text(self) -> str | None:
        if self.kind == "CronWorkflow":
            return "a CronWorkflow name may have 52 characters: each run is named <name>-<unix time>"
        return "shorten the name to 63 characters or fewer"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    limit = MAX_CRON_NAME if wf.kind == "CronWorkflow" else MAX_OBJECT_NAME
    meta = wf.metadata
    name = as_str(meta.get("name"))
    if name:
        if len(name) > limit:
            yield DocumentNameTooLong(name.span, wf.kind, str(name), len(name), limit)
        return
    prefix = as_str(meta.get("generateName"))
    if prefix:
        # Kubernetes cuts the prefix to 58 characters and appends 5 random ones
        length = min(len(prefix), MAX_PREFIX) + GENERATED_SUFFIX
        if length > limit:
            yield DocumentNameTooLong(prefix.span, wf.kind, str(prefix), length, limit, True)
