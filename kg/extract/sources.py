"""Which reader reads a source: by ``--format``, else by extension, else by sniffing its head.

Every reader is a module of :mod:`kg.extract` with a module-level ``READER`` (a
:class:`Reader`).  Adding a reader means adding its module name to ``READER_MODULES``; the
builder and the mapper never change, because every reader returns
:class:`kg.models.SourceRecords`.

>>> [r.format for r in readers()]
['profile', 'bibtex', 'arxiv', 'openalex', 'dblp']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.extract.errors import ExtractionError
from kg.models import Problem, SourceInfo, SourceKind, SourceRecords

# The order is the order of sniffing (most specific first is not needed: sniffers are exclusive).
READER_MODULES = ("kg.extract.profile", "kg.extract.bibtex", "kg.extract.arxiv",
                  "kg.extract.openalex", "kg.extract.dblp")
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Reader:
    """One source format: how to recognise it and how to read it into records."""

    format: str                      #: the ``--format`` name, e.g. ``"bibtex"``
    kind: SourceKind                 #: recorded as ``kg:sourceKind`` of the source graph
    extensions: tuple[str, ...]      #: file name endings, lower case, e.g. ``(".bib",)``
    sniff: Callable[[bytes], bool]   #: True when the first ``SNIFF_BYTES`` look like this format
    #: ``read(path, *, strict, as_of) -> SourceRecords``; raises ExtractionError
    read: Callable[..., SourceRecords]
    description: str = ""


@lru_cache(maxsize=1)
def readers() -> tuple[Reader, ...]:
    """Every installed reader, in ``READER_MODULES`` order (a missing module is an error)."""
    found = []
    for name in READER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue  # a reader not written yet
        found.append(module.READER)
    return tuple(found)


def reader_for(fmt: str) -> Reader:
    for r in readers():
        if r.format == fmt:
            return r
    raise ValueError(f"unknown source format {fmt!r}; one of {', '.join(r.format for r in readers())}")


def detect(path: str | Path) -> Reader:
    """The reader for ``path``: by extension when it is unambiguous, else by its first bytes.

    Raises ExtractionError naming the file when no reader recognises it.
    """
    p = Path(path)
    name = p.name.lower()
    by_ext = [r for r in readers() if any(name.endswith(ext) for ext in r.extensions)]
    try:
        with p.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as e:
        raise ExtractionError([Problem(file=str(p), line=0,
                                       message=f"cannot read the file: {e.strerror}")]) from None
    # Content decides among the readers the extension allows, then among all (a DBLP export and
    # an arXiv answer are both .xml); a file only its extension recognises still goes to that
    # reader, which reports what is wrong with it line by line.
    for candidates in (by_ext, readers()):
        sniffed = [r for r in candidates if r.sniff(head)]
        if sniffed:
            return sniffed[0]
    if len(by_ext) == 1:
        return by_ext[0]
    raise ExtractionError([Problem(
        file=str(p), line=0, message="no reader recognises this file; name its format with --format "
        f"({', '.join(r.format for r in readers())})")])


def read_source(path: str | Path, *, format: str | None = None, as_of: dt.date | None = None,
                strict: bool = False) -> SourceRecords:
    """Read one source file into records with the reader named by ``format`` or detected."""
    reader = reader_for(format) if format else detect(path)
    return reader.read(path, strict=strict, as_of=as_of)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in blocks (a source can be bigger than memory)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def source_info(path: str | Path, kind: SourceKind) -> SourceInfo:
    """The :class:`SourceInfo` of a file (streams it once for the hash)."""
    p = Path(path)
    return SourceInfo(path=str(p), name=p.name or str(p), sha256=file_sha256(p), kind=kind)
