"""Read DBLP XML -- the ``dblp.xml`` dump and the XML that dblp's web pages export -- into records.

Usage::

    from kg.extract.dblp import read_dblp
    records = read_dblp("chuhan-wu.xml")          # a person page's export, or dblp.xml itself
    for paper in records.papers:
        print(paper.dblp_key, paper.year, [a.dblp_name for a in paper.authors])
    for problem in records.problems:
        print(problem)                             # file:line: severity: message

Three shapes are read, all with the record elements of ``dblp.dtd`` (https://dblp.org/xml/dblp.dtd,
field documentation at https://dblp.org/faq/16154937.html):

* the dump, ``<dblp>`` holding one record per element::

      <?xml version="1.0" encoding="ISO-8859-1"?>
      <!DOCTYPE dblp SYSTEM "dblp.dtd">
      <dblp>
      <article mdate="2021-08-25" key="journals/corr/abs-2108-09084" publtype="informal">
      <author>Chuhan Wu</author> ... <title>Fastformer: ... Need.</title> <year>2021</year>
      <journal>CoRR</journal> <ee type="oa">https://arxiv.org/abs/2108.09084</ee> ...

* a single record's export (``https://dblp.org/rec/<key>.xml``): ``<dblp>`` with one record;
* a person page's export (``https://dblp.org/pid/<pid>.xml``): ``<dblpperson name=.. pid=..>``
  with the person's own ``<person>`` record, ``<homonyms>``, every publication wrapped in
  ``<r>...</r>`` and the ``<coauthors>`` list.  Only the ``<r>`` records are works.

What becomes of a record (``<article>``, ``<inproceedings>``, ``<incollection>``, ``<book>``,
``<phdthesis>``, ``<mastersthesis>``, ``<data>``):

* ``key`` attribute -> ``dblp_key``; the element name -> ``work_type``; the line of its start
  tag -> ``source_line``; its place among the file's records (every record element counts,
  ``<www>`` and ``<proceedings>`` too, so numbers match the file) -> ``record``;
* ``<title>`` with its inline markup (``<i>``, ``<sub>``, ``<sup>``, ``<tt>``, ``<ref>``)
  flattened to text and dblp's closing period removed (dblp ends every title with one) ->
  ``title``.  Titles are plain text in dblp, not LaTeX, so no LaTeX decoding is done;
* ``<year>`` -> ``year``.  ``<month>`` is not a full date, so ``published`` stays empty;
* ``<journal>``, else ``<booktitle>`` -> ``venue``;
* each ``<author>`` in order -> an :class:`Authorship` at position 1..n: ``dblp_name`` is dblp's
  person name as written, homonym number included (``Wei Li 0002``), ``name`` the same without
  the number (``Wei Li``), ``orcid`` from the ``orcid`` attribute.  ``<editor>`` s are not
  authors: a record with editors only is reported and skipped, as is one without a title or
  year.  Two different dblp persons with one name on one paper (``Wei Li 0002`` and ``Wei Li
  0005``) cannot both be held (the model allows a name once per paper): reported and skipped;
* ``<ee>`` electronic editions: DOI resolver links (doi.org, dx.doi.org, doi.acm.org) ->
  ``doi`` (arXiv's DataCite DOIs ``10.48550/arXiv.*`` -> ``arxiv_id``), ``arxiv.org/abs|pdf``
  -> ``arxiv_id`` + version, every other link -> ``urls``, relative ones made absolute on
  dblp.org (code repositories among them also -> ``links``/``has_code``).  A second, different
  DOI or arXiv id is kept as a URL and reported.

Not records of works, so skipped without a problem: ``<www>`` (person and home-page records),
``<person>``, and ``<proceedings>`` (a volume with editors only; its papers are records of
their own, and its title reaches them as their ``<booktitle>``).  Fields the record model has
no place for are not read: ``mdate``/``cdate``/``publtype`` attributes, ``<pages>``,
``<volume>``, ``<number>``, ``<crossref>``, ``<url>`` (the record's place in dblp's tables of
contents), ``<publisher>``, ``<school>``, ``<isbn>``, ``<series>``, ``<note>``, ``<cite>``,
author ``pid`` attributes, and the ``type="oa"`` mark on ``<ee>``.

Safety and damage.  No DTD is ever loaded and no entity declaration is ever used: dblp's named
character entities (``&auml;``, ``&eacute;``, ``&szlig;`` ... the HTML/Latin-1 set that
``dblp.dtd`` declares) are resolved from Python's :data:`html.entities.html5` table by a
streaming pre-pass, which also removes the DOCTYPE.  A DOCTYPE that declares entities
itself (external entities, "billion laughs") is reported as an error and its entities are not
expanded; references to unknown entities are kept as text and reported.  Invalid UTF-8 and
control characters are replaced and reported at their line.  The file is parsed with
:func:`lxml.etree.iterparse` and every record is cleared as soon as it is read, so memory stays
flat on the 4 GB dump.  After malformed XML the records before it are kept, the error is
reported at its line, and reading resumes at the next line that starts a record (the damaged
record is skipped; the lines up to the resume count as that one record).  Only a file that is
no XML at all, or XML whose root is no dblp element, is unreadable as a whole
(:class:`ExtractionError`).  Entity references inside CDATA sections, which dblp never writes,
would be decoded too.
"""

