"""Papers and their displayed equations, loaded from JSONL or from raw LaTeX sources.

Two inputs give the same `Paper`: a JSONL file (the demo corpus in data/, or the real arXiv
sample in shared/data/arxiv) and LaTeX sources (one paper per main file): a directory, a main file, or an
archive as arXiv serves it (a tar, gzipped or not, or one gzipped file).
Every failure a user can cause is a `PaperError` with a one-line message naming the file.
"""

import functools
import json
import logging
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexEnvironmentNode, LatexNode, LatexWalker

from harness.core.macros import VOCAB, expand, find_definitions, remove_definitions, resolve_conditionals, structural
from harness.core.sources import archive_kind, archive_name, find_mains, flatten, is_candidate, read_latex, unpacked
from harness.core.sources import paper_id as paper_id_of
from harness.maths.latex import symbol, symbols
from harness.maths.relations import ANY_RELATION

log = logging.getLogger("harness.papers")
# pylatexenc warns when prose holds maths macros it cannot render as text (a snippet cut inside maths); the
# snippet is still rendered, and the loader's own warnings are one line each in the harness's format.
logging.getLogger("pylatexenc.latex2text").setLevel(logging.ERROR)


class PaperError(Exception):
    """A user-facing, one-line problem with a paper file (bad path, bad JSON, missing field)."""


class Equation(BaseModel):
    id: str
    latex: str
    context: str = ""
    glossary: dict[str, str] = {}
    name: str | None = None
    env: str = ""
    is_diagram: bool = False
    skip: str = ""  # why a run does not delegate it ("diagram", "no relation"); "" when it is delegated


class Paper(BaseModel):
    id: str
    title: str
    abstract: str
    body: str
    category: str = ""
    equations: list[Equation] = []
    warnings: list[str] = []  # loader problems, one line each; a run records them as `warning` events


CONTEXT_CHARS = 300  # text kept on each side of a display, as in the arXiv sample
EQ_MARK = "[DISPLAYED EQUATION]"  # where the display sat inside `context` (the arXiv sample's marker)

# ----------------------------------------------------------------------------- LaTeX text helpers

_LABEL = re.compile(r"[ \t]*\\label\{[^{}]*\}")
_BRACE = re.compile(r"\\.|[{}]", re.S)  # an escaped character, or a brace
_TEXT_MACRO = re.compile(r"\\(?:emph|textit|textbf|textsl|text|mathrm)\{([^{}]*)\}")


def strip_labels(latex: str) -> str:
    """Drop \\label{...} (and lines it leaves empty): labels are cross-reference plumbing, not math."""
    return "\n".join(line for line in _LABEL.sub("", latex).splitlines() if line.strip()).strip()


def _squash(text: str) -> str:
    return " ".join(text.split())


def _group_end(text: str, i: int) -> int | None:
    """Index just past the '}' closing the '{' at text[i], skipping escaped braces; None if unclosed."""
    depth = 0
    for m in _BRACE.finditer(text, i):
        depth += {"{": 1, "}": -1}.get(m[0], 0)
        if depth == 0:
            return m.end()
    return None


def brace_error(latex: str) -> str | None:
    """None if braces balance (escaped \\{ \\} ignored), else a short message; char offsets are 0-based."""
    depth = 0
    for m in _BRACE.finditer(latex):
        depth += {"{": 1, "}": -1}.get(m[0], 0)
        if depth < 0:
            return f"unexpected '}}' at char {m.start()}"
    return f"unbalanced braces: {depth} unclosed '{{'" if depth else None


# ----------------------------------------------------------------------------- plain text

PARAGRAPH = "\n\n"  # where plain text marks an environment's or a block's edge: a glossary meaning stops there
DISPLAY_ENVS = tuple(VOCAB["display_envs"])
_BREAKS = set(VOCAB["prose_breaks"])
_DOLLAR = re.compile(r"(?<!\\)\$")
_CUT_EDGE = re.compile(r"\\(?:begin|end)\s*(?:\{[^{}]*)?$")


