"""The software agents named in provenance (the builder, the topic extractor, the analysis).

Each is a ``prov:SoftwareAgent`` and a ``schema:SoftwareApplication`` (the class that
``schema:softwareVersion`` describes; the shapes require both), with a label and its version.
One function writes them so that every writer describes its agent the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from kg.rdf.namespaces import PROV, RDF, RDFS, SCHEMA


def software_agent_quads(
    agent: ox.NamedNode, label: str, version: str, graph: ox.NamedNode
) -> Iterator[ox.Quad]:
    """The four quads that describe ``agent`` in ``graph``."""
    yield ox.Quad(agent, RDF.type, PROV.SoftwareAgent, graph)
    yield ox.Quad(agent, RDF.type, SCHEMA.SoftwareApplication, graph)
    yield ox.Quad(agent, RDFS.label, ox.Literal(label), graph)
    yield ox.Quad(agent, SCHEMA.softwareVersion, ox.Literal(version), graph)
