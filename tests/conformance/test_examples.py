"""The conformance suite: Argo's examples (or close variants) run by `plait run -o json`, each
asserted against what Argo would produce (tests/conformance/expectations.py)."""

from __future__ import annotations

import os
import shutil

import pytest

from plait.runtime.backends import BACKENDS

from ..conftest import need_examples
from .expectations import CASES, Case
from .harness import ROOT, SYSTEM_PATH, bwrap_works, example_path, run_case
from .more_examples import MORE_CASES, MORE_GAPS, NOT_RUN
from .on_container import (
    CONTAINER_DIFFERENCES,
    CONTAINER_GAPS,
    CONTAINER_SUBSET,
    container_case_ids,
)

ALL_CASES = CASES + MORE_CASES


# Cases where the runtime does not match Argo yet, with whose part it is (non-strict xfail: they
# turn into XPASS the moment the runtime catches up; remove them from here then).
KNOWN_GAPS: dict[str, str] = {**MORE_GAPS}


def _params():
    """Every case on the local backend (id: the case's), and the container subset on the
    container backend (id: container-CASE)."""
    on_container = set(container_case_ids([case.id for case in ALL_CASES]))
    for case in ALL_CASES:
        marks = [pytest.mark.xfail(reason=KNOWN_GAPS[case.id], strict=False)] if case.id in KNOWN_GAPS else []
        yield pytest.param(case, "local", id=case.id, marks=marks)
        if case.id in on_container:
            if case.id in CONTAINER_GAPS:
                marks = [*marks, pytest.mark.xfail(reason=CONTAINER_GAPS[case.id], strict=False)]
            yield pytest.param(case, "container", id=f"container-{case.id}", marks=marks)


