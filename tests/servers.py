"""Servers for the remote-backend tests.

`start_llama_server` starts the real thing: llama-cpp-python's OpenAI-compatible server on 127.0.0.1, serving the
bundled GGUF. `StandIn` is a stand-in, not a model: a small HTTP server that speaks just enough of the OpenAI
and Ollama APIs to make failures happen on demand (503s, 429s, no logprobs), which a real server will not do.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require(module: str, why: str) -> None:
    """Skip without the optional package, unless HARNESS_REQUIRE_SERVER=1 (CI) makes its absence a failure."""
    try:
        __import__(module)
    except ImportError:
        if os.environ.get("HARNESS_REQUIRE_SERVER") == "1":
            pytest.fail(f"{module} is required here (HARNESS_REQUIRE_SERVER=1): {why}")
        pytest.skip(f"{module} not installed ({why}); pip install -e '.[llamacpp]'")


def start_llama_server(gguf: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2",
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"llama_cpp.server did not answer within 120 s: {log.read_text()[-2000:]}")


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 refuses connections when papers run concurrently
    daemon_threads = True


class StandIn:
    """A stand-in model server. `reply(prompt) -> (status, text)` decides each chat answer; `fail_models` makes
    the first N /models requests answer `fail_status`. Every request path is recorded in `seen`."""

    def __init__(self, reply: Callable[[str], tuple[int, str]], fail_models: int = 0, fail_status: int = 503,
                 logprobs: bool = False, delay: float = 0.0) -> None:
        self.reply, self.fail_models, self.fail_status, self.logprobs = reply, fail_models, fail_status, logprobs
        self.delay = delay  # seconds each chat answer takes, so that concurrent requests overlap
        self.seen: list[str] = []
        self.inflight = self.max_inflight = 0
        self._lock = threading.Lock()
        handler = self._handler()
        self.server = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: dict | str, content_type: str = "application/json") -> None:
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                outer.seen.append(self.path)
                if self.path == "/v1/models":
                    if outer.fail_models > 0:
                        outer.fail_models -= 1
                        return self._send(outer.fail_status, {"error": {"message": "busy"}})
                    return self._send(200, {"object": "list", "data": [{"id": "standin", "object": "model"}]})
                if self.path == "/api/tags":
                    return self._send(200, {"models": [{"name": "standin:latest", "model": "standin:latest"}]})
                self._send(404, {"error": "not found"})

            def do_POST(self) -> None:  # noqa: N802
                outer.seen.append(self.path)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = "\n".join(str(m.get("content", "")) for m in body["messages"])
                with outer._lock:
                    outer.inflight += 1
                    outer.max_inflight = max(outer.max_inflight, outer.inflight)
                time.sleep(outer.delay)
                with outer._lock:
                    outer.inflight -= 1
                status, text = outer.reply(prompt)
                if status != 200:
                    return self._send(status, {"error": {"message": f"stand-in says {status}"}})
                if self.path == "/api/chat":  # Ollama: one NDJSON line
                    line = {"model": body["model"], "created_at": "2026-01-01T00:00:00Z", "done": True,
                            "message": {"role": "assistant", "content": text}, "done_reason": "stop"}
                    return self._send(200, json.dumps(line) + "\n", "application/x-ndjson")
                choice = {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text},
                          "logprobs": None}
                if outer.logprobs and body.get("logprobs"):
                    top = [{"token": t, "logprob": lp, "bytes": None} for t, lp in (("7", -0.1), ("3", -2.5))]
                    choice["logprobs"] = {"content": [{"token": "7", "logprob": -0.1, "bytes": None,
                                                       "top_logprobs": top}]}
                self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                                 "choices": [choice], "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                                                "total_tokens": 2}})

        return Handler
