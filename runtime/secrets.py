"""Secrets and ConfigMaps for local runs, read from Kubernetes manifests, and log masking.

`plait run --secrets FILE --configmaps FILE` load Kubernetes `Secret` manifests (`data` in
base64, `stringData` in clear; `stringData` wins on a shared key, as the API server merges
them) and `ConfigMap` manifests (`data`, `binaryData` in base64). A file may hold several YAML
documents and `kind: List` (or `SecretList`/`ConfigMapList`) documents with `items`; documents
of other kinds are ignored, but a file with neither a Secret nor a ConfigMap is an error.

Workflows only ever hold references (`secretKeyRef`, secret volumes): the values are read here
when a pod starts and never enter the plan or the store. `SecretStore.mask` replaces every
secret value in a text by `***`; the engine passes each log line, message and output through
it before anything is written or shown.

Masking rules:
- every non-empty secret value is masked, whatever its length: a 1- or 2-character secret
  therefore masks aggressively (every `a` in the logs, say). Values made only of whitespace
  are not masked (they would blank every log line and tell nothing);
- also masked: the base64 forms of each value (standard and URL-safe, with and without
  padding), as a program may print a credential still encoded;
- logs arrive line by line, so a multi-line value (a PEM key, a value ending in a newline as
  `echo pass | base64` makes) can never appear whole in one line: each of its non-blank lines
  is masked as well;
- ConfigMap values are not secret and are not masked;
- a text is only cut where no secret spans the cut (`match_across`): a long log line is
  split, and stdout truncated to `outputs.result`, before the engine masks the pieces.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any, Iterable

MASK = "***"


class SecretsError(Exception):
    """A secrets/configmaps file that cannot be used; the message starts with its path
    (the CLI reports it as a usage error, exit 2)."""


class MissingSecret(KeyError):
    """A Secret or ConfigMap (or one of its keys) that no loaded manifest provides."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "missing"


class SecretStore:
    """Loaded Secrets and ConfigMaps, by name, as raw bytes."""

    def __init__(self) -> None:
        self._secrets: dict[str, dict[str, bytes]] = {}
        self._configs: dict[str, dict[str, bytes]] = {}
        self._pattern: re.Pattern[str] | None = None
        self._longest = 0
        self._stale = False

    @classmethod
    def load(cls, secret_paths: Iterable[str | Path] = (),
             configmap_paths: Iterable[str | Path] = ()) -> "SecretStore":
        """Read Secret manifests from `secret_paths` and ConfigMap manifests from
        `configmap_paths` (either list may hold both kinds: `kind` decides). A name seen again
        replaces the earlier object, as `kubectl apply` would."""
        store = cls()
        for path in [*secret_paths, *configmap_paths]:
            store._load_file(Path(path))
        return store

    # -- programmatic use (tests, other front ends) ------------------------------------------

    def add_secret(self, name: str, data: dict[str, str | bytes]) -> None:
        """Add (or replace) a Secret with clear values."""
        self._secrets[name] = {k: _bytes(v) for k, v in data.items()}
        self._stale = True

    def add_config(self, name: str, data: dict[str, str | bytes]) -> None:
        """Add (or replace) a ConfigMap."""
        self._configs[name] = {k: _bytes(v) for k, v in data.items()}

    # -- lookups ------------------------------------------------------------------------------

    def secret(self, name: str, key: str) -> str:
        """A secret value as text (undecodable bytes kept via `surrogateescape`, so the value
        reaches a process's environment unchanged). MissingSecret (a KeyError) if absent."""
        return _text(self._value(self._secrets, "secret", name, key))

    def config(self, name: str, key: str) -> str:
        """A ConfigMap value as text. MissingSecret (a KeyError) if absent."""
        return _text(self._value(self._configs, "configmap", name, key))

    def secret_files(self, name: str) -> dict[str, bytes]:
        """A Secret as files (a secret volume): key -> content."""
        return dict(self._object(self._secrets, "secret", name))

    def config_files(self, name: str) -> dict[str, bytes]:
        """A ConfigMap as files (a configMap volume): key -> content."""
        return dict(self._object(self._configs, "configmap", name))

    def has_secret(self, name: str) -> bool:
        return name in self._secrets

    def has_config(self, name: str) -> bool:
        return name in self._configs

    def __bool__(self) -> bool:
        return bool(self._secrets or self._configs)

    @staticmethod
    def _object(table: dict[str, dict[str, bytes]], kind: str, name: str) -> dict[str, bytes]:
        try:
            return table[name]
        except KeyError:
            flag = "--secrets" if kind == "secret" else "--configmaps"
            raise MissingSecret(f"{kind} {name!r} not found (give its manifest with {flag} FILE)"
                                ) from None

    def _value(self, table: dict[str, dict[str, bytes]], kind: str, name: str, key: str) -> bytes:
        obj = self._object(table, kind, name)
        try:
            return obj[key]
        except KeyError:
            raise MissingSecret(f"{kind} {name!r} has no key {key!r}") from None

    # -- masking ------------------------------------------------------------------------------

    def mask(self, text: str) -> str:
        """`text` with every secret value (and its base64 forms and lines) replaced by `***`."""
        pattern = self._masker()
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)

    @property
    def longest(self) -> int:
        """The length of the longest text `mask` replaces (0 without secrets)."""
        self._masker()
        return self._longest

    def match_across(self, text: str, at: int) -> tuple[int, int] | None:
        """The span of a masked text in `text` that position `at` cuts in two (start < at <
        end), or None. A text is cut (a long log line split, stdout truncated to `result`)
        only where no secret spans the cut, so each piece masks whole: the two halves of a
        secret would each pass unmasked."""
        pattern = self._masker()
        if pattern is None:
            return None
        for m in pattern.finditer(text):
            if m.start() >= at:
                break
            if m.end() > at:
                return m.span()
        return None

    def _masker(self) -> re.Pattern[str] | None:
        if self._stale:
            forms = _all_forms(self._secrets)
            self._pattern = _compile(forms)
            self._longest = max((len(f) for f in forms), default=0)
            self._stale = False
        return self._pattern

    # -- reading manifests ---------------------------------------------------------------------

    def _load_file(self, path: Path) -> None:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretsError(f"{path}: cannot read: {exc}") from None
        try:
            documents = [d for d in YAML(typ="safe", pure=False).load_all(text) if d is not None]
        except YAMLError as exc:
            raise SecretsError(f"{path}: not valid YAML: {exc}") from None
        found = 0
        for doc in documents:
            for obj in _objects(path, doc):
                kind = obj.get("kind")
                if kind == "Secret":
                    name, data = _secret(path, obj)
                    self._secrets[name] = data
                    self._stale = True
                elif kind == "ConfigMap":
                    name, data = _configmap(path, obj)
                    self._configs[name] = data
                else:
                    continue
                found += 1
        if not found:
            raise SecretsError(f"{path}: no Secret or ConfigMap manifest found "
                               "(expected documents with `kind: Secret` or `kind: ConfigMap`)")


