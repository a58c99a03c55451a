"""Read OpenAlex works (API result pages, JSON lists, snapshot JSON Lines) into records.

Three layouts of the same Work objects (https://docs.openalex.org/api-entities/works/work-object)
are read, each optionally gzip-compressed (recognised by its magic bytes, whatever the name,
because snapshot files are called ``part_000.gz``):

* JSON Lines, one Work per line: the snapshot format (``.jsonl``, ``.ndjson``);
* a JSON list of Works: ``[{...}, {...}]``;
* an API page: ``{"meta": {...}, "results": [{...}], "group_by": [...]}``; a single Work
  saved from ``/works/W…`` (pretty-printed, ``{`` alone on its first line) is read too.

Usage::

    from kg.extract.openalex import read_openalex
    records = read_openalex("works.jsonl.gz")
    for paper in records.papers:
        print(paper.openalex_id, paper.title, [a.name for a in paper.authors])
    for problem in records.problems:
        print(problem)  # works.jsonl.gz:12: error: record 12 (W…): no title (...); work skipped

Everything streams: JSON Lines are read line by line, the JSON forms through :mod:`ijson`, so
memory stays bounded by one record whatever the file size.  Locations: ``source_line`` is the
line where the record starts (the line of its ``{``; for JSON forms it is tracked by feeding
ijson one line at a time, so it is exact even in pretty-printed lists), ``record`` its 1-based
number in the file.  Problems carry that line and say "record N".

Decisions worth knowing (see also the mapping table in :func:`iter_openalex`):

* An arXiv DataCite DOI (``10.48550/arXiv.2108.09084``) is the work's arXiv id, never its
  ``doi``: ``doi`` holds only a publisher DOI (kg.extract.ids treats these DOIs the same way).
* ``venue`` is the primary location's source unless that source is a repository (arXiv,
  Zenodo, institutional repositories host copies; they are not where a work was published).
* OpenAlex's ``updated_date`` is when OpenAlex last changed its record (citation counts
  included), not a revision of the work, so it is not mapped to ``updated``.
* Repeated works (the same W id twice) are not detected: that would need memory growing with
  the file; the builder merges records by identifier anyway.
* Not read, because the record model has no place for them: ``is_corresponding``,
  ``countries``, the raw affiliation strings of matched institutions, topics' subfield/field/
  domain, concept levels, ``pdf_url`` links, counts, ``referenced_works``, ``mesh``,
  ``grants``, ``biblio``, ``language``, ``open_access``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import re
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Literal

import ijson
from pydantic import ValidationError

from kg.extract.errors import ExtractionError
from kg.extract.ids import (
    arxiv_id_from_doi,
    clean_space,
    normalise_doi,
    normalise_orcid,
    normalise_ror,
    split_arxiv_id,
)
from kg.extract.latex import latex_to_text
from kg.extract.links import find_links
from kg.extract.sources import Reader, source_info
from kg.models import Authorship, OrgRef, Paper, Problem, SourceRecords, TopicRef

Form = Literal["lines", "array", "page", "document"]

_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_HEAD_BYTES = 64 * 1024
# ijson is fed one line at a time (a longer line in pieces of this size), so that the line
# of every record's opening brace is known exactly.
_CHUNK = 8 * 1024
# ijson keeps the path of every open level ("item.item.item..."), so its memory grows with
# the square of the nesting depth: 30,000 levels of "[" take gigabytes.  Works nest about 8
# levels deep; a file nested deeper than this is reported, not parsed.
MAX_DEPTH = 512
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
# A JSON Lines record longer than this is reported and skipped rather than held in memory.
MAX_LINE_BYTES = 64 * 1024 * 1024

_PAGE_START = re.compile(rb'^\{\s*"(?:meta|results|group_by)"\s*:')
_WORK_ID_BYTES = re.compile(rb'"id"\s*:\s*"https?://openalex\.org/W\d+"')
# OpenAlex ids: 'https://openalex.org/W2741809807' (also '.../works/W…', the API's host, bare 'W…').
_OPENALEX_ID = re.compile(r"^(?:https?://(?:api\.)?openalex\.org/(?:[a-z]+/)?)?([A-Za-z])(\d+)$")
_ENTITY = {"W": "work", "A": "author", "I": "institution", "S": "source", "C": "concept",
           "T": "topic", "P": "publisher", "F": "funder"}
_ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Inline markup Crossref titles carry (<i>, <sub>, <scp>, MathML); the text inside is kept.
_TITLE_TAG = re.compile(r"</?(?:i|b|em|strong|sub|sup|scp|sc|u|tt|span|mml:[a-z]+)(?:\s[^<>]*)?/?>",
                        re.IGNORECASE)
# C0 controls other than newline (which ends a line), in the raw bytes: JSON forbids them
# raw inside strings and ijson would stop at the first one; outside strings only tab and CR
# may occur (white space), so reading every one as a space changes no structure.
_CONTROL_BYTES = re.compile(rb"[\x00-\x09\x0b-\x1f]")
_CONTROL_TABLE = bytes.maketrans(bytes(range(10)) + bytes(range(11, 32)), b" " * 31)
_REPORTED_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not tab and CR: white space either way
# Decoded text: C0/C1 controls and DEL (JSON escapes like \u0007 can still carry them).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A character that clean_space or _CONTROL_CHARS would change: white space other than " ",
# or a control.  One character class (fast); double and outer spaces are checked apart.
_UNTIDY = re.compile("[" + "".join(
    re.escape(chr(c)) for c in range(0x3001)
    if c != 32 and (chr(c).isspace() or unicodedata.category(chr(c)) == "Cc")) + "]")
_POSITIONS = ("first", "middle", "last")


# --------------------------------------------------------------------------------------------
# Reading the file: opening (gzip or not), recognising the layout, feeding lines.


class _Unreadable(Exception):
    """The file cannot be read at all; carries the line-0 (or exact line) problem message."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def _open(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (by magic bytes, not by name)."""
    raw = path.open("rb")
    try:
        magic = raw.read(2)
        raw.seek(0)
    except OSError:
        raw.close()
        raise
    if magic == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def _close(stream: IO[bytes]) -> None:
    inner = getattr(stream, "fileobj", None)
    stream.close()
    if inner is not None:
        inner.close()  # GzipFile does not close a file object it was given


