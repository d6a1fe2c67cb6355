"""One planted mistake: replace `find` by `replace` in a real Argo example, expect `code`
at exactly (`line`, `col`) of the mutated file. Rules that need a cluster have `code=None`
and a `reason` instead."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    rule: str                 # "§19.7" for spec §19 rule 7, or "item5: <bullet words>"
    code: str | None          # "PL501", or None with a reason
    example: str = ""         # path under ../shared/argo/examples/
    find: str = ""            # unique text in the example
    replace: str = ""
    line: int = 0             # expected 1-based position in the mutated file
    col: int = 0
    reason: str = ""          # why no code (needs a cluster)
    count: int = 1            # which occurrence of `find` to replace (1 = first); must exist
