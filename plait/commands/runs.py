"""The stored runs: `plait list`, `get`, `watch` and `logs`, and what the verbs that start or
control a run share (the store, `@latest`, waiting for the end, the final `get` view).

The runner itself is `runtime/runner.py`, the run helpers `runtime/runs.py`."""

from __future__ import annotations

import argparse
import sys
import time

from plait.compiler.names import suggest
from plait.runtime.home import ensure_home
from plait.runtime.runs import is_active, parse_age, runner_lost, status_text
from plait.runtime.status import workflow_json
from plait.runtime.store import Store
from plait.runtime.storeapi import WorkflowRow
from plait.runtime.types import Phase

from ..formats import ListEntry, document_text, host_name, list_table, run_labels
from ..selector import matches, parse_selector
from ..views import ProgressLines, WorkflowInfo, progress, render_get
from . import base
from .base import EXIT_FINDINGS, EXIT_OK, NoRun, UsageError, runs_verb
from .logs import LogOptions, show_logs


def open_store() -> Store:
    """The run store under the plait home (created on first use)."""
    return Store.at(ensure_home())


def resolve_run(store: Store, name: str) -> str | None:
    """A run's name; `@latest` is the most recently started one."""
    if name != "@latest":
        return name if store.workflow(name) is not None else None
    rows = store.list_workflows()
    if not rows:
        return None

    def started(row: WorkflowRow) -> float:
        return float(row.started_at or row.created_at or 0)

    return max(rows, key=started).name


def run_name(store: Store, name: str) -> str:
    """A stored run's name (`@latest` resolved); `NoRun` when there is none."""
    found = resolve_run(store, name)
    if found is None:
        raise NoRun(no_run_text(store, name))
    return found


def no_run_text(store: Store, name: str) -> str:
    """Why NAME names no run, with the stored name closest to a misspelt one."""
    if name == "@latest":
        return "no runs yet"
    close = suggest(name, [row.name for row in store.list_workflows()])
    return f"no run named {name!r}" + (f"; did you mean {close!r}?" if close else "")


def get_text(store: Store, name: str, row: WorkflowRow, now: float, output: str = "tree") -> str:
    """The `plait get` view of a run: Argo's header and tree (`output` `wide` or `short`: as
    `argo get -o wide|short`)."""
    nodes = store.nodes(name)
    info = WorkflowInfo.of(name, row)
    info.phase = status_text(row, nodes, now)
    style = output if output in ("wide", "short") else ""
    return render_get(info, nodes, now, style, host_name() if style else "")


def exit_of(row: WorkflowRow | None) -> int:
    """0 for a Succeeded run, 1 otherwise."""
    return EXIT_OK if row is not None and row.phase is Phase.SUCCEEDED else EXIT_FINDINGS


def wait(store: Store, name: str) -> WorkflowRow | None:
    """Block until the run ends (or its runner is lost); its final row."""
    while True:
        row = store.workflow(name)
        if row is None or not is_active(row):
            return row
        if runner_lost(row):
            print(f"plait: the runner of {name} was lost; `plait resume {name}` continues it",
                  file=sys.stderr)
            return row
        time.sleep(base.WAIT_POLL)


def wait_and_get(store: Store, name: str) -> int:
    """`--wait`: block until the run ends, then print its `get` view."""
    row = wait(store, name)
    if row is None:
        print(f"plait: error: run {name} was deleted", file=sys.stderr)
        return EXIT_FINDINGS
    sys.stdout.write(get_text(store, name, row, base.now()))
    return exit_of(row)


def after_start(store: Store, name: str, watch_it: bool, wait_it: bool) -> int:
    """What a verb that started a runner does next: `--watch`, `--wait` or nothing."""
    if watch_it:
        return watch(store, name)
    if wait_it:
        return wait_and_get(store, name)
    return EXIT_OK


def watch(store: Store, name: str) -> int:
    """Redraw the run until it ends (rich on a TTY; progress lines elsewhere), then print the
    final `get` view; the exit code follows the final phase."""
    row: WorkflowRow | None
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        def frame() -> Text:
            row = store.workflow(name)
            if row is None:
                return Text("")
            nodes = store.nodes(name)
            done, total = progress(nodes.values())
            head = f"{status_text(row, nodes)}  {done}/{total} pods\n"
            return Text(head + get_text(store, name, row, base.now()), no_wrap=True,
                        overflow="crop")

        with Live(get_renderable=frame, console=Console(file=sys.stdout), refresh_per_second=2,
                  transient=True):
            row = wait(store, name)
    else:
        lines = ProgressLines(sys.stderr)
        while True:
            row = store.workflow(name)
            for node in store.nodes(name).values():
                lines.on_change(node)
            if row is None or not is_active(row) or runner_lost(row):
                break
            time.sleep(base.WAIT_POLL)
    if row is None:
        print(f"plait: error: run {name} was deleted", file=sys.stderr)
        return EXIT_FINDINGS
    sys.stdout.write(get_text(store, name, row, base.now()))
    return exit_of(row)


WORKFLOW_PHASES = (Phase.PENDING, Phase.RUNNING, Phase.SUCCEEDED, Phase.FAILED, Phase.ERROR)


