"""PL602: a literal value for an environment variable whose name says it holds a secret."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow, as_seq, as_str
from ..source import YMap
from ..values import all_containers, has_tag

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_WORDS = frozenset({"PASSWORD", "PASSWORDS", "PASSWD", "SECRET", "SECRETS", "TOKEN",
                           "TOKENS", "APIKEY", "CREDENTIAL", "CREDENTIALS"})
_SECRET_PAIRS = frozenset({("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY")})
# a name ending in one of these refers to a secret rather than holding it (PASSWORD_FILE,
# TOKEN_URL, SECRET_NAME, AWS_ACCESS_KEY_ID)
# a value that is a file path names where the secret is mounted: it is no secret itself
_FILE_PATH = re.compile(r"(?:/|~/|\./|\.\./)[^\s]*")
_REFERENCE_WORDS = frozenset({"FILE", "PATH", "DIR", "URL", "URI", "NAME", "ENDPOINT", "ID",
                              "REF", "HEADER", "TYPE", "LENGTH", "TTL"})


def looks_secret(name: str) -> bool:
    """True if the variable name's words say it holds a secret (DB_PASSWORD, apiKey, ...).

    Whole words only (TOKENIZER is no token), except that a password hides inside longer
    words too (PGPASSWORD, MYSQL_ROOTPASSWORD).
    """
    words = [w.upper() for w in _WORDS.findall(name)]
    if not words or words[-1] in _REFERENCE_WORDS:
        return False
    if any(w in _SECRET_WORDS or "PASSWORD" in w or "PASSWD" in w for w in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in zip(words, words[1:]))


@dataclass(frozen=True)
class LiteralSecretEnv(Message):
    """What: a container, script, sidecar or init container sets an environment variable
    named like a secret (PASSWORD, TOKEN, SECRET, API_KEY, ACCESS_KEY, PRIVATE_KEY,
    CREDENTIAL, ...) to a literal `value`.

    Why: the value is stored in the Workflow object, printed by `argo get -o yaml`, kept in
    the archive and in Git: it is no longer a secret. Fix: keep it in a Kubernetes Secret
    and reference it.

        env:
        - name: DB_PASSWORD
          value: hunter2
        # fix:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
    """

    code = "PL602"
    severity = Severity.WARNING
    hint = "store it in a Secret and use valueFrom.secretKeyRef"
    name: str = ""

    def text(self) -> str:
        return f"environment variable {self.name!r} looks like a secret but has a literal value"


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for container in all_containers(wf):
        for var in as_seq(container.get("env")):
            if not isinstance(var, YMap):
                continue
            name, value = as_str(var.get("name")), var.get("value")
            if name is None or not looks_secret(name):
                continue
            if isinstance(value, str) and _FILE_PATH.fullmatch(value.strip()):
                continue        # GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json: a path
            literal = (isinstance(value, str) and value.strip() and not has_tag(value)) or (
                isinstance(value, (int, float)) and not isinstance(value, bool))
            if literal:
                yield LiteralSecretEnv(var.value_span("value"), str(name))