def _words(names: list[str]) -> re.Pattern:
    """Any of the names: a macro name only where no letter follows it (\\in, not \\int)."""
    return re.compile("|".join(re.escape(n) + ("(?![A-Za-z])" if n[0] == "\\" else "") for n in names))


class _Prose(LatexNodes2Text):
    """pylatexenc's plain text of LaTeX prose, with inline maths kept as written, a display written as inline maths,
    and PARAGRAPH where an environment, an \\item or a section starts or ends."""

    def __init__(self) -> None:
        db = get_default_latex_context_db()
        specs = [MacroTextSpec(n, discard=True) for n in VOCAB["prose_dropped"]]
        db.add_context_category("harness", specs + [MacroTextSpec(n, "REF") for n in VOCAB["prose_refs"]], prepend=True)
        super().__init__(latex_context=db, math_mode="verbatim")

    def node_to_text(self, node: LatexNode, prev_node_hint: object = None, textcol: int = 0) -> str:
        try:
            return super().node_to_text(node, prev_node_hint, textcol)
        except IndexError:  # a spec that wants arguments the parse did not give (\href with no context for it)
            return ""

    def macro_node_to_text(self, node: LatexNode) -> str:
        if node.macroname not in _BREAKS:
            return super().macro_node_to_text(node)
        args = [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a is not None]
        return PARAGRAPH + (self._groupnodecontents_to_text(args[-1]) if args else "") + PARAGRAPH

    def environment_node_to_text(self, node: LatexNode) -> str:
        if node.environmentname.rstrip("*") in DISPLAY_ENVS:
            return self.math_node_to_text(node)
        return PARAGRAPH + super().environment_node_to_text(node) + PARAGRAPH

    def math_node_to_text(self, node: LatexNode) -> str:
        if not isinstance(node, LatexEnvironmentNode) and node.displaytype != "display":
            return node.latex_verbatim()
        inner = "".join(n.latex_verbatim() for n in node.nodelist if n is not None)
        return f"{PARAGRAPH}${_squash(strip_labels(inner))}${PARAGRAPH}"


_PROSE = _Prose()


@functools.lru_cache(maxsize=4096)  # pylatexenc's parse is slow (about 3 ms a window); papers are loaded again
def plain_text(latex: str) -> str:
    """LaTeX prose as plain text: markup outside maths goes (\\quad, \\label{..}, \\cite{..}, comments, \\end{..}),
    text commands leave their text (\\textbf{x} -> x), inline maths stays as written ($a_i$), and blocks are
    separated by PARAGRAPH. A snippet cut out of a paper is parsed tolerantly: a brace or \\end whose opening was cut
    off is dropped, and a stray \\end still ends a block."""
    nodes = [n for n in LatexWalker(latex, tolerant_parsing=True).get_latex_nodes(pos=0)[0] if n is not None]
    runs: list[list[LatexNode]] = [[]]
    end = 0
    for node in nodes:
        if "\\end" in latex[end : node.pos]:  # skipped by the parse: an \end{...} whose \begin is not in the snippet
            runs.append([])
        runs[-1].append(node)
        end = node.pos + node.len
    text = PARAGRAPH.join(_PROSE.nodelist_to_text(run) for run in runs).replace("\xa0", " ")
    blocks = re.split(r"\s*\n\s*\n\s*", text)
    return PARAGRAPH.join(b for b in map(_squash, blocks) if b)


