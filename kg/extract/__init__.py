"""Extractors: sources -> validated records (:mod:`kg.models`)."""

from kg.extract.profile import ExtractionError, parse_profile, read_profile
from kg.extract.writer import WriteError, write_profile

__all__ = ["ExtractionError", "WriteError", "parse_profile", "read_profile", "write_profile"]
