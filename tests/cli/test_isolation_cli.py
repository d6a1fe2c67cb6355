"""Isolation through the command line (issues 8 and 9): under `plait run` and `plait submit`
a pod gets no host variable and no plait module, a run refuses to go unsandboxed unless told
to, and a run made without a sandbox (or with limits it could not enforce) says so."""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from plait.runtime.backends import sandbox
from plait.runtime.store import Store

from ..helpers import ROOT, finished
from ..helpers import cli as plait

SECRET = "s3cr3t-host-value-8"

PROBE = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: python:3.12
      command: [sh, -c]
      args:
      - |
        env; echo "cwd=$(pwd)"
        for py in python3 {python}; do
          for m in runtime compiler; do "$py" -c "import $m" 2>&1 | tail -1; done
        done
      resources:
        limits: {{cpu: 100m}}
"""


@pytest.fixture(autouse=True)
def home(plait_home, monkeypatch):
    monkeypatch.delenv("PLAIT_SANDBOX", raising=False)
    monkeypatch.delenv("PLAIT_PASS_ENV", raising=False)
    monkeypatch.setenv("CI_CLOUD_SECRET", SECRET)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))       # the worst case: plait's root on the path
    monkeypatch.chdir(ROOT)                           # started from plait's own checkout
    return plait_home


@pytest.fixture(params=["auto", "none"])
def mode(request):
    if request.param == "auto" and sandbox.find_bwrap()[0] is None:
        pytest.skip("no working bubblewrap here")
    return request.param


def _probe(tmp_path: Path, name: str, mode: str) -> Path:
    # unsandboxed, this venv's python is visible too: it must not import plait's modules either
    python = sys.executable if mode == "none" else "python3"
    path = tmp_path / f"{name}.yaml"
    path.write_text(PROBE.format(name=name, python=python))
    return path


def _pod_output(capsys, name: str) -> str:
    code, out, err = plait(capsys, "logs", name)
    assert code == 0, err
    return out


def _check_pod_output(text: str) -> None:
    assert SECRET not in text
    assert "PYTHONPATH" not in text and "PLAIT_" not in text
    assert f"cwd={ROOT}" not in text
    assert text.count("ModuleNotFoundError: No module named 'runtime'") >= 1
    assert text.count("ModuleNotFoundError: No module named 'compiler'") >= 1
    assert "import" not in text.replace("ModuleNotFoundError", "")   # nothing else printed


@pytest.mark.parametrize("verb", ["run", "submit"])
def test_pods_get_no_host_env_and_no_plait_modules(capsys, tmp_path, home, mode, verb):
    name = f"probe-{verb}-{mode}"
    path = _probe(tmp_path, name, mode)
    if verb == "run":
        code, _, err = plait(capsys, "run", path, "--sandbox", mode)
        assert code == 0, err
    else:
        code, _, err = plait(capsys, "submit", path, "--sandbox", mode)
        assert code == 0, err
        assert finished(home, name).phase.value == "Succeeded"
    text = _pod_output(capsys, name)
    _check_pod_output(text)
    lines = [l.split(": ", 1)[-1] for l in text.splitlines()]
    assert any(l == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" for l in lines)


@pytest.mark.parametrize("verb", ["run", "submit"])
def test_pass_env_passes_only_the_named_variables(capsys, tmp_path, home, monkeypatch, verb):
    monkeypatch.setenv("OTHER_TOKEN", "other-host-value")
    monkeypatch.setenv("PLAIT_PASS_ENV", "OTHER_TOKEN")
    name = f"pass-{verb}"
    path = _probe(tmp_path, name, "none")
    code, _, err = plait(capsys, verb, path, "--sandbox", "none", "--pass-env", "CI_CLOUD_SECRET")
    assert code == 0, err
    if verb == "submit":
        finished(home, name)
        row = Store.at(home).workflow(name)
        assert row.options["pass_env"] == ["CI_CLOUD_SECRET", "OTHER_TOKEN"]
        assert SECRET not in json.dumps(row.options)        # names stored, never values
    text = _pod_output(capsys, name)
    assert f"CI_CLOUD_SECRET={SECRET}" in text and "OTHER_TOKEN=other-host-value" in text


def test_bad_pass_env_name_is_a_usage_error(capsys):
    assert plait(capsys, "run", "samples/hello.yaml", "--pass-env", "A=B")[0] == 2
    assert plait(capsys, "run", "samples/hello.yaml", "--pass-env", "PLAIT_HOME")[0] == 2


@pytest.mark.parametrize("verb", ["run", "submit"])
def test_no_working_sandbox_refuses_with_exit_2(capsys, tmp_path, home, monkeypatch, verb):
    monkeypatch.setattr(sandbox, "bundled_bwrap", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))             # no system bwrap either
    code, out, err = plait(capsys, verb, "samples/hello.yaml")
    assert code == 2
    assert "--sandbox none" in err and "PLAIT_SANDBOX=none" in err and "bubblewrap" in err
    assert not (home / "plait.db").exists() or Store.at(home).list_workflows() == []
    monkeypatch.setenv("PLAIT_SANDBOX", "sometimes")
    assert plait(capsys, verb, "samples/hello.yaml")[0] == 2


@pytest.mark.parametrize("verb", ["run", "submit"])
def test_unsandboxed_run_says_so_in_get_and_the_store(capsys, tmp_path, home, monkeypatch, verb):
    name = f"nosandbox-{verb}"
    path = _probe(tmp_path, name, "none")
    monkeypatch.setenv("PLAIT_SANDBOX", "none")
    code, _, err = plait(capsys, verb, path)
    assert code == 0
    # said at once: run names its sandbox, submit warns
    assert ("sandbox none" if verb == "run" else "UNSANDBOXED (--sandbox none)") in err
    if verb == "submit":
        finished(home, name)
    row = Store.at(home).workflow(name)
    assert row.options["sandbox"] == "none"
    assert "limits.cpu" in row.options["limits_not_enforced"]
    code, text, _ = plait(capsys, "get", name)
    assert code == 0
    assert "Sandbox:             none: pods ran as plain host processes, unsandboxed" in text
    assert "Not enforced:" in text and "limits.cpu" in text
    code, out, _ = plait(capsys, "list")
    assert f"{name} " in out and "(unsandboxed)" in out.splitlines()[1]     # list says so too
    code, out, _ = plait(capsys, "get", name, "-o", "json")
    notes = json.loads(out)["metadata"]["annotations"]
    assert notes["plait.dev/sandbox"].startswith("none")
    assert "limits.cpu" in notes["plait.dev/limits-not-enforced"]


def test_sandboxed_run_has_no_sandbox_note(capsys, tmp_path):
    if sandbox.find_bwrap()[0] is None:
        pytest.skip("no working bubblewrap here")
    assert plait(capsys, "run", "samples/hello.yaml", "--name", "boxed")[0] == 0
    code, out, _ = plait(capsys, "get", "boxed", "-o", "json")
    assert "plait.dev/sandbox" not in json.dumps(json.loads(out)["metadata"])
    assert "Sandbox:" not in plait(capsys, "get", "boxed")[1]


# -- issue 8, "Done when": with default settings (no --sandbox, no PLAIT_HOME), one test per
# path a pod must not reach. The state lives where it does for a user: under the home folder,
# not under the host's /tmp (which pods never saw), so only the sandbox stands in the way.

VICTIM = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: victim}}
spec:
  entrypoint: main
  arguments: {{parameters: [{{name: token, value: {mark}}}]}}
  templates:
  - name: main
    container:
      image: busybox
      command: [sh, -c, "echo {{{{workflow.parameters.token}}}} > /tmp/a.txt; echo {{{{workflow.parameters.token}}}}"]
    outputs:
      artifacts: [{{name: a, path: /tmp/a.txt, archive: {{none: {{}}}}}}]
"""