def _gunzip_head(head: bytes) -> bytes:
    """As much of a gzip stream's start as ``head`` holds, decompressed (b"" when damaged)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, _HEAD_BYTES)
    except zlib.error:
        return b""


def _form(head: bytes) -> Form | None:
    """Which layout the (decompressed) start of a file is, or None when it is not JSON."""
    text = head.removeprefix(_BOM).lstrip()
    if text.startswith(b"["):
        return "array"
    if not text.startswith(b"{"):
        return None
    if _PAGE_START.match(text):
        return "page"
    # Pretty-printers (json.dumps(indent=...), jq, JSON.stringify) put "{" alone on the first
    # line of an object; JSON Lines never do.
    first_line = text.split(b"\n", 1)[0].strip()
    return "document" if first_line == b"{" else "lines"


def _sniff(head: bytes) -> bool:
    """OpenAlex: JSON (possibly gzip) holding a Work id ``"id": "https://openalex.org/W…"``, or
    authorships next to OpenAlex ids (a work whose "id" comes after 64 KiB of sorted keys), or
    an (empty) API page with its ``meta``."""
    if head.startswith(_GZIP_MAGIC):
        head = _gunzip_head(head)
    text = head.removeprefix(_BOM).lstrip()
    if not text.startswith((b"[", b"{")):
        return False
    if _WORK_ID_BYTES.search(text):
        return True
    if b'"authorships"' in text and b'"https://openalex.org/' in text:
        return True
    return b'"meta"' in text and b'"results"' in text and b'"db_response_time_ms"' in text


class _TooDeep(Exception):
    """The JSON text nests deeper than MAX_DEPTH."""


class _Obj(dict):  # type: ignore[type-arg]
    """A JSON object that remembers the line of its opening brace (ijson's ``map_type``)."""

    __slots__ = ("line",)


class _LineFeed:
    """A file-like ``read`` for ijson that returns one line per call and knows its number.

    ijson's C parser parses each piece before asking for the next, so an object created
    while parsing a piece starts on that piece's line.  Each piece is also checked: invalid
    UTF-8 is replaced (U+FFFD) and reported with its line, control bytes become spaces.
    """

    def __init__(self, stream: IO[bytes], report: _Reporter) -> None:
        self.stream = stream
        self.report = report
        self.line = 1
        self._ends_line = False
        self._carry = b""
        self._first = True
        self._utf8_reported = 0
        self._control_reported = 0
        self._depth = 0
        self._in_string = False

    def new_obj(self) -> _Obj:
        obj = _Obj()
        obj.line = self.line
        return obj

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if self._ends_line:
            self.line += 1
        raw = self.stream.readline(_CHUNK)
        chunk, self._carry = self._carry + raw, b""
        if not chunk:
            self._ends_line = False
            return b""
        if self._first:
            self._first = False
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM):]
                self.report.file_warning(1, "byte order mark (BOM) at the start of the file ignored")
        self._ends_line = chunk.endswith(b"\n")
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError as e:
            if not self._ends_line and raw and e.reason == "unexpected end of data":
                # The piece was cut inside a character of a long line: finish it next time.
                chunk, self._carry = chunk[: e.start], chunk[e.start:]
                return self._checked(chunk)
            if self._utf8_reported != self.line:
                self._utf8_reported = self.line
                self.report.file_warning(self.line, f"invalid UTF-8 at byte {e.start} of the line "
                                         "(or of a piece of a long line) read as U+FFFD")
            chunk = chunk.decode("utf-8", errors="replace").encode("utf-8")
        return self._checked(chunk)

    def _checked(self, chunk: bytes) -> bytes:
        if _CONTROL_BYTES.search(chunk):
            if _REPORTED_CONTROLS.search(chunk) and self._control_reported != self.line:
                self._control_reported = self.line
                self.report.file_warning(self.line, "control characters read as spaces")
            chunk = chunk.translate(_CONTROL_TABLE)
        self._track_depth(chunk)
        return chunk

    def _track_depth(self, chunk: bytes) -> None:
        """Follow the nesting depth (brackets outside strings); raise _TooDeep past MAX_DEPTH.

        A few C-level byte operations per piece: escapes are dropped, everything but quotes and
        brackets deleted, what is left split at the quotes and the parts outside strings
        counted.  JSON strings hold no raw newline, so every line starts outside one.
        """
        text = chunk.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in chunk else chunk
        parts = text.translate(None, _NOT_STRUCTURE).split(b'"')
        outside = b"".join(parts[1::2] if self._in_string else parts[0::2])
        if len(parts) % 2 == 0:  # an odd number of quotes: a string goes on into the next piece
            self._in_string = not self._in_string
        if chunk.endswith(b"\n"):
            self._in_string = False
        opens = outside.count(b"[") + outside.count(b"{")
        if self._depth + opens <= MAX_DEPTH:
            self._depth = max(0, self._depth + opens - outside.count(b"]") - outside.count(b"}"))
            return
        depth = self._depth  # the piece might go deep: follow it bracket by bracket
        for byte in outside.translate(None, _NOT_BRACKETS):
            depth = depth + 1 if byte in b"[{" else max(0, depth - 1)
            if depth > MAX_DEPTH:
                raise _TooDeep(f"the JSON nests more than {MAX_DEPTH} levels deep")
        self._depth = depth


