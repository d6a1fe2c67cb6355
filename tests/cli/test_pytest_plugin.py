"""The pytest plugin (plait/pytest_plugin.py), tested with pytester: a passing test, a failing
assertion whose message shows the run's tree and the failing pod's logs, the backend option
and marker, per-test homes, and the README's example run as written."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

FAILING = '''
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: broken-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: prepare, template: ok}
    - - {name: explode, template: boom}
  - name: ok
    container: {image: alpine, command: [sh, -c, "echo ready"]}
  - name: boom
    container: {image: alpine, command: [sh, -c, "echo disk on fire; exit 2"]}
'''

HELLO = '''
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: hello-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: who, value: world}]}
  templates:
  - name: main
    container: {image: alpine, command: [sh, -c, "echo hello {{workflow.parameters.who}}"]}
'''


def _module(body: str) -> str:
    return f"FAILING = {FAILING!r}\nHELLO = {HELLO!r}\n" + textwrap.dedent(body)


def test_a_passing_test(pytester):
    pytester.makepyfile(test_ok=_module('''
        def test_hello(plait_run):
            run = plait_run(HELLO, parameters={"who": "pytest"})
            assert run.phase == "Succeeded"
            assert run.node("main").outputs.result == "hello pytest"
    '''))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_failing_assertion_shows_the_tree_and_the_failing_logs(pytester):
    pytester.makepyfile(test_bad=_module('''
        from plait.testing import assert_succeeded

        def test_broken(plait_run):
            assert_succeeded(plait_run(FAILING))
    '''))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert re.search(r"run broken-\w+ is Failed: .*expected Succeeded", out)
    assert "STEP" in out and "TEMPLATE" in out and "PODNAME" in out
    assert re.search(r"✔ prepare\s+ok", out) and re.search(r"✖ explode\s+boom", out)
    assert "main: Error (exit code 2)" in out
    assert "logs of explode" in out and "| disk on fire" in out
    assert "| ready" not in out                 # only the failed pod's logs


def test_a_plain_assert_gets_the_run_in_its_report(pytester):
    pytester.makepyfile(test_plain=_module('''
        def test_broken(plait_run):
            run = plait_run(FAILING)
            assert run.phase == "Succeeded"
    '''))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert re.search(r"plait run broken-\w+", out)
    assert re.search(r"✖ explode\s+boom", out) and "| disk on fire" in out


def test_node_assertions_name_the_node(pytester):
    pytester.makepyfile(test_node=_module('''
        from plait.testing import assert_node

        def test_result(plait_run):
            assert_node(plait_run(HELLO), "main", result="hello moon")
    '''))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*node 'main' of run hello-* has result 'hello world', "
                                 "expected 'hello moon'*"])


def test_backend_option_and_marker(pytester):
    pytester.makepyfile(test_backend=_module('''
        import pytest
        import plait

        def test_from_the_command_line(plait_run):
            with pytest.raises(plait.PlaitError, match="unknown backend 'nowhere'"):
                plait_run(HELLO)

        @pytest.mark.plait(backend="local")
        def test_marker_wins(plait_run):
            assert plait_run(HELLO).phase == "Succeeded"
    '''))
    result = pytester.runpytest("-p", "no:cacheprovider", "--plait-backend", "nowhere")
    result.assert_outcomes(passed=2)


def test_marker_timeout_terminates_the_run(pytester):
    pytester.makepyfile(test_timeout=_module('''
        import pytest

        SLOW = HELLO.replace("echo hello", "sleep 30; echo")

        @pytest.mark.plait(timeout=1)
        def test_slow(plait_run):
            run = plait_run(SLOW)
            assert run.timed_out and run.phase == "Failed"
            assert "timeout of 1s" in run.message
    '''))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_each_test_has_its_own_home(pytester):
    pytester.makepyfile(test_homes=_module('''
        import os
        from plait.runtime.store import Store

        HOMES = []

        def test_one(plait_run, plait_home):
            run = plait_run(HELLO)
            assert os.environ["PLAIT_HOME"] == str(plait_home)
            assert [r.name for r in Store.at(plait_home).list_workflows()] == [run.name]
            HOMES.append(plait_home)

        def test_two(plait_run, plait_home):
            plait_run(HELLO)
            assert len(Store.at(plait_home).list_workflows()) == 1
            assert plait_home != HOMES[0]
    '''))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def readme_example() -> str:
    """The first Python block of the README's "Testing workflows with pytest" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Testing workflows with pytest", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_works_as_written(pytester):
    pytest.importorskip("hera", reason="the README's example uses Hera (plait[hera])")
    code = readme_example()
    assert "def test_" in code
    pytester.makepyfile(test_coin=code)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_testing_sample_passes(pytester):
    pytest.importorskip("hera", reason="samples/testing uses Hera (plait[hera])")
    for path in (ROOT / "samples" / "testing").glob("*.py"):
        pytester.makepyfile(**{path.stem: path.read_text(encoding="utf-8")})
    # a subprocess: the suite itself collects samples/testing (testpaths), so this process
    # already holds modules named test_pipeline and pipeline
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
