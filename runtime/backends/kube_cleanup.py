"""`plait delete` of a run that ran on the kubernetes backend: its Pods, Secrets and owner go too.

The run's options (recorded in the store) say how it connected; every Pod and Secret with
the run's labels (`kube_manifest.selector`: the workflow label and plait's owner marker) is
deleted, whatever its node, so Pods kept with `--keep-pods` or left by a killed runner do not
outlive the run's records; so is the ConfigMap that owns the run's `setOwnerReference`
resources, after which Kubernetes' garbage collector deletes those too, as it does when an
Argo Workflow object is deleted.
"""

from __future__ import annotations

import json
from typing import Any

from .kube_connect import connect
from .kube_manifest import selector


def delete_run_objects(options: dict[str, Any], workflow: str) -> list[str]:
    """Delete the run's Pods, Secrets and owner ConfigMap; returns `kind/name` of each one deleted. Raises
    `kube_connect.ClientMissing`/`ConnectionFailed`, or the client's ApiException."""
    opts = options.get("backend_options") or {}
    conn = connect(kubeconfig=opts.get("kubeconfig"), context=opts.get("context"),
                   namespace=opts.get("namespace"))
    from kubernetes import client  # the optional dependency, present once connect() worked
    core = client.CoreV1Api(conn.api_client)
    deleted = []
    try:
        for kind, lister, deleter in (
                ("pod", core.list_namespaced_pod, core.delete_namespaced_pod),
                ("secret", core.list_namespaced_secret, core.delete_namespaced_secret),
                ("configmap", core.list_namespaced_config_map,
                 core.delete_namespaced_config_map)):
            listed: Any = lister(conn.namespace, label_selector=selector(workflow),
                            _preload_content=False)
            for item in json.loads(listed.data).get("items") or []:
                name = str(item["metadata"]["name"])
                deleter(name, conn.namespace, grace_period_seconds=0, _preload_content=False)
                deleted.append(f"{kind}/{name}")
    finally:
        conn.api_client.close()
    return deleted


__all__ = ["delete_run_objects"]
