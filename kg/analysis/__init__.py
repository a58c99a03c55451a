"""Network analysis of the graph: projections read with SPARQL into networkx, their metrics,
collaboration paths, evolution over time, and metrics stored back as dated observations.

* :mod:`kg.analysis.projections`  co-author, author–topic, organization, paper–repository graphs
* :mod:`kg.analysis.network`      degree, betweenness, closeness, clustering, k-core, Louvain, brokers
* :mod:`kg.analysis.paths`        shortest collaboration paths, people within k steps
* :mod:`kg.analysis.evolution`    per-year snapshots, as rows and as a chart
* :mod:`kg.analysis.stored`       ``kg analyze --write`` observations, read back for ranking and pictures
* :mod:`kg.analysis.coauthors`    what the pictures show about papers and people
"""

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
from kg.analysis.network import Analysis, analyze, analyze_graph
from kg.analysis.projections import VIEWS, projection

__all__ = [
    "VIEWS", "Analysis", "AnalysisError", "Filters", "PaperFacts", "analyze", "analyze_graph",
    "coauthor_graph", "coauthor_graph_from_papers", "communities", "community_of", "ego", "find_person",
    "metrics", "min_weight", "most_connected", "paper_facts", "projection",
]
