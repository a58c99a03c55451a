"""Compare a local graph with what a triple store holds, by value rather than by spelling.

Stores canonicalise literals on the way in: Virtuoso keeps ``"1.50"^^xsd:decimal`` as ``1.5``
(so ``"1.50"`` and ``"1.5"`` become one triple), writes ``"1.5E0"^^xsd:double`` as ``1.5``,
``"007"^^xsd:integer`` as ``7`` and ``...+00:00`` dateTimes as ``...Z``.  None of that is
loss; a missing or changed triple is.  :func:`term_key` maps every term to a key that is
equal exactly when the two terms denote the same value, and :func:`compare` diffs two graphs
by those keys.

Blank nodes are relabelled by every store, so triples that contain one are compared by shape
(blank nodes replaced by a placeholder) and by number; named triples are compared exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {XSD + t for t in (
    "integer", "long", "int", "short", "byte", "nonNegativeInteger", "nonPositiveInteger",
    "positiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_DECIMAL_TYPES = _INTEGER_TYPES | {XSD + "decimal"}
_FLOAT_TYPES = {XSD + "double", XSD + "float"}
_BNODE = ("_:",)

Key = tuple[Hashable, ...]
_EXACT = Context(prec=100_000)  # normalize() rounds to the context precision: never lose digits here


def _number(lexical: str, datatype: str) -> Hashable | None:
    """A numeric value that compares equal across decimal/double spellings, or None."""
    text = lexical.strip()
    try:
        if datatype in _FLOAT_TYPES:
            value = float(text)
            if value != value or value in (float("inf"), float("-inf")):
                return ("special", repr(value))
            # the shortest repr round-trips, so "1.0E-1"^^double and "0.1"^^decimal agree
            return Decimal(repr(value)).normalize(_EXACT)
        return Decimal(text).normalize(_EXACT)
    except (ValueError, InvalidOperation):
        return None


def _datetime(lexical: str) -> Hashable | None:
    try:
        value = dt.datetime.fromisoformat(lexical.strip())
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.isoformat()


def literal_key(lit: ox.Literal) -> Key:
    """The value of a literal, as a key equal for every spelling a store may choose."""
    datatype = lit.datatype.value
    if lit.language:
        return ("lang", lit.value, lit.language.lower())
    if datatype in _DECIMAL_TYPES or datatype in _FLOAT_TYPES:
        number = _number(lit.value, datatype)
        if number is not None:
            return ("num", number)
    elif datatype == XSD + "boolean":
        if lit.value.strip() in {"true", "1", "false", "0"}:
            return ("bool", lit.value.strip() in {"true", "1"})
    elif datatype == XSD + "dateTime":
        stamp = _datetime(lit.value)
        if stamp is not None:
            return ("dateTime", stamp)
    return ("lit", lit.value, datatype)


def term_key(term: ox.Term) -> Key:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return _BNODE
    if isinstance(term, ox.Literal):
        return literal_key(term)
    raise TypeError(f"unsupported term {term!r}")


def triple_key(t: ox.Triple | ox.Quad) -> Key:
    return (term_key(t.subject), term_key(t.predicate), term_key(t.object))


def has_blank_node(t: ox.Triple | ox.Quad) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


@dataclass
class GraphValues:
    """A graph reduced to values: a set of named triples plus blank-node triple shapes."""

    named: set[Key] = field(default_factory=set)
    blank: Counter[Key] = field(default_factory=Counter)
    raw: int = 0  # triples as given (before value merging)

    @classmethod
    def of(cls, triples: Iterable[ox.Triple | ox.Quad]) -> GraphValues:
        v = cls()
        for t in triples:
            v.raw += 1
            if has_blank_node(t):
                v.blank[triple_key(t)] += 1
            else:
                v.named.add(triple_key(t))
        return v

    @property
    def distinct(self) -> int:
        """Triples left once spellings of one value are merged (the least a store may keep)."""
        return len(self.named) + sum(self.blank.values())


@dataclass
class Comparison:
    """What differs between the local graph and the remote one, by value."""

    missing: list[Key]      # in the local graph, not on the server: real loss
    unexpected: list[Key]   # on the server, not in the local graph
    local_distinct: int
    remote_raw: int

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected

    def describe(self, limit: int = 3) -> str:
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} triple(s) lost, e.g. {_show(self.missing[:limit])}")
        if self.unexpected:
            shown = _show(self.unexpected[:limit])
            parts.append(f"{len(self.unexpected)} unexpected triple(s), e.g. {shown}")
        return "; ".join(parts) or "identical by value"


def _show(keys: list[Key]) -> str:
    return " | ".join(" ".join(str(part[1:]) if len(part) > 1 else "_:" for part in k) for k in keys)


def compare(local: GraphValues, remote: GraphValues) -> Comparison:
    """Diff two graphs by value (deterministic order of the reported triples)."""
    missing = sorted(local.named - remote.named, key=repr)
    unexpected = sorted(remote.named - local.named, key=repr)
    missing += sorted((local.blank - remote.blank).elements(), key=repr)
    unexpected += sorted((remote.blank - local.blank).elements(), key=repr)
    return Comparison(missing, unexpected, local.distinct, remote.raw)


def count_plausible(local: GraphValues, remote_count: int) -> bool:
    """A store keeps between the distinct values and the raw triples (if it does not merge)."""
    return local.distinct <= remote_count <= local.raw
