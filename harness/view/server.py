"""The viewer's HTTP server: standard library only, read-only, bound to loopback unless the user says otherwise.

Routes are a fixed list: the page and its three files, and a JSON API whose run ids must name a run found under the
served folder, so no request can reach a file outside it. Answers carry a strict Content-Security-Policy (no inline
script) and are refused unless the Host header names this server, which stops DNS-rebinding pages from reading
transcripts through the browser.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.view import data

LOOPBACK = ("127.0.0.1", "localhost", "::1")
STATIC = {
    "/": ("index.html", "text/html"),
    "/index.html": ("index.html", "text/html"),
    "/app.js": ("app.js", "text/javascript"),
    "/style.css": ("style.css", "text/css"),
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DATA_JS = b"window.HARNESS_DATA = null;  // a static export (harness view --export) writes the runs here\n"


def static_file(name: str) -> bytes:
    return files("harness.view").joinpath("static", name).read_bytes()


class Catalog:
    """The runs under one folder, found again when asked for one it does not know (a run that just started), and
    each run's detail cached until its transcript grows."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.lock = threading.Lock()
        self.runs: dict[str, Path] = {}
        self.cache: dict[tuple, dict] = {}

    def refresh(self) -> dict[str, Path]:
        found = data.discover(self.root)
        with self.lock:
            self.runs = found
        return found

    def path(self, key: str) -> Path | None:
        return self.runs.get(key) or self.refresh().get(key)

    def _cached(self, what: str, key: str, path: Path, make: Callable[[], dict]) -> dict:
        version = (what, key, *data.state(path).values())
        with self.lock:
            hit = self.cache.get(version)
        if hit is None:
            hit = make()
            with self.lock:
                self.cache = {k: v for k, v in self.cache.items() if k[:2] != version[:2]} | {version: hit}
        return hit

    def summaries(self, threshold: float) -> list[dict]:
        """One row per run; a transcript that cannot be read is a row saying so, and the others still list."""
        rows = []
        for key, path in self.refresh().items():
            try:
                rows.append(
                    self._cached(f"summary@{threshold}", key, path, partial(data.summary, key, path, threshold))
                )
            except sqlite3.Error as exc:
                rows.append({"key": key, "error": f"cannot read the transcript: {exc}"})
        return rows

    def detail(self, key: str, path: Path) -> dict:
        return self._cached("detail", key, path, partial(data.detail, key, path))


class Handler(BaseHTTPRequestHandler):
    catalog: Catalog
    hosts: frozenset[str] | None  # Host header values accepted; None accepts any (--allow-remote)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: the terminal is for the URL and errors, not one line per poll."""

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        host = (self.headers.get("Host") or "").lower()
        if self.hosts is not None and host not in self.hosts:
            self._json(403, {"error": f"host {host!r} not served (the viewer answers on loopback only)"})
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            self._route(url.path, query)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except FileNotFoundError as exc:  # a run deleted while served
            self._json(404, {"error": str(exc).splitlines()[0]})
        except sqlite3.Error as exc:  # a damaged transcript: say which, keep serving the others
            self._json(500, {"error": f"cannot read the transcript: {exc}"})

    def _route(self, path: str, query: dict[str, str]) -> None:
        if path in STATIC:
            name, ctype = STATIC[path]
            self._send(200, static_file(name), ctype)
        elif path == "/data.js":
            self._send(200, DATA_JS, "text/javascript")
        elif path == "/api/runs":
            try:
                threshold = float(query.get("threshold", data.DEFAULT_THRESHOLD))
            except ValueError:
                self._json(400, {"error": f"threshold must be a number, not {query['threshold']!r}"})
                return
            self._json(200, {"threshold": threshold, "runs": self.catalog.summaries(threshold)})
        elif path in ("/api/run", "/api/state"):
            key = query.get("id", "")
            run_dir = self.catalog.path(key)
            if run_dir is None:
                self._json(404, {"error": f"no run {key!r} under the served folder"})
            elif path == "/api/run":
                self._json(200, self.catalog.detail(key, run_dir))
            else:
                self._json(200, {"key": key, **data.state(run_dir)})
        else:
            self._json(404, {"error": f"not found: {path}"})


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host header values a browser sends for this server (without the port when it is 80)."""
    names = {f"[{n}]" if ":" in n else n for n in ({host, *LOOPBACK} if host in LOOPBACK else {host})}
    return frozenset(names | {f"{n}:{port}" for n in names})


def make_server(root: Path, host: str = "127.0.0.1", port: int = 7575, remote: bool = False) -> ThreadingHTTPServer:
    """A server for the runs under root (not yet serving: call serve_forever). Port 0 picks a free port."""
    if host not in LOOPBACK and not remote:
        raise ValueError(f"--host {host} is not loopback: pass --allow-remote to serve transcripts to other machines")
    catalog = Catalog(root)
    handler = type("BoundHandler", (Handler,), {"catalog": catalog, "hosts": None})
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = type("Server", (ThreadingHTTPServer,), {"address_family": family})((host, port), handler)
    server.daemon_threads = True
    if not remote:
        handler.hosts = allowed_hosts(host, server.server_address[1])
    return server