from __future__ import annotations

import codecs
import datetime as dt
import html.entities
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from lxml import etree
from pydantic import ValidationError

from kg.extract.errors import ExtractionError
from kg.extract.ids import arxiv_id_from_doi, clean_space, normalise_doi, normalise_orcid, split_arxiv_id
from kg.extract.links import normalise_link
from kg.extract.sources import Reader, source_info
from kg.models import Authorship, Link, Paper, Problem, SourceRecords

#: Record elements of dblp.dtd that describe works someone authored.
WORK_TAGS = frozenset({"article", "inproceedings", "incollection", "book", "phdthesis", "mastersthesis",
                       "data"})
#: Record elements that are not works: person/home-page records and edited proceedings volumes.
SKIPPED_TAGS = frozenset({"www", "person", "proceedings"})
RECORD_TAGS = WORK_TAGS | SKIPPED_TAGS
ROOT_TAGS = ("dblp", "dblpperson")
#: The fields of a record in dblp.dtd (``%field;``); anything else in a record is reported.
FIELD_TAGS = frozenset({
    "author", "editor", "title", "booktitle", "pages", "year", "address", "journal", "volume", "number",
    "month", "url", "ee", "cdrom", "cite", "publisher", "note", "crossref", "isbn", "series", "school",
    "chapter", "publnr", "stream", "rel"})
#: The fields that are read (the others have no place in the record model).
_READ_FIELDS = frozenset({"author", "editor", "title", "year", "journal", "booktitle", "ee"})
_EVENT_TAGS = (*RECORD_TAGS, "r", *ROOT_TAGS)

# Hosts whose links are DOIs (doi.acm.org was ACM's resolver; it redirects to doi.org).
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org", "doi.acm.org"})
_ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_HOMONYM = re.compile(r"^(?P<name>.*\S)\s+(?P<number>\d{4})$")
_YEAR = re.compile(r"^\d{4}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_URL_PARTS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(?P<host>[^/?#:]*)(?::\d*)?(?P<path>/[^?#]*)?")

_RAW_CHUNK = 1 << 18          # bytes read from the file at a time
_PROLOG_LIMIT = 1 << 20       # the XML declaration and DOCTYPE must end within this many characters
_MAX_REPORTS = 20             # character-level damage reported one by one, per kind; then counted
_MAX_SYNTAX_ERRORS = 100      # malformed-XML errors before reading stops
_CHECKPOINTS = 64             # (offset, line) marks kept for resuming after malformed XML

# XML's own five entities stay as they are; every other name is looked up in HTML5's table.
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
# One character class first (an '&', or a character XML forbids), so the engine scans for it
# quickly (3x faster than an alternation); the reference itself only follows an '&'.
_CLEAN = re.compile(
    r"[&\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
    r"(?:(?<=&)(?:#(?:[xX](?P<hex>[0-9A-Fa-f]+)|(?P<dec>[0-9]+))|(?P<name>[A-Za-z][A-Za-z0-9]*));)?")
_PARTIAL_REF = re.compile(r"&#?[A-Za-z0-9]*")
_ENTITY_DECL = re.compile(r"<!ENTITY\s+(?:%\s+)?(?P<name>[^\s\"'>]+)\s*(?P<ext>SYSTEM|PUBLIC)?"
                          r"(?:\s*(?P<q>[\"'])(?P<value>.*?)(?P=q))?", re.DOTALL)
_XML_SPACE = re.compile(r"[ \t\r\n]*")
_NAME_START = re.compile(r"<(?P<tag>[A-Za-z_][\w.:-]*)")
_ENCODING_DECL = re.compile(r"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")
# A line where reading can resume after malformed XML: it starts a record (optionally in <r>).
_RECORD_START = re.compile(
    rb"^\s*(?:<r>\s*)?<(?:" + "|".join(sorted(RECORD_TAGS)).encode() + rb")[\s>/]")


_BAD_UTF8 = threading.local()  # spans of invalid UTF-8 found by the current decode in this thread


def _note_bad_utf8(e: UnicodeError) -> tuple[str, int]:
    """Codec error handler: U+FFFD for the bad bytes, their span noted for the report."""
    assert isinstance(e, UnicodeDecodeError)
    _BAD_UTF8.spans.append((e.start, e.end))
    return "\ufffd", e.end


codecs.register_error("kg-dblp-utf8", _note_bad_utf8)


def _valid_xml_char(cp: int) -> bool:
    """XML 1.0's Char production."""
    return cp in (0x9, 0xA, 0xD) or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD \
        or 0x10000 <= cp <= 0x10FFFF


@lru_cache(maxsize=512)
def _entity(name: str) -> str | None:
    """dblp's (HTML) named entity as numeric references, safe in text and attributes; None if unknown."""
    value = html.entities.html5.get(name + ";")
    return None if value is None else "".join(f"&#{ord(c)};" for c in value)


