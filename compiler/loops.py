"""How Argo names and fills loop iterations (spec §3, §7): `step(0:item)` node names, the
`item` / `item.<key>` values a step sees, and the items of a `withSequence`. Shared by the
planner, which expands literal loops, and the runtime, which expands loops whose values are
only known as they are reached (`withParam`, a tagged `withSequence`)."""

from __future__ import annotations

import json
import re
from typing import Any

from plait.grammar.limits import check_loop_size, without_surrogates

# a printf directive wider than 999 characters: every item would be that long
_WIDE_FORMAT = re.compile(r"%[-+ #0]*\d{4,}|%[-+ #0]*\d*\.\d{4,}")


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


def expand_sequence(count: int | None = None, start: int | None = None, end: int | None = None,
                    fmt: str | None = None) -> list[str]:
    """The items of a `withSequence` (Argo's `expandSequence`): `count` numbers from `start`
    (default 0), else `start` to `end` inclusive, counting down when `end` is below `start`;
    each number printed through the printf `format` (`%d` when none), the bare number when
    the format cannot print it. Items are strings, as Argo's are.

    ValueError for a format wider than 999 characters; `LimitError` (a ValueError) for more
    items than `PLAIT_MAX_LOOP_ITEMS`. The planner calls this for sequences known at compile
    time, the runtime for the rest, so both name and fill the same iterations.
    """
    fmt = fmt or "%d"
    if _WIDE_FORMAT.search(fmt):
        raise ValueError(f"withSequence.format {fmt!r} asks for a field wider than 999 characters")
    first = start or 0
    if count is not None:
        numbers = range(first, first + count)
    else:
        last = end or 0
        numbers = range(first, last + 1) if first <= last else range(first, last - 1, -1)
    # counted from the bounds: len() of a range past sys.maxsize raises OverflowError
    check_loop_size(max(0, count) if count is not None else abs(last - first) + 1, "withSequence")
    out = []
    for n in numbers:
        try:
            text = fmt % n
        except OverflowError:            # %c of no Unicode code point: Go prints U+FFFD
            text = fmt % 0xFFFD
        except (TypeError, ValueError):
            text = str(n)
        out.append(without_surrogates(text))      # %c of a surrogate: U+FFFD too
    return out
