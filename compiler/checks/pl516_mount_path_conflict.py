"""PL516: two mounts at one path in one container (spec §19 rules 30 and 31)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Span
from ..model import Template, Workflow, as_seq
from ..source import YMap, YStr
from ..values import every_template


@dataclass(frozen=True)
class MountPathConflict(Message):
    """What: a `volumeMounts[].mountPath` used twice in one container (or in a containerSet's
    shared `volumeMounts`), or an input artifact `path` equal to a mountPath or to another
    input artifact's path.

    Why: Argo rejects it ("already mounted in ..."): input artifacts are mounted at their
    path, and Kubernetes refuses a container with two mounts at one path.
    Fix: give each its own path, e.g. a sub-directory.

        inputs:
          artifacts:
          - {name: data, path: /work}
        container:
          volumeMounts:
          - {name: workdir, mountPath: /work}
        # fix:
          - {name: data, path: /work/data}
    """

    code = "PL516"
    path: str
    what: str
    first: str
    first_line: int

    def text(self) -> str:
        return f"{self.what} path {self.path!r} is already used by {self.first} on line {self.first_line}"

    def hint_text(self) -> str | None:
        return "use a different path, e.g. a sub-directory"


def _norm(path: str) -> str:
    return path.rstrip("/") or "/"


def _mounts(tmpl: Template) -> list[YMap]:
    return [m for m in as_seq(tmpl.body.get("volumeMounts")) if isinstance(m, YMap)]


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind not in ("container", "script", "containerSet"):
            continue
        used: dict[str, tuple[str, Span]] = {}
        for mount in _mounts(tmpl):
            path = mount.get("mountPath")
            if isinstance(path, YStr) and path:
                label = f"volumeMount {str(mount.get('name') or '')!r}"
                yield from _claim(used, path, "mount", label)
        if tmpl.kind == "containerSet":
            continue                    # artifacts are mounted into `main` only
        for art in tmpl.inputs.artifacts:
            path = art.path
            if path:
                yield from _claim(used, path, "input artifact", f"input artifact {art.name!r}")


def _claim(used: dict[str, tuple[str, Span]], path: YStr, what: str, label: str) -> Iterator[Message]:
    key = _norm(path)
    if key in used:
        first, span = used[key]
        yield MountPathConflict(path.span, str(path), what, first, span.line)
    else:
        used[key] = (label, path.span)