# --------------------------------------------------------------------------------------------
# Problems.


@dataclass
class _Reporter:
    """Collects the problems of one file into the caller's list."""

    file: str
    problems: list[Problem]
    start: int = 0  #: problems already in the list (of other files) when this one started

    @property
    def any(self) -> bool:
        return len(self.problems) > self.start

    def add(self, line: int, message: str, *, warning: bool = False, skipped: bool = False) -> None:
        self.problems.append(Problem(file=self.file, line=line, message=message,
                                     severity="warning" if warning else "error", skipped_block=skipped))

    def file_warning(self, line: int, message: str) -> None:
        self.add(line, message, warning=True)


@dataclass
class _Context:
    """One record being read: where it is, and the warnings it has so far.

    Warnings are kept back until the record is read: a skipped record reports only why it
    was skipped, not the small faults of fields that were thrown away with it.
    """

    line: int
    record: int
    label: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"record {self.record}" + (f" ({self.label})" if self.label else "")

    def warn(self, message: str) -> None:
        self.warnings.append(message)


class _Skip(Exception):
    """The record cannot become a Paper; the message says why."""


# --------------------------------------------------------------------------------------------
# Field helpers.


def _describe(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number" if isinstance(value, int | float)
                                    else type(value).__name__)


def _clean(text: str, what: str, ctx: _Context) -> str:
    """Text with control characters read as spaces (reported) and white space collapsed."""
    if not _UNTIDY.search(text) and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    if _CONTROL_CHARS.search(text):
        ctx.warn(f"control characters in {what} read as spaces")
        text = _CONTROL_CHARS.sub(" ", text)
    return clean_space(text)


