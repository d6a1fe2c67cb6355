"""Shape of the shipped samples: valid YAML, workflow kinds only, written in native `<<...>>` syntax."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
KINDS = {"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"}
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


def test_there_are_samples() -> None:
    assert len(SAMPLE_FILES) >= 12
    assert (SAMPLES / "hello.yaml") in SAMPLE_FILES


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_documents_are_workflow_kinds(path: Path) -> None:
    docs = [d for d in YAML(typ="safe").load_all(path.read_text(encoding="utf-8")) if d is not None]
    assert docs, f"{path.name} has no document"
    for doc in docs:
        assert doc.get("apiVersion") == "argoproj.io/v1alpha1"
        assert doc.get("kind") in KINDS


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_uses_native_tags_only(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "<<" in text and ">>" in text, f"{path.name} uses no <<...>> tag"
    assert "{{" not in text, f"{path.name} uses Argo's {{{{...}}}} syntax instead of <<...>>"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_starts_with_a_comment(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# "), f"{path.name} must open with a comment saying what it shows"


def test_hello_is_the_smallest_workflow() -> None:
    doc = YAML(typ="safe").load((SAMPLES / "hello.yaml").read_text(encoding="utf-8"))
    assert doc["kind"] == "Workflow"
    assert doc["metadata"]["generateName"] == "hello-"
    assert len(doc["spec"]["templates"]) == 1
    assert "container" in doc["spec"]["templates"][0]
