"""Run library queries on any SPARQL 1.1 endpoint (Virtuoso, Oxigraph server, Fuseki, ...).

Parameters travel as a ``VALUES`` block of properly serialised RDF terms (N-Triples syntax,
so quotes, backslashes and newlines in a name are escaped and an IRI is validated first).
**Placement:** the block is inserted right after the first ``{`` of the query that is not
inside a comment, string or IRI, i.e. at the start of the outermost ``WHERE`` group, where
it joins every solution of the query exactly like an initial binding.  Library queries are
written so this is equivalent to Oxigraph's substitutions and rdflib's ``initBindings``
(parameters are used in the outermost group and projected by any sub-query that uses them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from kg.query.engine import QueryError
from kg.query.results import QueryResult, Term
from kg.rdf.namespaces import PREFIXES

_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DECLARED = re.compile(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?\s*:")


def serialise(term: ox.Term) -> str:
    """A term in SPARQL/N-Triples syntax (``<iri>``, ``"text"``, ``"3"^^<xsd:integer>``)."""
    if isinstance(term, ox.NamedNode):
        ox.NamedNode(term.value)  # revalidate: never emit an IRI with '>' or spaces
        return str(term)
    if isinstance(term, ox.Literal):
        return str(term)
    raise TypeError(f"cannot send {term!r} as a parameter value")


def values_block(bindings: Mapping[str, ox.Term]) -> str:
    """``VALUES (?a ?b) { (<x> "y") }`` for one row of bindings."""
    names = list(bindings)
    for n in names:
        if not _VAR.match(n):
            raise ValueError(f"{n!r} is not a SPARQL variable name")
    head = " ".join("?" + n for n in names)
    row = " ".join(serialise(bindings[n]) for n in names)
    return f"VALUES ({head}) {{ ({row}) }}"


def _first_group_brace(sparql: str) -> int:
    """Index of the first ``{`` outside comments, strings and IRIs (-1 when none)."""
    i, n = 0, len(sparql)
    while i < n:
        c = sparql[i]
        if c == "#":
            j = sparql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c in "\"'":
            long_q = sparql.startswith(c * 3, i)
            quote = c * 3 if long_q else c
            i += len(quote)
            while i < n and not sparql.startswith(quote, i):
                i += 2 if sparql[i] == "\\" else 1
            i += len(quote)
            continue
        if c == "<":
            # An IRI reference has no spaces; a lone "<" is an operator (FILTER(?a < ?b)).
            m = re.match(r"<[^<>\"{}|^`\\\s]*>", sparql[i:])
            if m:
                i += m.end()
                continue
        if c == "{":
            return i
        i += 1
    return -1


_MARK = re.compile(r"(?m)^([ \t]*)#@values[ \t]*$")


def with_values(sparql: str, bindings: Mapping[str, ox.Term]) -> str:
    """The query with a ``VALUES`` block for ``bindings`` at the start of its WHERE group
    (and at every ``#@values`` line)."""
    if not bindings:
        return sparql
    at = _first_group_brace(sparql)
    if at < 0:
        raise QueryError("cannot find the WHERE clause to bind parameters into")
    block = values_block(bindings)
    head, tail = sparql[: at + 1], sparql[at + 1 :]
    tail = _MARK.sub(lambda m: m.group(1) + block, tail)  # a function: no escapes processed
    return f"{head}\n  {block}\n{tail}"


def with_prefixes(sparql: str) -> str:
    """Declare the project's usual prefixes that the query uses without declaring them."""
    declared = {m.group(1) or "" for m in _DECLARED.finditer(sparql)}
    missing = [
        f"PREFIX {p}: <{iri}>"
        for p, iri in PREFIXES.items()
        if p not in declared and re.search(rf"(?<![\w<]){re.escape(p)}:", sparql)
    ]
    return "\n".join([*missing, sparql]) if missing else sparql


_SELECT = re.compile(r"\bSELECT\s+(DISTINCT\b)?", re.IGNORECASE)


def _outer_distinct(sparql: str) -> bool:
    """True when the outer SELECT is DISTINCT (its SELECT comes first; sub-selects later)."""
    code = "\n".join(line.split("#", 1)[0] if "<" not in line else line for line in sparql.splitlines())
    m = _SELECT.search(code)
    return bool(m and m.group(1))



class RemoteEngine:
    """A SPARQL 1.1 Protocol endpoint (query via POST, results as SPARQL JSON).

    Virtuoso truncates results at ``ResultSetMaxRows`` (10000 by default) without saying so:
    raise it for large graphs.
    """

    name = "endpoint"

    def __init__(self, url: str, *, timeout: float = 120.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise QueryError(f"endpoint must be an http(s) URL, got {url!r}")
        self.url = url
        self.timeout = timeout

    def select(self, sparql: str, bindings: Mapping[str, ox.Term]) -> QueryResult:
        import requests

        text = with_values(with_prefixes(sparql), bindings)
        try:
            resp = requests.post(
                self.url,
                data={"query": text},
                timeout=self.timeout,
                headers={"Accept": "application/sparql-results+json"},
            )
        except requests.RequestException as e:
            raise QueryError(f"cannot reach the SPARQL endpoint {self.url}: {e}") from None
        if resp.status_code != 200:
            raise QueryError(
                f"the SPARQL endpoint {self.url} answered HTTP {resp.status_code}: {resp.text[:500].strip()}"
            )
        try:
            doc = resp.json()
            columns = list(doc["head"]["vars"])
            terms = [
                {k: Term.from_json(v) for k, v in b.items() if k in columns}
                for b in doc["results"]["bindings"]
            ]
        except (ValueError, KeyError, TypeError) as e:
            raise QueryError(
                f"the SPARQL endpoint {self.url} did not return SELECT results as "
                f"SPARQL JSON ({e!r}): {resp.text[:200].strip()}"
            ) from None
        if _outer_distinct(text):
            # Virtuoso 7.2.5 can return the same row many times for a SELECT DISTINCT whose
            # OPTIONALs hold VALUES blocks (seen on collaboration-path: 34 copies of one row,
            # depending on how the data was loaded). The query asks for distinct rows, so
            # enforcing it here keeps the answer the query defines.
            seen: set[frozenset[tuple[str, Term]]] = set()
            unique = []
            for row in terms:
                key = frozenset(row.items())
                if key not in seen:
                    seen.add(key)
                    unique.append(row)
            terms = unique
        return QueryResult(columns, terms, text)
