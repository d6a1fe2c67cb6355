"""Pod manifests: a resolved leaf template (container, script, containerSet) as a Kubernetes Pod.

`build_pod` is the one place that knows how Argo turns a template into a Pod: `main` first,
then the sidecars (`mirrorVolumeMounts` applied), init containers in order, the volumes the
containers mount (template volumes over the workflow's), the template's `metadata`, the pod
deadline and a few plait annotations that tell a backend what Argo's `wait`/`init` containers
would do (place inputs, read outputs back, write the script source):

    plait.dev/inputs      JSON [{"path", "source" (a host path), "mode"?}]
    plait.dev/outputs     JSON [{"path", "container"}] read back after main exits
    plait.dev/script      JSON {"container": "main", "source": "..."} (script templates)
    plait.dev/daemon      "true" for daemon templates
    plait.dev/container-dependencies   JSON {name: [deps]} (containerSet)

Secret and ConfigMap values never enter a manifest: `env[].valueFrom.secretKeyRef` and
`secret`/`configMap` volumes stay references, resolved by the backend when the pod starts.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from plait.compiler.plan import POD_SPEC_KEYS, WorkflowSettings
from plait.compiler.plancodec import decode_io, decode_template_settings
from plait.compiler.schema import plait_schema
from plait.grammar.durations import parse_duration
from plait.grammar.limits import LimitError, load_json

POD_KINDS = ("container", "script", "containerSet")
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"
NODE_NAME_ANNOTATION = "workflows.argoproj.io/node-name"
INPUTS = "plait.dev/inputs"
OUTPUTS = "plait.dev/outputs"
SCRIPT = "plait.dev/script"
DAEMON = "plait.dev/daemon"
DEPENDENCIES = "plait.dev/container-dependencies"
CONTAINER_RETRY = "plait.dev/container-retry"   # containerSet.retryStrategy: {retries, seconds}

# template keys that are Pod spec fields (kept for a Kubernetes backend; the local one ignores them)


def _container_retry(rs: dict[str, Any]) -> dict[str, float]:
    """A containerSet's `retryStrategy` (`retries`, Go-duration `duration` between tries): Argo
    runs a failing container again inside the same pod, its files kept."""
    try:
        retries = max(0, int(str(rs.get("retries", 0)).strip()))
    except ValueError:
        raise PodError(f"containerSet.retryStrategy.retries {rs.get('retries')!r} is not "
                       f"an integer") from None
    seconds = 0.0
    if rs.get("duration") not in (None, ""):
        try:
            seconds = parse_duration(str(rs["duration"]).strip(), False)
        except ValueError as exc:
            raise PodError(f"containerSet.retryStrategy.duration: {exc}") from None
    return {"retries": retries, "seconds": seconds}


class PodError(ValueError):
    """The template cannot become a pod (not a pod kind, no body)."""


def build_pod(*, workflow: str, node_name: str, pod_name: str, template: dict[str, Any],
              spec_volumes: list[dict[str, Any]], inputs: list[dict[str, Any]],
              outputs: list[str], deadline: int | None,
              service_account: str | None) -> dict[str, Any]:
    """The Pod manifest for a rendered leaf template record (no tags left in its body)."""
    kind = template.get("kind")
    body = template.get("body")
    if kind not in POD_KINDS or not isinstance(body, dict):
        raise PodError(f"template {template.get('name')!r} of kind {kind!r} does not run as a pod")
    settings = decode_template_settings(template.get("settings"))
    annotations: dict[str, str] = {NODE_NAME_ANNOTATION: node_name}
    labels: dict[str, str] = {}
    meta = settings.metadata or {}
    labels.update({str(k): str(v) for k, v in (meta.get("labels") or {}).items()})
    annotations.update({str(k): str(v) for k, v in (meta.get("annotations") or {}).items()})
    labels[WORKFLOW_LABEL] = workflow

    if kind == "containerSet":
        shared = list(body.get("volumeMounts") or [])
        containers, deps = [], {}
        for raw in body.get("containers") or []:
            c = _container(raw, raw.get("name", "main"))
            deps[c["name"]] = [str(d) for d in raw.get("dependencies") or []]
            c["volumeMounts"] = _merge_mounts(c.get("volumeMounts"), shared)
            containers.append(c)
        annotations[DEPENDENCIES] = json.dumps(deps, sort_keys=True)
        if isinstance(body.get("retryStrategy"), dict):
            annotations[CONTAINER_RETRY] = json.dumps(_container_retry(body["retryStrategy"]))
        main_name = "main" if "main" in deps else (containers[-1]["name"] if containers else "main")
    else:
        main = _container(body, "main")
        if kind == "script":
            main.pop("source", None)
            annotations[SCRIPT] = json.dumps({"container": "main", "source": str(body.get("source", ""))})
        containers = [main]
        main_name = "main"
        for raw in settings.sidecars or []:
            containers.append(_mirrored(_container(raw, raw.get("name", "sidecar")), raw, main))
    main_mounts = next((c.get("volumeMounts") or [] for c in containers if c["name"] == main_name), [])
    inits = [_mirrored(_container(raw, raw.get("name", f"init-{i}")), raw, {"volumeMounts": main_mounts})
             for i, raw in enumerate(settings.init_containers or [])]

    annotations[OUTPUTS] = json.dumps([{"path": p, "container": main_name} for p in outputs])
    annotations[INPUTS] = json.dumps([dict(i) for i in inputs])
    if settings.is_daemon:
        annotations[DAEMON] = "true"

    spec: dict[str, Any] = {"restartPolicy": "Never"}
    if inits:
        spec["initContainers"] = inits
    spec["containers"] = containers
    spec["volumes"] = _volumes(inits + containers, settings.volumes or [], spec_volumes)
    if deadline is not None:
        spec["activeDeadlineSeconds"] = int(deadline)
    account = service_account or settings.service_account_name
    if account:
        spec["serviceAccountName"] = str(account)
    pod_fields = settings.pod or {}
    for key in POD_SPEC_KEYS:
        if key in pod_fields:
            spec[key] = copy.deepcopy(pod_fields[key])
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": pod_name, "labels": labels, "annotations": annotations},
           "spec": spec}
    patch = settings.pod_spec_patch
    if patch:
        pod["spec"] = _patch_spec(spec, patch)
    return pod


def pod_outputs(template: dict[str, Any]) -> list[str]:
    """Container paths to read back after main exits: output parameters' `valueFrom.path` and
    output artifacts' `path`, in order, without duplicates."""
    outs = decode_io(template.get("outputs"))
    paths: list[str] = []
    for path in [p.value_from.path if p.value_from is not None else None
                 for p in outs.parameters] + [a.path for a in outs.artifacts]:
        if isinstance(path, str) and path and path not in paths:
            paths.append(path)
    return paths


