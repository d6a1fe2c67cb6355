"""Name rules of Argo and Kubernetes, and the "did you mean" suggestion for a misspelt name.

Patterns follow Argo's validator (`workflow/validate`) and Kubernetes' name validation;
each constant says where its rule comes from.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable

# Kubernetes object names (DNS-1123 subdomain): metadata.name of every document
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Kubernetes container names (DNS-1123 label)
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# a generateName prefix: a name that may end in '-' or '.' (a random suffix follows)
NAME_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9.]*)?")
MAX_OBJECT_NAME = 63          # Argo: workflow names become label values
MAX_CRON_NAME = 52            # children are `<cron>-<10-digit unix time>`
GENERATED_SUFFIX = 5          # Kubernetes appends 5 random characters to generateName
MAX_PREFIX = 58               # ...after cutting the prefix to this length

# template, step and task names (Argo `isValidWorkflowFieldName`)
TEMPLATE_NAME = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")
MAX_TEMPLATE_NAME = 128
# parameter and artifact names, and literal globalNames (Argo `paramOrArtifactNameRegex`)
PARAMETER_NAME = re.compile(r"[-a-zA-Z0-9_]+")
# node display names set by the `workflows.argoproj.io/display-name` annotation
DISPLAY_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-.]{0,61}[a-zA-Z0-9]")
DISPLAY_NAME_ANNOTATION = "workflows.argoproj.io/display-name"
# Prometheus metric names and label keys (Argo `IsValidMetricName`, label validation)
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
METRIC_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# containers Argo adds to every pod, so user containers may not take their names
# Kubernetes label keys (`[prefix/]name`) and values (spec §19 rule 16: podGC.labelSelector)
LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
LABEL_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
MAX_LABEL = 63
MAX_LABEL_PREFIX = 253


def label_key_problem(key: str) -> str | None:
    """Why `key` is not a valid Kubernetes label key, or None."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > MAX_LABEL_PREFIX or not LABEL_PREFIX.fullmatch(prefix)):
        return f"prefix {prefix!r} is not a DNS subdomain"
    if not name or len(name) > MAX_LABEL or not LABEL_NAME.fullmatch(name):
        return f"name {name!r} must be 1-63 letters, digits, '-', '_' or '.', alphanumeric at both ends"
    return None


def label_value_problem(value: str) -> str | None:
    """Why `value` is not a valid Kubernetes label value (empty is valid), or None."""
    if value and (len(value) > MAX_LABEL or not LABEL_NAME.fullmatch(value)):
        return "at most 63 letters, digits, '-', '_' or '.', alphanumeric at both ends"
    return None


RESERVED_CONTAINERS = frozenset({"wait", "init", "supervisor"})
RESERVED_CONTAINER_PREFIX = "artifact-plugin-"


def is_reserved_container(name: str) -> bool:
    """Argo's own container names, which sidecars and containerSet containers may not use."""
    return name in RESERVED_CONTAINERS or name.startswith(RESERVED_CONTAINER_PREFIX)


def suggest(name: str, choices: Iterable[str]) -> str | None:
    """The choice closest to a misspelt `name`, if one is close enough (or differs in case)."""
    options = [c for c in choices if c]
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = {c.lower(): c for c in options}
    return lowered.get(name.lower())


__all__ = ["DISPLAY_NAME", "DISPLAY_NAME_ANNOTATION", "DNS1123_LABEL", "DNS1123_SUBDOMAIN",
           "GENERATED_SUFFIX", "MAX_CRON_NAME", "MAX_OBJECT_NAME", "MAX_PREFIX",
           "MAX_TEMPLATE_NAME", "METRIC_LABEL", "METRIC_NAME", "NAME_PREFIX", "PARAMETER_NAME",
           "RESERVED_CONTAINERS", "TEMPLATE_NAME", "is_reserved_container", "suggest"]


def object_name_problem(name: str) -> str | None:
    """Why Argo would refuse `name` as a workflow's `metadata.name` (PL330/PL331's rules),
    or None. Used for `--name`, which also names the run's folders and store rows."""
    if len(name) > MAX_OBJECT_NAME:
        return f"{name[:80]!r} has {len(name)} characters; at most {MAX_OBJECT_NAME} are allowed"
    if not DNS1123_SUBDOMAIN.fullmatch(name):
        return (f"{name!r} is not a valid Kubernetes name: use lowercase letters, digits, "
                f"'-' and '.', starting and ending with a letter or digit")
    return None
