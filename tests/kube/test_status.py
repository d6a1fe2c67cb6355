"""The watched Pod's status as a node's phase and message (kube_status), and API failures as
messages (kube_api): pure functions, tested on the API's JSON."""

from __future__ import annotations

import asyncio
import json

import pytest

from plait.runtime.backends import kube_api as A
from plait.runtime.backends import kube_status as S
from plait.runtime.types import Phase


def pod(phase="Running", containers=(), init=(), reason=None, message=None, conditions=()):
    status = {"phase": phase, "containerStatuses": list(containers),
              "initContainerStatuses": list(init), "conditions": list(conditions)}
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    return {"metadata": {"name": "p"}, "status": status}


def ended(name, code, reason="Error"):
    return {"name": name, "state": {"terminated": {"exitCode": code, "reason": reason}}}


def waiting(name, reason, message=""):
    return {"name": name, "state": {"waiting": {"reason": reason, "message": message}}}


def running(name, ready):
    return {"name": name, "ready": ready, "state": {"running": {"startedAt": "t"}}}


def test_a_daemon_is_ready_when_the_kubelet_says_the_pod_is():
    both = [running("main", True), running("wait", True)]
    assert S.ready(pod(containers=both), "main")
    # a readinessProbe not passed yet: main runs but is not ready
    assert not S.ready(pod(containers=[running("main", False), running("wait", True)]), "main")
    assert not S.ready(pod(containers=[running("main", True), running("wait", False)]), "main")
    # the Ready condition, when the kubelet reports it, decides
    assert not S.ready(pod(containers=both, conditions=[{"type": "Ready", "status": "False"}]),
                       "main")
    assert S.ready(pod(containers=both, conditions=[{"type": "Ready", "status": "True"}]), "main")
    assert not S.ready(pod(containers=[ended("main", 0, "Completed")],
                           conditions=[{"type": "Ready", "status": "True"}]), "main")


def test_main_decides_the_node():
    assert S.outcome(pod(containers=[ended("main", 0, "Completed")]), "main", []) == \
        S.Outcome(Phase.SUCCEEDED, 0, "")
    assert S.outcome(pod(containers=[ended("main", 2)]), "main", []) == \
        S.Outcome(Phase.FAILED, 2, "main: Error (exit code 2)")
    assert S.outcome(pod(containers=[ended("main", 137, "OOMKilled")]), "main", []) == \
        S.Outcome(Phase.FAILED, 137, "OOMKilled (exit code 137)")
    # a sidecar's end decides nothing
    assert S.outcome(pod(containers=[ended("db", 1), {"name": "main", "state": {"running": {}}}]),
                     "main", []) is None


def test_pod_level_ends():
    assert S.outcome(pod("Failed", reason="DeadlineExceeded"), "main", []).message == \
        "Pod was active on the node longer than the specified deadline"
    evicted = S.outcome(pod("Failed", reason="Evicted",
                            message="The node was low on resource: memory."), "main", [])
    assert (evicted.phase, evicted.message) == (Phase.FAILED,
                                                "Evicted: The node was low on resource: memory.")
    assert S.outcome(pod(init=[ended("fetch", 4)]), "main", ["fetch"]) == \
        S.Outcome(Phase.ERROR, None, "init container 'fetch' failed: exit code 4")
    assert S.outcome(pod("Failed", message="node lost"), "main", []) == \
        S.Outcome(Phase.ERROR, None, "node lost")


