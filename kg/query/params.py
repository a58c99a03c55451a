"""Typing, resolving and binding query parameters.

User text only ever becomes an RDF *term* (a literal, or an IRI validated by Oxigraph),
which engines bind; it never becomes SPARQL syntax.  People, organizations and topics
are resolved against the graph itself with constant queries and matched in Python:

* person: a name (matched by :func:`kg.names.name_key`) or an IRI;
* org: a slug (``tencent-ai``), a label (``Tencent AI Lab``) or an IRI;
* topic: an arXiv notation (``cs.IR``), a profile-page code (``IR``), a label or an IRI.

No match, or several, is a :class:`ParameterError` that lists near matches.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from kg.names import fold, name_key
from kg.query.engine import Engine
from kg.query.library import Param, Query
from kg.rdf.namespaces import XSD

_IRI_LIKE = re.compile(r"^<?[A-Za-z][A-Za-z0-9+.-]*:\S*>?$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

PEOPLE = """PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT DISTINCT ?iri ?name WHERE { ?iri a foaf:Person ; foaf:name ?name }"""
ORGS = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?iri ?slug ?label WHERE {
  ?iri a org:Organization .
  OPTIONAL { ?iri dcterms:identifier ?slug }
  OPTIONAL { ?iri rdfs:label ?label } }"""
TOPICS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?iri ?notation ?label WHERE {
  ?iri skos:notation ?notation . OPTIONAL { ?iri skos:prefLabel ?label } }"""


class ParameterError(ValueError):
    """A parameter is missing, malformed, or matches nothing (or several things) in the graph."""


def _as_iri(value: str) -> ox.NamedNode | None:
    """The IRI ``value`` denotes, or None when it does not look like one at all."""
    if not _IRI_LIKE.match(value):
        return None
    raw = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    try:
        return ox.NamedNode(raw)
    except ValueError:
        raise ParameterError(f"{value!r} is not a valid IRI") from None


def _near(wanted: str, candidates: dict[str, str]) -> str:
    """Up to five near matches of ``wanted`` among ``{key: shown}``, as text."""
    near = difflib.get_close_matches(wanted, list(candidates), n=5, cutoff=0.6)
    return f"; near matches: {', '.join(repr(candidates[k]) for k in near)}" if near else "; no near matches"


def _unique(kind: str, value: str, found: set[str], shown: dict[str, str]) -> ox.NamedNode:
    if len(found) == 1:
        return ox.NamedNode(next(iter(found)))
    raise ParameterError(
        f"{len(found)} {kind}s match {value!r}: "
        f"{', '.join(f'{shown.get(i, i)} <{i}>' for i in sorted(found))}; give an IRI"
    )


def resolve_person(engine: Engine, value: str) -> ox.NamedNode:
    """A person's IRI from a name or an IRI."""
    rows = engine.select(PEOPLE, {}).rows
    iri = _as_iri(value)
    if iri is not None:
        if any(r["iri"] == iri.value for r in rows):
            return iri
        raise ParameterError(f"no person with IRI <{iri.value}> in the graph")
    key = name_key(value)
    found = {str(r["iri"]) for r in rows if name_key(str(r["name"])) == key}
    names = {name_key(str(r["name"])): str(r["name"]) for r in rows}
    if not found:
        raise ParameterError(f"no person named {value!r} in the graph{_near(key, names)}")
    return _unique("person", value, found, {str(r["iri"]): str(r["name"]) for r in rows})


def resolve_org(engine: Engine, value: str) -> ox.NamedNode:
    """An organization's IRI from its slug, label or IRI."""
    rows = engine.select(ORGS, {}).rows
    iri = _as_iri(value)
    if iri is not None and any(r["iri"] == iri.value for r in rows):
        return iri
    key = fold(value)
    found = {str(r["iri"]) for r in rows if key in (fold(str(r["slug"] or "")), fold(str(r["label"] or "")))}
    if not found:
        cands = {fold(str(r[k])): str(r[k]) for r in rows for k in ("slug", "label") if r[k]}
        raise ParameterError(
            f"no organization with slug, label or IRI {value!r} in the graph{_near(key, cands)}"
        )
    return _unique("organization", value, found, {str(r["iri"]): str(r["label"]) for r in rows})


