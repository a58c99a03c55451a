"""The arXiv category taxonomy shipped in ``ontology/arxiv-taxonomy.ttl``.

Profile pages show categories as fused 2-letter codes (``IR``, ``LG``); this maps them to
arXiv identifiers (``cs.IR``) and labels.  The Turtle file is the one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from kg.resources import ontology_dir

SKOS = "http://www.w3.org/2004/02/skos/core#"
TAXONOMY_FILE = "arxiv-taxonomy.ttl"


@dataclass(frozen=True)
class Category:
    """One arXiv category (``cs.IR``) or archive (``cs``)."""

    iri: str
    notation: str
    label: str
    broader: str | None

    @property
    def code(self) -> str:
        """The short code used on profile pages (``IR`` for ``cs.IR``)."""
        return self.notation.rsplit(".", 1)[-1]


@lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    """All categories and archives, by notation (``"cs.IR"``, ``"cs"``, ``"stat.ML"``)."""
    path = ontology_dir() / TAXONOMY_FILE
    notation, label, broader = (ox.NamedNode(SKOS + p) for p in ("notation", "prefLabel", "broader"))
    found: dict[str, dict[str, str]] = {}
    with path.open("rb") as f:
        for t in ox.parse(f, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()):
            if t.predicate in (notation, label, broader):
                entry = found.setdefault(t.subject.value, {})
                if t.predicate == label and getattr(t.object, "language", None) not in (None, "en"):
                    continue
                entry[t.predicate.value] = t.object.value
    out: dict[str, Category] = {}
    for iri, e in found.items():
        if SKOS + "notation" in e:
            n = e[SKOS + "notation"]
            out[n] = Category(iri, n, e.get(SKOS + "prefLabel", n), e.get(SKOS + "broader"))
    return out


# Where a short code is shared by several archives (``CO``: math.CO, stat.CO, astro-ph.CO),
# the first archive in this order wins: profile pages list CS and ML papers.
CODE_PREFERENCE = ("cs", "stat", "eess", "math", "econ", "q-bio", "q-fin")


def _preference(cat: Category) -> tuple[int, str]:
    archive = cat.notation.split(".", 1)[0]
    rank = CODE_PREFERENCE.index(archive) if archive in CODE_PREFERENCE else len(CODE_PREFERENCE)
    return rank, cat.notation


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Category]:
    # Short codes are unique within an archive only; archives themselves are not codes.
    table: dict[str, Category] = {}
    for cat in sorted(categories().values(), key=_preference):
        if "." in cat.notation:
            table.setdefault(cat.code, cat)
    return table


def category_for_code(code: str) -> Category | None:
    """The arXiv category for a profile-page code, or ``None`` when the code is unknown.

    Full notations are accepted too: ``category_for_code("stat.ML")``, ``"hep-th"``.
    """
    return categories().get(code) or _by_code().get(code)