def workflow_volumes(settings: WorkflowSettings) -> list[dict[str, Any]]:
    """`spec.volumes` plus one `persistentVolumeClaim` volume per `spec.volumeClaimTemplates`
    entry (as Argo's controller adds them): the `spec_volumes` to give `build_pod`."""
    vols = [copy.deepcopy(v) for v in settings.volumes or [] if isinstance(v, dict)]
    for claim in settings.volume_claim_templates or []:
        name = ((claim or {}).get("metadata") or {}).get("name")
        if name and not any(v.get("name") == name for v in vols):
            vols.append({"name": name, "persistentVolumeClaim": {"claimName": name}})
    return vols


def _container(raw: dict[str, Any], name: str) -> dict[str, Any]:
    c = copy.deepcopy(raw)
    c.pop("dependencies", None)
    c["name"] = str(name)
    return c


def _mirrored(c: dict[str, Any], raw: dict[str, Any], main: dict[str, Any]) -> dict[str, Any]:
    """`mirrorVolumeMounts: true` gives a sidecar/init container main's mounts (flag kept)."""
    if raw.get("mirrorVolumeMounts"):
        c["volumeMounts"] = _merge_mounts(c.get("volumeMounts"), main.get("volumeMounts") or [])
    return c


def _merge_mounts(own: list | None, extra: list) -> list:
    mounts = list(copy.deepcopy(own or []))
    paths = {m.get("mountPath") for m in mounts}
    mounts += [copy.deepcopy(m) for m in extra if m.get("mountPath") not in paths]
    return mounts


