"""Export the store (or one named graph) as Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML.

Everything streams from Oxigraph to the output file; nothing is copied into Python memory
except in these documented cases:

* a triple format (``ttl``, ``nt``, ``xml``) of the *whole* store is the union of its named
  graphs without duplicates, so Oxigraph keeps the set of triples already written (in Rust,
  a few tens of bytes per triple).  ``nq``/``trig`` or ``--graph`` stream flat.
* ``sort=True`` (``nt``/``nq`` only) writes canonical lines to a temporary file and sorts
  them with the system ``sort -u`` under ``LC_ALL=C`` (an external merge sort: bounded
  memory, temporary files in the system temporary folder), so the output is byte-identical for equal
  graphs whatever the store's internal order.

Turtle and TriG use the project's prefixes (:data:`kg.rdf.namespaces.PREFIXES`).

JSON-LD is compact, with the shipped context (``ontology/context.jsonld``) embedded inline,
so the file is self-contained and parses offline: one ``{"id": G, "@graph": [...]}`` entry per
named graph, one node object per subject and line (``"title"``, ``"authors"``,
``"position": 1`` rather than full IRIs).  It streams too: each graph is dumped as N-Triples
by Oxigraph and ordered by the external ``sort`` (as above, temporary files the size of the
graph), so its triples come back grouped by subject and only one subject's triples are in
Python memory at a time.  The same store gives the same bytes: graphs, node objects (by
the subject's N-Triples form), keys and values are sorted.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib.plugins.shared.jsonld.context import Context

from kg.rdf.namespaces import ONTOLOGY_GRAPH, PREFIXES
from kg.resources import ontology_dir
from kg.store import KGStore


@dataclass(frozen=True)
class Format:
    """An export format: its pyoxigraph serializer and whether it keeps graph names."""

    name: str
    rdf: ox.RdfFormat
    dataset: bool
    suffix: str


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("ttl", ox.RdfFormat.TURTLE, False, ".ttl"),
    Format("nt", ox.RdfFormat.N_TRIPLES, False, ".nt"),
    Format("nq", ox.RdfFormat.N_QUADS, True, ".nq"),
    Format("trig", ox.RdfFormat.TRIG, True, ".trig"),
    Format("jsonld", ox.RdfFormat.JSON_LD, True, ".jsonld"),
    Format("xml", ox.RdfFormat.RDF_XML, False, ".rdf"),
)}
_SUFFIXES = {**{f.suffix: f.name for f in FORMATS.values()}, ".xml": "xml", ".owl": "xml",
             ".json": "jsonld", ".n3": "ttl"}
SORTABLE = ("nt", "nq")


class ExportError(Exception):
    """An export cannot be made as asked (unknown format or graph, unsortable format...)."""


def get_format(name: str | None, path: Path | None = None) -> Format:
    """The format called ``name``, else the one ``path``'s suffix names."""
    if name is None:
        if path is None or path.suffix.lower() not in _SUFFIXES:
            raise ExportError(f"cannot tell the format from {str(path)!r}; "
                              f"give one of: {', '.join(FORMATS)}")
        name = _SUFFIXES[path.suffix.lower()]
    fmt = FORMATS.get(name.lower().lstrip("."))
    if fmt is None:
        raise ExportError(f"unknown format {name!r}; choose one of: {', '.join(FORMATS)}")
    return fmt


def resolve_graph(store: KGStore, graph: str | ox.NamedNode) -> ox.NamedNode:
    """A committed graph named by its IRI, by its source file name, or ``ontology``."""
    committed = store.graphs()
    if isinstance(graph, ox.NamedNode):
        graph = graph.value
    if graph == "ontology":
        graph = ONTOLOGY_GRAPH.value
    for g in committed:
        if graph in (g.value, g.value.rsplit("/", 1)[-1]):
            return g
    known = ", ".join(g.value for g in committed) or "none: the store is empty"
    raise ExportError(f"no graph {graph!r} in the store; its graphs are: {known}")


def merged_graphs(store: KGStore, format: str, graph: str | ox.NamedNode | None = None) -> list[ox.NamedNode]:
    """The named graphs an export would merge into one nameless graph (none for a dataset format
    or a one-graph export): ``ttl``, ``nt`` and ``xml`` hold triples, not graph names."""
    if graph is not None or get_format(format).dataset:
        return []
    return store.graphs()


