"""The query library: ``queries/*.rq`` files and their Scholia-style comment headers.

A header is the block of ``#`` lines at the top of a file::

    # title: Co-authors of an author
    # question: Who wrote papers with this author, how often, and from when to when?
    # param: author | person | Chuhan Wu | The author (a name or an IRI).
    # column: coauthor | The co-author's IRI.
    # note: Counts are lower bounds where author lists are truncated.

``param`` is ``name | type | example | description [| default: value]``; types are
``person``, ``org``, ``topic``, ``iri``, ``string``, ``integer``, ``year`` and ``date``.
A ``#`` line without a ``key:`` continues the previous field.  The header is data for
``kg query --list`` and for parameter typing; it never changes what the query means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.resources import queries_dir

PARAM_TYPES = ("person", "org", "topic", "iri", "string", "integer", "year", "date")
_KEY = re.compile(r"^#\s*([a-z_]+)\s*:\s?(.*)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class QueryFileError(ValueError):
    """A query file or its header is malformed (the message names the file and line)."""


@dataclass(frozen=True)
class Param:
    """One parameter a query takes, bound to the SPARQL variable of the same name."""

    name: str
    type: str
    example: str = ""
    description: str = ""
    default: str | None = None


@dataclass(frozen=True)
class Column:
    name: str
    description: str = ""


@dataclass(frozen=True)
class Query:
    """A parsed ``.rq`` file: its text and what its header says about it."""

    name: str
    text: str
    path: Path | None = None
    title: str = ""
    question: str = ""
    params: tuple[Param, ...] = ()
    columns: tuple[Column, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def example_params(self) -> dict[str, str]:
        return {p.name: p.example for p in self.params if p.example}


def parse_query(text: str, *, name: str = "query", path: Path | None = None) -> Query:
    """Parse a query's header; raise :class:`QueryFileError` naming file and line on bad input."""
    where = str(path) if path else name
    fields: dict[str, list[str]] = {}
    entries: list[tuple[str, str, int]] = []  # (key, value, line) in order, for params/columns/notes
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break
        m = _KEY.match(line)
        if m:
            entries.append((m[1], m[2].strip(), lineno))
        elif entries:
            key, value, at = entries[-1]
            entries[-1] = (key, f"{value} {line.lstrip('#').strip()}".strip(), at)
    params: list[Param] = []
    columns: list[Column] = []
    notes: list[str] = []
    for key, value, lineno in entries:
        if key == "param":
            params.append(_param(value, where, lineno))
        elif key == "column":
            col, _, desc = value.partition("|")
            columns.append(Column(col.strip(), desc.strip()))
        elif key == "note":
            notes.append(value)
        else:
            fields.setdefault(key, []).append(value)
    seen: set[str] = set()
    for p in params:
        if p.name in seen:
            raise QueryFileError(f"{where}: parameter {p.name!r} is declared twice")
        seen.add(p.name)
    return Query(
        name=name,
        text=text,
        path=path,
        title=" ".join(fields.get("title", [])),
        question=" ".join(fields.get("question", [])),
        params=tuple(params),
        columns=tuple(columns),
        notes=tuple(notes),
    )


def _param(value: str, where: str, lineno: int) -> Param:
    parts = [p.strip() for p in value.split("|")]
    if len(parts) < 2:
        raise QueryFileError(f"{where}:{lineno}: a param line needs 'name | type | example | description'")
    name, kind = parts[0], parts[1]
    if not _NAME.match(name):
        raise QueryFileError(f"{where}:{lineno}: {name!r} is not a SPARQL variable name")
    if kind not in PARAM_TYPES:
        raise QueryFileError(
            f"{where}:{lineno}: parameter {name!r} has unknown type {kind!r} "
            f"(one of {', '.join(PARAM_TYPES)})"
        )
    default = None
    rest = parts[2:]
    if rest and rest[-1].startswith("default:"):
        default = rest.pop()[len("default:") :].strip()
    example = rest[0] if rest else ""
    description = " | ".join(rest[1:])
    return Param(name, kind, example, description, default)


def load_query(path: str | Path) -> Query:
    """Read and parse one ``.rq`` file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise QueryFileError(f"cannot read {p}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise QueryFileError(f"{p}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    return parse_query(text, name=p.stem, path=p)


def library(folder: str | Path | None = None) -> dict[str, Query]:
    """Every query of the library, by name (file stem), in name order."""
    d = Path(folder) if folder is not None else queries_dir()
    return {p.stem: load_query(p) for p in sorted(d.glob("*.rq"))}


def get_query(name: str, folder: str | Path | None = None) -> Query:
    """A library query by name; unknown names get a clear error with near matches."""
    import difflib

    d = Path(folder) if folder is not None else queries_dir()
    path = d / f"{name}.rq"
    if _NAME_OK.match(name) and path.is_file():
        return load_query(path)
    names = sorted(p.stem for p in d.glob("*.rq"))
    near = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise QueryFileError(f"no query named {name!r} in {d}{hint} (see `kg query --list`)")


_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