SPY = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: spy}}
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: busybox
      command: [sh, -c]
      args: ['for f in {paths}; do grep -a -o -h "{pattern}" "$f"; done; ls -a {folder}; env; echo end']
"""


@pytest.fixture
def default_state(monkeypatch):
    """plait's default state folder (`~/.local/state/plait`) under a fresh home folder outside
    /tmp; yields (home folder, state folder, a marker no pod may print, a grep pattern for it
    that does not itself hold the marker)."""
    folder = Path.home() / f".plait-attack-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.delenv("PLAIT_HOME", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    mark = f"M{uuid.uuid4().hex}K"
    try:
        yield folder, folder / ".local" / "state" / "plait", mark, mark[:-1] + "[K]"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _spy(capsys, tmp_path, paths: list[Path], folder: Path, pattern: str
         ) -> tuple[str, list[str]]:
    """Run the spy with default settings; what it printed, and its lines without the pod's
    prefix (an `ls` that worked shows the folder's entries as lines of their own)."""
    if sandbox.find_bwrap()[0] is None:
        pytest.skip("no working bubblewrap here: the default run refuses (tested above)")
    flow = tmp_path / "spy.yaml"
    flow.write_text(SPY.format(paths=" ".join(str(p) for p in paths), pattern=pattern,
                               folder=folder))
    code, _, err = plait(capsys, "run", flow)
    assert code == 0, err
    text = _pod_output(capsys, "spy")
    lines = [line.split(": ", 1)[-1] for line in text.splitlines()]
    assert lines[-1] == "end", text
    return text, lines


def _victim(capsys, tmp_path, mark: str) -> None:
    flow = tmp_path / "victim.yaml"
    flow.write_text(VICTIM.format(mark=mark))
    code, _, err = plait(capsys, "run", flow)
    assert code == 0, err


def test_default_run_cannot_read_the_home_folder(capsys, tmp_path, default_state):
    folder, _, mark, pattern = default_state
    creds = folder / ".aws" / "credentials"
    creds.parent.mkdir()
    creds.write_text(f"aws_secret_access_key = {mark}\n")
    text, lines = _spy(capsys, tmp_path, [creds], folder, pattern)
    assert mark not in text and ".aws" not in lines


def test_default_run_cannot_read_plait_home(capsys, tmp_path, default_state):
    _, state, mark, pattern = default_state
    _victim(capsys, tmp_path, mark)                # its parameter is in the store now
    db = sorted(state.glob("plait.db*"))
    assert any(mark.encode() in p.read_bytes() for p in db)      # the attack would find it
    text, lines = _spy(capsys, tmp_path, db, state, pattern)
    assert mark not in text and "plait.db" not in lines


def test_default_run_cannot_read_another_runs_files(capsys, tmp_path, default_state):
    _, state, mark, pattern = default_state
    _victim(capsys, tmp_path, mark)
    files = [p for d in ("artifacts", "logs") for p in (state / d / "victim").rglob("*")
             if p.is_file()]
    assert sum(mark.encode() in p.read_bytes() for p in files) >= 2   # its artifact and log
    text, lines = _spy(capsys, tmp_path, files, state / "artifacts", pattern)
    assert mark not in text and "victim" not in lines


def test_default_run_cannot_read_the_host_environment(capsys, tmp_path, default_state, monkeypatch):
    _, state, mark, pattern = default_state
    monkeypatch.setenv("CLOUD_TOKEN", mark)
    text, _ = _spy(capsys, tmp_path, [], state, pattern)
    assert mark not in text and "CLOUD_TOKEN" not in text


def test_a_config_file_cannot_turn_the_sandbox_off(capsys, tmp_path, monkeypatch, home):
    """`sandbox = "none"` in `.plait.toml` or `[tool.plait]` is refused (exit 2, nothing
    runs), with or without a working bubblewrap: only `--sandbox` on the command line chooses."""
    for name, text in ((".plait.toml", 'sandbox = "none"\n'),
                       ("pyproject.toml", '[tool.plait]\nsandbox = "none"\n')):
        project = tmp_path / name.strip(".").replace(".", "-")
        project.mkdir()
        (project / name).write_text(text)
        monkeypatch.chdir(project)
        for verb in ("run", "submit"):
            code, _, err = plait(capsys, verb, ROOT / "samples/hello.yaml", "--name", "escaped")
            assert code == 2 and "'sandbox' cannot be set in a configuration file" in err
        with monkeypatch.context() as m:
            m.setattr(sandbox, "bundled_bwrap", lambda: None)
            m.setenv("PATH", str(tmp_path))
            code, _, err = plait(capsys, "run", ROOT / "samples/hello.yaml")
            assert code == 2 and "'sandbox' cannot be set" in err
        assert Store.at(home).workflow("escaped") is None         # nothing was recorded