def _string(obj: dict[str, Any], key: str, what: str, ctx: _Context) -> str | None:
    """``obj[key]`` when it is a non-blank string; another type is reported and left out."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        ctx.warn(f"{what} is {_describe(value)}, not a string; left out")
        return None
    text = _clean(value, what, ctx)
    return text or None


def _mapping(obj: dict[str, Any], key: str, what: str, ctx: _Context) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        ctx.warn(f"{what} is {_describe(value)}, not an object; left out")
        return None
    return value


def _list(obj: dict[str, Any], key: str, what: str, ctx: _Context) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.warn(f"{what} is {_describe(value)}, not a list; left out")
        return []
    return value


def openalex_id(text: str | None, letter: str) -> str | None:
    """The short OpenAlex id ('W2741809807') of an entity of kind ``letter`` in ``text``.

    >>> openalex_id("https://openalex.org/W3196489437", "W"), openalex_id("A5023888391", "W")
    ('W3196489437', None)
    """
    m = _OPENALEX_ID.match(text.strip()) if text else None
    if not m or m.group(1).upper() != letter:
        return None
    return letter + m.group(2)


def _entity_id(obj: dict[str, Any], letter: str, what: str, ctx: _Context) -> str | None:
    raw = _string(obj, "id", f"{what} id", ctx)
    if raw is None:
        return None
    found = openalex_id(raw, letter)
    if found is None:
        ctx.warn(f"{what} id {raw!r} is not an OpenAlex {_ENTITY[letter]} id; left out")
    return found


def _score(value: object, what: str, ctx: _Context) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        ctx.warn(f"{what} score {value!r} is not a number from 0 to 1; left out")
        return None
    return float(value)


def plain_title(text: str) -> str:
    """A title as plain text: inline HTML markup and entities (Crossref) and LaTeX (arXiv) removed.

    >>> plain_title("Learning <i>in vivo</i> &amp; $k$-NN")
    'Learning in vivo & k-NN'
    """
    if "<" in text:
        text = _TITLE_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return clean_space(latex_to_text(text))


def abstract_from_index(index: dict[str, Any], ctx: _Context) -> str:
    """The abstract rebuilt from OpenAlex's inverted index (``{"word": [positions]}``).

    Words are placed by position and joined by single spaces (OpenAlex split on white space,
    so punctuation stays attached to its word).  Positions are sorted, not allocated, so a
    huge position in damaged data costs nothing.
    """
    try:  # the usual case, at C speed where it can be
        placed = [(p, word) for word, positions in index.items() for p in positions]
        if set(map(type, map(_FIRST, placed))) <= {int}:
            placed.sort()
            if not placed or placed[0][0] >= 0:
                return _joined(placed, ctx)
    except TypeError:
        pass
    placed = []
    bad = 0
    for word, positions in index.items():
        if not isinstance(positions, list):
            bad += 1
            continue
        for p in positions:
            if isinstance(p, int) and not isinstance(p, bool) and p >= 0:
                placed.append((p, word))
            else:
                bad += 1
    if bad:
        ctx.warn(f"abstract_inverted_index has {bad} entries that are not word positions; left out")
    placed.sort()
    return _joined(placed, ctx)


_FIRST = itemgetter(0)
_SECOND = itemgetter(1)


def _joined(placed: list[tuple[int, str]], ctx: _Context) -> str:
    """The words of sorted ``(position, word)`` pairs, joined; repeated positions reported."""
    repeated = len(placed) - len(set(map(_FIRST, placed)))
    if repeated:
        ctx.warn(f"abstract_inverted_index puts two words at the same position {repeated} time(s); "
                 "both kept")
    return " ".join(map(_SECOND, placed))


# --------------------------------------------------------------------------------------------
# One Work -> Paper.


@lru_cache(maxsize=1024)
def _org(name: str, ror: str | None, oa_id: str | None, country: str | None) -> OrgRef:
    """Institutions recur across works; OrgRefs are frozen, so one object serves them all."""
    return OrgRef(name=name, ror=ror, openalex_id=oa_id, country=country)


def _affiliations(authorship: dict[str, Any], what: str, ctx: _Context) -> list[OrgRef]:
    orgs: list[OrgRef] = []
    seen: set[tuple[str | None, str]] = set()
    for k, inst in enumerate(_list(authorship, "institutions", f"{what} institutions", ctx), start=1):
        here = f"{what} institution {k}"
        if not isinstance(inst, dict):
            ctx.warn(f"{here} is {_describe(inst)}, not an object; left out")
            continue
        name = _string(inst, "display_name", f"{here} display_name", ctx)
        if name is None:
            ctx.warn(f"{here} has no display_name; left out")
            continue
        oa_id = _entity_id(inst, "I", here, ctx)
        raw_ror = _string(inst, "ror", f"{here} ror", ctx)
        ror = normalise_ror(raw_ror)
        if raw_ror and ror is None:
            ctx.warn(f"{here} ROR {raw_ror!r} is not a ROR id; left out")
        code = _string(inst, "country_code", f"{here} country_code", ctx)
        country = code.upper() if code else None
        if country and not _COUNTRY.match(country):
            ctx.warn(f"{here} country_code {code!r} is not an ISO 3166-1 alpha-2 code; left out")
            country = None
        key = (oa_id, name)
        if key not in seen:
            seen.add(key)
            orgs.append(_org(name, ror, oa_id, country))
    if not orgs:
        # OpenAlex matched no institution: the affiliation strings as written are all there is.
        for raw in _list(authorship, "raw_affiliation_strings", f"{what} raw_affiliation_strings", ctx):
            name = _clean(raw, f"{what} raw affiliation", ctx) if isinstance(raw, str) else ""
            if name and (None, name) not in seen:
                seen.add((None, name))
                orgs.append(_org(name, None, None, None))
    return orgs


def _authors(work: dict[str, Any], truncated: bool, ctx: _Context) -> list[Authorship]:
    entries = work.get("authorships")
    if not isinstance(entries, list) or not entries:
        raise _Skip("no authorships" if not entries else
                    f"authorships is {_describe(entries)}, not a list")
    n = len(entries)
    authors: list[Authorship] = []
    keys: dict[str, Authorship] = {}
    for position, entry in enumerate(entries, start=1):
        what = f"authorship {position}"
        if not isinstance(entry, dict):
            raise _Skip(f"{what} is {_describe(entry)}, not an object; author positions would be wrong "
                        "without it")
        person = _mapping(entry, "author", f"{what} author", ctx) or {}
        name = _string(person, "display_name", f"{what} author display_name", ctx) \
            or _string(entry, "raw_author_name", f"{what} raw_author_name", ctx)
        if name is None:
            raise _Skip(f"{what} has no author name (author.display_name, raw_author_name); author "
                        "positions would be wrong without it")
        marker = entry.get("author_position")
        if marker is not None:
            expected = "first" if position == 1 else "last" if position == n and not truncated else "middle"
            if marker not in _POSITIONS:
                ctx.warn(f"{what} ({name}) has author_position {marker!r}, not one of first/middle/last")
            elif marker != expected and not (n == 1 and marker == "last"):
                ctx.warn(f"{what} ({name}) is marked author_position {marker!r} but is author {position} "
                         f"of {n}{' listed (list truncated)' if truncated else ''}; the list order is kept")
        raw_orcid = _string(person, "orcid", f"{what} author orcid", ctx)
        orcid = normalise_orcid(raw_orcid)
        if raw_orcid and orcid is None:
            ctx.warn(f"{what} ({name}) ORCID {raw_orcid!r} is not a valid ORCID iD (form or check "
                     "digit); left out")
        oa_id = _entity_id(person, "A", f"{what} author", ctx) if person else None
        author = _authorship(name, position, orcid, oa_id, tuple(_affiliations(entry, what, ctx)))
        if (twin := keys.get(author.name_key)) is not None:
            raise _Skip(f"the same author twice: {twin.name!r} (authorship {twin.position}) and {name!r} "
                        f"(authorship {position})")
        keys[author.name_key] = author
        authors.append(author)
    return authors


@lru_cache(maxsize=1024)
def _authorship(name: str, position: int, orcid: str | None, oa_id: str | None,
                affiliations: tuple[OrgRef, ...]) -> Authorship:
    """One person's authorships recur across a bibliography (a few thousand kept: bounded memory)."""
    return Authorship(name=name, position=position, orcid=orcid, openalex_id=oa_id,
                      affiliations=list(affiliations))


