"""PL513: a pod container name Kubernetes or Argo rejects (spec §19 rules 24 and 31)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Template, Workflow, as_seq
from ..names import DNS1123_LABEL, is_reserved_container
from ..source import YMap, YStr
from ..values import every_template, has_tag


@dataclass(frozen=True)
class ContainerNameInvalid(Message):
    """What: an init container, sidecar or containerSet container whose name is empty, not
    a valid Kubernetes container name (lowercase letters, digits, `-`, at most 63), used
    twice in one pod, or one of Argo's own (`main` beside a container/script body, `init`,
    `wait`, `supervisor`, `artifact-plugin-*`).

    Why: all containers of a pod need distinct valid names, and Argo adds `init`, `wait`
    and `main` itself; Argo or Kubernetes rejects the pod otherwise.
    Fix: rename the container.

        sidecars:
        - name: wait
          image: nginx
        # fix:
        - name: web
    """

    code = "PL513"
    name: str
    problem: str
    first_line: int = 0

    def text(self) -> str:
        if self.problem == "empty":
            return "container name is empty"
        if self.problem == "duplicate":
            return f"container name {self.name!r} is used twice in one pod (first on line {self.first_line})"
        if self.problem == "reserved":
            return f"container name {self.name!r} is reserved by Argo"
        return f"invalid container name {self.name!r}"

    def hint_text(self) -> str | None:
        if self.problem in ("duplicate", "reserved"):
            return "choose another name"
        return "use lowercase letters, digits and '-', at most 63 characters"


def _containers(tmpl: Template) -> Iterator[YMap]:
    """The containers listed for one pod (besides `main`), in document order."""
    for key in ("initContainers", "sidecars"):
        for c in as_seq(tmpl.raw.get(key)):
            if isinstance(c, YMap):
                yield c
    if tmpl.kind == "containerSet":
        for c in as_seq(tmpl.body.get("containers")):
            if isinstance(c, YMap):
                yield c


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        # container and script bodies run as `main` beside the listed containers
        seen: dict[str, int] = {"main": 0} if tmpl.kind in ("container", "script") else {}
        for container in _containers(tmpl):
            name = container.get("name")
            if not isinstance(name, YStr) or has_tag(name):
                continue
            if not name:
                yield ContainerNameInvalid(name.span, "", "empty")
            elif name in seen:
                problem = "reserved" if seen[name] == 0 else "duplicate"
                yield ContainerNameInvalid(name.span, str(name), problem, seen[name])
            elif is_reserved_container(name):
                yield ContainerNameInvalid(name.span, str(name), "reserved")
            elif len(name) > 63 or not DNS1123_LABEL.fullmatch(name):
                yield ContainerNameInvalid(name.span, str(name), "invalid")
            if name:
                seen.setdefault(str(name), name.span.line)