def _whole(window: str, cut_before: bool) -> str:
    """A window of text cut out at a display's side, without what the cut left half: the tail of a display (a closer
    with no opener) at its start, the head of one (an opener with no closer) at its end, a piece of inline maths (an
    odd number of $: the first piece when the window was cut before, else the last), and a \\begin{ or \\end{ at
    its end, which the parse would read as text."""
    if cut_before and (close := _CLOSER.search(window)) and not _OPENER.search(window, 0, close.start()):
        window = window[close.end() :]
    if not cut_before and (opens := list(_OPENER.finditer(window))) and not _CLOSER.search(window, opens[-1].end()):
        window = window[: opens[-1].start()]
    marks = list(_DOLLAR.finditer(window))
    if len(marks) % 2:
        window = window[marks[0].end() :] if cut_before else window[: marks[-1].start()]
    return window if cut_before else _CUT_EDGE.sub("", window)


def _around(latex: str, before: str, after: str) -> tuple[str, dict[str, str]]:
    """(context, glossary) of a display from the raw text windows before and after it: the context in plain text
    with EQ_MARK where the display sat, the glossary from the plain text after it."""
    after_text = plain_text(_whole(after, cut_before=False))
    context = f"{_squash(plain_text(_whole(before, cut_before=True)))} {EQ_MARK} {_squash(after_text)}"
    return context.strip(), glossary_from_text(after_text, latex)


# ----------------------------------------------------------------------------- glossary

_DEFINES = re.compile(
    r"\$([^$]+)\$\s*,?\s+(is|are|be|denotes?|represents?|stands? for|refers? to|indicates?)\s+"
)
_CHAINED = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)\$([^$]+)\$\s+(?=(?:the|a|an)\b)")
_ARTICLE = re.compile(r"(?:the|a|an)\b")
# where a meaning ends whatever brackets are open: a blank line, or an environment's or block's edge in LaTeX
_BLOCK_EDGE = r"\n\s*\n|\\(?:begin|end)\s*\{|\\(?:" + "|".join(VOCAB["prose_breaks"]) + r")(?![A-Za-z])"
# a block's edge (it ends a meaning inside brackets too), inline maths and escapes (skipped), brackets (tracked), and
# what ends a meaning outside them
_MEANING_TOKEN = re.compile(
    rf"(?P<edge>{_BLOCK_EDGE})|\$[^$]*\$|\\.|[({{\[\]}})]|[,;:]|\.(?=\s|$)|\s+and\s+\$", re.S
)
_AFTER_PREPOSITION = re.compile(r"\b(?:of|for|to|at|on|in|by|with|from|than)\s*$")
_TYPE_MARK = _words(VOCAB["glossary_type_marks"])


def _meaning_end(text: str, i: int) -> int | None:
    """Where a meaning that starts at i ends: at a block's edge, or at , ; : a sentence's period or 'and $' outside
    maths and brackets. None when nothing ends it within 200 chars: a context cut mid-sentence gives no meaning."""
    depth = 0
    for t in _MEANING_TOKEN.finditer(text, i, min(len(text), i + 200)):
        if t["edge"]:
            return t.start()
        if t[0] in ("(", "{", "["):
            depth += 1
        elif t[0] in (")", "}", "]"):
            if depth == 0:
                return t.start()
            depth -= 1
        elif depth == 0 and t[0][0] not in "$\\":
            return t.start()
    return None


def _add(glossary: dict[str, str], maths: str, meaning: str, in_equation: set[str]) -> None:
    """An entry for the symbol that `maths` is ("x_i" of "x_i \\in X"), spelled as the equation reader names it,
    when the equation has that symbol (its subscripts aside: "x_i" for an equation with x_j)."""
    sym = symbol(_TYPE_MARK.split(maths, maxsplit=1)[0])
    meaning = _squash(_TEXT_MACRO.sub(r"\1", meaning))
    if sym and meaning and sym.core in in_equation:
        glossary.setdefault(sym.spelling, meaning)


