"""The rest of Argo's examples that need no network, no cluster resource and no cloud storage:
each runs as written (or as a variant when it sleeps for minutes) with no `--images` file, and
must reach the phase Argo gives it. `NOT_RUN` names every example the suite does not run, with the
reason; the README's conformance table lists the same (test_examples.py checks both).

Sources for the phases: Argo's e2e suite runs every example not labelled
`workflows.argoproj.io/no-test` and expects it to succeed; the labelled ones fail on purpose
(`expected-failure`) or were checked by hand against the spec (§10 retries, §11 failures, §13
exit handlers)."""

from __future__ import annotations

from .expectations import (
    EX,
    FAILED,
    SKIPPED,
    SUCCEEDED,
    VAR,
    Case,
    both,
    retry_consistent,
)


def check_flip(prefix: str = ""):
    """coinflip-shaped: the branch taken matches the flip (conditional-artifacts/-parameters)."""
    def check(doc: dict, nodes: dict) -> None:
        flip = (nodes[f"{prefix}flip-coin"].get("outputs") or {}).get("result")
        assert flip in ("heads", "tails"), flip
        other = "tails" if flip == "heads" else "heads"
        base = prefix[:-len("[0].")] + "[1]." if prefix.endswith("[0].") else prefix
        assert nodes[f"{base}{flip}"]["phase"] == SUCCEEDED
        assert nodes[f"{base}{other}"]["phase"] == SKIPPED
    return check


def check_js_random(doc: dict, nodes: dict) -> None:
    """scripts-javascript: `Math.floor(Math.random() * 100)`, printed by the next step."""
    value = (nodes["[0].generate"].get("outputs") or {}).get("result")
    assert value is not None and value.isdigit() and 0 <= int(value) <= 99, value


