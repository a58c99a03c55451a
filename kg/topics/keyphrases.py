"""Keyphrases beyond the vocabulary, mined from the corpus itself.

Candidates are runs of 2-4 content words (no stop word, number or punctuation inside;
hyphenated words such as "privacy-preserving" count as one word) that do not overlap a
vocabulary match.  A phrase must recur in at least ``min_df`` papers; its score is
``df * log2(1 + tf) * (1 + (words - 2) / 2)`` (recurring, frequent and specific phrases
first), and a phrase is dropped when a longer candidate containing it occurs in as many
papers (it adds nothing).  Results are kept as candidate concepts for users to promote.

Only when a trained English pipeline is installed and ``KG_TOPICS_NOUN_CHUNKS=1`` are its
noun chunks used to keep just the phrases that end a noun chunk; the default path and every
test run without one.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.attrs import IS_ALPHA, LOWER, SPACY
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from kg.topics.matcher import Match, TopicMatcher, default_matcher

# Words that make a phrase generic ("proposed method", "extensive experiments").
GENERIC = frozenset(
    """
paper papers work works method methods approach approaches model models result results experiment
experiments experimental dataset datasets data task tasks performance propose proposed novel new existing
extensive effective effectively efficient efficiency effectiveness different various several many
real-world real world based state-of-the-art art state significant significantly key important show shows
demonstrate demonstrates validate validates improve improves improved improvement improvements better
large-scale high-quality way ways aspects aspect problem problems challenge challenges issue issues
technique techniques framework frameworks study studies information paradigm stage stages core idea
ability abilities capability capabilities general specific multiple single first second final overall
user users usually often widely commonly recent recently prior future deep strong fine-grained
comprehensive simple limited lack higher lower great greatly good best use using used able available accurate
large small train infer remove help helps make makes achieve achieves
""".split()  # noqa: SIM905 (a word list reads better as text)
)


@dataclass(frozen=True)
class Keyphrase:
    """A recurring phrase not in the vocabulary: ``df`` papers, ``tf`` occurrences."""

    phrase: str
    df: int
    tf: int
    score: float
    papers: tuple[int, ...]  # indexes of the papers it occurs in


def _words(doc: Doc, covered: set[int]) -> list[list[str]]:
    """Segments of lower-cased content words; hyphen-joined tokens become one word."""
    # Token attributes as one array: creating a Token object per token cost more than the rest.
    strings = doc.vocab.strings
    toks = [(strings[lower], bool(alpha) and k not in covered, bool(space))
            for k, (lower, alpha, space) in enumerate(doc.to_array([LOWER, IS_ALPHA, SPACY]).tolist())]
    segments: list[list[str]] = [[]]
    i, n = 0, len(toks)
    while i < n:
        word, ok, _ = toks[i]
        if not ok:
            segments.append([])
            i += 1
            continue
        j = i
        while (j + 2 < n and not toks[j][2] and toks[j + 1][0] == "-" and not toks[j + 1][2]
               and toks[j + 2][1]):
            word += "-" + toks[j + 2][0]
            j += 2
        if word in STOP_WORDS or len(word) < 2:
            segments.append([])
        else:
            segments[-1].append(word)
        i = j + 1
    return [s for s in segments if len(s) >= 2]


def _ngrams(segment: Sequence[str]) -> Iterable[str]:
    for n in (2, 3, 4):
        for k in range(len(segment) - n + 1):
            gram = segment[k:k + n]
            if gram[0] in GENERIC or gram[-1] in GENERIC or not _content(gram):
                continue
            yield " ".join(gram)


def _content(gram: Sequence[str]) -> bool:
    """Without a POS tagger: no adverbs (-ly), no leading gerund, no trailing participle."""
    return (not any(w.endswith("ly") for w in gram) and not gram[0].endswith("ing")
            and not gram[-1].endswith("ed"))


@lru_cache(maxsize=1)
def _trained_pipeline() -> spacy.language.Language | None:
    if os.environ.get("KG_TOPICS_NOUN_CHUNKS") != "1":
        return None
    for name in ("en_core_web_sm", "en_core_web_md", "en_core_web_lg"):
        if spacy.util.is_package(name):
            return spacy.load(name, disable=["ner", "lemmatizer"])
    return None


def mine_keyphrases(texts: Sequence[str], *, matcher: TopicMatcher | None = None, min_df: int = 2,
                    top: int | None = 50) -> list[Keyphrase]:
    """Recurring out-of-vocabulary phrases of a corpus (one text per paper), best first."""
    matcher = matcher or default_matcher()
    return mine_parsed([[parsed] for parsed in matcher.parse(texts)], min_df=min_df, top=top)


def mine_parsed(papers: Sequence[Sequence[tuple[Doc, list[Match]]]], *, min_df: int = 2,
                top: int | None = 50) -> list[Keyphrase]:
    """:func:`mine_keyphrases` on texts already parsed by :meth:`TopicMatcher.parse`.

    Each paper is a list of (doc, matches) parts, e.g. its title and its abstract; phrases
    never span two parts.
    """
    trained = _trained_pipeline()
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    where: dict[str, list[int]] = {}
    for idx, parts in enumerate(papers):
        grams: list[str] = []
        for doc, matches in parts:
            covered = {k for m in matches for k in range(m.token_start, m.token_end)}
            doc_grams = [g for seg in _words(doc, covered) for g in _ngrams(seg)]
            if trained is not None:
                chunk_ends = {c.text.lower().split()[-1] for c in trained(doc.text).noun_chunks}
                doc_grams = [g for g in doc_grams if g.rsplit(" ", 1)[-1] in chunk_ends]
            grams.extend(doc_grams)
        for g, c in Counter(grams).items():
            df[g] += 1
            tf[g] += c
            where.setdefault(g, []).append(idx)
    kept = {g for g, d in df.items() if d >= min_df}
    # A phrase inside a longer kept phrase with the same document frequency is redundant.
    redundant = set()
    for h in kept:
        words = h.split(" ")
        for n in range(2, len(words)):
            for k in range(len(words) - n + 1):
                g = " ".join(words[k:k + n])
                if g in kept and df[g] == df[h]:
                    redundant.add(g)
    out = [Keyphrase(g, df[g], tf[g], round(df[g] * math.log2(1 + tf[g]) * (1 + (g.count(" ") - 1) / 2), 3),
                     tuple(where[g]))
           for g in kept - redundant]
    out.sort(key=lambda k: (-k.score, k.phrase))
    return out[:top] if top is not None else out