def glossary_from_text(text: str, latex: str) -> dict[str, str]:
    """Symbol -> meaning for the symbols of the equation `latex`, from prose such as "where $x$ is the input, $k$
    denotes ... and $c$ the Z" (plain text from plain_text, or LaTeX).

    'is/are/be' only count when an article follows ("$f$ is the loss", not "$f$ is small");
    a chain may drop the verb after its first member ("and $K$ the covariance matrix").
    """
    glossary: dict[str, str] = {}
    if not _DEFINES.search(text):
        return glossary
    in_equation = symbols(latex)
    pos = 0
    while m := _DEFINES.search(text, pos):
        pos = m.end()
        if m[2] in ("is", "are", "be") and not _ARTICLE.match(text, pos):
            continue
        if _AFTER_PREPOSITION.search(text, max(0, m.start() - 8), m.start()):  # "the rate of $x$ is ..."
            continue
        start = pos
        while (end := _meaning_end(text, start)) is not None:
            _add(glossary, m[1], text[start:end], in_equation)
            pos = end
            if not (m := _CHAINED.match(text, end)):
                break
            start = m.end()
    return glossary


# ----------------------------------------------------------------------------- JSONL


def _equation(paper_id: str, i: int, raw: dict) -> Equation:
    """One equation row of either schema: the project's own, or the arXiv sample's (context_before/after)."""
    before, after = raw.get("context_before"), raw.get("context_after")
    fields = {"id": raw.get("id") or f"{paper_id}/eq{i}", "latex": strip_labels(raw["latex"])}
    context, glossary = _around(fields["latex"], before or "", after or "") if before or after else (
        raw.get("context", ""), {})
    glossary = raw.get("glossary") or glossary
    skip = skip_reason(fields["latex"], bool(raw.get("is_diagram")))
    return Equation.model_validate({**raw, **fields, "context": context, "glossary": glossary, "skip": skip})


def _record(row: object, where: str) -> dict:
    """A validated flat record for datasets; equations go as a JSON string (their keys vary by row)."""
    if not isinstance(row, dict):
        raise PaperError(f"{where}: not a JSON object")
    for field in ("id", "title", "abstract"):
        if row.get(field) is None:
            raise PaperError(f"{where}: missing field '{field}'")
    raws = row.get("equations") or []
    if not isinstance(raws, list):
        raise PaperError(f"{where}: 'equations' must be a list")
    for i, raw in enumerate(raws, 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("latex"), str):
            raise PaperError(f"{where}: equation {i} has no 'latex' string")
    try:
        equations = [_equation(str(row["id"]), i, e).model_dump() for i, e in enumerate(raws, 1)]
        defaults = {"body": row.get("body") or "", "category": row.get("category") or row.get("field") or ""}
        paper = Paper.model_validate({**row, **defaults, "equations": []})
    except ValidationError as e:
        err = e.errors()[0]
        raise PaperError(f"{where}: field '{'.'.join(map(str, err['loc']))}': {err['msg']}") from None
    return {**paper.model_dump(exclude={"equations", "warnings"}), "equations": json.dumps(equations)}


def load_jsonl(path: str | Path) -> list[Paper]:
    """Papers from a JSONL file, one paper a line; every line is checked before `datasets` sees it."""
    import datasets  # here, not at the top: it is slow to import and only JSONL loading needs it

    path = Path(path)
    if not path.is_file():
        raise PaperError(f"no such file: {path}")
    records: list[dict] = []
    seen: set[str] = set()
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, 1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8").strip()
                if not line:
                    continue
                row = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise PaperError(f"{where}: not valid JSON ({e})") from None
            record = _record(row, where)
            if record["id"] in seen:
                raise PaperError(f"{where}: duplicate paper id {record['id']!r}")
            seen.add(record["id"])
            records.append(record)
    dataset = datasets.Dataset.from_list(records)
    return [Paper(**{**r, "equations": json.loads(r["equations"])}) for r in dataset]


# ----------------------------------------------------------------------------- LaTeX sources

