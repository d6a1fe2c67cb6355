"""Real-world shapes (issue 11): no false errors, and Argo 3.x fields under --argo-version.

`tests/fixtures/realworld/false_errors/` holds one minimal file per shape that Argo v4.1
accepts but plait used to reject; each checks without errors under every supported Argo
version (the warnings each may give are listed below). `tests/fixtures/realworld/argo3/`
holds one file per field that Argo 4.0 removed or tightened: exactly one error (PL210) for
4.x, none for 3.x.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from plait.cli import main
from plait.compiler.check import check_paths
from plait.compiler.compile import compile_workflow
from plait.compiler.config import Config, ConfigError, find_config
from plait.compiler.export import export_argo
from plait.compiler.report import format_text

from ..conftest import ROOT

REALWORLD = ROOT / "tests/fixtures/realworld"
FALSE_ERRORS = sorted((REALWORLD / "false_errors").glob("*.yaml"))
ARGO3 = sorted((REALWORLD / "argo3").glob("*.yaml"))
VERSIONS = [(3, 5), (3, 6), (3, 7), (4, 0), (4, 1)]

# the warnings a false-error file may give, each naming why (none is an error)
ALLOWED_WARNINGS = {
    "script_without_source": {"PL207"},         # the controller only logs a suggestion
    "templated_step_name": {"PL209"},           # the full CRD's name rule
    "gauge_without_realtime": {"PL208"},        # the full CRD's required list
    "memoize_without_max_age": {"PL208"},
}

# the `-p` a false-error file is submitted with (`argo submit -p`), where it needs some
SUBMIT_PARAMETERS = {
    "parameter_given_at_submit": {"bucket": "my-bucket", "prefix": "runs/1"},
}


def diagnostics(path: Path, version: tuple[int, int]):
    return check_paths([str(path.relative_to(ROOT))], config=Config(argo_version=version),
                       parameters=SUBMIT_PARAMETERS.get(path.stem)).diagnostics


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: "%d.%d" % v)
@pytest.mark.parametrize("path", FALSE_ERRORS, ids=lambda p: p.stem)
def test_no_false_error(path: Path, version):
    diags = diagnostics(path, version)
    errors = [d for d in diags if d.severity.value == "error"]
    assert errors == [], format_text(errors, snippets=False)
    warned = {d.code for d in diags}
    assert warned <= ALLOWED_WARNINGS.get(path.stem, set()), format_text(diags, snippets=False)


def test_every_false_error_kind_has_a_file():
    kinds = {"script_without_source", "null_optional_fields", "non_argo_braces",
             "c_scanner_only", "heredoc_append", "templated_step_name",
             "gauge_without_realtime", "memoize_without_max_age", "script_source_as_data",
             "parameter_given_at_submit"}
    assert kinds <= {p.stem for p in FALSE_ERRORS}


@pytest.mark.parametrize("interpreter", ["[python]", "[python3, -u]", "[bash, -e]", "[sh]", "[sh, -c]"])
def test_script_source_that_is_the_program_still_warns(tmp_path, interpreter):
    """The runner shape is exempt from PL601 only because `-m`/`-c` run other code: the
    same template whose interpreter runs the source file itself is still warned about."""
    text = (REALWORLD / "false_errors/script_source_as_data.yaml").read_text()
    text = text.replace("command: [python]\n        args: [-m, hera.workflows.runner, -e, "
                        "pipeline.steps:count]", f"command: {interpreter}")
    path = tmp_path / "wf.yaml"
    path.write_text(text)
    diags = check_paths([str(path)], config=Config()).diagnostics
    assert [(d.code, d.line) for d in diags] == [("PL601", 35)], format_text(diags, snippets=False)


def test_parameter_given_at_submit_is_still_checked():
    """Only what `-p` gives is added: a reference to a name not given is still PL302, and a
    `-p` name that nothing reads is still PL370 (likely misspelt)."""
    path = REALWORLD / "false_errors/parameter_given_at_submit.yaml"
    report = check_paths([str(path.relative_to(ROOT))], parameters={"bucket": "b", "prefx": "p"})
    assert [(d.code, d.message, d.hint) for d in report.diagnostics] == [
        ("PL370", "parameter 'prefx' is not declared in spec.arguments.parameters",
         "did you mean 'prefix'?"),
        ("PL302", "unknown workflow parameter 'prefix'", "did you mean 'prefx'?"),
    ], format_text(report.diagnostics, snippets=False)


@pytest.mark.parametrize("path", FALSE_ERRORS, ids=lambda p: p.stem)
def test_false_error_file_exports_as_written(path: Path):
    """`--emit argo` gives the input back as data: a heredoc, a kubectl or Vault template and
    Helm-style text stay as written; only plait's own `<<...>>` tags become `{{...}}`."""
    from ruamel.yaml import YAML

    done = compile_workflow(str(path.relative_to(ROOT)), parameters=SUBMIT_PARAMETERS.get(path.stem))
    assert done.plan is not None, [str(d) for d in done.diagnostics]
    given = path.read_text(encoding="utf-8").replace("<<workflow.name>>", "{{workflow.name}}")
    exported = export_argo(done.workflow, done.plan, False, done.documents)
    yaml = YAML(typ="safe", pure=True)
    assert yaml.load(exported) == yaml.load(given)


