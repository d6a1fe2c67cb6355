"""Testing a Hera workflow with plait's pytest plugin: outputs, order and a skipped step.

`plait_run` runs the workflow locally (each test has its own plait home) and returns a
`plait.Run`; `plait.testing`'s assertions show the run's tree and logs when they fail.
"""

from pipeline import wf

from plait.testing import assert_node, assert_order, assert_skipped, assert_succeeded


def test_pipeline_reports_a_large_total(plait_run):
    run = plait_run(wf)
    assert_succeeded(run)
    assert_node(run, "total", result="60")
    assert_node(run, "report", result="total is 60")
    assert_order(run, "fetch", "total", "report")
    assert_skipped(run, "cheer")
    assert run.display_names() == ["fetch", "total", "report", "cheer"]


def test_pipeline_with_small_numbers_cheers_instead(plait_run):
    run = plait_run(wf, parameters={"numbers": "1,2"})
    assert_node(run, "cheer", result="small but fine")
    assert [n.display_name for n in run.skipped] == ["report"]
