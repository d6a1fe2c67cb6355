"""Property tests: arbitrary text never crashes a parser; unparse round-trips."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plait.grammar import (
    GrammarError,
    parse_condition,
    parse_depends,
    parse_expression,
    parse_template,
    unparse,
)
from plait.grammar import ast as A

PARSERS = (parse_template, parse_expression, parse_condition, parse_depends)
ALPHABET = st.sampled_from(list("{}<>=()[]'\".,:?!&|+-*/%#~ \n\\abcxyz019_$") +
                           ["{{", "}}", "<<", ">>", "{{=", "&&", "||", "??", "?.", "in ",
                            "not ", "steps.", "inputs.parameters.", ".Succeeded", "**"])
TEXT = st.one_of(st.text(), st.lists(ALPHABET, max_size=40).map("".join))


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(TEXT)
def test_any_text_gives_an_ast_or_a_grammar_error(text: str) -> None:
    for parse in PARSERS:
        try:
            node = parse(text)
        except GrammarError as e:
            assert e.code.startswith("PL11") and 0 <= e.start <= e.end <= len(text)
            continue
        assert 0 <= node.start <= node.end <= len(text)
        again = parse(unparse(node)) if parse is not parse_template else None
        if again is not None:
            assert again == node


NAMES = st.sampled_from(["a", "b", "item", "inputs", "steps", "x_1", "$env"])
LEAVES = st.one_of(
    NAMES.map(A.Name),
    st.integers(0, 10**6).map(A.Literal),
    st.floats(0, 1e6, allow_nan=False).map(A.Literal),
    st.text(max_size=8).map(A.Literal),
    st.sampled_from([True, False, None]).map(A.Literal),
    st.just(A.Pointer("")),
)
BIN_OPS = ["||", "or", "&&", "and", "==", "!=", "<", ">", "<=", ">=", "in", "not in",
           "matches", "contains", "startsWith", "endsWith", "..", "+", "-", "*", "/", "%",
           "**", "^", "??"]


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(A.Binary, st.sampled_from(BIN_OPS), children, children),
        st.builds(A.Unary, st.sampled_from(["-", "+", "!", "not"]), children),
        st.builds(A.Conditional, children, children, children),
        st.builds(A.Member, children, st.sampled_from(["b", "outputs", "in"]), st.booleans()),
        st.builds(A.Index, children, children, st.booleans()),
        st.builds(A.Slice, children, st.none() | children, st.none() | children),
        st.builds(A.Call, NAMES.map(A.Name), st.lists(children, max_size=3).map(tuple)),
        st.lists(children, max_size=3).map(lambda xs: A.ArrayLit(tuple(xs))),
        st.lists(st.tuples(st.text(max_size=4).map(A.Literal), children), max_size=3)
        .map(lambda ps: A.MapLit(tuple(ps))),
    )


EXPRS = st.recursive(LEAVES, _extend, max_leaves=12)


@settings(max_examples=800, deadline=None)
@given(EXPRS)
def test_expression_round_trip(e: A.Node) -> None:
    text = unparse(e)
    assert parse_expression(text) == e, text
    assert unparse(parse_expression(text)) == text


DEPS = st.recursive(
    st.builds(A.DepRef, st.sampled_from(["a", "b-c", "t1"]),
              st.none() | st.sampled_from(A.RESULTS)),
    lambda c: st.one_of(st.builds(A.DepNot, c), st.builds(A.DepAnd, c, c),
                        st.builds(A.DepOr, c, c)), max_leaves=10)


@given(DEPS)
def test_depends_round_trip(d: A.Node) -> None:
    assert parse_depends(unparse(d)) == d


def test_angle_tags_export_as_curly() -> None:
    t = parse_template("a <<inputs.parameters.x>> <<= 1 + x >>")
    assert unparse(t) == "a {{inputs.parameters.x}} {{=1 + x}}"
    assert parse_template(unparse(t)) == t


@settings(max_examples=800, deadline=None)
@given(EXPRS)
def test_evaluation_gives_a_value_or_an_evaluation_error(e: A.Node) -> None:
    from plait.grammar import EvaluationError, evaluate_expression
    try:
        evaluate_expression(e, {"a": "1", "b": [1, 2], "item": {"k": "v"}})
    except EvaluationError:
        pass


DEP_NAMES = st.sampled_from(["a", "B", "c-d", "task_1", "x9", "xé"])
DEP_REFS = st.tuples(DEP_NAMES, st.sampled_from([None, *A.RESULTS])).map(
    lambda t: t[0] + (f".{t[1]}" if t[1] else ""))


@settings(max_examples=300, deadline=None)
@given(st.lists(DEP_REFS, min_size=1, max_size=6),
       st.lists(st.sampled_from([" && ", "&&", " || ", "||"]), min_size=5, max_size=5),
       st.sampled_from(["", " ", "  "]))
def test_simple_depends_fast_path_matches_the_grammar(refs, ops, pad):
    from plait.grammar.parse import _parse, _simple_depends

    text = pad + refs[0] + "".join(o + r for o, r in zip(ops, refs[1:])) + pad
    fast, slow = _simple_depends(text), _parse("depends", text, 0, "PL115", "depends")

    def shape(n):
        kids = [getattr(n, f) for f in ("left", "right", "operand") if hasattr(n, f)]
        return (type(n).__name__, n.start, n.end, [shape(k) for k in kids])
    assert fast == slow and shape(fast) == shape(slow)
