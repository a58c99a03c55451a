"""Read plain-text copies of researcher profile pages (scholarfeed-style) into records.

The page layout, confirmed against ``examples/profiles/chuhan-wu.txt``::

    Chuhan Wu                      <- owner

    IR                             <- primary category
    h-index46 / 77papers / 14,304citations / Novelty50% / AI Score61

    77 Papers

    LGIRJun 9, 2023Code            <- codes fused to a date, optionally to "Code"
    Title on the very next line

    Ann Author, Bob Author, Chuhan Wu et al. · tencent-ai

    Abstract on one line.

A damaged block is reported as ``file:line: problem`` and skipped; every other block is
still read.  Blocks are cut at their first lines only, so damage elsewhere (a garbled
neighbour, stray text, a lost blank line) never costs an intact paper: stray text is reported
as one skipped block of its own.  Encoding damage (invalid UTF-8, BOM, CRLF, tabs, control
characters) is reported at its line; only an empty or binary file, or a page without its
owner's name, is unreadable as a whole.  Nothing raises except :class:`ExtractionError`
(for those, and for any problem in ``strict`` mode).  :mod:`kg.extract.writer` renders
records back into this format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from kg.extract.errors import ExtractionError
from kg.extract.latex import latex_to_text
from kg.extract.links import find_links
from kg.extract.sources import Reader
from kg.models import Authorship, Link, Paper, Problem, Profile, ProfileRecords, SourceInfo
from kg.names import name_key
from kg.taxonomy import category_for_code

MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}
# Full month names (and "Sept") are read too: a page copied from another layout may spell them.
_FULL_MONTHS = {name: k for k, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)} | {"Sept": 9}

# Anything shaped like a block's first line starts a block, so a bad month or day is
# reported on that block instead of gluing the block onto the previous one.  White space in
# the date may be any (a browser copy can give no-break spaces).
BLOCK_START = re.compile(
    r"^(?P<codes>(?:[A-Z]{2})+)(?P<month>[A-Z][a-z]{2,8})\.?\s?(?P<day>\d{1,2})"
    r"(?:,\s?(?P<year>\d{4}))?(?P<code>Code)?$"
)
_HEADER_PATTERNS: dict[str, re.Pattern[str]] = {
    "h_index": re.compile(r"^h-index\s*(\d[\d,]*)$"),
    "papers_stated": re.compile(r"^(\d[\d,]*)\s*papers$"),
    "citations": re.compile(r"^(\d[\d,]*)\s*citations$"),
    "novelty_pct": re.compile(r"^Novelty\s*(\d[\d,]*)%$"),
    "ai_score": re.compile(r"^AI Score\s*(\d[\d,]*)$"),
}
_PAPERS_HEADING = re.compile(r"^(\d[\d,]*) Papers$")
_CATEGORY_LINE = re.compile(r"^[A-Z]{2}$")
_ET_AL = re.compile(r",?\s+et al\.?$")
_SENTENCE_END = re.compile(r"[.!?)\]\"'”’]$")
_ORG_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
ORG_SEPARATOR = " · "
# C0/C1 controls other than tab and newline (which have their own handling) never belong in
# a page's text; bytes of them mark a binary file.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
# Real names are a few words; a longer "name" means the author line is missing or garbled.
MAX_NAME_WORDS = 10
MAX_NAME_CHARS = 100


@dataclass
class _Line:
    number: int
    text: str
    unreadable: bool = False


@dataclass
class _Reader:
    file: str
    as_of: dt.date
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, message: str, *, warning: bool = False, skipped: bool = False) -> None:
        self.problems.append(Problem(file=self.file, line=line, message=message,
                                     severity="warning" if warning else "error",
                                     skipped_block=skipped))


def _is_binary(data: bytes) -> int:
    """How many control bytes mark ``data`` as binary (0 when it reads as text).

    One stray NUL in a long page is a damaged line, not a binary file: only a share of
    control bytes above 1% (images, archives, executables) rejects the whole file.
    """
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls if controls > max(1, len(data) // 100) else 0


def _decode(data: bytes, reader: _Reader) -> list[_Line] | None:
    """Split bytes into lines, reporting encoding damage line by line."""
    if not data.strip():
        reader.problem(0, "the file is empty", skipped=False)
        return None
    if controls := _is_binary(data):
        reader.problem(0, f"this is a binary file ({controls} control bytes such as NUL), "
                       "not a text profile page")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        reader.problem(1, "byte order mark (BOM) at the start of the file ignored", warning=True)
    lines: list[_Line] = []
    crlf_reported = False
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
            if not crlf_reported:
                reader.problem(number, "Windows line endings (CRLF) read as plain newlines", warning=True)
                crlf_reported = True
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            reader.problem(number, f"invalid UTF-8 at byte {e.start} of the line; the line is unreadable")
            text = raw.decode("utf-8", errors="replace")
            lines.append(_Line(number, text.strip(), unreadable=True))
            continue
        if "\t" in text:
            reader.problem(number, "tab characters read as spaces", warning=True)
            text = text.replace("\t", " ")
        if _CONTROL_CHARS.search(text):
            reader.problem(number, "control characters (" + ", ".join(
                sorted({f"U+{ord(c):04X}" for c in _CONTROL_CHARS.findall(text)})) + ") read as spaces",
                warning=True)
            text = _CONTROL_CHARS.sub(" ", text)
        lines.append(_Line(number, text.strip()))
    return lines


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _read_header(lines: list[_Line], reader: _Reader) -> tuple[dict[str, object], dict[str, int], int]:
    """Read the header; returns its fields, the line of each, and the index of the first block line."""
    fields: dict[str, object] = {}
    where: dict[str, int] = {}
    i = 0
    while i < len(lines) and not lines[i].text:
        i += 1
    if i == len(lines) or BLOCK_START.match(lines[i].text):
        reader.problem(lines[i].number if i < len(lines) else 0,
                       "the profile owner's name is missing from the top of the page")
        return fields, where, i
    if lines[i].unreadable:
        reader.problem(lines[i].number, "the profile owner's name is unreadable")
    else:
        fields["name"] = lines[i].text
    i += 1
    while i < len(lines) and not BLOCK_START.match(lines[i].text):
        line = lines[i]
        i += 1
        if not line.text or line.unreadable:
            continue
        if _CATEGORY_LINE.match(line.text) and "primary_category" not in fields:
            fields["primary_category"], where["primary_category"] = line.text, line.number
            continue
        if m := _PAPERS_HEADING.match(line.text):
            fields["papers_heading"], where["papers_heading"] = _number(m.group(1)), line.number
            break  # the header ends with the "77 Papers" heading; text after it is blocks
        for key, pattern in _HEADER_PATTERNS.items():
            if m := pattern.match(line.text):
                if key in fields:
                    reader.problem(line.number, f"{line.text!r} repeats a header line (line "
                                   f"{where[key]}); the first is kept", warning=True)
                else:
                    fields[key], where[key] = _number(m.group(1)), line.number
                break
        else:
            reader.problem(line.number, f"unrecognised header line ignored: {line.text[:80]!r}",
                           warning=True)
    return fields, where, i


def resolve_date(month: int, day: int, year: int | None, as_of: dt.date) -> tuple[dt.date, bool]:
    """The date of a block; a year-less date is the latest such day on or before ``as_of``.

    >>> resolve_date(5, 29, None, dt.date(2026, 11, 26))
    (datetime.date(2026, 5, 29), True)
    >>> resolve_date(12, 28, None, dt.date(2026, 11, 26))
    (datetime.date(2025, 12, 28), True)
    """
    if year is not None:
        return dt.date(year, month, day), False
    for candidate_year in range(as_of.year, as_of.year - 9, -1):  # Feb 29 may be 8 years back
        try:
            candidate = dt.date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate <= as_of:
            return candidate, True
    raise ValueError(f"no {month:02d}-{day:02d} on or before {as_of}")


def _split_authors(text: str) -> tuple[list[str], bool, str | None]:
    org = None
    if ORG_SEPARATOR in text:
        text, org = text.rsplit(ORG_SEPARATOR, 1)
        org = org.strip()
    elif text.endswith(ORG_SEPARATOR.rstrip()):  # " ·" with nothing after it (line was stripped)
        text, org = text[: -len(ORG_SEPARATOR.rstrip())], ""
    truncated = bool(_ET_AL.search(text))
    if truncated:
        text = _ET_AL.sub("", text)
    names = [n.strip() for n in text.split(", ")]
    return names, truncated, org


def _stray(lines: list[_Line], reader: _Reader, after: str) -> None:
    """Report non-blank lines that belong to no paper block as one skipped block."""
    text = [ln for ln in lines if ln.text]
    if not text:
        return
    first, last = text[0].number, text[-1].number
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    reader.problem(first, f"{where} {after}: not part of any paper (no category/date line such as "
                   f"'IRJun 9, 2023' starts them); {len(text)} non-blank line(s) skipped as an "
                   f"unreadable block: {text[0].text[:60]!r}", skipped=True)


@lru_cache(maxsize=1 << 16)
def _authorship(name: str, position: int) -> Authorship:
    """Authorships are frozen, and the same person at the same place recurs across a page."""
    return Authorship(name=name, position=position)


def _read_block(block: list[_Line], owner: str | None, reader: _Reader) -> Paper | None:
    """Read one block (its first line matches :data:`BLOCK_START`); ``None`` when skipped.

    Only the lines a paper is read from decide whether it is read: damage in lines after
    its abstract (a garbled next block) is reported on its own and never costs this paper.
    """
    head = block[0]
    start = head.number

    def skip(line: int, message: str) -> None:
        reader.problem(line, message, skipped=True)

    nonblank = [k for k in range(2, len(block)) if block[k].text]
    if len(nonblank) > 2:
        _stray(block[nonblank[2]:], reader, f"after the abstract of the paper at line {start}")
    m = BLOCK_START.match(head.text)
    assert m is not None
    month = MONTHS.get(m["month"]) or _FULL_MONTHS.get(m["month"])
    if month is None:
        skip(start, f"unknown month {m['month']!r} in {head.text!r}; paper block skipped")
        return None
    codes = [m["codes"][k : k + 2] for k in range(0, len(m["codes"]), 2)]
    try:
        published, inferred = resolve_date(month, int(m["day"]),
                                           int(m["year"]) if m["year"] else None, reader.as_of)
    except ValueError as e:
        skip(start, f"invalid date in {head.text!r} ({e}); paper block skipped")
        return None
    if len(block) < 2 or not block[1].text:
        skip(start, "missing title: the line after the category/date line is blank or absent; "
             "paper block skipped")
        return None
    if block[1].unreadable:
        skip(block[1].number, f"unreadable title line; paper block starting at line {start} skipped")
        return None
    title = block[1].text
    if not nonblank:
        skip(start, f"missing author line after the title {title[:60]!r}; paper block skipped")
        return None
    author_line = block[nonblank[0]]
    if author_line.unreadable:
        skip(author_line.number, f"unreadable author line; paper block starting at line {start} skipped")
        return None
    for k, previous in zip(nonblank[:2], (1, nonblank[0]), strict=False):
        if k - previous > 2:
            reader.problem(block[previous].number + 1, f"{k - previous - 1} blank lines where the page "
                           "has one; read as one", warning=True)
    if nonblank[0] == 2:
        reader.problem(author_line.number, "no blank line between the title and the author line",
                       warning=True)
    names, truncated, org = _split_authors(author_line.text)
    if any(not n for n in names):
        skip(author_line.number, f"empty name in author line {author_line.text[:80]!r}; paper block skipped")
        return None
    long = next((n for n in names if len(n.split()) > MAX_NAME_WORDS or len(n) > MAX_NAME_CHARS), None)
    if long is not None:
        skip(author_line.number, f"the line after the title does not look like a list of names "
             f"({long[:40]!r}... is {len(long.split())} words long); is the author line missing? "
             f"paper block starting at line {start} skipped")
        return None
    if org == "":
        reader.problem(author_line.number, "empty organisation tag after ' · ' ignored", warning=True)
        org = None
    if org is not None and not _ORG_SLUG.match(org):
        reader.problem(author_line.number, f"organisation tag {org!r} is not a slug; kept as written",
                       warning=True)
    if truncated and len(names) != 3:
        reader.problem(author_line.number,
                       f"truncated author list shows {len(names)} names (pages show 3)", warning=True)
    abstract = ""
    if len(nonblank) >= 2:
        abstract_line = block[nonblank[1]]
        if abstract_line.unreadable:
            skip(abstract_line.number, f"unreadable abstract line; paper block starting at line {start} "
                 "skipped")
            return None
        abstract = abstract_line.text
    else:
        reader.problem(author_line.number, "no abstract after the author line", warning=True)
    for code in codes:
        if category_for_code(code) is None:
            reader.problem(start, f"unknown category code {code!r} kept as written", warning=True)
    authors = [_authorship(n, k) for k, n in enumerate(names, start=1)]
    if owner is not None and name_key(owner) not in {a.name_key for a in authors}:
        if not truncated:
            reader.problem(author_line.number, f"profile owner {owner!r} is not in this complete "
                           "author list; recorded as an inferred author", warning=True)
        authors.append(Authorship(name=owner, position=None, inferred=True))
    links: list[Link] = find_links(abstract)
    try:
        return Paper(
            title=title, categories=codes, published=published, year_inferred=inferred,
            has_code=m["code"] is not None, org=org, authors=authors,
            author_list_truncated=truncated, abstract=abstract,
            abstract_text=latex_to_text(abstract), links=links, source_line=start,
        )
    except ValidationError as e:
        reasons = "; ".join(err["msg"] for err in e.errors())
        skip(start, f"paper block skipped: {reasons}")
        return None


def _profile(header: dict[str, object], where: dict[str, int], known: dict[str, object],
             reader: _Reader) -> Profile:
    """The profile; an out-of-range metric (``Novelty150%``) is reported and dropped, not fatal."""
    fields = {k: header.get(k) for k in ("primary_category", "h_index", "citations", "novelty_pct",
                                          "ai_score")} | known
    while True:
        try:
            return Profile(**fields)
        except ValidationError as e:
            bad = {str(err["loc"][0]) for err in e.errors() if err["loc"]}
            droppable = bad & (set(fields) - {"name", "papers_listed", "as_of"})
            if not droppable:
                reader.problem(0, "profile header is invalid: " + "; ".join(err["msg"] for err in e.errors()))
                raise ExtractionError(reader.problems) from None
            for key in sorted(droppable):
                msg = next(err["msg"] for err in e.errors() if err["loc"] and err["loc"][0] == key)
                reader.problem(where.get(key, where.get("papers_heading", 0)),
                               f"header value {key}={fields[key]!r} is invalid ({msg}); left out")
                fields[key] = None


def parse_profile(data: bytes | str, *, as_of: dt.date | None = None, file: str = "<string>",
                  strict: bool = False) -> ProfileRecords:
    """Parse the text of a profile page.

    >>> recs = parse_profile(Path("examples/profiles/chuhan-wu.txt").read_bytes(),
    ...                      as_of=dt.date(2026, 11, 26))  # doctest: +SKIP
    >>> len(recs.papers)  # doctest: +SKIP
    50
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    as_of = as_of or dt.date.today()
    reader = _Reader(file=file, as_of=as_of)
    lines = _decode(raw, reader)
    source = SourceInfo(path=file, name=Path(file).name or file,
                        sha256=hashlib.sha256(raw).hexdigest())
    if lines is None:
        raise ExtractionError(reader.problems)
    header, header_lines, i = _read_header(lines, reader)
    owner = header.get("name")
    starts = [k for k in range(i, len(lines)) if BLOCK_START.match(lines[k].text)]
    _stray(lines[i : starts[0] if starts else len(lines)], reader, "after the header")
    papers: list[Paper] = []
    seen_titles: dict[str, int] = {}
    for n, k in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        paper = _read_block(lines[k:end], owner if isinstance(owner, str) else None, reader)
        if paper is None:
            continue
        if paper.title_key in seen_titles:
            reader.problem(lines[k].number, f"the same title as the paper at line "
                           f"{seen_titles[paper.title_key]}; both kept", warning=True)
        seen_titles.setdefault(paper.title_key, lines[k].number)
        papers.append(paper)
    if not starts:
        reader.problem(lines[-1].number if lines else 0, "no paper blocks found", warning=True)
    elif not raw.endswith(b"\n") and papers and papers[-1].source_line == lines[starts[-1]].number:
        last = lines[-1]
        if last.text and papers[-1].abstract == last.text and not _SENTENCE_END.search(last.text):
            reader.problem(last.number, "the file ends mid-sentence without a final newline; it may be "
                           "truncated (the last abstract is kept as it is)", warning=True)
    stated_heading = header.get("papers_heading")
    stated = header.get("papers_stated", stated_heading)
    if isinstance(stated_heading, int) and isinstance(stated, int) and stated_heading != stated:
        reader.problem(header_lines["papers_heading"], f"the heading says {stated_heading} papers but "
                       f"the header states {stated} (line {header_lines['papers_stated']})", warning=True)
    if not isinstance(owner, str):
        raise ExtractionError(reader.problems)
    profile = _profile(header, header_lines, {"name": owner, "papers_stated": stated,
                                              "papers_listed": len(papers), "as_of": as_of}, reader)
    problems = sorted(reader.problems, key=lambda p: p.line)  # stable: same line keeps its order
    if strict and problems:
        raise ExtractionError(problems)
    # Every part is already a validated model; validating the list again would re-run each
    # paper's checks (a third of the parse time on large pages).
    return ProfileRecords.model_construct(source=source, profile=profile, papers=papers, problems=problems)