def _phases(given: list[str]) -> set[Phase]:
    """`--status a,b` (repeatable): the phases named, any case; a usage error names the others."""
    known = {p.value.lower(): p for p in WORKFLOW_PHASES}
    found = set()
    for item in (part.strip() for value in given for part in value.split(",")):
        if item.lower() not in known:
            raise UsageError(f"--status {item!r}: expected one of "
                             + ", ".join(p.value for p in WORKFLOW_PHASES))
        found.add(known[item.lower()])
    return found


def list_rows(store: Store, args: argparse.Namespace, now: float) -> list[WorkflowRow]:
    """The runs `plait list` shows, in argo list's order (`argo_order`): every filter given
    must hold (AND), as argo list's: --running/--completed, --status, --since (created
    since), --prefix, -l."""
    try:
        selector = parse_selector(args.selector or "")
    except ValueError as exc:
        raise UsageError(f"-l/--selector: {exc}") from None
    try:
        since = now - parse_age(args.since) if args.since else None
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    phases = _phases(args.status)
    rows = []
    for r in store.list_workflows():
        if (args.running and not is_active(r)) or (args.completed and is_active(r)) \
                or (phases and r.phase not in phases) or not r.name.startswith(args.prefix) \
                or (since is not None and float(r.created_at or 0) < since):
            continue
        if selector:
            full = store.workflow(r.name)     # its plan holds its labels
            if full is None or not matches(selector, run_labels(full)):
                continue
        rows.append(r)
    return argo_order(rows)


def argo_order(rows: list[WorkflowRow]) -> list[WorkflowRow]:
    """argo list's order (its Workflows sorter): runs not finished first, newest created
    first; then finished ones, latest finished first. Ties keep the store's newest-first."""
    running = [r for r in rows if not r.finished_at]
    done = [r for r in rows if r.finished_at]
    running.sort(key=lambda r: float(r.created_at or 0), reverse=True)
    done.sort(key=lambda r: float(r.finished_at or 0), reverse=True)
    return running + done


def cmd_list(args: argparse.Namespace) -> int:
    """List runs in argo list's order (filters: `list_rows`)."""
    store = open_store()
    now = base.now()
    rows = list_rows(store, args, now)
    if args.output in ("json", "yaml"):
        # the full row: its plan says the namespace, labels and annotations
        docs = [workflow_json(r.name, store.workflow(r.name) or r, store.nodes(r.name))
                for r in rows]
        sys.stdout.write(document_text(docs, args.output))
        return EXIT_OK
    if args.output == "name":
        sys.stdout.write("".join(f"{r.name}\n" for r in rows))
        return EXIT_OK
    if not rows:
        print("No workflows found")
        return EXIT_OK
    wide = args.output == "wide"
    entries = [ListEntry(store.workflow(r.name) or r if wide else r,
                         store.nodes(r.name) if wide or is_active(r) else {}) for r in rows]
    sys.stdout.write(list_table(entries, now, wide=wide, headers=not args.no_headers))
    return EXIT_OK


@runs_verb
def cmd_get(args: argparse.Namespace) -> int:
    """Show a run: Argo's header and tree (or the Workflow object as JSON)."""
    store = open_store()
    name = run_name(store, args.name)
    row = store.workflow(name)
    assert row is not None
    if args.output in ("json", "yaml"):
        sys.stdout.write(document_text(workflow_json(name, row, store.nodes(name)), args.output))
    elif args.output == "name":
        print(name)
    else:
        sys.stdout.write(get_text(store, name, row, base.now(), args.output))
    return EXIT_OK


@runs_verb
def cmd_watch(args: argparse.Namespace) -> int:
    """Follow a run until it ends."""
    store = open_store()
    return watch(store, run_name(store, args.name))


def _finished_text(row: WorkflowRow) -> str:
    """`NAME PHASE at TIME` as `argo wait` prints it (Go's time format, UTC)."""
    when = time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(row.finished_at or base.now()))
    return f"{row.name} {row.phase.value} at {when}"


@runs_verb
def cmd_wait(args: argparse.Namespace) -> int:
    """`argo wait NAME...`: block until every run ends, printing each as it ends; exit 1 when
    one Failed or Errored (or is unknown, unless --ignore-not-found)."""
    store = open_store()
    names: list[str] = []
    for given in args.names:
        found = resolve_run(store, given)
        if found is None and not args.ignore_not_found:
            raise NoRun(no_run_text(store, given))
        if found is not None and found not in names:
            names.append(found)
    ok = True
    while names:
        for name in list(names):
            row = store.workflow(name)
            if row is not None and is_active(row) and not runner_lost(row):
                continue
            names.remove(name)
            if row is None:          # deleted while waited for
                ok = ok and args.ignore_not_found
                print(f"plait: error: run {name} was deleted", file=sys.stderr)
            elif is_active(row):
                ok = False
                print(f"plait: the runner of {name} was lost; `plait resume {name}` continues it",
                      file=sys.stderr)
            else:
                ok = ok and row.phase is Phase.SUCCEEDED
                print(_finished_text(row), flush=True)
        if names:
            time.sleep(base.WAIT_POLL)
    return EXIT_OK if ok else EXIT_FINDINGS


@runs_verb
def cmd_logs(args: argparse.Namespace) -> int:
    """Print a run's logs, each line prefixed with its pod name (`commands/logs.py`)."""
    store = open_store()
    return show_logs(store, run_name(store, args.name), LogOptions.from_args(args))
