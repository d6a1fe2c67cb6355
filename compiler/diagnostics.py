"""Positions and diagnostics: what every stage reports and every formatter prints.

A finding is a small `Message` subclass (as in pyflakes): the class carries the stable
code, severity, hint and, in its docstring, the text that `plait explain` prints. Stages
only create messages; formatters (`compiler.report`) print them.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Iterator, NamedTuple


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Span(NamedTuple):
    """A 1-based range in a file; `end_col` is exclusive, as in SARIF.

    A NamedTuple rather than a frozen dataclass: the loader makes one for every YAML node,
    and tuple construction is several times cheaper.
    """

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def at_start(self) -> "Span":
        """A zero-width-ish span at the start of this one (one character wide)."""
        return Span(self.file, self.line, self.col, self.line, self.col + 1)


@dataclass(frozen=True)
class Message:
    """Base class of every finding. Subclasses set `code` and implement `text()`."""

    span: Span
    code: ClassVar[str] = "PL000"
    severity: ClassVar[Severity] = Severity.ERROR
    hint: ClassVar[str | None] = None

    def text(self) -> str:
        raise NotImplementedError

    def hint_text(self) -> str | None:
        """The hint shown under the message; subclasses may compute it per finding."""
        return self.hint


@dataclass(frozen=True)
class Diagnostic:
    """A rendered finding: a message with its effective severity (after configuration)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: Severity
    code: str
    message: str
    hint: str | None

    @classmethod
    def of(cls, msg: Message, severity: Severity | None = None) -> "Diagnostic":
        s = msg.span
        return cls(s.file, s.line, s.col, s.end_line, s.end_col,
                   severity or msg.severity, msg.code, msg.text(), msg.hint_text())

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.code, self.message)

    def as_json(self) -> dict:
        return {
            "file": self.file, "line": self.line, "column": self.column,
            "end_line": self.end_line, "end_column": self.end_column,
            "severity": self.severity.value, "code": self.code,
            "message": self.message, "hint": self.hint,
        }


def _import_all_message_modules() -> None:
    """Import every module that defines messages, so `Message.__subclasses__` sees them."""
    here = Path(__file__).parent
    for folder, pkg in ((here, __package__), (here / "checks", f"{__package__}.checks")):
        for info in pkgutil.iter_modules([str(folder)]):
            importlib.import_module(f"{pkg}.{info.name}")


def _walk(cls: type[Message]) -> Iterator[type[Message]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _walk(sub)


def message_classes() -> dict[str, list[type[Message]]]:
    """Every message class, by code (a code may have several classes with one meaning)."""
    _import_all_message_modules()
    out: dict[str, list[type[Message]]] = {}
    for cls in _walk(Message):
        if "code" in cls.__dict__:
            out.setdefault(cls.code, []).append(cls)
    return dict(sorted(out.items()))
