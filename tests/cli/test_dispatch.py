"""The thin CLI: per-verb dispatch keeps `plait check` light, every verb has its help, and
the option groups `run` and `submit` share are one definition (same flags, same help)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from plait.cli import build_parser, main

from ..conftest import ROOT

HEAVY = ("plait.runtime", "plait.commands.run", "rich", "networkx", "jsonschema")


def test_check_loads_neither_the_runtime_nor_heavy_libraries():
    code = ("import sys; from plait.cli import main; rc = main(['check', 'samples/hello.yaml']); "
            "print('\\n'.join(sorted(sys.modules))); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.split()
    assert "plait.commands.check" in loaded
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []


def _verbs() -> dict:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return dict(sub.choices)


@pytest.mark.parametrize("verb", sorted(_verbs()))
def test_every_verb_has_its_help(verb, capsys):
    assert main([verb, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: plait {verb}")


def _options(verb: str) -> dict[str, tuple]:
    parser = _verbs()[verb]
    return {a.dest: (tuple(a.option_strings), a.help, a.metavar, a.choices)
            for a in parser._actions if a.option_strings}


def test_run_and_submit_share_their_options_word_for_word():
    run, submit = _options("run"), _options("submit")
    shared = ["parameters", "parameter_file", "entrypoint", "name", "workflow", "templates",
              "secrets", "configmaps", "images", "parallelism", "sandbox", "pass_env",
              "keep_pods"]
    for dest in shared:
        assert run[dest] == submit[dest], dest


def test_a_verb_without_arguments_is_a_usage_error(capsys):
    assert main([]) == 2
    assert main(["get"]) == 2


def test_options_are_spelt_out_as_argo_spells_them(capsys, tmp_path):
    """argo's flags (cobra) take no abbreviations: `--temp` is an unknown flag, never
    `--templates`, so a misspelt option cannot silently become another one."""
    wf = tmp_path / "wf.yaml"
    wf.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: a}\n"
                  "spec: {entrypoint: m, templates: [{name: m, container: {image: alpine}}]}\n")
    assert main(["check", "--form", "json", str(wf)]) == 2
    assert "unrecognized arguments: --form" in capsys.readouterr().err
    assert main(["compile", "--entry", "m", str(wf)]) == 2
    assert "unrecognized arguments: --entry" in capsys.readouterr().err
