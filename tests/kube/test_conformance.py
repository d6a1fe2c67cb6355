"""The conformance cases through the test API server: the same `Case`s and the same
assertions as the local and container backends (tests/conformance/test_examples.py), with
`plait run --backend kubernetes --kubeconfig <the test server's>`; the Pods run with podman
on the locally built images (tests/containers.py). A case's `--secrets`/`--configmaps` file is
applied to the test server first, as a user applies them to a cluster.

Which cases, as on the container backend (tests/conformance/on_container.py): CI runs the
container backend's subset and KUBE_EXTRA; PLAIT_KUBE_CASES=all runs every case that passes on
the container backend (not CONTAINER_DIFFERENCES nor CONTAINER_GAPS); KUBE_GAPS lists what
does not pass here yet, with why (the README's Kubernetes section says the same)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ..conformance import test_examples as examples
from ..conformance.expectations import CASES
from ..conformance.harness import HERE, run_case
from ..conformance.more_examples import MORE_CASES
from ..conformance.on_container import CONTAINER_DIFFERENCES, CONTAINER_GAPS, CONTAINER_SUBSET

ALL = {case.id: case for case in CASES + MORE_CASES}

# The harness's time-outs were set for the local backend, where a pod costs a tenth of a
# second; here one costs about 2 s on a quiet machine (the Pod and Secret created, `podman kube
# play` of its init, main and wait containers, the watch, the wait container's log, the
# delete) and 5 s or more under load, so a case of 10-25 pods in sequence (dag-nested,
# retry-with-steps, dag-coinflip's recursion) needs more than 60 s. The bound is a guard against
# a hang, not an expectation: wall-time expectations (`max_seconds`) stay as they are.
TIME_FACTOR = 3

# case id -> why it does not pass through the test API server yet (non-strict xfail)
KUBE_GAPS: dict[str, str] = {}

# CI runs these beside the container backend's subset: what only this backend could get wrong
KUBE_EXTRA: dict[str, str] = {
    "dag-inline-workflow": "an inline template's Pod name is a valid Kubernetes name",
    "container-set-workspace": "a containerSet's outputs are read once every container ended",
    "artifact-disable-archive": "an output folder's links that lead outside it (`path: /etc`)",
}


def kube_case_ids() -> list[str]:
    """CI: the container backend's subset and KUBE_EXTRA. PLAIT_KUBE_CASES=all: every case
    that passes on the container backend."""
    if os.environ.get("PLAIT_KUBE_CASES") == "all":
        return sorted(i for i in ALL if i not in CONTAINER_DIFFERENCES and i not in CONTAINER_GAPS)
    return sorted({*CONTAINER_SUBSET, *KUBE_EXTRA})


def _params():
    for case_id in kube_case_ids():
        marks = [pytest.mark.xfail(reason=KUBE_GAPS[case_id], strict=False)] if case_id in KUBE_GAPS else []
        yield pytest.param(case_id, id=case_id, marks=marks)


@pytest.mark.parametrize("case_id", list(_params()))
def test_case_on_kubernetes(case_id, api, workflow_images, tmp_path, request, monkeypatch):
    case = ALL[case_id]
    with_cluster = dataclasses.replace(
        case, args=(*case.args, "--kubeconfig", str(api.config)),
        timeout=case.timeout * TIME_FACTOR)
    for i, arg in enumerate(case.args[:-1]):      # the cluster holds what --secrets gives
        if arg in ("--secrets", "--configmaps"):
            path = case.args[i + 1].replace("{conformance}", str(HERE))
            for doc in YAML(typ="safe").load_all(Path(path).read_text()):
                api.apply(doc)
    monkeypatch.setattr(examples, "run_case",
                        lambda _case, home, _backend: run_case(with_cluster, home, "kubernetes"))
    examples.test_example(case, "kubernetes", tmp_path, request)


def test_the_readme_names_every_kube_gap():
    ids = set(ALL)
    assert sorted(set(KUBE_GAPS) - ids) == [] and sorted(set(KUBE_EXTRA) - ids) == []
    readme = (HERE.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running on a Kubernetes cluster", 1)[-1].split("\n## ", 1)[0]
    assert sorted(i for i in KUBE_GAPS if f"`{i}`" not in section) == []
    assert ("none." in section) == (not KUBE_GAPS)
