"""Deterministic IRIs: the same thing gets the same IRI from any source, run after run.

Papers are named by arXiv id, else DOI, else normalised title; people by normalised name;
organisations by slug; repositories and accounts by normalised URL.  Segments come from
:func:`kg.names.iri_segment`, which is injective, so different keys never collide.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.models import Link, OrgRef, Paper
from kg.names import iri_segment, name_key
from kg.rdf.namespaces import DEFAULT_BASE_IRI
from kg.taxonomy import category_for_code


@dataclass(frozen=True)
class Minter:
    """Mints instance IRIs under one base IRI (``--base-iri``)."""

    base: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        if not self.base.startswith(("http://", "https://", "urn:")) or self.base[-1] not in "/#:":
            raise ValueError("base IRI must be an http(s) or urn IRI ending in '/', '#' or ':', "
                             f"got {self.base!r}")
        ox.NamedNode(self.base)  # raises ValueError on an invalid IRI

    def _iri(self, *segments: str) -> ox.NamedNode:
        return ox.NamedNode(self.base + "/".join(segments))

    def paper(self, paper: Paper) -> ox.NamedNode:
        if paper.arxiv_id:
            return self._iri("paper", "arxiv", iri_segment(paper.arxiv_id.lower()))
        if paper.doi:
            return self._iri("paper", "doi", iri_segment(paper.doi.lower()))
        return self._iri("paper", "title", iri_segment(paper.title_key))

    def paper_by(self, kind: str, key: str) -> ox.NamedNode:
        """A work's IRI from the identifier that names it: ``arxiv``, ``doi`` or ``title`` key."""
        return self._iri("paper", kind, iri_segment(key))

    def person(self, name: str) -> ox.NamedNode:
        return self._iri("person", iri_segment(name_key(name)))

    def person_tail(self, tail: tuple[str, ...]) -> ox.NamedNode:
        """A resolved person's IRI (:attr:`kg.resolve.people.Person.iri_tail`, already IRI-safe)."""
        return self._iri("person", *tail)

    def affiliation(self, ref: OrgRef) -> tuple[ox.NamedNode, str]:
        """An affiliation's organisation IRI and identifier: by ROR, else OpenAlex, else name key."""
        if ref.ror:
            rid = ref.ror.rsplit("/", 1)[-1]
            return self._iri("org", "ror", rid), ref.ror
        if ref.openalex_id:
            return self._iri("org", "openalex", ref.openalex_id), ref.openalex_id
        key = name_key(ref.name)
        return self._iri("org", "name", iri_segment(key)), key

    def resolution_graph(self) -> ox.NamedNode:
        """The named graph of the merge log (decisions and conflicts of entity resolution)."""
        return self._iri("resolution")

    def authorship(self, paper_iri: ox.NamedNode, position: int | None, name: str) -> ox.NamedNode:
        if position is not None:
            return ox.NamedNode(f"{paper_iri.value}/authorship/{position}")
        return ox.NamedNode(f"{paper_iri.value}/authorship/inferred/{iri_segment(name_key(name))}")

    def org(self, slug: str) -> ox.NamedNode:
        return self._iri("org", iri_segment(slug.casefold()))

    def repository(self, link: Link) -> ox.NamedNode:
        # Code hosts treat owner and repository names case-insensitively.
        assert link.owner and link.name
        return self._iri("repo", iri_segment(link.host), iri_segment(link.owner.casefold()),
                         iri_segment(link.name.casefold()))

    def account(self, host: str, owner: str) -> ox.NamedNode:
        return self._iri("account", iri_segment(host.lower()), iri_segment(owner.casefold()))

    def profile(self, owner: str, as_of: str) -> ox.NamedNode:
        return self._iri("profile", iri_segment(name_key(owner)), as_of)

    def source_graph(self, file_name: str) -> ox.NamedNode:
        return self._iri("source", iri_segment(file_name))

    def unknown_category(self, code: str) -> ox.NamedNode:
        return self._iri("category", iri_segment(code))


def category_iri(code: str, minter: Minter) -> ox.NamedNode:
    """The SKOS concept of a category code: arXiv's when known, else a minted one."""
    cat = category_for_code(code)
    return ox.NamedNode(cat.iri) if cat else minter.unknown_category(code)