@dataclass
class _Log:
    """The problems of one file, with per-kind limits for damage that can repeat endlessly."""

    file: str
    problems: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)
    first_unlisted: dict[str, int] = field(default_factory=dict)
    #: Lines before this were scanned for character damage already (by the stream that a resume
    #: after malformed XML replaced): their damage is not reported twice.
    quiet_before: int = 0

    def add(self, line: int, message: str, *, warning: bool = False, skipped: bool = False) -> None:
        self.problems.append(Problem(file=self.file, line=max(line, 0), message=message,
                                     severity="warning" if warning else "error", skipped_block=skipped))

    def limited(self, kind: str, line: int | Callable[[], int], message: str, *,
                warning: bool = True) -> None:
        """Report ``message`` unless ``kind`` was reported :data:`_MAX_REPORTS` times already
        (``line`` may be a function: finding a line costs a scan, so only listed ones pay it)."""
        if self.quiet_before:
            line = line() if callable(line) else line
            if line < self.quiet_before:
                return
        n = self.counts.get(kind, 0) + 1
        self.counts[kind] = n
        if n <= _MAX_REPORTS + 1:
            where = line() if callable(line) else line
            if n <= _MAX_REPORTS:
                self.add(where, message, warning=warning)
            else:
                self.first_unlisted[kind] = where

    def summarise(self) -> None:
        """One problem for each kind of damage that was too frequent to list."""
        for kind, n in self.counts.items():
            if n > _MAX_REPORTS:
                self.add(self.first_unlisted[kind], f"{n - _MAX_REPORTS} more {kind} from this line on "
                         f"(the first {_MAX_REPORTS} are listed)", warning=True)
        self.counts.clear()


class _Fatal(Exception):
    """The file cannot be read as DBLP XML at all (reported in the log before raising)."""


@dataclass
class _Prolog:
    """What precedes the root element, found in the first characters of a file."""

    root: str | None = None       # the root element's name
    root_at: int = -1             # its offset in the text
    complete: bool = False        # the root start tag was reached
    text: str = ""                # the text with the XML declaration and DOCTYPE blanked out
    declared: frozenset[str] = frozenset()  # entities the DOCTYPE declares (never used)


def _doctype_end(text: str, start: int) -> tuple[int, int, int] | None:
    """End of the DOCTYPE starting at ``start`` and the span of its internal subset; None if cut off."""
    i, n = start + len("<!DOCTYPE"), len(text)
    quote: str | None = None
    sub_start = sub_end = -1
    in_subset = False
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif in_subset:
            if text.startswith("<!--", i):
                j = text.find("-->", i + 4)
                if j < 0:
                    return None
                i = j + 3
                continue
            if c == "]":
                in_subset, sub_end = False, i
        elif c == "[":
            in_subset, sub_start = True, i + 1
        elif c == ">":
            return i + 1, sub_start, sub_end
        i += 1
    return None


def _blank(text: str) -> str:
    """Only the newlines of ``text``: removing a declaration must not move any line."""
    return "\n" * text.count("\n")


def _scan_prolog(text: str, log: _Log | None) -> _Prolog:
    """Find the root element; blank out the XML declaration and the DOCTYPE (reporting what the
    DOCTYPE declares when ``log`` is given).  Never loads or interprets the DTD."""
    out: list[str] = []
    pos = 1 if text.startswith("\ufeff") else 0
    first = pos
    n = len(text)
    declared: frozenset[str] = frozenset()
    while True:
        spaces = _XML_SPACE.match(text, pos).end()
        if spaces > pos:
            out.append(text[pos:spaces])
            pos = spaces
        if pos >= n:
            return _Prolog(text="".join(out))
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
            if end < 0:
                return _Prolog(text="".join(out) + text[pos:])
            piece = text[pos:end + 2]
            is_decl = re.match(r"<\?xml\s", piece) is not None
            if is_decl and pos != first and log is not None:
                log.add(1 + text.count("\n", 0, pos), "the XML declaration does not start the file "
                        "(something precedes it); read as if it did", warning=True)
            out.append(_blank(piece) if is_decl else piece)
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
            if end < 0:
                return _Prolog(text="".join(out) + text[pos:])
            out.append(text[pos:end + 3])
            pos = end + 3
        elif text.startswith("<!DOCTYPE", pos):
            found = _doctype_end(text, pos)
            if found is None:
                return _Prolog(text="".join(out) + text[pos:])
            end, sub_start, sub_end = found
            if sub_start >= 0:
                subset = text[sub_start:sub_end]
                declared = frozenset(m["name"] for m in _ENTITY_DECL.finditer(subset))
                if log is not None:
                    _report_subset(subset, 1 + text.count("\n", 0, sub_start), log)
            out.append(_blank(text[pos:end]))
            pos = end
        else:
            m = _NAME_START.match(text, pos)
            if not m:
                return _Prolog(text="".join(out) + text[pos:], complete=True, declared=declared)
            head = "".join(out)
            return _Prolog(root=m["tag"], root_at=len(head), complete=True, text=head + text[pos:],
                           declared=declared)


