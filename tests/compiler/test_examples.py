"""Argo's own examples check with no false error, and only justified warnings."""

from __future__ import annotations

from plait.compiler.check import check_paths
from plait.compiler.report import format_text

from ..conftest import need_examples

# The one known-invalid example (../shared/argo/README.md) and what plait must say there.
KNOWN_INVALID = {("k8s-patch-json-workflow.yaml", "PL102")}

# Warnings that fire on Argo's examples, each with the reason it is right to warn
# (the README's "Warnings on Argo's examples" section says the same).
JUSTIFIED_WARNINGS = {
    "PL317": "variables-showcase prints workflow.status in a normal step, where it is 'Running'",
    "PL418": "two examples define templates that nothing calls (fibonacci-seq-conditional-param, http-success-condition)",
    "PL340": "fun-with-gifs and k8s-jobs indent generateName/name away from metadata: no name",
    "PL358": "synchronization-*-tmpl-level pass 'seconds' to templates that declare no such input",
    "PL601": "many examples splice inputs.parameters into script.source (shell injection risk)",
    "PL602": "examples set literal values on env vars named like secrets",
    "PL604": "sidecar-dind runs Docker-in-Docker in a privileged sidecar",
}


def test_examples_have_no_false_errors():
    examples = need_examples()
    report = check_paths([str(examples)])
    errors = [d for d in report.diagnostics if d.severity.value == "error"]
    unexpected = [d for d in errors
                  if (d.file.rsplit("/", 1)[-1], d.code) not in KNOWN_INVALID]
    assert unexpected == [], format_text(unexpected, snippets=False)
    found = {(d.file.rsplit("/", 1)[-1], d.code) for d in errors}
    assert found == KNOWN_INVALID


def test_example_warnings_are_justified():
    examples = need_examples()
    report = check_paths([str(examples)])
    codes = {d.code for d in report.diagnostics if d.severity.value == "warning"}
    assert codes <= set(JUSTIFIED_WARNINGS), sorted(codes - set(JUSTIFIED_WARNINGS))


def test_every_workflow_document_is_read():
    examples = need_examples()
    report = check_paths([str(examples)])
    assert sum(len(fr.workflows) for fr in report.files) >= 200
