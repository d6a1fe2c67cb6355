"""The safe evaluator: expr-lang, govaluate, depends and template rendering."""

from __future__ import annotations

import pytest

from plait.grammar import (
    EvaluationError,
    evaluate_condition,
    evaluate_depends,
    evaluate_expression,
    nest,
    parse_condition,
    parse_depends,
    parse_expression,
    parse_template,
    render_template,
)

FLAT = {
    "inputs.parameters.foo": "3",
    "inputs.parameters.week-temps": '{"avg": 1.5, "max": 3}',
    "inputs.parameters": '[{"name":"foo"}]',
    "workflow.parameters.config": '{"employees": [{"name": "Baris", "age": 43}, '
                                  '{"name": "Ana", "age": 50}]}',
    "workflow.creationTimestamp": "2024-05-06T07:08:09Z",
    "steps.flip-coin.outputs.result": "heads",
    "steps.heads.outputs.result": "H",
    "item": "7",
}
ENV = nest(FLAT)


def ev(text: str):
    return evaluate_expression(parse_expression(text), ENV)


def test_nest_keeps_sub_keys_over_the_key() -> None:
    assert ENV["inputs"]["parameters"]["foo"] == "3"
    assert nest({"a": "1", "a.b": "2"}) == {"a": {"b": "2"}}


@pytest.mark.parametrize("text,value", [
    ("asInt(inputs.parameters.foo) * 10", 30),
    ("jsonpath(inputs.parameters['week-temps'], '$.avg')", 1.5),
    ("jsonpath(workflow.parameters.config, '$.employees[*].name')", ["Baris", "Ana"]),
    ("jsonpath(workflow.parameters.config, '$.employees[0:1]')", [{"name": "Baris", "age": 43}]),
    ("jsonpath(workflow.parameters.config, '$.employees[?(@.age>42 && @.age<44)].age')", [43]),
    ("jsonpath(workflow.parameters.config, '$.employees[?(@.name==\"Baris\")].age')", [43]),
    ("jsonpath('[{\"value\": \"true\"}]', '$[0].value') == 'true'", True),
    ("sprig.date('2006', workflow.creationTimestamp)", "2024"),
    ("steps['flip-coin'].outputs.result == 'heads' ? steps.heads.outputs.result : 'T'", "H"),
    ("tasks.producer.outputs.parameters.msg ?? 'expr-fallback'", "expr-fallback"),
    ("filter([1, 2, 3], {# > 1})", [2, 3]),
    ("map([1, 2], # * 2)", [2, 4]),
    ("all([1, 2], {# > 0}) && any([1, 2], # > 1)", True),
    ("len('abc') + 1", 4),
    ("1 / 2", 0.5),
    ("5 == 5.0", True),
    ("'5' == 5", False),
    ("'abc' matches '^a' and 'abc' contains 'b'", True),
    ("'x' not in ['y']", True),
    ("toJson({b: [1, 'x'], a: nil})", '{"a":null,"b":[1,"x"]}'),
    ("upper(string(1 + 1))", "2"),
    ("x?.y", None),
    ("[1, 2, 3][1:]", [2, 3]),
    ("sum([1, 2, 3]) + max(4, 5)", 11),
    ("split('a,b', ',')", ["a", "b"]),
    ("sprig.replace('-', '_', 'a-b')", "a_b"),
])
def test_expressions(text: str, value: object) -> None:
    assert ev(text) == value


@pytest.mark.parametrize("text", ["nope", "1 + 'a'", "!1", "1 ? 2 : 3", "[1][5]", "1 / 0",
                                  "unknownFn(1)", "'a'.b", "repeat('x', 10000000)",
                                  "1..1000000000", "(1).Seconds()", "asInt('x')"])
def test_expression_errors(text: str) -> None:
    with pytest.raises(EvaluationError):
        ev(text)


def test_step_limit() -> None:
    with pytest.raises(EvaluationError):
        ev("map(1..50000, map(1..50000, #))")


def test_conditions() -> None:
    c = parse_condition("{{steps.flip.outputs.result}} == heads")
    assert evaluate_condition(c, {"steps.flip.outputs.result": "heads"}) is True
    assert evaluate_condition(c, {0: "tails"}) is False
    assert evaluate_condition(parse_condition("{{a}} == 5"), {0: "5.0"}) is True
    assert evaluate_condition(parse_condition("'{{a}}' == 5"), {0: "5"}) is False
    assert evaluate_condition(parse_condition("{{a}} < {{b}}"), {0: "3", 1: "10"}) is True
    assert evaluate_condition(parse_condition("{{a}} =~ hea"), {0: "heads"}) is True
    assert evaluate_condition(parse_condition("{{a}} in (x, y)"), {0: "y"}) is True
    assert evaluate_condition(parse_condition("{{=x}}"), {0: "true"}) is True
    assert evaluate_condition(parse_condition("'{{a}}' == 'us-east-1'"), {0: "us-east-1"})


def test_condition_errors() -> None:
    with pytest.raises(EvaluationError):  # non-boolean result
        evaluate_condition(parse_condition("{{a}}"), {0: "heads"})
    with pytest.raises(EvaluationError):  # the value would be split by govaluate
        evaluate_condition(parse_condition("{{a}} == b"), {0: "us-east-1"})
    with pytest.raises(EvaluationError):
        evaluate_condition(parse_condition("{{a}} == b"), {})


def test_depends() -> None:
    results = {"A": {"Skipped"}, "B": {"Failed"}, "C": {"Succeeded"}}
    assert evaluate_depends(parse_depends("A && (B.Failed || C.Failed)"), results)
    assert not evaluate_depends(parse_depends("B"), results)
    assert evaluate_depends(parse_depends("B"), results, continue_on={"B": {"Failed"}})
    assert evaluate_depends(parse_depends("!B.Succeeded"), results)
    with pytest.raises(EvaluationError):
        evaluate_depends(parse_depends("Z"), results)


def test_render_template() -> None:
    t = parse_template("v={{inputs.parameters.foo}} w={{workflow.x}} "
                       "<<= asInt(inputs.parameters.foo) + 1 >> {{=[1, 'a']}} {{=nope}}")
    assert render_template(t, FLAT) == 'v=3 w={{workflow.x}} 4 [1,"a"] {{=nope}}'
    with pytest.raises(EvaluationError):
        render_template(t, FLAT, strict=True)


def test_results_are_never_reparsed() -> None:
    t = parse_template("{{inputs.parameters.x}} {{=inputs.parameters.x}}")
    assert render_template(t, {"inputs.parameters.x": "{{=1+1}}"}) == "{{=1+1}} {{=1+1}}"
