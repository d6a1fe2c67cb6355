"""Kubernetes label selectors, as `argo list -l/--selector` reads them.

A selector is requirements joined by commas, all of which must hold (AND):
`k=v` / `k==v` (equal), `k!=v` (not equal, or no such label), `k` (the label exists),
`!k` (it does not), `k in (a,b)` and `k notin (a,b)` (one of / none of; `notin` also holds
without the label). Keys and values follow Kubernetes' syntax (an optional `dns.prefix/`,
then up to 63 characters of letters, digits, `-`, `_` and `.`, alphanumeric at both ends;
a value may be empty). A malformed selector is a `ValueError` whose message says which part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

__all__ = ["Requirement", "matches", "parse_selector"]

_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY = re.compile(rf"(?:[a-z0-9](?:[-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}")
_VALUE = re.compile(rf"(?:{_NAME})?")
_SET = re.compile(r"^(\S+)\s+(in|notin)\s*\((.*)\)$")
_COMPARE = re.compile(r"^([^=!\s]+)\s*(==|!=|=)\s*(.*)$")


@dataclass(frozen=True)
class Requirement:
    """One part of a selector: `key`, an operator (`=`, `!=`, `in`, `notin`, `exists`,
    `!exists`) and its values."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def holds(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.op == "exists":
            return value is not None
        if self.op == "!exists":
            return value is None
        if self.op in ("=", "in"):
            return value is not None and value in self.values
        return value is None or value not in self.values      # != and notin


def _parts(text: str) -> list[str]:
    """`text` split at the commas that are not inside `( )`."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _key(key: str, part: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"{part!r}: {key!r} is not a label key (letters, digits, '-', '_', "
                         "'.', optionally after a 'prefix/')")
    return key


def _value(value: str, part: str) -> str:
    if not _VALUE.fullmatch(value):
        raise ValueError(f"{part!r}: {value!r} is not a label value (up to 63 letters, "
                         "digits, '-', '_' or '.')")
    return value


def _requirement(part: str) -> Requirement:
    if not part:
        raise ValueError("an empty requirement (two commas in a row, or one at an end)")
    found = _SET.match(part)
    if found:
        key, op, inner = found.groups()
        values = tuple(_value(v.strip(), part) for v in inner.split(","))
        return Requirement(_key(key, part), op, values)
    found = _COMPARE.match(part)
    if found:
        key, op, value = found.groups()
        return Requirement(_key(key, part), "!=" if op == "!=" else "=",
                           (_value(value.strip(), part),))
    if part.startswith("!"):
        return Requirement(_key(part[1:].strip(), part), "!exists")
    return Requirement(_key(part, part), "exists")


def parse_selector(text: str) -> tuple[Requirement, ...]:
    """The requirements of a selector (`a=b,c!=d,e,!f,g in (h,i)`); `ValueError` when a part
    is not one. An empty selector selects everything."""
    if not text.strip():
        return ()
    if text.count("(") != text.count(")"):
        raise ValueError(f"{text!r}: unbalanced parentheses")
    return tuple(_requirement(part) for part in _parts(text))


def matches(requirements: tuple[Requirement, ...], labels: Mapping[str, str]) -> bool:
    """Every requirement holds for `labels`."""
    return all(r.holds(labels) for r in requirements)