def _report_subset(subset: str, line: int, log: _Log) -> None:
    """Report a DOCTYPE internal subset; its declarations are never used."""
    decls = list(_ENTITY_DECL.finditer(subset))
    if not decls:
        if subset.strip():
            log.add(line, "the DOCTYPE's internal DTD subset is ignored (no DTD is read)", warning=True)
        return
    at = line + subset.count("\n", 0, decls[0].start())
    names = [d["name"] for d in decls]
    external = [f"{d['name']!r} ({d['ext']} {d['value']!r})" for d in decls if d["ext"]]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    message = (f"the DOCTYPE declares {len(names)} entit{'y' if len(names) == 1 else 'ies'} ({shown}); "
               "entity declarations are never read or expanded (no DTD is loaded: protection against "
               "external entities and entity-expansion bombs), so references to them stay as text")
    if external:
        message += "; external entities not fetched: " + ", ".join(external[:3])
    log.add(at, message)


class _Text:
    """The file as lxml reads it: decoded, entities resolved, damage repaired, as UTF-8 bytes.

    Lines never move: every replacement keeps the newlines, so lxml's line numbers (plus
    ``start_line - 1``) are the file's.
    """

    def __init__(self, raw: BinaryIO, log: _Log, *, codec: str, start_line: int = 1, start_offset: int = 0,
                 prefix: str = "", declared: frozenset[str] = frozenset()) -> None:
        self.raw, self.log, self.codec = raw, log, codec
        self.utf8 = codecs.lookup(codec).name == "utf-8"
        self.resumable = "\n<a&;".encode(codec) == b"\n<a&;"  # newline bytes are lines
        self._decoder = None if self.utf8 else codecs.getincrementaldecoder(codec)(errors="replace")
        self._pending = b""                   # an incomplete UTF-8 sequence at the end of a chunk
        self._held = ""                       # a possibly incomplete entity reference
        self.line = start_line                # line of the next character handed on
        self.decode_line = start_line         # line of the next character decoded
        self.start_line = start_line
        self.raw_offset, self.raw_line = start_offset, start_line
        self.checkpoints: deque[tuple[int, int]] = deque([(start_offset, start_line)], maxlen=_CHECKPOINTS)
        self.declared = declared
        self.eof = False
        self._out = bytearray(prefix.encode("utf-8"))
        self.prefix_length = len(prefix)
        self.root: str | None = None
        self.root_line = 0

    # -- reading raw bytes -------------------------------------------------------------------
    def _raw_chunk(self) -> bytes:
        data = self.raw.read(_RAW_CHUNK)
        if not data:
            self.eof = True
        self.raw_offset += len(data)
        if self.resumable:
            self.raw_line += data.count(b"\n")
            self.checkpoints.append((self.raw_offset, self.raw_line))
        return data

    def _decode(self, data: bytes) -> str:
        if self._decoder is not None:
            text = self._decoder.decode(data, final=self.eof)
            if "\ufffd" in text:
                where = self.decode_line + text.count("\n", 0, text.index("\ufffd"))
                self.log.limited("undecodable characters", where,
                                 f"characters that are not {self.codec} (or U+FFFD) read as U+FFFD")
            self.decode_line += text.count("\n")
            return text
        data = self._pending + data
        _BAD_UTF8.spans = []
        # An incomplete sequence at the end of a chunk is not consumed: it waits for the next one.
        text, used = codecs.utf_8_decode(data, "kg-dblp-utf8", self.eof)
        self._pending = data[used:]
        newlines, last = 0, 0
        for start, end in _BAD_UTF8.spans:  # one scan for all lines, however many bytes are bad
            newlines += data.count(b"\n", last, start)
            last = start
            self.log.limited("invalid UTF-8 bytes", self.decode_line + newlines,
                             f"invalid UTF-8 ({data[start:end].hex(' ')}) read as U+FFFD")
        self.decode_line += text.count("\n")
        return text

    # -- cleaning ----------------------------------------------------------------------------
    def _clean(self, text: str) -> str:
        base = self.line

        def fix(m: re.Match[str]) -> str:
            if (name := m["name"]) is not None:
                if name in _XML_ENTITIES:
                    return m.group(0)
                if (value := _entity(name)) is not None:
                    return value
                why = ("declared in the ignored DOCTYPE" if name in self.declared
                       else "not an HTML/Latin-1 entity")
                self.log.limited("unknown entities", lambda: base + text.count("\n", 0, m.start()),
                                 f"unknown entity &{name}; ({why}) kept as text")
                return f"&amp;{name};"
            digits = m["hex"] or m["dec"]
            if digits is None:
                ctrl = m.group(0)
                if ctrl == "&":
                    return ctrl  # no reference follows: lxml reports the bare '&'
                self.log.limited("control characters", lambda: base + text.count("\n", 0, m.start()),
                                 f"control character U+{ord(ctrl):04X} (not allowed in XML) read as a space")
                return " "
            if len(digits) <= 8 and _valid_xml_char(int(digits, 16 if m["hex"] else 10)):
                return m.group(0)
            self.log.limited("invalid character references", lambda: base + text.count("\n", 0, m.start()),
                             f"character reference {m.group(0)[:20]} is no XML character; read as U+FFFD")
            return "&#xFFFD;"

        cleaned = _CLEAN.sub(fix, text)
        self.line += text.count("\n")
        return cleaned

    def _push(self, text: str) -> None:
        text = self._held + text
        self._held = ""
        if not self.eof:
            i = text.rfind("&", max(0, len(text) - 64))
            if i >= 0 and _PARTIAL_REF.fullmatch(text, i):
                text, self._held = text[:i], text[i:]
        self._out += self._clean(text).encode("utf-8")

    # -- the start of the file ---------------------------------------------------------------
    def read_prolog(self) -> None:
        """Read up to the root element; set ``root``; blank the XML declaration and DOCTYPE."""
        text = ""
        while True:
            text += self._decode(self._raw_chunk())
            prolog = _scan_prolog(text, None)
            if prolog.complete or self.eof:
                break
            if len(text) > _PROLOG_LIMIT:
                self.log.add(1, f"no root element within the first {_PROLOG_LIMIT} characters "
                             "(a DOCTYPE that long is not dblp's)")
                raise _Fatal
        prolog = _scan_prolog(text, self.log)
        self.declared = prolog.declared
        self.root = prolog.root
        if prolog.root is not None:
            self.root_line = 1 + prolog.text.count("\n", 0, prolog.root_at)
        self._push(prolog.text)

    # -- the file-like interface lxml reads --------------------------------------------------
    def read(self, size: int = -1) -> bytes:
        while not self.eof and len(self._out) < max(size, 1):
            self._push(self._decode(self._raw_chunk()))
        if size < 0 or size >= len(self._out):
            out, self._out = bytes(self._out), bytearray()
        else:
            out = bytes(self._out[:size])
            del self._out[:size]
        return out

    def resume_after(self, line: int, root: str) -> _Text | None:
        """A new stream from the first line after ``line`` that starts a record, inside a new
        ``<root>``; None when no such line follows (or the encoding does not allow it)."""
        if not self.resumable:
            return None
        # A mark is a byte offset on a known line, maybe mid-line: start from one on or before
        # ``line`` so that the partial line it starts in can never be taken for a record start.
        marks = [(o, n) for o, n in self.checkpoints if n <= line]
        offset, current = marks[-1] if marks else (0, 1)
        self.raw.seek(offset)
        at_line_start = True  # (the first piece is on a line <= ``line``: never a place to resume)
        while True:
            piece = self.raw.readline(1 << 16)
            if not piece:
                return None
            if at_line_start and current > line and _RECORD_START.match(piece):
                self.raw.seek(offset)
                return _Text(self.raw, self.log, codec=self.codec, start_line=current, start_offset=offset,
                             prefix=f"<{root}>", declared=self.declared)
            offset += len(piece)
            at_line_start = piece.endswith(b"\n")
            if at_line_start:
                current += 1


