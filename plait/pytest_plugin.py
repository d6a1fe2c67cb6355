"""plait's pytest plugin (entry point `pytest11`, so installing plait is enough).

- `plait_run` fixture: `plait_run(workflow, **options) -> Run`, `plait.run` with this test's
  own plait home (a fresh folder, also set as `PLAIT_HOME` for the test, so `plait get` in a
  subprocess sees the same runs) and the backend and timeout chosen below.
- `plait_home` fixture: that folder.
- `@pytest.mark.plait(backend="local", timeout=60)`: options for every `plait_run` call of
  the test (a keyword given to `plait_run` itself wins).
- `--plait-backend NAME` on the command line: the backend of tests whose marker names none
  (default `local`); `--plait-timeout SECONDS` likewise (default `DEFAULT_TIMEOUT`).
- When a test that made runs fails, its report gets a "plait" section per run that did not
  succeed: `plait get`'s tree and the failed pods' logs (`plait.testing.describe`).

Assertion helpers with the same messages: `plait.testing` (`assert_succeeded`, `assert_node`,
`assert_order`, `assert_skipped`, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

import plait

DEFAULT_BACKEND = "local"
DEFAULT_TIMEOUT = 300.0         # seconds a run may take under plait_run before it is terminated
_RUNS = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("plait", "plait: run Argo workflows in tests")
    group.addoption("--plait-backend", default=None, metavar="NAME",
                    help=f"backend of plait_run when the test's marker names none "
                         f"(default: {DEFAULT_BACKEND})")
    group.addoption("--plait-timeout", default=None, type=float, metavar="SECONDS",
                    help=f"timeout of each plait_run run (default: {DEFAULT_TIMEOUT:g})")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "plait(backend=None, timeout=None): options of plait_run in this test")


@pytest.fixture
def plait_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own plait home (store, logs, artifacts), also set as `PLAIT_HOME`."""
    home = tmp_path / "plait-home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("PLAIT_HOME", str(home))
    return home


def run_options(item: pytest.Item) -> dict[str, Any]:
    """backend and timeout for a test: its `plait` marker, else the command line, else the
    defaults."""
    config = item.config
    options: dict[str, Any] = {
        "backend": config.getoption("--plait-backend") or DEFAULT_BACKEND,
        "timeout": config.getoption("--plait-timeout") or DEFAULT_TIMEOUT,
    }
    marker = item.get_closest_marker("plait")
    if marker is not None:
        unknown = set(marker.kwargs) - {"backend", "timeout"}
        if unknown or marker.args:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.plait takes backend= and "
                                    f"timeout= only (got {sorted(unknown) or marker.args})")
        options.update({k: v for k, v in marker.kwargs.items() if v is not None})
    return options


@pytest.fixture
def plait_run(request: pytest.FixtureRequest, plait_home: Path) -> Callable[..., Any]:
    """`plait_run(workflow, **options) -> plait.Run` (see `plait.run` for the options)."""
    defaults = run_options(request.node)
    runs = request.node.stash.setdefault(_RUNS, [])

    def run(workflow: Any, **options: Any) -> Any:
        __tracebackhide__ = True
        merged = {**defaults, "home": plait_home, **options}
        done = plait.run(workflow, **merged)
        runs.append(done)
        return done

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    report = outcome.get_result()
    runs = item.stash.get(_RUNS, None)
    if not runs or not report.failed or call.when != "call":
        return
    from plait.testing import describe

    for run in runs:
        if run.phase != "Succeeded" or len(runs) == 1:
            report.sections.append((f"plait run {run.name}", describe(run)))
