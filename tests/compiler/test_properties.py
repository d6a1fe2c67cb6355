"""Property tests: whatever the input, the loader, grammar and checks return diagnostics,
never an exception, and every reported position lies inside its file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plait.compiler.check import check_paths

from ..conftest import EXAMPLES, ROOT

SEEDS = sorted(EXAMPLES.glob("*.yaml"))[:60] if EXAMPLES.is_dir() else []
SEEDS += sorted((ROOT / "samples").glob("*.yaml"))
HEADER = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n"


def check_text(tmp: Path, text: str):
    path = tmp / "case.yaml"
    path.write_text(text, encoding="utf-8")
    report = check_paths([str(path)])
    lines = text.split("\n")
    for d in report.diagnostics:
        assert 1 <= d.line <= len(lines) + 1, d
        assert d.column >= 1 and d.end_line >= d.line, d
    return report


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_arbitrary_text(tmp_path, text):
    check_text(tmp_path, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("abc-_.:{}[]<>='\"\n #|&!()0123456789 ")), max_size=300))
def test_workflow_shaped_text(tmp_path, body):
    check_text(tmp_path, HEADER + "metadata: {name: x}\nspec:\n  " + body)


@st.composite
def mutated_example(draw):
    seed = draw(st.sampled_from(SEEDS))
    lines = seed.read_text(encoding="utf-8").split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "char", "indent", "swap", "tag"]))
        if op == "drop" and len(lines) > 1:
            lines.pop(i)
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "char" and lines[i]:
            j = draw(st.integers(0, len(lines[i]) - 1))
            c = draw(st.sampled_from(list("x-{}[]:'\"<>=. \t")))
            lines[i] = lines[i][:j] + c + lines[i][j + 1:]
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "tag":
            lines[i] += draw(st.sampled_from([" {{", " <<x>>", " {{steps.a.outputs.result}}",
                                              " {{= 1 +", " {{item.k}}", " {{tasks.b.ip}}"]))
    return "\n".join(lines)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated_example())
def test_mutated_examples(tmp_path, text):
    check_text(tmp_path, text)
