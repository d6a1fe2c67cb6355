"""PL525: an artifact location that Argo rejects (spec §19 rule 35)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..context import Context
from ..diagnostics import Message
from ..model import Workflow, as_map
from ..source import YMap, YStr
from ..values import every_template, has_tag, io_lists


@dataclass(frozen=True)
class ArtifactLocationInvalid(Message):
    """What: a `git` location with an empty `repo`, or an `hdfs` location without
    `addresses`, with a relative `path`, without `hdfsUser` or a Kerberos secret, or with
    a Kerberos secret but not the Kerberos settings it needs.

    Why: Argo rejects the workflow ("git.repo is required", "hdfs.path must be a absolute
    file path", ...). Fix: complete the location.

        hdfs:
          addresses: [my-hdfs-namenode-0.my-hdfs-namenode.default.svc.cluster.local:8020]
          path: data/out.tgz
          hdfsUser: root
        # fix:
          path: /data/out.tgz
    """

    code = "PL525"
    problem: str

    def text(self) -> str:
        return {
            "repo": "git artifact repo is empty",
            "addresses": "hdfs artifact needs addresses",
            "path": "hdfs artifact path must be absolute",
            "user": "hdfs artifact needs hdfsUser, krbCCacheSecret or krbKeytabSecret",
            "keytab": "hdfs krbKeytabSecret needs krbServicePrincipalName, krbConfigConfigMap, krbUsername and krbRealm",
            "ccache": "hdfs krbCCacheSecret needs krbServicePrincipalName and krbConfigConfigMap",
        }[self.problem]

    def hint_text(self) -> str | None:
        return {
            "repo": "set repo to the repository URL",
            "addresses": "list the namenode addresses (host:port)",
            "path": "start the path with '/'",
        }.get(self.problem, "complete the HDFS settings")


def _location(loc: YMap) -> Iterator[Message]:
    git = loc.get("git")
    if isinstance(git, YMap) and git.get("repo") == "":
        yield ArtifactLocationInvalid(git.value_span("repo"), "repo")
    hdfs = loc.get("hdfs")
    if isinstance(hdfs, YMap):
        yield from _hdfs(hdfs, loc.key_span("hdfs"))


def _hdfs(hdfs: YMap, key_span) -> Iterator[Message]:
    addresses = hdfs.get("addresses")
    if not addresses:
        yield ArtifactLocationInvalid(hdfs.value_span("addresses") if "addresses" in hdfs else key_span,
                                      "addresses")
    path = hdfs.get("path")
    if isinstance(path, YStr) and path and not has_tag(path) and not path.startswith("/"):
        yield ArtifactLocationInvalid(path.span, "path")
    keytab, ccache = "krbKeytabSecret" in hdfs, "krbCCacheSecret" in hdfs
    if not hdfs.get("hdfsUser") and not keytab and not ccache:
        yield ArtifactLocationInvalid(key_span, "user")
    if keytab and not all(hdfs.get(k) for k in ("krbServicePrincipalName", "krbConfigConfigMap",
                                                "krbUsername", "krbRealm")):
        yield ArtifactLocationInvalid(hdfs.key_span("krbKeytabSecret"), "keytab")
    if ccache and not all(hdfs.get(k) for k in ("krbServicePrincipalName", "krbConfigConfigMap")):
        yield ArtifactLocationInvalid(hdfs.key_span("krbCCacheSecret"), "ccache")


def check(wf: Workflow, ctx: Context) -> Iterator[Message]:
    for _, what, items in io_lists(wf):
        if what == "artifact":
            for item in items:
                if isinstance(item, YMap):
                    yield from _location(item)
    yield from _location(as_map(wf.template_defaults.get("archiveLocation")))
    for tmpl in every_template(wf):
        yield from _location(as_map(tmpl.raw.get("archiveLocation")))
