"""The container backend's engine names: a pod name the engine refuses (an inline template's
`wf-main/a:inline-0`) becomes a valid one, the same on every run (a resumed runner finds what
its predecessor made); a valid pod name is kept as it is. The run itself:
the conformance cases `dag-inline-workflow` and `steps-inline-workflow` on the container backend."""

from __future__ import annotations

import re

from plait.runtime.backends.container_spec import engine_name

VALID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z")


def test_a_valid_pod_name_is_kept():
    assert engine_name("hello-world-1234567890") == "hello-world-1234567890"


def test_an_inline_pod_name_becomes_a_stable_valid_hostname_sized_name():
    names = {engine_name(f"wf-main/a:inline-{i}") for i in range(3)}
    assert len(names) == 3 and all(VALID.match(n) and len(n) <= 63 for n in names)
    assert engine_name("wf-main/a:inline-0") == engine_name("wf-main/a:inline-0")
    assert engine_name("wf-main/a:inline-0").startswith("wf-main-a-inline-0-")
    assert VALID.match(engine_name("/:" + "x" * 300)) and len(engine_name("x" * 300)) <= 63
