"""Pod log files keep each line's time in a sidecar (runtime/logfiles.py): the .log stays plain
text, logs without a sidecar (older runs) still read, a missing record costs one line its time,
and a reader that follows a growing log sees every line with its time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from plait.runtime.engine import Engine
from plait.runtime.logfiles import LogLine, LogReader, LogWriter, append_line, times_path
from plait.runtime.memstore import MemoryStore

from ..helpers import compile_text
from .fakes import Behaviour, FakeBackend, echo

S = 1_000_000_000


def test_the_log_stays_plain_text_and_the_sidecar_holds_offsets_and_times(tmp_path):
    log = tmp_path / "main.log"
    writer = LogWriter(log)
    writer.write("héllo", 10.0)
    writer.write("", 10.5)
    writer.write("bye", 11.25)
    writer.close()
    assert log.read_bytes() == "héllo\n\nbye\n".encode()
    assert times_path(log) == tmp_path / "main.log.times"
    assert times_path(log).read_text() == f"0 {10 * S}\n7 {10 * S + S // 2}\n8 {11 * S + S // 4}\n"
    assert LogReader(log).read() == [LogLine("héllo", 10 * S), LogLine("", 10 * S + S // 2),
                                     LogLine("bye", 11 * S + S // 4)]


def test_a_log_without_times_reads_at_its_pods_start(tmp_path):
    log = tmp_path / "main.log"
    log.write_text("old one\nold two\n")
    assert LogReader(log, start=5 * S).read() == [LogLine("old one", 5 * S), LogLine("old two", 5 * S)]
    assert LogReader(log).read() == [LogLine("old one", None), LogLine("old two", None)]
    assert LogReader(tmp_path / "none.log").read(final=True) == []


def test_a_line_without_its_record_takes_the_time_before_it(tmp_path):
    log = tmp_path / "main.log"
    append_line(log, "first", 1.0)
    with open(log, "a") as fh:                      # a writer that records no time
        fh.write("untimed\n")
    append_line(log, "third", 3.0)
    assert [(line.text, line.at) for line in LogReader(log).read()] == \
        [("first", S), ("untimed", S), ("third", 3 * S)]


def test_a_record_left_by_a_killed_writer_is_replaced_by_the_next_line_at_its_offset(tmp_path):
    log = tmp_path / "main.log"
    append_line(log, "before", 1.0)
    with open(times_path(log), "a") as fh:          # killed between the record and its line
        fh.write(f"7 {2 * S}\n")
    append_line(log, "mark", 3.0)
    assert [(line.text, line.at) for line in LogReader(log).read()] == [("before", S), ("mark", 3 * S)]


def test_a_follower_sees_complete_lines_as_they_come_and_the_rest_at_the_end(tmp_path):
    log = tmp_path / "main.log"
    reader = LogReader(log)
    assert reader.read() == []
    writer = LogWriter(log)
    writer.write("one", 1.0)
    assert reader.read() == [LogLine("one", S)]
    assert reader.read() == []
    writer.write("two", 2.0)
    writer.write("three", 3.0)
    writer.close()
    with open(log, "ab") as fh:
        fh.write(b"cut sh")                         # an unfinished line: shown only at the end
    assert reader.read() == [LogLine("two", 2 * S), LogLine("three", 3 * S)]
    assert reader.read(final=True) == [LogLine("cut sh", 3 * S)]
    assert reader.read(final=True) == []


SAY = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {name: wf}
    spec:
      entrypoint: say
      templates:
      - name: say
        container: {image: busybox, command: [sh, -c], args: ["echo hi"]}
    """


def test_the_engine_stamps_each_line_with_its_clock(tmp_path):
    plan = compile_text(tmp_path, SAY)
    store = MemoryStore(tmp_path / "logs")
    engine = Engine(plan, FakeBackend(rules={"*": echo}), store=store, home=tmp_path,
                    clock=lambda: 1234.5)
    result = asyncio.run(engine.run())
    pod = result.nodes["wf"].pod_name
    assert pod is not None
    log = Path(store.log_path("wf", pod))
    assert log.read_text() == "hi\n"
    assert LogReader(log).read() == [LogLine("hi", 1234 * S + S // 2)]


def test_a_log_stops_at_its_cap_with_a_line_that_says_so(tmp_path):
    """A pod printing millions of empty lines wrote 1 byte of log and 25 bytes of times per
    line, with no bound: the log and its times together stop at PLAIT_MAX_LOG_BYTES."""
    log = tmp_path / "main.log"
    writer = LogWriter(log, limit=400)
    for i in range(1000):
        writer.write("", 1.0 + i)
    writer.close()
    used = log.stat().st_size + times_path(log).stat().st_size
    assert used < 400 + 150                            # the cap, and the one line saying so
    lines = LogReader(log).read()
    assert lines[-1].text == "plait: the rest of this log is dropped: it passed 400 bytes " \
                             "(PLAIT_MAX_LOG_BYTES)"
    assert {line.text for line in lines[:-1]} == {""}


def test_the_engine_caps_each_containers_log(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAIT_MAX_LOG_BYTES", "300")
    plan = compile_text(tmp_path, SAY)
    store = MemoryStore(tmp_path / "logs")
    chatty = Behaviour(stdout=("x" * 50 + "\n") * 100)
    result = asyncio.run(Engine(plan, FakeBackend(rules={"*": chatty}), store=store,
                                home=tmp_path).run())
    log = Path(store.log_path("wf", result.nodes["wf"].pod_name))
    assert log.read_text().splitlines()[-1].endswith("it passed 300 bytes (PLAIT_MAX_LOG_BYTES)")
    assert log.stat().st_size + times_path(log).stat().st_size < 300 + 150   # + the last line
