"""A static copy of the viewer: the same pages, with the runs' data in data.js so that they open from file://
(browsers refuse fetch() of local JSON files, but load a local script)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from harness.view import data
from harness.view.server import static_file

PAGES = ("index.html", "app.js", "style.css")


def data_script(payload: dict) -> str:
    """JSON as a script; '<' escaped too, so no text inside can close a script element if the file is inlined."""
    text = json.dumps(payload, ensure_ascii=False).replace("<", "\\u003c")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.HARNESS_DATA = {text};\n"


def export_site(runs: dict[str, Path], out: Path, threshold: float = data.DEFAULT_THRESHOLD) -> Path:
    """Write index.html, app.js, style.css and data.js for these runs into out; returns the index page."""
    if not runs:
        raise FileNotFoundError("no runs to export")
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
        "threshold": threshold,
        "runs": [data.summary(key, path, threshold) for key, path in runs.items()],
        "details": {key: data.detail(key, path) for key, path in runs.items()},
    }
    for name in PAGES:
        (out / name).write_bytes(static_file(name))
    (out / "data.js").write_text(data_script(payload), encoding="utf-8")
    return out / "index.html"
