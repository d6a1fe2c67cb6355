"""The conformance cases through the test API server: the same `Case`s and the same
assertions as the local and container backends (tests/conformance/test_examples.py), with
`plait run --backend kubernetes --kubeconfig <the test server's>`; the Pods run with podman
on the locally built images (tests/containers.py)."""

from __future__ import annotations

import dataclasses

import pytest

from ..conformance import test_examples as examples
from ..conformance.expectations import CASES
from ..conformance.harness import run_case
from ..conformance.more_examples import MORE_CASES

# case id -> what it proves on the kubernetes backend (a pod costs about 2 s here: the subset
# keeps CI's time in bounds; each feature of the backend once)
KUBE_SUBSET: dict[str, str] = {
    "hello-world": "a pod's main container, its log and result",
    "steps": "steps and a parallel step group",
    "dag-diamond": "a DAG's dependencies",
    "output-parameter": "an output parameter read back through the wait container",
    "artifact-passing": "an output artifact read back, then placed into the next pod (Secret)",
    "input-artifact-raw": "a raw input artifact placed by main's wrapper",
    "exit-code-output-variable": "exit code 123 read back",
    "continue-on-fail": "continueOn.failed",
    "timeouts-step": "activeDeadlineSeconds ends the pod (DeadlineExceeded)",
    "sidecar": "a sidecar reached on localhost, stopped when main ends",
    "init-container": "user init containers after plait's own",
    "volumes-emptydir": "an emptyDir shared by the pod's containers",
    "container-set-graph": "a containerSet's dependencies in one Pod",
}
# not in the subset: daemon-step/dag-daemon-task (the test server sets podIP but runs no
# readinessProbe, so clients may call the daemon before it listens), cases needing images the
# tests do not build, and retry-backoff (its backoff outlasts the harness's time-out here)
ALL = {case.id: case for case in CASES + MORE_CASES}


@pytest.mark.parametrize("case_id", sorted(KUBE_SUBSET))
def test_case_on_kubernetes(case_id, api, workflow_images, tmp_path, request, monkeypatch):
    case = ALL[case_id]
    with_cluster = dataclasses.replace(
        case, args=(*case.args, "--kubeconfig", str(api.config)))
    monkeypatch.setattr(examples, "run_case",
                        lambda _case, home, _backend: run_case(with_cluster, home, "kubernetes"))
    examples.test_example(case, "kubernetes", tmp_path, request)
