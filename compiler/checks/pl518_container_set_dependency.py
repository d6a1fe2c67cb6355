"""PL518: a containerSet dependency on an unknown container, or a dependency cycle
(spec §19 rule 31)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Span
from ..model import Workflow, as_seq
from ..names import suggest
from ..source import YMap, YStr
from ..values import every_template


@dataclass(frozen=True)
class ContainerSetDependency(Message):
    """What: a containerSet container whose `dependencies` name a container that is not in
    the set, or containers that depend on each other in a cycle.

    Why: Argo rejects the template: a container starts only after the ones it depends on
    finish, so an unknown name or a cycle would never start. Fix: correct the name or
    break the cycle.

        containers:
        - {name: a, image: busybox, dependencies: [b]}
        - {name: b, image: busybox, dependencies: [a]}
        # fix:
        - {name: b, image: busybox}
    """

    code = "PL518"
    name: str
    cycle: tuple[str, ...] = ()
    suggestion: str | None = None

    def text(self) -> str:
        if self.cycle:
            return "containerSet dependency cycle: " + " -> ".join(self.cycle)
        return f"containerSet dependency {self.name!r} is not a container of the set"

    def hint_text(self) -> str | None:
        if self.suggestion:
            return f"did you mean {self.suggestion!r}?"
        if self.cycle:
            return "remove one of these dependencies"
        return "name a container of this containerSet"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for tmpl in every_template(wf):
        if tmpl.kind != "containerSet":
            continue
        deps: dict[str, list[YStr]] = {}
        for c in as_seq(tmpl.body.get("containers")):
            if isinstance(c, YMap) and isinstance(c.get("name"), str):
                deps.setdefault(str(c["name"]), [d for d in as_seq(c.get("dependencies"))
                                                 if isinstance(d, YStr)])
        for needs in deps.values():
            for dep in needs:
                if dep not in deps:
                    yield ContainerSetDependency(dep.span, str(dep), (), suggest(dep, deps))
        cycle = _cycle(deps)
        if cycle:
            yield ContainerSetDependency(cycle[1], cycle[0][0], cycle[0])


def _cycle(deps: dict[str, list[YStr]]) -> tuple[tuple[str, ...], Span] | None:
    """One dependency cycle (names, and the span of the edge that closes it), if any."""
    state: dict[str, int] = {}          # 1 on the path, 2 done
    for start in deps:
        if state.get(start):
            continue
        path: list[str] = [start]
        stack = [iter(deps[start])]
        state[start] = 1
        while stack:
            dep = next(stack[-1], None)
            if dep is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if dep not in deps:
                continue
            if state.get(dep) == 1:
                loop = path[path.index(dep):] + [str(dep)]
                return tuple(loop), dep.span
            if not state.get(dep):
                state[dep] = 1
                path.append(str(dep))
                stack.append(iter(deps[dep]))
    return None
