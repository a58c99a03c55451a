"""RemoteEngine enforces the outer SELECT DISTINCT when an endpoint (Virtuoso 7.2.5) repeats rows."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from kg.query.remote import RemoteEngine, _outer_distinct

ROW = {"x": {"type": "uri", "value": "https://example.org/a"}}
OTHER = {"x": {"type": "literal", "value": "a"}}


class _Answer:
    status_code = 200

    def json(self) -> dict[str, Any]:
        return {"head": {"vars": ["x"]}, "results": {"bindings": [ROW, ROW, OTHER, ROW]}}


@pytest.mark.parametrize(("query", "rows"), [
    ("SELECT DISTINCT ?x WHERE { ?x ?p ?o }", 2),
    ("# SELECT DISTINCT in a comment\nSELECT ?x WHERE { { SELECT DISTINCT ?x { ?x ?p ?o } } }", 4),
    ("PREFIX e: <https://e.org/#SELECT>\nselect   distinct ?x { ?x ?p ?o }", 2),
])
def test_duplicates_removed_only_for_an_outer_distinct(monkeypatch: pytest.MonkeyPatch, query: str,
                                                        rows: int) -> None:
    monkeypatch.setattr(requests, "post", lambda *a, **k: _Answer())
    result = RemoteEngine("http://127.0.0.1:9/sparql").select(query, {})
    assert len(result.terms) == rows
    assert [t["x"].value for t in result.terms][:2] == ["https://example.org/a", "a"] or rows == 4


def test_outer_distinct_detection() -> None:
    assert _outer_distinct("SELECT DISTINCT ?a {}")
    assert not _outer_distinct("SELECT ?a { { SELECT DISTINCT ?a {} } }")
    assert not _outer_distinct("SELECT REDUCED ?a {}")
