"""Read BibTeX / biblatex files (``.bib``) into records, one entry at a time.

Usage::

    from kg.extract.bibtex import iter_bibtex, read_bibtex

    records = read_bibtex("papers.bib")            # SourceRecords: papers + problems
    problems = []
    for paper in iter_bibtex("dblp-export.bib", problems):   # streaming, constant memory
        print(paper.source_line, paper.title, [a.name for a in paper.authors])

How a file is read, and why:

* **Streaming.**  The file is read line by line and cut into entries by a small scanner
  that follows bibtexparser's own rules (an entry starts at ``@type{`` or ``@type(``; its
  end is the matching ``}``/``)`` counted with braces, and with quotes in field values; a
  line that starts with ``@type{`` always starts a new entry, so one unbalanced brace
  costs one entry, not the rest of the file).  Each entry is parsed on its own with
  bibtexparser 2's splitter; ``@string`` macros are carried forward from entry to entry.
  Text between entries, ``@comment`` and ``@preamble`` are ignored.
* **Values** are evaluated as BibTeX does: ``{...}``, ``"..."``, numbers and macros
  joined by ``#``; the month macros ``jan`` ... ``dec`` are predefined (as in the standard
  styles).  bibtexparser's ``ResolveStringReferencesMiddleware`` only replaces a value
  that is a single macro, so concatenation is evaluated here.
* **Names** are split with bibtexparser's BibTeX name rules (``Family, Given``,
  ``Given Family``, ``von`` and ``Jr`` parts, ``{Barack Hussein} {Obama}``), each part is
  LaTeX-decoded (``M{\\"u}ller`` -> ``Müller``) and written ``Given von Family Jr``;
  ``and others`` marks a truncated list.
* **Crossref**: an entry inherits the venue, date and publisher fields it lacks from the
  entry its ``crossref`` names (a ``@proceedings`` title becomes the ``booktitle``),
  wherever that entry is in the file.  When the file mentions ``crossref`` at all, a first
  quick pass remembers only the referenced entries (and volumes), so memory stays bounded.
* **Problems**: a malformed entry (unbalanced braces, no title, no authors, no usable
  year or date, a bad name) is skipped and reported with the line of its ``@``; the rest
  is kept.  Fields that cannot be read (a bad month, DOI or arXiv id) are dropped with a
  warning at their own line.  A duplicate entry key is a warning and both entries are kept
  (BibTeX itself keeps the first; the two may be different papers).  Volumes
  (``@proceedings``, or a ``@book``/``@collection`` without authors) are not papers: they are
  not reported when a crossref uses them, and reported as a skipped warning otherwise.
  Text between entries is a comment (as in BibTeX), but a line there that looks like a field
  (an entry closed early by a stray ``}``) is a warning.  Invalid UTF-8 (read with U+FFFD) and
  control characters are warnings at their line; a binary file, or one that cannot be opened,
  raises :class:`ExtractionError`; a line over 1 MiB or an entry still open after 4 MiB costs
  only its entry.

Fields outside the record model (pages, volume, publisher, editor, keywords, ...) are not
read; ``keywords`` in particular are never topics.
"""

from __future__ import annotations

import calendar
import codecs
import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import bibtexparser
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)
from pydantic import ValidationError
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from kg.extract.errors import ExtractionError
from kg.extract.ids import (
    arxiv_id_from_doi,
    clean_space,
    normalise_doi,
    split_arxiv_id,
)
from kg.extract.latex import latex_to_text
from kg.extract.links import find_links
from kg.extract.sources import SNIFF_BYTES, Reader, source_info
from kg.models import Authorship, Paper, Problem, SourceRecords

# bibtexparser logs every aborted block (and pylatexenc every odd macro) as a warning; they are
# reported as Problems here, so keep them off stderr unless the application configures logging.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("pylatexenc").addHandler(logging.NullHandler())

#: A longer line is not BibTeX (classic BibTeX's buffer is 20,000 characters): it is skipped.
MAX_LINE_BYTES = 1 << 20
#: An entry that is still open after this many characters is skipped up to the next entry.
MAX_ENTRY_CHARS = 4 << 20
#: Line-level encoding warnings beyond this many are counted in one summary problem.
MAX_LINE_WARNINGS = 100

# bibtexparser's block start (splitter._BLOCK_START) with the opening delimiter.
_BLOCK_START = re.compile(r"@(\w*)[ \t]*([{(])")
# A block start at the beginning of a line: bibtexparser aborts an open block there.
_LINE_START = re.compile(r"\s*@\w*[ \t]*[{(]")
_MARKS = re.compile(r'(?<!\\)[{}")]')
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_CROSSREF = re.compile(r"\bcrossref\s*=\s*[{\"]?\s*([^\s,{}\"]+)", re.IGNORECASE)
_HEAD = re.compile(r"@(\w*)[ \t]*[{(]\s*([^\s,{}()]*)")
_SNIFF = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
# Text between entries is a comment to BibTeX, but a field there means an entry closed early.
_STRAY_FIELD = re.compile(r"\s*[A-Za-z][\w-]*\s*=\s*[{\"\w]")

