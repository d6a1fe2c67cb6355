"""`plait dot NAME`: a stored run as a Graphviz graph, each node coloured by its phase and
labelled with its duration (issue #5). Same machinery as `compiler/dot.py` (networkx, then
pydot through `compiler.dot.to_pydot`).

Edges are Argo's node `children` (a steps node to its first group, a group to its steps, a
step to the next group; a DAG task to the tasks that wait for it), so the drawing reads as the
run went. StepGroups and TaskGroups are drawn as small dots; Retry nodes as boxes around their
attempts' edges, marked `↻ retries: N`. Each node shows its message (why it failed or was
skipped) under its phase, and the exit handler hangs off the nodes the run ended with by a
dotted edge, as in the plan's drawing. The run's name and phase title the graph.
"""

from __future__ import annotations

from typing import Mapping

import networkx as nx

from plait.compiler.dot import HOOK_COLOR, retry_mark, to_pydot, wrap_label
from plait.compiler.plan import Retry
from plait.compiler.plancodec import read_stored_plan
from plait.runtime.storeapi import WorkflowRow
from plait.runtime.types import Node, NodeType, Phase

from .views import format_duration

# fill colours by phase (Argo UI's palette, lightened for black text)
PHASE_COLOURS = {
    Phase.PENDING: "#e0e0e0", Phase.RUNNING: "#a8d1ff", Phase.SUCCEEDED: "#b8e6b0",
    Phase.FAILED: "#f7b0b0", Phase.ERROR: "#ffd08a", Phase.SKIPPED: "#f4f4f4",
    Phase.OMITTED: "#f4f4f4",
}
_SHAPES = {NodeType.POD: "box", NodeType.STEPS: "box3d", NodeType.DAG: "box3d",
           NodeType.RETRY: "component", NodeType.SUSPEND: "hexagon", NodeType.HTTP: "cds",
           NodeType.SKIPPED: "box", NodeType.CONTAINER: "box"}
_POINTS = (NodeType.STEP_GROUP, NodeType.TASK_GROUP)


def node_label(node: Node, now: float, retry: Retry | None = None) -> str:
    """`display name`, `(template)`, `phase duration` (the duration only once it started),
    `↻ retries: N` for a Retry node, then the node's message (why it failed or was skipped),
    each line wrapped so the label stays narrow."""
    lines = [wrap_label(node.display_name)]
    if node.template_name:
        lines.append(wrap_label(f"({node.template_name})"))
    line = node.phase.value
    if node.started_at is not None:
        line += " " + format_duration((node.finished_at or now) - node.started_at)
    lines.append(line)
    if node.type is NodeType.RETRY:
        lines.append(retry_mark(retry))
    if node.message:
        lines.append(wrap_label(node.message))
    return "\n".join(lines)


def _retries(row: WorkflowRow | None) -> dict[str, Retry]:
    """Each template's retryStrategy (as planned) by template name, from the run's plan."""
    plan = read_stored_plan(row.plan_json) if row is not None else None
    return {t.name: t.retry for t in (plan.templates if plan else {}).values()
            if t.retry is not None}


def _exit_edges(g: nx.DiGraph, name: str, nodes: Mapping[str, Node]) -> None:
    """The exit handler joined to where the run ended: a dotted edge from each last node of
    the main tree (a Retry's last attempt only) to `<wf>.onExit`."""
    handler = next((n for n in nodes.values() if n.name == f"{name}.onExit"), None)
    root = nodes.get(name) or next((n for n in nodes.values() if n.name == name), None)
    if handler is None or root is None:
        return
    retry_of = {c: n for n in nodes.values() if n.type is NodeType.RETRY for c in n.children}
    seen, todo, ends = {root.id}, [root.id], []
    while todo:
        nid = todo.pop()
        children = [c for c in nodes[nid].children if c in nodes and c != handler.id]
        if not children:
            retry = retry_of.get(nid)
            if retry is None or retry.children[-1] == nid:
                ends.append(nid)
        for c in children:
            if c not in seen:
                seen.add(c)
                todo.append(c)
    for i, nid in enumerate(sorted(ends)):
        g.add_edge(nid, handler.id, style="dotted", color=HOOK_COLOR, fontcolor=HOOK_COLOR,
                   **({"label": "on exit"} if i == 0 else {}))


def run_graph(name: str, row: WorkflowRow | None, nodes: Mapping[str, Node],
              now: float) -> nx.DiGraph:
    """The run as a DiGraph in `compiler.dot.to_pydot`'s shape (no clusters or rank groups),
    titled with the run's name and phase."""
    phase = row.phase.value if row is not None else ""
    retries = _retries(row)
    g: nx.DiGraph[str] = nx.DiGraph(name=name, clusters={}, ranks={}, label=f"{name}: {phase}")
    for node in nodes.values():
        colour = PHASE_COLOURS.get(node.phase, "#ffffff")
        if node.type in _POINTS:
            g.add_node(node.id, shape="point", width="0.08", color="#666666",
                       tooltip=f"{node.display_name} {node.phase.value}")
            continue
        style = "filled,dashed" if node.phase in (Phase.SKIPPED, Phase.OMITTED) else "filled"
        attrs = {"label": node_label(node, now, retries.get(node.template_name or "")),
                 "shape": _SHAPES.get(node.type, "box"),
                 "style": style, "fillcolor": colour}
        if node.message:
            attrs["tooltip"] = node.message
        g.add_node(node.id, **attrs)
    for node in nodes.values():
        for child in node.children:
            if child in nodes:
                g.add_edge(node.id, child)
    _exit_edges(g, name, nodes)
    return g


def run_to_dot(name: str, row: WorkflowRow | None, nodes: Mapping[str, Node],
               now: float) -> str:
    """The run's DOT text."""
    return to_pydot(run_graph(name, row, nodes, now)).to_string()


__all__ = ["PHASE_COLOURS", "node_label", "run_graph", "run_to_dot"]