MORE_CASES: tuple[Case, ...] = (
    # -- argosay, python and busybox-style commands with no shim ------------------------------
    Case("label-value-from-workflow", EX + "label-value-from-workflow.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED}, logs={"": "hello argo"}),
    Case("conditional-artifacts", EX + "conditional-artifacts.yaml", SUCCEEDED,
         check=check_flip("[0].")),
    Case("conditional-parameters", EX + "conditional-parameters.yaml", SUCCEEDED,
         check=check_flip("[0].")),
    Case("dag-conditional-artifacts", EX + "dag-conditional-artifacts.yaml", SUCCEEDED,
         check=check_flip(".")),
    Case("dag-conditional-parameters", EX + "dag-conditional-parameters.yaml", SUCCEEDED,
         check=check_flip(".")),
    Case("dag-coinflip", EX + "dag-coinflip.yaml", SUCCEEDED,
         nodes={".A": SUCCEEDED, ".B": SUCCEEDED, ".C": SUCCEEDED, ".D": SUCCEEDED}),
    Case("custom-metrics", EX + "custom-metrics.yaml", "*",          # `flakey` fails at random
         nodes={"[0].random-int": SUCCEEDED}),
    Case("withsequence-nested-result", EX + "withsequence-nested-result.yaml", SUCCEEDED,
         nodes={"[0].hello-a": SUCCEEDED}),
    Case("handle-large-output-results", EX + "handle-large-output-results.yaml", SUCCEEDED,
         nodes={"[1].sequence-param(2:2)": SUCCEEDED}, results={"[1].sequence-param(2:2)": '"c"'}),
    Case("container-set-graph", EX + "container-set-template/graph-workflow.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED}, types={"": "Pod"}),
    Case("container-set-parallel", EX + "container-set-template/parallel-workflow.yaml",
         SUCCEEDED, nodes={"": SUCCEEDED}),
    Case("container-set-sequence", EX + "container-set-template/sequence-workflow.yaml",
         SUCCEEDED, nodes={"": SUCCEEDED}),
    Case("container-set-workspace", EX + "container-set-template/workspace-workflow.yaml",
         SUCCEEDED, nodes={"": SUCCEEDED}),
    Case("container-set-outputs-result", EX + "container-set-template/outputs-result-workflow.yaml",
         SUCCEEDED, nodes={".a": SUCCEEDED, ".b": SUCCEEDED}, results={".a": "hi"}),
    # -- steps, DAGs, loops, exit handlers ----------------------------------------------------
    Case("dag-diamond-steps", EX + "dag-diamond-steps.yaml", SUCCEEDED,
         nodes={".A": SUCCEEDED, ".D[0].echo(2:3)": SUCCEEDED}, results={".D[0].echo(2:3)": "D3"}),
    Case("loops-dag", EX + "loops-dag.yaml", SUCCEEDED,
         nodes={".A": SUCCEEDED, ".B(2:baz)": SUCCEEDED, ".C": SUCCEEDED}),
    Case("nested-workflow", EX + "nested-workflow.yaml", SUCCEEDED,
         nodes={"[1].nested-wf": SUCCEEDED, "[2].consume": SUCCEEDED}),
    Case("exit-handler-dag-level", EX + "exit-handler-dag-level.yaml", SUCCEEDED,
         nodes={".A.onExit": SUCCEEDED, ".D.onExit": SUCCEEDED}, results={".D.onExit": "task cleanup"}),
    Case("exit-handler-step-level", EX + "exit-handler-step-level.yaml", SUCCEEDED,
         nodes={"[0].hello1.onExit": SUCCEEDED, "[1].hello2b.onExit": SUCCEEDED}),
    Case("exit-handler-with-artifacts", EX + "exit-handler-with-artifacts.yaml", SUCCEEDED,
         nodes={"[0].step-1.onExit": SUCCEEDED}, results={"[0].step-1.onExit": "Welcome"}),
    Case("template-on-exit", EX + "template-on-exit.yaml", SUCCEEDED,
         nodes={"[0].stepA.onExit": SUCCEEDED, "[1].stepB.onExit": SUCCEEDED}),
    Case("status-reference", EX + "status-reference.yaml", SUCCEEDED,
         nodes={"[0].flakey-container": FAILED, "[1].failed": SUCCEEDED, "[1].succeeded": SKIPPED}),
    # random exit codes with retries at both levels: Failed in about 1 run in 40
    Case("template-defaults", EX + "template-defaults.yaml", "*",
         check=both(retry_consistent("", 2), retry_consistent("(0)[0].retry-backoff", 2))),
    Case("pod-gc-strategy", EX + "pod-gc-strategy.yaml", FAILED,
         nodes={"[0].fail": FAILED, "[0].succeed": SUCCEEDED}),
    Case("pod-gc-strategy-with-label-selector", EX + "pod-gc-strategy-with-label-selector.yaml",
         FAILED, nodes={"[0].fail": FAILED, "[0].succeed-deleted": SUCCEEDED}),
    Case("resubmit", EX + "resubmit.yaml", "*"),                       # random exit code
    Case("dag-task-level-timeout", EX + "dag-task-level-timeout.yaml", FAILED,
         nodes={".B": FAILED}, messages={".B": "Pod was active on the node longer than the specified deadline"}),
    # phases only: fidelity's cases assert these examples' nodes (dag.target, skipped outputs)
    *(Case(name.rpartition("/")[2] + "-phase", EX + name + ".yaml", SUCCEEDED, nodes={"": SUCCEEDED})
      for name in ("dag-targets", "skipped-output-defaults/consumer-input-default",
                   "skipped-output-defaults/expression-fallback",
                   "skipped-output-defaults/producer-output-default")),
    # -- expressions, parameters, artifacts ---------------------------------------------------
    Case("expression-destructure-json", EX + "expression-destructure-json.yaml", SUCCEEDED,
         nodes={"": SUCCEEDED}),
    Case("expression-destructure-json-complex", EX + "expression-destructure-json-complex.yaml",
         SUCCEEDED, nodes={"": SUCCEEDED}),
    Case("expression-reusing-verbose-snippets", EX + "expression-reusing-verbose-snippets.yaml",
         SUCCEEDED, nodes={"": SUCCEEDED}),
    Case("input-artifact-raw", EX + "input-artifact-raw.yaml", SUCCEEDED,
         logs={"": "the raw file"}),
    Case("artifact-path-placeholders", EX + "artifact-path-placeholders.yaml", SUCCEEDED),
    Case("artifact-passing-subpath", EX + "artifact-passing-subpath.yaml", SUCCEEDED,
         nodes={"[2].consume-artifact": SUCCEEDED}, logs={"[2].consume-artifact": "hello world"}),
    Case("artifact-disable-archive", EX + "artifact-disable-archive.yaml", SUCCEEDED,
         nodes={"[1].consume-artifact": SUCCEEDED}),
    Case("pod-spec-from-previous-step", EX + "pod-spec-from-previous-step.yaml", SUCCEEDED,
         nodes={".setup-resources": SUCCEEDED}),
    # -- Kubernetes pod settings that have no local effect ------------------------------------
    *(Case(name.rpartition("/")[2], EX + name + ".yaml", SUCCEEDED, nodes={"": SUCCEEDED}) for name in (
        "archive-location", "dag-custom-metrics", "default-pdb-support", "dns-config", "gc-ttl", "image-pull-secrets",
        "node-selector", "pod-metadata", "pod-metadata-wf-field", "pod-resources",
        "pod-resources-template-override", "pod-spec-patch", "pod-spec-patch-wf-tmpl",
        "pod-spec-yaml-patch", "title-and-description-with-markdown", "memoize-simple",
        "synchronization-mutex-wf-level", "volumes-pvc", "workflow-template/workflow-archive-logs")),
    # -- sleeps of minutes: variants with short sleeps ---------------------------------------
    Case("parallelism-nested", VAR + "parallelism-nested.yaml", SUCCEEDED,
         nodes={"[0].parallel-worker(3:4)[0].seq-step(3:d)": SUCCEEDED}, pods=16),
    Case("parallelism-nested-dag", VAR + "parallelism-nested-dag.yaml", SUCCEEDED,
         nodes={".b5.c3": SUCCEEDED}, pods=15),
    Case("parallelism-nested-workflow", VAR + "parallelism-nested-workflow.yaml", SUCCEEDED,
         nodes={"[0].seq-step(3:d)[0].jobs(1:2)": SUCCEEDED}, pods=8),
    Case("parallelism-template-limit", VAR + "parallelism-template-limit.yaml", SUCCEEDED, pods=10),
    Case("synchronization-mutex-tmpl-level", VAR + "synchronization-mutex-tmpl-level.yaml",
         SUCCEEDED),
    Case("variables-showcase", VAR + "variables-showcase.yaml", SUCCEEDED,
         nodes={"[0].prepare": SUCCEEDED, "[1].fanout(1:k:beta,v:2)(0)": SUCCEEDED,
                "[2].consume": SUCCEEDED, "[3].dag-stage.b": SUCCEEDED,
                "[3].dag-stage.gather": SUCCEEDED, ".onExit[0].report": SUCCEEDED},
         logs={"[0].prepare": "steps.name          = prepare",
               "[3].dag-stage.c-loop(2:z)": "tag=z tasks.name=c-loop",
               "[2].consume": "fanout.echoed-param  = [alpha=1,beta=2]",
               ".onExit[0].report": "workflow.status                  = Succeeded"}),
    Case("colored-logs", VAR + "colored-logs.yaml", SUCCEEDED, nodes={"": SUCCEEDED},
         logs={"": "\x1b["}),
    # -- tools an image has that only some hosts have -----------------------------------------
    Case("scripts-javascript", EX + "scripts-javascript.yaml", SUCCEEDED,
         nodes={"[0].generate": SUCCEEDED, "[1].print": SUCCEEDED},
         logs={"[1].print": "result was: "}, check=check_js_random, needs=("node",)),
)

# Runs, but not yet to Argo's result (non-strict xfail in test_examples.py: they turn XPASS when
# the runtime catches up).
MORE_GAPS: dict[str, str] = {
}

# Every example the suite does not run, with the reason (the README's conformance table says the
# same). Keys are paths under ../shared/argo/examples.
_NETWORK = "needs the network"
_CLOUD = "needs cloud artifact storage"
_CLUSTER = "needs a Kubernetes cluster resource"
NOT_RUN: dict[str, str] = {
    **{name: _NETWORK + ": " + why for name, why in {
        "arguments-artifacts.yaml": "an http input artifact (kubectl from the internet)",
        "input-artifact-http.yaml": "an http input artifact",
        "input-artifact-git.yaml": "a git input artifact",
        "ci.yaml": "a git input artifact", "ci-output-artifact.yaml": "a git input artifact",
        "influxdb-ci.yaml": "a git input artifact",
        "http-hello-world.yaml": "http templates", "http-success-condition.yaml": "http templates",
        "life-cycle-hooks-wf-level.yaml": "an http hook",
        "life-cycle-hooks-tmpl-level.yaml": "an http hook",
        "exit-handler-slack.yaml": "curl to Slack",
        "webhdfs-input-output-artifacts.yaml": "a WebHDFS server",
        "sidecar-dind.yaml": "a Docker daemon pulling images",
    }.items()},
    **{name: _CLOUD for name in (
        "artifact-gc-workflow.yaml", "artifactory-artifact.yaml", "hdfs-artifact.yaml",
        "input-artifact-azure.yaml", "input-artifact-gcs.yaml", "input-artifact-oss.yaml",
        "input-artifact-s3.yaml", "output-artifact-azure.yaml", "output-artifact-gcs.yaml",
        "output-artifact-s3.yaml", "key-only-artifact.yaml", "map-reduce.yaml",
        "work-avoidance.yaml", "fun-with-gifs.yaml", "data-transformations.yaml")},
    "artifact-passing-explicit-plugin.yaml": "needs an artifact driver plugin (a cluster resource)",
    "workflow-level-executor-plugin.yaml": "needs an executor plugin (a cluster resource)",
    **{name: _CLUSTER + ": resource templates" for name in (
        "k8s-jobs.yaml", "k8s-orchestration.yaml", "k8s-owner-reference.yaml",
        "k8s-patch-json-pod.yaml", "k8s-patch-json-workflow.yaml", "k8s-patch-merge-pod.yaml",
        "k8s-patch-pod.yaml", "k8s-resource-log-selector.yaml", "k8s-set-owner-reference.yaml",
        "k8s-wait-wf.yaml", "resource-delete-with-flags.yaml", "resource-flags.yaml",
        "workflow-of-workflows.yaml")},
    **{name: _CLUSTER + ": a ConfigMap (runs with --configmaps FILE)" for name in (
        "arguments-parameters-from-configmap.yaml", "global-parameters-from-configmap.yaml",
        "global-parameters-from-configmap-referenced-as-local-variable.yaml",
        "synchronization-wf-level.yaml", "synchronization-tmpl-level.yaml")},
    **{name: _CLUSTER + ": a PersistentVolumeClaim or ResourceClaim" for name in (
        "volumes-existing.yaml", "testvolume.yaml", "resource-claims.yaml",
        "resource-claims-template-override.yaml")},
    **{name: _CLUSTER + ": a database configured in the workflow controller" for name in (
        "synchronization-db-mutex-tmpl-level.yaml", "synchronization-db-mutex-wf-level.yaml",
        "synchronization-db-tmpl-level.yaml", "synchronization-db-wf-level.yaml")},
    "artifact-repository-ref.yaml": _CLUSTER + ": the artifact-repositories ConfigMap",
    **{name: _CLUSTER + ": (Cluster)WorkflowTemplates (runs with --templates PATH)" for name in (
        "workflow-template/dag.yaml", "workflow-template/hello-world.yaml",
        "workflow-template/retry-with-steps.yaml", "workflow-template/steps.yaml",
        "workflow-template/workflow-template-ref.yaml",
        "workflow-template/workflow-template-ref-with-entrypoint-arg-passing.yaml",
        "cluster-workflow-template/cluster-wftmpl-dag.yaml",
        "cluster-workflow-template/mixed-cluster-namespaced-wftmpl-steps.yaml",
        "cluster-workflow-template/workflow-template-ref.yaml",
        "cluster-workflow-template/workflow-template-ref-with-entrypoint-arg-passing.yaml")},
    **{name: "not a Workflow (a WorkflowTemplate, CronWorkflow, ConfigMap, ... to apply to a "
             "cluster)" for name in (
        "artifacts-workflowtemplate.yaml", "buildkit-template.yaml", "ci-workflowtemplate.yaml",
        "cluster-workflow-template/clustertemplates.yaml", "configmaps/simple-parameters-configmap.yaml",
        "cron-backfill.yaml", "cron-when.yaml", "cron-workflow-multiple-schedules.yaml",
        "cron-workflow.yaml", "dag-inline-clusterworkflowtemplate.yaml",
        "dag-inline-cronworkflow.yaml", "dag-inline-workflowtemplate.yaml",
        "workflow-count-resourcequota.yaml", "workflow-template/input-artifacts.yaml",
        "workflow-template/templates.yaml",
        "workflow-event-binding/event-consumer-workfloweventbinding.yaml",
        "workflow-event-binding/event-consumer-workflowtemplate.yaml",
        "workflow-event-binding/github-path-filter-workfloweventbinding.yaml",
        "workflow-event-binding/github-path-filter-workflowtemplate.yaml")},
    **{name: "runs a Windows image (mcr.microsoft.com/windows/nanoserver)" for name in (
        "hello-windows.yaml", "hello-hybrid.yaml")},
    **{name: "needs nginx on the host (images are not pulled)" for name in (
        "daemon-nginx.yaml", "sidecar-nginx.yaml", "dag-daemon-retry-strategy.yaml",
        "steps-daemon-retry-strategy.yaml")},
    "daemoned-stateful-set-with-service.yaml": _CLUSTER + ": a StatefulSet and Service",
    **{name: "waits for `argo resume` / `plait resume` (a suspend with no duration)" for name in (
        "suspend-template.yaml", "suspend-template-outputs.yaml",
        "intermediate-parameters.yaml")},
}
