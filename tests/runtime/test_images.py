"""The image table: built-ins, lookup by reference then repository, file precedence, errors."""

from __future__ import annotations

import json

import pytest

from plait.runtime.images import ARGOSAY_ARGV, ImageTable, ImageTableError, canonical, repository


@pytest.fixture
def no_user_tables(plait_home, tmp_path):
    return tmp_path


def test_builtins(no_user_tables):
    table = ImageTable.load()
    assert table.lookup("argoproj/argosay:v2")["entrypoint"] == ARGOSAY_ARGV
    assert table.lookup("alpine:3.18") == {"entrypoint": [], "cmd": ["/bin/sh"]}
    assert table.lookup("python:3.12-slim") == {"entrypoint": [], "cmd": ["python3"]}
    assert table.lookup("bash") == {"entrypoint": ["bash"], "cmd": []}
    assert table.lookup("ubuntu:22.04")["cmd"] == ["bash"]
    assert table.lookup("debian")["cmd"] == ["bash"]
    assert table.lookup("busybox")["cmd"] == ["sh"]
    assert table.lookup("docker/whalesay:latest")["cmd"] == ["/bin/bash"]
    assert table.lookup("nginx:1.25")["cmd"] == ["nginx", "-g", "daemon off;"]
    assert table.lookup("argoproj/argosay:v1") == {"entrypoint": [], "cmd": ["cowsay"],
                                                   "path": ["/usr/games"]}
    assert table.lookup("ghcr.io/acme/unknown:1") is None
    assert table.sources == ()


def test_lookup_forms():
    assert repository("python:3.12") == "python"
    assert repository("localhost:5000/team/tool:1.0") == "localhost:5000/team/tool"
    assert repository("localhost:5000/team/tool") == "localhost:5000/team/tool"
    assert repository("alpine@sha256:abc") == "alpine"
    assert repository("alpine:3.18@sha256:abc") == "alpine"
    assert canonical("docker.io/library/python:3") == "python:3"
    assert canonical("docker.io/argoproj/argosay:v2") == "argoproj/argosay:v2"
    table = ImageTable()
    assert table.lookup("docker.io/library/alpine:3.18")["cmd"] == ["/bin/sh"]
    assert table.lookup("docker.io/argoproj/argosay:v2")["entrypoint"] == ARGOSAY_ARGV
    assert table.lookup("alpine@sha256:0123")["cmd"] == ["/bin/sh"]


def test_lookup_returns_copies():
    table = ImageTable()
    table.lookup("python")["cmd"].append("-x")
    assert table.lookup("python")["cmd"] == ["python3"]


def test_exact_reference_beats_repository(tmp_path, no_user_tables):
    path = tmp_path / "images.yaml"
    path.write_text("python:2.7: {cmd: [python2]}\n"
                    "ghcr.io/acme/tool: {entrypoint: [tool], cmd: [--help]}\n")
    table = ImageTable.load(path)
    assert table.lookup("python:2.7")["cmd"] == ["python2"]
    assert table.lookup("python:3.12")["cmd"] == ["python3"]          # built-in still there
    assert table.lookup("ghcr.io/acme/tool:9") == {"entrypoint": ["tool"], "cmd": ["--help"]}
    assert table.sources == (str(path),)


def test_precedence_cli_over_env_over_home_over_builtins(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "images.yaml").write_text("alpine: {cmd: [home]}\nbusybox: {cmd: [home]}\n"
                                      "python: {cmd: [home]}\n")
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"alpine": {"cmd": ["env"]}, "busybox": {"cmd": ["env"]}}))
    cli_file = tmp_path / "cli.yaml"
    cli_file.write_text("alpine: {cmd: [cli]}\n")
    monkeypatch.setenv("PLAIT_HOME", str(home))
    monkeypatch.setenv("PLAIT_IMAGES", str(env_file))
    table = ImageTable.load(cli_file)
    assert table.lookup("alpine")["cmd"] == ["cli"]
    assert table.lookup("busybox")["cmd"] == ["env"]
    assert table.lookup("python")["cmd"] == ["home"]
    assert table.lookup("ubuntu")["cmd"] == ["bash"]
    assert table.sources == (str(cli_file), str(env_file), str(home / "images.yaml"))
    explicit = ImageTable.load(home=home, environ={})
    assert explicit.lookup("alpine")["cmd"] == ["home"]


def test_a_user_entry_for_the_hub_name_answers_for_the_short_name(tmp_path, no_user_tables):
    path = tmp_path / "images.yaml"
    path.write_text("docker.io/library/python: {cmd: [python3.12]}\n")
    assert ImageTable.load(path).lookup("python:3.12")["cmd"] == ["python3.12"]


@pytest.mark.parametrize("text, message", [
    ("alpine: [/bin/sh]\n", "expected {entrypoint"),
    ("alpine: {cmd: /bin/sh}\n", "cmd must be a list of strings"),
    ("alpine: {entrypoint: [1]}\n", "entrypoint must be a list of strings"),
    ("alpine: {command: [sh]}\n", "unknown key"),
    ("- alpine\n", "an image table maps"),
    ("alpine: {cmd: [sh\n", "not valid YAML"),
])
def test_bad_files_are_clear_errors_naming_the_path(tmp_path, no_user_tables, text, message):
    path = tmp_path / "images.yaml"
    path.write_text(text)
    with pytest.raises(ImageTableError, match=message) as err:
        ImageTable.load(path)
    assert str(err.value).startswith(str(path))


def test_named_files_must_exist_but_the_home_file_may_not(tmp_path, no_user_tables, monkeypatch):
    with pytest.raises(ImageTableError, match="cannot read"):
        ImageTable.load(tmp_path / "missing.yaml")
    monkeypatch.setenv("PLAIT_IMAGES", str(tmp_path / "missing-env.yaml"))
    with pytest.raises(ImageTableError, match="missing-env.yaml"):
        ImageTable.load()
    assert ImageTable.load(home=tmp_path / "nowhere", environ={}).lookup("alpine") is not None


def test_empty_file_is_an_empty_table(tmp_path, no_user_tables):
    path = tmp_path / "images.yaml"
    path.write_text("")
    assert ImageTable.load(path).lookup("alpine")["cmd"] == ["/bin/sh"]
