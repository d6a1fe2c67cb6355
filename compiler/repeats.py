"""Collapse a finding repeated many times in one document into one diagnostic with a count.

A generated workflow (Kubeflow Pipelines compiles one task per component) repeats the same
mistake hundreds of times: 320 identical warnings hide everything else. Up to
`COLLAPSE_AT - 1` identical findings are shown as they are (each line is worth seeing);
from `COLLAPSE_AT` on, the first stands for all, with the count and the next few lines.
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import Iterable

from .diagnostics import Diagnostic

COLLAPSE_AT = 3          # this many identical findings in one document become one
SHOW_LINES = 5           # further lines named in the collapsed message


def collapse(diags: list[Diagnostic], document_starts: Iterable[int]) -> list[Diagnostic]:
    """`diags` of one file, with identical findings of one document folded together.

    `document_starts` are the first lines of the file's documents (sorted); findings are
    identical when code, message and hint are.
    """
    starts = sorted(document_starts)
    groups: dict[tuple, list[Diagnostic]] = {}
    for d in diags:
        doc = bisect.bisect_right(starts, d.line) - 1
        groups.setdefault((doc, d.code, d.message, d.hint), []).append(d)
    out = []
    for d in diags:
        same = groups[(bisect.bisect_right(starts, d.line) - 1, d.code, d.message, d.hint)]
        if len(same) < COLLAPSE_AT:
            out.append(d)
        elif d is same[0]:
            out.append(_folded(same))
    return out


def _folded(same: list[Diagnostic]) -> Diagnostic:
    first = sorted(same, key=Diagnostic.sort_key)[0]
    lines = sorted({d.line for d in same} - {first.line})
    shown = ", ".join(str(n) for n in lines[:SHOW_LINES])
    more = f" and {len(lines) - SHOW_LINES} more" if len(lines) > SHOW_LINES else ""
    where = f"; also on line{'s' if len(lines) > 1 else ''} {shown}{more}" if lines else ""
    return dataclasses.replace(
        first, message=f"{first.message} ({len(same)} times in this document{where})")


__all__ = ["COLLAPSE_AT", "collapse"]
