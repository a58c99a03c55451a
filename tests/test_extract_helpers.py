"""Shared helpers of the extractor tests (no tests here): an independent plain-text scan, tiny pages.

The scan reads a page with nothing but regular expressions over its lines, so the
extractor's counts are checked against a second, much simpler reading of the same file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from kg.extract import parse_profile
from kg.models import ProfileRecords

HEAD = re.compile(
    r"^(?P<codes>(?:[A-Z]{2})+)(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?P<code>Code)?$"
)


@dataclass(frozen=True)
class ScannedBlock:
    line: int  # 1-based line of the head
    codes: tuple[str, ...]
    year: str | None
    code: bool
    title: str
    names: tuple[str, ...]
    truncated: bool
    org: str | None
    abstract: str


def scan(text: str) -> list[ScannedBlock]:
    """Blocks of a well-formed page: head, title, blank, authors, blank, abstract."""
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        m = HEAD.match(line)
        if not m:
            continue
        authors = lines[i + 3]
        org = None
        if " · " in authors:
            authors, org = authors.split(" · ")
        truncated = authors.endswith(" et al.")
        authors = authors.removesuffix(" et al.")
        codes = tuple(m["codes"][k : k + 2] for k in range(0, len(m["codes"]), 2))
        out.append(ScannedBlock(i + 1, codes, m["year"], bool(m["code"]), lines[i + 1],
                                tuple(authors.split(", ")), truncated, org, lines[i + 5]))
    return out


def page(*blocks: str, owner: str = "Chuhan Wu", header: str = "IR\nh-index46\n77papers") -> str:
    """A small page: the owner, a header, and the given blocks (each already formatted)."""
    return f"{owner}\n\n{header}\n\n77 Papers\n\n" + "\n\n".join(blocks) + "\n"


def block(head: str = "IRJun 9, 2023", title: str = "A Title", authors: str = "Ann Lee, Chuhan Wu",
          abstract: str = "An abstract.") -> str:
    return f"{head}\n{title}\n\n{authors}\n\n{abstract}"


def parse(text: str | bytes, as_of: dt.date = dt.date(2026, 11, 26), **kw: object) -> ProfileRecords:
    return parse_profile(text, as_of=as_of, file="page.txt", **kw)  # type: ignore[arg-type]


def write_bytes(tmp: Path, data: bytes, name: str = "page.txt") -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path
