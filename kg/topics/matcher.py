"""Find vocabulary topics in titles and abstracts with spaCy, offline.

``spacy.blank("en")`` gives the tokenizer (no trained model is needed or downloaded); two
``PhraseMatcher`` s find labels: one on ``LOWER`` for ordinary labels, one on ``ORTH`` for
short acronyms (``LLM`` must not match "llm" inside prose, ``IT`` must not match "it").
Overlapping matches are resolved as ``spacy.util.filter_spans`` does: the longest wins, so
"vertical federated learning" is one topic, not also "federated learning".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.topics.vocab import Vocabulary, is_acronym, load_vocabulary

Field = Literal["title", "abstract"]


@dataclass(frozen=True, order=True)
class TopicHit:
    """Evidence that a paper is about a topic: where it matched and how often."""

    concept: str
    field: Field
    count: int


class Match(NamedTuple):
    """One label occurrence in a text (character offsets); a tuple because texts have many."""

    concept: str
    start: int
    end: int
    text: str
    hidden: bool
    token_start: int = 0
    token_end: int = 0


def blank_pipeline() -> spacy.language.Language:
    """``spacy.blank("en")`` without tokenizer special cases.

    Special cases ("e.g.", "don't") only matter for linguistics, and any of them in a text
    switches off spaCy's per-word tokenizer cache for the rest of that text, which made
    tokenizing abstracts ~10x slower.  Labels are tokenized by the same pipeline, so matching
    is unaffected.
    """
    nlp = spacy.blank("en")
    nlp.tokenizer.rules = {}
    # A sentence-final period always splits ("CoT." -> "CoT", "."), and brackets inside a
    # word do too ("(M)LLMs" -> "(", "M", ")", "LLMs"), so labels at those places are found.
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex([*nlp.Defaults.suffixes, r"\."]).search
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(
        [*nlp.Defaults.infixes, r"(?<=[A-Za-z])[()](?=[A-Za-z])"]).finditer
    return nlp


class TopicMatcher:
    """Matches the labels of a :class:`Vocabulary` in text; build once, reuse."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or load_vocabulary()
        self.nlp = blank_pipeline()
        self._lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self._keys: dict[int, tuple[str, bool]] = {}
        strings = self.nlp.vocab.strings
        for c in self.vocab:
            for hidden, labels in ((False, (c.pref_label, *c.alt_labels)), (True, c.hidden_labels)):
                if not labels:
                    continue
                key = ("~" if hidden else "") + c.iri
                self._keys[strings.add(key)] = (c.iri, hidden)
                exact = [self.nlp.make_doc(x) for x in labels if is_acronym(x)]
                lower = [self.nlp.make_doc(x.replace("\u2013", "-")) for x in labels if not is_acronym(x)]
                if exact:
                    self._exact.add(key, exact)
                if lower:
                    self._lower.add(key, lower)

    def tokenize(self, texts: Iterable[str]) -> Iterator[Doc]:
        return self.nlp.tokenizer.pipe(texts, batch_size=256)

    def doc_matches(self, doc: Doc, text: str | None = None) -> list[Match]:
        """Label occurrences in a tokenized text, longest match first among overlaps, in order.

        The same rule as ``spacy.util.filter_spans`` (longest, then leftmost), on plain tuples:
        building ``Span`` objects for every candidate cost more than the matching itself.
        ``text`` is the string ``doc`` was made from, if at hand (``doc.text`` rebuilds it).
        """
        found = sorted(((s - e, s, e, k) for k, s, e in (*self._lower(doc), *self._exact(doc))))
        taken = bytearray(len(doc))
        kept = []
        for _, s, e, k in found:
            if not any(taken[s:e]):
                taken[s:e] = b"\x01" * (e - s)
                kept.append((s, e, k))
        out = []
        if text is None and kept:
            text = doc.text
        for s, e, k in sorted(kept):
            iri, hidden = self._keys[k]
            last = doc[e - 1]
            start, end = doc[s].idx, last.idx + len(last)
            out.append(Match(iri, start, end, text[start:end], hidden, s, e))  # type: ignore[index]
        return out

    def matches(self, text: str) -> list[Match]:
        return self.doc_matches(self.nlp.make_doc(text), text)

    def hits(self, title_matches: list[Match], abstract_matches: list[Match]) -> list[TopicHit]:
        """Topic evidence of one paper, with the context rule for ambiguous acronyms.

        A hidden label (``FL``) counts only when the same paper also names its concept by an
        unambiguous label ("federated learning"), so "FL" in a fluid-dynamics paper is ignored.
        """
        named = {m.concept for m in (*title_matches, *abstract_matches) if not m.hidden}
        out: list[TopicHit] = []
        for field, ms in (("title", title_matches), ("abstract", abstract_matches)):
            counts = Counter(m.concept for m in ms if m.concept in named)
            out.extend(TopicHit(c, field, n) for c, n in sorted(counts.items()))  # type: ignore[arg-type]
        return out

    def paper_hits(self, title: str, abstract: str) -> list[TopicHit]:
        return self.hits(self.matches(title), self.matches(abstract))

    def parse(self, texts: Sequence[str]) -> list[tuple[Doc, list[Match]]]:
        """Tokenize many texts in batches, with their matches (reused by the keyphrase miner)."""
        docs = self.tokenize(texts)
        return [(doc, self.doc_matches(doc, text)) for doc, text in zip(docs, texts, strict=True)]

    def many_hits(self, papers: Iterable[tuple[str, str]]) -> Iterator[list[TopicHit]]:
        """:meth:`paper_hits` for many ``(title, abstract)`` pairs, tokenized in batches."""
        parsed = self.parse([t for pair in papers for t in pair])
        for k in range(0, len(parsed), 2):
            yield self.hits(parsed[k][1], parsed[k + 1][1])


_DEFAULT: TopicMatcher | None = None


def default_matcher() -> TopicMatcher:
    """The matcher of the shipped vocabulary (built on first use, ~0.3 s)."""
    global _DEFAULT
    if _DEFAULT is None or _DEFAULT.vocab is not load_vocabulary():
        _DEFAULT = TopicMatcher()
    return _DEFAULT


def topics_of(hits: Iterable[TopicHit]) -> list[str]:
    """The distinct concepts of some hits, sorted."""
    return sorted({h.concept for h in hits})