def _open_text(raw: BinaryIO, log: _Log) -> _Text:
    """The cleaned stream of a file, with its encoding found from the BOM or XML declaration."""
    head = raw.read(4096)
    raw.seek(0)
    codec = "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif m := _ENCODING_DECL.match(head.decode("latin-1").lstrip("\ufeff").lstrip("ï»¿")):
        declared = m.group(1)
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            log.add(1, f"unknown encoding {declared!r} declared; read as UTF-8", warning=True)
        else:
            if "\n<?xml a&;".encode(name, errors="replace") == b"\n<?xml a&;" and "utf-16" not in name \
                    and "utf-32" not in name:
                codec = name
            else:
                log.add(1, f"the declared encoding {declared!r} does not match the file (its declaration "
                        "reads as ASCII); read as UTF-8", warning=True)
    start = head.decode(codec if codec != "utf-16" else "latin-1", errors="replace").lstrip("\ufeff\ufffe")
    if codec != "utf-16" and not start.lstrip(" \t\r\n").startswith("<") and start.strip(" \t\r\n"):
        log.add(1, "no XML root element: this is not an XML file (it does not start with '<')")
        raise _Fatal
    text = _Text(raw, log, codec=codec)
    text.read_prolog()
    return text


def _xml_error(e: etree.XMLSyntaxError, stream: _Text) -> str:
    """lxml's message with its line (and column) numbers turned into the file's."""
    offset = stream.start_line - 1
    message = re.sub(r"\bline (\d+)", lambda m: f"line {int(m[1]) + offset}", e.msg or "syntax error")
    column = (e.position or (0, 0))[1]
    if offset and e.lineno == 1 and column > stream.prefix_length:  # the line that starts with our root
        message = re.sub(r"column (\d+)$", lambda m: f"column {int(m[1]) - stream.prefix_length}", message)
    return message


def _text_of(el: etree._Element) -> str:
    """The text of an element with its inline markup flattened, white space collapsed."""
    text = (el.text or "") if len(el) == 0 else "".join(el.itertext())
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or text[:1].isspace() \
            or text[-1:].isspace():
        text = clean_space(text)
    return text