MONTH_MACROS = {m.lower(): calendar.month_name[k] for k, m in enumerate(calendar.month_abbr) if m}
_MONTHS = {calendar.month_name[k].lower(): k for k in range(1, 13)} | {
    calendar.month_abbr[k].lower(): k for k in range(1, 13)} | {"sept": 9}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[\d:.]+Z?)?(?:/.*)?$")
_YEAR = re.compile(r"^\d{4}$")
_ARXIV_IN_TEXT = re.compile(r"\barXiv:\s*([a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?|\d{4}\.\d{4,5}(?:v\d+)?)",
                            re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"https?://[^\s{}\\]+")
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/", re.IGNORECASE)
_URL_CMD = re.compile(r"\\url\s*\{([^{}]*)\}")
_HREF_CMD = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_URL_ESCAPES = re.compile(r"\\([_%#&~$])|\{\\([_%#&~$])\}")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_CATEGORY = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")
_JR = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "vi", "2nd", "3rd", "junior", "senior"})

#: Entry types that are volumes, not papers (a @book or @collection is a paper when it has authors).
VOLUME_TYPES = frozenset({"proceedings", "mvproceedings", "collection", "mvcollection", "book", "mvbook",
                          "periodical", "reference", "mvreference"})
#: Fields an entry inherits from its crossref parent when it lacks them.  Identifiers (doi, url,
#: eprint), titles, authors and abstracts are never inherited: they belong to the paper itself.
INHERITED_FIELDS = ("booktitle", "journal", "journaltitle", "year", "month", "day", "date", "publisher",
                    "address", "location", "organization", "series", "volume", "eventtitle")
_CONTAINER_TITLE = {"periodical": "journal"}  # else a volume's title is the child's booktitle


# --------------------------------------------------------------------------------------------
# Lines and entries


@dataclass
class _Sink:
    """Where problems go, with the file name and a cap on repetitive line-level warnings."""

    file: str
    problems: list[Problem]
    line_warnings: int = 0
    unlisted: int = 0

    def add(self, line: int, message: str, *, warning: bool = False, skipped: bool = False) -> None:
        self.problems.append(Problem(file=self.file, line=line, message=message,
                                     severity="warning" if warning else "error", skipped_block=skipped))

    def line_warning(self, line: int, message: str) -> None:
        self.line_warnings += 1
        if self.line_warnings <= MAX_LINE_WARNINGS:
            self.add(line, message, warning=True)
        else:
            self.unlisted += 1

    def finish(self) -> None:
        if self.unlisted:
            self.add(0, f"{self.unlisted} more lines with encoding damage (invalid UTF-8 or control "
                     "characters) were read the same way but are not listed", warning=True)


