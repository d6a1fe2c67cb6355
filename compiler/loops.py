"""How Argo names and fills loop iterations (spec §3, §7): `step(0:item)` node names, and
the `item` / `item.<key>` values a step sees. Shared by the planner, which expands literal
loops, and the runtime, which expands `withParam` loops as they are reached."""

from __future__ import annotations

import json
from typing import Any


def go_value(v: Any) -> str:
    """Go's `%v` of a JSON value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "<nil>"
    if isinstance(v, float):
        return str(int(v)) if v == int(v) and abs(v) < 1e21 else repr(v)
    if isinstance(v, list):
        return "[" + " ".join(go_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_value(v[k])}" for k in sorted(v)) + "]"
    return str(v)


def item_description(item: Any) -> str:
    """How Argo describes a loop item in a node name: value, sorted `k:v,…`, or `[a b]`."""
    if isinstance(item, dict):
        desc = ",".join(f"{k}:{go_value(item[k])}" for k in sorted(item))
    else:
        desc = go_value(item)
    return desc.replace("(", "").replace(")", "")


def loop_node_name(name: str, index: int, item: Any) -> str:
    """`<name>(<index>:<desc>)`, the node name of one loop iteration."""
    return f"{name}({index}:{item_description(item)})"


def item_text(v: Any) -> str:
    """A loop item (or one of its fields) as the text `{{item}}` inserts."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return go_value(v)
    return json.dumps(v, separators=(",", ":"), sort_keys=True)


def item_values(item: Any) -> dict[str, str]:
    """The scope a loop item adds: `item` and, for maps, `item.<key>`."""
    values = {"item": item_text(item)}
    if isinstance(item, dict):
        values.update({f"item.{k}": item_text(v) for k, v in item.items()})
    return values
