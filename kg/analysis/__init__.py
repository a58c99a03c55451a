"""Network analysis of the graph (co-authorship), a thin layer over networkx."""

from kg.analysis.coauthors import (
    AnalysisError,
    Filters,
    PaperFacts,
    coauthor_graph,
    coauthor_graph_from_papers,
    communities,
    community_of,
    ego,
    find_person,
    metrics,
    min_weight,
    most_connected,
    paper_facts,
)

__all__ = [
    "AnalysisError", "Filters", "PaperFacts", "coauthor_graph", "coauthor_graph_from_papers",
    "communities", "community_of", "ego", "find_person", "metrics", "min_weight", "most_connected",
    "paper_facts",
]
