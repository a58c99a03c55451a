"""Throughput of the topic step on one core: abstracts per second, medians of repeated runs.

    python benchmarks/topics_bench.py [--n 5000] [--repeat 5]

The corpus is the seed's 50 abstracts plus synthetic ones made by shuffling their sentences
(fixed random seed), so the vocabulary and style are real and no two abstracts are the same.
Each run starts from a fresh matcher, so spaCy's tokenizer cache starts cold.

Measured in the same run, for comparison:
* baseline "substring scan": ``str.lower()`` and ``label in text`` for every label (no tokens,
  no word boundaries, no longest-match; the naive approach);
* baseline "tokenizer only": the spaCy tokenizer of the matcher, without matching;
* "matcher": tokenizing + both PhraseMatchers + longest-match filtering (what the issue targets);
* "topic step": ``kg.topics.rdf.topic_quads`` for a source of that many papers (matching titles
  and abstracts, keyphrase mining, artifact extraction and quad creation).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from kg.builder import extra_quads
from kg.extract import read_profile
from kg.models import ProfileRecords
from kg.rdf.iri import Minter
from kg.resolve import resolve
from kg.topics.matcher import TopicMatcher
from kg.topics.vocab import load_vocabulary

SEED = Path(__file__).resolve().parent.parent / "examples" / "profiles" / "chuhan-wu.txt"


def corpus(records: ProfileRecords, n: int) -> list[str]:
    rng = random.Random(6)
    sentences = [s for p in records.papers for s in p.abstract_text.split(". ") if s]
    out = [p.abstract_text for p in records.papers]
    while len(out) < n:
        out.append(". ".join(rng.sample(sentences, 8)) + ".")
    return out[:n]


def median_rate(label: str, n: int, repeat: int, setup: Callable[[], Callable[[], object]]) -> float:
    rates = []
    for _ in range(repeat):
        fn = setup()  # not timed
        t0 = time.perf_counter()
        fn()
        rates.append(n / (time.perf_counter() - t0))
    rate = statistics.median(rates)
    print(f"{label:<32} {rate:>10,.0f} abstracts/s   (median of {repeat}; min {min(rates):,.0f}, "
          f"max {max(rates):,.0f})", flush=True)
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000, help="abstracts per run")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    records = read_profile(SEED, as_of=dt.date(2026, 11, 26))
    texts = corpus(records, args.n)
    words = sum(len(t.split()) for t in texts) / len(texts)
    vocab = load_vocabulary()
    labels = [label.lower() for c in vocab for label in (c.pref_label, *c.alt_labels)]
    print(f"{args.n} abstracts ({words:.0f} words on average), {len(vocab)} topics, {len(labels)} labels, "
          f"one core, load average {os.getloadavg()[0]:.1f}")

    def scan() -> Callable[[], object]:
        return lambda: [[lab for lab in labels if lab in low] for low in (t.lower() for t in texts)]

    def tokenizer() -> Callable[[], object]:
        m = TopicMatcher(vocab)
        return lambda: sum(len(d) for d in m.tokenize(texts))

    def matcher() -> Callable[[], object]:
        m = TopicMatcher(vocab)
        return lambda: [m.doc_matches(d, t) for d, t in zip(m.tokenize(texts), texts, strict=True)]

    papers = [p.model_copy(update={"abstract_text": t, "title": f"{p.title} ({i})", "arxiv_id": None})
              for i, (p, t) in enumerate(zip(records.papers * (args.n // len(records.papers) + 1), texts,
                                             strict=False))]
    big = records.model_copy(update={"papers": papers})

    def step() -> Callable[[], object]:
        import kg.topics.matcher as mod

        mod._DEFAULT = None  # a fresh matcher: cold tokenizer cache, build not timed
        mod.default_matcher()
        res = resolve([big])
        return lambda: extra_quads(res, Minter())

    base_scan = median_rate("baseline: lower() + substring", args.n, args.repeat, scan)
    base_tok = median_rate("baseline: spaCy tokenizer only", args.n, args.repeat, tokenizer)
    match = median_rate("matcher (tokenize + match)", args.n, args.repeat, matcher)
    whole = median_rate("whole topic step (topic_quads)", args.n, args.repeat, step)
    print(f"matcher / substring scan: {match / base_scan:.1f}x;  matcher / tokenizer only: "
          f"{match / base_tok:.2f}x;  whole step / matcher: {whole / match:.2f}x")
    print(f"target >= 2,000 abstracts/s for the matcher: {'met' if match >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
