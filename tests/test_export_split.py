"""`kg export --format nq --split-by-graph`: one bulk file per named graph for store loaders."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
from typer.testing import CliRunner

from kg.cli import app
from kg.store import KGStore


def test_split_by_graph_writes_one_exact_file_per_graph(seed_store: KGStore, tmp_path: Path) -> None:
    out = tmp_path / "bulk"
    result = CliRunner().invoke(app, ["export", "--store", str(seed_store.path), "--format", "nq",
                                      "--split-by-graph", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "graphs.tsv").open() as f:
        manifest = list(csv.DictReader(f, delimiter="\t"))
    assert {row["graph"] for row in manifest} == {g.value for g in seed_store.graphs()}
    for row in manifest:
        quads = list(ox.parse(path=str(out / row["file"])))
        graph = ox.NamedNode(row["graph"])
        assert {q.graph_name for q in quads} == {graph}
        assert len(quads) == len(set(quads)) == int(row["triples"]) == seed_store.count(graph)
        assert set(quads) == set(seed_store.quads(graph))


def test_split_by_graph_refuses_a_format_without_graphs(seed_store: KGStore, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--store", str(seed_store.path), "--format", "ttl",
                                      "--split-by-graph", "-o", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert not (tmp_path / "x").exists()
