"""Records -> RDF: vocabularies, deterministic IRIs and the mapping."""
