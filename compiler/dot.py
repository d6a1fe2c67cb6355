"""`plan_to_dot`: draw a Plan as a Graphviz graph (networkx model, DOT written by pydot).

The drawing follows the plan as the runtime would walk it, from the entrypoint:
- a steps/DAG template called by a step is a cluster (one per call), headed by the calling
  node; each steps group is a `rank=same` row; a DAG edge comes from `depends`, labelled
  with the condition where it is not a plain success (`B.Failed`);
- a loop is one node (`× 3`, or `× <<withParam source>>`), drawn with a double border;
- a `when` is a dashed edge labelled with the condition;
- a call back into a template already on the call path is a dashed back edge labelled
  "recursion" (`constraint=false`), and drawing stops there;
- the workflow's exit handler is the cluster `cluster_onexit`; hooks are dotted edges.

Ids are derived from Argo-style node paths and the output follows the plan's own order, so
the same plan always gives the same text (golden tests depend on it).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pydot

from plait.grammar import GrammarError, parse_depends, unparse
from plait.grammar import ast as A

from .plan import IO, Child, DagBody, Hook, Loop, Plan, Retry, StepsBody, Template, Unresolved

MAX_NODES = 2000        # nested calls are not expanded past this many nodes
MAX_LABEL = 90          # longer conditions are cut in the label (the tooltip keeps them whole)
WRAP = 40               # label line width
NODE_MARGIN = "0.2,0.08"   # inches around a node's label (x, y)

_POD = {"style": "filled", "fillcolor": "#dbeafe"}
_OTHER = {"shape": "note", "style": "filled", "fillcolor": "#fef3c7"}
KIND_STYLE: dict[str | None, dict[str, str]] = {
    "container": {"shape": "box", **_POD},
    "script": {"shape": "box", **_POD},
    "containerSet": {"shape": "box3d", **_POD},
    "resource": _OTHER, "http": _OTHER, "data": _OTHER, "plugin": _OTHER,
    "suspend": {"shape": "diamond", "style": "filled", "fillcolor": "#fce7f3"},
    "steps": {"shape": "ellipse", "style": "filled", "fillcolor": "#fef9c3"},
    "dag": {"shape": "ellipse", "style": "filled", "fillcolor": "#dcfce7"},
    None: {"shape": "box", "style": "dashed", "color": "#6b7280"},
}
# legend rows, in this order; a row appears only when the graph uses it
LEGEND_KINDS: tuple[tuple[str | None, str], ...] = (
    ("container", "pod: container\nor script"),
    ("containerSet", "containerSet\n(one pod)"),
    ("resource", "resource, http,\ndata or plugin"),
    ("suspend", "suspend"),
    ("steps", "steps: groups\nrun in order"),
    ("dag", "DAG: tasks\nfollow depends"),
    (None, "template not\nresolved"),
)
_LEGEND_GROUP = {"script": "container", "http": "resource", "data": "resource", "plugin": "resource"}
WHEN_COLOR = "#2563eb"
RECURSION_COLOR = "#b91c1c"
HOOK_COLOR = "#6b7280"


@dataclass
class _Drawn:
    """One drawn call: where edges enter it and what it waits for before it is done."""

    entry: str
    cluster: str | None                     # the cluster its end node belongs in
    sinks: tuple["_Drawn", ...] = ()        # empty: the entry node itself is the end
    end: str | None = None


def wrap_label(text: str) -> str:
    """Text for a label: wrapped to lines of WRAP characters, cut past MAX_LABEL."""
    return _short(text)


def _short(text: str) -> str:
    """Long text wrapped to a few short lines (cut with … past MAX_LABEL characters)."""
    text = " ".join(text.split())
    if len(text) > MAX_LABEL:
        text = text[:MAX_LABEL - 1] + "…"
    return "\n".join(textwrap.wrap(text, WRAP, break_on_hyphens=False)) or text


def _title(plan: Plan) -> str:
    """The workflow's name, or its generateName (the run picks the name), for the graph."""
    return plan.name or plan.workflow.generate_name or "workflow"