def _lines(f: BinaryIO, sink: _Sink) -> Iterator[tuple[int, str | None]]:
    """``(line number, text)`` for every line; ``text`` is None for an overlong line.

    Invalid UTF-8 is decoded with U+FFFD and control characters become spaces, each with a
    warning naming the line; a BOM and CRLF line ends are read silently (both are valid).
    """
    number = 0
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = f.readline(MAX_LINE_BYTES)
            sink.add(number, f"line longer than {MAX_LINE_BYTES} bytes skipped")
            yield number, None
            continue
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        raw = raw.rstrip(b"\n").rstrip(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            sink.line_warning(number, f"invalid UTF-8 at byte {e.start + 1} of the line; read with "
                              "U+FFFD replacement characters")
            text = raw.decode("utf-8", errors="replace")
        if _CONTROL_CHARS.search(text):
            sink.line_warning(number, "control characters (" + ", ".join(
                sorted({f"U+{ord(c):04X}" for c in _CONTROL_CHARS.findall(text)})) + ") read as spaces")
            text = _CONTROL_CHARS.sub(" ", text)
        yield number, text


@dataclass
class _Chunk:
    """The text of one entry (and whatever shares its lines), starting at file line ``line``."""

    line: int
    text: str
    closed: bool
    ended: str = ""  # why an unclosed chunk ended: "the next entry at line N" / "the end of the file"


@dataclass
class _Open:
    """Scanner state inside one block, following bibtexparser's splitter."""

    closing: str           # "}" or ")"
    quotes: bool           # whether '"' delimits values (entries; @string/@preamble in (...))
    depth: int = 0         # brace depth inside the block body
    in_quotes: bool = False

    def scan(self, text: str, pos: int) -> int:
        """Index just after the block's closing delimiter in ``text``, or -1 if still open."""
        for m in _MARKS.finditer(text, pos):
            c, i = m.group(), m.start()
            if self.in_quotes:
                # bibtexparser: braces do not count inside quotes; {"} is a literal quote.
                if c == '"' and not (text[i - 1 : i] == "{" and text[i + 1 : i + 2] == "}"):
                    self.in_quotes = False
            elif c == "{":
                self.depth += 1
            elif c == "}":
                if self.depth:
                    self.depth -= 1
                elif self.closing == "}":
                    return i + 1
            elif c == '"':
                if self.quotes and self.depth == 0:
                    self.in_quotes = True
            elif self.depth == 0 and self.closing == ")":
                return i + 1
        return -1


def _open(m: re.Match[str]) -> _Open:
    kind = m.group(1).lower()
    closing = ")" if m.group(2) == "(" else "}"
    if kind.startswith("comment"):
        return _Open(closing, quotes=False)
    if kind.startswith(("string", "preamble")):
        return _Open(closing, quotes=closing == ")")
    return _Open(closing, quotes=True)


def _chunks(lines: Iterator[tuple[int, str | None]], sink: _Sink) -> Iterator[_Chunk]:
    """Cut the lines into entries without holding more than one entry in memory."""
    state: _Open | None = None
    start = 0
    parts: list[str] = []
    size = 0
    skipping = False
    for number, text in lines:
        if text is None:  # overlong line: whatever entry it is in cannot be read
            if state is not None:
                sink.add(start, f"the entry at line {start} contains an overlong line ({number}); "
                         "entry skipped", skipped=True)
                state, parts, skipping = None, [], True
            continue
        if (state is not None or skipping) and _LINE_START.match(text):
            if state is not None:
                yield _Chunk(start, "\n".join(parts), closed=False, ended=f"the next entry at line {number}")
            state, parts, skipping = None, [], False
        if skipping:
            continue
        pos = 0
        if state is None:
            m = _BLOCK_START.search(text)
            if m is None:  # text between entries is a comment
                if _STRAY_FIELD.match(text):
                    sink.add(number, f"{text.strip()[:60]!r} looks like a field but is outside any entry "
                             "(did an entry close early?); ignored", warning=True)
                continue
            state, start, parts, size, pos = _open(m), number, [text], len(text), m.end()
        else:
            parts.append(text)
            size += len(text) + 1
            if size > MAX_ENTRY_CHARS:
                sink.add(start, f"the entry at line {start} is still open after {MAX_ENTRY_CHARS} "
                         "characters (unbalanced braces or quotes?); skipped up to the next entry",
                         skipped=True)
                state, parts, skipping = None, [], True
                continue
        while True:
            end = state.scan(text, pos)
            if end < 0:
                break
            m = _BLOCK_START.search(text, end)
            if m is None:
                state = None
                break
            state, pos = _open(m), m.end()
        if state is None:
            yield _Chunk(start, "\n".join(parts), closed=True)
            parts = []
    if state is not None:
        yield _Chunk(start, "\n".join(parts), closed=False, ended="the end of the file")


# --------------------------------------------------------------------------------------------
# Values


@dataclass
class _Entry:
    """One entry with its fields evaluated (macros and ``#`` resolved, LaTeX still in)."""

    type: str
    key: str
    line: int
    record: int
    fields: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"@{self.type}{{{self.key}}} (entry {self.record})"


_VALUE_MARKS = re.compile(r'\\.|[{}"]', re.DOTALL)


def _braced(text: str, i: int, close: str, warnings: list[str]) -> int:
    """Index of the ``close`` that ends the value opened just before ``i`` (-1: none).

    Braces nest; a backslash escapes the next character (bibtexparser's convention, so the
    value ends where its splitter ended the field).  In a quoted value a stray ``}`` does not
    end it (bibtexparser reads it so; BibTeX would refuse it): it is warned about.
    """
    depth = 0
    for m in _VALUE_MARKS.finditer(text, i):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            if depth:
                depth -= 1
            elif close == "}":
                return m.start()
            else:
                warnings.append(f"unbalanced '}}' inside quotes in {text[:60]!r}")
        elif c == '"' and close == '"' and depth == 0:
            return m.start()
    return -1


def _simple(raw: str) -> str | None:
    """The text of the usual ``{plain text}`` value without scanning it, else None."""
    if len(raw) >= 2 and raw[0] == "{" and raw[-1] == "}":
        inner = raw[1:-1]
        if "{" not in inner and "}" not in inner and "\\" not in inner:
            return inner
    return None


def evaluate(raw: str, macros: dict[str, str], warnings: list[str]) -> str:
    """The text of a BibTeX value: ``{...}``, ``"..."``, numbers and macros joined by ``#``.

    An undefined macro reads as empty text (as BibTeX does); what is odd about the value is
    appended to ``warnings``.
    """
    if (text := _simple(raw)) is not None:
        return text
    out: list[str] = []
    i, n = 0, len(raw)
    expect_part = True
    while i < n:
        c = raw[i]
        if c.isspace():
            i += 1
            continue
        if c == "#":
            if expect_part:
                warnings.append(f"'#' without a value before it in {raw[:60]!r}")
            expect_part = True
            i += 1
            continue
        if not expect_part:
            warnings.append(f"parts not joined by '#' in {raw[:60]!r}; read one after the other")
        expect_part = False
        if c in "{\"":
            end = _braced(raw, i + 1, "}" if c == "{" else '"', warnings)
            if end < 0:
                warnings.append(f"unbalanced {c!r} in {raw[:60]!r}; read to the end")
                out.append(raw[i + 1 :])
                break
            out.append(raw[i + 1 : end])
            i = end + 1
            continue
        j = i
        while j < n and not raw[j].isspace() and raw[j] not in "#{}\"":
            j += 1
        if j == i:  # a stray closing brace
            warnings.append(f"unexpected {c!r} in {raw[:60]!r}; ignored")
            i += 1
            continue
        token = raw[i:j]
        i = j
        if token.isdigit():
            out.append(token)
        elif token.lower() in macros:
            out.append(macros[token.lower()])
        else:
            warnings.append(f"undefined @string macro {token!r}; read as empty text")
    return "".join(out)


_LATEX_CONTEXT = get_default_latex_context_db()
_LATEX_CONTEXT.add_context_category("kg-bibtex", prepend=True,
                                    macros=[MacroTextSpec("url", simplify_repl="%s")])  # as bibtexparser
_LATEX = LatexNodes2Text(latex_context=_LATEX_CONTEXT, math_mode="text", keep_braced_groups=False)
_NEEDS_LATEX = re.compile(r"[\\$~]|--|``|''")


def decode_latex(text: str) -> str:
    """Plain text of a title, venue or name part: braces removed, LaTeX decoded.

    The same decoder as bibtexparser's ``LatexDecodingMiddleware`` (pylatexenc), but only for
    text that has LaTeX in it (it costs ~0.3 ms a call), with a literal ``%`` kept (LaTeX
    would read it as a comment, and BibTeX files from the web use it unescaped).
    """
    if not _NEEDS_LATEX.search(text):
        return clean_space(text.replace("{", "").replace("}", ""))
    try:
        out = _LATEX.latex_to_text(_BARE_PERCENT.sub(r"\\%", text))
    except Exception:  # pylatexenc is tolerant; never let odd markup cost an entry
        out = text.replace("{", "").replace("}", "")
    return clean_space(out.replace("\xad", ""))


#: Name parts and venues recur across a file (titles do not): decode each distinct one once.
_decode_cached = lru_cache(maxsize=4096)(decode_latex)


def abstract_text(abstract: str) -> str:
    """The abstract without LaTeX: kg's :func:`latex_to_text`, plus BibTeX's grouping braces
    (``{BERT}``) removed and ``\\url{...}`` / ``\\href{...}{...}`` unwrapped first (their URL
    would otherwise split the command in two)."""
    if "{" not in abstract and "\\" not in abstract:
        return latex_to_text(abstract)
    text = _HREF_CMD.sub(lambda m: f"{m.group(2)} ({m.group(1)})", abstract)
    text = _URL_CMD.sub(lambda m: m.group(1), text)
    text = text.replace("\\{", "\x00").replace("\\}", "\x01")
    text = latex_to_text(text).replace("{", "").replace("}", "")
    return clean_space(text.replace("\x00", "{").replace("\x01", "}"))


def _url_value(text: str) -> str:
    """A URL as written in a field: ``\\url{}`` unwrapped, ``\\_``-style escapes undone."""
    text = _URL_CMD.sub(lambda m: m.group(1), text)
    return _URL_ESCAPES.sub(lambda m: m.group(1) or m.group(2), text).strip().strip("{}")


# --------------------------------------------------------------------------------------------
# Entries -> papers


class _Parser:
    """Turns the chunks of one pass into :class:`_Entry` objects, carrying ``@string`` macros."""

    def __init__(self, sink: _Sink) -> None:
        self.sink = sink
        self.macros: dict[str, str] = dict(MONTH_MACROS)
        self.records = 0

    def entries(self, chunk: _Chunk) -> Iterator[_Entry | None]:
        """The entries of a chunk; ``None`` stands for an entry that could not be parsed."""
        library = bibtexparser.parse_string(chunk.text, parse_stack=[])
        for block in library.blocks:
            line = chunk.line + (block.start_line or 0)
            if isinstance(block, DuplicateBlockKeyBlock):
                block = block.ignore_error_block  # a duplicate key is judged file-wide by the reader
            if isinstance(block, String):
                self._string(block, line)
            elif isinstance(block, DuplicateFieldKeyBlock):
                self.records += 1
                entry = block.ignore_error_block
                assert isinstance(entry, Entry)
                yield self._entry(entry, line, chunk.line)
            elif isinstance(block, ParsingFailedBlock):
                yield from self._failed(block, line, chunk)
            elif isinstance(block, Entry):
                self.records += 1
                yield self._entry(block, line, chunk.line)
            # comments, @comment and @preamble: nothing to read

    def _failed(self, block: ParsingFailedBlock, line: int, chunk: _Chunk) -> Iterator[None]:
        head = _HEAD.match(block.raw or "")
        kind = head.group(1).lower() if head else ""
        if kind.startswith(("comment", "preamble")):
            return
        reason = getattr(block.error, "abort_reason", None) or str(block.error)
        if not chunk.closed and "end of file" in reason:
            reason = f"not closed before {chunk.ended} (unbalanced braces or quotes)"
        reason = clean_space(reason).rstrip(". ")
        if kind.startswith("string"):
            self.sink.add(line, f"malformed @string ({reason}); its macro stays undefined")
            return
        self.records += 1
        key = f"{{{head.group(2)}}}" if head and head.group(2) else ""
        self.sink.add(line, f"@{kind}{key} (entry {self.records}) is malformed: {reason}; entry skipped",
                      skipped=True)
        yield None

    def _string(self, block: String, line: int) -> None:
        key = block.key.strip().lower()
        if not key:
            self.sink.add(line, "@string without a name ignored", warning=True)
            return
        warnings: list[str] = []
        self.macros[key] = evaluate(block.value, self.macros, warnings)
        for message in warnings:
            self.sink.add(line, f"@string {block.key!r}: {message}", warning=True)

    def _entry(self, block: Entry, line: int, base: int) -> _Entry:
        entry = _Entry(type=block.entry_type.strip().lower(), key=block.key.strip(), line=line,
                       record=self.records)
        for fld in block.fields:
            name = fld.key.strip().lower()
            at = base + (fld.start_line or 0)
            if name in entry.fields:
                self.sink.add(at, f"{entry.label}: field {name!r} given twice (first at line "
                              f"{entry.lines[name]}); the first is kept", warning=True)
                continue
            warnings: list[str] = []
            value = fld.value if isinstance(fld.value, str) else ""
            entry.fields[name] = evaluate(value, self.macros, warnings)
            entry.lines[name] = at
            for message in warnings:
                self.sink.add(at, f"{entry.label}: {name}: {message}", warning=True)
        return entry


def _month(text: str) -> int | None:
    s = text.strip().rstrip(".").lower()
    if s.isdigit():
        return int(s) if 1 <= int(s) <= 12 else None
    return _MONTHS.get(s)


@lru_cache(maxsize=4096)
def _authorship(name: str, position: int) -> Authorship:
    """Authorships are frozen, and the same person at the same place recurs across a file."""
    return Authorship(name=name, position=position)


@lru_cache(maxsize=4096)
def _display(raw: str) -> tuple[str, str]:
    """``(Given von Family Jr, Jr)`` from one BibTeX name, each part decoded.

    Not :func:`kg.extract.ids.display_name`: BibTeX's own rules are needed here (a comma or
    space inside braces, ``{Barack Hussein} {Obama}``, belongs to one part).  Raises
    InvalidNameError for unbalanced braces, too many commas or a trailing comma.
    """
    parts = parse_single_name_into_parts(raw, strict=True)
    words = [_decode_cached(w) for w in (*parts.first, *parts.von, *parts.last)]
    name = " ".join(w for w in words if w)
    jr = " ".join(w for w in (_decode_cached(x) for x in parts.jr) if w)
    return (f"{name} {jr}" if jr and name else name or jr), jr


@lru_cache(maxsize=1)
def _known_categories() -> frozenset[str]:
    from kg.taxonomy import categories

    return frozenset(categories())


class _Papers:
    """Builds a :class:`Paper` from an :class:`_Entry`, reporting what cannot be read."""

    def __init__(self, sink: _Sink) -> None:
        self.sink = sink

    def skip(self, entry: _Entry, message: str, line: int | None = None) -> None:
        self.sink.add(line or entry.line, f"{entry.label}: {message}; entry skipped", skipped=True)

    def warn(self, entry: _Entry, name: str, message: str) -> None:
        self.sink.add(entry.lines.get(name, entry.line), f"{entry.label}: {message}", warning=True)

    def paper(self, entry: _Entry, f: dict[str, str]) -> Paper | None:
        title = decode_latex(f.get("title", ""))
        if not title:
            self.skip(entry, "missing title" if "title" not in f else "empty title")
            return None
        if subtitle := decode_latex(f.get("subtitle", "")):
            title = f"{title}: {subtitle}"
        authors, truncated = self.authors(entry, f)
        if authors is None:
            return None
        when = self.date(entry, f)
        if when is None:
            return None
        published, year = when
        arxiv_id, arxiv_version, doi, urls = self.identifiers(entry, f)
        abstract = clean_space(f.get("abstract", ""))
        text = abstract_text(abstract) if abstract else ""
        links = find_links(text) if text else []
        venue = None
        order = ("journal", "journaltitle", "booktitle") if entry.type == "article" else (
            "booktitle", "journal", "journaltitle")
        for name in order:
            if v := _decode_cached(f.get(name, "")):
                venue = v
                break
        try:
            return Paper(
                title=title, categories=self.categories(entry, f), published=published, year=year,
                authors=authors, author_list_truncated=truncated, abstract=abstract, abstract_text=text,
                links=links, has_code=any(link.kind == "repository" for link in links),
                arxiv_id=arxiv_id, arxiv_version=arxiv_version, doi=doi, dblp_key=self.dblp_key(entry, f),
                venue=venue, work_type=entry.type or None, urls=urls, source_line=entry.line,
                record=entry.record,
            )
        except ValidationError as e:
            self.skip(entry, "; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors()))
            return None

    def authors(self, entry: _Entry, f: dict[str, str]) -> tuple[list[Authorship] | None, bool]:
        raw = f.get("author", "")
        line = entry.lines.get("author")
        if not raw.strip():
            self.skip(entry, "no authors (no author field)" if "author" not in f else "empty author field",
                      line)
            return None, False
        names = split_multiple_persons_names(raw)
        truncated = False
        out: list[str] = []
        for k, name in enumerate(names):
            name = name.strip()
            if name.lower() in ("et al.", "et al", "{et al.}"):
                self.warn(entry, "author", f"{name!r} in the author list read as 'others'")
                name = "others"
            if name.lower() == "others":
                truncated = True
                if k != len(names) - 1:
                    self.warn(entry, "author", "'others' in the middle of the author list; read as "
                              "a truncated list")
                continue
            words = name.split()
            if not words or words[0].lower() == "and" or words[-1].lower() == "and":
                self.skip(entry, f"empty name in the author list {clean_space(raw)[:80]!r}", line)
                return None, False
            try:
                display, jr = _display(name)
            except InvalidNameError as e:
                self.skip(entry, f"author {clean_space(name)!r} cannot be read: {e.reason.lower()}", line)
                return None, False
            if not display:
                self.skip(entry, f"author {clean_space(name)!r} is empty once decoded", line)
                return None, False
            if jr and jr.lower() not in _JR:
                self.warn(entry, "author", f"{clean_space(name)!r} read as {display!r} (a 'von Last, Jr, "
                          "First' name); are names separated by commas instead of 'and'?")
            out.append(display)
        if not out:
            self.skip(entry, "no authors ('and others' only)", line)
            return None, False
        return [_authorship(n, k) for k, n in enumerate(out, start=1)], truncated

    def date(self, entry: _Entry, f: dict[str, str]) -> tuple[dt.date | None, int | None] | None:
        """``(published, year)``; ``None`` when the entry has no usable year (it is then skipped)."""
        published: dt.date | None = None
        year: int | None = None
        date = clean_space(f.get("date", ""))
        m = _DATE.match(date) if date else None
        if date:
            if m is None:
                self.warn(entry, "date", f"date {date!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")
            else:
                year = int(m.group(1))
                if m.group(3):
                    try:
                        published = dt.date(year, int(m.group(2)), int(m.group(3)))
                    except ValueError:
                        self.warn(entry, "date", f"date {date!r} is not a calendar date; only the year "
                                  "is kept")
        raw_year = clean_space(f.get("year", ""))
        if raw_year:
            if not _YEAR.match(raw_year):
                if year is None:
                    self.skip(entry, f"year {raw_year!r} is not a number", entry.lines.get("year"))
                    return None
                self.warn(entry, "year", f"year {raw_year!r} is not a number; the date {date!r} is used")
            elif year is None:
                year = int(raw_year)
            elif int(raw_year) != year:
                self.warn(entry, "year", f"year {raw_year} differs from the date {date!r}; the date is used")
        if year is None:
            self.skip(entry, "no year or date" if not date else f"no usable year or date ({date!r})")
            return None
        if published is None and m is None and (raw_month := clean_space(f.get("month", ""))):
            month = _month(raw_month)
            if month is None:
                self.warn(entry, "month", f"month {raw_month!r} is not a month; only the year is kept")
            elif raw_day := clean_space(f.get("day", "")):
                try:
                    published = dt.date(year, month, int(raw_day))
                except ValueError:
                    self.warn(entry, "day", f"day {raw_day!r} is not a day of {calendar.month_name[month]} "
                              f"{year}; only the year is kept")
        if year < 1000 or year > 9999:
            self.skip(entry, f"year {year} is out of range")
            return None
        return (published, None) if published else (None, year)

    def identifiers(self, entry: _Entry, f: dict[str, str]) -> tuple[str | None, int | None, str | None,
                                                                     list[str]]:
        """arXiv id and version, DOI and the other URLs, from every field that may hold them."""
        arxiv: list[tuple[str, int | None, str]] = []  # (id, version, field)
        dois: list[tuple[str, str]] = []
        urls: list[str] = []
        eprint = clean_space(f.get("eprint", ""))
        kind = clean_space(f.get("archiveprefix", "") or f.get("eprinttype", "")).lower()
        if eprint:
            parts = split_arxiv_id(_url_value(eprint))
            if kind in ("", "arxiv") and parts:
                arxiv.append((*parts, "eprint"))
            elif kind == "arxiv":
                self.warn(entry, "eprint", f"eprint {eprint!r} is not an arXiv identifier; ignored")
        if raw_doi := clean_space(f.get("doi", "")):
            doi = normalise_doi(_url_value(raw_doi))
            if doi is None:
                self.warn(entry, "doi", f"doi {raw_doi!r} is not a DOI; ignored")
            else:
                dois.append((doi, "doi"))
        for name in ("url", "howpublished"):
            value = f.get(name, "")
            candidates = value.split() if name == "url" else _URL_IN_TEXT.findall(_url_value(value))
            for raw in candidates:
                url = _url_value(raw) if name == "url" else raw.rstrip(".,;:)")
                parts = split_arxiv_id(url) if "arxiv.org/" in url.lower() else None
                doi_in_url = normalise_doi(url) if _DOI_URL.match(url) else None
                if parts:
                    arxiv.append((*parts, name))
                elif doi_in_url:
                    dois.append((doi_in_url, name))
                elif url and url not in urls:
                    urls.append(url)
        for name in ("journal", "note", "howpublished"):
            for m in _ARXIV_IN_TEXT.finditer(f.get(name, "")):
                if parts := split_arxiv_id(m.group(1)):
                    arxiv.append((*parts, name))
        # DBLP: journal = {CoRR}, volume = {abs/2108.09084}
        volume = clean_space(f.get("volume", ""))
        if clean_space(f.get("journal", "")).lower() == "corr" and volume.startswith("abs/") and (
                parts := split_arxiv_id(volume[4:])):
            arxiv.append((*parts, "volume"))
        doi: str | None = None
        for value, name in dois:
            if (from_doi := arxiv_id_from_doi(value)) is not None:
                arxiv.append((from_doi, None, name))  # 10.48550/arXiv.X is an arXiv id, not a DOI
            elif doi is None:
                doi = value
            elif value != doi:
                self.warn(entry, name, f"DOI {value} in {name} differs from {doi}; the first is kept")
        arxiv_id = arxiv[0][0] if arxiv else None
        version = None
        for value, v, name in arxiv:
            if value != arxiv_id:
                self.warn(entry, name, f"arXiv id {value} in {name} differs from {arxiv_id} "
                          f"({arxiv[0][2]}); the first is kept")
            elif v is not None and version is None:
                version = v
            elif v is not None and v != version:
                self.warn(entry, name, f"arXiv version v{v} in {name} differs from v{version}; the first "
                          "is kept")
        return arxiv_id, version, doi, urls

    def categories(self, entry: _Entry, f: dict[str, str]) -> list[str]:
        raw = clean_space(f.get("primaryclass", "") or f.get("eprintclass", ""))
        out: list[str] = []
        for code in re.split(r"[\s,;]+", raw) if raw else []:
            if not _CATEGORY.match(code):
                self.warn(entry, "primaryclass", f"arXiv category {code!r} is malformed; ignored")
            elif code not in out:
                if code not in _known_categories():
                    self.warn(entry, "primaryclass", f"unknown arXiv category {code!r} kept as written")
                out.append(code)
        return out

    @staticmethod
    def dblp_key(entry: _Entry, f: dict[str, str]) -> str | None:
        """DBLP's key, from its BibTeX export (key ``DBLP:conf/kdd/WuWQH21`` or ``biburl``)."""
        if entry.key.startswith("DBLP:") and len(entry.key) > 5:
            return entry.key[5:]
        m = re.match(r"https?://dblp\.(?:org|uni-trier\.de)/rec/(?:bibtex/)?(.+?)(?:\.bib)?$",
                     clean_space(f.get("biburl", "")))
        return m.group(1) if m else None


# --------------------------------------------------------------------------------------------
# The reader


def _open_file(path: Path, sink: _Sink) -> BinaryIO:
    try:
        f = path.open("rb")
    except OSError as e:
        sink.add(0, f"cannot read the file: {e.strerror or e}")
        raise ExtractionError(sink.problems) from None
    try:
        head = f.read(SNIFF_BYTES)
    except OSError as e:
        f.close()
        sink.add(0, f"cannot read the file: {e.strerror or e}")
        raise ExtractionError(sink.problems) from None
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > max(4, len(head) // 100):  # a few stray control bytes are damaged text
        f.close()
        sink.add(0, f"this is a binary file ({controls} control bytes such as NUL in its first "
                 f"{len(head)} bytes), not BibTeX")
        raise ExtractionError(sink.problems)
    f.seek(0)
    return f


def _mentions_crossref(path: Path) -> bool:
    """Whether the bytes ``crossref`` occur anywhere (case-insensitive), read in blocks."""
    tail = b""
    with path.open("rb") as f:
        while block := f.read(1 << 18):
            block = block.lower()
            if b"crossref" in block or b"crossref" in tail + block[:7]:
                return True
            tail = block[-7:]
    return False


def _crossref_parents(path: Path) -> tuple[dict[str, _Entry], set[str]]:
    """First pass: the entries that some crossref names (by lower-case key), fields evaluated
    with the macros in force where they stand.  Only referenced entries and volumes are
    parsed and kept; everything else is only scanned for ``crossref = ...``."""
    quiet = _Sink(file=str(path), problems=[])  # the main pass reports everything once
    parser = _Parser(quiet)
    targets: set[str] = set()
    kept: dict[str, _Entry] = {}
    with path.open("rb") as f:
        for chunk in _chunks(_lines(f, quiet), quiet):
            targets.update(k.lower() for k in _CROSSREF.findall(chunk.text))
            head = _HEAD.match(chunk.text, chunk.text.find("@"))
            kind, key = (head.group(1).lower(), head.group(2).lower()) if head else ("", "")
            if not (kind.startswith("string") or kind in VOLUME_TYPES or key in targets
                    or chunk.text.count("@") > 1):
                continue
            for entry in parser.entries(chunk):
                if entry is not None and (entry.type in VOLUME_TYPES or entry.key.lower() in targets):
                    kept.setdefault(entry.key.lower(), entry)
    return {k: v for k, v in kept.items() if k in targets}, targets


def _inherit(entry: _Entry, parents: dict[str, _Entry], papers: _Papers) -> dict[str, str]:
    """The entry's fields with those it lacks taken from its crossref chain (biblatex-style).

    Problems of the chain are reported on the entry being read, at its crossref line.
    """
    fields = dict(entry.fields)
    chain = [entry.key]
    current = entry
    while ref := clean_space(current.fields.get("crossref", "")):
        via = f" (via {' -> '.join(chain)})" if len(chain) > 1 else ""
        parent = parents.get(ref.lower())
        if parent is None:
            papers.warn(entry, "crossref", f"crossref {ref!r}{via} names no entry in this file; read "
                        "without its fields")
            break
        if parent.key.lower() in {k.lower() for k in chain}:
            papers.warn(entry, "crossref", f"crossref chain {' -> '.join([*chain, parent.key])} loops; "
                        "not followed further")
            break
        chain.append(parent.key)
        for name in INHERITED_FIELDS:
            if name not in fields and name in parent.fields:
                fields[name] = parent.fields[name]
        title_as = _CONTAINER_TITLE.get(parent.type, "booktitle")
        if parent.type in VOLUME_TYPES and title_as not in fields and "title" in parent.fields:
            fields[title_as] = parent.fields["title"]
        current = parent
    return fields


def iter_bibtex(path: str | Path, problems: list[Problem]) -> Iterator[Paper]:
    """The papers of a BibTeX file, one entry at a time, in file order.

    Problems are appended to ``problems`` as they are found.  Raises
    :class:`ExtractionError` (before yielding anything) when the file cannot be read at all
    or is binary.
    """
    p = Path(path)
    sink = _Sink(file=str(p), problems=problems)
    f = _open_file(p, sink)
    with f:
        try:
            parents, targets = _crossref_parents(p) if _mentions_crossref(p) else ({}, set())
        except OSError as e:
            sink.add(0, f"cannot read the file: {e.strerror or e}")
            raise ExtractionError(sink.problems) from None
        parser = _Parser(sink)
        papers = _Papers(sink)
        keys: dict[int, int] = {}  # hash of the lower-case key -> line of its first entry
        found = 0
        for chunk in _chunks(_lines(f, sink), sink):
            for entry in parser.entries(chunk):
                found += 1
                if entry is None:
                    continue
                folded = entry.key.lower()
                if not folded:
                    sink.add(entry.line, f"{entry.label}: entry without a key", warning=True)
                elif (first := keys.setdefault(hash(folded), entry.line)) != entry.line:
                    sink.add(entry.line, f"{entry.label}: the key {entry.key!r} was already used by the "
                             f"entry at line {first}; both are kept (crossrefs use the first)", warning=True)
                elif folded in targets:
                    parents.setdefault(folded, entry)  # a parent that comes before its children
                if entry.type in VOLUME_TYPES and "author" not in entry.fields:
                    if folded not in targets:
                        sink.add(entry.line, f"{entry.label}: a volume without authors is not a paper; "
                                 "not read", warning=True, skipped=True)
                    continue
                fields = _inherit(entry, parents, papers) if "crossref" in entry.fields else entry.fields
                paper = papers.paper(entry, fields)
                if paper is not None:
                    yield paper
        if not found:
            sink.add(0, "no BibTeX entries found (an entry starts with '@type{')", warning=True)
        sink.finish()


def read_bibtex(path: str | Path, *, strict: bool = False, as_of: dt.date | None = None) -> SourceRecords:
    """Read a BibTeX file into records.

    ``as_of`` is accepted for the reader interface and unused (BibTeX dates carry their year).
    With ``strict=True`` any problem, even a warning, raises :class:`ExtractionError`.
    """
    problems: list[Problem] = []
    papers = list(iter_bibtex(path, problems))
    try:
        source = source_info(path, "bibtex")
    except OSError as e:
        raise ExtractionError([*problems, Problem(file=str(path), line=0,
                                                  message=f"cannot read the file: {e.strerror}")]) from None
    problems.sort(key=lambda p: p.line)  # stable: problems of one line keep their order
    if strict and problems:
        raise ExtractionError(problems)
    # Every paper is already validated; validating the list again would re-run each paper's checks.
    return SourceRecords.model_construct(source=source, profile=None, papers=papers, problems=problems)


def _sniff(head: bytes) -> bool:
    """BibTeX: a line starting with ``@type{`` (or ``@type(``), and not XML or JSON."""
    if b"\0" in head:
        return False
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if text.lstrip()[:1] in ("<", "{", "["):
        return False
    return _SNIFF.search(text) is not None


READER = Reader(format="bibtex", kind="bibtex", extensions=(".bib", ".bibtex"), sniff=_sniff,
                read=read_bibtex, description="BibTeX / biblatex bibliographies (.bib)")
