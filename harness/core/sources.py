"""LaTeX source files: which are LaTeX, which is a folder's main file, and the main file with its \\input files
inlined, keeping for each line the file and line it came from (so a warning can name them).

A folder is one paper, as on arXiv: its main file has \\documentclass (directly or from an \\input header) and
\\begin{document}. Where several files qualify, the usual signals choose and the choice is logged. An archive as
arXiv serves it (a tar, gzipped or not, or one gzipped file; known by its first bytes, not its name) is unpacked
into a temporary folder and read as a folder or a file.
"""

from __future__ import annotations

import bisect
import gzip
import logging
import re
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.macros import VOCAB

log = logging.getLogger("harness.papers")

COMMENT = re.compile(r"(?<!\\)%.*$", re.M)
INPUT = re.compile(r"\\(?:input|include)(?![A-Za-z@])\s*(?:\{([^{}]*)\}|([A-Za-z0-9_./:-]+))")
_DOCUMENTCLASS = re.compile(r"\\documentclass(?![A-Za-z@])")
_BEGIN_DOCUMENT = re.compile(r"\\begin\s*\{document\}")
_DISPLAY_HINT = re.compile(r"\\begin\{(?:" + "|".join(VOCAB["display_envs"]) + r")\*?\}|\\\[|\$\$")
SNIFF_BYTES = 8192
GZIP_MAGIC = b"\x1f\x8b"


def read_latex(path: Path) -> str | None:
    """A file's text if it is text at all (no NUL byte in its first 8 KiB), else None. Not UTF-8: Latin-1."""
    data = path.read_bytes()
    if b"\0" in data[:SNIFF_BYTES]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def is_candidate(path: Path) -> bool:
    """.tex files, and files without an extension (older arXiv submissions) that hold LaTeX."""
    if not path.is_file() or path.name.startswith("."):
        return False
    if path.suffix.lower() == ".tex":
        return True
    if path.suffix:
        return False
    text = read_latex(path)
    return text is not None and bool(_DOCUMENTCLASS.search(text) or _BEGIN_DOCUMENT.search(text))


def paper_id(path: Path) -> str:
    """A main file's path without its .tex (files without one keep their name)."""
    return path.with_suffix("").as_posix() if path.suffix.lower() == ".tex" else path.as_posix()


def _is_tar_header(block: bytes) -> bool:
    """A tar's first block, by tarfile's own parse: its checksum field rules out text that happens to say "ustar"."""
    try:
        tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


def archive_kind(path: Path) -> str | None:
    """What archive a file is, from its first bytes (arXiv's e-print downloads have no extension): "tar" (gzipped
    or not), "gzip" (one gzipped file) or None. A gzip too broken to peek into is "gzip": unpacking it says why."""
    if not path.is_file():
        return None
    with path.open("rb") as f:
        head = f.read(tarfile.BLOCKSIZE)
    if not head.startswith(GZIP_MAGIC):
        return "tar" if _is_tar_header(head) else None
    try:
        with gzip.open(path) as f:
            return "tar" if _is_tar_header(f.read(tarfile.BLOCKSIZE)) else "gzip"
    except (OSError, EOFError, zlib.error):
        return "gzip"


def archive_name(path: Path) -> str:
    """An archive's path without its archive extension, and then without .tex: the id of its paper."""
    name = path.as_posix()
    suffix = next((s for s in VOCAB["archive_suffixes"] if name.lower().endswith(s)), "")
    return paper_id(Path(name[: len(name) - len(suffix)]))


@contextmanager
def unpacked(path: Path) -> Iterator[Path]:
    """An archive unpacked into a temporary folder, removed afterwards. A tar gives a folder of its members, named
    as the archive without its extension (a main file's signals are as for a folder); tarfile's "data" filter
    refuses members that would land outside it, links out of it and device files. A gzip gives the one file it
    holds, named without an extension: like such files, it is read as LaTeX only if it has \\documentclass or
    \\begin{document}."""
    with tempfile.TemporaryDirectory(prefix="harness-") as tmp:
        if archive_kind(path) == "tar":
            name = archive_name(Path(path.name))
            (folder := Path(tmp, name if name.strip(".") else "paper")).mkdir()  # never tmp itself or above it
            with tarfile.open(path) as tar:
                tar.extractall(folder, filter="data")
            yield folder
        else:
            (file := Path(tmp, "paper")).write_bytes(gzip.decompress(path.read_bytes()))
            yield file


def _resolve(root: Path, name: str) -> Path | None:
    candidates = [root / name] if name.endswith(".tex") else [root / f"{name}.tex", root / name]
    return next((p for p in candidates if p.is_file()), None)


@dataclass
class Flat:
    """A main file with its \\input files inlined (comments removed), and where each line came from."""

    text: str
    lines: list[tuple[int, Path, int]] = field(default_factory=list)  # (first flat line, file, its line there)
    warnings: list[str] = field(default_factory=list)

    def where(self, pos: int, text: str | None = None) -> str:
        """'file:line' of a position in text (or in any edit of it that kept its lines)."""
        return self.at_line((self.text if text is None else text).count("\n", 0, pos) + 1)

    def at_line(self, flat_line: int) -> str:
        """'file:line' of a line of text."""
        i = bisect.bisect_right([s for s, _, _ in self.lines], flat_line) - 1
        start, path, line = self.lines[max(i, 0)]
        return f"{path}:{line + flat_line - start}"