def _has_default_graph(store: KGStore) -> bool:
    return any(True for _ in store.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def _write(store: KGStore, out: BinaryIO, fmt: Format, graph: ox.NamedNode | None, *,
           distinct: bool = True) -> None:
    prefixes = PREFIXES if fmt.name in ("ttl", "trig") else None
    if fmt.name == "jsonld":
        write_jsonld(store, out, graph)
    elif graph is not None and not fmt.dataset:
        store.ox.dump(out, fmt.rdf, from_graph=graph, prefixes=prefixes)
    elif graph is not None:
        ox.serialize(store.quads(graph), out, fmt.rdf, prefixes=prefixes)
    elif fmt.dataset:
        if store._has_hidden() or _has_default_graph(store):
            ox.serialize(store.quads(), out, fmt.rdf, prefixes=prefixes)
        else:  # the fast path: Oxigraph writes the whole dataset itself
            store.ox.dump(out, fmt.rdf, prefixes=prefixes)
    elif distinct:
        ox.serialize(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), out, fmt.rdf, prefixes=prefixes)
    else:  # graph by graph, duplicates included (the sorted path removes them)
        ox.serialize(_triples(store), out, fmt.rdf)


# -- compact JSON-LD -----------------------------------------------------------------------

CONTEXT_FILE = "context.jsonld"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING, _XSD_BOOLEAN, _XSD_INTEGER = _XSD + "string", _XSD + "boolean", _XSD + "integer"
# Canonical integers a JSON number gives back exactly (15 digits: below 2**53, so even
# parsers that read numbers as doubles keep them).  Others stay {"@value": "...", "type": ...}.
_NATIVE_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,14}")


