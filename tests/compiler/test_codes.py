"""The code catalogue: unique stable codes, documented, each with a golden fixture."""

from __future__ import annotations

import re

from plait.compiler.diagnostics import Severity, message_classes

from ..conftest import ROOT

# codes whose mistake cannot be written as a workflow fixture, with the test that covers them
NO_FIXTURE = {
    "PL100": "tests/compiler/test_loader.py::test_unreadable_file (the file is not UTF-8)",
    "PL120": "tests/cli/test_cli.py::test_cli_parameters_checked (a --parameter-file, not a workflow)",
    "PL370": "tests/compiler/test_calls.py::test_cli_parameters (needs -p, which fixtures cannot give)",
    "PL371": "tests/compiler/test_calls.py::test_cli_parameters (needs -p, which fixtures cannot give)",
}


def test_codes_are_well_formed_and_documented():
    classes = message_classes()
    assert len(classes) >= 40
    for code, group in classes.items():
        assert re.fullmatch(r"PL\d{3}", code), code
        for cls in group:
            doc = cls.__doc__ or ""
            assert "What:" in doc and "Fix:" in doc, f"{cls.__name__} ({code}) lacks What/Fix docs"
            assert isinstance(cls.severity, Severity)


def test_one_meaning_per_code():
    for code, group in message_classes().items():
        assert len({cls.severity for cls in group}) == 1, code


def test_every_code_has_an_err_fixture():
    fixtures = {p.stem.split("_", 1)[0].upper() for p in (ROOT / "tests/fixtures/err").glob("*.yaml")}
    missing = sorted(set(message_classes()) - fixtures - set(NO_FIXTURE))
    assert missing == [], f"codes without tests/fixtures/err/<code>_*.yaml: {missing}"


def test_readme_lists_every_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in message_classes() if f"| {c} " not in readme]
    assert missing == [], f"README's code table lacks {missing} (run tools/gen_codes_table.py)"
