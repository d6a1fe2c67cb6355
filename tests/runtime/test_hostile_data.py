"""A pod's data can fail its own node (or its consumer), never the engine (issue 8 #7, #8, #13).

Each test performs the attack through the real engine and local backend (`plait run`, a
detached `plait submit` runner, `plait resume`): the run must end normally with a message
naming the problem, and no traceback may reach the user.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from plait.cli import main

from ..helpers import plait_process


@pytest.fixture(autouse=True)
def _home(plait_home, monkeypatch):
    for cap in ("PLAIT_MAX_JSON_DEPTH", "PLAIT_MAX_JSON_BYTES", "PLAIT_MAX_LOOP_ITEMS",
                "PLAIT_MAX_NODES"):
        monkeypatch.delenv(cap, raising=False)


def workflow(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata:
          name: {name}
        spec:
        """) + textwrap.indent(textwrap.dedent(body), "  "), encoding="utf-8")
    return str(path)


def run_json(capsys, path: str, *extra: str) -> tuple[int, dict, str]:
    code = main(["run", path, "-o", "json", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, err
    return code, json.loads(out), err


def nodes_by_name(doc: dict) -> dict:
    return {n["displayName"]: n for n in doc["status"]["nodes"].values()}


def looped(loop: str) -> str:
    """One step looping over `loop` (a withItems/withParam/withSequence line known before the
    run), each iteration echoing its item."""
    return f"""\
entrypoint: main
templates:
- name: main
  steps:
  - - name: use
      template: echo
      arguments: {{parameters: [{{name: x, value: "<<item>>"}}]}}
      {loop}
- name: echo
  inputs: {{parameters: [{{name: x}}]}}
  container: {{image: busybox, command: [echo, "<<inputs.parameters.x>>"]}}
"""


def producer(script: str, consumer: str) -> str:
    """A step printing `script`'s output, then a step consuming it with `consumer`."""
    return f"""\
entrypoint: main
templates:
- name: main
  steps:
  - - name: gen
      template: gen
  - - name: use
      template: echo
{textwrap.indent(consumer, "      ")}
- name: gen
  script:
    image: python
    command: [python3]
    source: |
{textwrap.indent(script, "      ")}
- name: echo
  inputs: {{parameters: [{{name: x}}]}}
  container: {{image: busybox, command: [echo, "<<inputs.parameters.x>>"]}}
"""


def assert_consumer_failed(doc: dict, words: str) -> None:
    assert doc["status"]["phase"] in ("Failed", "Error")
    use = nodes_by_name(doc)["use"]
    assert use["phase"] in ("Failed", "Error")
    assert words in use["message"], use["message"]


def resume_does_not_crash(capsys, name: str) -> None:
    code = main(["resume", name])
    out, err = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in out + err, err


def test_with_param_of_100000_nested_brackets_fails_the_consumer(tmp_path, capsys):
    path = workflow(tmp_path, "nest", producer(
        'print("[" * 100000 + "]" * 100000)\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withParam: "<<steps.gen.outputs.result>>"\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "nested 100000 levels deep, more than the limit of 200 "
                                "(PLAIT_MAX_JSON_DEPTH)")
    resume_does_not_crash(capsys, "nest")


def test_with_param_deeper_than_a_raised_cap_still_parses(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PLAIT_MAX_JSON_DEPTH", "400")
    path = workflow(tmp_path, "deep", producer(
        'print("[" + "[" * 300 + "]" * 300 + "]")\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withParam: "<<steps.gen.outputs.result>>"\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 0 and doc["status"]["phase"] == "Succeeded"


def test_with_param_larger_than_the_loop_cap_fails_the_consumer(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PLAIT_MAX_LOOP_ITEMS", "50")
    path = workflow(tmp_path, "wide", producer(
        'import json; print(json.dumps(list(range(51))))\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withParam: "<<steps.gen.outputs.result>>"\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "withParam has 51 items, more than the limit of 50 "
                                "(PLAIT_MAX_LOOP_ITEMS)")
    assert not any("(" in n for n in nodes_by_name(doc))      # no iteration was created


@pytest.mark.parametrize("loop", [
    'withParam: "<<steps.gen.outputs.result>>"\n',
    'withParam: "<<=fromJSON(steps.gen.outputs.result)>>"\n',
], ids=["withParam", "fromJSON"])
def test_json_larger_than_the_size_cap_fails_the_consumer(tmp_path, capsys, monkeypatch, loop):
    monkeypatch.setenv("PLAIT_MAX_JSON_BYTES", "1000")
    path = workflow(tmp_path, "big", producer(
        'import json; print(json.dumps(["x" * 100] * 20))\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n' + loop))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "characters, more than the limit of 1000 (PLAIT_MAX_JSON_BYTES)")
    assert not any("(" in n for n in nodes_by_name(doc))      # no iteration was created
    resume_does_not_crash(capsys, "big")


def test_nul_byte_in_a_parameter_fails_the_consumer(tmp_path, capsys):
    path = workflow(tmp_path, "nul", producer(
        'import sys; sys.stdout.write("a\\0b")\n',
        'arguments: {parameters: [{name: x, value: "<<steps.gen.outputs.result>>"}]}\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "holds a NUL byte")
    resume_does_not_crash(capsys, "nul")


def test_sequence_count_of_a_billion_from_an_output_fails_the_consumer(tmp_path, capsys):
    path = workflow(tmp_path, "seq", producer(
        'print(1000000000)\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withSequence: {count: "<<steps.gen.outputs.result>>"}\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "withSequence has 1000000000 items, more than the limit of "
                                "10000 (PLAIT_MAX_LOOP_ITEMS)")
    resume_does_not_crash(capsys, "seq")


def test_sequence_with_a_huge_width_from_an_output_fails_the_consumer(tmp_path, capsys):
    path = workflow(tmp_path, "fmt", producer(
        'print("%999999999d")\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withSequence: {count: "2", format: "<<steps.gen.outputs.result>>"}\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "wider than 999 characters")


DOUBLING = """\
entrypoint: main
arguments: {parameters: [{name: n, value: "40"}]}
templates:
- name: main
  inputs: {parameters: [{name: n}]}
  steps:
  - - name: a
      template: main
      when: "<<inputs.parameters.n>> > 0"
      arguments: {parameters: [{name: n, value: "<<=asInt(inputs.parameters.n) - 1>>"}]}
    - name: b
      template: main
      when: "<<inputs.parameters.n>> > 0"
      arguments: {parameters: [{name: n, value: "<<=asInt(inputs.parameters.n) - 1>>"}]}
"""


def test_doubling_recursion_stops_at_the_node_cap(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PLAIT_MAX_NODES", "300")
    path = workflow(tmp_path, "dbl", DOUBLING)
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    status = doc["status"]
    assert status["phase"] == "Failed"
    assert status["message"] == ("workflow has more than 300 nodes, the limit (PLAIT_MAX_NODES); "
                                 "stopped as by terminate")
    assert len(status["nodes"]) < 2 * 300     # nodes already in flight finish Failed
    resume_does_not_crash(capsys, "dbl")


def test_detached_runner_survives_hostile_with_param(tmp_path, capsys):
    path = workflow(tmp_path, "nested", producer(
        'print("{\\"a\\":" * 50000 + "1" + "}" * 50000)\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withParam: "<<=fromJSON(steps.gen.outputs.result)>>"\n'))
    code = main(["submit", path, "--wait"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "runner lost" not in out + err
    assert code == 1
    assert "Status:              Error" in out or "Status:              Failed" in out
    log = (tmp_path / "home" / "runners" / "nested.log")
    assert not log.exists() or "Traceback" not in log.read_text()


# --- regular expressions: RE2, linear time (issue 8 #8) ------------------------------------

REGEX = """\
entrypoint: main
activeDeadlineSeconds: {deadline}
templates:
- name: main
  steps:
  - - name: gen
      template: gen
  - - name: match
      template: echo
      when: "'<<steps.gen.outputs.result>>' =~ '^(a+)+$'"
    - name: expr
      template: echo
      when: "<<=steps.gen.outputs.result matches '^(a|aa)+$'>>"
  - - name: slow
      template: sleep
      when: "{slow}"
- name: gen
  script:
    image: python
    command: [python3]
    source: print("a" * 30000 + "!")
- name: echo
  container: {{image: busybox, command: [echo, matched]}}
- name: sleep
  container: {{image: busybox, command: [sleep, "60"]}}
"""


def _run_bounded(tmp_path: Path, path: str) -> dict:
    """`plait run` in a child process, with a generous bound: a backtracking engine would
    never come back (30,000 characters against `^(a+)+$`)."""
    proc = plait_process(tmp_path / "home", "run", path, "-o", "json", timeout=180)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def test_catastrophic_pattern_on_pod_output_returns(tmp_path):
    path = workflow(tmp_path, "redos", REGEX.format(deadline=120, slow="false"))
    doc = _run_bounded(tmp_path, path)
    n = nodes_by_name(doc)
    assert n["match"]["phase"] == "Skipped" and n["expr"]["phase"] == "Skipped"
    assert doc["status"]["phase"] == "Succeeded"


def test_deadline_still_fires_after_a_catastrophic_pattern(tmp_path):
    path = workflow(tmp_path, "redos-deadline", REGEX.format(deadline=3, slow="true"))
    doc = _run_bounded(tmp_path, path)
    assert doc["status"]["phase"] == "Failed"
    assert doc["status"]["message"] == "Step exceeded its deadline"
    assert nodes_by_name(doc)["match"]["phase"] == "Skipped"


# --- expression tags that fail (issue 8 #13) -----------------------------------------------

@pytest.mark.parametrize("expr, words", [
    ("9**9**9", "bad power"),
    ("sprig.env('HOME')", "unsupported sprig function 'env'"),
    ("sprig.mul(99999999999, 99999999999, 99999999999)", "integer overflow"),
])
def test_failing_expression_tag_fails_the_node(tmp_path, capsys, expr, words):
    path = workflow(tmp_path, "expr", f"""\
entrypoint: main
templates:
- name: main
  container: {{image: busybox, command: [echo, "<<={expr}>>"]}}
""")
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    node = nodes_by_name(doc)["expr"]
    assert node["phase"] == "Error"
    assert node["message"].startswith("failed to evaluate expression: ")
    assert words in node["message"]
    assert "outputs" not in node or not node["outputs"].get("result")


def test_failing_expression_in_step_arguments_fails_the_step(tmp_path, capsys):
    path = workflow(tmp_path, "arg", """\
entrypoint: main
templates:
- name: main
  steps:
  - - name: use
      template: echo
      arguments: {parameters: [{name: x, value: "<<=sprig.env('HOME')>>"}]}
- name: echo
  inputs: {parameters: [{name: x}]}
  container: {image: busybox, command: [echo, "<<inputs.parameters.x>>"]}
""")
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "failed to evaluate expression: unsupported sprig function 'env'")


@pytest.mark.parametrize("loop", [
    "withParam: \"<<=sprig.env('HOME')>>\"",
    "withSequence: {count: \"<<=9**9**9>>\"}",
    "withSequence: {count: \"2\", format: \"<<=sprig.env('HOME')>>\"}",
], ids=["withParam", "withSequence.count", "withSequence.format"])
def test_failing_expression_in_a_loop_fails_the_step_with_its_error(tmp_path, capsys, loop):
    """The loop's own text is not used as data when its expression fails: the step fails with
    the evaluation error, as Argo's does."""
    path = workflow(tmp_path, "loop", looped(loop))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "failed to evaluate expression: ")
    assert not any("(" in n for n in nodes_by_name(doc))


# --- JSON that Python's parser accepts and Go's (Argo's) does not ------------------------------

@pytest.mark.parametrize("items", ["[1e400]", "[NaN]", "[-Infinity]"])
def test_with_param_of_non_finite_numbers_fails_the_consumer(tmp_path, capsys, items):
    """Python's json hands back inf/nan, which the loop node's name (Go's %v of the item)
    could not print: the engine crashed with exit 3. Go's parser refuses them."""
    path = workflow(tmp_path, "nonfinite", producer(
        f"print({items!r})\n",
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withParam: "<<steps.gen.outputs.result>>"\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, f"withParam value could not be parsed as a JSON list: {items}")


def test_with_param_literal_of_non_finite_numbers_fails_the_step(tmp_path, capsys):
    """The same JSON known before the run (a literal withParam) crashed the compiler."""
    path = workflow(tmp_path, "literal", looped("withParam: '[1e400]'"))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "withParam value could not be parsed as a JSON list: [1e400]")


def test_with_param_item_with_a_lone_surrogate_escape_runs_as_u_fffd(tmp_path, capsys):
    """`"\\ud800"` decodes (as in Go) to U+FFFD: a lone surrogate could not be encoded as
    UTF-8 for the node's id and crashed the engine."""
    path = workflow(tmp_path, "surrogate", producer(
        'print(\'["a\\\\ud800", {"k\\\\udc00": 1}]\')\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withParam: "<<steps.gen.outputs.result>>"\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 0, doc["status"].get("message")
    names = nodes_by_name(doc)
    assert "use(0:a\ufffd)" in names and "use(1:k\ufffd:1)" in names, sorted(names)


@pytest.mark.parametrize("value", ["1e400", "NaN"])
def test_active_deadline_of_a_non_finite_number_from_a_tag_is_no_limit(tmp_path, capsys, value):
    """A deadline tag rendering to a float beyond range crashed the engine (exit 3); like
    text that is no number, it sets no limit."""
    path = workflow(tmp_path, "deadline", f"""\
entrypoint: main
arguments: {{parameters: [{{name: d, value: "{value}"}}]}}
templates:
- name: main
  activeDeadlineSeconds: "<<workflow.parameters.d>>"
  container: {{image: busybox, command: [echo, hi]}}
""")
    code, doc, _ = run_json(capsys, path)
    assert code == 0, doc["status"].get("message")
    assert doc["status"]["phase"] == "Succeeded"


@pytest.mark.parametrize("sequence", [
    '{count: "99999999999999999999"}',
    '{start: "-9223372036854775807", end: "9223372036854775807"}',
    '{count: "<<steps.gen.outputs.result>>"}',
], ids=["literal-count", "literal-bounds", "count-from-output"])
def test_sequence_longer_than_a_machine_word_fails_the_consumer(tmp_path, capsys, sequence):
    """More items than sys.maxsize: len() of the range raised OverflowError, which crashed
    the compiler (literal bounds) with exit 3 instead of failing the step at the loop cap."""
    path = workflow(tmp_path, "seq", producer(
        'print(99999999999999999999)\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        f'withSequence: {sequence}\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    assert_consumer_failed(doc, "more than the limit of 10000 (PLAIT_MAX_LOOP_ITEMS)")


@pytest.mark.parametrize("patch, words", [
    ('{"containers": "x"}', "containers: 'x' is not of type 'array'"),
    ('{"containers": [{"name": "main", "workingDir": 7}]}',
     "containers.0.workingDir: 7 is not of type 'string'"),
    ('{"activeDeadlineSeconds": "x"}', "activeDeadlineSeconds: 'x' is not of type 'integer'"),
], ids=["containers-text", "workingDir-number", "deadline-text"])
def test_pod_spec_patch_of_the_wrong_types_errors_the_node(tmp_path, capsys, patch, words):
    """A podSpecPatch (here from a parameter) whose result is no PodSpec crashed the local
    backend (exit 3) or, for the deadline, left the run hanging."""
    path = workflow(tmp_path, "patched", f"""\
entrypoint: main
arguments: {{parameters: [{{name: p, value: {json.dumps(patch)}}}]}}
templates:
- name: main
  podSpecPatch: "<<workflow.parameters.p>>"
  container: {{image: busybox, command: [echo, hi]}}
""")
    code, doc, _ = run_json(capsys, path)
    assert code == 1
    node = nodes_by_name(doc)["patched"]
    assert node["phase"] == "Error"
    assert node["message"] == f"podSpecPatch makes an invalid pod: {words}"


@pytest.mark.parametrize("start", ["1114112", "-5", "55296"], ids=["beyond-unicode", "negative",
                                                                    "surrogate"])
def test_sequence_formatted_with_c_beyond_unicode_runs_as_u_fffd(tmp_path, capsys, start):
    """`%c` of no Unicode scalar value is U+FFFD, as Go's Sprintf prints it: Python raised
    OverflowError (exit 3) or made a lone surrogate that the store could not encode."""
    path = workflow(tmp_path, "chars", producer(
        f'print({start})\n',
        'arguments: {parameters: [{name: x, value: "<<item>>"}]}\n'
        'withSequence: {count: "1", start: "<<steps.gen.outputs.result>>", format: "%c"}\n'))
    code, doc, _ = run_json(capsys, path)
    assert code == 0, doc["status"].get("message")
    assert "use(0:\ufffd)" in nodes_by_name(doc)
    path = workflow(tmp_path, "literal",
                    looped(f'withSequence: {{count: "1", start: "{start}", format: "%c"}}'))
    code, doc, _ = run_json(capsys, path)
    assert code == 0, doc["status"].get("message")
    assert "use(0:\ufffd)" in nodes_by_name(doc)


def test_expression_string_with_a_surrogate_escape_is_a_finding(tmp_path, capsys):
    """`"\\ud800"` in an expression made a lone surrogate, which crashed the run at the
    store's insert (exit 3). Go's unquoting (expr-lang's) refuses it as invalid syntax."""
    path = workflow(tmp_path, "escape", """\
entrypoint: main
templates:
- name: main
  container: {image: busybox, command: [echo, '<<="\\ud800">>']}
""")
    code = main(["run", path])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    assert "invalid escape '\\\\ud800' in string [PL112]" in err
