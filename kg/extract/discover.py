"""Which source files a list of arguments means: files, folders (searched recursively) and globs.

Users point tools at folders and patterns (``kg build profiles/``, ``kg build 'exports/*.bib'``).
A file named on its own is taken as given (the reader reports its problems).  In a folder or a
glob's matches, a file is picked up when a registered reader recognises it
(:func:`kg.extract.sources.detect`, so a new reader needs no change here) *and* its first bytes
look like that reader's format: a folder of profile pages may also hold notes and READMEs, and a
``notes.txt`` must not become a graph with no papers.  Everything else is skipped with its reason.
Hidden files and folders (``.git``, ``.DS_Store``) are not looked at.

The order is stable whatever the file system lists first: arguments in the order given, the
files of a folder or pattern sorted by their path components.

>>> found = discover_sources(["examples/profiles"])     # doctest: +SKIP
>>> [str(p) for p in found.sources]                     # doctest: +SKIP
['examples/profiles/chuhan-wu.txt']
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.extract.errors import ExtractionError
from kg.extract.sources import SNIFF_BYTES, Reader, detect, reader_for

_GLOB_CHARS = frozenset("*?[")


class DiscoveryError(Exception):
    """An argument names nothing to build: a folder or pattern without one recognised file."""


@dataclass(frozen=True)
class Found:
    """A file picked up from a folder or a pattern."""

    path: Path
    format: str   #: the reader that recognised it
    origin: str   #: the argument (folder or pattern) it came from


@dataclass(frozen=True)
class Skipped:
    """A file of a folder or a pattern that is not built, and why."""

    path: Path
    reason: str
    origin: str


@dataclass
class Discovery:
    """The files to build, in order, and what each folder or pattern contributed."""

    sources: list[Path] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: folder and pattern arguments, in the order given
    origins: list[str] = field(default_factory=list)


def is_pattern(arg: str) -> bool:
    """True for an argument with glob characters (``*``, ``?``, ``[``)."""
    return any(c in _GLOB_CHARS for c in arg)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _folder_files(root: Path) -> list[Path]:
    """Every non-hidden file under ``root``, sorted by path components (symlinked folders not followed)."""
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not _hidden(d)]
        files.extend(Path(folder) / n for n in names if not _hidden(n))
    return sorted(files, key=lambda p: p.relative_to(root).parts)


def recognise(path: Path, reader: Reader | None = None) -> tuple[str | None, str]:
    """``(format, "")`` when a reader recognises ``path``, else ``(None, why not)``.

    With ``reader`` (a ``--format``), only that reader's sniffing decides, whatever the name.
    """
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as e:
        return None, f"cannot read it: {e.strerror or e}"
    if reader is not None:
        if reader.sniff(head):
            return reader.format, ""
        return None, f"does not look like a {reader.format} file"
    try:
        reader = detect(path)
    except ExtractionError:
        return None, "no reader recognises it"
    if not reader.sniff(head):  # detect trusts an unambiguous extension; a folder walk does not
        return None, f"named like a {reader.format} file, but its content does not look like one"
    return reader.format, ""


def discover_sources(args: Sequence[str | Path], *, format: str | None = None) -> Discovery:
    """The source files that ``args`` (files, folders, glob patterns) mean; see the module docstring.

    ``format`` names the one reader every source is read with (``--format``): in folders and
    patterns, the files it recognises by content are picked up (ValueError if it is unknown).
    Raises :class:`DiscoveryError` for a folder or a pattern in which no file is recognised
    (nothing would be built from it, which is never what was meant), or a pattern that matches
    nothing.  A file reached twice is built once, where it first appears.
    """
    forced = reader_for(format) if format else None
    out = Discovery()
    seen: set[str] = set()

    def add(path: Path) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            out.sources.append(path)

    for arg in args:
        text = str(arg)
        path = Path(arg)
        if path.is_dir():
            candidates = _folder_files(path)
        elif not path.exists() and is_pattern(text):
            matches = sorted((Path(m) for m in glob.glob(text, recursive=True)), key=lambda p: p.parts)
            if not matches:
                raise DiscoveryError(f"{text}: no file matches this pattern")
            candidates = [f for m in matches for f in (_folder_files(m) if m.is_dir() else [m])]
        else:
            add(path)  # a file named on its own (or a missing one, which the build reports)
            continue
        out.origins.append(text)
        picked = 0
        for f in candidates:
            fmt, reason = recognise(f, forced)
            if fmt is None:
                out.skipped.append(Skipped(f, reason, text))
                continue
            picked += 1
            out.found.append(Found(f, fmt, text))
            add(f)
        if not picked:
            what = "folder" if path.is_dir() else "pattern's matches"
            why = (f"{len(candidates)} file{'s' * (len(candidates) != 1)}, none of them in a format a reader "
                   "recognises" if candidates else "no files")
            raise DiscoveryError(f"{text}: no source file in this {what} ({why})")
    return out
