"""Assertions for tests of workflows, with failure messages that show the run.

    from plait.testing import assert_succeeded, assert_order, assert_skipped

    def test_pipeline(plait_run):
        run = plait_run("pipeline.py:wf")
        assert_succeeded(run)
        assert_order(run, "fetch", "train", "report")
        assert_skipped(run, "publish")

Every failure message holds `describe(run)`: the run's `plait get` view (header and tree)
followed by the logs of its failed pods, so a red test says why without a rerun. The pytest
plugin (`plait.pytest_plugin`) adds the same text to the report of any failing test that used
`plait_run`, whatever assertion failed.
"""

from __future__ import annotations

from typing import Any, Iterable, NoReturn

from plait.runtime.api import Run, RunNode

from .views import WorkflowInfo, render_get

LOG_LINES = 40          # the last lines of each failed pod's log in a failure message

__all__ = ["LOG_LINES", "assert_failed", "assert_node", "assert_order", "assert_phase",
           "assert_skipped", "assert_succeeded", "describe"]


def describe(run: Run, nodes: Iterable[RunNode] | None = None) -> str:
    """`plait get`'s view of the run, then the last `LOG_LINES` log lines of `nodes` (default:
    its failed pods)."""
    text = render_get(WorkflowInfo.of(run.name, run.result), run.raw_nodes())
    shown = [n for n in (run.failed if nodes is None else nodes) if n.pod_name]
    for node in shown:
        lines = node.logs().splitlines()
        cut = lines[-LOG_LINES:]
        more = f" (last {LOG_LINES} of {len(lines)} lines)" if len(lines) > len(cut) else ""
        body = "\n".join(f"  | {line}" for line in cut) if cut else "  (no output)"
        text += f"\nlogs of {node.display_name} ({node.pod_name}){more}:\n{body}\n"
    return text


def _fail(summary: str, run: Run, nodes: Iterable[RunNode] | None = None) -> NoReturn:
    __tracebackhide__ = True
    raise AssertionError(f"{summary}\n\n{describe(run, nodes)}")


def assert_phase(run: Run, phase: str) -> None:
    """The run ended in `phase` (`Succeeded`, `Failed`, `Error`)."""
    __tracebackhide__ = True
    if run.phase != phase:
        message = f": {run.message}" if run.message else ""
        _fail(f"run {run.name} is {run.phase}{message}, expected {phase}", run)


def assert_succeeded(run: Run) -> None:
    """The run Succeeded."""
    __tracebackhide__ = True
    assert_phase(run, "Succeeded")


def assert_failed(run: Run, message: str | None = None) -> None:
    """The run Failed (or ended in Error), with `message` in its message when given."""
    __tracebackhide__ = True
    if run.phase not in ("Failed", "Error"):
        _fail(f"run {run.name} is {run.phase}, expected Failed or Error", run)
    if message is not None and message not in run.message:
        _fail(f"run {run.name}'s message {run.message!r} does not contain {message!r}", run)


def _node(run: Run, name: str) -> RunNode:
    __tracebackhide__ = True
    try:
        return run.node(name)
    except KeyError as exc:
        _fail(str(exc.args[0]), run)
        raise           # unreachable: _fail raises


def assert_node(run: Run, name: str, phase: str | None = "Succeeded", *,
                result: Any = None, parameters: dict[str, Any] | None = None,
                message: str | None = None) -> RunNode:
    """Node `name` (anything `Run.node` takes) ended in `phase`, with `result`, these output
    `parameters` and `message` (a part of it) when given; returns the node."""
    __tracebackhide__ = True
    node = _node(run, name)
    problems = []
    if phase is not None and node.phase != phase:
        problems.append(f"is {node.phase}" + (f" ({node.message})" if node.message else "")
                        + f", expected {phase}")
    if result is not None and node.outputs.result != str(result):
        problems.append(f"has result {node.outputs.result!r}, expected {str(result)!r}")
    for key, value in (parameters or {}).items():
        got = node.outputs.parameters.get(key)
        if got != str(value):
            problems.append(f"has output parameter {key}={got!r}, expected {str(value)!r}")
    if message is not None and message not in node.message:
        problems.append(f"has message {node.message!r}, expected it to contain {message!r}")
    if problems:
        _fail(f"node {name!r} of run {run.name} " + "; ".join(problems), run, [node])
    return node


def assert_skipped(run: Run, *names: str) -> None:
    """Each named node was Skipped (its `when` was false) or Omitted (a DAG's `depends`)."""
    __tracebackhide__ = True
    for name in names:
        node = _node(run, name)
        if node.phase not in ("Skipped", "Omitted"):
            _fail(f"node {name!r} of run {run.name} is {node.phase}, expected Skipped", run)


def assert_order(run: Run, *names: str) -> None:
    """The named nodes started in this order, each after the previous one had finished."""
    __tracebackhide__ = True
    nodes = [_node(run, name) for name in names]
    for before, after in zip(nodes, nodes[1:]):
        if before.started_at is None or after.started_at is None:
            _fail(f"{before.display_name!r} and {after.display_name!r} did not both start", run)
        ended = before.finished_at
        if ended is None or after.started_at < ended:
            _fail(f"{after.display_name!r} started before {before.display_name!r} had finished",
                  run)
