"""Terminal views of a run: the `argo get` header and tree (spec §18.1), a live tree for TTYs,
and plain progress lines otherwise.

The renderers are pure functions over `runtime.types.Node` maps, so tests compare them with
golden text. The tree follows Argo's `cmd/argo/commands/get.go`: Steps/DAG nodes hold the nodes
of their boundary, StepGroup and Retry nodes hold their children; StepGroups, Retry nodes with
one attempt and Omitted nodes are hidden, and the children of a hidden StepGroup hang off its
connector (`──` only child, `┬─` first, `├─` middle, `└─` last). Columns are aligned the way
Go's tabwriter aligns them (cell width + 2 spaces); trailing blanks are dropped.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence, TextIO

from plait.compiler.plan import Plan
from plait.compiler.plancodec import read_stored_plan
from plait.runtime.status import LIMITS_ANNOTATION, SANDBOX_ANNOTATION, isolation_notes
from plait.runtime.storeapi import WorkflowRow
from plait.runtime.types import Node, NodeType, Phase

if TYPE_CHECKING:
    from rich.live import Live  # imported when a live view starts (rich is slow to import)

    from plait.runtime.engine import RunResult

__all__ = [
    "GLYPHS", "LiveView", "ProgressLines", "WorkflowInfo", "format_duration", "render_get",
    "render_header", "render_tree", "progress",
]

GLYPHS = {
    Phase.PENDING: "◷", Phase.RUNNING: "●", Phase.SUCCEEDED: "✔", Phase.SKIPPED: "○",
    Phase.FAILED: "✖", Phase.ERROR: "⚠", Phase.OMITTED: "○",
}
SUSPENDED_GLYPH = "ǁ"
_BOUNDARY = (NodeType.STEPS, NodeType.DAG)
_GROUPING = (NodeType.STEP_GROUP, NodeType.RETRY)
_EXECUTION = (NodeType.POD, NodeType.SKIPPED, NodeType.SUSPEND, NodeType.HTTP)
_INDEX = re.compile(r"\((\d+)(?::[^)]*)?\)$")


def format_duration(seconds: float | None) -> str:
    """A duration as `argo get` prints it in the tree: `2s`, `1m3s`, `1h2m`, `2d3h`."""
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m{total % 60}s"
    if total < 86400:
        return f"{total // 3600}h{total % 3600 // 60}m"
    return f"{total // 86400}d{total % 86400 // 3600}h"


def _relative(seconds: float) -> str:
    """go-humanize's relative time: `now`, `1 second`, `10 seconds`, `2 minutes`, ..."""
    s = abs(seconds)
    for limit, one, many, unit in ((60, "1 second", "seconds", 1), (3600, "1 minute", "minutes", 60),
                                   (86400, "1 hour", "hours", 3600), (604800, "1 day", "days", 86400)):
        if s < 1:
            return "now"
        if s < limit:
            n = int(s // unit)
            return one if n == 1 else f"{n} {many}"
    n = int(s // 604800)
    return "1 week" if n == 1 else f"{n} weeks"


def _stamp(ts: float, now: float) -> str:
    """`Thu Dec 05 13:48:42 +0100 (10 seconds ago)`, in local time, as `argo get` prints."""
    moment = _dt.datetime.fromtimestamp(ts).astimezone()
    ago = _relative(now - ts)
    return f"{moment.strftime('%a %b %d %H:%M:%S %z')} ({ago if ago == 'now' else ago + ' ago'})"


# -- the tree ---------------------------------------------------------------------------------

@dataclass
class _RenderNode:
    node: Node
    children: list["_RenderNode"] = field(default_factory=list)


def _index(node: Node) -> int:
    """A loop child's index (`p(3:x)` → 3), else -1 (Argo's RecoverIndexFromNodeName)."""
    m = _INDEX.search(node.display_name)
    return int(m.group(1)) if m else -1


def _compare(a: Node, b: Node) -> int:
    """Argo's insertSorted: by start time; at equal times by loop index when both have one,
    else by display name."""
    sa = a.started_at if a.started_at is not None else float("inf")
    sb = b.started_at if b.started_at is not None else float("inf")
    if sa != sb:
        return -1 if sa < sb else 1
    ia, ib = _index(a), _index(b)
    if ia >= 0 and ib >= 0:
        return (ia > ib) - (ia < ib)
    return (a.display_name > b.display_name) - (a.display_name < b.display_name)


def _render_trees(nodes: Mapping[str, Node]) -> dict[str, _RenderNode]:
    """Argo's convertToRenderTrees: the render forest's roots by node id."""
    grouped_by: dict[str, str] = {}      # child id -> StepGroup/Retry id
    parent_of: dict[str, str] = {}
    for node in nodes.values():
        for child in node.children:
            parent_of.setdefault(child, node.id)
            if node.type in _GROUPING:
                grouped_by[child] = node.id
    render = {nid: _RenderNode(n) for nid, n in nodes.items()
              if n.type in _BOUNDARY or n.type in _GROUPING or n.type in _EXECUTION}
    roots: dict[str, _RenderNode] = {}
    for nid, rn in render.items():
        node = rn.node
        host = grouped_by.get(nid)
        if host is None and node.boundary_id and node.boundary_id in render:
            host = node.boundary_id
        if host is None and not node.boundary_id:
            # A store without boundary ids still draws: hang the node under its nearest parent
            # that can hold children (the root and `<wf>.onExit` have none and stay roots).
            up = node.parent or parent_of.get(nid)
            while up is not None and up in nodes and nodes[up].type not in _BOUNDARY + _GROUPING:
                up = nodes[up].parent or parent_of.get(up)
            if up in render and up != nid:
                host = up
        if host is None or host not in render:
            roots[nid] = rn
        else:
            render[host].children.append(rn)
    by_start = functools.cmp_to_key(_compare_rendered)
    for rn in render.values():
        rn.children.sort(key=by_start)
    return roots


def _compare_rendered(x: _RenderNode, y: _RenderNode) -> int:
    return _compare(x.node, y.node)


def _filtered(node: Node) -> tuple[bool, bool]:
    """Argo's filterNode: (hidden, children need the group indent)."""
    if node.type is NodeType.RETRY and len(node.children) == 1:
        return True, False
    if node.type is NodeType.STEP_GROUP:
        return True, True
    if node.type is NodeType.SKIPPED and node.phase is Phase.OMITTED:
        return True, False
    return False, False


def _cells(node: Node, now: float, style: str = "", host: str = "") -> list[str]:
    glyph = GLYPHS.get(node.phase, "?")
    if node.type is NodeType.SUSPEND and node.phase is Phase.RUNNING:
        glyph = SUSPENDED_GLYPH
    pod = node.type is NodeType.POD
    duration = ""
    if pod and node.started_at is not None:
        duration = format_duration((node.finished_at or now) - node.started_at)
    cells = [f"{glyph} {node.display_name}", node.template_name or "",
             (node.pod_name or "") if pod else "", duration, node.message or ""]
    return _styled(cells, node, style, host if pod and node.started_at is not None else "")


# `argo get -o wide|short`: the tree's columns; `wide` adds ARTIFACTS before MESSAGE, and
# RESOURCESDURATION (plait measures none: always empty) and NODENAME after it
TREE_COLUMNS = {
    "": ["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE"],
    "short": ["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE", "NODENAME"],
    "wide": ["STEP", "TEMPLATE", "PODNAME", "DURATION", "ARTIFACTS", "MESSAGE",
             "RESOURCESDURATION", "NODENAME"],
}


def _styled(cells: list[str], node: Node, style: str, host: str) -> list[str]:
    """The default cells laid out for `style`: NODENAME is the machine a pod ran on."""
    if style == "short":
        return [*cells, host]
    if style == "wide":
        artifacts = ",".join(str(a.get("name", "")) for a in
                             (node.outputs.artifacts if node.outputs is not None else []))
        return [*cells[:4], artifacts, cells[4], "", host]
    return cells


def _shows(rn: _RenderNode) -> bool:
    """Whether the node, or one under it, has a row in the tree."""
    return not _filtered(rn.node)[0] or any(_shows(child) for child in rn.children)


def _walk(rn: _RenderNode, prefix: str, child_prefix: str, now: float, rows: list[list[str]],
          style: str = "", host: str = "") -> None:
    hidden, indent = _filtered(rn.node)
    if not hidden:
        cells = _cells(rn.node, now, style, host)
        rows.append([prefix + cells[0]] + cells[1:])
    # a hidden child that shows nothing (an Omitted node) is left out, so the last child that
    # shows gets `└─` even when such nodes follow it
    shown = [child for child in rn.children if _shows(child)]
    last = len(shown) - 1
    for i, child in enumerate(shown):
        if hidden and indent:
            part, sub = (("──", "  ") if last == 0 else ("┬─", "│ ") if i == 0
                         else ("└─", "  ") if i == last else ("├─", "│ "))
        elif not hidden:
            part, sub = ("└─", "  ") if i == last else ("├─", "│ ")
        else:
            part, sub = "", ""
        if not hidden:
            node_prefix, next_prefix = child_prefix + part, child_prefix + sub
        else:
            node_prefix = (prefix if i == 0 else child_prefix) + part
            next_prefix = child_prefix + sub
        _walk(child, node_prefix, next_prefix, now, rows, style, host)


def _tabulate(rows: Sequence[Sequence[str]]) -> list[str]:
    """Go tabwriter (padding 2): each cell padded to its column's widest cell plus two spaces.
    Rows with no cells break column blocks the way an empty tabwriter line does not: an empty row
    has empty cells, so the columns stay aligned across it."""
    widths = [0] * max((len(r) for r in rows), default=0)
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in rows:
        text = "".join(cell.ljust(widths[i] + 2) for i, cell in enumerate(row))
        lines.append(text.rstrip())
    return lines


def render_tree(name: str, nodes: Mapping[str, Node], now: float | None = None,
                style: str = "", host: str = "") -> str:
    """The `STEP TEMPLATE PODNAME DURATION MESSAGE` tree of a run (its `<wf>.onExit` tree after
    an empty row), one line per shown node, ending with a newline. `style` `wide`/`short`
    lays it out as `argo get -o wide|short` (TREE_COLUMNS; `host` is the NODENAME of pods)."""
    now = time.time() if now is None else now
    roots = _render_trees(nodes)
    rows: list[list[str]] = [list(TREE_COLUMNS[style])]
    main = roots.get(name) or next((rn for rn in roots.values() if rn.node.name == name), None)
    if main is not None:
        _walk(main, " ", " ", now, rows, style, host)
    exit_root = next((rn for rn in roots.values() if rn.node.name == f"{name}.onExit"), None)
    if exit_root is not None:
        rows.append([""] * len(rows[0]))
        _walk(exit_root, " ", " ", now, rows, style, host)
    return "\n".join(_tabulate(rows)) + "\n"


# -- the header -------------------------------------------------------------------------------

@dataclass
class WorkflowInfo:
    """What the `argo get` header shows besides the nodes."""

    name: str
    phase: str = ""
    message: str = ""
    created_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    namespace: str = "default"
    service_account: str = ""
    parameters: Sequence[tuple[str, str]] = ()
    notes: Mapping[str, str] = field(default_factory=dict)   # isolation_notes of the run

    @classmethod
    def of(cls, name: str, source: WorkflowRow | RunResult, parameters: Any = None,
           plan: Plan | None = None) -> "WorkflowInfo":
        """From a run's store row or the RunResult of a run just ended; the namespace and the
        service account from the run's plan (`plan`, or the row's `plan_json`)."""
        row = source if isinstance(source, WorkflowRow) else None
        if plan is None:
            plan = read_stored_plan(row.plan_json if row is not None else None)
        started = source.started_at
        params = parameters if parameters is not None else row.arguments if row is not None else None
        if isinstance(params, Mapping):
            params = params.get("parameters", params)
        pairs: list[tuple[str, str]] = []
        if isinstance(params, Mapping):
            pairs = [(str(k), _param_text(v)) for k, v in params.items()]
        elif isinstance(params, (list, tuple)):
            for p in params:
                if isinstance(p, Mapping):
                    pairs.append((str(p.get("name")), _param_text(p.get("value"))))
                elif isinstance(p, (list, tuple)) and len(p) == 2:
                    pairs.append((str(p[0]), _param_text(p[1])))
        return cls(name=name, phase=source.phase.value, message=source.message,
                   created_at=(row.created_at if row is not None else None) or started,
                   started_at=started, finished_at=source.finished_at, parameters=tuple(pairs),
                   notes=isolation_notes(row.options if row is not None else None),
                   namespace=str(plan and plan.workflow.namespace or "default"),
                   service_account=str(plan and plan.settings.service_account_name or ""))


def _param_text(value: Any) -> str:
    if isinstance(value, Mapping) and "value" in value:
        value = value["value"]
    return "" if value is None else str(value)


def progress(nodes: Iterable[Node]) -> tuple[int, int]:
    """(finished pods, all pods), as Argo's `Progress:`."""
    pods = [n for n in nodes if n.type is NodeType.POD]
    return sum(n.phase.done for n in pods), len(pods)


def render_header(info: WorkflowInfo, nodes: Mapping[str, Node], now: float | None = None) -> str:
    """The `Name:` ... `Parameters:` block (label column 20 wide)."""
    now = time.time() if now is None else now
    lines: list[str] = []

    def add(label: str, value: str) -> None:
        lines.append(f"{label:<20} {value}".rstrip())

    add("Name:", info.name)
    add("Namespace:", info.namespace)
    add("ServiceAccount:", info.service_account or "unset (will run with the default ServiceAccount)")
    add("Status:", info.phase or "Pending")
    if info.message:
        add("Message:", info.message)
    if SANDBOX_ANNOTATION in info.notes:
        add("Sandbox:", info.notes[SANDBOX_ANNOTATION])
    if LIMITS_ANNOTATION in info.notes:
        add("Not enforced:", info.notes[LIMITS_ANNOTATION])
    if info.created_at is not None:
        add("Created:", _stamp(info.created_at, now))
    if info.started_at is not None:
        add("Started:", _stamp(info.started_at, now))
    if info.finished_at is not None:
        add("Finished:", _stamp(info.finished_at, now))
    if info.started_at is not None:
        # Argo's RelativeDuration says "0 seconds" where humanize.Time says "now"
        elapsed = (info.finished_at or now) - info.started_at
        add("Duration:", "0 seconds" if elapsed < 1 else _relative(elapsed))
    done, total = progress(nodes.values())
    if total:
        add("Progress:", f"{done}/{total}")
    if info.parameters:
        lines.append("Parameters:")
        for key, value in info.parameters:
            add(f"  {key}:", value)
    return "\n".join(lines) + "\n"


def render_get(info: WorkflowInfo, nodes: Mapping[str, Node], now: float | None = None,
               style: str = "", host: str = "") -> str:
    """The whole `argo get` view: header, an empty line, the tree. `style` `wide` widens the
    tree; `short` is the tree alone, as `argo get -o short` (the header while there is no
    tree, as argo's; see `render_tree`)."""
    now = time.time() if now is None else now
    if style == "short" and nodes:
        return render_tree(info.name, nodes, now, style, host)
    text = render_header(info, nodes, now)
    if nodes:
        text += "\n" + render_tree(info.name, nodes, now, style, host)
    return text


# -- live views -------------------------------------------------------------------------------

class ProgressLines:
    """Plain progress for pipes and CI logs: `<time> <display name> <phase>` per phase change."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self._seen: dict[str, Phase] = {}

    def on_change(self, node: Node) -> None:
        if node.type in (NodeType.STEP_GROUP, NodeType.TASK_GROUP):
            return
        if self._seen.get(node.id) is node.phase:
            return
        self._seen[node.id] = node.phase
        stamp = time.strftime("%H:%M:%S")
        line = f"{stamp} {node.display_name} {node.phase.value}"
        if node.message and node.phase.done and node.phase is not Phase.SUCCEEDED:
            line += f": {node.message}"
        print(line, file=self.stream, flush=True)

    def __enter__(self) -> "ProgressLines":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class LiveView:
    """The tree, redrawn in place on a TTY (rich `Live`), with elapsed time and done/total pods."""

    def __init__(self, name: str, stream: TextIO | None = None) -> None:
        self.name = name
        self.stream = stream if stream is not None else sys.stderr
        self.nodes: dict[str, Node] = {}
        self.started = time.time()
        self._lock = threading.Lock()
        self._live: Live | None = None

    def on_change(self, node: Node) -> None:
        with self._lock:
            self.nodes[node.id] = node

    def renderable(self):
        from rich.text import Text

        with self._lock:
            nodes = dict(self.nodes)
        now = time.time()
        done, total = progress(nodes.values())
        head = f"{self.name}  {format_duration(now - self.started)} elapsed  {done}/{total} pods\n\n"
        body = render_tree(self.name, nodes, now) if nodes else ""
        return Text(head + body, no_wrap=True, overflow="crop")

    def __enter__(self) -> "LiveView":
        from rich.console import Console
        from rich.live import Live

        console = Console(file=self.stream)
        self._live = Live(get_renderable=self.renderable, console=console, refresh_per_second=4,
                          transient=True)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
            self._live = None
