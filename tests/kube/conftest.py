"""Fixtures of the kubernetes backend's tests: the test API server over podman."""

from __future__ import annotations

from typing import Iterator

import pytest

from ..containers import need


@pytest.fixture
def api(container_engine, busybox_img, tmp_path) -> Iterator["FakeApiServer"]:  # noqa: F821
    """A fresh test API server (namespace `default`) whose Pods run with podman; its
    kubeconfig is at `api.config`."""
    pytest.importorskip("kubernetes", reason="pip install 'plait[kubernetes]'")
    need(bool(pytest.importorskip("kubernetes_validate")), "kubernetes-validate")
    from .apiserver import FakeApiServer
    server = FakeApiServer().start()
    server.config = server.kubeconfig(tmp_path / "kubeconfig")  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.close()
