"""Every string in Argo's examples parses; every `when`, `depends` and expr field too."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from ruamel.yaml import YAML

from plait.grammar import parse_condition, parse_depends, parse_expression, parse_template

EXPR_FIELDS = ("expression", "successCondition", "failureCondition")


def _docs(path: Path) -> list:
    try:
        return [d for d in YAML(typ="safe").load_all(path.read_text()) if d is not None]
    except Exception:  # a few examples are not plain YAML; they are not ours to check
        return []


def _walk(node: object, parents: tuple = ()) -> Iterator[tuple[tuple, object]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, parents + (k,))
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, parents + ("[]",))
    else:
        yield parents, node


def _strings(examples: Path, kind: str) -> list[tuple[str, str]]:
    out = []
    for f in sorted(examples.rglob("*.yaml")):
        for doc in _docs(f):
            for path, value in _walk(doc):
                if not isinstance(value, str):
                    continue
                key = path[-1] if path else None
                if kind == "all" or (kind == "when" and key == "when") \
                        or (kind == "depends" and key == "depends"):
                    out.append((f.name, value))
                elif kind == "expr" and key in EXPR_FIELDS and "resource" not in path:
                    out.append((f.name, value))
    return out


def test_every_string_is_a_valid_template(argo_examples: Path) -> None:
    strings = _strings(argo_examples, "all")
    assert len(strings) > 1000
    for _name, s in strings:
        parse_template(s)


@pytest.mark.parametrize("kind,parse", [("when", parse_condition), ("depends", parse_depends),
                                        ("expr", parse_expression)])
def test_fields_parse(argo_examples: Path, kind: str, parse) -> None:
    strings = _strings(argo_examples, kind)
    assert strings
    for _name, s in strings:
        if kind == "expr" and "{{" in s:
            parse_template(s)
            continue
        parse(s)


def test_expression_tags_in_examples_are_expressions(argo_examples: Path) -> None:
    tags = [t for _, s in _strings(argo_examples, "all") for t in parse_template(s).tags() if t.kind == "expr"]
    assert len(tags) >= 15