def resolve_topic(engine: Engine, value: str) -> ox.NamedNode:
    """A topic's (SKOS concept's) IRI from a notation, a profile-page code, a label or an IRI."""
    from kg.taxonomy import category_for_code

    rows = engine.select(TOPICS, {}).rows
    iri = _as_iri(value)
    if iri is not None and any(r["iri"] == iri.value for r in rows):
        return iri
    key = fold(value)
    found = {str(r["iri"]) for r in rows if fold(str(r["notation"])) == key}
    if not found and "." not in value:
        cat = category_for_code(value.strip())
        if cat is not None and any(r["iri"] == cat.iri for r in rows):
            found = {cat.iri}
    if not found:
        found = {str(r["iri"]) for r in rows if r["label"] and fold(str(r["label"])) == key}
    if not found:
        cands = {fold(str(r[k])): str(r[k]) for r in rows for k in ("notation", "label") if r[k]}
        raise ParameterError(
            f"no topic with notation, code, label or IRI {value!r} in the graph{_near(key, cands)}"
        )
    return _unique("topic", value, found, {str(r["iri"]): str(r["notation"]) for r in rows})


def to_term(param: Param, value: Any, engine: Engine) -> ox.Term:
    """The RDF term for one parameter value, resolved against the graph where needed."""
    if isinstance(value, ox.NamedNode | ox.Literal):
        return value
    kind, name = param.type, param.name
    try:
        if kind == "person":
            return resolve_person(engine, str(value))
        if kind == "org":
            return resolve_org(engine, str(value))
        if kind == "topic":
            return resolve_topic(engine, str(value))
        if kind == "iri":
            iri = _as_iri(str(value))
            if iri is None:
                raise ParameterError(f"{value!r} is not an IRI")
            return iri
        if kind in ("integer", "year"):
            if isinstance(value, bool):
                raise ValueError
            n = int(value) if isinstance(value, int) else int(str(value).strip())
            if kind == "year" and not 1 <= n <= 9999:
                raise ValueError
            return ox.Literal(str(n), datatype=XSD.integer)
        if kind == "date":
            d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
            if isinstance(d, dt.datetime):
                d = d.date()
            return ox.Literal(d.isoformat(), datatype=XSD.date)
        return ox.Literal(str(value))
    except ParameterError as e:
        raise ParameterError(f"parameter {name!r}: {e}") from None
    except ValueError:
        what = {"integer": "an integer", "year": "a year (1-9999)", "date": "a date YYYY-MM-DD"}[kind]
        raise ParameterError(f"parameter {name!r}: {value!r} is not {what}") from None


def bind(query: Query, values: Mapping[str, Any], engine: Engine) -> dict[str, ox.Term]:
    """Terms for every parameter of ``query`` (defaults filled in, unknown names refused).

    Parameters of an ad-hoc query without a header are plain string literals (or terms
    given as pyoxigraph ``NamedNode``/``Literal`` objects from Python).
    """
    declared = {p.name: p for p in query.params}
    for name in values:
        if not _VAR.match(name):
            raise ParameterError(f"{name!r} is not a valid parameter name")
        if declared and name not in declared:
            raise ParameterError(
                f"{query.name} has no parameter {name!r} (it takes: {', '.join(declared) or 'none'})"
            )
    out: dict[str, ox.Term] = {}
    for name, p in declared.items():
        if name in values and values[name] is not None:
            out[name] = to_term(p, values[name], engine)
        elif p.default is not None:
            out[name] = to_term(p, p.default, engine)
        else:
            raise ParameterError(
                f"{query.name} needs parameter {name!r} ({p.type}, e.g. --param {name}={p.example!r})"
            )
    for name, value in values.items():
        if name not in declared:
            out[name] = to_term(Param(name, "string"), value, engine)
    return out
