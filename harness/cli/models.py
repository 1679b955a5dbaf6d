"""List the model specs this machine can use now: bundled, cached, and the backends of installed extras.

With --openai URL or --ollama URL, also list what that server serves (a quick check that it is reachable).
"""

from __future__ import annotations

import argparse
import importlib.util

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.models import ModelError, cache_dir
from harness.models.catalog import catalog
from harness.models.catalog import status as named_status

NEEDS = "needs the extra: pip install 'harness[{}]'"


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def local_rows() -> list[tuple[str, str, str]]:
    rows = []
    try:
        from harness.models.smollm2 import bundled_gguf

        gguf = bundled_gguf()
        rows.append(("smollm2", "transformers", f"bundled: {gguf.name} (converted once, then cached)"))
        status = "bundled, same file" if installed("llama_cpp") else NEEDS.format("llamacpp")
        rows.append(("llamacpp:smollm2", "llama.cpp", status))
    except ModelError as exc:
        rows.append(("smollm2", "transformers", f"unavailable: {exc}"))
    for entry in catalog().values():
        state = named_status(entry)
        rows.append((entry.name, "transformers", f"{entry.model} ({entry.quantization}): {state}"))
        if installed("llama_cpp"):
            rows.append((f"llamacpp:{entry.name}", "llama.cpp", "the same file"))
    named = {f"{e.name}-{e.sha256[:12]}" for e in catalog().values()}
    for converted in sorted((cache_dir() / "models").glob("*/config.json")):
        if converted.parent.name in named or converted.parent.name.startswith("smollm2-"):
            continue  # listed above under its name
        rows.append((f"hf:{converted.parent}", "transformers", "cached conversion of a GGUF file"))
    rows.append(("hf:PATH_OR_ID", "transformers", "a local model directory (safetensors)"))
    rows.append(("gguf:FILE.gguf", "transformers", "any GGUF file (dequantized once, then cached)"))
    if installed("llama_cpp"):
        rows.append(("llamacpp:FILE.gguf", "llama.cpp", "any GGUF file with a chat template"))
    remote = "installed" if installed("langchain_openai") else NEEDS.format("remote")
    rows.append(("openai:MODEL@BASE_URL", "OpenAI-compatible server", f"{remote}; key from OPENAI_API_KEY"))
    remote = "installed" if installed("langchain_ollama") else NEEDS.format("remote")
    rows.append(("ollama:MODEL[@URL]", "Ollama", f"{remote}; default URL http://127.0.0.1:11434"))
    rows.append(("scripted:FILE.json", "scripted", "canned replies and ratings, for tests and replays"))
    return rows


def server_rows(kind: str, url: str) -> list[tuple[str, str, str]]:
    from harness.models.remote import served_models

    return [(f"{kind}:{name}@{url}", kind, "served now") for name in served_models(kind, url)]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--openai", metavar="BASE_URL", help="also list the models an OpenAI-compatible server serves")
    p.add_argument("--ollama", metavar="URL", help="also list the models an Ollama server serves")


def main(args: argparse.Namespace) -> int:
    rows = local_rows()
    for kind in ("openai", "ollama"):
        if url := getattr(args, kind):
            rows += server_rows(kind, url.rstrip("/"))
    table = Table("spec", "backend", "status")
    table.columns[0].no_wrap = True  # a spec must stay whole to be copied
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    Console(width=200).print(table)
    return 0