@pytest.mark.parametrize(("case", "backend"), list(_params()))
def test_example(case: Case, backend: str, tmp_path, request):
    if case.example.startswith("examples/"):
        need_examples()
    if backend == "container":
        if "container" not in BACKENDS:
            pytest.skip("no container backend in this build (plait.runtime.backends.BACKENDS)")
        if case.id in CONTAINER_DIFFERENCES:
            pytest.skip(f"differs on the container backend: {CONTAINER_DIFFERENCES[case.id]}")
        request.getfixturevalue("workflow_images")     # the engine and the images, built once
    else:
        if "bwrap" in case.needs and not bwrap_works():
            pytest.skip("needs bubblewrap: only a sandbox mounts volumes at their paths")
        if "cowsay" in case.needs and not (shutil.which("cowsay") or os.path.exists("/usr/games/cowsay")):
            pytest.skip("needs cowsay on this host (argoproj/argosay:v1's tool): apt-get install cowsay")
        if "node" in case.needs and not shutil.which("node", path=SYSTEM_PATH):
            pytest.skip("needs node on this host (node:9.1-alpine's tool): apt-get install nodejs")
    run = run_case(case, tmp_path / "home", backend)
    context = f"\nstderr:\n{run.stderr[-3000:]}"
    status = run.doc["status"]
    nodes = run.nodes
    assert run.doc["metadata"]["name"] == run.name
    if case.phase != "*":
        assert status["phase"] == case.phase, f"workflow {status['phase']}: {status.get('message')}{context}"
    assert run.code == (0 if status["phase"] == "Succeeded" else 1), context
    if case.workflow_message is not None:
        assert case.workflow_message in status.get("message", ""), status.get("message")
    for rel, phase in case.nodes.items():
        assert rel in nodes, f"no node {run.name + rel!r}; nodes: {sorted(nodes)}{context}"
        assert nodes[rel]["phase"] == phase, f"{rel!r}: {nodes[rel]}{context}"
    for rel in case.absent:
        assert rel not in nodes, f"unexpected node {rel!r}: {nodes[rel]}"
    for rel, typ in case.types.items():
        assert nodes[rel]["type"] == typ, (rel, nodes[rel])
    for rel, text in case.messages.items():
        assert text in nodes[rel].get("message", ""), (rel, nodes[rel])
    for rel, display in case.display.items():
        assert nodes[rel]["displayName"] == display, (rel, nodes[rel])
    for rel, result in case.results.items():
        assert (nodes[rel].get("outputs") or {}).get("result") == result, (rel, nodes[rel])
    for rel, code in case.exit_codes.items():
        assert (nodes[rel].get("outputs") or {}).get("exitCode") == code, (rel, nodes[rel])
    for rel, expected in case.parameters.items():
        got = {p["name"]: p.get("value") for p in (nodes[rel].get("outputs") or {}).get("parameters", [])}
        assert {k: got.get(k) for k in expected} == expected, (rel, nodes[rel])
    for rel, names in case.artifacts.items():
        got = {a["name"] for a in (nodes[rel].get("outputs") or {}).get("artifacts", [])}
        assert set(names) <= got, (rel, nodes[rel])
    if case.global_parameters:
        got = {p["name"]: p.get("value") for p in (status.get("outputs") or {}).get("parameters", [])}
        assert {k: got.get(k) for k in case.global_parameters} == case.global_parameters, status.get("outputs")
    if case.pods is not None:
        pods = sorted(rel for rel, n in nodes.items() if n["type"] == "Pod")
        assert len(pods) == case.pods, pods
    for node in nodes.values():
        assert node["id"] in status["nodes"] and node["displayName"]
        for child in node.get("children", []):
            assert child in status["nodes"], (node["name"], child)
    if case.min_seconds is not None:
        assert run.seconds >= case.min_seconds, run.seconds
    if case.max_seconds is not None:
        assert run.seconds <= case.max_seconds, run.seconds
    logs = []
    for key, text in case.logs.items():
        rel, container = key if isinstance(key, tuple) else (key, "main")
        out = run.logs(rel, container)
        logs.append(out)
        assert text.replace("{wf}", run.name) in out, f"logs of {rel!r} ({container}):\n{out}"
        pod = nodes[rel].get("podName")
        if pod:
            assert all(line.startswith(f"{pod}: ") for line in out.splitlines()), out
    if case.check is not None:
        case.check({**run.doc, "test": {"unique": run.unique}}, nodes)
    for secret in case.never:
        assert secret not in run.stdout and secret not in run.stderr
        assert all(secret not in out for out in logs)
        for path in run.home.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), f"secret found in {path}"


def test_every_case_file_exists(argo_examples):
    for case in ALL_CASES:
        assert example_path(case).is_file(), case.example
    assert len({c.id for c in ALL_CASES}) == len(ALL_CASES)


def test_every_example_runs_or_is_listed_with_its_reason():
    """Each of Argo's examples is run by a case (as written, or as the variant of the same
    name) or named in NOT_RUN, and the README's conformance table lists every NOT_RUN one."""
    folder = need_examples()
    examples = {str(p.relative_to(folder)) for p in folder.rglob("*.yaml")}
    run = {case.example.partition("/")[2] for case in ALL_CASES}
    assert sorted(examples - run - set(NOT_RUN)) == []
    assert sorted(set(NOT_RUN) - examples) == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Conformance with Argo's examples", 1)[-1].split("\n## ", 1)[0]
    assert sorted(n for n in NOT_RUN if f"`{n.removesuffix('.yaml')}`" not in table) == []


def test_container_cases_are_cases_and_the_readme_lists_the_differences():
    ids = {case.id for case in ALL_CASES}
    assert sorted(set(CONTAINER_SUBSET) - ids) == [] and sorted(set(CONTAINER_DIFFERENCES) - ids) == []
    assert sorted(set(CONTAINER_GAPS) - ids) == []
    assert sorted(set(CONTAINER_SUBSET) & (set(CONTAINER_DIFFERENCES) | set(CONTAINER_GAPS))) == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Conformance on the container backend", 1)[-1].split("\n## ", 1)[0]
    assert sorted(i for i in CONTAINER_DIFFERENCES if f"`{i}`" not in section) == []