def _objects(path: Path, doc: Any) -> Iterable[dict[str, Any]]:
    if not isinstance(doc, dict):
        raise SecretsError(f"{path}: each document must be a Kubernetes object (a mapping)")
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
        items = doc.get("items") or []
        if not isinstance(items, list):
            raise SecretsError(f"{path}: `items` of a {kind} must be a list")
        for item in items:
            yield from _objects(path, item)
    else:
        yield doc


def _name(path: Path, obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not name:
        raise SecretsError(f"{path}: a {obj.get('kind')} without metadata.name")
    return name


def _section(path: Path, obj: dict[str, Any], field: str, name: str) -> dict[str, Any]:
    section = obj.get(field)
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise SecretsError(f"{path}: {obj.get('kind')} {name!r}: `{field}` must be a mapping")
    for key, value in section.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise SecretsError(f"{path}: {obj.get('kind')} {name!r}: `{field}.{key}` must be a "
                               "string (quote numbers and booleans)")
    return section


def _b64(path: Path, kind: str, name: str, field: str, key: str, value: str) -> bytes:
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SecretsError(f"{path}: {kind} {name!r}: `{field}.{key}` is not valid base64 "
                           "(use `stringData` for clear text)") from None


def _secret(path: Path, obj: dict[str, Any]) -> tuple[str, dict[str, bytes]]:
    name = _name(path, obj)
    data = {k: _b64(path, "Secret", name, "data", k, v)
            for k, v in _section(path, obj, "data", name).items()}
    data.update({k: v.encode("utf-8") for k, v in _section(path, obj, "stringData", name).items()})
    return name, data


def _configmap(path: Path, obj: dict[str, Any]) -> tuple[str, dict[str, bytes]]:
    name = _name(path, obj)
    data = {k: v.encode("utf-8") for k, v in _section(path, obj, "data", name).items()}
    for k, v in _section(path, obj, "binaryData", name).items():
        if k in data:
            raise SecretsError(f"{path}: ConfigMap {name!r}: key {k!r} is in both `data` and "
                               "`binaryData`")
        data[k] = _b64(path, "ConfigMap", name, "binaryData", k, v)
    return name, data


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")


def _text(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


def _forms(value: bytes) -> set[str]:
    """The strings that betray `value` in a log: itself, its lines, its base64 encodings."""
    forms: set[str] = set()
    text = _text(value)
    if not text.strip():
        return forms
    forms.add(text)
    for line in text.splitlines():
        if line.strip():
            forms.add(line)
    stripped = value.rstrip(b"\r\n")
    for raw in {value, stripped}:
        if not raw:
            continue
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            word = encoded.decode("ascii")
            forms.add(word)
            forms.add(word.rstrip("="))
    forms.discard("")
    return forms


def _all_forms(secrets: dict[str, dict[str, bytes]]) -> set[str]:
    forms: set[str] = set()
    for data in secrets.values():
        for value in data.values():
            forms |= _forms(value)
    return forms


def _compile(forms: set[str]) -> re.Pattern[str] | None:
    if not forms:
        return None
    try:
        return re.compile(_trie_pattern(forms))
    except RecursionError:               # thousands of nested prefixes: the plain form
        # Longest first: the regex engine takes the first alternative that matches at a
        # position, so a value that contains another is masked whole.
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        return re.compile("|".join(re.escape(f) for f in ordered))


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for `words` shaped as their prefix tree, so matching costs about one step
    per character instead of one per word; greedy `(?:...)?` keeps longest-match-first."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        text = ""
        while len(node) == 1 and "" not in node:     # a chain: plain characters
            ch, node = next(iter(node.items()))
            text += re.escape(ch)
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return text
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            body = f"(?:{body})?"
        return text + body

    return emit(trie)
