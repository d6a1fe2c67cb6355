"""`plait dot NAME`: a stored run as a Graphviz graph, each node coloured by its phase and
labelled with its duration (issue #5). Same machinery as `compiler/dot.py` (networkx, then
pydot through `compiler.dot.to_pydot`).

Edges are Argo's node `children` (a steps node to its first group, a group to its steps, a
step to the next group; a DAG task to the tasks that wait for it), so the drawing reads as the
run went. StepGroups and TaskGroups are drawn as small dots; Retry nodes as boxes around their
attempts' edges.
"""

from __future__ import annotations

from typing import Mapping

import networkx as nx

from plait.compiler.dot import to_pydot
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


def node_label(node: Node, now: float) -> str:
    """`display name`, then `phase duration` (the duration only once it started)."""
    label = node.display_name
    if node.template_name:
        label += f"\n({node.template_name})"
    line = node.phase.value
    if node.started_at is not None:
        line += " " + format_duration((node.finished_at or now) - node.started_at)
    return f"{label}\n{line}"


def run_graph(name: str, row: WorkflowRow | None, nodes: Mapping[str, Node],
              now: float) -> nx.DiGraph:
    """The run as a DiGraph in `compiler.dot.to_pydot`'s shape (no clusters or rank groups)."""
    phase = row.phase.value if row is not None else ""
    g: nx.DiGraph[str] = nx.DiGraph(name=name, clusters={}, ranks={})
    g.add_node("legend", shape="plaintext", label=f"{name}: {phase}", fontsize="12")
    for node in nodes.values():
        colour = PHASE_COLOURS.get(node.phase, "#ffffff")
        if node.type in _POINTS:
            g.add_node(node.id, shape="point", width="0.08", color="#666666",
                       tooltip=f"{node.display_name} {node.phase.value}")
            continue
        style = "filled,dashed" if node.phase in (Phase.SKIPPED, Phase.OMITTED) else "filled"
        attrs = {"label": node_label(node, now), "shape": _SHAPES.get(node.type, "box"),
                 "style": style, "fillcolor": colour}
        if node.message:
            attrs["tooltip"] = node.message
        g.add_node(node.id, **attrs)
    for node in nodes.values():
        for child in node.children:
            if child in nodes:
                g.add_edge(node.id, child)
    return g


def run_to_dot(name: str, row: WorkflowRow | None, nodes: Mapping[str, Node],
               now: float) -> str:
    """The run's DOT text."""
    return to_pydot(run_graph(name, row, nodes, now)).to_string()


__all__ = ["PHASE_COLOURS", "node_label", "run_graph", "run_to_dot"]