class _Drawer:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.g: nx.DiGraph[str] = nx.DiGraph(name=_title(plan))
        self.g.graph["clusters"] = {}   # id -> {"parent": id | None, "attrs": {...}}
        self.g.graph["ranks"] = {}      # id -> {"cluster": id, "nodes": [...]}
        self.used: set[str] = set()
        self.kinds: set[str | None] = set()
        self.features: set[str] = set()

    # --- graph elements ---

    def new_id(self, path: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", path) or "_"
        nid, n = base, 2
        while nid in self.used:
            nid, n = f"{base}_{n}", n + 1
        self.used.add(nid)
        return nid

    def node(self, path: str, cluster: str | None, **attrs: Any) -> str:
        nid = self.new_id(path)
        self.g.add_node(nid, _cluster=cluster, **attrs)
        return nid

    def edge(self, a: str, b: str, label: str | None = None, **attrs: Any) -> None:
        if self.g.has_edge(a, b):       # two reasons for one edge: one edge, both labels
            old = self.g.edges[a, b]
            if label:
                old["label"] = f"{old['label']}\n{label}" if old.get("label") else label
            return
        if label:
            attrs["label"] = label
        self.g.add_edge(a, b, **attrs)

    def cluster(self, cid: str, parent: str | None, **attrs: Any) -> str:
        self.g.graph["clusters"][cid] = {"parent": parent, "attrs": attrs}
        return cid

    def rank(self, cluster: str, nodes: list[str]) -> None:
        if len(nodes) > 1:
            rid = f"rank_{cluster.removeprefix('cluster_')}_{len(self.g.graph['ranks'])}"
            self.g.graph["ranks"][rid] = {"cluster": cluster, "nodes": nodes}
            for n in nodes:
                self.g.nodes[n]["_rank"] = rid

    def exit(self, d: _Drawn) -> str:
        """The node after which `d` is done (an end point when it has several sinks)."""
        if not d.sinks:
            return d.entry
        if len(d.sinks) == 1:
            return self.exit(d.sinks[0])
        if d.end is None:
            d.end = self.node(f"{d.entry}/end", d.cluster, shape="point", width="0.08",
                              tooltip="done")
            for s in d.sinks:
                self.edge(self.exit(s), d.end, arrowhead="none")
        return d.end

    # --- calls ---

    def template(self, key: str | None) -> Template | None:
        return self.plan.templates.get(key) if key else None

    def kind_attrs(self, kind: str | None) -> dict[str, str]:
        self.kinds.add(_LEGEND_GROUP.get(kind or "", kind))
        return dict(KIND_STYLE.get(kind, KIND_STYLE[None]))

    def call(self, path: str, parent: str | None, name: str | None, child: Child,
             stack: dict[str, str], cluster_id: str | None = None,
             cluster_label: str | None = None) -> _Drawn:
        """Draw one call of a template (a step, a task, the entrypoint or the exit handler)."""
        key = child.template
        tmpl = self.template(key)
        kind = tmpl.kind if tmpl else None
        attrs = self.kind_attrs(kind)
        tmpl_name = str(tmpl.name) if tmpl else None
        lines = [name] if name else []
        if tmpl_name is None:
            u = child.unresolved or Unresolved()
            written = [f"{k} {v}" for k, v in (("template", u.template),
                                               ("templateRef", u.template_ref))
                       if k in u.keys or v is not None]
            lines.append("? " + _short(" ".join(written) or "unknown template"))
        elif not name or (tmpl_name != name and key != name):
            lines.append(key if key else tmpl_name)
        if tmpl is not None and tmpl.retry is not None:
            lines.append(retry_mark(tmpl.retry))
            self.features.add("retry")
        loop = child.loop
        if loop:
            lines.append(self.loop_label(loop))
            attrs["peripheries"] = "2"
            self.features.add("loop")
        if child.when is not None and child.when.static is False:
            attrs["style"] = attrs.get("style", "") + ",dashed"
            attrs["fontcolor"] = "#6b7280"
        attrs["label"] = "\n".join(lines)
        nested = kind in ("steps", "dag") and tmpl is not None
        if nested and key in stack:
            nid = self.node(path, parent, **attrs)
            self.edge(nid, stack[key], "recursion", style="dashed", constraint="false",
                      color=RECURSION_COLOR, fontcolor=RECURSION_COLOR)
            self.features.add("recursion")
            return _Drawn(nid, parent)
        if nested and len(self.g) >= MAX_NODES:
            attrs["label"] += "\n(not expanded)"
            return _Drawn(self.node(path, parent, **attrs), parent)
        if not nested or tmpl is None or key is None:   # (nested implies both)
            return _Drawn(self.node(path, parent, **attrs), parent)
        cid = self.cluster(cluster_id or self.new_id(f"cluster_{path}"), parent,
                           label=cluster_label or f"{tmpl_name} ({kind})",
                           style="rounded", color="#9ca3af")
        header = self.node(path, cid, **attrs)
        inner: dict[str, str] = {**stack, key: header}
        if kind == "steps":
            sinks = self.steps(path, cid, tmpl, header, inner)
        else:
            sinks = self.dag(path, cid, tmpl, header, inner)
        return _Drawn(header, cid, sinks)

    @staticmethod
    def loop_label(loop: Loop) -> str:
        if loop.kind == "items":
            return f"× {len(loop.items)}"
        if loop.kind == "param":
            text = loop.text
            return "× " + _short(text if isinstance(text, str) else "withParam")
        return "× withSequence"

    def when_edge(self, child: Child) -> tuple[str | None, dict[str, Any]]:
        """The label and style of the edges into a child with a `when`."""
        when = child.when
        if when is None:
            return None, {}
        text = str(when.text)
        label = _short(text)
        if when.static is True:
            label += "\n(true)"
        elif when.static is False:
            label += "\n(false: skipped)"
        self.features.add("when")
        attrs: dict[str, Any] = {"style": "dashed", "color": WHEN_COLOR, "fontcolor": WHEN_COLOR}
        if len(" ".join(text.split())) > MAX_LABEL:
            attrs["labeltooltip"] = text
        return label, attrs

    def child(self, path: str, cluster: str, child: Child, stack: dict[str, str]) -> _Drawn:
        """A step or task, with its hooks."""
        name = str(child.name)
        d = self.call(path, cluster, name, child, stack)
        hooks = child.hooks or {}
        for hname in sorted(hooks):
            hook = hooks[hname]
            hpath = f"{path}.onExit" if hname == "exit" else f"{path}.hooks.{hname}"
            title = f"{name}.onExit" if hname == "exit" else f"{name}.hooks.{hname}"
            self.hook(hpath, cluster, title, hook, self.exit(d) if hname == "exit" else d.entry)
        return d

    def hook(self, path: str, cluster: str | None, title: str, hook: Hook,
             after: str) -> None:
        """A hook is one node (not expanded), joined by a dotted edge."""
        tmpl = self.template(hook.template)
        kind = tmpl.kind if tmpl else None
        attrs = self.kind_attrs(kind)
        attrs["label"] = f"{title}\n{hook.template or '?'}"
        nid = self.node(path, cluster, **attrs)
        expr = hook.expression
        label = _short(str(expr)) if expr else ("on exit" if title.endswith("onExit") else None)
        self.edge(after, nid, label, style="dotted", color=HOOK_COLOR, fontcolor=HOOK_COLOR)
        self.features.add("hook")

    def steps(self, path: str, cid: str, tmpl: Template, header: str,
              stack: dict[str, str]) -> tuple[_Drawn, ...]:
        prev: list[_Drawn] = []
        groups = tmpl.body.groups if isinstance(tmpl.body, StepsBody) else ()
        for i, group in enumerate(groups):
            drawn = [self.child(f"{path}[{i}].{c.name}", cid, c, stack) for c in group]
            self.rank(cid, [d.entry for d in drawn if d.cluster == cid])
            sources = [self.exit(d) for d in prev] or [header]
            if len(sources) > 1 and len(drawn) > 1:     # a join point keeps edges linear
                join = self.node(f"{path}/join{i}", cid, shape="point", width="0.08",
                                 tooltip=f"group {i} starts")
                for s in sources:
                    self.edge(s, join, arrowhead="none")
                sources = [join]
            for c, d in zip(group, drawn):
                label, attrs = self.when_edge(c)
                for k, s in enumerate(sources):
                    self.edge(s, d.entry, label if k == 0 else None, **attrs)
            prev = drawn or prev
        return tuple(prev)

    def dag(self, path: str, cid: str, tmpl: Template, header: str,
            stack: dict[str, str]) -> tuple[_Drawn, ...]:
        body = tmpl.body if isinstance(tmpl.body, DagBody) else DagBody(())
        tasks = [t for t in body.tasks if isinstance(t.name, str)]
        drawn = {t.name: self.child(f"{path}.{t.name}", cid, t, stack) for t in tasks}
        depended: set[str] = set()
        for t in tasks:
            d = drawn[t.name]
            when_label, attrs = self.when_edge(t)
            deps = [(task, label) for task, label in depends_edges(t.depends)
                    if task in drawn and task != t.name]
            if not deps:
                self.edge(header, d.entry, when_label, **attrs)
                continue
            for k, (task, label) in enumerate(deps):
                depended.add(task)
                if label:
                    self.features.add("depends")
                labels = [x for x in (label if label else None,
                                      when_label if k == 0 else None) if x]
                self.edge(self.exit(drawn[task]), d.entry, "\n".join(labels) or None, **attrs)
        target = body.target
        names = target if isinstance(target, tuple) else [t.name for t in tasks
                                                          if t.name not in depended]
        return tuple(drawn[n] for n in names if n in drawn)

    # --- the workflow ---

    def draw(self) -> None:
        plan = self.plan
        root = _title(plan)
        entry = self.call(root, None, root, _called(plan.entrypoint), {},
                          cluster_id="cluster_entry",
                          cluster_label=f"entrypoint: {self.title(plan.entrypoint)}")
        if plan.on_exit:
            handler = self.call(f"{root}.onExit", None, f"{root}.onExit",
                                _called(plan.on_exit), {}, cluster_id="cluster_onexit",
                                cluster_label=f"onExit: {self.title(plan.on_exit)}")
            if handler.cluster != "cluster_onexit":     # a leaf handler: wrap it
                self.cluster("cluster_onexit", None, label=f"onExit: {self.title(plan.on_exit)}",
                             style="rounded", color="#9ca3af")
                self.g.nodes[handler.entry]["_cluster"] = "cluster_onexit"
            self.edge(self.exit(entry), handler.entry, "on exit", style="dotted",
                      color=HOOK_COLOR, fontcolor=HOOK_COLOR)
            self.features.add("hook")
        for hname in sorted(self.plan.hooks):
            if hname == "exit" and plan.on_exit:     # already drawn as the exit handler
                continue
            self.hook(f"{root}.hooks.{hname}", None, f"hooks.{hname}", self.plan.hooks[hname],
                      entry.entry)
        self.legend()

    def title(self, key: str) -> str:
        tmpl = self.template(key)
        return f"{key} ({tmpl.kind})" if tmpl else key

    def legend(self) -> None:
        """The legend: one row under the drawing (after each node that has no successor), so
        it takes a little height instead of a column of the width."""
        last = [n for n in self.g.nodes if self.g.out_degree(n) == 0]
        cid = self.cluster("cluster_legend", None, label="legend", style="dashed",
                           color="#9ca3af", fontsize="10")
        rows: list[str] = []
        for kind, text in LEGEND_KINDS:
            if kind in self.kinds:
                rows.append(self.node(f"legend_{kind or 'unresolved'}", cid,
                                      **KIND_STYLE[kind], label=text, fontsize="9"))
        notes = [("retry", "↻ retries: N: the template has a retryStrategy (limit N)"),
                 ("loop", "double border: a loop (× items)"),
                 ("when", "dashed blue edge: when condition"),
                 ("recursion", "dashed red edge: recursion"),
                 ("hook", "dotted edge: exit handler / hook")]
        lines = [text for feature, text in notes if feature in self.features]
        if "depends" in self.features:
            lines.append("edge label X.Failed: the depends condition")
        if lines:
            rows.append(self.node("legend_edges", cid, shape="plaintext", fontsize="9",
                                  label=DotEscaped("\\l".join(lines) + "\\l")))
        if rows:
            self.rank(cid, rows)                  # side by side, in this order
            for n in last:                        # below them, without pulling them sideways
                self.edge(n, rows[0], style="invis", weight="0")
        for a, b in zip(rows, rows[1:]):
            self.edge(a, b, style="invis")


def _called(key: str) -> Child:
    """The entrypoint or the exit handler, drawn as a call of that template."""
    return Child(name="", template=key, arguments=IO())


def retry_mark(retry: Retry | None) -> str:
    """The label line of a template with a retryStrategy: `↻ retries: LIMIT`."""
    limit = retry.limit if retry is not None else None
    return "↻ retries" + (f": {_short(str(limit))}" if limit is not None else "")


def depends_edges(text: Any) -> list[tuple[str, str | None]]:
    """(task, label) for each task a `depends` names; the label is the part of the condition
    that mentions it, None for a plain `A` (succeeded, skipped or daemoned)."""
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        tree = parse_depends(text)
    except GrammarError:
        return [(t, text) for t in re.findall(r"[A-Za-z0-9_-]+", text)]
    conjuncts: list[A.Node] = []

    def split(n: A.Node) -> None:
        if isinstance(n, A.DepAnd):
            split(n.left)
            split(n.right)
        else:
            conjuncts.append(n)

    split(tree)
    out: dict[str, list[str]] = {}
    for c in conjuncts:
        label = None if isinstance(c, A.DepRef) and c.result is None else unparse(c)
        for task in dict.fromkeys(r.task for r in A.dep_refs(c)):
            labels = out.setdefault(task, [])
            if label and label not in labels:
                labels.append(label)
    return [(task, " && ".join(labels) or None) for task, labels in out.items()]


def plan_graph(plan: Plan) -> nx.DiGraph:
    """The drawing of `plan` as a networkx DiGraph: DOT attributes on nodes and edges,
    `_cluster`/`_rank` on nodes, clusters and rank groups in `graph.graph`."""
    drawer = _Drawer(plan)
    drawer.draw()
    return drawer.g


_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|-?[0-9]+(\.[0-9]+)?")


def _quote(value: Any) -> Any:
    """Quote a DOT value ourselves (pydot leaves `<...>` (HTML) and `"..."` text as it is).
    Backslashes are escaped too, so user text (display names, messages, conditions) is
    shown as written and can never end the string early; `DotEscaped` text is DOT's own
    escString (`\\l` line ends) and keeps its backslashes."""
    if not isinstance(value, str) or (_BARE.fullmatch(value) and value.lower() not in _KEYWORDS):
        return value
    table = _DOT_ESCAPES if isinstance(value, DotEscaped) else _TEXT_ESCAPES
    return '"' + value.translate(table) + '"'


class DotEscaped(str):
    """Text already written as a DOT escString (its backslashes are DOT escapes)."""


_DOT_ESCAPES = {ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}
_TEXT_ESCAPES = {**_DOT_ESCAPES, ord("\\"): "\\\\"}


_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def _attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: _quote(v) for k, v in attrs.items() if not k.startswith("_")}


