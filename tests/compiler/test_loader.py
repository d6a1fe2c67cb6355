"""Loading with positions: spans, multi-document files, JSON, and hostile input."""

from __future__ import annotations

import pytest

from plait.compiler.check import check_paths
from plait.compiler.source import (
    DuplicateKey,
    HostileYaml,
    TabIndent,
    UnquotedTemplate,
    YamlSyntax,
    load_file,
    load_text,
)

WF = """apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: w
spec:
  entrypoint: main
  templates:
    - name: main
      container:
        image: alpine
        command: ["echo", 'it''s {{inputs.parameters.x}}']
        args:
          - |
            line one
              {{inputs.parameters.z}}
          - >-
            folded
            {{inputs.parameters.w}}
"""


def kinds(messages):
    return [type(m) for m in messages]


def test_spans_are_one_based_and_exclusive():
    doc = load_text(WF, "w.yaml").documents[0].data
    meta = doc["metadata"]
    assert doc.key_span("metadata")[1:3] == (3, 1)
    assert meta["name"].span == ("w.yaml", 4, 9, 4, 10)


@pytest.mark.parametrize("index,tag,line,col", [
    (1, "{{inputs.parameters.x}}", 11, 34),    # single-quoted with an '' escape before it
])
def test_locate_in_quoted_scalar(index, tag, line, col):
    doc = load_text(WF, "w.yaml").documents[0].data
    s = doc["spec"]["templates"][0]["container"]["command"][index]
    at = s.index(tag)
    span = s.locate(at, at + len(tag))
    assert (span.line, span.col) == (line, col)
    assert span.end_col - span.col == len(tag)


def test_locate_in_block_scalars():
    doc = load_text(WF, "w.yaml").documents[0].data
    literal, folded = doc["spec"]["templates"][0]["container"]["args"]
    at = literal.index("{{")
    assert literal.locate(at, at + 2)[1:3] == (15, 15)
    at = folded.index("{{")
    assert folded.locate(at, at + 2)[1:3] == (18, 13)


def test_multi_document_and_other_kinds_skipped():
    text = "kind: ConfigMap\nmetadata: {name: c}\n---\n" + WF + "---\n" + WF.replace("name: w", "name: v")
    loaded = load_text(text, "m.yaml")
    assert [d.name for d in loaded.documents] == ["w", "v"]
    assert loaded.yaml_documents == 3


def test_json_file(tmp_path):
    p = tmp_path / "w.json"
    p.write_text('{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",\n'
                 ' "metadata": {"name": "j"}, "spec": {"entrypoint": "m", "templates": []}}')
    loaded = load_file(str(p))
    assert loaded.messages == []
    assert loaded.documents[0].data["spec"].key_span("entrypoint")[1:3] == (2, 38)


def test_syntax_error_has_position():
    loaded = load_text("kind: Workflow\nspec:\n  a: [1, 2\n  b: 3\n", "e.yaml")
    assert kinds(loaded.messages) == [YamlSyntax]
    assert loaded.messages[0].span.line >= 3


def test_yaml_only_the_c_scanner_rejects_is_read():
    # valid YAML (Go's yaml, PyYAML, ruamel's pure reader) that libyaml refuses
    text = "kind: Workflow\nspec:\n  templates:\n  - name: main\n    container:\n" \
           "      args: [https://catfact.ninja/fact]\n"
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    with pytest.raises(YAMLError):
        list(YAML(typ="safe", pure=False).compose_all(text))      # the C reader alone
    loaded = load_text(text, "c.yaml")
    assert loaded.messages == []
    container = loaded.documents[0].data["spec"]["templates"][0]["container"]
    assert container["args"] == ["https://catfact.ninja/fact"]
    assert container["args"][0].span.line == 6


def test_errors_both_readers_agree_on_keep_the_c_position():
    loaded = load_text("kind: Workflow\nspec:\n  a: [1, 2\n  b: 3\n", "e.yaml")
    [msg] = loaded.messages
    assert isinstance(msg, YamlSyntax) and msg.span.line in (3, 4)


