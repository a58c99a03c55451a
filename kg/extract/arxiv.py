"""Read arXiv API responses (Atom 1.0 feeds from http://export.arxiv.org/api/query) into records.

Usage::

    from kg.extract.arxiv import read_arxiv
    records = read_arxiv("results.atom")          # SourceRecords; problems in records.problems
    for paper in records.papers:
        print(paper.arxiv_id, paper.arxiv_version, paper.title, paper.categories)

The format, as the arXiv API User's Manual describes it (sections 3.3 and 3.4)::

    <feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
          xmlns:arxiv="http://arxiv.org/schemas/atom">
      <opensearch:totalResults>..</opensearch:totalResults> (startIndex, itemsPerPage)
      <entry>
        <id>http://arxiv.org/abs/2108.09084v6</id>          -> arxiv_id '2108.09084', arxiv_version 6
        <published>2021-08-20T13:44:52Z</published>        -> published (date of version 1)
        <updated>2021-09-05T08:10:34Z</updated>            -> updated (date of this version)
        <title>..</title> <summary>..</summary>            -> title, abstract, abstract_text, links
        <author><name>..</name><arxiv:affiliation>..</arxiv:affiliation>..</author>
        <arxiv:doi>..</arxiv:doi> <arxiv:journal_ref>..</arxiv:journal_ref> <arxiv:comment>..
        <link rel="alternate" ../> <link title="pdf" ../> <link title="doi" ../>
        <arxiv:primary_category term="cs.CL"/> <category term="cs.CL"/> <category term="I.2.7"/>
      </entry>
    </feed>

Choices, and why:

* **Categories** are the primary category, then the ``<category>`` terms in document order,
  deduplicated.  ``<category>`` also carries ACM (``I.2.7``) and MSC (``68T50``) classes, under
  the same scheme attribute; they are not arXiv categories (``Paper.categories`` holds arXiv
  notations only), so terms shaped like them are left out without a report.  A term shaped
  like an arXiv category that :func:`kg.taxonomy.category_for_code` does not know as a full
  notation (obsolete archives such as ``cmp-lg``) is left out with a warning.
* **Dates** are ISO 8601 timestamps, ``-04:00`` in the old API and ``Z`` since 2025; both are
  turned to UTC before the date is taken, so the same submission gets the same date either way
  (arXiv's abstract pages give submission times in UTC).
* **Links** (``links``/``has_code``) are found in the summary and then in ``arxiv:comment``
  ("Code: https://github.com/..." is usually there); the comment itself has no field in the
  model.  The abstract and PDF ``<link>``s are not kept: they follow from ``arxiv_id``.
* **DOIs**: ``arxiv:doi`` (possibly several, space-separated or repeated) and the ``doi``
  link; the first is ``doi``, any other goes to ``urls`` as ``https://doi.org/...``.
  ``journal_ref`` is ``venue`` as written; ``work_type`` is ``"preprint"``.
* **Errors**: the API returns errors as a feed with one entry whose ``<id>`` is
  ``http://arxiv.org/api/errors#...``; that entry is an error Problem, never a paper.
  A page shorter than its ``opensearch`` numbers promise (the API sometimes returns short
  pages) is a warning.

Parsing streams (expat, fed 64 KiB at a time; only the wanted text of the current entry is
kept), so memory stays flat for any file size, and every entry gets the exact line of its start
tag.  Hostile XML is refused: nothing is ever fetched (no DTD, file or URL is opened), entities
are never expanded, and a DOCTYPE that declares one (billion laughs, XXE) rejects the file.
Invalid UTF-8 and control characters are replaced (U+FFFD, space) with a warning naming the
line. A bad entry is reported with its line and skipped; malformed XML stops the reading at
the error line, keeping the entries before it. Nothing raises except :class:`ExtractionError`
(for a file that is not an Atom feed at all, and for any problem with ``strict=True``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from pydantic import ValidationError

from kg.extract.errors import ExtractionError
from kg.extract.ids import arxiv_id_from_doi, clean_space, normalise_doi, split_arxiv_id
from kg.extract.latex import latex_to_text
from kg.extract.links import find_links
from kg.extract.sources import Reader, source_info
from kg.models import Authorship, Link, OrgRef, Paper, Problem, SourceRecords
from kg.taxonomy import category_for_code

ATOM_NS = "http://www.w3.org/2005/Atom"
ARXIV_NS = "http://arxiv.org/schemas/atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"

# expat names elements "namespace local" (ParserCreate(namespace_separator=" ")).
_FEED = f"{ATOM_NS} feed"
_ENTRY = f"{ATOM_NS} entry"
_ID = f"{ATOM_NS} id"
_TITLE = f"{ATOM_NS} title"
_SUMMARY = f"{ATOM_NS} summary"
_PUBLISHED = f"{ATOM_NS} published"
_UPDATED = f"{ATOM_NS} updated"
_AUTHOR = f"{ATOM_NS} author"
_NAME = f"{ATOM_NS} name"
_LINK = f"{ATOM_NS} link"
_CATEGORY = f"{ATOM_NS} category"
_AFFILIATION = f"{ARXIV_NS} affiliation"
_DOI = f"{ARXIV_NS} doi"
_JOURNAL_REF = f"{ARXIV_NS} journal_ref"
_COMMENT = f"{ARXIV_NS} comment"
_PRIMARY = f"{ARXIV_NS} primary_category"
_OPENSEARCH = {f"{OPENSEARCH_NS} {n}": n for n in ("totalResults", "startIndex", "itemsPerPage")}
# Elements an entry has at most once (RFC 4287 4.1.2; arXiv manual 3.3.2.4).
_SINGLE = {_ID: "id", _TITLE: "title", _SUMMARY: "summary", _PUBLISHED: "published",
           _UPDATED: "updated", _JOURNAL_REF: "arxiv:journal_ref", _COMMENT: "arxiv:comment",
           _PRIMARY: "arxiv:primary_category"}

# arXiv notations: archive ('hep-th', 'cond-mat') with an optional subject class ('.CL',
# '.stat-mech').  ACM ('I.2.7', 'H.3.3') and MSC ('68T50') classes start with a capital or digit.
_ARXIV_TERM = re.compile(r"^[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?$")
_XML_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
# The classic API marks DOI links title="doi"; the 2025 one gives rel="related" https://doi.org/ links.
_DOI_LINK = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.IGNORECASE)
# C0 controls that XML 1.0 forbids (tab, newline and carriage return are allowed).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_DELETE = bytes(b for b in range(32) if b not in (9, 10, 13))
_REPLACEMENT = "\ufffd".encode()
READ_SIZE = 1 << 16
# Encoding damage is listed line by line up to this many lines, then summed up.
MAX_LINE_REPORTS = 20
# Text kept per entry (real entries hold a few kB; the longest author lists some 200 kB): a
# bigger one is skipped instead of growing memory without bound.
MAX_ENTRY_CHARS = 4_000_000


@dataclass
class _Problems:
    file: str
    problems: list[Problem]

    def add(self, line: int, message: str, *, warning: bool = False, skipped: bool = False) -> None:
        self.problems.append(Problem(file=self.file, line=line, message=message,
                                     severity="warning" if warning else "error", skipped_block=skipped))


@dataclass
class _RepairingStream:
    """What the parser reads: the file's bytes with invalid UTF-8 and forbidden control bytes replaced.

    XML parsers stop at the first bad byte; one damaged abstract must not cost the rest of a
    large file, so each damaged line is reported (up to :data:`MAX_LINE_REPORTS`) and the
    bytes are replaced by U+FFFD (UTF-8) or a space (controls).  Lengths of lines change but
    not their number, so the parser's line numbers stay right.  A file that declares another
    encoding (or starts with a UTF-16 byte order mark) is passed through untouched.
    """

    raw: IO[bytes]
    report: _Problems
    line: int = 1            # line number at the start of the next chunk handed to the parser
    size: int = 0            # bytes read so far
    pending: bytes = b""     # an incomplete UTF-8 sequence at the end of the last chunk
    first: bool = True
    repair: bool = True
    counts: dict[str, int] = field(default_factory=lambda: {"utf8": 0, "control": 0})
    last_line: dict[str, int] = field(default_factory=lambda: {"utf8": 0, "control": 0})

    def read(self, size: int = -1) -> bytes:
        while True:
            data = self.raw.read(size if size and size > 0 else READ_SIZE)
            final = not data
            self.size += len(data)
            chunk = self.pending + data
            self.pending = b""
            if self.first and chunk:
                self._head(chunk)
            if self.repair and chunk:
                chunk = self._fix(chunk, final)
            if chunk or final:
                self.line += chunk.count(b"\n")
                return chunk

    def _head(self, chunk: bytes) -> None:
        self.first = False
        if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.repair = False
        elif m := _XML_DECL_ENCODING.match(chunk.removeprefix(b"\xef\xbb\xbf")):
            self.repair = m.group(1).lower() in (b"utf-8", b"utf8")

    def _note(self, kind: str, chunk: bytes, pos: int, message: str) -> None:
        line = self.line + chunk.count(b"\n", 0, pos)
        if line == self.last_line[kind]:
            return
        self.last_line[kind] = line
        self.counts[kind] += 1
        if self.counts[kind] <= MAX_LINE_REPORTS:
            self.report.add(line, message, warning=True)

    def _fix(self, chunk: bytes, final: bool) -> bytes:
        if len(chunk.translate(None, _CONTROL_DELETE)) != len(chunk):
            for m in _CONTROL_BYTES.finditer(chunk):
                self._note("control", chunk, m.start(), f"control character U+{chunk[m.start()]:04X} "
                           "(not allowed in XML) read as a space")
            chunk = _CONTROL_BYTES.sub(b" ", chunk)
        view = memoryview(chunk)
        out: list[bytes] = []
        pos = 0
        while pos < len(chunk):
            try:
                _, used = codecs.utf_8_decode(view[pos:], "strict", final)
            except UnicodeDecodeError as e:
                out.append(chunk[pos : pos + e.start])
                out.append(_REPLACEMENT)
                self._note("utf8", chunk, pos + e.start, "invalid UTF-8 read as U+FFFD (\ufffd)")
                pos += e.end
                continue
            out.append(chunk[pos : pos + used])
            self.pending = chunk[pos + used :]
            break
        return out[0] if len(out) == 1 else b"".join(out)

    def summary(self) -> None:
        """Report how many damaged lines were not listed one by one."""
        for kind, what in (("utf8", "invalid UTF-8"), ("control", "control characters")):
            if (extra := self.counts[kind] - MAX_LINE_REPORTS) > 0:
                self.report.add(self.last_line[kind], f"{extra} more lines with {what} (replaced) are "
                                "not listed one by one", warning=True)


class _Refused(Exception):
    """Raised from an expat handler to stop reading a file that is refused as a whole."""


@dataclass(slots=True)
class _RawEntry:
    """What one ``<entry>`` holds, collected from parse events (no tree is ever built)."""

    line: int
    record: int
    single: dict[str, str] = field(default_factory=dict)   # element -> text (term for primary)
    repeated: list[str] = field(default_factory=list)      # single elements given more than once
    authors: list[list[Any]] = field(default_factory=list)  # [name, [affiliations], line]
    terms: list[str] = field(default_factory=list)
    dois: list[tuple[str, int]] = field(default_factory=list)
    doi_links: list[tuple[str, int]] = field(default_factory=list)
    budget: int = 0                                         # characters it may still collect


class _Collector:
    """expat handlers that gather entries into :class:`_RawEntry` records as the bytes stream by.

    expat (the parser behind :mod:`xml.etree`) is used directly for two reasons: it gives the
    exact line of every start tag (libxml2, behind lxml, stores element lines in 16 bits and is
    off by one or stuck at 65535 past line 65,535, so lines in a large file would be wrong), and
    nothing but the wanted text is ever kept, so memory is flat without clearing a tree.

    Security: expat performs no I/O of its own and no external-entity handler is installed, so
    no DTD, file or URL is ever opened; parameter entities are not parsed; and any ENTITY
    declaration refuses the file (the defusedxml rule), so no entity is ever expanded.
    """

    def __init__(self, reader: _FeedReader) -> None:
        self.reader = reader
        p = expat.ParserCreate(namespace_separator=" ")
        p.buffer_text = True
        p.buffer_size = READ_SIZE
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.chars
        p.StartDoctypeDeclHandler = self.doctype
        p.EndDoctypeDeclHandler = self.doctype_end
        p.EntityDeclHandler = self.entity
        p.SkippedEntityHandler = self.skipped_entity
        self.parser = p
        self.depth = 0
        self.entry: _RawEntry | None = None
        self.author: list[Any] | None = None
        self.done: list[_RawEntry] = []
        self.text: list[str] | None = None    # the text being collected, if any
        self.text_depth = 0
        self.text_kind: tuple[str, str, int] = ("", "", 0)
        self.doctype_line = 0
        self.feed_budget = 1 << 16            # for the feed's own opensearch numbers

    def line(self) -> int:
        return self.parser.CurrentLineNumber

    def collect(self, kind: str, tag: str) -> None:
        self.text = []
        self.text_depth = self.depth
        self.text_kind = (kind, tag, self.line())

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        depth = self.depth
        if self.text is not None:
            return  # markup inside a text element (an XHTML title): its text is part of the text
        if depth == 1:
            self.reader.root(tag, self.line())
        elif depth == 2:
            if tag == _ENTRY:
                self.entry = _RawEntry(line=self.line(), record=self.reader.entries + len(self.done) + 1,
                                       budget=MAX_ENTRY_CHARS)
            elif tag in _OPENSEARCH:
                self.collect("opensearch", tag)
        elif (e := self.entry) is None:
            return
        elif depth == 3:
            if tag in _SINGLE:
                if tag == _PRIMARY:
                    self.single(tag, attrs.get("term", ""))
                else:
                    self.collect("single", tag)
            elif tag == _AUTHOR:
                self.author = ["", [], self.line()]
                e.authors.append(self.author)
            elif tag == _CATEGORY:
                e.terms.append(attrs.get("term", "").strip())
            elif tag == _DOI:
                self.collect("doi", tag)
            elif tag == _LINK and (href := attrs.get("href", "")) and (
                    attrs.get("title") == "doi" or _DOI_LINK.match(href)):
                e.doi_links.append((href, self.line()))
        elif depth == 4 and self.author is not None:
            if tag == _NAME and not self.author[0]:
                self.collect("name", tag)
            elif tag == _AFFILIATION:
                self.collect("affiliation", tag)

    def single(self, tag: str, value: str) -> None:
        assert self.entry is not None
        if tag in self.entry.single:
            self.entry.repeated.append(_SINGLE[tag])
        else:
            self.entry.single[tag] = value

    def end(self, tag: str) -> None:
        depth = self.depth
        self.depth -= 1
        if self.text is not None:
            if depth != self.text_depth:
                return
            text, self.text = "".join(self.text), None
            kind, tag, line = self.text_kind
            if kind == "opensearch":
                self.reader.opensearch_value(_OPENSEARCH[tag], text, line)
            elif self.entry is None:
                return
            elif kind == "single":
                self.single(tag, text)
            elif kind == "doi":
                self.entry.dois.extend((d, line) for d in text.split())
            elif self.author is not None:
                if kind == "name":
                    self.author[0] = text
                else:
                    self.author[1].append(text)
        elif depth == 3 and tag == _AUTHOR:
            self.author = None
        elif depth == 2 and tag == _ENTRY and self.entry is not None:
            self.done.append(self.entry)
            self.entry = None

    def chars(self, data: str) -> None:
        if self.text is None:
            return
        if self.entry is not None:
            self.entry.budget -= len(data)
            if self.entry.budget < 0:
                return  # an oversized entry: skipped when it ends
        else:
            self.feed_budget -= len(data)
            if self.feed_budget < 0:
                return
        self.text.append(data)

    def doctype(self, name: str, system_id: str | None, public_id: str | None, internal: int) -> None:
        self.doctype_line = self.line()

    def doctype_end(self) -> None:
        self.reader.report.add(self.doctype_line, "a DOCTYPE is not part of the arXiv API format; it was "
                               "not loaded", warning=True)

    def entity(self, name: str, is_parameter: int, *_: Any) -> None:
        kind = "parameter entity" if is_parameter else "entity"
        self.reader.fail(self.line(), f"the DOCTYPE (line {self.doctype_line}) declares the {kind} {name!r}; "
                         "the arXiv API never sends a DOCTYPE, and entity declarations can expand without "
                         "bound or read local files, so the file is refused")
        raise _Refused

    def skipped_entity(self, name: str, is_parameter: int) -> None:
        self.reader.report.add(self.line(), f"entity reference &{name}; left out (entities are never "
                               "expanded)", warning=True)


def _date(text: str) -> dt.date:
    """The UTC date of an ISO 8601 timestamp (``2021-08-20T13:44:52Z``, ``...-04:00``) or date."""
    s = text.strip()
    if len(s) == 10:
        return dt.date.fromisoformat(s)
    stamp = dt.datetime.fromisoformat(s)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC)
    return stamp.date()


@lru_cache(maxsize=4096)
def _is_known_category(term: str) -> bool:
    cat = category_for_code(term)
    return cat is not None and cat.notation == term  # short profile codes ('IR') are no terms


@lru_cache(maxsize=4096)  # bounded: a few MB at most, whatever the file size
def _authorship(name: str, position: int, affiliations: tuple[str, ...]) -> Authorship:
    """Authorships are frozen; the same person at the same place recurs across a feed."""
    return Authorship(name=name, position=position, affiliations=[OrgRef(name=a) for a in affiliations])


def _errors(e: ValidationError) -> str:
    return "; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())


class _FeedReader:
    """One pass over one file; ``root_seen`` tells a non-feed (fatal) from a damaged feed."""

    def __init__(self, path: str | Path, problems: list[Problem]) -> None:
        self.path = Path(path)
        self.report = _Problems(str(path), problems)
        self.root_seen = False
        self.fatal = False
        self.entries = 0
        self.error_entry = False
        self.opensearch: dict[str, int] = {}

    def fail(self, line: int, message: str) -> None:
        self.fatal = True
        self.report.add(line, message)

    def papers(self) -> Iterator[Paper]:
        try:
            f = self.path.open("rb")
        except OSError as e:
            self.fail(0, f"cannot read the file: {e.strerror}")
            return
        with f:
            stream = _RepairingStream(f, self.report)
            yield from self._parse(stream)
            stream.summary()

    def _parse(self, stream: _RepairingStream) -> Iterator[Paper]:
        collector = _Collector(self)
        parse = collector.parser.Parse
        at_end = False
        try:
            while chunk := stream.read(READ_SIZE):
                parse(chunk, False)
                yield from self._drain(collector)
            at_end = True
            parse(b"", True)
        except _Refused:
            return
        except expat.ExpatError as e:
            yield from self._drain(collector)  # the entries completed before the error
            line, message = e.lineno, expat.ErrorString(e.code)
            if at_end and self.root_seen:
                message = "the file ends before the feed is closed (is it truncated?)"
            else:
                message = f"{message} (column {e.offset + 1})"
            if not self.root_seen:
                self.fail(*((line, f"not well-formed XML: {message}") if stream.size
                            else (0, "the file is empty")))
                return
            cut = collector.entry
            lost = f"; the entry starting at line {cut.line} is incomplete and skipped" if cut else ""
            self.report.add(line, f"malformed XML: {message}; reading stopped here "
                            f"({self.entries} entries before it were read){lost}", skipped=cut is not None)
            return
        except OSError as e:
            yield from self._drain(collector)
            self.report.add(stream.line, f"reading failed: {e.strerror or e}; the entries before are kept")
            return
        yield from self._drain(collector)
        self._check_count()

    def _drain(self, collector: _Collector) -> Iterator[Paper]:
        done, collector.done = collector.done, []
        for raw in done:
            self.entries += 1
            paper = self._entry(raw)
            if paper is not None:
                yield paper

    def root(self, tag: str, line: int) -> None:
        """The root element's start: anything but an Atom ``<feed>`` stops the reading."""
        if tag != _FEED:
            shown = "{{{}}}{}".format(*tag.split(" ", 1)) if " " in tag else tag
            self.fail(line, f"not an Atom feed: the root element is {shown!r}, not {{{ATOM_NS}}}feed")
            raise _Refused
        self.root_seen = True

    def opensearch_value(self, name: str, text: str, line: int) -> None:
        try:
            self.opensearch[name] = int(text.strip())
        except ValueError:
            self.report.add(line, f"opensearch:{name} {text.strip()[:40]!r} is not a number; ignored",
                            warning=True)

    def _check_count(self) -> None:
        """A page shorter than the feed says: arXiv sometimes answers with fewer entries."""
        total, start, per_page = (self.opensearch.get(k) for k in ("totalResults", "startIndex",
                                                                    "itemsPerPage"))
        if self.error_entry or total is None:
            return
        expected = max(0, total - (start or 0))
        if per_page is not None:
            expected = min(expected, per_page)
        if self.entries != expected:
            where = f" from index {start}" if start else ""
            page = f" at {per_page} per page" if per_page is not None else ""
            self.report.add(0, f"the feed has {self.entries} entries but its opensearch numbers "
                            f"({total} results{where}{page}) promise {expected}; the arXiv API sometimes "
                            "returns short pages, so this one may be incomplete", warning=True)

    def _entry(self, raw: _RawEntry) -> Paper | None:
        """One ``<entry>`` into a Paper; ``None`` (with a problem) when it cannot be one."""
        line, record, single = raw.line, raw.record, raw.single
        what = f"entry {record}"

        def skip(message: str) -> None:
            self.report.add(line, f"{what}: {message}; entry skipped", skipped=True)

        warnings: list[str] = [f"more than one <{label}>; the first is used" for label in raw.repeated]

        def warn(message: str) -> None:  # reported only when the entry is kept: a skip says enough
            warnings.append(message)

        if raw.budget < 0:
            skip(f"it holds more than {MAX_ENTRY_CHARS:,} characters of text")
            return None
        authors = [(clean_space(name), tuple(dict.fromkeys(a for a in map(clean_space, affiliations) if a)),
                    author_line) for name, affiliations, author_line in raw.authors]
        raw_id = clean_space(single.get(_ID, ""))
        if not raw_id:
            skip("no <id>")
            return None
        if "arxiv.org/api/errors" in raw_id:
            self.error_entry = True
            message = clean_space(single.get(_SUMMARY, "")) or "no message"
            self.report.add(line, f"the arXiv API returned an error instead of results: {message} "
                            f"({raw_id})")
            return None
        parts = split_arxiv_id(raw_id)
        if parts is None:
            skip(f"<id> {raw_id[:80]!r} is not an arXiv abstract URL")
            return None
        arxiv_id, version = parts
        what = f"entry {record} ({arxiv_id})"
        title = latex_to_text(clean_space(single.get(_TITLE, "")))
        if not title:
            skip("no <title>")
            return None
        if not authors:
            skip("no <author>")
            return None
        authorships: list[Authorship] = []
        keys: dict[str, int] = {}
        for k, (name, affiliations, author_line) in enumerate(authors, start=1):
            try:
                authorship = _authorship(name, k, affiliations)
            except ValidationError:
                skip(f"author {k} (line {author_line}) has no <name>")
                return None
            if (first := keys.get(authorship.name_key)) is not None:
                skip(f"author {k} {name!r} (line {author_line}) is author {first} "
                     f"{authors[first - 1][0]!r} again")
                return None
            keys[authorship.name_key] = k
            authorships.append(authorship)
        dates: dict[str, dt.date | None] = {}
        for tag, label in ((_PUBLISHED, "published"), (_UPDATED, "updated")):
            text = clean_space(single.get(tag, ""))
            if not text:
                dates[label] = None
                continue
            try:
                dates[label] = _date(text)
            except ValueError:
                if tag == _PUBLISHED:
                    skip(f"<published> {text[:40]!r} is not an ISO 8601 date")
                    return None
                warn(f"<updated> {text[:40]!r} is not an ISO 8601 date; left out")
                dates[label] = None
        published, updated = dates["published"], dates["updated"]
        if published is None:
            skip("no <published> date")
            return None
        if updated is None and not single.get(_UPDATED, "").strip():
            warn("no <updated> date")
        if updated is not None and updated < published:
            warn(f"<updated> {updated} is before <published> {published}; both kept")
        abstract = clean_space(single.get(_SUMMARY, ""))
        if not abstract:
            warn("no <summary> (abstract)")
        comment = clean_space(single.get(_COMMENT, ""))
        links: list[Link] = find_links(abstract)
        if comment:
            seen = {link.url for link in links}
            links += [link for link in find_links(comment) if link.url not in seen]
        doi, urls = self._dois(raw.dois, raw.doi_links, arxiv_id, warn)
        venue = clean_space(single.get(_JOURNAL_REF, "")) or None
        try:
            paper = Paper(
                title=title, categories=self._categories(single.get(_PRIMARY, "").strip(), raw.terms, warn),
                published=published, updated=updated, has_code=any(k.kind == "repository" for k in links),
                authors=authorships,
                author_list_truncated=False, abstract=abstract, abstract_text=latex_to_text(abstract),
                links=links, arxiv_id=arxiv_id, arxiv_version=version, doi=doi, venue=venue,
                work_type="preprint", urls=urls, source_line=line or None, record=record,
            )
        except ValidationError as e:
            skip(_errors(e))
            return None
        for message in warnings:
            self.report.add(line, f"{what}: {message}", warning=True)
        return paper

    @staticmethod
    def _categories(primary: str, terms: list[str], warn: Callable[[str], None]) -> list[str]:
        out: dict[str, None] = {}
        unknown: set[str] = set()
        for term in ([primary] if primary else []) + terms:
            if not term or term in out or term in unknown:
                continue
            if _is_known_category(term):
                out[term] = None
            elif _ARXIV_TERM.match(term):
                unknown.add(term)
                warn(f"unknown arXiv category {term!r} left out (not in the taxonomy)")
            # else: an ACM or MSC class, not an arXiv category (see the module docstring)
        return list(out)

    @staticmethod
    def _dois(dois: list[tuple[str, int]], doi_links: list[tuple[str, int]], arxiv_id: str,
              warn: Callable[[str], None]) -> tuple[str | None, list[str]]:
        found: dict[str, None] = {}
        for text, where in dois + [(href, line) for href, line in doi_links]:
            d = normalise_doi(text)
            if d is None:
                warn(f"{text[:60]!r} (line {where}) is not a DOI; left out")
                continue
            if (other := arxiv_id_from_doi(d)) is not None:
                if other != arxiv_id:
                    warn(f"DOI {d} names another arXiv paper ({other}); left out")
                continue
            found.setdefault(d, None)
        ordered = list(found)
        return (ordered[0] if ordered else None), [f"https://doi.org/{d}" for d in ordered[1:]]


