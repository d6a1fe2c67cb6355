"""Check plait's speed budgets (DESIGN.md "Budgets"); prints measurements next to their budgets.

    python bench/check_speed.py

(a) `plait check samples/hello.yaml` as a fresh process: median of 7 runs, budget 0.3 s.
(b) `plait check ../shared/argo/examples` as one fresh process: budget a few seconds.
(c) a generated 1,000-task DAG: in-process `compiler.check_file(path)` against ruamel's C
    composer alone (`YAML(typ="safe", pure=False).compose(text)`): budget 2x.
Anything that cannot run yet is reported as 'not available'; the script itself always exits 0.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT.parent / "shared" / "argo" / "examples"
HELLO = ROOT / "samples" / "hello.yaml"

BUDGET_HELLO = 0.3       # seconds, fresh process
BUDGET_EXAMPLES = 5.0    # "a few seconds", fresh process
BUDGET_RATIO = 2.0       # check_file / C composer

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def plait_command() -> list[str]:
    """The console script if installed, else `python -m plait`."""
    exe = shutil.which("plait")
    return [exe] if exe else [sys.executable, "-m", "plait"]


def run_plait(args: list[str]) -> tuple[float, int, str]:
    """Wall time, exit code and stderr tail of one fresh `plait` process."""
    start = time.perf_counter()
    proc = subprocess.run(plait_command() + args, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return elapsed, proc.returncode, proc.stderr.strip().splitlines()[-1:][0] if proc.stderr.strip() else ""


def usable(rc: int) -> bool:
    """Exit codes of a working checker: 0 clean, 1 problems found (2 usage and 3 internal are not)."""
    return rc in (0, 1)


def line(label: str, value: str, budget: str, ok: bool | None) -> None:
    """Print one result row."""
    mark = "" if ok is None else ("  ok" if ok else "  OVER BUDGET")
    print(f"{label:<46} {value:>14}   budget {budget}{mark}")


def median_time(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of `runs` calls of fn."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_hello(runs: int) -> None:
    """(a) fresh-process check of the smallest sample."""
    label = f"(a) plait check samples/hello.yaml (median of {runs})"
    times = []
    for _ in range(runs):
        elapsed, rc, err = run_plait(["check", str(HELLO)])
        if not usable(rc):
            line(label, "not available", f"{BUDGET_HELLO:.1f} s", None)
            print(f"    exit {rc}: {err}")
            return
        times.append(elapsed)
    med = statistics.median(times)
    line(label, f"{med:.3f} s", f"{BUDGET_HELLO:.1f} s", med <= BUDGET_HELLO)


def bench_examples() -> None:
    """(b) fresh-process check of all of Argo's examples."""
    label = "(b) plait check ../shared/argo/examples"
    if not EXAMPLES.is_dir():
        line(label, "not available", f"{BUDGET_EXAMPLES:.0f} s", None)
        print(f"    {EXAMPLES} not found")
        return
    elapsed, rc, err = run_plait(["check", str(EXAMPLES)])
    if not usable(rc):
        line(label, "not available", f"{BUDGET_EXAMPLES:.0f} s", None)
        print(f"    exit {rc}: {err}")
        return
    line(label, f"{elapsed:.3f} s", f"{BUDGET_EXAMPLES:.0f} s", elapsed <= BUDGET_EXAMPLES)


def bench_big_dag(n_tasks: int, runs: int) -> None:
    """(c) in-process check_file of a generated DAG against the C composer alone."""
    from gen_dag import generate

    text = generate(n_tasks)
    label_c = f"(c) C composer, {n_tasks}-task DAG ({len(text) // 1024} KiB)"
    label_p = f"    compiler.check_file, same file (median of {runs})"
    try:
        from ruamel.yaml import YAML

        composer = YAML(typ="safe", pure=False)
        composer.compose(text)
        t_compose = median_time(lambda: YAML(typ="safe", pure=False).compose(text), runs)
    except Exception as exc:  # a missing C extension must not stop the other rows
        line(label_c, "not available", "-", None)
        print(f"    {type(exc).__name__}: {exc}")
        return
    line(label_c, f"{t_compose:.3f} s", "-", None)

    try:
        from plait.compiler import check_file
    except ImportError as exc:
        line(label_p, "not available", f"{BUDGET_RATIO:.0f}x", None)
        print(f"    {exc}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"dag-{n_tasks}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            check_file(str(HELLO))  # warm-up: imports, grammar tables
            messages = check_file(str(path))
            t_check = median_time(lambda: check_file(str(path)), runs)
        except Exception as exc:  # report, don't crash: the API may still be in progress
            line(label_p, "not available", f"{BUDGET_RATIO:.0f}x", None)
            print(f"    {type(exc).__name__}: {exc}")
            return
    line(label_p, f"{t_check:.3f} s", "-", None)
    ratio = t_check / t_compose if t_compose > 0 else float("inf")
    line("    ratio check_file / composer", f"{ratio:.2f}x", f"{BUDGET_RATIO:.0f}x", ratio <= BUDGET_RATIO)
    print(f"    check_file reported {len(messages)} message(s)")


def main(argv: list[str] | None = None) -> int:
    """Run all three measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh runs for (a) (default 7)")
    parser.add_argument("--tasks", type=int, default=1000, help="tasks in the generated DAG (default 1000)")
    parser.add_argument("--dag-runs", type=int, default=3, help="timed runs for (c) (default 3)")
    args = parser.parse_args(argv)
    print(f"plait command: {' '.join(plait_command())}")
    bench_hello(args.runs)
    bench_examples()
    bench_big_dag(args.tasks, args.dag_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