def test_duplicate_key_points_at_second():
    loaded = load_text("kind: Workflow\nmetadata: {}\nspec: {}\nmetadata: {}\n", "d.yaml")
    assert kinds(loaded.messages) == [DuplicateKey]
    assert loaded.messages[0].span[1:3] == (4, 1)
    assert loaded.messages[0].first_line == 2


def test_tab_indentation():
    loaded = load_text("kind: Workflow\nspec:\n\tentrypoint: x\n", "t.yaml")
    assert kinds(loaded.messages) == [TabIndent]


def test_unquoted_template_in_flow_sequence_and_value():
    text = "kind: Workflow\nspec:\n  args: [{{inputs.parameters.x}}]\n  v: {{x}}\n"
    loaded = load_text(text, "u.yaml")
    assert kinds(loaded.messages) == [UnquotedTemplate, UnquotedTemplate]
    assert [m.span.line for m in loaded.messages] == [3, 4]


def test_unquoted_template_that_breaks_parsing():
    loaded = load_text('kind: Workflow\nspec:\n  when: {{a}} == b\n', "u.yaml")
    assert kinds(loaded.messages) == [UnquotedTemplate]
    assert loaded.messages[0].span[1:3] == (3, 9)


@pytest.mark.parametrize("text,what", [
    ("a: " + "[" * 100_000 + "]" * 100_000, "brackets"),
    ("a: " + "{" * 100_000 + "}" * 100_000, "brackets"),
    ("".join(" " * (2 * i) + "a:\n" for i in range(3000)) + " " * 6000 + "b: 1\n", "indentation"),
    ("a: " + "- " * 100_000 + "x\n", "sequences"),
])
def test_deep_nesting_refused(text, what):
    """Refused with a message, not a RecursionError (bench/hostile_yaml.py times it)."""
    loaded = load_text("kind: Workflow\n" + text, "deep.yaml")
    assert kinds(loaded.messages) == [HostileYaml]
    assert what in loaded.messages[0].text()


def test_alias_bomb_refused():
    lines = ["kind: Workflow", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    loaded = load_text("\n".join(lines) + "\n", "bomb.yaml")
    assert kinds(loaded.messages) == [HostileYaml]
    assert "aliases" in loaded.messages[0].text()


def test_large_scalar_loads():
    """A 50 MB scalar is data, not an attack: it loads whole (bench/hostile_yaml.py times it)."""
    text = "kind: Workflow\nmetadata: {name: big}\nspec:\n  x: \"" + "y" * 50_000_000 + "\"\n"
    loaded = load_text(text, "big.yaml")
    assert loaded.messages == [] and len(loaded.documents) == 1
    assert len(loaded.documents[0].data["spec"]["x"]) == 50_000_000


def test_unreadable_file(tmp_path):
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"\xff\xfe\x00bad")
    loaded = load_file(str(p))
    assert loaded.messages and loaded.messages[0].code == "PL100"


def test_int_tag_on_text_stays_a_located_string(tmp_path):
    """`!!int main` is not a number: it loads as a string that still knows its span, so a
    check that reports on it (here the entrypoint's call) gives a position, not a traceback."""
    text = WF.replace("entrypoint: main", "entrypoint: !!int main").replace(
        "- name: main", "- name: !!int main")
    spec = load_text(text, "w.yaml").documents[0].data["spec"]
    assert spec["entrypoint"] == "main"
    assert spec["entrypoint"].span[1:3] == (6, 15)
    assert spec["templates"][0]["name"].span[1:3] == (8, 13)
    (tmp_path / "w.yaml").write_text(text)
    report = check_paths([str(tmp_path / "w.yaml")])      # was an AttributeError (exit 3)
    assert [m.code for f in report.files for m in f.messages] == ["PL301", "PL301", "PL301"]


def test_a_leading_zero_integer_is_octal_as_argo_reads_it():
    """Argo reads YAML with Go's YAML 1.1 reader: `defaultMode: 0400` is 256 (Kubernetes:
    "YAML accepts both octal and decimal values"), not YAML 1.2's decimal 400."""
    loaded = load_text(WF.replace("entrypoint: main", "entrypoint: main\n  x: [0400, 0o644, "
                                  "-010, 0888, 0, 400]"), "t.yaml")
    assert list(loaded.documents[0].data["spec"]["x"]) == [256, 0o644, -8, 888, 0, 400]
