"""Argo's names for nodes and pods (spec §3): FNV-1a ids, pod names, display names, loops.

Node id `<wf>-<fnv32a(name)>` (the root's id is the workflow name), pod name
`<wf>-<template>-<fnv32a(node name)>` (a root pod is named `<wf>`), loop children
`<name>(<i>:<desc>)`, retry attempts `<name>(<n>)`.
"""

from __future__ import annotations

import re

from plait.compiler.loops import item_description, item_text, item_values
from plait.compiler.loops import loop_node_name as loop_name

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_MAX_NAME = 253          # Kubernetes resource names
_HASH_LEN = 10           # room kept for `-<hash>` in pod names
_SEPARATOR = re.compile(r"^(\[\d+\])?\.")


def fnv32a(text: str) -> int:
    """FNV-1a, 32 bits, over the UTF-8 bytes of `text` (Go's hash/fnv New32a)."""
    h = _FNV_OFFSET
    for b in text.encode("utf-8"):
        h = ((h ^ b) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def node_id(workflow: str, name: str) -> str:
    """The id Argo gives the node called `name`."""
    return workflow if name == workflow else f"{workflow}-{fnv32a(name)}"


def pod_name(workflow: str, template: str | None, name: str) -> str:
    """The pod name of node `name` (Argo's pod-name format v2)."""
    if name == workflow:
        return workflow
    if template and template.endswith(":inline"):
        template = None      # an inline template has no name (plait keys it `owner/step:inline`)
    prefix = f"{workflow}-{template}" if template else workflow
    limit = _MAX_NAME - _HASH_LEN - 1
    if len(prefix) > limit:
        prefix = prefix[:limit]
    return f"{prefix}-{fnv32a(name)}"


def display_name(name: str, boundary_name: str | None) -> str:
    """Argo's display name: the name without its boundary's name and `[i].`/`.` separator."""
    if boundary_name is None or not name.startswith(boundary_name):
        return name
    rest = name[len(boundary_name):]
    return _SEPARATOR.sub("", rest, count=1) if _SEPARATOR.match(rest) else rest


__all__ = ["display_name", "fnv32a", "item_description", "item_text", "item_values",
           "loop_name", "node_id", "pod_name"]
