"""Backends run Pod manifests (`runtime.types.Backend`): `local` (sandboxed host processes),
`container` (real images through podman or docker) and `kubernetes` (Pods on a cluster; needs
`pip install 'plait[kubernetes]'`)."""

from __future__ import annotations

from typing import Any

from plait.runtime.types import Backend

BACKENDS = ("local", "container", "kubernetes")
BACKEND_ENV = "PLAIT_BACKEND"


def get_backend(name: str = "local", **options: Any) -> Backend:
    """The backend called `name`, constructed with `options` (see each backend's class)."""
    if name == "local":
        from plait.runtime.backends.local import LocalBackend
        return LocalBackend(**options)
    if name == "container":
        from plait.runtime.backends.container import ContainerBackend
        return ContainerBackend(**options)
    if name == "kubernetes":
        from plait.runtime.backends.kubernetes import KubernetesBackend
        return KubernetesBackend(**options)
    raise ValueError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")


__all__ = ["BACKENDS", "BACKEND_ENV", "get_backend"]
