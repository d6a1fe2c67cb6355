"""Layer 1 of the kubernetes backend's verification: every Pod and Secret it would send, for
every sample and conformance workflow that compiles, is valid for Kubernetes 1.33 (strict:
no unknown field), checked with kubernetes-validate against the API's OpenAPI schema. The
objects are the ones `--dry-run` prints: the first ready nodes' pods."""

from __future__ import annotations

from pathlib import Path

import pytest

from plait.compiler.api import CheckError, compile
from plait.runtime.backends.kube_dryrun import first_objects
from plait.runtime.images import ImageTable

from ..conformance.expectations import CASES
from ..conformance.harness import example_path
from ..conformance.more_examples import MORE_CASES
from ..conftest import EXAMPLES, need_examples

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="pip install kubernetes-validate (the test extra has it)")

ROOT = Path(__file__).resolve().parent.parent.parent
K8S_VERSION = "1.33"


def _workflows() -> list[Path]:
    paths = sorted((ROOT / "samples").glob("*.yaml"))
    seen = set(paths)
    for case in CASES + MORE_CASES:
        path = example_path(case)
        if path not in seen:
            seen.add(path)
            paths.append(path)
    return paths


def validate(doc: dict) -> None:
    try:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        meta = doc.get("metadata") or {}
        pytest.fail(f"{doc.get('kind')} {meta.get('name')}: {exc}")


@pytest.mark.parametrize("path", _workflows(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_object_validates(path: Path):
    if not path.exists() and path.is_relative_to(EXAMPLES):
        need_examples()             # skips, saying how to get them (fails under CI=true)
    try:
        plan = compile(str(path))
    except CheckError:
        pytest.skip("does not compile without its arguments")
    docs, errors = first_objects(plan, namespace="argo", images=ImageTable.load(None))
    for error in errors:     # only what a cluster cannot run from here
        assert "not supported" in error or "not in the image table" in error, error
    for doc in docs:
        validate(doc)


def test_an_unknown_field_is_refused_by_the_schema_check():
    """The check is strict: a field Kubernetes does not know fails it (so the test above
    would catch a plait-only key leaking into a Pod)."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
           "spec": {"containers": [{"name": "main", "image": "busybox",
                                    "mirrorVolumeMounts": True}]}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pod, K8S_VERSION, strict=True)
