"""The command line: formats, exit codes, suppression, configuration, explain, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ..helpers import cli as run

BAD = "tests/fixtures/err/pl302_unknown_workflow_parameter.yaml"
WARN = "tests/fixtures/err/pl317_status_outside_exit_handler.yaml"
GOOD = "samples/hello.yaml"


def test_clean_file_exits_0(capsys):
    code, out, err = run(capsys, "check", GOOD)
    assert (code, out) == (0, "")


def test_errors_exit_1_with_snippet_and_hint(capsys):
    code, out, _ = run(capsys, "check", BAD)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (f"{BAD}:15:41: error: unknown workflow parameter 'enviroment' [PL302]")
    assert lines[1].endswith('command: [echo, "deploying to {{workflow.parameters.enviroment}}"]')
    assert lines[2].index("^") == lines[1].index("workflow.parameters.enviroment")
    assert lines[2].count("~") == len("workflow.parameters.enviroment") - 1
    assert lines[3] == "  hint: did you mean 'environment'?"


def test_warnings_alone_exit_0_unless_fail_on_warning(capsys):
    assert run(capsys, "check", WARN)[0] == 0
    assert run(capsys, "check", "--fail-on", "warning", WARN)[0] == 1


def test_lint_is_an_alias(capsys):
    assert run(capsys, "lint", BAD)[0] == 1


def test_json_format(capsys):
    code, out, _ = run(capsys, "check", "--format", "json", BAD, WARN)
    data = json.loads(out)
    assert code == 1
    assert [d["code"] for d in data] == ["PL302", "PL317"]
    assert data[0] == {
        "file": BAD, "line": 15, "column": 41, "end_line": 15, "end_column": 71,
        "severity": "error", "code": "PL302", "message": "unknown workflow parameter 'enviroment'",
        "hint": "did you mean 'environment'?",
    }


def test_sarif_format(capsys):
    code, out, _ = run(capsys, "check", "--format", "sarif", BAD)
    doc = json.loads(out)
    assert doc["version"] == "2.1.0"
    result = doc["runs"][0]["results"][0]
    assert result["ruleId"] == "PL302" and result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (15, 41, 71)
    assert doc["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "PL302"


def test_github_format(capsys):
    code, out, _ = run(capsys, "check", "--format", "github", BAD)
    assert out.startswith(f"::error file={BAD},line=15,col=41,endLine=15,endColumn=71,title=PL302::")


def test_usage_errors_exit_2(capsys):
    assert run(capsys, "check")[0] == 2
    assert run(capsys, "check", "no/such/file.yaml")[0] == 2
    assert run(capsys, "check", "-p", "novalue", GOOD)[0] == 2
    assert run(capsys, "frobnicate")[0] == 2
    code, _, err = run(capsys, "explain", "PL999")
    assert code == 2 and "unknown code" in err


def test_path_without_workflow_is_a_note(capsys, tmp_path):
    p = tmp_path / "cm.yaml"
    p.write_text("kind: ConfigMap\nmetadata: {name: x}\n")
    code, out, err = run(capsys, "check", str(p))
    assert code == 0 and out == "" and "no workflow document" in err


def test_directory_recursion(capsys, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.yml").write_text(Path(BAD).read_text())
    (tmp_path / "notes.txt").write_text("not yaml")
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    assert code == 1 and json.loads(out)[0]["file"] == str(tmp_path / "sub" / "bad.yml")


def test_inline_suppression(capsys, tmp_path):
    text = Path(BAD).read_text().replace(
        "        command: [echo,", "        # plait: ignore[PL302]\n        command: [echo,")
    p = tmp_path / "w.yaml"
    p.write_text(text)
    assert run(capsys, "check", str(p))[0] == 0
    p.write_text(text.replace("ignore[PL302]", "ignore[PL301]"))
    assert run(capsys, "check", str(p))[0] == 1


def test_config_disables_and_changes_severity(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "w.yaml"
    target.write_text(Path(__file__).parents[2].joinpath(BAD).read_text())
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\ndisable = ["PL302"]\n')
    assert run(capsys, "check", "w.yaml")[0] == 0
    (tmp_path / ".plait.toml").write_text('severity = {PL302 = "warning"}\n')
    code, out, _ = run(capsys, "check", "w.yaml")
    assert code == 0 and "warning: unknown workflow parameter" in out
    (tmp_path / ".plait.toml").write_text('severity = {PL302 = "fatal"}\n')
    assert run(capsys, "check", "w.yaml")[0] == 2


def test_an_unknown_config_key_is_a_usage_error(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.yaml").write_text(Path(__file__).parents[2].joinpath(BAD).read_text())
    (tmp_path / "pyproject.toml").write_text('[tool.plait]\ndisabled = ["PL302"]\n')
    code, _, err = run(capsys, "check", "w.yaml")
    assert code == 2 and "unknown key 'disabled' (did you mean 'disable'?)" in err


def test_cli_parameters_checked(capsys, tmp_path):
    code, out, _ = run(capsys, "check", "-p", "environmnt=prod", BAD)
    assert code == 1
    pf = tmp_path / "params.yaml"
    pf.write_text("- not\n- a map\n")
    code, out, _ = run(capsys, "check", "--parameter-file", str(pf), GOOD)
    assert code == 1 and "[PL120]" in out


def test_explain_prints_docstring(capsys):
    code, out, _ = run(capsys, "explain", "pl305")
    assert code == 0 and out.startswith("PL305 (StepNotEarlier, error)") and "Fix:" in out
    code, out, _ = run(capsys, "explain", "all")
    assert code == 0 and "PL101" in out and "PL305" in out


def test_schema_command(capsys):
    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out)["$schema"].startswith("http://json-schema.org/")


def test_internal_error_exits_3(capsys, monkeypatch):
    import plait.compiler.check as check_module

    def boom(*a, **k):
        raise RuntimeError("kaboom")
    monkeypatch.setattr(check_module, "check_paths", boom)
    code, _, err = run(capsys, "check", GOOD)
    assert code == 3 and "internal error" in err and "kaboom" in err


def test_console_script_runs_as_a_process():
    proc = subprocess.run([sys.executable, "-m", "plait", "check", BAD], capture_output=True, text=True)
    assert proc.returncode == 1 and "[PL302]" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_unknown_parameter_says_where_it_came_from(capsys, tmp_path):
    code, out, _ = run(capsys, "check", "--no-snippet", "-p", "environmnt=prod", BAD)
    assert code == 1 and "parameter 'environmnt' (-p) is not declared" in out
    pf = tmp_path / "params.yaml"
    pf.write_text("regoin: eu\n")
    code, out, _ = run(capsys, "check", "--no-snippet", "--parameter-file", str(pf), BAD)
    assert code == 1 and f"parameter 'regoin' (--parameter-file {pf}) is not declared" in out


def test_pre_commit_hook_definition():
    import re

    from ruamel.yaml import YAML

    hooks = YAML(typ="safe").load(Path(".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "plait-check")
    assert hook["entry"] == "plait check --templates ." and hook["language"] == "python"
    files = re.compile(hook["files"])
    assert all(files.search(f) for f in ("wf.yaml", "a/b.yml", "x.json"))
    assert not files.search("README.md")
