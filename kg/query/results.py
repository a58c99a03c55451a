"""Query results: W3C-shaped RDF terms, plain Python rows, and the output formats.

Every engine (Oxigraph, rdflib, a remote endpoint) is normalised to :class:`Term`, the term
shape of the W3C SPARQL 1.1 Query Results JSON format, so rows compare equal across engines
(literals by value: ``"3"^^xsd:int`` from Virtuoso equals ``"3"^^xsd:integer`` from Oxigraph).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOAT_TYPES = {XSD + "decimal", XSD + "double", XSD + "float"}
_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})")

Value = str | int | float | bool | dt.date | None


@dataclass(frozen=True)
class Term:
    """One RDF term as the W3C results formats see it."""

    type: Literal["uri", "literal", "bnode"]
    value: str
    datatype: str | None = None
    lang: str | None = None

    @classmethod
    def from_ox(cls, t: Any) -> Term:
        if isinstance(t, ox.NamedNode):
            return cls("uri", t.value)
        if isinstance(t, ox.BlankNode):
            return cls("bnode", t.value)
        if isinstance(t, ox.Literal):
            if t.language:
                return cls("literal", t.value, None, t.language)
            dtype = t.datatype.value
            return cls("literal", t.value, None if dtype == XSD + "string" else dtype)
        raise TypeError(f"unsupported result term {t!r}")

    @classmethod
    def from_rdflib(cls, t: Any) -> Term:
        import rdflib

        if isinstance(t, rdflib.URIRef):
            return cls("uri", str(t))
        if isinstance(t, rdflib.BNode):
            return cls("bnode", str(t))
        if isinstance(t, rdflib.Literal):
            if t.language:
                return cls("literal", str(t), None, t.language)
            dtype = str(t.datatype) if t.datatype else None
            return cls("literal", str(t), None if dtype == XSD + "string" else dtype)
        raise TypeError(f"unsupported result term {t!r}")

    @classmethod
    def from_json(cls, d: dict[str, str]) -> Term:
        kind = d["type"]
        if kind == "uri":
            return cls("uri", d["value"])
        if kind == "bnode":
            return cls("bnode", d["value"])
        if kind in ("literal", "typed-literal"):  # "typed-literal": SPARQL XML-era JSON (Virtuoso)
            lang = d.get("xml:lang") or d.get("lang")
            dtype = d.get("datatype")
            return cls("literal", d["value"], None if lang or dtype == XSD + "string" else dtype, lang)
        raise ValueError(f"unknown term type {kind!r} in SPARQL JSON results")

    def to_ox(self) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if self.type == "uri":
            return ox.NamedNode(self.value)
        if self.type == "bnode":
            return ox.BlankNode(self.value)
        if self.lang:
            return ox.Literal(self.value, language=self.lang)
        return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype or XSD + "string"))

    def to_json(self) -> dict[str, str]:
        out = {"type": self.type, "value": self.value}
        if self.lang:
            out["xml:lang"] = self.lang
        elif self.datatype:
            out["datatype"] = self.datatype
        return out

    def python(self) -> Value:
        """The term as a plain Python value: IRIs and strings as ``str``, literals by value."""
        if self.type != "literal" or not self.datatype:
            return self.value
        d, v = self.datatype, self.value.strip()
        try:
            if d in _INTEGER_TYPES or d == XSD + "gYear":
                return int(v)
            if d in _FLOAT_TYPES:
                return float(Decimal(v)) if d == XSD + "decimal" else float(v)
            if d == XSD + "boolean":
                return v in ("true", "1")
            if d == XSD + "date":
                m = _DATE.match(v)
                if m:
                    return dt.date(int(m[1]), int(m[2]), int(m[3]))
            if d == XSD + "dateTime":
                return dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except (ValueError, InvalidOperation):
            pass
        return self.value


@dataclass
class QueryResult:
    """The answer to a SELECT query: columns, plain rows, and the RDF terms behind them."""

    columns: list[str]
    terms: list[dict[str, Term]] = field(default_factory=list)
    query: str = ""

    @property
    def rows(self) -> list[dict[str, Value]]:
        """One dict per solution, every column present (``None`` when unbound)."""
        return [{c: (r[c].python() if c in r else None) for c in self.columns} for r in self.terms]

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[dict[str, Value]]:
        return iter(self.rows)

    def column(self, name: str) -> list[Value]:
        return [r[name] for r in self.rows]

    def to_dataframe(self) -> Any:
        """A pandas DataFrame of :attr:`rows` (needs ``pip install scholarly-kg[pandas]``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_dataframe() needs pandas: pip install 'scholarly-kg[pandas]'") from None
        return pd.DataFrame(self.rows, columns=self.columns)

    # -- W3C SPARQL 1.1 Query Results formats ---------------------------------------------

    def to_json(self, indent: int | None = 2) -> str:
        """SPARQL 1.1 Query Results JSON Format (application/sparql-results+json)."""
        doc = {
            "head": {"vars": self.columns},
            "results": {
                "bindings": [{c: t.to_json() for c, t in r.items() if c in self.columns} for r in self.terms]
            },
        }
        return json.dumps(doc, indent=indent, ensure_ascii=False)

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV: lexical values only, CRLF line ends (text/csv)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(self.columns)
        for r in self.terms:
            w.writerow([_csv_value(r.get(c)) for c in self.columns])
        return buf.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV: terms in SPARQL/Turtle syntax (text/tab-separated-values)."""
        lines = ["\t".join("?" + c for c in self.columns)]
        for r in self.terms:
            lines.append("\t".join(_tsv_value(r.get(c)) for c in self.columns))
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table; data is escaped so it never becomes markup."""
        head = "| " + " | ".join(_md(c) for c in self.columns) + " |"
        sep = "|" + "|".join(" --- " for _ in self.columns) + "|"
        body = ["| " + " | ".join(_md(display(r.get(c))) for c in self.columns) + " |" for r in self.terms]
        return "\n".join([head, sep, *body]) + "\n"


def _csv_value(t: Term | None) -> str:
    if t is None:
        return ""
    return "_:" + t.value if t.type == "bnode" else t.value


def _tsv_value(t: Term | None) -> str:
    if t is None:
        return ""
    if t.type == "bnode":
        return "_:" + t.value
    # N-Triples escaping from Oxigraph, plus tabs, which the TSV format reserves.
    return str(t.to_ox()).replace("\t", "\\t")


# Compact IRIs for human-facing output only (table, Markdown); JSON/CSV/TSV keep full IRIs.
_DISPLAY_PREFIXES = (
    ("id:", "https://w3id.org/scholarly-kg/id/"),
    ("arxiv:", "https://w3id.org/scholarly-kg/arxiv/"),
    ("kg:", "https://w3id.org/scholarly-kg/ns#"),
)


def display(t: Term | None) -> str:
    """A short human-readable rendering of a term (IRIs compacted, literals by value)."""
    if t is None:
        return ""
    if t.type == "uri":
        for prefix, base in _DISPLAY_PREFIXES:
            if t.value.startswith(base):
                return prefix + t.value[len(base) :]
        return t.value
    v = t.python()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def _md(text: str) -> str:
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