def _dates(work: dict[str, Any], ctx: _Context) -> tuple[dt.date | None, int | None]:
    published: dt.date | None = None
    raw_date = work.get("publication_date")
    if raw_date is not None:
        m = _DATE.match(raw_date) if isinstance(raw_date, str) else None
        try:
            published = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        except ValueError:
            published = None
        if published is None:
            ctx.warn(f"publication_date {raw_date!r} is not a date (YYYY-MM-DD); left out")
    raw_year = work.get("publication_year")
    year: int | None = None
    if raw_year is not None:
        if isinstance(raw_year, str) and raw_year.strip().isdigit():
            raw_year = int(raw_year)
        if isinstance(raw_year, int) and not isinstance(raw_year, bool) and 1000 <= raw_year <= 9999:
            year = raw_year
        elif isinstance(raw_year, float) and raw_year.is_integer() and 1000 <= raw_year <= 9999:
            year = int(raw_year)
        else:
            ctx.warn(f"publication_year {raw_year!r} is not a year; left out")
    if published is not None and year is not None and year != published.year:
        ctx.warn(f"publication_year {year} differs from publication_date {published}; the date is kept")
    if published is not None:
        return published, None
    if year is None:
        raise _Skip("no publication year (publication_date and publication_year are missing or invalid)")
    return None, year


def _locations(work: dict[str, Any], ctx: _Context) -> list[dict[str, Any]]:
    """primary_location, then locations, then best_oa_location (each a Location object)."""
    found: list[dict[str, Any]] = []
    primary = _mapping(work, "primary_location", "primary_location", ctx)
    if primary is not None:
        found.append(primary)
    for k, loc in enumerate(_list(work, "locations", "locations", ctx), start=1):
        if isinstance(loc, dict):
            found.append(loc)
        else:
            ctx.warn(f"location {k} is {_describe(loc)}, not an object; left out")
    best = _mapping(work, "best_oa_location", "best_oa_location", ctx)
    if best is not None:
        found.append(best)
    return found


def _arxiv_from_url(url: str) -> tuple[str, int | None] | None:
    if _ARXIV_URL.match(url):
        return split_arxiv_id(url.split("?", 1)[0].split("#", 1)[0].rstrip("/"))
    if "10.48550" in url:
        found = arxiv_id_from_doi(url)
        return (found, None) if found else None
    return None


def _identifiers(work: dict[str, Any], locations: list[dict[str, Any]], ctx: _Context
                 ) -> tuple[str | None, str | None, int | None]:
    """``(doi, arxiv_id, arxiv_version)``: an arXiv DataCite DOI becomes the arXiv id."""
    ids = _mapping(work, "ids", "ids", ctx) or {}
    doi: str | None = None
    arxiv: list[tuple[str, int | None, str]] = []
    given = (("doi", _string(work, "doi", "doi", ctx)), ("ids.doi", _string(ids, "doi", "ids.doi", ctx)))
    for what, raw in given:
        if raw is None:
            continue
        found = normalise_doi(raw)
        if found is None:
            ctx.warn(f"{what} {raw!r} is not a DOI; left out")
        elif (from_doi := arxiv_id_from_doi(found)) is not None:
            arxiv.append((from_doi, None, what))
        elif doi is None:
            doi = found
        elif found != doi:
            ctx.warn(f"{what} {raw!r} differs from doi {doi!r}; the doi field is kept")
    if (raw_arxiv := _string(ids, "arxiv", "ids.arxiv", ctx)) is not None:  # not documented, but cheap
        if (parts := split_arxiv_id(raw_arxiv) or _arxiv_from_url(raw_arxiv)) is not None:
            arxiv.append((parts[0], parts[1], "ids.arxiv"))
        else:
            ctx.warn(f"ids.arxiv {raw_arxiv!r} is not an arXiv id; left out")
    for loc in locations:
        for key in ("landing_page_url", "pdf_url"):
            url = loc.get(key)
            if isinstance(url, str) and (parts := _arxiv_from_url(url.strip())) is not None:
                arxiv.append((parts[0], parts[1], url.strip()))
    if not arxiv:
        return doi, None, None
    arxiv_id = arxiv[0][0]
    others = sorted({a for a, _, _ in arxiv if a != arxiv_id})
    if others:
        ctx.warn(f"more than one arXiv id: {arxiv_id} ({arxiv[0][2]}) kept, {', '.join(others)} left out")
    versions = [v for a, v, _ in arxiv if a == arxiv_id and v is not None]
    return doi, arxiv_id, max(versions) if versions else None


