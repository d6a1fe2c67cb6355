"""Which Argo release a workflow is checked for (`--argo-version`, `[tool.plait] argo-version`).

Argo 4.0 removed fields that 3.x deprecated (`synchronization.mutex`/`semaphore`, CronWorkflow
`schedule`) and tightened others (memoize `cache.configMap.key`, template `parallelism: 0`,
a list or map as a parameter `value`). Many clusters still run 3.5-3.7, so plait accepts those
fields when told the workflow is for 3.x; for 4.x each is one error that says it was removed
and what replaces it (`argo convert` rewrites most of them), instead of an unknown-key error
that names an internal Go type plus a follow-on missing-key error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .diagnostics import Message

Version = tuple[int, int]

DEFAULT: Version = (4, 1)
SUPPORTED = "3.5, 3.6, 3.7 or 4.x"
_VERSION = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.\d+)?")


def parse_version(text: str) -> Version:
    """`"3.7"`, `"v3.6.5"`, `"4"`, `"4.1"` as (major, minor); ValueError for others."""
    m = _VERSION.fullmatch(str(text).strip())
    if m:
        version = (int(m.group(1)), int(m.group(2) or 0))
        if (version[0] == 3 and 5 <= version[1] <= 7) or version[0] == 4:
            return version
    raise ValueError(f"unsupported Argo version {text!r}: use {SUPPORTED}")


def before_v4(version: Version) -> bool:
    return version[0] < 4


@dataclass(frozen=True)
class Legacy:
    """A field of 3.x that 4.0 removed: where it sits (the schema definition), what replaces
    it, and the definition its value must match under 3.x (None: any value)."""

    where: str
    key: str
    replacement: str
    value_schema: str | None = None
    replaces_required: str | None = None     # a v4 key it stands in for under 3.x
    label: str = ""                          # how messages name it (default: the key)


LEGACY_KEYS: dict[tuple[str, str], Legacy] = {
    ("Synchronization", "mutex"): Legacy(
        "Synchronization", "mutex", "use 'mutexes:', a list (mutexes: [{name: ...}])", "Mutex",
        label="synchronization.mutex"),
    ("Synchronization", "semaphore"): Legacy(
        "Synchronization", "semaphore",
        "use 'semaphores:', a list (semaphores: [{configMapKeyRef: ...}])", "SemaphoreRef",
        label="synchronization.semaphore"),
    ("CronWorkflowSpec", "schedule"): Legacy(
        "CronWorkflowSpec", "schedule",
        "use 'schedules:', a list of cron expressions (schedules: [\"0 2 * * *\"])", None,
        replaces_required="schedules"),
}

def v4_synchronization(settings: dict[str, Any]) -> dict[str, Any]:
    """Plan settings (a workflow's or a template's) with a 3.x `synchronization.mutex` or
    `semaphore` added to `mutexes`/`semaphores`, as Argo 3.6-3.7 reads both and `argo convert`
    writes it: the runtime then treats a 3.x workflow exactly as its v4 form. (4.x rejects the
    singular keys before anything is planned, so this changes nothing there.)"""
    sync = settings.get("synchronization")
    if not isinstance(sync, dict) or not ({"mutex", "semaphore"} & set(sync)):
        return settings
    out = {k: v for k, v in sync.items() if k not in ("mutex", "semaphore")}
    for one, many in (("mutex", "mutexes"), ("semaphore", "semaphores")):
        if isinstance(sync.get(one), dict):
            listed = sync.get(many)
            out[many] = [*(listed if isinstance(listed, list) else []), sync[one]]
    return {**settings, "synchronization": out}


# `memoize.cache.configMap.key`: v4's cache names only the ConfigMap
CACHE_CONFIG_MAP_KEY = Legacy("Cache", "configMap.key",
                              "remove it: the cache is the ConfigMap named by 'name'")
# `value: []` / `value: {}` on a parameter: v4 decodes only strings, numbers and booleans
PARAMETER_VALUE_LIST = Legacy("Parameter", "value",
                              "write the list or map as a JSON string (value: '[]')")
# template `parallelism: 0`: no limit on 3.x, rejected by 4.x
TEMPLATE_PARALLELISM_ZERO = Legacy("Template", "parallelism",
                                   "remove 'parallelism' for no limit (or set 1 or more)")


@dataclass(frozen=True)
class RemovedInV4(Message):
    """What: a field that Argo 3.x accepted and 4.0 removed or tightened: the singular
    `synchronization.mutex`/`semaphore`, CronWorkflow `schedule`, memoize
    `cache.configMap.key`, template `parallelism: 0` (no limit on 3.x), a list or map as a
    parameter `value`.

    Why: Argo 4.x rejects the workflow. Fix: write the v4 form named in the message
    (`argo convert` rewrites mutex, semaphore and schedule for you), or, if your cluster
    runs 3.x, tell plait: `plait check --argo-version 3.7` or `argo-version = "3.7"` under
    `[tool.plait]`.
    """

    code = "PL210"
    field: str = ""
    replacement: str = ""

    def text(self) -> str:
        return f"{self.field} was removed in Argo v4: {self.replacement}"

    def hint_text(self) -> str | None:
        return ("`argo convert` rewrites mutex, semaphore and schedule to v4; for a cluster "
                "on Argo 3.x, check with --argo-version 3.7")
