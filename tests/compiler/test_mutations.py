"""The depth of the analyser: each rule planted into a real Argo example is found, at the
planted line and column. The table also says which rules need a cluster."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import tests.mutations as pkg
from plait.compiler.check import check_paths
from plait.compiler.report import format_text
from tests.mutations.base import Mutation

from ..conftest import need_examples


def _all() -> list[tuple[str, Mutation]]:
    out = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"tests.mutations.{info.name}")
        out.extend((info.name, m) for m in getattr(module, "MUTATIONS", ()))
    return out


MUTATIONS = _all()


@pytest.mark.parametrize("area,m", MUTATIONS,
                         ids=[f"{a}-{m.rule}-{m.code}-{i}" for i, (a, m) in enumerate(MUTATIONS)])
def test_planted_mistake_is_found(area: str, m: Mutation, tmp_path: Path):
    if m.code is None:
        assert m.reason, f"{m.rule}: a rule without a code needs a reason"
        return
    examples = need_examples()
    text = (examples / m.example).read_text(encoding="utf-8")
    assert text.count(m.find) >= m.count, f"{m.find!r} not found {m.count}x in {m.example}"
    at = -1
    for _ in range(m.count):
        at = text.index(m.find, at + 1)
    mutated = text[:at] + m.replace + text[at + len(m.find):]
    target = tmp_path / Path(m.example).name
    target.write_text(mutated, encoding="utf-8")
    diags = check_paths([str(target)]).diagnostics
    hits = [(d.line, d.column) for d in diags if d.code == m.code]
    assert (m.line, m.col) in hits, (
        f"{m.code} expected at {m.line}:{m.col}, got {hits}\n"
        + format_text(diags, snippets=False))


def test_every_spec_rule_is_mapped():
    """Each rule 1–54 of spec §19 has a planted mutation or a reason it needs a cluster."""
    import re

    mapped: set[int] = set()
    for _, m in MUTATIONS:
        for part in re.findall(r"§19\.(\d+(?:\s*(?:,|and|/|-|–)\s*\d+)*)", m.rule):
            for a, b in re.findall(r"(\d+)(?:\s*[-–]\s*(\d+))?", part):
                mapped.update(range(int(a), int(b or a) + 1))
    missing = sorted(set(range(1, 55)) - mapped)
    assert missing == [], f"spec §19 rules without a mutation or a reason: {missing}"


def test_every_item5_bullet_is_planted():
    """Each bullet of issue #2 item 5 maps to codes, and each code is planted at least once
    (PL370 needs `-p`: tests/compiler/test_calls.py plants it through the command line)."""
    from plait.compiler.diagnostics import message_classes
    from tests.mutations.bullets import ITEM5

    planted = {m.code for _, m in MUTATIONS if m.code}
    known = set(message_classes())
    for bullet, codes in ITEM5.items():
        assert codes and set(codes) <= known, bullet
        assert set(codes) & (planted | {"PL370"}), f"no planted mutation for {bullet!r}"


def test_rules_table_is_current():
    from tools.gen_rules_table import render

    from ..conftest import ROOT
    assert (ROOT / "docs/rules.md").read_text(encoding="utf-8") == render(), \
        "docs/rules.md is stale: run python3 tools/gen_rules_table.py"