@lru_cache(maxsize=1024)  # bounded: the cache must not grow with a 4 GB dump
def _authorship(name: str, position: int, orcid: str | None, dblp_name: str) -> Authorship:
    """Authorships are frozen, and the same person at the same place recurs across a bibliography."""
    return Authorship(name=name, position=position, orcid=orcid, dblp_name=dblp_name)


@dataclass
class _Ids:
    """What a record's ``<ee>`` links give: DOI, arXiv id, other landing pages and code links."""

    doi: str | None = None
    arxiv: tuple[str, int | None] | None = None
    urls: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


class _Records:
    """Turns the parser's events into papers and problems."""

    def __init__(self, raw: BinaryIO, log: _Log) -> None:
        self.raw, self.log = raw, log
        self.number = 0

    def run(self) -> Iterator[Paper]:
        text = _open_text(self.raw, self.log)
        root = text.root
        if root is None:
            self.log.add(text.root_line or 1, "no XML root element: this is not an XML file")
            raise _Fatal
        if root not in ROOT_TAGS and root not in RECORD_TAGS:
            self.log.add(text.root_line, f"the root element is <{root}>, not <dblp> or <dblpperson>: "
                         "this is not DBLP XML")
            raise _Fatal
        stream: _Text | None = text
        errors = 0
        first = True
        while stream is not None:
            offset = stream.start_line - 1
            state = {"root_seen": False, "open": None}
            try:
                yield from self._parse(stream, offset, state, root)
                self.log.summarise()
                return
            except etree.XMLSyntaxError as e:
                self.log.summarise()
                line = max((e.lineno or 0) + offset, stream.start_line)
                if first and not state["root_seen"]:
                    self.log.add(line, f"malformed XML before any record: {_xml_error(e, stream)}")
                    raise _Fatal from None
                errors += 1
                message = f"malformed XML: {_xml_error(e, stream)}"
                opened = state["open"]
                if opened is not None:
                    self.number += 1
                    message += (f"; the <{opened[1]}> record starting at line {opened[0]} is incomplete "
                                "and skipped")
                if errors >= _MAX_SYNTAX_ERRORS:
                    self.log.add(line, message + f"; {errors} XML errors: reading stops here", skipped=True)
                    return
                self.log.quiet_before = max(self.log.quiet_before, min(stream.line, stream.decode_line))
                stream = stream.resume_after(line, root)
                if stream is None:
                    message += "; no record starts after it: the rest of the file is skipped"
                elif stream.start_line > line + 1:
                    message += (f"; lines {line + 1}-{stream.start_line - 1} skipped, reading resumes "
                                f"at line {stream.start_line}")
                else:
                    message += f"; reading resumes at line {stream.start_line}"
                self.log.add(line, message, skipped=opened is not None or stream is None)
                first = False

    def _parse(self, stream: _Text, offset: int, state: dict, root: str) -> Iterator[Paper]:
        parser = etree.iterparse(
            stream, events=("start", "end"), tag=_EVENT_TAGS, encoding="utf-8", resolve_entities=False,
            load_dtd=False, no_network=True, dtd_validation=False, remove_comments=True, remove_pis=True,
            huge_tree=False)
        person_page = root == "dblpperson"
        for event, el in parser:
            tag = el.tag
            parent = el.getparent()
            if event == "start":
                if parent is None:
                    state["root_seen"] = True
                if tag in RECORD_TAGS and self._is_record(el, parent, person_page):
                    state["open"] = ((el.sourceline or 0) + offset, tag)
                continue
            if tag == "r" and parent is not None and parent.getparent() is None:
                self._drop(el, parent, person_page)
                continue
            if parent is None and tag in ROOT_TAGS:
                self._finish(el, person_page)
                continue
            if tag not in RECORD_TAGS or not self._is_record(el, parent, person_page):
                continue
            state["open"] = None
            self.number += 1
            if tag in WORK_TAGS:
                paper = self._paper(el, offset)
                if paper is not None:
                    yield paper
            if parent is not None and parent.tag != "r":
                self._drop(el, parent, person_page)
            else:
                el.clear(keep_tail=True)

    @staticmethod
    def _is_record(el: etree._Element, parent: etree._Element | None, person_page: bool) -> bool:
        """Records are the root's children in ``<dblp>`` and the ``<r>`` children in person pages."""
        if parent is None:
            return True  # a record as the whole document
        if parent.tag == "r":
            return parent.getparent() is not None and parent.getparent().getparent() is None
        return parent.getparent() is None and not person_page

    def _drop(self, el: etree._Element, parent: etree._Element, person_page: bool) -> None:
        """Free a read top-level element and everything before it (memory stays flat)."""
        el.clear(keep_tail=True)
        if parent.text and parent.text.strip():
            self.log.add(parent.sourceline or 0, f"text before the first record ignored: "
                         f"{parent.text.strip()[:60]!r}", warning=True)
            parent.text = None
        while (prev := el.getprevious()) is not None:
            self._leftover(prev, person_page)
            parent.remove(prev)

    def _leftover(self, child: etree._Element, person_page: bool) -> None:
        """Report an element that was no record of <dblp> (and text after it) as it is freed."""
        tag = child.tag
        if not person_page and isinstance(tag, str) and tag not in RECORD_TAGS and tag != "r":
            self.log.add(child.sourceline or 0, f"unknown element <{tag}> in <dblp> skipped (not a dblp.dtd "
                         "record type)", warning=True, skipped=True)
        if child.tail and child.tail.strip():
            self.log.add(child.sourceline or 0, f"text after <{tag}> ignored: {child.tail.strip()[:60]!r}",
                         warning=True)

    def _finish(self, root: etree._Element, person_page: bool) -> None:
        """Report what is left at the end of the root: unknown elements and stray text."""
        if root.text and root.text.strip():
            self.log.add(root.sourceline or 0, f"text in <{root.tag}> ignored: {root.text.strip()[:60]!r}",
                         warning=True)
        for child in root:
            self._leftover(child, person_page)
        root.clear()

    # -- one record ----------------------------------------------------------------------------
    def _paper(self, el: etree._Element, offset: int) -> Paper | None:
        """The paper of one work record (``offset``: file line of the stream's line 1, minus 1)."""
        tag = el.tag
        key = el.get("key")
        what = f"<{tag}> {key}" if key else f"<{tag}>"
        line = (el.sourceline or 1) + offset

        def at(child: etree._Element) -> int:
            return child.sourceline + offset if child.sourceline else line

        def skip(where: int, message: str, *, warning: bool = False) -> None:
            self.log.add(where, f"{what}: {message}; record skipped", warning=warning, skipped=True)

        fields: dict[str, list[etree._Element]] = {}
        for child in el:
            ctag = child.tag
            if ctag in _READ_FIELDS:
                fields.setdefault(ctag, []).append(child)
            elif ctag not in FIELD_TAGS and isinstance(ctag, str):
                self.log.add(at(child), f"{what}: unknown field <{ctag}> ignored", warning=True)
        if not key:
            self.log.add(line, f"<{tag}> record without a key attribute: read without dblp_key", warning=True)
        titles = fields.get("title", [])
        title = _text_of(titles[0]) if titles else ""
        if title.endswith(".") and not title.endswith("..."):
            title = title[:-1].rstrip()
        if not title:
            skip(at(titles[0]) if titles else line, "no title" if not titles else "empty <title>")
            return None
        for name in ("title", "year", "journal", "booktitle"):
            if len(fields.get(name, [])) > 1:
                self.log.add(at(fields[name][1]), f"{what}: {len(fields[name])} <{name}> fields; the first "
                             "is used", warning=True)
        authors = fields.get("author", [])
        if not authors:
            editors = len(fields.get("editor", []))
            skip(line, f"no <author> ({editors} <editor>s, who are not authors)" if editors
                 else "no <author>", warning=True)
            return None
        years = fields.get("year", [])
        year_text = _text_of(years[0]) if years else ""
        if not _YEAR.match(year_text):
            skip(at(years[0]) if years else line,
                 f"invalid <year> {year_text[:20]!r}" if years else "no <year>")
            return None
        people = self._authors(authors, what, at, skip)
        if people is None:
            return None
        ids = self._ids(fields.get("ee", []), what, at)
        venue_el = (fields.get("journal") or fields.get("booktitle") or [None])[0]
        venue = _text_of(venue_el) if venue_el is not None else ""
        try:
            return Paper(
                title=title, year=int(year_text), authors=people, dblp_key=key or None, venue=venue or None,
                work_type=tag, doi=ids.doi, arxiv_id=ids.arxiv[0] if ids.arxiv else None,
                arxiv_version=ids.arxiv[1] if ids.arxiv else None, urls=ids.urls, links=ids.links,
                has_code=any(link.kind == "repository" for link in ids.links), source_line=line,
                record=self.number)
        except ValidationError as e:
            skip(line, "; ".join(err["msg"] for err in e.errors()))
            return None

    def _authors(self, authors: list[etree._Element], what: str, at, skip) -> list[Authorship] | None:
        people: list[Authorship] = []
        seen: dict[str, str] = {}
        for position, author in enumerate(authors, start=1):
            dblp_name = _text_of(author)
            if not dblp_name:
                skip(at(author), f"empty <author> at position {position} (positions would be wrong)")
                return None
            m = _HOMONYM.match(dblp_name)
            name = m["name"] if m else dblp_name
            raw_orcid = author.get("orcid")
            orcid = normalise_orcid(raw_orcid)
            if raw_orcid and orcid is None:
                self.log.add(at(author), f"{what}: invalid ORCID {raw_orcid[:40]!r} of {dblp_name!r} ignored",
                             warning=True)
            try:
                person = _authorship(name, position, orcid, dblp_name)
            except ValidationError as e:
                skip(at(author), f"author {dblp_name!r}: " + "; ".join(err["msg"] for err in e.errors()))
                return None
            if dblp_name in seen:
                skip(at(author), f"{dblp_name!r} is listed twice")
                return None
            seen[dblp_name] = dblp_name  # homonyms ('Wei Li 0002', 'Wei Li 0005') share a name, not a key
            people.append(person)
        return people

    def _ids(self, ees: list[etree._Element], what: str, at) -> _Ids:
        ids = _Ids()
        for ee in ees:
            url = _text_of(ee)
            if not url:
                continue
            if not _SCHEME.match(url):
                url = "https://dblp.org/" + url.lstrip("/")  # dblp.dtd: relative links are dblp's
            m = _URL_PARTS.match(url)
            host = m["host"].lower() if m else ""
            if host in _DOI_HOSTS and (doi := normalise_doi(unquote(m["path"] or "").lstrip("/"))):
                if arxiv := arxiv_id_from_doi(doi):
                    self._arxiv(ids, (arxiv, None), url, what, at(ee))
                elif ids.doi is None or ids.doi == doi:
                    ids.doi = doi
                else:
                    self.log.add(at(ee), f"{what}: a second DOI {doi} (the first is {ids.doi}) kept as a URL",
                                 warning=True)
                    ids.urls.append(url)
                continue
            if host in _ARXIV_HOSTS and (parsed := split_arxiv_id(url)):
                self._arxiv(ids, parsed, url, what, at(ee))
                continue
            if url not in ids.urls:
                ids.urls.append(url)
                link = normalise_link(url)
                if link is not None and link.kind == "repository" and link not in ids.links:
                    ids.links.append(link)
        return ids

    def _arxiv(self, ids: _Ids, parsed: tuple[str, int | None], url: str, what: str, line: int) -> None:
        if ids.arxiv is None:
            ids.arxiv = parsed
        elif ids.arxiv[0] == parsed[0]:
            if ids.arxiv[1] is None and parsed[1] is not None:
                ids.arxiv = parsed
            elif parsed[1] is not None and ids.arxiv[1] != parsed[1]:
                self.log.add(line, f"{what}: arXiv versions v{ids.arxiv[1]} and v{parsed[1]} linked; "
                             "the first is kept", warning=True)
        else:
            self.log.add(line, f"{what}: a second arXiv id {parsed[0]} (the first is {ids.arxiv[0]}) kept as "
                         "a URL", warning=True)
            if url not in ids.urls:
                ids.urls.append(url)


