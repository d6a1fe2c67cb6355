"""Secrets and ConfigMaps from Kubernetes manifests, and masking of their values."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plait.runtime.secrets import MissingSecret, SecretsError, SecretStore


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


@pytest.fixture
def manifests(tmp_path):
    pem = b64("-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----\n")
    blob = b64(b"\x00\x01")
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"""\
apiVersion: v1
kind: Secret
metadata: {{name: my-secret}}
type: Opaque
data:
  mypassword: {b64("S00perS3cretPa55word")}
  both: {b64("from-data")}
stringData:
  both: from-stringData
  token: tok-123456
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Secret
    metadata: {{name: tls}}
    data:
      tls.key: {pem}
      binary: {b64(bytes([0xff, 0xfe, 0x41]))}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: ignored}}
""")
    configs = tmp_path / "configmaps.yaml"
    configs.write_text(f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings}}
data:
  level: debug
  app.conf: |
    a = 1
binaryData:
  blob: {blob}
""")
    return secrets, configs


def test_load_secret_and_configmap_manifests(manifests):
    store = SecretStore.load([manifests[0]], [manifests[1]])
    assert store.secret("my-secret", "mypassword") == "S00perS3cretPa55word"
    assert store.secret("my-secret", "both") == "from-stringData"     # stringData wins
    assert store.secret("my-secret", "token") == "tok-123456"
    assert store.secret_files("tls")["tls.key"].startswith(b"-----BEGIN KEY-----\n")
    assert store.secret("tls", "binary").encode("utf-8", "surrogateescape") == b"\xff\xfeA"
    assert store.config("settings", "level") == "debug"
    assert store.config_files("settings") == {"level": b"debug", "app.conf": b"a = 1\n",
                                              "blob": b"\x00\x01"}
    assert store.has_secret("tls") and not store.has_secret("ignored")


def test_missing_names_and_keys_are_key_errors(manifests):
    store = SecretStore.load([manifests[0]], [manifests[1]])
    with pytest.raises(KeyError, match="secret 'nope' not found"):
        store.secret("nope", "k")
    with pytest.raises(MissingSecret, match="has no key 'nope'"):
        store.secret("my-secret", "nope")
    with pytest.raises(KeyError):
        store.config("settings", "nope")
    with pytest.raises(KeyError, match="--configmaps"):
        store.config_files("nope")
    with pytest.raises(KeyError):
        store.config("my-secret", "token")          # a Secret is not a ConfigMap


def test_mask_replaces_values_and_their_encodings(manifests):
    store = SecretStore.load([manifests[0]])
    assert store.mask("password is S00perS3cretPa55word!") == "password is ***!"
    assert store.mask(f"encoded: {b64('S00perS3cretPa55word')}") == "encoded: ***"
    assert store.mask("a tok-123456 b from-stringData") == "a *** b ***"
    assert store.mask("nothing secret here") == "nothing secret here"
    assert store.mask("") == ""
    # a multi-line value is masked whole, and line by line as logs arrive
    key = "-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----\n"
    assert store.mask(f"key:\n{key}") == "key:\n***"
    assert [store.mask(line) for line in key.splitlines()] == ["***", "***", "***"]


def test_mask_prefers_the_longest_value():
    store = SecretStore()
    store.add_secret("a", {"short": "abcd", "long": "abcdefgh"})
    assert store.mask("xabcdefghx abcdx") == "x***x ***x"


def test_value_with_trailing_newline_is_masked_in_a_line():
    store = SecretStore()
    store.add_secret("s", {"p": "pa55w0rd\n"})   # as `echo pa55w0rd | base64` makes it
    assert store.mask("the password: pa55w0rd") == "the password: ***"
    assert store.mask(b64("pa55w0rd")) == "***"


def test_short_values_mask_aggressively_and_blank_values_not_at_all():
    store = SecretStore()
    store.add_secret("s", {"one": "x", "blank": "   "})
    assert store.mask("xyz   abc") == "***yz   abc"


def test_regex_metacharacters_are_literal():
    store = SecretStore()
    store.add_secret("s", {"p": "a.b*c(d)[e]$"})
    assert store.mask("a.b*c(d)[e]$ and aXbbc") == "*** and aXbbc"


def test_configmap_values_are_not_masked(manifests):
    store = SecretStore.load([], [manifests[1]])
    assert store.mask("level debug") == "level debug"


@pytest.mark.parametrize("text, message", [
    ("kind: Secret\nmetadata: {name: s}\ndata: {k: 'not base64!'}\n", "not valid base64"),
    ("kind: Secret\nmetadata: {}\n", "without metadata.name"),
    ("kind: Secret\nmetadata: {name: s}\nstringData: {k: 5}\n", "must be a string"),
    ("kind: Secret\nmetadata: {name: s}\ndata: [1]\n", "must be a mapping"),
    ("kind: Deployment\nmetadata: {name: d}\n", "no Secret or ConfigMap"),
    ("- just\n- a list\n", "must be a Kubernetes object"),
    ("kind: Secret\n  bad: [indent\n", "not valid YAML"),
])
def test_bad_files_name_the_path(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SecretsError, match=message) as err:
        SecretStore.load([path])
    assert str(err.value).startswith(str(path))


def test_missing_file_is_a_secrets_error(tmp_path):
    with pytest.raises(SecretsError, match="cannot read"):
        SecretStore.load([tmp_path / "nope.yaml"])


def test_mask_is_fast_with_many_secrets():
    """Not a timing test: one compiled pattern serves many values and long lines."""
    store = SecretStore()
    store.add_secret("many", {f"k{i}": f"value-{i:04d}-xyz" for i in range(200)})
    line = "ordinary log output " * 50 + "value-0199-xyz"
    assert store.mask(line).endswith("***")
    assert store._pattern is not None and store._pattern.pattern.count("|") >= 199


def _plain_mask(values: list[str], text: str) -> str:
    import re
    ordered = sorted(set(values), key=lambda v: (-len(v), v))
    return re.sub("|".join(re.escape(v) for v in ordered), "***", text)


@given(st.lists(st.text(alphabet="ab.*\n", min_size=1, max_size=6), min_size=1, max_size=8),
       st.text(alphabet="ab.*\n", max_size=40))
def test_trie_pattern_masks_as_longest_first_alternation(words, text):
    import re

    from plait.runtime.secrets import _trie_pattern
    words = [w for w in words if w.strip()]
    if not words:
        return
    assert re.sub(_trie_pattern(words), "***", text) == _plain_mask(words, text)


def test_deeply_nested_prefixes_fall_back_to_plain_alternation():
    import sys
    store = SecretStore()
    store.add_secret("deep", {f"k{i}": "z" * i for i in range(1, 300)})
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)          # the prefix tree nests deeper than this
    try:
        masked = store.mask("x" + "z" * 299 + "x")
    finally:
        sys.setrecursionlimit(limit)
    assert masked == "x***x" and "(?:" not in store._pattern.pattern
