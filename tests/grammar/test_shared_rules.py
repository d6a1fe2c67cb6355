"""The Argo rules that grammar/ holds for every layer: Go durations (grammar/durations.py),
the `depends` reference scan and a condition's tags (grammar/ast.py). Behaviour of the one
copy, and proof that the evaluator calls it."""

from __future__ import annotations

import pytest

from plait.grammar import ast as A
from plait.grammar import (
    evaluate,
    evaluate_condition,
    evaluate_expression,
    parse_condition,
    parse_depends,
    parse_expression,
)
from plait.grammar.durations import UNITS, parse_duration, suggest_duration


@pytest.mark.parametrize("text,seconds", [
    ("1ns", 1e-9), ("1us", 1e-6), ("1\u00b5s", 1e-6), ("1\u03bcs", 1e-6), ("1ms", 1e-3),
    ("1s", 1.0), ("1m", 60.0), ("1h", 3600.0),
    ("1h30m", 5400.0), ("2h45m30.5s", 9930.5), ("1.5h", 5400.0), (".5s", 0.5), ("5.s", 5.0),
    ("300ms", 0.3), ("-1.5s", -1.5), ("+2m", 120.0), ("0", 0.0), ("-0", 0.0),
])
def test_go_durations_with_every_unit(text, seconds):
    assert parse_duration(text, integer_seconds=False) == pytest.approx(seconds)


def test_every_go_unit_is_known():
    assert set(UNITS) == {"ns", "us", "\u00b5s", "\u03bcs", "ms", "s", "m", "h"}


def test_a_whole_number_is_seconds_only_where_the_field_allows_it():
    assert parse_duration("30") == 30.0                      # retry backoff, suspend
    with pytest.raises(ValueError, match=r"missing unit in duration '30' \(e.g. 30s\)"):
        parse_duration("30", integer_seconds=False)          # Go's time.ParseDuration


@pytest.mark.parametrize("text,message", [
    ("", "empty duration"),
    ("1d", "unknown unit 'd' in duration '1d'"),
    ("abc", "invalid duration 'abc': expected a number at 'abc'"),
    ("1h-5m", "invalid duration '1h-5m': expected a number at '-5m'"),
    ("+-5s", "invalid duration '+-5s': expected a number at '-5s'"),
])
def test_durations_go_rejects(text, message):
    with pytest.raises(ValueError) as err:
        parse_duration(text, integer_seconds=False)
    assert str(err.value) == message


def test_foreign_units_get_their_go_spelling():
    assert suggest_duration("2d") == "48h"
    assert suggest_duration("1w") == "168h"
    assert suggest_duration("5 mins") == "5m"
    assert suggest_duration("5") is None


def test_exprs_duration_is_the_same_go_rule(monkeypatch):
    def ev(text):
        return evaluate_expression(parse_expression(text), {})

    assert ev('duration("1h30m").Minutes()') == 90.0
    assert ev('duration("0").Seconds()') == 0.0               # Go accepts a bare 0
    with pytest.raises(evaluate.EvaluationError, match="unknown unit 'd'"):
        ev('duration("1d")')
    with pytest.raises(evaluate.EvaluationError, match="missing unit"):
        ev('duration("5")')                                   # no integer seconds in expr
    seen = []
    monkeypatch.setattr(evaluate, "parse_duration",
                        lambda text, **kw: seen.append(text) or 1.0)
    assert ev('duration("7s").Seconds()') == 1.0 and seen == ["7s"]


def test_depends_refs_in_source_order_with_results():
    tree = parse_depends("(A.Succeeded || B) && !C.Failed && A")
    assert [(r.task, r.result) for r in A.dep_refs(tree)] == \
        [("A", "Succeeded"), ("B", None), ("C", "Failed"), ("A", None)]
    assert [r.task for r in A.dep_refs(parse_depends("solo"))] == ["solo"]


def test_depends_scan_survives_a_very_long_chain():
    names = [f"t{i}" for i in range(3000)]
    tree = parse_depends(" && ".join(names))
    assert [r.task for r in A.dep_refs(tree)] == names


def test_condition_tags_in_the_order_the_evaluator_numbers_them():
    cond = parse_condition('"{{a}}" == "x-{{b}}" && ({{c}} > 2 || "{{d}}" in ({{e}}))')
    assert [t.raw for t in A.cond_tags(cond)] == ["{{a}}", "{{b}}", "{{c}}", "{{d}}", "{{e}}"]
    # value 0 is {{a}}'s, 1 is {{b}}'s: x-y == "x-y" holds, x-z == "x-y" does not
    values = {0: "x-y", 1: "y", 2: "3", 3: "q", 4: "q"}
    assert evaluate_condition(cond, values) is True
    assert evaluate_condition(cond, {**values, 0: "x-z"}) is False


def test_the_evaluator_numbers_tags_with_the_shared_walk(monkeypatch):
    seen = []
    real = A.cond_tags
    monkeypatch.setattr(A, "cond_tags", lambda n: seen.append(n) or real(n))
    cond = parse_condition("{{a}} == 1")
    assert evaluate_condition(cond, {0: "1"}) is True
    assert seen == [cond]
