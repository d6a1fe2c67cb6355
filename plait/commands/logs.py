"""`plait logs NAME [POD|NODE]`: a run's pod logs as `argo logs` prints them.

Each line is `<pod>: <text>`, lines of several pods merged by the time they were written (as
Argo's log server sorts them). The options mean what Argo's do, per pod: `--since`/`--since-time`
keep the lines written from then on, `--tail N` the last N of those, `--grep RE` the lines a
regular expression finds (in the text as printed, so with `--timestamps` in the time too),
`--timestamps` puts each line's RFC3339Nano time (as the kubelet prints it) before the text.
`-f` keeps reading until the run ends; pods that start meanwhile (a node's next attempt after a
retry) join as they appear. On a terminal each pod's lines get their own colour, as Argo's do;
`--no-color`, NO_COLOR or TERM=dumb turn it off (plait never colours a pipe).

POD|NODE is a pod name, a node's id, full name or display name; a node without a pod of its own
(a retried step, a steps or DAG node) stands for the pods below it.

The times come from the log files (`runtime/logfiles.py`); lines recorded before times were
kept show and filter at their pod's start time.
"""

from __future__ import annotations

import argparse
import heapq
import os
import sys
import time
from dataclasses import dataclass
from typing import Iterable

from plait.grammar.regex import RegexError, compile_regex
from plait.runtime.logfiles import LogLine, LogReader, rfc3339_nano, rfc3339_ns, to_ns
from plait.runtime.runs import is_active, parse_age, runner_lost
from plait.runtime.storeapi import RunStore
from plait.runtime.types import Node

from . import base
from .base import EXIT_FINDINGS, EXIT_OK, UsageError

# Argo's palette for pod lines (green, yellow, blue, magenta, cyan, white), picked by the sum of
# the pod name's characters so a pod keeps its colour from one run of the command to the next
POD_COLOURS = (32, 33, 34, 35, 36, 37)

@dataclass
class LogOptions:
    """What `plait logs` was asked for (the defaults print everything, as `argo logs` does)."""

    node: str | None = None
    container: str = "main"
    follow: bool = False
    since: str | None = None          # a duration: lines of the last 5m
    since_time: str | None = None     # an RFC3339 time
    tail: int | None = None           # the last N lines of each pod (None or < 0: all)
    grep: str | None = None           # a regular expression
    timestamps: bool = False
    no_color: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "LogOptions":
        """The options of a parsed command line (a verb that lacks some gets the defaults)."""
        return cls(**{name: getattr(args, name, default)
                      for name, default in vars(cls()).items()})


def show_logs(store: RunStore, name: str, opts: LogOptions) -> int:
    """Print run `name`'s logs as `opts` ask; with `follow`, until the run ends."""
    cutoff = since_ns(opts)
    try:        # Go's regexp, as argo's --grep (RE2: linear time, Go's syntax)
        pattern = compile_regex(opts.grep or "")
    except RegexError as exc:
        raise UsageError(f"--grep: invalid regular expression {opts.grep!r}: {exc}") from None
    colour = opts.no_color is False and _terminal()
    readers: dict[str, LogReader] = {}
    while True:
        row = store.workflow(name)
        ended = row is None or not is_active(row) or runner_lost(row)
        final = ended or not opts.follow
        pods = select_pods(store.nodes(name), opts.node)
        if pods is None and final:
            print(f"plait: error: run {name} has no pod node {opts.node!r}", file=sys.stderr)
            return EXIT_FINDINGS
        batches = []
        for pod, node in pods or []:
            reader = readers.get(pod)
            first = reader is None
            if reader is None:
                start = None if node.started_at is None else to_ns(node.started_at)
                reader = readers[pod] = LogReader(store.log_path(name, pod, opts.container), start)
            lines = [line for line in reader.read(final)
                     if cutoff is None or line.at is None or line.at >= cutoff]
            if first and opts.tail is not None and opts.tail >= 0:   # Argo's tail: on the
                lines = lines[-opts.tail:] if opts.tail else []        # lines there at the start
            batches.append([(pod, line) for line in lines])
        for pod, line in heapq.merge(*batches, key=_when):
            text = line.text
            if opts.timestamps and line.at is not None:
                text = f"{rfc3339_nano(line.at)} {text}"
            if pattern.search(text):
                sys.stdout.write(_paint(f"{pod}: {text}", pod) if colour else f"{pod}: {text}")
                sys.stdout.write("\n")
        sys.stdout.flush()
        if final:
            return EXIT_OK
        time.sleep(base.WAIT_POLL)


def select_pods(nodes: dict[str, Node], key: str | None) -> list[tuple[str, Node]] | None:
    """The pods to show, in start order: every pod, or those of the node `key` names (a pod
    name, node id, full or display name) and of the nodes below it; None when `key` names no
    node that has pods (yet)."""
    if key is None:
        chosen = [n for n in nodes.values() if n.pod_name]
    else:
        found = [n for n in nodes.values() if key in (n.display_name, n.name, n.pod_name, n.id)]
        chosen = [n for n in _with_descendants(nodes, found) if n.pod_name]
        if not chosen:
            return None
    chosen.sort(key=lambda n: (n.started_at is None, n.started_at or 0.0, n.name))
    pods: dict[str, Node] = {}
    for n in chosen:
        assert n.pod_name is not None
        pods.setdefault(n.pod_name, n)
    return list(pods.items())


def _with_descendants(nodes: dict[str, Node], roots: Iterable[Node]) -> list[Node]:
    """`roots` and the nodes below them. Below by name (`wf[0].a` holds `wf[0].a(1)`,
    `wf[0].a[0].b`, `wf.t.u`), not by `children`, which in Argo also point at the next step."""
    prefixes = tuple(r.name + sep for r in roots for sep in ".[(")
    names = {r.name for r in roots}
    return [n for n in nodes.values() if n.name in names or n.name.startswith(prefixes)]


def since_ns(opts: LogOptions) -> int | None:
    """The time (Unix ns) `--since` or `--since-time` asks lines to be written from on."""
    if opts.since and opts.since_time:
        raise UsageError("only one of --since and --since-time may be used")
    if opts.since:
        try:
            age = parse_age(opts.since)
        except ValueError as exc:
            raise UsageError(f"--since: {exc}") from None
        return to_ns(base.now() - age) if age > 0 else None     # Argo: 0 is every line
    if opts.since_time:
        return parse_rfc3339(opts.since_time)
    return None


def parse_rfc3339(text: str) -> int:
    """`--since-time`'s RFC3339 time as Unix ns; a UsageError when it is not one."""
    ns = rfc3339_ns(text)
    if ns is None:
        raise UsageError(f"--since-time: {text!r} is not an RFC3339 time (e.g. 2026-12-06T10:00:00Z)")
    return ns


def _when(item: tuple[str, LogLine]) -> int:
    at = item[1].at
    return -1 if at is None else at


def _terminal() -> bool:
    return (sys.stdout.isatty() and "NO_COLOR" not in os.environ
            and os.environ.get("TERM") != "dumb")


def _paint(text: str, pod: str) -> str:
    code = POD_COLOURS[sum(map(ord, pod)) % len(POD_COLOURS)]
    return f"\x1b[{code}m{text}\x1b[0m"


__all__ = ["LogOptions", "POD_COLOURS", "parse_rfc3339", "rfc3339_nano", "select_pods",
           "show_logs", "since_ns"]