def _venue(work: dict[str, Any], ctx: _Context) -> str | None:
    primary = work.get("primary_location")
    if not isinstance(primary, dict):
        return None
    source = _mapping(primary, "source", "primary_location source", ctx)
    if source is None:
        return None
    if source.get("type") == "repository":
        return None  # arXiv, Zenodo, a university repository: a host of copies, not a venue
    return _string(source, "display_name", "primary_location source display_name", ctx)


def _urls(locations: list[dict[str, Any]], ctx: _Context) -> list[str]:
    urls: dict[str, None] = {}
    for loc in locations:
        url = _string(loc, "landing_page_url", "landing_page_url", ctx)
        if url is not None and url.startswith(("http://", "https://")):
            urls.setdefault(url)
    return list(urls)


def _topics(work: dict[str, Any], ctx: _Context) -> list[TopicRef]:
    found: dict[tuple[str, str], TopicRef] = {}

    def add(item: object, scheme: str, what: str) -> None:
        if not isinstance(item, dict):
            ctx.warn(f"{what} is {_describe(item)}, not an object; left out")
            return
        iri = _string(item, "id", f"{what} id", ctx)
        label = _string(item, "display_name", f"{what} display_name", ctx) \
            or _string(item, "keyword", f"{what} keyword", ctx)  # keywords before 2024
        if iri is None or label is None:
            ctx.warn(f"{what} has no id or no display_name; left out")
            return
        if (scheme, iri) in found:
            return
        try:
            found[(scheme, iri)] = TopicRef(iri=iri, label=label, scheme=scheme,
                                            score=_score(item.get("score"), what, ctx))
        except ValidationError as e:
            ctx.warn(f"{what} is invalid ({'; '.join(err['msg'] for err in e.errors())}); left out")

    primary = work.get("primary_topic")
    if primary is not None:
        add(primary, "openalex-topic", "primary_topic")
    for k, topic in enumerate(_list(work, "topics", "topics", ctx), start=1):
        add(topic, "openalex-topic", f"topic {k}")
    for k, concept in enumerate(_list(work, "concepts", "concepts", ctx), start=1):
        add(concept, "openalex-concept", f"concept {k}")
    without_id = 0
    for k, keyword in enumerate(_list(work, "keywords", "keywords", ctx), start=1):
        if isinstance(keyword, dict) and keyword.get("id") is not None:
            add(keyword, "openalex-keyword", f"keyword {k}")
        else:
            without_id += 1
    if without_id:
        ctx.warn(f"{without_id} keyword(s) without an OpenAlex id (older format) left out")
    return list(found.values())


