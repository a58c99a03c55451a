"""Extractors: sources -> validated records (:mod:`kg.models`)."""

from kg.extract.profile import ExtractionError, parse_profile, read_profile

__all__ = ["ExtractionError", "parse_profile", "read_profile"]