def read_profile(path: str | Path, *, as_of: dt.date | None = None, strict: bool = False) -> ProfileRecords:
    """Read a profile page file into records.

    ``as_of`` is the page's capture date (default: today); year-less dates are read as the
    latest such day on or before it.  With ``strict=True`` any problem, even a warning,
    raises :class:`ExtractionError` instead of being reported in ``records.problems``.

    >>> import datetime as dt
    >>> recs = read_profile("examples/profiles/chuhan-wu.txt", as_of=dt.date(2026, 11, 26))
    >>> recs.profile.name, len(recs.papers)
    ('Chuhan Wu', 50)
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ExtractionError([Problem(file=str(p), line=0,
                                       message=f"cannot read the file: {e.strerror}")]) from None
    records = parse_profile(data, as_of=as_of, file=str(p), strict=strict)
    return records


def _sniff(head: bytes) -> bool:
    """A profile page: text whose lines include a block start (``CLIRMar 5, 2024``)."""
    if b"\0" in head:
        return False
    text = head.decode("utf-8", errors="replace")
    return any(BLOCK_START.match(line.strip()) for line in text.splitlines()[:2000])


READER = Reader(format="profile", kind="profile-page", extensions=(".txt",), sniff=_sniff,
                read=read_profile, description="researcher profile pages (plain text)")