def _volumes(containers: list[dict[str, Any]], template_vols: list, spec_vols: list) -> list:
    """The volumes the containers mount: the template's first, then the workflow's."""
    wanted = [m.get("name") for c in containers for m in c.get("volumeMounts") or []]
    by_name: dict[str, dict[str, Any]] = {}
    for v in list(template_vols) + list(spec_vols):
        if isinstance(v, dict) and v.get("name") and v["name"] not in by_name:
            by_name[v["name"]] = v
    out, seen = [], set()
    for name in wanted:
        if name in by_name and name not in seen:
            seen.add(name)
            out.append(copy.deepcopy(by_name[name]))
    # template volumes nobody mounts are still part of the pod (Argo keeps them)
    for v in template_vols:
        if isinstance(v, dict) and v.get("name") not in seen:
            seen.add(v.get("name"))
            out.append(copy.deepcopy(v))
    return out


def _patch_spec(spec: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply `podSpecPatch` (JSON or YAML text, or a mapping) as a strategic merge patch would
    for the common cases: mappings merge, `containers`/`initContainers` merge by name."""
    if isinstance(patch, str):
        try:
            patch = load_json(patch, "podSpecPatch")
        except LimitError:
            raise
        except ValueError:
            from ruamel.yaml import YAML  # podSpecPatch is YAML text in most workflows
            from ruamel.yaml.error import YAMLError
            try:
                patch = YAML(typ="safe", pure=True).load(patch)
            except (YAMLError, RecursionError) as exc:
                raise ValueError(f"podSpecPatch is neither JSON nor YAML: {exc}") from None
    if not isinstance(patch, dict):
        return spec
    merged = _merge(spec, patch)
    _check_patched(merged)
    return merged


def _check_patched(spec: dict[str, Any]) -> None:
    """PodError where the patched spec does not have the Pod's types (`containers: x`, a
    number as `workingDir`, text as `activeDeadlineSeconds`): Argo fails such a node, as the
    patch cannot be read into a PodSpec. Fields are typed by Argo's schema of containers and
    volumes; unknown fields are left alone (a PodSpec drops them too)."""
    import jsonschema  # lazily (a heavy library): only pods with a podSpecPatch need it

    error = jsonschema.exceptions.best_match(_patched_validator().iter_errors(spec))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "spec"
        raise PodError(f"podSpecPatch makes an invalid pod: {where}: {error.message}")


@functools.lru_cache(maxsize=1)
def _patched_validator() -> Any:
    import jsonschema

    definitions = _open(plait_schema()["definitions"])
    listed = {"type": "array", "items": {"$ref": "#/definitions/Container"}}
    schema = {"definitions": definitions, "type": "object", "properties": {
        "containers": listed, "initContainers": listed,
        "volumes": {"type": "array", "items": {"$ref": "#/definitions/Volume"}},
        "activeDeadlineSeconds": {"type": "integer"}}}
    return jsonschema.Draft7Validator(schema)


def _open(schema: Any) -> Any:
    """`schema` without its `additionalProperties: false` (types only)."""
    if isinstance(schema, dict):
        return {k: _open(v) for k, v in schema.items()
                if not (k == "additionalProperties" and v is False)}
    if isinstance(schema, list):
        return [_open(v) for v in schema]
    return schema


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            if k in ("containers", "initContainers") and isinstance(v, list):
                out[k] = _merge_named(base.get(k) or [], v)
            else:
                out[k] = _merge(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(patch)


def _merge_named(base: list, patch: list) -> list:
    out = [copy.deepcopy(c) for c in base]
    for p in patch:
        idx = next((i for i, c in enumerate(out) if c.get("name") == p.get("name")), None)
        if idx is None:
            out.append(copy.deepcopy(p))
        else:
            out[idx] = _merge(out[idx], p)
    return out


__all__ = ["DAEMON", "DEPENDENCIES", "INPUTS", "OUTPUTS", "POD_KINDS", "POD_SPEC_KEYS", "PodError", "SCRIPT",
           "build_pod", "pod_outputs", "workflow_volumes"]