@pytest.mark.parametrize("path", ARGO3, ids=lambda p: p.stem)
def test_argo3_field_is_one_error_under_v4(path: Path):
    for version in ((4, 0), (4, 1)):
        diags = diagnostics(path, version)
        assert [d.code for d in diags] == ["PL210"], format_text(diags, snippets=False)
        [d] = diags
        assert d.severity.value == "error" and "removed in Argo v4" in d.message
        assert "argo convert" in d.hint
        assert "LocalObjectReference" not in d.message + d.hint


@pytest.mark.parametrize("path", ARGO3, ids=lambda p: p.stem)
def test_argo3_field_is_accepted_under_v3(path: Path):
    for version in ((3, 5), (3, 6), (3, 7)):
        assert diagnostics(path, version) == [], path.name


def test_argo3_fields_still_checked_under_v3(tmp_path):
    bad = (REALWORLD / "argo3/synchronization_mutex.yaml").read_text().replace(
        "name: my-lock", "nmae: my-lock")
    path = tmp_path / "wf.yaml"
    path.write_text(bad)
    diags = check_paths([str(path)], config=Config(argo_version=(3, 7))).diagnostics
    assert [(d.code, d.message) for d in diags] == [("PL201", "unknown key 'nmae' in Mutex")]


def test_cli_argo_version(capsys):
    folder = str((REALWORLD / "argo3").relative_to(ROOT))
    assert main(["check", folder, "--argo-version", "3.7"]) == 0
    assert main(["check", folder, "--argo-version", "v3.6.4"]) == 0
    assert main(["check", folder]) == 1                        # default 4.1
    out = capsys.readouterr().out
    assert out.count("[PL210]") == len(ARGO3)
    assert main(["check", folder, "--argo-version", "3.4"]) == 2
    assert "use 3.5, 3.6, 3.7 or 4.x" in capsys.readouterr().err


def test_config_argo_version(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\nargo-version = "3.7"\n')
    assert find_config(tmp_path).argo_version == (3, 7)
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\nargo-version = "2.12"\n')
    with pytest.raises(ConfigError, match="argo-version"):
        find_config(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\ndisable = []\n')
    assert find_config(tmp_path).argo_version == (4, 1)


def test_quoted_parallelism_zero_is_one_type_error(tmp_path):
    """`parallelism: "0"` is a string, which no Argo decodes into the integer field: the
    type error alone, never a PL210 beside it."""
    text = (REALWORLD / "argo3/template_parallelism_zero.yaml").read_text().replace(
        "parallelism: 0", 'parallelism: "0"')
    path = tmp_path / "wf.yaml"
    path.write_text(text)
    for version in ((3, 7), (4, 1)):
        diags = check_paths([str(path)], config=Config(argo_version=version)).diagnostics
        assert [d.code for d in diags] == ["PL202"], format_text(diags, snippets=False)
