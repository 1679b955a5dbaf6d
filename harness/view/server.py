"""The viewer's HTTP server: standard library only, bound to loopback unless the user says otherwise.

Routes are a fixed list: the page and its three files, and a JSON API whose run ids must name a run found under the
served folder, so no request can reach a file outside it. Answers carry a strict Content-Security-Policy (no inline
script) and are refused unless the Host header names this server, which stops DNS-rebinding pages from reading
transcripts through the browser.

The one write is `POST /api/label`: a reader's label of one candidate, stored as a `human_label` event through
`Transcript.add_human_label`, one write at a time. It is taken only from this machine (a loopback client) and, when a
browser sends it, only from a page of this server (its Origin), with a JSON body, which other sites' pages cannot send
without a CORS preflight this server never grants.
"""

from __future__ import annotations

import ipaddress
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

from harness.run.transcript import HUMAN_LABELS, Transcript
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
MAX_LABEL_BODY = 16_384  # bytes: a label, a note and a name
LABEL_FIELDS = {"run": str, "agent": str, "index": int, "label": str, "note": str, "who": str}
MAX_NOTE, MAX_WHO = 4000, 200


class Refused(Exception):
    """A request answered with an HTTP error status and one line saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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
        self.write_lock = threading.Lock()  # label writes, one at a time

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


def is_loopback(address: str) -> bool:
    """A client on this machine: 127.0.0.0/8, ::1, or an IPv4 loopback address mapped into IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def label_request(body: bytes) -> dict[str, Any]:
    """The fields of a label request, type-checked; Refused(400) names the first thing wrong."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, f"the body is not JSON: {exc}") from exc
    if not isinstance(request, dict):
        raise Refused(400, "the body must be a JSON object with run, agent, index, label, note and who")
    if unknown := sorted(request.keys() - LABEL_FIELDS.keys()):
        raise Refused(400, f"unknown field(s) {', '.join(unknown)}; expected {', '.join(LABEL_FIELDS)}")
    if request.get("note") is None:
        request["note"] = ""
    for name, kind in LABEL_FIELDS.items():
        value = request.get(name)
        if value is None:
            raise Refused(400, f"missing field {name!r}")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise Refused(400, f"field {name!r} must be {'an integer' if kind is int else 'a string'}, not {value!r}")
    if request["label"] not in HUMAN_LABELS:
        raise Refused(400, f"label {request['label']!r} is not one of {', '.join(HUMAN_LABELS)}")
    request["who"], request["note"] = request["who"].strip(), request["note"].strip()
    if not request["who"]:
        raise Refused(400, "give your name (who): labels from different readers are compared")
    if len(request["who"]) > MAX_WHO or len(request["note"]) > MAX_NOTE:
        raise Refused(400, f"who is at most {MAX_WHO} characters and note at most {MAX_NOTE}")
    return request


class Handler(BaseHTTPRequestHandler):
    catalog: Catalog
    hosts: frozenset[str] | None  # Host header values accepted; None accepts any (--allow-remote)
    write_origins: frozenset[str]  # Origin header values a label may come from: this server's loopback names

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

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        if self.hosts is not None and host not in self.hosts:
            self._json(403, {"error": f"host {host!r} not served (the viewer answers on loopback only)"})
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if not self._host_ok():
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            self._route(url.path, query)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client went away: there is no one left to answer
        except FileNotFoundError as exc:  # a run deleted while served
            self._json(404, {"error": str(exc).splitlines()[0]})
        except sqlite3.Error as exc:  # a damaged transcript: say which, keep serving the others
            self._json(500, {"error": f"cannot read the transcript: {exc}"})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        if not self._host_ok():
            return
        try:
            if urlsplit(self.path).path != "/api/label":
                raise Refused(404, f"not found: POST {urlsplit(self.path).path}")
            self._json(201, self._label())
        except Refused as exc:
            self._json(exc.status, {"error": str(exc)})
        except (BrokenPipeError, ConnectionResetError):
            return  # the client went away: there is no one left to answer
        except sqlite3.Error as exc:
            self._json(500, {"error": f"cannot write to the transcript: {exc}"})

    def _label(self) -> dict[str, Any]:
        """Check where a label comes from and what it says, then store it; returns what was stored."""
        if not is_loopback(self.client_address[0]):
            raise Refused(403, "labels are written only from this machine (a loopback client)")
        origin = self.headers.get("Origin")
        if origin is not None and origin.lower() not in self.write_origins:
            raise Refused(403, f"labels are written only from this viewer's own page, not from origin {origin!r}")
        if self.headers.get_content_type() != "application/json":
            raise Refused(415, "send the label as JSON (Content-Type: application/json)")
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            raise Refused(411, "a label request needs a Content-Length") from None
        if not 0 <= length <= MAX_LABEL_BODY:
            raise Refused(413, f"a label request is at most {MAX_LABEL_BODY} bytes, not {length}")
        request = label_request(self.rfile.read(length))
        run_dir = self.catalog.path(request["run"])
        if run_dir is None:
            raise Refused(404, f"no run {request['run']!r} under the served folder")
        with self.catalog.write_lock:
            try:
                t = Transcript.open(run_dir)
            except FileNotFoundError as exc:
                raise Refused(404, str(exc)) from None
            try:
                event = t.add_human_label(request["agent"], request["index"], request["label"], request["note"],
                                          request["who"])
            except ValueError as exc:
                raise Refused(400, str(exc)) from None
            except LookupError as exc:
                raise Refused(404, str(exc)) from None
            finally:
                t.close()
        return {"run": request["run"], "agent": event.agent_id, "seq": event.seq, **event.payload}

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
        elif path == "/api/label":
            self._json(405, {"error": "labels are sent with POST"})
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
    handler = type("BoundHandler", (Handler,), {"catalog": catalog, "hosts": None, "write_origins": frozenset()})
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = type("Server", (ThreadingHTTPServer,), {"address_family": family})((host, port), handler)
    server.daemon_threads = True
    port = server.server_address[1]
    handler.write_origins = frozenset(f"http://{name}" for name in allowed_hosts("127.0.0.1", port))
    if not remote:
        handler.hosts = allowed_hosts(host, port)
    return server
