"""HTTP templates: a real request from this process, as Argo's agent makes it.

`run_http(body)` takes the rendered `http` body (`method`, `url`, `headers` with values or
`valueFrom.secretKeyRef`, `body` or `bodyFrom.bytes`, `timeoutSeconds`, `successCondition`,
`insecureSkipVerify`) and returns a `PodResult`: the response body is `result`; the node is
Failed on a transport error, on a non-2xx status when there is no `successCondition`, or when
the condition (an expr-lang expression over `response.statusCode`, `response.body`,
`response.headers` and `request.*`) is false. urllib in a thread: no new dependency.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import urllib.error
import urllib.request
from typing import Any

from plait.grammar import EvaluationError, GrammarError, evaluate_expression, parse_expression
from plait.runtime.types import Phase, PodResult

DEFAULT_TIMEOUT = 30.0
BODY_LIMIT = 256 * 1024 * 1024        # read at most this much of a response


class _NoRedirectErrors(urllib.request.HTTPErrorProcessor):
    """Hand every status back as a response (urllib raises on >= 400 otherwise)."""

    def http_response(self, request, response):
        return response

    https_response = http_response


async def run_http(body: dict[str, Any], *, secrets: Any = None,
                   timeout: float = DEFAULT_TIMEOUT) -> PodResult:
    """Make the request an `http` template describes; see the module docstring."""
    method = str(body.get("method") or "GET").upper()
    url = str(body.get("url") or "")
    if not url:
        return PodResult(Phase.ERROR, None, "http template has no url")
    try:
        headers = _headers(body.get("headers") or [], secrets)
    except KeyError as exc:
        return PodResult(Phase.ERROR, None, str(exc.args[0]) if exc.args else str(exc))
    data = _body(body)
    seconds = float(body.get("timeoutSeconds") or timeout)
    insecure = bool(body.get("insecureSkipVerify"))
    try:
        status, text, resp_headers = await asyncio.to_thread(
            _request, method, url, headers, data, seconds, insecure)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return PodResult(Phase.FAILED, None, f"{method} {url}: {reason}")
    condition = body.get("successCondition")
    if not condition:
        if 200 <= status < 300:
            return PodResult(Phase.SUCCEEDED, None, "", text)
        return PodResult(Phase.FAILED, None, f"received non-2xx response code: {status}", text)
    env = {"response": {"statusCode": status, "body": text, "headers": resp_headers},
           "request": {"method": method, "url": url, "body": data.decode("utf-8", "replace") if data else "",
                       "headers": {k: [v] for k, v in headers.items()}}}
    try:
        ok = evaluate_expression(parse_expression(str(condition)), env)
    except (GrammarError, EvaluationError) as exc:
        return PodResult(Phase.ERROR, None, f"successCondition {condition!r}: {exc}", text)
    if ok is True:
        return PodResult(Phase.SUCCEEDED, None, "", text)
    return PodResult(Phase.FAILED, None, f"successCondition {condition!r} evaluated false "
                     f"(status {status})", text)


def _headers(items: list[dict[str, Any]], secrets: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name = str(item.get("name", ""))
        ref = ((item.get("valueFrom") or {}).get("secretKeyRef")) if "valueFrom" in item else None
        if ref:
            if secrets is None:
                raise KeyError(f"secret {ref.get('name')!r} not found (give its manifest with "
                               "--secrets FILE)")
            out[name] = secrets.secret(str(ref.get("name")), str(ref.get("key")))
        else:
            out[name] = str(item.get("value", ""))
    return out


def _body(body: dict[str, Any]) -> bytes | None:
    if body.get("bodyFrom") and (body["bodyFrom"] or {}).get("bytes") is not None:
        return base64.b64decode(str(body["bodyFrom"]["bytes"]))
    if body.get("body") is not None:
        return str(body["body"]).encode("utf-8")
    return None


def _request(method: str, url: str, headers: dict[str, str], data: bytes | None, timeout: float,
             insecure: bool) -> tuple[int, str, dict[str, list[str]]]:
    handlers: list[Any] = [_NoRedirectErrors()]
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with opener.open(request, timeout=timeout) as response:
        raw = response.read(BODY_LIMIT)
        got: dict[str, list[str]] = {}
        for key, value in response.headers.items():
            got.setdefault(key, []).append(value)
        charset = response.headers.get_content_charset() or "utf-8"
        return int(response.status), raw.decode(charset, "replace"), got


__all__ = ["DEFAULT_TIMEOUT", "run_http"]
