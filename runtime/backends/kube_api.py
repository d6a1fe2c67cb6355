"""Calls to the Kubernetes API as the kubernetes backend makes them: never a traceback.

`call` runs one client call in a worker thread (the official client is synchronous) and
turns what can go wrong into a `KubeApiError` whose message a user can act on:

    401  the credentials were refused (naming the server)
    403  the verb and resource that were refused, and in which namespace
    (no status) the client's own validation of a body: not retried
    404  the namespace does not exist (or the object is gone: `not_found` is set)
    409  the object exists already (`conflict` is set; the backend adopts or refuses it)
    422  the API server's own message (an invalid or immutable field)
    5xx, 429, time-outs, refused connections: tried again `RETRIES` times with backoff
         (`BACKOFF` doubling), then reported with the last error
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

RETRIES = 4
BACKOFF = 0.5          # seconds before the first retry; doubles each time
REQUEST_TIMEOUT = 30   # seconds for one request that is not a watch or a followed log


class KubeApiError(RuntimeError):
    """An API call failed for good (see the module docstring)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def conflict(self) -> bool:
        return self.status == 409


def _server_message(body: Any) -> str:
    try:
        data = json.loads(body) if isinstance(body, (str, bytes)) else {}
        return str(data.get("message") or "").strip()
    except (ValueError, AttributeError):
        return ""


def explain(exc: Exception, verb: str, resource: str, namespace: str, server: str = "") -> KubeApiError:
    """The `KubeApiError` for a failed call (`exc`: the client's ApiException or a
    connection error)."""
    status = getattr(exc, "status", None)
    if (not isinstance(status, int) or status == 0) and _network(exc):
        return KubeApiError(f"cannot reach the Kubernetes API server{' at ' + server if server else ''} "
                            f"to {verb} {resource}: {type(exc).__name__}: {exc}")
    if not isinstance(status, int) or status == 0:      # the client's own checks of a body
        return KubeApiError(f"the Kubernetes client refused to {verb} {resource}: {exc}")
    said = _server_message(getattr(exc, "body", None)) or str(getattr(exc, "reason", "")) or ""
    where = f"in namespace {namespace!r}"
    if status == 401:
        msg = (f"the Kubernetes API server refused plait's credentials (401 Unauthorized) to "
               f"{verb} {resource} {where}: check the kubeconfig's user")
    elif status == 403:
        msg = (f"forbidden (403): plait may not {verb} {resource} {where}; the cluster's RBAC "
               f"must allow it for this user or service account. The server said: {said}")
    elif status == 404 and "namespaces" in said and "not found" in said:
        msg = f"namespace {namespace!r} does not exist (404): create it or choose another with -n"
    elif status == 404:
        msg = f"{resource} not found {where} (404): {said}"
    elif status == 409:
        msg = f"{resource} already exists {where} (409): {said}"
    elif status == 422:
        msg = f"the API server rejected the {resource} (422 Invalid): {said}"
    else:
        msg = f"the API server failed to {verb} {resource} {where} ({status}): {said}"
    return KubeApiError(msg, status)


def _network(exc: Exception) -> bool:
    """No HTTP answer: connection refused or reset, a time-out (urllib3's errors included)."""
    if isinstance(exc, (OSError, TimeoutError)):
        return True
    return any(c.__module__.startswith("urllib3") for c in type(exc).__mro__)


def retryable(exc: Exception) -> bool:
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status:
        return status >= 500 or status == 429
    return _network(exc)


async def call(fn: Callable[..., Any], *args: Any, verb: str, resource: str, namespace: str,
               server: str = "", sleep: Callable[[float], Any] = asyncio.sleep,
               **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)` in a thread, with the retries and messages above."""
    kwargs.setdefault("_request_timeout", REQUEST_TIMEOUT)
    delay = BACKOFF
    for attempt in range(RETRIES + 1):
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except Exception as exc:   # ApiException, urllib3's errors, OSError
            if attempt < RETRIES and retryable(exc):
                await sleep(delay)
                delay *= 2
                continue
            raise explain(exc, verb, resource, namespace, server) from None
    raise AssertionError("unreachable")


__all__ = ["BACKOFF", "KubeApiError", "RETRIES", "call", "explain", "retryable"]