_TITLE = re.compile(r"\\(?:title|icmltitle)(?![A-Za-z@])\s*(?:\[[^\]]*\])?\s*(?=\{)")
_MACRO_DEF = re.compile(r"\\(?:(?:re)?newcommand\*?\s*\{?\\([A-Za-z]+)\}?|def\\([A-Za-z]+))\s*(?=\{)")
_FONT_SWITCH = re.compile(
    r"\\(?:tiny|scriptsize|footnotesize|small|normalsize|large|Large|LARGE|huge|Huge"
    r"|bfseries|mdseries|itshape|scshape|upshape|rmfamily|sffamily|ttfamily|centering)(?![A-Za-z])"
)
_ABSTRACT_PARAGRAPH = re.compile(r"\\paragraph\*?\s*\{\s*Abstract\s*[:.]?\s*\}", re.I)
_SECTIONING = re.compile(r"\\(?:part|chapter|section|subsection|subsubsection|paragraph)(?![A-Za-z])")
_BODY_END = re.compile(
    r"\\(?:bibliography|bibliographystyle|printbibliography)(?![A-Za-z])"
    r"|\\begin\{thebibliography\}|\\end\{document\}"
)
# Display openers, and single $ (tracked so that $a$$b$ is two inline maths, not a $$ display).
_DISPLAY = re.compile(
    r"\\begin\{(" + "|".join(DISPLAY_ENVS) + r")(\*?)\}|(?<!\\)\\\[|(?<!\\)\$\$|(?<!\\)\$"
)
_OPENER = re.compile(r"\\begin\{(?:" + "|".join(DISPLAY_ENVS) + r")\*?\}|(?<!\\)\\\[")
_CLOSER = re.compile(r"\\end\{(?:" + "|".join(DISPLAY_ENVS) + r")\*?\}|(?<!\\)\\\]")
_DIAGRAM = re.compile(
    r"\\begin\{(?:" + "|".join(VOCAB["diagram_envs"]) + r")\}|\\(?:" + "|".join(VOCAB["diagram_macros"])
    + r")(?![A-Za-z@])"
)
_TEXT_GROUP = re.compile(r"\\(?:text|mbox|textrm|mathrm|operatorname)\s*\{[^{}]*\}")


def skip_reason(latex: str, is_diagram: bool) -> str:
    """Why a display is not an equation to describe: a diagram, or no relation at all (outside \\text{})."""
    if is_diagram or _DIAGRAM.search(latex):
        return "diagram"
    return "" if ANY_RELATION.search(_TEXT_GROUP.sub("", latex)) else "no relation"


def _title(text: str) -> str:
    """The \\title (or ICML's \\icmltitle) as readable LaTeX: simple macros expanded, layout dropped."""
    m = _TITLE.search(text)
    end = _group_end(text, m.end()) if m else None
    if end is None:
        return ""
    title = text[m.end() + 1 : end - 1]
    macros = {}
    for d in _MACRO_DEF.finditer(text):  # zero-argument macros only, e.g. \newcommand{\papertitle}{...}
        if (stop := _group_end(text, d.end())) is not None:
            macros.setdefault(d[1] or d[2], text[d.end() + 1 : stop - 1])
    for _ in range(3):  # macros that use macros
        title = re.sub(r"\\([A-Za-z]+)", lambda x: macros.get(x[1], x[0]), title)
    while t := re.search(r"\\(?:thanks|footnote)\s*(?=\{)", title):
        title = title[: t.start()] + title[_group_end(title, t.end()) or len(title) :]
    title = re.sub(r"\\\\(?:\[[^\]]*\])?", " ", _FONT_SWITCH.sub("", title))
    return _squash(title)


