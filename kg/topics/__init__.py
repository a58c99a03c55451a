"""Fine-grained research topics, mined keyphrases and proposed artifacts (spaCy, offline).

>>> from kg.topics import default_matcher
>>> [h.concept.rsplit("/", 1)[-1] for h in default_matcher().paper_hits(
...     "FedKD: Communication Efficient Federated Learning via Knowledge Distillation", "")]
['communication-efficient-federated-learning', 'knowledge-distillation']
"""

from __future__ import annotations

from kg.topics.artifacts import Artifact, artifacts_of, extract_artifacts, matching_repositories
from kg.topics.keyphrases import Keyphrase, mine_keyphrases
from kg.topics.matcher import Match, TopicHit, TopicMatcher, default_matcher
from kg.topics.vocab import Concept, Vocabulary, VocabularyError, load_vocabulary, read_vocabulary

__all__ = [
    "Artifact", "Concept", "Keyphrase", "Match", "TopicHit", "TopicMatcher", "Vocabulary", "VocabularyError",
    "artifacts_of", "default_matcher", "extract_artifacts", "load_vocabulary", "matching_repositories",
    "mine_keyphrases", "read_vocabulary",
]
