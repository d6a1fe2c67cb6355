"""How the kubernetes backend reaches a cluster: as `kubectl` does.

The official `kubernetes` client is an optional dependency (`pip install 'plait[kubernetes]'`):
this module imports it only when a connection is made, so `plait` without the extra works
and `--backend kubernetes` then says what to install (`ClientMissing`).

Configuration, first found wins: `--kubeconfig FILE`, `$KUBECONFIG` (paths joined by `:`),
`~/.kube/config`, then the in-cluster service account (a runner started in a Pod). The
context is `--context` or the file's current one; the namespace is `-n/--namespace`, else
the context's, else `default` (in-cluster: the service account's namespace file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

INSTALL_HINT = "pip install 'plait[kubernetes]'"
SA_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


class ClientMissing(RuntimeError):
    """The `kubernetes` client is not installed (a usage error: exit 2)."""

    def __init__(self) -> None:
        super().__init__("the kubernetes backend needs the official Kubernetes client: "
                         f"{INSTALL_HINT}")


class ConnectionFailed(RuntimeError):
    """No configuration could be loaded (no kubeconfig, unknown context, bad file)."""


def client_module() -> Any:
    """The `kubernetes` package, imported on first use (`ClientMissing` when absent)."""
    try:
        import kubernetes
    except ImportError:
        raise ClientMissing() from None
    return kubernetes


@dataclass
class Connection:
    """An API client bound to one cluster, plus the namespace its objects go to."""

    api_client: Any
    namespace: str
    context: str | None        # None: in-cluster configuration
    server: str


def _config_files(kubeconfig: str | None) -> list[str]:
    if kubeconfig:
        return [kubeconfig]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return [os.path.expanduser("~/.kube/config")]


def connect(*, kubeconfig: str | None = None, context: str | None = None,
            namespace: str | None = None) -> Connection:
    """A `Connection` as `kubectl` would make it (see the module docstring)."""
    k = client_module()
    files = [f for f in _config_files(kubeconfig) if os.path.exists(f)]
    if kubeconfig and not files:
        raise ConnectionFailed(f"--kubeconfig {kubeconfig}: no such file")
    configuration = k.client.Configuration()
    if files:
        joined = os.pathsep.join(files)
        try:
            contexts, current = k.config.list_kube_config_contexts(config_file=joined)
            chosen = current
            if context:
                chosen = next((c for c in contexts if c.get("name") == context), None)
                if chosen is None:
                    names = ", ".join(str(c.get("name")) for c in contexts) or "none"
                    raise ConnectionFailed(f"--context {context}: not in the kubeconfig "
                                           f"({joined}; contexts: {names})")
            k.config.load_kube_config(config_file=joined, context=context,
                                      client_configuration=configuration, persist_config=False)
        except ConnectionFailed:
            raise
        except Exception as exc:    # the client raises ConfigException, ValueError, YAML errors
            raise ConnectionFailed(f"cannot load the kubeconfig {joined}: {exc}") from None
        ctx = (chosen or {}).get("context") or {}
        ns = namespace or ctx.get("namespace") or "default"
        name = (chosen or {}).get("name")
    else:
        try:
            k.config.load_incluster_config(client_configuration=configuration)
        except Exception:
            where = ", ".join(_config_files(kubeconfig))
            raise ConnectionFailed(f"no kubeconfig found ({where}) and not running in a "
                                   "cluster: give --kubeconfig FILE or set KUBECONFIG") from None
        ns = namespace or _incluster_namespace()
        name = None
    return Connection(k.client.ApiClient(configuration), ns, name, configuration.host)


def _incluster_namespace() -> str:
    try:
        with open(SA_NAMESPACE, encoding="utf-8") as fh:
            return fh.read().strip() or "default"
    except OSError:
        return "default"


__all__ = ["ClientMissing", "Connection", "ConnectionFailed", "INSTALL_HINT", "client_module",
           "connect"]