def flatten(main: Path) -> Flat:
    """main with \\input/\\include files inlined (relative to main's folder, as LaTeX does)."""
    flat = Flat("")
    parts: list[str] = []
    state = {"line": 1}  # the flat line the next character goes to

    def emit(text: str) -> None:
        parts.append(text)
        state["line"] += text.count("\n")

    def visit(path: Path, stack: tuple[Path, ...]) -> None:
        text = COMMENT.sub("", read_latex(path) or "")
        flat.lines.append((state["line"], path, 1))
        pos = 0
        for m in INPUT.finditer(text):
            emit(text[pos : m.start()])
            pos = m.end()
            name = (m[1] or m[2]).strip()
            here = f"{path}:{text.count(chr(10), 0, m.start()) + 1}"
            found = _resolve(main.parent, name)
            if found is None:
                flat.warnings.append(f"{here}: \\input file not found: {name}")
            elif found.resolve() in stack:
                flat.warnings.append(f"{here}: circular \\input of {name} skipped")
            elif read_latex(found) is None:
                flat.warnings.append(f"{here}: \\input file {name} is not text; skipped")
            else:
                visit(found, (*stack, found.resolve()))
                flat.lines.append((state["line"], path, text.count("\n", 0, m.end()) + 1))
        emit(text[pos:])

    visit(main, (main.resolve(),))
    flat.text = "".join(parts)
    return flat


def _inputs(path: Path, text: str) -> list[Path]:
    return [p for m in INPUT.finditer(text) if (p := _resolve(path.parent, (m[1] or m[2]).strip()))]


@dataclass
class Candidate:
    path: Path
    documentclass: bool  # in the file or in a file it \inputs
    begin_document: bool
    displays: int
    inputs: list[Path]

    @property
    def level(self) -> int:
        """2: a full main file; 1: half of one (a header, or a body without its class)."""
        return int(self.documentclass) + int(self.begin_document)


def _candidate(path: Path) -> Candidate:
    text = COMMENT.sub("", read_latex(path) or "")
    inputs = _inputs(path, text)
    inputs_text = [COMMENT.sub("", read_latex(p) or "") for p in inputs if p.suffix.lower() in (".tex", "")]
    return Candidate(
        path,
        documentclass=bool(_DOCUMENTCLASS.search(text)) or any(_DOCUMENTCLASS.search(t) for t in inputs_text),
        begin_document=bool(_BEGIN_DOCUMENT.search(text)),
        displays=len(_DISPLAY_HINT.findall(text)) + sum(len(_DISPLAY_HINT.findall(t)) for t in inputs_text),
        inputs=inputs,
    )


def _signals(c: Candidate) -> list[str]:
    folder = c.path.parent
    names = [*VOCAB["main_names"], folder.name.lower()]
    out = []
    if any((folder / f"{c.path.stem}{ext}").is_file() for ext in (".bbl", ".bib")):
        out.append(f"{c.path.stem}.bbl/.bib beside it")
    if c.path.stem.lower() in names:
        out.append(f"named {c.path.stem}")
    return out


def mains_in(folder: Path, all_mains: bool = False) -> list[Path]:
    """The folder's main file (or, with all_mains, each of them); [] if it has none."""
    cands = [_candidate(p) for p in sorted(folder.iterdir()) if is_candidate(p)]
    included = {p.resolve() for c in cands if c.begin_document for p in c.inputs}  # headers, sections
    cands = [c for c in cands if c.path.resolve() not in included and c.level > 0]
    if not cands:
        return []
    best = max(c.level for c in cands)
    cands = [c for c in cands if c.level == best]
    if all_mains or len(cands) == 1:
        return [c.path for c in cands]
    ranked = sorted(cands, key=lambda c: (-len(_signals(c)), -c.displays, c.path.name))
    chosen = ranked[0]
    why = ", ".join(_signals(chosen)) or "no name or .bbl signal"
    log.info(
        "%s: %d main files (%s); chose %s (%s; displays: %d); --all-mains loads each",
        folder, len(cands), ", ".join(c.path.name for c in cands), chosen.path.name, why, chosen.displays,
    )
    return [chosen.path]


def find_mains(root: Path, all_mains: bool = False) -> list[Path]:
    """One main per paper folder under root, and each archive (a paper to unpack). A folder with a main file is a
    paper (its subfolders and archives are its parts: figures, sections); a folder without one is searched for
    paper folders and archives inside it."""
    if mains := mains_in(root, all_mains):
        return mains
    found: list[Path] = []
    for sub in sorted(p for p in root.iterdir() if not p.name.startswith(".") and (p.is_dir() or archive_kind(p))):
        found += find_mains(sub, all_mains) if sub.is_dir() else [sub]
    return found