@cache
def load_context(path: Path | None = None) -> dict[str, Any]:
    """The shipped JSON-LD context (the value of ``@context`` in ``ontology/context.jsonld``)."""
    path = path or ontology_dir() / CONTEXT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ExportError(f"cannot read the JSON-LD context {path}: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("@context"), dict):
        raise ExportError(f"{path} has no @context object")
    return data["@context"]


class Compactor:
    """Turns one subject's triples into a compact node object that uses the context's terms.

    rdflib reads the context (prefixes, keyword aliases, coercions, containers) and compacts
    IRIs (``Context.shrink_iri``, ``to_symbol``); this class only picks, for each value, the
    term whose coercion fits it exactly, else the compact IRI.  rdflib's own node converter
    (``from_rdf``) is not used: it drops a value when the first value of the same key is
    falsy (it tests ``if value:``, so ``false``, ``0`` or ``""`` are overwritten), writes an
    ``rdf:type`` whose object is a blank node or a literal as an invalid ``@type``, and its
    ``Literal`` rewrites lexical forms.  Here every triple maps to exactly one value:

    * ``rdf:type`` with an IRI → ``"type"`` (a term such as ``"Paper"``, else a compact IRI);
    * an IRI or blank node → a term coerced to ``@id`` (or ``@vocab``, IRIs only), else
      ``{"id": ...}`` under a plain term or the compact IRI of the property;
    * a literal → a term coerced to its datatype (the lexical form, or a JSON number/boolean
      when that gives the same literal back), a ``@language`` map, else a plain term or the
      compact IRI with a string, number, boolean or ``{"@value", "@language"|"type"}``.
    """

    def __init__(self, context: dict[str, Any]) -> None:
        self.context_data = context
        self.ctx = Context(context)
        if self.ctx.language or self.ctx.vocab or self.ctx.base:
            raise ExportError("the JSON-LD context must not set @language, @vocab or @base "
                              "(plain strings and IRIs would change meaning)")
        self.id_key, self.type_key = self.ctx.id_key, self.ctx.type_key
        self.value_key, self.lang_key = self.ctx.value_key, self.ctx.lang_key
        # (property IRI, kind) -> term; kind: "@id", "@vocab", a datatype IRI, "@language", None
        self._terms: dict[tuple[str, str | None], Any] = {}
        for term in sorted(self.ctx.terms.values(), key=lambda t: (len(t.name), t.name)):
            if term.reverse or term.id is None or term.id.startswith("@") or term.language:
                continue
            container = set(term.container or ())
            if term.type and not container - {"@set"}:
                kind: str | None = term.type
            elif not term.type and container == {"@language"}:
                kind = "@language"
            elif not term.type and not container - {"@set"}:
                kind = None
            else:
                continue
            self._terms.setdefault((term.id, kind), term)  # shortest name first (as JSON-LD does)

    def _term(self, predicate: str, kind: str | None) -> Any:
        return self._terms.get((predicate, kind))

    def _iri(self, term: ox.NamedNode | ox.BlankNode) -> str:
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return self.ctx.shrink_iri(term.value)

    def _native(self, literal: ox.Literal) -> bool | int | None:
        dt, text = literal.datatype.value, literal.value
        if dt == _XSD_BOOLEAN and text in ("true", "false"):
            return text == "true"
        if dt == _XSD_INTEGER and _NATIVE_INTEGER.fullmatch(text):
            return int(text)
        return None

    def _entry(self, predicate: str, obj: ox.Term) -> tuple[str, Any, str]:
        """(key, value, how) for one triple; how: "one", "set" (always an array) or "lang"."""
        if isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            if predicate == _RDF_TYPE and isinstance(obj, ox.NamedNode):
                return self.type_key, self.ctx.to_symbol(obj.value), "one"
            if (term := self._term(predicate, "@id")) is not None:
                return term.name, self._iri(obj), _how(term)
            if isinstance(obj, ox.NamedNode) and (term := self._term(predicate, "@vocab")) is not None:
                return term.name, self.ctx.to_symbol(obj.value), _how(term)
            return self._plain(predicate, {self.id_key: self._iri(obj)})
        if not isinstance(obj, ox.Literal):
            raise ExportError(f"cannot write {obj} as JSON-LD")
        if obj.language:
            if (term := self._term(predicate, "@language")) is not None:
                return term.name, (obj.language, obj.value), "lang"
            return self._plain(predicate, {self.lang_key: obj.language, self.value_key: obj.value})
        dt = obj.datatype.value
        native = self._native(obj)
        if dt == _XSD_STRING:
            return self._plain(predicate, obj.value)
        if (term := self._term(predicate, dt)) is not None:
            return term.name, obj.value if native is None else native, _how(term)
        if native is not None:
            return self._plain(predicate, native)
        return self._plain(predicate, {self.type_key: self.ctx.to_symbol(dt), self.value_key: obj.value})

    def _plain(self, predicate: str, value: Any) -> tuple[str, Any, str]:
        """Under a plain term of the property, else under its compact IRI (or the IRI itself)."""
        term = self._term(predicate, None)
        if term is not None:
            return term.name, value, _how(term)
        return self.ctx.shrink_iri(predicate), value, "one"

    def node(self, subject: ox.NamedNode | ox.BlankNode, triples: Iterable[ox.Triple]) -> dict[str, Any]:
        """The node object of ``subject`` made of ``triples`` (all about it); keys and values sorted.

        Keys: ``id``, ``type``, then the others in code-point order; arrays are sorted by
        their canonical JSON (arrays of values are unordered in JSON-LD, unlike ``@list``).
        """
        values: dict[str, list[Any]] = {}
        sets: set[str] = set()
        maps: dict[str, dict[str, list[str]]] = {}
        for t in triples:
            key, value, how = self._entry(t.predicate.value, t.object)
            if how == "lang":
                maps.setdefault(key, {}).setdefault(value[0], []).append(value[1])
                continue
            values.setdefault(key, []).append(value)
            if how == "set":
                sets.add(key)
        node: dict[str, Any] = {self.id_key: self._iri(subject)}
        for key in sorted({*values, *maps}, key=lambda k: (k != self.type_key, k)):
            if key in maps:  # a language map's term takes language strings only, so no other values
                node[key] = {lang: _one_or_many(texts, False) for lang, texts in sorted(maps[key].items())}
            else:
                node[key] = _one_or_many(values[key], key in sets)
        return node


def _how(term: Any) -> str:
    return "set" if "@set" in term.container else "one"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _one_or_many(values: list[Any], as_set: bool) -> Any:
    if len(values) == 1:
        return values if as_set else values[0]
    return sorted(values, key=_canonical)


def _by_subject(store: KGStore, graph: ox.NamedNode,
                tmpdir: Path) -> Iterator[tuple[ox.NamedNode | ox.BlankNode, Iterator[ox.Triple]]]:
    """The triples of ``graph`` grouped by subject, in byte order of their N-Triples lines.

    Oxigraph dumps the graph as N-Triples (in Rust, streamed) and ``sort`` orders the lines
    with bounded memory; the lines of one subject start with its N-Triples form, so they are
    adjacent.  Only the triples of the current subject are in Python memory.
    """
    unsorted, ordered = tmpdir / "graph.nt", tmpdir / "sorted.nt"
    with unsorted.open("wb") as f:
        store.ox.dump(f, ox.RdfFormat.N_TRIPLES, from_graph=graph)
    with ordered.open("wb") as f:
        _sort_file(unsorted, f, tmpdir)
    unsorted.unlink()
    try:
        with ordered.open("rb") as f:
            yield from itertools.groupby(ox.parse(f, ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False),
                                         key=lambda t: t.subject)
    finally:
        ordered.unlink(missing_ok=True)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_jsonld(store: KGStore, out: BinaryIO, graph: ox.NamedNode | None = None, *,
                 context: dict[str, Any] | None = None) -> None:
    """Write compact JSON-LD: the context inline, then ``{"id": G, "@graph": [nodes]}`` per graph.

    The context is indented; each node object takes one line, written as soon as it is made
    (see the module docstring): easy to grep, diff and page through, and ``json.dumps``'s
    fast path (an indented dump is pure Python, 2.3x slower and a third larger).
    """
    compactor = Compactor(context if context is not None else load_context())

    def write(text: str) -> None:
        out.write(text.encode("utf-8"))

    graphs = [graph] if graph is not None else store.graphs()
    context_text = json.dumps(compactor.context_data, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    write(f'{{\n  "@context": {context_text},\n  "@graph": [')
    tmpdir = Path(tempfile.mkdtemp(prefix="kg-jsonld-"))
    try:
        for i, g in enumerate(graphs):
            name = f"{_json(compactor.id_key)}: {_json(compactor.ctx.shrink_iri(g.value))}"
            write(f'{"," if i else ""}\n    {{{name}, "@graph": [')
            n = 0
            for subject, triples in _by_subject(store, g, tmpdir):
                write(f'{"," if n else ""}\n      {_json(compactor.node(subject, triples))}')
                n += 1
            write(("\n    " if n else "") + "]}")
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    write(("\n  " if graphs else "") + "]\n}\n")


def _triples(store: KGStore) -> Iterable[ox.Triple]:
    for q in store.quads():
        yield q.triple


def _sort_file(unsorted: Path, out: BinaryIO, tmpdir: Path) -> None:
    """``LC_ALL=C sort -u``: byte order, duplicates removed, bounded memory."""
    sort = shutil.which("sort")
    if sort is None:  # no external sort on this system: sort in memory (documented fallback)
        lines = sorted(set(unsorted.read_bytes().splitlines(keepends=True)))
        out.writelines(lines)
        return
    out.flush()
    env = {**os.environ, "LC_ALL": "C"}
    try:
        subprocess.run([sort, "-u", "-T", str(tmpdir), str(unsorted)], stdout=out, env=env,
                       check=True, stderr=subprocess.PIPE)
    except subprocess.CalledProcessError as e:
        if e.returncode == -signal.SIGPIPE:
            raise BrokenPipeError("the reader of the output went away") from None
        raise ExportError(f"sort failed: {e.stderr.decode(errors='replace').strip()}") from None


def export(store: KGStore, out: BinaryIO, format: str, *, graph: str | ox.NamedNode | None = None,
           sort: bool = False) -> None:
    """Write the store (or one graph) to the binary stream ``out``.

    ``sort`` gives canonical, byte-sorted, duplicate-free lines (``nt``/``nq`` only) for
    byte-identical comparison of two stores.
    """
    fmt = get_format(format)
    g = resolve_graph(store, graph) if graph is not None else None
    if sort and fmt.name not in SORTABLE:
        raise ExportError(f"--sorted needs a line-based format ({' or '.join(SORTABLE)}), not {fmt.name}")
    if not sort:
        _write(store, out, fmt, g)
        return
    tmpdir = Path(tempfile.mkdtemp(prefix="kg-export-"))
    try:
        unsorted = tmpdir / f"unsorted{fmt.suffix}"
        with unsorted.open("wb") as f:
            _write(store, f, fmt, g, distinct=False)
        _sort_file(unsorted, out, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def export_to_path(store: KGStore, path: Path, *, format: str | None = None,
                   graph: str | ox.NamedNode | None = None, sort: bool = False) -> Path:
    """Write the export to ``path`` (format from ``format`` or the suffix); returns ``path``.

    The file appears complete or not at all: it is written next to ``path`` and renamed.
    """
    fmt = get_format(format, path)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as f:
            export(store, f, fmt.name, graph=graph, sort=sort)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