def _paper(work: object, ctx: _Context) -> Paper:
    """One Work object as a Paper; raises _Skip when it cannot be one."""
    if not isinstance(work, dict):
        raise _Skip(f"is {_describe(work)}, not a Work object")
    raw_id = work.get("id")
    oa_id = None
    if isinstance(raw_id, str):
        m = _OPENALEX_ID.match(raw_id.strip())
        if m and m.group(1).upper() != "W":
            kind = _ENTITY.get(m.group(1).upper(), "entity")
            raise _Skip(f"is an OpenAlex {kind} ({raw_id}), not a work")
        oa_id = openalex_id(raw_id, "W")
        if oa_id is None:
            ctx.warn(f"id {raw_id!r} is not an OpenAlex work id; left out")
    elif raw_id is not None:
        ctx.warn(f"id is {_describe(raw_id)}, not a string; left out")
    if oa_id is None and isinstance(ids := work.get("ids"), dict) and isinstance(ids.get("openalex"), str):
        oa_id = openalex_id(ids["openalex"], "W")
    ctx.label = oa_id or ""
    raw_title = _string(work, "title", "title", ctx) or _string(work, "display_name", "display_name", ctx)
    title = plain_title(raw_title) if raw_title else ""
    if not title:
        raise _Skip("no title (title and display_name are missing or blank)")
    truncated_flag = work.get("is_authors_truncated", False)
    if not isinstance(truncated_flag, bool):
        ctx.warn(f"is_authors_truncated is {_describe(truncated_flag)}, not a boolean; read as false")
        truncated_flag = False
    authors = _authors(work, truncated_flag, ctx)
    published, year = _dates(work, ctx)
    locations = _locations(work, ctx)
    doi, arxiv_id, arxiv_version = _identifiers(work, locations, ctx)
    abstract = ""
    index = work.get("abstract_inverted_index")
    if isinstance(index, dict):
        abstract = _clean(abstract_from_index(index, ctx), "the abstract", ctx)
    elif index is not None:
        ctx.warn(f"abstract_inverted_index is {_describe(index)}, not an object; left out")
    links = find_links(abstract)
    try:
        return Paper(
            title=title, published=published, year=year, authors=authors,
            author_list_truncated=truncated_flag, abstract=abstract,
            abstract_text=latex_to_text(abstract), links=links,
            has_code=any(link.kind == "repository" for link in links),
            arxiv_id=arxiv_id, arxiv_version=arxiv_version, doi=doi, openalex_id=oa_id,
            venue=_venue(work, ctx), work_type=_string(work, "type", "type", ctx),
            topics=_topics(work, ctx), urls=_urls(locations, ctx),
            source_line=max(ctx.line, 1), record=ctx.record,
        )
    except ValidationError as e:
        raise _Skip("; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())) from None


def _read_work(work: object, line: int, record: int, report: _Reporter) -> Paper | None:
    ctx = _Context(line=line, record=record)
    try:
        paper = _paper(work, ctx)
    except _Skip as e:
        report.add(line, f"{ctx.where} {e}; work skipped" if str(e).startswith("is ")
                   else f"{ctx.where}: {e}; work skipped", skipped=True)
        return None
    for message in ctx.warnings:
        report.add(line, f"{ctx.where}: {message}", warning=True)
    return paper


# --------------------------------------------------------------------------------------------
# The three layouts.


def _first_error_line(e: Exception) -> str:
    """The first line of a parser message (yajl adds the text around the error below it)."""
    arg = e.args[0] if e.args else ""
    text = arg.decode("utf-8", errors="replace") if isinstance(arg, bytes) else str(arg)
    lines = text.strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _works_of(value: object) -> list[object]:
    """The Works a parsed value holds: itself, or the results of an API page."""
    if isinstance(value, dict) and "id" not in value and isinstance(value.get("results"), list):
        return value["results"]
    return [value]


_GZIP_ERRORS = (OSError, EOFError, zlib.error)


def _gzip_damage(report: _Reporter, line: int, record: int, e: Exception) -> None:
    kept = f"the {record} record(s) before it are kept" if record else "no record could be read"
    report.add(line, f"the gzip stream is damaged or truncated after line {line - 1} ({e}); {kept}",
               skipped=True)


def _iter_lines(stream: IO[bytes], report: _Reporter) -> Iterator[Paper]:
    """JSON Lines: each non-blank line one Work (or one API page, whose results are Works)."""
    record = 0
    number = 0
    while True:
        try:
            raw = stream.readline(MAX_LINE_BYTES)
        except _GZIP_ERRORS as e:
            _gzip_damage(report, number + 1, record, e)
            return
        if not raw:
            return
        number += 1
        if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
            record += 1
            try:
                while (rest := stream.readline(_CHUNK)) and not rest.endswith(b"\n"):
                    pass
            except _GZIP_ERRORS as e:
                _gzip_damage(report, number + 1, record, e)
                return
            report.add(number, f"record {record} is longer than {MAX_LINE_BYTES >> 20} MiB; skipped",
                       skipped=True)
            continue
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM):]
            report.file_warning(1, "byte order mark (BOM) at the start of the file ignored")
        if not raw.strip():
            continue
        record += 1
        if _CONTROL_BYTES.search(raw):
            if _REPORTED_CONTROLS.search(raw):
                report.file_warning(number, "control characters read as spaces")
            raw = raw.translate(_CONTROL_TABLE)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            report.file_warning(number, f"invalid UTF-8 at byte {e.start} of the line read as U+FFFD")
            text = raw.decode("utf-8", errors="replace")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            report.add(number, f"record {record}: malformed JSON ({e.msg} at column {e.colno}); "
                       "work skipped", skipped=True)
            continue
        except RecursionError:
            report.add(number, f"record {record}: JSON nested too deeply; work skipped", skipped=True)
            continue
        record -= 1  # counted again per work: a line may hold an API page of several
        for work in _works_of(value):
            record += 1
            if (paper := _read_work(work, number, record, report)) is not None:
                yield paper


def _iter_json(stream: IO[bytes], form: Form, report: _Reporter) -> Iterator[Paper]:
    """A JSON list, an API page or single Work objects, streamed through ijson."""
    feed = _LineFeed(stream, report)
    prefix = {"array": "item", "page": "results.item", "document": ""}[form]
    items = ijson.items(feed, prefix, map_type=feed.new_obj, use_float=True,
                        multiple_values=form == "document")
    record = 0
    try:
        for value in items:
            line = value.line if isinstance(value, _Obj) else feed.line
            for work in _works_of(value) if form == "document" else [value]:
                record += 1
                if (paper := _read_work(work, line, record, report)) is not None:
                    yield paper
    except ijson.JSONError as e:
        message = _first_error_line(e)
        kept = f"the {record} record(s) before it are kept" if record else "no record could be read"
        if "premature EOF" in message:
            report.add(feed.line, f"the file ends inside record {record + 1} or the list around it "
                       f"({message}): is it truncated? {kept}", skipped=True)
        else:
            report.add(feed.line, f"malformed JSON {_after(record)} ({message}); the rest of the file "
                       f"cannot be read; {kept}", skipped=True)
    except _TooDeep as e:
        kept = f"the {record} record(s) before it are kept" if record else "no record could be read"
        report.add(feed.line, f"{e} {_after(record)}; the rest of the file is skipped; {kept}", skipped=True)
    except _GZIP_ERRORS as e:
        _gzip_damage(report, feed.line, record, e)


