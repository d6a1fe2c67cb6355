"""Formatters for diagnostics: text (with snippets), json, sarif and github annotations."""

from __future__ import annotations

import inspect
import json
import os
import pathlib
import urllib.parse
from typing import Callable, Iterable

from .diagnostics import Diagnostic, Severity, message_classes
from .source import SourceText


def line_of(diag: Diagnostic, sources: dict[str, SourceText]) -> str:
    """The diagnostic's source line. Each file's line offsets are computed once, so a large
    file with thousands of findings prints in linear time (splitting the text per finding was
    quadratic: 5 MB took 21 s)."""
    src = sources.get(diag.file)
    return src.line_text(diag.line) if src is not None else ""


def format_text(diags: Iterable[Diagnostic], sources: dict[str, str] | None = None,
                color: bool = False, snippets: bool = True) -> str:
    """`file:line:col: severity: message [CODE]`, the source line, a caret underline, a hint."""
    paint = _painter(color)
    texts = {name: SourceText(name, text) for name, text in (sources or {}).items()}
    out = []
    for d in diags:
        sev = paint(d.severity.value, {"error": "1;31", "warning": "1;33", "info": "1;36"}[d.severity.value])
        where = f"{d.file}:{d.line}:{d.column}:" if d.line else f"{d.file}:"   # line 0: no position
        out.append(f"{paint(where, '1')} {sev}: {d.message} [{d.code}]")
        src = line_of(d, texts) if snippets else ""
        if src.strip():
            width = (d.end_column - d.column) if d.end_line == d.line else len(src) - d.column + 1
            width = max(1, min(width, len(src) - d.column + 1 if len(src) >= d.column else 1))
            gutter = f"{d.line:>5} | "
            out.append(gutter + src.replace("\t", " "))
            out.append(" " * (len(gutter) - 2) + "| " + " " * (d.column - 1)
                       + paint("^" + "~" * (width - 1), "1;32"))
        if d.hint:
            out.append(f"  {paint('hint:', '1;36')} {d.hint}")
    return "\n".join(out)


def _painter(color: bool) -> Callable[[str, str], str]:
    if not color:
        return lambda s, _code: s
    return lambda s, code: f"\x1b[{code}m{s}\x1b[0m"


def format_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.as_json() for d in diags], indent=2, ensure_ascii=False)


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SRCROOT = "%SRCROOT%"


def format_sarif(diags: Iterable[Diagnostic], rules: dict[str, str] | None = None,
                 version: str = "0.1.0", root: str | None = None) -> str:
    """SARIF 2.1.0, one run, one rule per code seen, for code-scanning upload.

    Each rule embeds its `plait explain` text as `help` (there is no web page to link);
    file locations are relative to `root` (default: the working directory) under the
    `%SRCROOT%` base, as GitHub code scanning expects; files outside it keep a file URI.
    """
    diags = list(diags)
    codes = sorted({d.code for d in diags})
    rules = rules or {}
    root = os.path.abspath(root or os.getcwd())
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "plait", "version": version,
                "rules": [_sarif_rule(c, rules.get(c)) for c in codes],
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": pathlib.Path(root).as_uri() + "/"}},
            "results": [{
                "ruleId": d.code,
                "ruleIndex": codes.index(d.code),
                "level": _SARIF_LEVEL[d.severity],
                "message": {"text": d.message + (f"\nhint: {d.hint}" if d.hint else "")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": _artifact(d.file, root),
                    "region": {"startLine": d.line, "startColumn": d.column,
                               "endLine": d.end_line, "endColumn": d.end_column},
                }}],
            } for d in diags],
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _artifact(file: str, root: str) -> dict:
    """A result's file: relative to `root` with `uriBaseId`, else an absolute file URI."""
    if file.startswith("<"):                    # <stdin>, <string>: no file to point at
        return {"uri": urllib.parse.quote(file.strip("<>"))}
    path = os.path.abspath(file)
    rel = os.path.relpath(path, root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return {"uri": pathlib.Path(path).as_uri()}
    return {"uri": urllib.parse.quote(pathlib.PurePath(rel).as_posix()), "uriBaseId": SRCROOT}


def _sarif_rule(code: str, title: str | None) -> dict:
    """A rule with its explanation embedded (`help`), from the message class's docs."""
    classes = message_classes().get(code, [])
    doc = inspect.cleandoc(classes[0].__doc__ or "") if classes else ""
    first = " ".join(doc.split("\n\n", 1)[0].split()).removeprefix("What:").strip()
    summary = (first.split(". ", 1)[0].rstrip(".") if first else "") or title or code
    rule: dict = {"id": code, "shortDescription": {"text": summary}}
    if doc:
        rule["fullDescription"] = {"text": doc}
        rule["help"] = {"text": doc, "markdown": doc}
    return rule


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def format_github(diags: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands: `::error file=…,line=…::message`."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    out = []
    for d in diags:
        props = (f"file={_gh_escape(d.file, True)},line={d.line},col={d.column},"
                 f"endLine={d.end_line},endColumn={d.end_column},title={d.code}")
        body = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(f"::{level[d.severity]} {props}::{_gh_escape(body)}")
    return "\n".join(out)