def iter_arxiv(path: str | Path, problems: list[Problem]) -> Iterator[Paper]:
    """The papers of an arXiv API feed, one at a time, appending problems as they are found.

    Memory stays flat whatever the file size: each entry is dropped once it is read.
    """
    yield from _FeedReader(path, problems).papers()


def read_arxiv(path: str | Path, *, strict: bool = False, as_of: dt.date | None = None) -> SourceRecords:
    """Read an arXiv API feed into records.

    ``as_of`` is accepted for the reader contract and unused (arXiv gives full dates).  Raises
    :class:`ExtractionError` when the file cannot be read or is no Atom feed at all, and, with
    ``strict=True``, on any problem (warnings too).
    """
    problems: list[Problem] = []
    reader = _FeedReader(path, problems)
    papers = list(reader.papers())
    problems.sort(key=lambda p: p.line)  # stable: problems of one line keep their order
    if reader.fatal or not reader.root_seen or (strict and problems):
        raise ExtractionError(problems)
    # Papers are validated models already; validating the list again would redo every check.
    return SourceRecords.model_construct(source=source_info(path, "arxiv-atom"), profile=None,
                                         papers=papers, problems=problems)


_SNIFF_FEED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?feed\b[^>]*?=\s*[\"']http://www\.w3\.org/2005/Atom[\"']")
_SNIFF_ARXIV = (b"http://arxiv.org/schemas/atom", b"arxiv.org/abs/", b"arxiv.org/api/")


def _sniff(head: bytes) -> bool:
    """An Atom ``<feed>`` (any prefix, any attribute order) that mentions arXiv's namespace or URLs.

    The empty result feed of the old API declares only the Atom namespace, but its ``<id>`` and
    ``<link>`` are arXiv API URLs, so those count too.
    """
    return _SNIFF_FEED.search(head) is not None and any(mark in head for mark in _SNIFF_ARXIV)


READER = Reader(format="arxiv", kind="arxiv-atom", extensions=(".atom",), sniff=_sniff, read=read_arxiv,
                description="arXiv API query results (Atom 1.0 feeds from export.arxiv.org/api/query)")