def test_what_keeps_a_pod_pending():
    assert S.pending_reason(pod("Pending", containers=[waiting(
        "main", "ImagePullBackOff", 'Back-off pulling image "nosuch:1"')])) == \
        'ImagePullBackOff: Back-off pulling image "nosuch:1"'
    assert S.pending_reason(pod("Pending", init=[waiting("init", "ErrImagePull")])) == "ErrImagePull"
    assert S.pending_reason(pod("Pending", conditions=[{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 Insufficient memory."}])) == \
        "Unschedulable: 0/3 nodes are available: 3 Insufficient memory."
    assert S.pending_reason(pod("Pending", containers=[waiting("main", "ContainerCreating")])) is None


class ApiException(Exception):
    """The shape of kubernetes.client.ApiException: status, reason, body."""

    def __init__(self, status, message=""):
        super().__init__(f"({status})")
        self.status, self.reason = status, "Reason"
        self.body = json.dumps({"kind": "Status", "message": message})


@pytest.mark.parametrize("status, message, expected", [
    (401, "Unauthorized", "refused plait's credentials (401 Unauthorized) to create pods in "
                          "namespace 'ci'"),
    (403, 'pods is forbidden: User "u" cannot create resource "pods"',
     "forbidden (403): plait may not create pods in namespace 'ci'; the cluster's RBAC must "
     "allow it for this user or service account. The server said: pods is forbidden"),
    (404, 'namespaces "ci" not found',
     "namespace 'ci' does not exist (404): create it or choose another with -n"),
    (409, 'pods "p" already exists', "pods already exists in namespace 'ci' (409)"),
    (422, 'Pod "p" is invalid: spec.containers[0].image: Required value',
     'the API server rejected the pods (422 Invalid): Pod "p" is invalid: spec.containers[0].image'),
])
def test_api_errors_become_messages(status, message, expected):
    assert expected in str(A.explain(ApiException(status, message), "create", "pods", "ci"))


def test_server_errors_and_lost_connections_are_retried_then_reported():
    calls, slept = [], []

    def flaky(fail_with):
        def fn(**kwargs):
            calls.append(kwargs)
            if len(calls) <= len(fail_with):
                raise fail_with[len(calls) - 1]
            return "created"
        return fn

    async def sleep(seconds):
        slept.append(seconds)

    failures = [ApiException(503, "etcd"), ConnectionRefusedError("refused"), ApiException(429)]
    assert asyncio.run(A.call(flaky(failures), verb="create", resource="pods", namespace="ci",
                              sleep=sleep)) == "created"
    assert slept == [0.5, 1.0, 2.0]
    assert calls[0]["_request_timeout"] == A.REQUEST_TIMEOUT
    calls.clear()
    slept.clear()
    with pytest.raises(A.KubeApiError, match=r"failed to create pods in namespace 'ci' \(500\)"):
        asyncio.run(A.call(flaky([ApiException(500, "boom")] * 9), verb="create",
                           resource="pods", namespace="ci", sleep=sleep))
    assert len(calls) == A.RETRIES + 1
    calls.clear()
    with pytest.raises(A.KubeApiError, match="forbidden"):        # never retried
        asyncio.run(A.call(flaky([ApiException(403, "no")] * 9), verb="create",
                           resource="pods", namespace="ci", sleep=sleep))
    assert len(calls) == 1


def test_resource_paths_conditions_and_json_paths():
    from plait.runtime.backends import kube_resource as R
    assert [R.plural(k) for k in ("Job", "NetworkPolicy", "Ingress", "ConfigMap")] == \
        ["jobs", "networkpolicies", "ingresses", "configmaps"]
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
           "status": {"succeeded": 3, "failed": 0, "conditions": [{"type": "Complete"}]}}
    assert R.api_path(job, "ci") == "/apis/batch/v1/namespaces/ci/jobs"
    assert R.api_path({"apiVersion": "v1", "kind": "Namespace"}, "ci", "x") == "/api/v1/namespaces/x"
    assert R.matches("status.succeeded > 2", job)
    assert not R.matches("status.failed > 1", job)
    assert R.matches("status.succeeded > 2,status.conditions[0].type == Complete", job)
    assert R.matches("status.conditions[0].type in (Complete,Failed)", job)
    assert R.matches("status.conditions[0].type notin (Failed)", job)
    assert R.matches("status.succeeded", job) and R.matches("!status.active", job)
    assert not R.matches("status.active", job)
    assert R.json_path(job, "{.status.conditions[0].type}") == "Complete"
    with pytest.raises(R.ResourceError, match="finds nothing"):
        R.json_path(job, "{.status.nope}")


def test_jq_filters_print_as_argo_prints_gojq_results():
    """Argo's executor (workflow/executor/resource.go, jqFilter): each result on its own line,
    a string as it is, anything else as Go's json.Marshal (compact, keys sorted, `<>&`
    escaped), the whole trimmed."""
    from plait.runtime.backends import kube_resource as R
    pytest.importorskip("jq", reason="pip install 'plait[kubernetes]'")
    obj = {"metadata": {"name": "j", "labels": {"b": "1", "a": "<&>"}},
           "status": {"items": [1, 2.5, None, True]}}
    assert R.jq_filter(obj, ".metadata.name") == "j"
    assert R.jq_filter(obj, ".metadata.labels") == '{"a":"\\u003c\\u0026\\u003e","b":"1"}'
    assert R.jq_filter(obj, ".status.items[]") == "1\n2.5\nnull\ntrue"
    assert R.jq_filter(obj, ".nope") == "null"
    assert R.jq_filter(obj, "empty") == ""
    with pytest.raises(R.ResourceError, match=r"jqFilter '\.\[':"):
        R.jq_filter(obj, ".[")


def test_resource_flags_are_read_as_kubectl_reads_them():
    from plait.runtime.backends import kube_resource as R
    f = R.parse_flags(["configmap", "--selector", "cleanup=true", "-n", "ci"])
    assert (f.kind, f.selector, f.namespace, f.names) == (("v1", "ConfigMap"), "cleanup=true", "ci", ())
    f = R.parse_flags(["deploy/web", "api", "--ignore-not-found", "--validate=false"])
    assert f.objects() == [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}}]
    assert f.ignore_not_found
    assert R.parse_flags(["-l=a=b", "jobs"]).selector == "a=b"
    with pytest.raises(R.ResourceError, match="'--force' is not supported"):
        R.parse_flags(["--force"])
    with pytest.raises(R.ResourceError, match="kind 'widgets'"):
        R.parse_flags(["widgets", "x"])
    with pytest.raises(R.ResourceError, match="needs a value"):
        R.parse_flags(["pods", "--selector"])