def iter_dblp(path: str | Path, problems: list[Problem]) -> Iterator[Paper]:
    """Stream the papers of a DBLP XML file, appending problems to ``problems`` as they are found.

    Memory stays flat however large the file is.  Raises :class:`ExtractionError` (with every
    problem so far) when the file cannot be opened or is no DBLP XML at all.
    """
    p = Path(path)
    log = _Log(file=str(p), problems=problems)
    try:
        raw = p.open("rb")
    except OSError as e:
        log.add(0, f"cannot read the file: {e.strerror}")
        raise ExtractionError(problems) from None
    with raw:
        if not raw.read(1):
            log.add(0, "the file is empty")
            raise ExtractionError(problems)
        raw.seek(0)
        try:
            yield from _Records(raw, log).run()
        except _Fatal:
            raise ExtractionError(problems) from None
        except OSError as e:
            log.add(0, f"cannot read the file: {e.strerror}")
            raise ExtractionError(problems) from None


def read_dblp(path: str | Path, *, strict: bool = False, as_of: dt.date | None = None) -> SourceRecords:
    """Read a DBLP XML file (the dump, a record's or a person page's export) into records.

    ``as_of`` is accepted for the common reader interface; dblp dates need none.  With
    ``strict=True`` any problem, even a warning, raises :class:`ExtractionError`.
    """
    problems: list[Problem] = []
    papers = list(iter_dblp(path, problems))
    # The pre-pass runs ahead of the parser: order by line (stable, so one line keeps its order).
    problems.sort(key=lambda p: p.line)
    if strict and problems:
        raise ExtractionError(problems)
    try:
        info = source_info(path, "dblp-xml")
    except OSError as e:
        raise ExtractionError([*problems, Problem(file=str(path), line=0,
                                                  message=f"cannot read the file: {e.strerror}")]) from None
    # Every paper is already validated; validating the list again would repeat every check.
    return SourceRecords.model_construct(source=info, profile=None, papers=papers, problems=problems)


def sniff(head: bytes) -> bool:
    """DBLP XML: XML whose root is ``<dblp>`` or ``<dblpperson>`` (or a lone keyed dblp record)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("latin-1")
        if text.startswith("ï»¿"):
            text = text[3:]
    prolog = _scan_prolog(text, None)
    if prolog.root in ROOT_TAGS:
        return True
    if prolog.root in RECORD_TAGS:
        start = prolog.text[prolog.root_at:prolog.text.find(">", prolog.root_at)]
        return re.search(r"\skey\s*=\s*[\"'][a-z]+/", start) is not None
    return False


READER = Reader(format="dblp", kind="dblp-xml", extensions=(".dblp.xml",), sniff=sniff, read=read_dblp,
                description="DBLP XML: the dblp.xml dump, record and person-page exports")