def _abstract(text: str) -> tuple[str, int]:
    """(abstract, index where the body starts): an abstract environment, \\abstract{...}, or a
    \\paragraph{Abstract:} running to the next sectioning command; ("", after \\begin{document}) if none."""
    if m := re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", text, re.S):
        return m[1].strip(), m.end()
    if (m := re.search(r"\\abstract\s*(?=\{)", text)) and (end := _group_end(text, m.end())):
        return text[m.end() + 1 : end - 1].strip(), end
    if m := _ABSTRACT_PARAGRAPH.search(text):
        nxt = _SECTIONING.search(text, m.end())
        end = nxt.start() if nxt else len(text)
        return text[m.end() : end].strip(), end
    start = text.find("\\begin{document}")
    return "", 0 if start < 0 else start + len("\\begin{document}")


def _displays(paper_id: str, text: str, start: int, end: int, where: Callable[[int], str],
              warns: list[str]) -> list[Equation]:
    """Displayed equations of text[start:end] in source order; a display's inside is never searched again.
    A display whose closer is missing, or comes only after another display opens, is unclosed: a warning
    naming its file and line, and the search goes on right after its opener."""
    body = text[:end]
    equations: list[Equation] = []
    pos, inline = start, False
    while m := _DISPLAY.search(body, pos):
        pos = m.end()
        if m[0] == "$":
            inline = not inline
            continue
        if m[0] == "$$" and inline:  # $a$$b$: one inline math closes, the next opens
            continue
        if m[1]:
            env, closer = m[1] + m[2], f"\\end{{{m[1] + m[2]}}}"
        else:
            env, closer = m[0], "\\]" if m[0] == "\\[" else "$$"
        close = body.find(closer, m.end())
        nxt = _OPENER.search(body, m.end(), close if close >= 0 else len(body))
        if close < 0 or nxt:
            warns.append(f"{where(m.start())}: {env} display never closed; skipped")
            continue
        latex = body[m.end() : close]
        after = body[close + len(closer) : close + len(closer) + CONTEXT_CHARS]
        before = body[max(start, m.start() - CONTEXT_CHARS) : m.start()]
        context, glossary = _around(strip_labels(latex), before, after)
        diagram = bool(_DIAGRAM.search(latex))
        equations.append(
            Equation(
                id=f"{paper_id}/eq{len(equations) + 1}",
                latex=strip_labels(latex),
                context=context,
                glossary=glossary,
                env=env,
                is_diagram=diagram,
                skip=skip_reason(latex, diagram),
            )
        )
        pos = close + len(closer)
    return equations


def _report(paper: Paper) -> Paper:
    for w in paper.warnings:
        log.warning("%s", w)
    return paper


def load_latex_file(path: str | Path, paper_id: str | None = None) -> Paper:
    """One paper from its main file. Authors' macros that open or close displays are expanded, their
    definitions removed, and \\iffalse / \\newif branches decided before anything is read. The body runs from
    the abstract to the bibliography: like the arXiv sample's JSONL body, appendices after the references
    are left out."""
    path = Path(path)
    if not path.is_file():
        raise PaperError(f"no such file: {path}")
    if read_latex(path) is None:
        raise PaperError(f"{path}: not a text file (binary data), so not LaTeX")
    paper_id = paper_id or paper_id_of(Path(path.name))
    flat = flatten(path)
    warns = list(flat.warnings)
    text, decided = resolve_conditionals(flat.text)
    for line, note in decided:
        log.info("%s: %s", flat.at_line(line), note)
    title = _title(text)
    defs = find_definitions(text)
    text = expand(remove_definitions(text, defs), structural(defs))
    abstract, start = _abstract(text)
    if not abstract:
        warns.append(f"{path}: no abstract found")
    end = _BODY_END.search(text, start)
    stop = end.start() if end else len(text)
    equations = _displays(paper_id, text, start, stop, lambda pos: flat.where(pos, text), warns)
    body = text[start:stop].strip()
    return _report(Paper(id=paper_id, title=title, abstract=abstract, body=body, equations=equations,
                         warnings=warns))


