"""The pre-commit hook, run by pre-commit itself in a scratch git repository.

pre-commit passes a hook only the files of the commit, in batches; a Workflow whose
`templateRef` was misspelt used to pass (a warning) when the WorkflowTemplate was not among
them. The hook must block it whatever is committed together. The test uses the hook with
`language: system` (the plait of this checkout, on PATH) so that pre-commit installs nothing
and needs no network; it also checks that this hook and the `language: python` one differ
in nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ..conftest import ROOT

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e .[test])")
if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)

MANIFEST = ROOT / ".pre-commit-hooks.yaml"

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: greetings
spec:
  templates:
    - name: hello
      inputs:
        parameters: [{name: message}]
      container:
        image: alpine:3.19
        command: [echo, "{{inputs.parameters.message}}"]
"""

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: greet-
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: greet
            templateRef: {name: greetings, template: %s}
            arguments:
              parameters: [{name: message, value: %s}]
"""


def git(cwd: Path, *args: str, env: dict | None = None, check: bool = True):
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=check)


@pytest.fixture
def env(tmp_path):
    """No network, no user configuration: pre-commit's cache and git's config in tmp."""
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", "")
    e["PRE_COMMIT_HOME"] = str(tmp_path / "cache")
    e["HOME"] = str(tmp_path / "home")
    e["GIT_CONFIG_NOSYSTEM"] = "1"
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        e.pop(k, None)
    e.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
             GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    (tmp_path / "home").mkdir()
    return e


def hooks_repo(tmp_path: Path, env: dict) -> tuple[Path, str]:
    """A git repository holding this checkout's hook manifest, as pre-commit fetches it."""
    repo = tmp_path / "hooks"
    repo.mkdir()
    git(repo, "init", "-q", env=env)
    shutil.copy(MANIFEST, repo / ".pre-commit-hooks.yaml")
    git(repo, "add", ".", env=env)
    git(repo, "commit", "-qm", "hooks", env=env)
    return repo, git(repo, "rev-parse", "HEAD", env=env).stdout.strip()


def commit(repo: Path, env: dict, message: str) -> subprocess.CompletedProcess:
    git(repo, "add", "-A", env=env)
    return git(repo, "commit", "-m", message, env=env, check=False)


def test_the_two_hooks_differ_only_in_how_plait_is_installed():
    hooks = {h["id"]: h for h in YAML(typ="safe").load(MANIFEST.read_text())}
    python, system = hooks["plait-check"], hooks["plait-check-system"]
    assert (python["language"], system["language"]) == ("python", "system")
    same = ("entry", "files", "require_serial")
    assert {k: python[k] for k in same} == {k: system[k] for k in same}
    assert python["require_serial"] is True and "--templates ." in python["entry"]


def test_commit_of_a_misspelt_template_ref_is_blocked(tmp_path, env):
    hooks, rev = hooks_repo(tmp_path, env)
    work = tmp_path / "work"
    (work / "templates").mkdir(parents=True)
    (work / "workflows").mkdir()
    git(work, "init", "-q", env=env)
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: plait-check-system\n")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=work, env=env,
                   check=True, capture_output=True)
    (work / "templates" / "greetings.yaml").write_text(TEMPLATE)
    (work / "workflows" / "greet.yaml").write_text(WORKFLOW % ("hello", "hi"))
    first = commit(work, env, "a template and a workflow that uses it")
    assert first.returncode == 0, first.stdout + first.stderr

    # only the Workflow changes: pre-commit passes plait that one file
    (work / "workflows" / "greet.yaml").write_text(WORKFLOW % ("helo", "hi"))
    blocked = commit(work, env, "misspelt templateRef")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "PL354" in out and "workflows/greet.yaml" in out and "did you mean 'hello'" in out
    assert git(work, "rev-list", "--count", "HEAD", env=env).stdout.strip() == "1"

    (work / "workflows" / "greet.yaml").write_text(WORKFLOW % ("hello", "hello again"))
    fixed = commit(work, env, "a correct change")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert git(work, "rev-list", "--count", "HEAD", env=env).stdout.strip() == "2"
