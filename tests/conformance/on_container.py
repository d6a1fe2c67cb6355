"""Which conformance cases also run on the `container` backend, and which differ there.

The same `Case`s, the same assertions: only `plait run` gets `--backend container`, and the pods
run the locally built images (tests/containers.py: busybox, alpine stand-in, python, argosay).
A pod on the container backend costs about a second of engine calls (create the pod, start its
containers, read back, remove), so the whole table (126 cases, some of 25 pods) would take many
minutes; CI runs this subset instead, one case per feature the backend must get right, about
3 minutes in all. The rest run the same code paths (`PLAIT_CONTAINER_CASES=all` runs every case
on the container backend; the ones in CONTAINER_DIFFERENCES still skip with their reason).
"""

from __future__ import annotations

import os

# case id -> what it proves on the container backend
CONTAINER_SUBSET: dict[str, str] = {
    "hello-world": "a pod's main container, its log and result",
    "steps": "steps and a parallel step group",
    "dag-diamond": "a DAG's dependencies",
    "loops-param-result": "a python pod's stdout as outputs.result, fanned out",
    "parameter-aggregation-script": "script templates (source mounted at Argo's path), JSON results",
    "output-parameter": "an output parameter read back from a file in the container",
    "global-outputs": "output artifacts and global outputs, the exit handler",
    "artifact-passing": "an artifact placed into the next pod",
    "input-artifact-raw": "a raw input artifact placed in alpine",
    "scripts-python": "a python script's random result",
    "coinflip": "when on a python result",
    "exit-handlers": "a failing pod's message and the exit handler",
    "exit-code-output-variable": "exit code 123 read back",
    "continue-on-fail": "continueOn.failed",
    "retry-backoff": "retries with backoff",
    "timeouts-step": "activeDeadlineSeconds kills the pod",
    "timeouts-workflow": "the workflow deadline kills the running pods",
    "daemon-step": "a daemon reached by {{steps.X.ip}} from other pods",
    "sidecar": "a sidecar reached on localhost, stopped when main ends",
    "init-container": "init containers run first, their own logs",
    "volumes-emptydir": "an emptyDir shared by the pod's containers",
    "secrets": "a secret volume and env, masked in logs",
    "container-set-graph": "a containerSet's dependencies",
    "container-set-outputs-result": "a containerSet's result",
    "parallelism-limit": "parallelism on container pods",
    "label-value-from-workflow": "argosay:v2 from its own entrypoint",
    "conditionals": "argosay:v1 (cowsay) from its image",
}

# case id -> why the container backend gives a different result (skipped there; the README's
# table of differences says the same)
CONTAINER_DIFFERENCES: dict[str, str] = {
    "loops-maps": "names images that are not built here (debian:9.1, ubuntu:17.10, ...): "
                  "the pods end ErrImagePull",
    "loops-param-argument": "names images that are not built here (debian:9.1, ubuntu:17.10, "
                            "...): the pods end ErrImagePull",
    "handle-large-output-results": "names stedolan/jq:latest, which is not built here",
    "timeout-process-group": "checks the host's process table for the pod's children, which "
                             "the local backend's sandbox concerns only",
}

# case id -> where the container backend does not match the local one yet (non-strict xfail on
# the container backend only; outside the CI subset, so they show with PLAIT_CONTAINER_CASES=all)
CONTAINER_GAPS: dict[str, str] = {
}


def container_case_ids(all_ids: list[str]) -> list[str]:
    """The ids to run on the container backend: the subset, or every case with
    PLAIT_CONTAINER_CASES=all."""
    if os.environ.get("PLAIT_CONTAINER_CASES") == "all":
        return list(all_ids)
    return [case_id for case_id in all_ids if case_id in CONTAINER_SUBSET]