def _after(record: int) -> str:
    return f"after record {record}" if record else "before the first record"


def iter_openalex(path: str | Path, problems: list[Problem]) -> Iterator[Paper]:
    """Stream the works of an OpenAlex file as Papers, appending problems as they are found.

    Mapping (Work field -> Paper field):

    ============================================  =========================================
    ``id`` (or ``ids.openalex``)                  ``openalex_id`` ('W…')
    ``title`` (else ``display_name``)             ``title`` (HTML tags/entities, LaTeX removed)
    ``publication_date`` / ``publication_year``   ``published`` / ``year``
    ``type``                                      ``work_type``
    ``doi`` (``ids.doi``)                         ``doi``; an arXiv DOI goes to ``arxiv_id``
    arxiv.org ``landing_page_url``/``pdf_url``    ``arxiv_id``, ``arxiv_version`` (highest vN)
    ``primary_location.source.display_name``      ``venue`` (not for repositories)
    every location's ``landing_page_url``         ``urls`` (primary first, no repeats)
    ``authorships`` (list order)                  ``authors`` (positions 1..n)
    ``is_authors_truncated``                      ``author_list_truncated``
    ``abstract_inverted_index``                   ``abstract``, ``abstract_text``, ``links``,
                                                  ``has_code``
    ``primary_topic``, ``topics``                 ``topics`` scheme 'openalex-topic'
    ``concepts``                                  ``topics`` scheme 'openalex-concept'
    ``keywords`` (those with an id)               ``topics`` scheme 'openalex-keyword'
    ============================================  =========================================

    An authorship's ``author.display_name`` (else ``raw_author_name``) is the name,
    ``author.orcid`` and ``author.id`` its identifiers, each ``institutions`` entry an
    affiliation (``display_name``, ``ror``, ``id``, ``country_code``); an author with no
    matched institution gets its ``raw_affiliation_strings`` as name-only affiliations.

    A file that cannot be read at all (missing, empty, not JSON, not gzip inside) raises
    :class:`ExtractionError`; everything else is a problem in ``problems``.
    """
    p = Path(path)
    report = _Reporter(file=str(p), problems=problems, start=len(problems))
    try:
        yield from _iter_file(p, report)
    except _Unreadable as e:
        report.add(e.line, str(e))
        raise ExtractionError(problems) from None


def _iter_file(p: Path, report: _Reporter) -> Iterator[Paper]:
    try:
        stream = _open(p)
    except OSError as e:
        raise _Unreadable(f"cannot read the file: {e.strerror or e}") from None
    try:
        try:
            head = stream.read(_HEAD_BYTES)
            compressed = isinstance(stream, gzip.GzipFile)
            _close(stream)
            stream = _open(p)
        except _GZIP_ERRORS as e:
            raise _Unreadable(f"the gzip stream is unreadable ({e})") from None
        if not head.strip():
            raise _Unreadable("the file is empty" + (" (after gzip decompression)" if compressed else ""))
        form = _form(head)
        if form is None:
            raise _Unreadable("not OpenAlex JSON: the file does not start with '[' or '{'"
                              + (" after gzip decompression" if compressed else ""))
        count = 0
        for paper in _iter_lines(stream, report) if form == "lines" else _iter_json(stream, form, report):
            count += 1
            yield paper
        if count == 0 and not report.any:
            report.file_warning(0, "no works in the file")
    finally:
        _close(stream)


def read_openalex(path: str | Path, *, strict: bool = False, as_of: dt.date | None = None) -> SourceRecords:
    """Read an OpenAlex file into records.

    ``as_of`` is accepted for the common reader signature and not used: OpenAlex dates are
    complete.  With ``strict=True`` any problem, even a warning, raises
    :class:`ExtractionError`.
    """
    problems: list[Problem] = []
    papers = list(iter_openalex(path, problems))
    problems = sorted(problems, key=lambda p: p.line)  # stable: one line keeps its order
    if strict and problems:
        raise ExtractionError(problems)
    source = source_info(path, "openalex")
    # Every paper is a validated model already; validating the list again would repeat it.
    return SourceRecords.model_construct(source=source, profile=None, papers=papers, problems=problems)


READER = Reader(format="openalex", kind="openalex",
                extensions=(".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"),
                sniff=_sniff, read=read_openalex,
                description="OpenAlex works: API pages, JSON lists, snapshot JSON Lines (gzip too)")
