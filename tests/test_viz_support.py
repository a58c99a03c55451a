"""Shared pieces of the analysis/viz tests: stores built without SHACL validation (validation
is tested elsewhere and is the slow part), a hostile profile page, and the co-author network
computed independently, in plain Python, from the extractor's records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from itertools import combinations
from pathlib import Path

from conftest import AS_OF

from kg.builder import build_sources
from kg.models import Paper, ProfileRecords
from kg.names import name_key
from kg.store import KGStore

HOSTILE = '<img src=x onerror="window.__pwned=1">'
HOSTILE_SCRIPT = "Second paper </script><script>window.__pwned=2</script>"
HOSTILE_NAME_2 = "Bob </script> Smith"

HOSTILE_PAGE = f"""Eve Example

IR
h-index1
2papers
3citations
Novelty50%
AI Score1

2 Papers

IRJun 9, 2023
{HOSTILE}

{HOSTILE}, {HOSTILE_NAME_2}, Eve Example

An abstract with <b>markup</b> & "quotes" and separators \u2028 and \u2029 here.

LGMar 1, 2024
{HOSTILE_SCRIPT}

{HOSTILE_NAME_2}, Carol \u2028Line, Eve Example

Plain abstract.
"""


def build_store(sources: Iterable[Path], path: Path | None = None) -> KGStore:
    store = KGStore(path)
    build_sources(list(sources), store=store, as_of=AS_OF, validate=False)
    return store


def write_hostile(folder: Path) -> Path:
    path = folder / "hostile.txt"
    path.write_text(HOSTILE_PAGE, encoding="utf-8")
    return path


# -- the independent computation -------------------------------------------------------------


def expected_network(records: ProfileRecords, keep: Callable[[Paper], bool] = lambda p: True
                     ) -> tuple[dict[str, int], Counter[frozenset[str]], dict[str, str]]:
    """(papers per person, joint papers per pair, a name per person), people by name key.

    Every author of a paper counts, the profile owner inferred from the page included.
    """
    papers: Counter[str] = Counter()
    pairs: Counter[frozenset[str]] = Counter()
    names: dict[str, str] = {}
    for paper in records.papers:
        if not keep(paper):
            continue
        keys = sorted({name_key(a.name) for a in paper.authors})
        for a in paper.authors:
            names.setdefault(name_key(a.name), a.name)
        papers.update(keys)
        pairs.update(frozenset(pair) for pair in combinations(keys, 2))
    return dict(papers), pairs, names


def in_years(since: int | None = None, until: int | None = None) -> Callable[[Paper], bool]:
    def keep(p: Paper) -> bool:
        return (since is None or p.published.year >= since) and (until is None or p.published.year <= until)

    return keep