def to_pydot(g: nx.DiGraph) -> pydot.Dot:
    """`plan_graph`'s DiGraph as pydot objects, clusters and rank groups included."""
    dot = pydot.Dot(_quote(str(g.graph.get("name", "workflow"))), graph_type="digraph", strict=False,
                    rankdir="TB", newrank="true", fontname="Helvetica", fontsize="11")
    # a margin wider than Graphviz's 0.11in: a viewer whose font is wider than the one the
    # layout measured still draws each label inside its box
    dot.set_node_defaults(fontname="Helvetica", fontsize="10", margin=_quote(NODE_MARGIN))
    if g.graph.get("label"):
        dot.set("label", _quote(str(g.graph["label"])))
        dot.set("labelloc", "t")
    dot.set_edge_defaults(fontname="Helvetica", fontsize="9")
    holders: dict[str | None, Any] = {None: dot}
    for cid, info in g.graph["clusters"].items():
        cluster = pydot.Cluster(cid.removeprefix("cluster_"), **_attrs(info["attrs"]))
        holders[cid] = cluster
    for cid, info in g.graph["clusters"].items():   # parents before children: creation order
        holders[info["parent"]].add_subgraph(holders[cid])
    for nid, attrs in g.nodes(data=True):
        where = attrs.get("_rank") or attrs.get("_cluster")
        if where is not None and where not in holders:        # a rank group, placed where its first node is
            holders[where] = pydot.Subgraph(where, rank="same")
            holders[g.graph["ranks"][where]["cluster"]].add_subgraph(holders[where])
        holders[where].add_node(pydot.Node(nid, **_attrs(attrs)))
    for a, b, attrs in g.edges(data=True):
        dot.add_edge(pydot.Edge(a, b, **_attrs(attrs)))
    return dot


def plan_to_dot(plan: Plan) -> str:
    """The plan's graph as DOT text (deterministic: same plan, same text)."""
    return to_pydot(plan_graph(plan)).to_string()


__all__ = ["DotEscaped", "MAX_LABEL", "WRAP", "depends_edges", "plan_graph", "plan_to_dot",
           "retry_mark", "to_pydot", "wrap_label"]