def load_latex_dir(path: str | Path, all_mains: bool = False, name: str = "") -> list[Paper]:
    """One paper per paper folder or archive under path (each main file with all_mains). Ids are the main file's
    path relative to path, without .tex (an archive's without .tar.gz or .gz), so that many papers' main.tex files
    do not collide. With a name (an unpacked archive's), that is the id of its one paper, or their ids' prefix."""
    path = Path(path)
    found = find_mains(path, all_mains)
    if not found:
        raise PaperError(f"no LaTeX main file (with \\documentclass or \\begin{{document}}) under {path}")
    archives = {p for p in found if archive_kind(p)}  # sniffed once: it opens the file (and may gunzip a block)
    ids = [archive_name(p.relative_to(path)) if p in archives else paper_id_of(p.relative_to(path)) for p in found]
    if name:
        ids = [name] if len(ids) == 1 else [f"{name}/{i}" for i in ids]
    papers: list[Paper] = []
    for p, paper_id in zip(found, ids, strict=True):
        papers += load_archive(p, all_mains, paper_id) if p in archives else [load_latex_file(p, paper_id)]
    return papers


@contextmanager
def _named(tmp: Path, archive: Path) -> Iterator[Callable[[Paper], Paper]]:
    """Log lines, errors and (through the function given) a paper's warnings name the archive and its member
    (2212.11826.tar.gz/main.tex:7), not the temporary folder it is unpacked into, which is gone afterwards."""
    def named(text: str) -> str:
        return text.replace(str(tmp), str(archive))

    def rename(record: logging.LogRecord) -> bool:
        record.msg, record.args = named(record.getMessage()), ()
        return True

    log.addFilter(rename)
    try:
        yield lambda paper: paper.model_copy(update={"warnings": [named(w) for w in paper.warnings]})
    except PaperError as e:
        raise PaperError(named(str(e))) from None
    finally:
        log.removeFilter(rename)


def load_archive(path: str | Path, all_mains: bool = False, paper_id: str = "") -> list[Paper]:
    """The papers of a tar, read as a folder, or of one gzipped file, read as a main file. Ids come from the
    archive's name (2212.11826.tar.gz gives 2212.11826; 2212.11826/main and so on where it holds several papers),
    the same on every run whatever temporary folder it is unpacked into."""
    path = Path(path)
    paper_id = paper_id or archive_name(Path(path.name))
    try:
        with unpacked(path) as tmp, _named(tmp, path) as named:
            if tmp.is_dir():
                return [named(p) for p in load_latex_dir(tmp, all_mains, paper_id)]
            if read_latex(tmp) is not None and not is_candidate(tmp):
                raise PaperError(f"{path}: holds no LaTeX main file (no \\documentclass or \\begin{{document}})")
            return [named(load_latex_file(tmp, paper_id))]
    except tarfile.FilterError as e:
        member = e.tarinfo.name
        raise PaperError(f"{path}: unsafe member {member!r} refused ({type(e).__name__}); nothing loaded") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise PaperError(f"{path}: cannot unpack ({e})") from None


def load_papers(path: str | Path, all_mains: bool = False) -> list[Paper]:
    """Papers from a .jsonl file, a directory of LaTeX sources, an archive of them (a tar, gzipped or not, or a
    gzipped main file), or a single main file (.tex or no extension)."""
    path = Path(path)
    if not path.exists():
        raise PaperError(f"no such file or directory: {path}")
    if path.is_dir():
        return load_latex_dir(path, all_mains)
    if path.suffix.lower() == ".jsonl":
        return load_jsonl(path)
    if archive_kind(path):
        return load_archive(path, all_mains)
    if path.suffix.lower() == ".tex" or is_candidate(path):
        return [load_latex_file(path)]
    raise PaperError(
        f"cannot load papers from {path}: expected a .jsonl file, a LaTeX main file (.tex, or no extension),"
        " an archive of LaTeX sources (.tar.gz, .tar, .gz) or a directory"
    )
