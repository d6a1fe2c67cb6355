"""PL603: a host folder that holds the system or users' files, mounted writable."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message, Severity
from ..model import Workflow, as_map, as_seq, as_str
from ..source import YMap, span_of
from ..values import all_containers, every_template

# the host's root, its configuration and its users' homes (`/home/*`, `/root`)
_SENSITIVE = ("/etc", "/root", "/home")


def sensitive(path: str) -> bool:
    """Is `path` the host's root, or inside /etc, /root or /home?"""
    p = posixpath.normpath("/" + path.strip())
    if p.startswith("//"):
        p = "/" + p.lstrip("/")
    return p == "/" or any(p == s or p.startswith(s + "/") for s in _SENSITIVE)


@dataclass(frozen=True)
class WritableHostPath(Message):
    """What: a `hostPath` volume of `/`, `/etc`, `/root` or a home folder that a container
    mounts without `readOnly: true`.

    Why: the pod can change the node's configuration or a user's files (`~/.ssh`,
    credentials), and so take over the node. Kubernetes' Pod Security "baseline" profile
    refuses hostPath volumes altogether; locally, plait binds the host folder writable.
    Fix: mount only the folder the step needs, read-only, or use an artifact.

    ```yaml
    # wrong
    volumes: [{name: host, hostPath: {path: /}}]
    # right
    volumes: [{name: data, hostPath: {path: /srv/data}}]   # and readOnly: true on the mount
    ```
    """

    code = "PL603"
    severity = Severity.WARNING
    hint = "mount a narrower folder, with readOnly: true"
    path: str = ""

    def text(self) -> str:
        return f"hostPath {self.path!r} is mounted writable: the pod can change the host's files"


def _host_paths(volumes: object) -> Iterator[tuple[str, str, YMap]]:
    for v in as_seq(volumes):
        host = as_map(as_map(v).get("hostPath"))
        path, name = as_str(host.get("path")), as_str(as_map(v).get("name"))
        if path is not None and name is not None and sensitive(path):
            yield name, path, host


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    volumes = list(_host_paths(wf.spec.get("volumes")))
    for tmpl in every_template(wf):
        volumes.extend(_host_paths(tmpl.raw.get("volumes")))
    if not volumes:
        return
    writable = set()
    for container in all_containers(wf):
        for m in as_seq(container.get("volumeMounts")):
            m = as_map(m)
            if m.get("readOnly") not in (True, "true"):
                writable.add(as_str(m.get("name")))
    for name, path, host in volumes:
        if name in writable:
            yield WritableHostPath(span_of(host.get("path"), host.value_span("path")), path)
