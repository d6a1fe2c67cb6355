"""`plait check` as a library: load, validate, model and check files; collect everything."""

from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

from . import schema
from .checks import CHECKS
from .config import Config, suppressions
from .context import Context, Library
from .diagnostics import Diagnostic, Message, Severity
from .model import Workflow, build
from .repeats import collapse
from .source import STDIN, LoadedFile, load_file
from .templating import is_argo_text, template_message

EXTENSIONS = (".yaml", ".yml", ".json")


class UsageError(Exception):
    """Misuse of the command line or the API (exit 2)."""


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given (`-` is standard input), and every *.yaml/*.yml/*.json under given
    directories (sorted)."""
    out: list[str] = []
    for path in paths:
        if path == STDIN:
            if STDIN in out:
                raise UsageError("standard input ('-') can be given only once")
            out.append(path)
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(EXTENSIONS))
        elif os.path.exists(path):
            out.append(path)
        else:
            raise UsageError(f"no such file or directory: {path}")
    return out


@dataclass
class FileResult:
    loaded: LoadedFile
    workflows: list[Workflow] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    skipped: bool = False           # not checked (a Helm/Jinja template), already reported


@dataclass
class Report:
    files: list[FileResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # every WorkflowTemplate the checks resolved against (checked files and --templates)
    library: Library = field(default_factory=Library)

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)


def load_library(paths: Iterable[str], library: Library | None = None) -> Library:
    """WorkflowTemplates of `--templates` paths (their own findings are not reported).

    Only files that mention a WorkflowTemplate are parsed, so `--templates .` over a whole
    repository (as the pre-commit hook does) stays cheap.
    """
    library = library or Library()
    for path in expand_paths(paths):
        if not _mentions_template(path):
            continue
        for doc in load_file(path).documents:
            library.add(build(doc))
    return library


def _mentions_template(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return b"WorkflowTemplate" in fh.read()
    except OSError:
        return False


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector while loading and checking.

    Loading allocates one object per YAML node and nothing it builds forms a cycle, yet
    each allocation burst triggers collections that walk everything built so far: on a
    1,000-task file that is a third of the time. Reference counting still frees memory.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_paths(paths: Iterable[str], *, templates: Iterable[str] = (),
                parameters: dict[str, Any] | None = None,
                parameter_sources: dict[str, str] | None = None,
                config: Config | None = None,
                submit_metadata: dict[str, set[str]] | None = None,
                entrypoint: str | None = None) -> Report:
    """Check files and directories; returns every finding, sorted, after configuration.

    `parameters` are `-p`/`--parameter-file` values (None: none given); `parameter_sources`
    says where each came from, for the messages. `submit_metadata`: the label and
    annotation keys a run adds at submit (`plait run -l`), known to `{{workflow.labels.X}}`.
    `entrypoint`: the `--entrypoint` template, whose inputs take the parameters.
    """
    with no_gc():
        return _check_paths(paths, templates, parameters, parameter_sources or {}, config,
                            submit_metadata or {}, entrypoint)


def _check_paths(paths: Iterable[str], templates: Iterable[str],
                 parameters: dict[str, Any] | None, parameter_sources: dict[str, str],
                 config: Config | None, submit_metadata: dict[str, set[str]],
                 entrypoint: str | None = None) -> Report:
    config = config or Config()
    files = [FileResult(load_file(p)) for p in expand_paths(paths)]
    library = Library()
    notes = []
    for fr in files:
        unrendered = template_message(fr.loaded)
        if unrendered is not None:          # nothing else of a Helm/Jinja template is checkable
            fr.skipped = True
            if is_argo_text(fr.loaded.source.text):
                fr.messages.append(unrendered)
            else:
                notes.append(f"{fr.loaded.source.name}: a {unrendered.engine} template "
                             "of no Argo workflow, skipped")
            continue
        fr.messages.extend(fr.loaded.messages)
        for doc in fr.loaded.documents:
            fr.messages.extend(schema.validate(doc, config.argo_version))
            wf = build(doc)
            fr.workflows.append(wf)
            library.add(wf)
    load_library(templates, library)
    ctx = Context(library=library, parameters=parameters, parameter_sources=parameter_sources,
                  argo_version=config.argo_version, submit_metadata=submit_metadata,
                  entrypoint=entrypoint)
    report = Report(files, notes=notes, library=library)
    for fr in files:
        for wf in fr.workflows:
            for check in CHECKS:
                fr.messages.extend(check(wf, ctx))
        if not fr.loaded.documents and not fr.messages and not fr.skipped:
            report.notes.append(f"{fr.loaded.source.name}: no workflow document, skipped")
        report.diagnostics.extend(_apply(fr, config))
    report.diagnostics.sort(key=Diagnostic.sort_key)
    return report


def _apply(fr: FileResult, config: Config) -> list[Diagnostic]:
    ignored = suppressions(fr.loaded.source.text)
    seen: set[tuple] = set()
    out = []
    for msg in fr.messages:
        if msg.code in config.disable:
            continue
        codes = ignored.get(msg.span.line, frozenset())
        if codes is None or msg.code in codes:
            continue
        diag = Diagnostic.of(msg, config.severity.get(msg.code))
        key = (diag.line, diag.column, diag.code, diag.message)
        if key not in seen:
            seen.add(key)
            out.append(diag)
    return collapse(out, [doc.data.span.line for doc in fr.loaded.documents])


def check_file(path: str, **kwargs: Any) -> list[Diagnostic]:
    """Check one file; the findings as diagnostics, sorted."""
    return check_paths([path], **kwargs).diagnostics
