"""Which records of which sources describe one work.

Rules, in order (each a union of clusters; a union that would put two different DOIs or two
different arXiv ids into one work is refused and kept as a conflict):

1. the same DOI;
2. the same version-less arXiv id;
3. the same normalised title key and publication years at most one apart.

Near-duplicate titles that are not equal keys are never merged (``kg doctor`` lists them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from kg.models import Paper, SourceRecords


@dataclass(frozen=True, order=True)
class Ref:
    """A paper record: the index of its source (in precedence order) and of the paper in it."""

    source: int
    paper: int


@dataclass(frozen=True)
class Decision:
    """Two records (or clusters) joined, or refused, by one rule."""

    rule: str            #: "doi", "arxiv-id", "title-year", "orcid", "name-and-shared-work", ...
    value: str           #: the matched value (the DOI, the title key, the name key, ...)
    left: Ref
    right: Ref
    merged: bool = True  #: False for a refused union (a conflict)
    message: str = ""


@dataclass
class _Cluster:
    members: list[Ref]
    dois: set[str] = field(default_factory=set)
    arxiv: set[str] = field(default_factory=set)


class WorkClusters:
    """Union-find over paper records with the identifier constraints of the module docstring."""

    def __init__(self, sources: Sequence[SourceRecords]) -> None:
        self.sources = sources
        self.parent: dict[Ref, Ref] = {}
        self.data: dict[Ref, _Cluster] = {}
        self.decisions: list[Decision] = []
        for s, rec in enumerate(sources):
            for i, p in enumerate(rec.papers):
                r = Ref(s, i)
                self.parent[r] = r
                self.data[r] = _Cluster([r], {p.doi} if p.doi else set(),
                                        {p.arxiv_id} if p.arxiv_id else set())

    def paper(self, r: Ref) -> Paper:
        return self.sources[r.source].papers[r.paper]

    def find(self, r: Ref) -> Ref:
        root = r
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[r] != root:  # path compression
            self.parent[r], r = root, self.parent[r]
        return root

    def union(self, a: Ref, b: Ref, rule: str, value: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ca, cb = self.data[ra], self.data[rb]
        for what, x, y in (("DOIs", ca.dois, cb.dois), ("arXiv ids", ca.arxiv, cb.arxiv)):
            if x and y and x != y:
                self.decisions.append(Decision(rule, value, a, b, merged=False, message=(
                    f"different {what}: {', '.join(sorted(x))} / {', '.join(sorted(y))}")))
                return
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        self.parent[gone] = keep
        ck, cg = self.data[keep], self.data.pop(gone)
        ck.members.extend(cg.members)
        ck.dois |= cg.dois
        ck.arxiv |= cg.arxiv
        self.decisions.append(Decision(rule, value, a, b))

    def clusters(self) -> list[list[Ref]]:
        """Every work's records, sorted; works in order of their first record."""
        return sorted(sorted(c.members) for c in self.data.values())


def cluster_works(sources: Sequence[SourceRecords]) -> tuple[list[list[Ref]], list[Decision]]:
    """The works of all sources (lists of records) and the merge decisions that made them."""
    wc = WorkClusters(sources)
    refs = sorted(wc.parent)
    for rule, key in (("doi", lambda p: p.doi), ("arxiv-id", lambda p: p.arxiv_id)):
        groups: dict[str, list[Ref]] = defaultdict(list)
        for r in refs:
            if (k := key(wc.paper(r))) is not None:
                groups[k].append(r)
        for k in sorted(groups):
            first, *rest = groups[k]
            for r in rest:
                wc.union(first, r, rule, k)
    by_title: dict[str, list[Ref]] = defaultdict(list)
    for r in refs:
        by_title[wc.paper(r).title_key].append(r)
    for k in sorted(by_title):
        group = sorted(by_title[k], key=lambda r: (wc.paper(r).year or 0, r))
        for a, b in pairwise(group):
            ya, yb = wc.paper(a).year or 0, wc.paper(b).year or 0
            if abs(yb - ya) <= 1:
                wc.union(a, b, "title-year", k)
    # A same-source duplicate listed twice by one source is not a cross-source merge worth logging.
    decisions = [d for d in wc.decisions if not (d.merged and d.left.source == d.right.source
                                                  and d.rule == "title-year")]
    return wc.clusters(), decisions
