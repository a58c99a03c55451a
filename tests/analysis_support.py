"""Shared pieces of the network-analysis tests: three small profile pages around the bundled
example, and the networks computed independently, in plain Python and networkx, from the
extractor's records (never from the store).

* ``ADA_PAGE``: Ada Bridge writes with Tao Qi and with Zoe Far and Wei Newman; she also lists
  FedCL, a paper of the bundled page (same title, date, byline and abstract), whose truncated
  author list makes her an inferred author of it: the same paper from two sources, counted
  once, with the authors of both.
* ``ISLAND_PAGE``: Ivan Island and Jo Isle, a component of their own.
* ``SOLO_PAGE``: Solo Writer, one paper and no co-author.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import networkx as nx
from conftest import AS_OF, SEED

from kg.extract import read_profile
from kg.models import Paper, ProfileRecords
from kg.names import name_key

ADA_PAGE = """Ada Bridge

IR
h-index2
4papers
30citations
Novelty40%
AI Score10

4 Papers

IRMar 3, 2025
Bridging News Recommenders Across Labs

Tao Qi, Ada Bridge · microsoft-research-asia

We bridge news recommenders across two labs.

IRLGJun 10, 2024
Sparse Bridges for Retrieval

Ada Bridge, Zoe Far, Wei Newman

Sparse bridges for retrieval.

CLFeb 2, 2023
Tokenizers on the Far Side

Zoe Far, Wei Newman et al.

Tokenizers for far-away languages.

LGApr 21, 2022
FedCL: Federated Contrastive Learning for Privacy-Preserving Recommendation

Chuhan Wu, Fangzhao Wu, Tao Qi et al. · tencent-ai

{fedcl_abstract}"""

ISLAND_PAGE = """Ivan Island

CV
h-index1
2papers
3citations
Novelty10%
AI Score5

2 Papers

CVOct 1, 2021
Island Vision Models

Ivan Island, Jo Isle

Vision on islands.

CVMay 5, 2023
Archipelago Segmentation

Jo Isle, Ivan Island

Segmenting archipelagos."""

SOLO_PAGE = """Solo Writer

AI
h-index1
1papers
1citations
Novelty10%
AI Score5

1 Papers

AIJan 9, 2024
Thinking Alone

Solo Writer

A paper without co-authors."""

def _fedcl_abstract() -> str:
    """FedCL's abstract as the bundled page gives it: the two sources agree on the paper (two
    abstracts would be two dcterms:abstract values, which the shapes refuse in the union)."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    at = lines.index("FedCL: Federated Contrastive Learning for Privacy-Preserving Recommendation")
    return lines[at + 4]


PAGES = {"ada-bridge.txt": ADA_PAGE.replace("{fedcl_abstract}", _fedcl_abstract()),
         "ivan-island.txt": ISLAND_PAGE, "solo-writer.txt": SOLO_PAGE}


def write_pages(folder: Path) -> list[Path]:
    paths = []
    for name, text in PAGES.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# -- the independent computation -------------------------------------------------------------


@dataclass
class RecordPaper:
    """One paper as the records of every source say it, merged by title key."""

    title: str
    year: int
    people: set[str] = field(default_factory=set)  # name keys
    categories: set[str] = field(default_factory=set)  # profile-page codes (IR, LG, ...)
    orgs: set[str] = field(default_factory=set)  # slugs
    repos: set[str] = field(default_factory=set)  # repository URLs
    sources: list[Paper] = field(default_factory=list)


@dataclass
class World:
    papers: dict[str, RecordPaper]  # by title key
    names: dict[str, str]  # name key -> name

    def select(self, keep: Callable[[RecordPaper], bool] = lambda p: True) -> dict[str, RecordPaper]:
        return {k: p for k, p in self.papers.items() if keep(p)}


def world(records: Iterable[ProfileRecords]) -> World:
    """Every author counts, the owner inferred from a truncated list included, each person
    once per paper; a paper listed by two sources is one paper with the authors of both."""
    papers: dict[str, RecordPaper] = {}
    names: dict[str, str] = {}
    for rec in records:
        for p in rec.papers:
            year = p.published.year if p.published else p.year
            assert year is not None
            merged = papers.setdefault(p.title_key, RecordPaper(p.title, year))
            merged.year = min(merged.year, year)
            merged.sources.append(p)
            for a in p.authors:
                merged.people.add(name_key(a.name))
                names[name_key(a.name)] = min(names.get(name_key(a.name), a.name), a.name)
            merged.categories.update(p.categories)
            if p.org:
                merged.orgs.add(p.org)
            merged.repos.update(lk.url for lk in p.links if lk.kind == "repository")
    return World(papers, names)


def read_world(paths: Iterable[Path]) -> World:
    return world(read_profile(path, as_of=AS_OF) for path in paths)


def coauthor_network(papers: dict[str, RecordPaper]) -> nx.Graph:
    """The co-author graph of the records (nodes are name keys, ``weight`` = joint papers),
    built in the records' own order, not the projection's."""
    g = nx.Graph()
    for p in papers.values():
        for person in p.people:
            g.add_node(person)
            g.nodes[person]["papers"] = g.nodes[person].get("papers", 0) + 1
        for a, b in combinations(sorted(p.people), 2):
            w = g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1
            g.add_edge(a, b, weight=w)
    return g


def by_name_key(g: nx.Graph) -> dict[str, str]:
    """Projection node -> the name key of its person (one node per person)."""
    keys = {v: name_key(str(d["name"])) for v, d in g.nodes(data=True)}
    assert len(set(keys.values())) == len(keys), "two nodes for one person"
    return keys


def relabelled(g: nx.Graph) -> nx.Graph:
    """A projection with people as name keys (edge and node data kept)."""
    return nx.relabel_nodes(g, by_name_key(g), copy=True)


def joint_papers(papers: dict[str, RecordPaper]) -> dict[frozenset[str], set[str]]:
    """Pair of name keys -> the title keys of their joint papers."""
    out: dict[frozenset[str], set[str]] = defaultdict(set)
    for key, p in papers.items():
        for a, b in combinations(sorted(p.people), 2):
            out[frozenset((a, b))].add(key)
    return out
