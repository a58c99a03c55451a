"""Precision and recall of the topic matcher on the labelled splits (micro-averaged over papers).

    python benchmarks/topics_quality.py [--show dev|seed] [--splits seed,dev,test]

Splits (``tests/data/``):
* ``seed`` -- ``topics-gold.json``: 35 papers of the bundled profile, the text the vocabulary was
  built from (so it measures fit, not generalisation);
* ``dev`` -- ``topics-dev.json``: 41 unseen abstracts, the only split used to tune matching rules;
* ``test`` -- ``topics-test.json``: 72 unseen abstracts, labelled before the matcher ever ran on them
  and never used for tuning (``tests/test_topics_generalise.py`` asserts floors on it).

A gold label that is not in the vocabulary counts as a miss.  ``--show`` prints the misses and
false positives of a split (use it on ``dev``, not on ``test``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from kg.extract import read_profile
from kg.topics.matcher import TopicMatcher, default_matcher, topics_of

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SEED = Path(__file__).resolve().parent.parent / "examples" / "profiles" / "chuhan-wu.txt"
FILES = {"seed": "topics-gold.json", "dev": "topics-dev.json", "test": "topics-test.json"}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def papers(split: str) -> list[dict]:
    """``{"title", "abstract", "topics"}`` per paper; the seed split takes abstracts from the profile."""
    data = json.loads((DATA / FILES[split]).read_text())["papers"]
    if split == "seed":
        by_title = {p.title: p for p in read_profile(SEED, as_of=dt.date(2026, 11, 26)).papers}
        return [{**g, "abstract": by_title[g["title"]].abstract_text or ""} for g in data]
    return data


def evaluate(split: str, matcher: TopicMatcher | None = None,
             show: bool = False) -> Score:
    m = matcher or default_matcher()
    v = m.vocab
    s = Score()
    for p in papers(split):
        predicted = set(topics_of(m.paper_hits(p["title"], p["abstract"])))
        expected = {(c.iri if (c := v.lookup(t)) else f"missing:{t}") for t in p["topics"]}
        s.tp += len(predicted & expected)
        s.fp += len(predicted - expected)
        s.fn += len(expected - predicted)
        if show and predicted != expected:
            name = {c.iri: c.pref_label for c in v}
            print(f"* {p['title']}")
            for kind, iris in (("missed", expected - predicted), ("extra ", predicted - expected)):
                if iris:
                    print(f"    {kind}: {', '.join(sorted(name.get(i, i) for i in iris))}")
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", default="seed,dev,test")
    ap.add_argument("--show", choices=["seed", "dev"], help="list the errors of this split")
    args = ap.parse_args()
    for split in args.splits.split(","):
        s = evaluate(split, show=split == args.show)
        n = len(papers(split))
        print(f"{split:<5} {n:>3} papers  precision {s.precision:.3f}  recall {s.recall:.3f}  "
              f"(tp {s.tp}, fp {s.fp}, fn {s.fn})")


if __name__ == "__main__":
    main()
