"""Rows of (equation, description) pairs, as read by `harness check`, `harness detect` and the eval suites.

A bad row never stops the others: it comes back with the reason, and the caller writes it as an error row.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from harness.core.declared import ConfigError
from harness.core.papers import PaperError, brace_error
from harness.core.resources import share_dir


class Item(BaseModel):
    id: str
    latex: str
    text: str
    glossary: dict[str, str] = {}
    name: str | None = None
    context: str = ""
    label: str | None = None  # "correct" / "wrong" in labeled sets


def read_rows(path: str | Path) -> list[tuple[dict, Item | None, str | None]]:
    """Each line as (raw row, parsed item or None, error reason or None)."""
    file = Path(path)
    if not file.is_file():
        raise PaperError(f"no such file: {file}")
    out: list[tuple[dict, Item | None, str | None]] = []
    for lineno, line in enumerate(file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(({"line": lineno, "raw": line[:200]}, None, f"line {lineno}: not valid JSON ({exc.msg})"))
            continue
        if not isinstance(raw, dict):
            out.append(({"line": lineno}, None, f"line {lineno}: not a JSON object"))
            continue
        try:
            item = Item(**{k: v for k, v in raw.items() if k in Item.model_fields})
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            what = "missing field" if err["type"] == "missing" else f"bad field ({err['msg']})"
            out.append((raw, None, f"line {lineno}: {what} {field!r}"))
            continue
        if problem := brace_error(item.latex):
            out.append((raw, None, f"line {lineno}: unparseable LaTeX ({problem})"))
            continue
        out.append((raw, item, None))
    return out


def write_rows(rows: list[dict], path: str | Path | None) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if path is None:
        print(text, end="")
    else:
        Path(path).write_text(text)


def labeled_items(set_ref: str) -> list[Item]:
    path = Path(set_ref) if Path(set_ref).is_absolute() else share_dir("evals") / set_ref
    items = []
    for _, item, error in read_rows(path):
        if item is None or item.label not in ("correct", "wrong"):
            raise ConfigError(f"{path}: {error or 'row without a correct/wrong label'}")
        items.append(item)
    return items
