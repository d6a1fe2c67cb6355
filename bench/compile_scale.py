"""How `plait compile` scales: generated DAGs of 1,000, 10,000 and 50,000 tasks.

    python bench/compile_scale.py [--sizes 1000 10000 50000] [--repeat 1]

For each size (bench/gen_dag.py's layered fan-out/fan-in DAG, written to a temp file):
- the time of ruamel's C composer alone (`YAML(typ="safe", pure=False).compose(text)`);
- the wall time of `compiler.compile.compile_file(path, name="bench")` in this process,
  after one warm-up compile of a small file (imports, grammar and schema caches);
- their ratio, and the peak memory of a compile run alone in a fresh process
  (`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`, which includes the interpreter);
then the 50k/10k time ratio. Budgets (DESIGN.md): 10k within 2x of the composer, under
300 MB, cost linear (50k/10k about 5). The script measures only; it always exits 0.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_dag import generate  # noqa: E402

BUDGET_RATIO = 2.0       # compile / C composer, at 10k tasks
BUDGET_MB = 300          # peak RSS of one compile, at 10k tasks
LINEAR = 5.0             # 50k / 10k time for a linear cost

# run in a fresh process: compile one file, print nothing (the parent reads ru_maxrss)
CHILD = """\
import sys
sys.path.insert(0, {root!r})
from plait.compiler.compile import compile_file
plan, diags = compile_file({path!r}, name="bench")
sys.exit(0 if plan is not None else 1)
"""


def compose_time(text: str) -> float:
    """Seconds for ruamel's C composer to build the node tree of `text`."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=False)
    gc.collect()
    start = time.perf_counter()
    yaml.compose(text)
    return time.perf_counter() - start


def compile_time(path: str) -> tuple[float, bool]:
    """Seconds for one in-process compile, and whether it gave a plan."""
    from plait.compiler.compile import compile_file

    gc.collect()
    start = time.perf_counter()
    plan, _ = compile_file(path, name="bench")
    return time.perf_counter() - start, plan is not None


def child_peak_mb(path: str) -> tuple[float | None, int]:
    """Peak RSS (MB) of a fresh process that compiles `path` alone, and its exit code."""
    # RUSAGE_CHILDREN's ru_maxrss is the largest of all children so far, so each compile
    # runs under a wrapper process of its own and the wrapper reports the number.
    wrapper = ("import resource, subprocess, sys\n"
               "rc = subprocess.run([sys.executable, '-c', sys.argv[1]]).returncode\n"
               "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
               "print(kb, rc)\n")
    proc = subprocess.run([sys.executable, "-c", wrapper, CHILD.format(root=str(ROOT), path=path)],
                          capture_output=True, text=True)
    try:
        kb, rc = proc.stdout.split()
    except ValueError:
        return None, proc.returncode
    per_mb = 1024 * 1024 if sys.platform == "darwin" else 1024   # bytes on macOS, KiB on Linux
    return int(kb) / per_mb, int(rc)


def row(label: str, value: str, budget: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  ok" if ok else "  OVER BUDGET")
    print(f"  {label:<28} {value:>12}   {budget}{mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--width", type=int, default=20, help="tasks per layer (default 20)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N compiles (default 1)")
    parser.add_argument("--no-memory", action="store_true", help="skip the fresh-process memory runs")
    args = parser.parse_args(argv)

    times: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="plait-bench-") as tmp:
        warm = os.path.join(tmp, "warm.yaml")
        Path(warm).write_text(generate(50, width=args.width), encoding="utf-8")
        compile_time(warm)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; "
              f"DAG layers of {args.width}, fan-in 3")
        for n in args.sizes:
            text = generate(n, width=args.width)
            path = os.path.join(tmp, f"dag-{n}.yaml")
            Path(path).write_text(text, encoding="utf-8")
            composed = min(compose_time(text) for _ in range(args.repeat))
            runs = [compile_time(path) for _ in range(args.repeat)]
            compiled = min(t for t, _ in runs)
            planned = all(ok for _, ok in runs)
            times[n] = compiled
            ratio = compiled / composed
            print(f"{n:,} tasks ({len(text) / 1e6:.1f} MB of YAML)"
                  + ("" if planned else "  [compile reported errors: no plan]"))
            row("C composer", f"{composed:.2f} s")
            row("compile_file", f"{compiled:.2f} s")
            at_10k = n == 10000
            row("compile / composer", f"{ratio:.2f}x",
                f"budget {BUDGET_RATIO:.0f}x" if at_10k else "", ratio <= BUDGET_RATIO if at_10k else None)
            if not args.no_memory:
                mb, rc = child_peak_mb(path)
                value = "n/a" if mb is None else f"{mb:.0f} MB"
                row("peak RSS (fresh process)", value + ("" if rc == 0 else f" rc={rc}"),
                    f"budget {BUDGET_MB} MB" if at_10k else "",
                    (mb is not None and mb < BUDGET_MB) if at_10k else None)
            sys.stdout.flush()
    if 10000 in times and 50000 in times:
        growth = times[50000] / times[10000]
        print("scaling")
        row("50k / 10k compile time", f"{growth:.2f}", f"linear ≈ {LINEAR:.0f}",
            growth <= LINEAR * 1.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
