"""HTTP templates against a real local server (runtime/http.py)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from plait.runtime.http import run_http
from plait.runtime.secrets import SecretStore
from plait.runtime.types import Phase


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status: int, text: str, headers=()):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ok":
            self._answer(200, "hello\n", [("X-Thing", "yes")])
        elif self.path == "/auth":
            self._answer(200 if self.headers.get("Authorization") == "Bearer tok" else 401, "auth")
        elif self.path == "/slow":
            import time
            time.sleep(2)
            self._answer(200, "late")
        else:
            self._answer(404, "not here")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode()
        self._answer(201, json.dumps({"method": "POST", "body": body,
                                      "type": self.headers.get("Content-Type")}))


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def run(body, **kw):
    return asyncio.run(run_http(body, **kw))


def test_get_body_is_the_result(server):
    r = run({"url": f"{server}/ok"})
    assert r.phase is Phase.SUCCEEDED
    assert r.result == "hello\n"


def test_non_2xx_fails_with_argos_message(server):
    r = run({"url": f"{server}/missing"})
    assert r.phase is Phase.FAILED
    assert r.message == "received non-2xx response code: 404"
    assert r.result == "not here"


def test_success_condition_over_status_body_and_headers(server):
    assert run({"url": f"{server}/missing",
                "successCondition": "response.statusCode == 404"}).phase is Phase.SUCCEEDED
    assert run({"url": f"{server}/ok",
                "successCondition": 'response.body contains "hello"'}).phase is Phase.SUCCEEDED
    assert run({"url": f"{server}/ok",
                "successCondition": 'response.headers["X-Thing"][0] == "yes"'}).phase is Phase.SUCCEEDED
    r = run({"url": f"{server}/ok", "successCondition": "response.statusCode == 201"})
    assert r.phase is Phase.FAILED and "successCondition" in r.message


def test_post_with_body_and_headers(server):
    r = run({"url": f"{server}/post", "method": "POST", "body": '{"a": 1}',
             "headers": [{"name": "Content-Type", "value": "application/json"}]})
    assert r.phase is Phase.SUCCEEDED
    assert json.loads(r.result) == {"method": "POST", "body": '{"a": 1}', "type": "application/json"}


def test_secret_header(server):
    store = SecretStore()
    store.add_secret("api", {"token": "Bearer tok"})
    headers = [{"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}]
    assert run({"url": f"{server}/auth", "headers": headers}, secrets=store).phase is Phase.SUCCEEDED
    r = run({"url": f"{server}/auth", "headers": headers}, secrets=SecretStore())
    assert r.phase is Phase.ERROR and "api" in r.message


def test_connection_refused_and_timeout_fail(server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = run({"url": f"http://127.0.0.1:{port}/"})
    assert r.phase is Phase.FAILED and f"127.0.0.1:{port}" in r.message
    r = run({"url": f"{server}/slow", "timeoutSeconds": 0.3})
    assert r.phase is Phase.FAILED and "timed out" in r.message
