"""Parsing: shapes, offsets, error codes and speed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from plait.grammar import (
    GrammarError,
    iter_refs,
    parse_condition,
    parse_depends,
    parse_expression,
    parse_template,
    unparse,
)
from plait.grammar import ast as A


def err(fn, text: str) -> GrammarError:
    with pytest.raises(GrammarError) as info:
        fn(text)
    return info.value


def test_literal_fast_path() -> None:
    t = parse_template("plain text")
    assert t.parts == (A.Text("plain text"),) and t.is_literal
    assert parse_template("").parts == ()


def test_tags_and_offsets() -> None:
    text = "a {{ inputs.parameters.x }} b <<=asInt(item) + 1>>"
    t = parse_template(text)
    ref, expr = t.tags()
    assert ref.kind == "ref" and ref.open == "{{" and ref.body.path == ("inputs", "parameters", "x")
    assert text[ref.start:ref.end] == "{{ inputs.parameters.x }}"
    assert text[ref.body.start:ref.body.end] == "inputs.parameters.x"
    assert expr.kind == "expr" and expr.open == "<<"
    assert text[expr.body_start:expr.body.end] == "asInt(item) + 1"
    call = expr.body.left
    assert text[call.args[0].start:call.args[0].end] == "item"


def test_refs_with_dashes_and_brackets() -> None:
    assert parse_template("{{steps.flip-coin.outputs.result}}").tags()[0].body.path == \
        ("steps", "flip-coin", "outputs", "result")
    body = parse_template("{{tasks.A.outputs.parameters['x']}}").tags()[0].body
    assert body.path == ("tasks", "A", "outputs", "parameters", "x")
    body = parse_template('{{steps["my-step"].outputs.result}}').tags()[0].body
    assert body.path == ("steps", "my-step", "outputs", "result")


def test_heredoc_is_text_but_tag_like_angle_is_an_error() -> None:
    assert parse_template("cat <<EOF\nhello >> x\nEOF").is_literal
    assert parse_template("echo $((1 << 3))").is_literal
    assert err(parse_template, "x <<inputs.parameters.a").code == "PL110"


def test_only_argo_tags_are_tags() -> None:
    # Argo resolves only tags starting with one of its variable roots (or `=`) and writes
    # every other `{{...}}` back unchanged; `<<...>>` follows the same rule
    for text in ('{{ with secret "kv/x" -}}{{ .Data.data.password }}{{- end }}',
                 'kubectl get pods --template="{{range .items}}{{.status.podIP}}{{end}}"',
                 "image: {{ .Values.image.tag }}", "{{}}", "<<>>",
                 "cat <<EOF >> /tmp/log", "cat <<-END >>$LOG"):
        assert parse_template(text).is_literal, text
    mixed = parse_template('echo {{.x}} <<EOF >> log <<inputs.parameters.a>> {{item}}')
    assert [t.raw for t in mixed.tags()] == ["<<inputs.parameters.a>>", "{{item}}"]
    assert parse_template("<<= 1 + 2 >>").tags()[0].kind == "expr"


def test_iter_refs() -> None:
    text = "{{= inputs.parameters['x'] + steps['a'].outputs.result + asInt(item.k) }}"
    refs = list(iter_refs(parse_template(text)))
    assert [r.path for r in refs] == [("inputs", "parameters", "x"),
                                      ("steps", "a", "outputs", "result"), ("item", "k")]
    assert text[refs[0].start:refs[0].end] == "inputs.parameters['x']"
    e = parse_expression("sprig.date('2006', workflow.creationTimestamp) + a[b].c")
    assert [r.path for r in iter_refs(e)] == [("workflow", "creationTimestamp"), ("a",), ("b",)]
    c = parse_condition("{{steps.a.outputs.result}} == '{{item}}'")
    assert [r.path for r in iter_refs(c)] == [("steps", "a", "outputs", "result"), ("item",)]


def test_expression_shapes() -> None:
    e = parse_expression("a ?? b == c")
    assert isinstance(e, A.Binary) and e.op == "==" and e.left.op == "??"
    e = parse_expression("-2 ** 2")
    assert isinstance(e, A.Unary) and e.operand.op == "**"
    e = parse_expression("x | upper()")
    assert e == A.Call(A.Name("upper"), (A.Name("x"),))
    assert parse_expression("a not in b").op == "not in"
    assert parse_expression("'\\u00e9\\n'") == A.Literal("é\n")
    assert isinstance(parse_expression("filter(xs, {# > 1})").args[1], A.Predicate)
    assert parse_expression("x?.y").optional


def test_condition_shapes() -> None:
    c = parse_condition("{{steps.flip.outputs.result}} == heads")
    assert isinstance(c.left, A.CondTag) and c.right == A.Word("heads")
    c = parse_condition("{{=x}} ")
    assert isinstance(c, A.CondTag) and c.tag.kind == "expr"
    assert parse_condition("{{a}} in (x, 1)").items == (A.Word("x"), A.Literal(1.0))


def test_depends_shapes() -> None:
    d = parse_depends("should-execute-2.Succeeded || should-not-execute")
    assert d == A.DepOr(A.DepRef("should-execute-2", "Succeeded"), A.DepRef("should-not-execute"))
    assert unparse(parse_depends("A && (B || !C.Failed)")) == "A && (B || !C.Failed)"


@pytest.mark.parametrize("fn,text,code,start,end", [
    (parse_template, "x {{ y", "PL110", 2, 4),
    (parse_template, "ab {{inputs..b}}", "PL111", 12, 13),
    (parse_template, "{{= 1 + }}", "PL112", 8, 8),
    (parse_template, "xx {{= f(1,,2) }}", "PL112", 11, 12),
    (parse_expression, "(1", "PL112", 2, 2),
    (parse_expression, "'\\q'", "PL112", 1, 3),
    (parse_condition, "{{a}} == (b", "PL113", 11, 11),
    (parse_condition, "{{a}} = b", "PL113", 6, 7),
    (parse_condition, "{{x}} == us-east-1", "PL114", 9, 18),
    (parse_condition, "{{x}} == v1.2", "PL114", 9, 13),
    (parse_condition, "{{x}} == /tmp/a", "PL114", 9, 15),
    (parse_condition, "{{x}}-foo == a", "PL114", 0, 9),
    (parse_condition, "a && {{x}}{{y}} == a", "PL114", 5, 15),
    (parse_depends, "A &&", "PL115", 4, 4),
    (parse_depends, "A & B", "PL115", 2, 3),
    (parse_depends, "A.Succeded", "PL116", 2, 10),
])
def test_error_codes_and_offsets(fn, text: str, code: str, start: int, end: int) -> None:
    e = err(fn, text)
    assert (e.code, e.start, e.end) == (code, start, end), e.message
    assert "\n" not in e.message


def test_error_messages() -> None:
    e = err(parse_expression, "f(1, )+")     # a trailing comma in a call is fine; the dangling `+` is not
    assert (e.message, e.start) == ("unexpected end of input in expression, expected a value", 7)
    e = err(parse_expression, "1 + )")
    assert e.message == "unexpected ')' in expression, expected a value"
    e = err(parse_depends, "A.succeeded")
    assert e.hint == "did you mean 'Succeeded'?" and "AnySucceeded" in e.message
    assert "'us-east-1'" in err(parse_condition, "{{x}} == us-east-1").hint


def test_conditions_that_are_fine() -> None:
    for text in ["{{x}} == 2.5", "{{x}} - 1 > 0", "-{{x}} < 1", "'{{x}}' == 'us-east-1'",
                 "{{x}} =~ '^v1\\.2'", "({{a}} == b) || !({{c}} != d)"]:
        parse_condition(text)


def test_deep_nesting_is_a_grammar_error() -> None:
    assert err(parse_expression, "[" * 300 + "1" + "]" * 300).code == "PL112"
    assert err(parse_condition, "!" * 300 + "a").code == "PL113"
    assert err(parse_expression, "+".join(["1"] * 500)).code == "PL112"
    assert err(parse_depends, "!" * 500 + "A").code == "PL115"


def test_import_does_not_load_lark() -> None:
    code = "import sys, grammar; grammar.parse_template('a {{b}}'); print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("text", [r"'\9'", r"'\8'", r"'\q'", r"'\x4'"])
def test_escapes_go_does_not_know_are_errors(text):
    with pytest.raises(GrammarError) as info:
        parse_expression(text)
    assert info.value.code == "PL112"
