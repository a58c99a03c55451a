"""``kg analyze``/``kg path``/``kg evolution``, metrics stored as dated observations, the
query that ranks people by them, ``kg viz --size-by``, and the Python API."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from analysis_support import write_pages
from conftest import ROOT, SEED
from typer.testing import CliRunner

import kg
import kg.query as kq
from kg.analysis import Filters, analyze
from kg.analysis.stored import analysis_graph, latest_run, observation_quads, stored_metric, write_analysis
from kg.builder import build_sources
from kg.cli import app
from kg.query.remote import with_values
from kg.rdf.namespaces import KG
from kg.store import KGStore
from kg.validate import ShapeViolation, check_store_graph, validate_triples

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    out = res.exit_code, res.stdout, res.stderr
    # The command's store can sit in reference cycles (frames of exceptions caught inside
    # rdflib/pyshacl) until the cycle collector runs; a process exit closes it anyway, but these
    # tests reopen the same folder in this process.
    del res
    gc.collect()
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder with the seed and the three test pages (no SHACL run: see test_build)."""
    path = tmp_path_factory.mktemp("analysis") / "store"
    pages = write_pages(tmp_path_factory.mktemp("pages"))
    store = KGStore(path)
    build_sources([SEED, *pages], store=store, as_of=dt.date(2026, 11, 26), validate=False)
    store.flush()
    del store
    return path


@pytest.fixture
def writable(folder: Path, tmp_path: Path) -> Path:
    """A private copy of the store for tests that write into it."""
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(folder, copy)
    return copy


# -- kg analyze -------------------------------------------------------------------------------


def test_json_csv_and_table_say_what_the_api_computes(folder: Path) -> None:
    expected = analyze(KGStore(folder, read_only=True))
    code, out, _ = cli("analyze", "-f", "json", "--store", str(folder))
    assert code == 0
    doc = json.loads(out)
    assert doc["nodes"] == expected.rows and doc["summary"] == expected.summary
    assert doc["communities"] == expected.communities and doc["brokers"] == expected.brokers
    code, out, _ = cli("analyze", "-f", "csv", "--top", "5", "--store", str(folder))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == [r["name"] for r in expected.rows[:5]]
    assert [float(r["betweenness"]) for r in rows] == [r["betweenness"] for r in expected.rows[:5]]
    assert rows[0]["rank"] == "1" and rows[0]["weighted_degree"] == str(expected.rows[0]["weighted_degree"])
    code, out, _ = cli("analyze", "--top", "3", "--store", str(folder))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Co-author network · 56 papers · 60 people")
    assert "3 components (largest 57, 95%)" in lines[0] and "betweenness exact" in lines[0]
    assert "Chuhan Wu" in lines[4] and "3 of 60 nodes, by betweenness" in out
    assert "Brokers" in out and "Communities" in out


def test_other_views_and_sorting(folder: Path) -> None:
    code, out, _ = cli("analyze", "--view", "categories", "--sort", "degree", "-f", "json",
                       "--store", str(folder))
    doc = json.loads(out)
    assert code == 0 and doc["summary"]["view"] == "categories"
    degrees = [n["degree"] for n in doc["nodes"]]
    assert degrees == sorted(degrees, reverse=True)
    assert {n["kind"] for n in doc["nodes"]} == {"person", "topic"}
    code, out, _ = cli("analyze", "--view", "orgs", "-f", "csv", "--store", str(folder))
    assert code == 0 and {r["name"] for r in csv.DictReader(io.StringIO(out))} == {
        "Tencent AI Lab", "Microsoft Research Asia"}
    code, out, _ = cli("analyze", "--samples", "5", "--seed", "3", "-f", "json", "--store", str(folder))
    assert json.loads(out)["summary"]["betweenness"] == "sampled: 5 sources, seed 3"


@pytest.mark.parametrize(("args", "message"), [
    (["analyze", "--since", "2030"], "nothing to analyze: no papers match years 2030–…"),
    (["analyze", "--since", "2025", "--until", "2020"], "--since 2025 is after --until 2020"),
    (["analyze", "--view", "people"], "unknown view 'people'"),
    (["analyze", "--sort", "fame"], "unknown metric 'fame'"),
    (["analyze", "--format", "xml"], "--format must be one of table, csv, json"),
    (["analyze", "--as-of", "2026-11-27"], "use it with --write"),
    (["analyze", "--exact", "--samples", "3"], "not both"),
    (["path", "Nobody Here", "Tao Qi"], "no person named 'Nobody Here' in the selected papers"),
    (["path", "Tao Qi", "Ivan Island"], "no collaboration path between Tao Qi and Ivan Island"),
    (["path", "Solo Writer", "Tao Qi"], "Solo Writer has no co-authors in the selected papers"),
    (["path", "Solo Writer", "--within", "2"], "Solo Writer has no co-authors in the selected papers"),
    (["path", "Tao Qi"], "give another person (kg path A B) or --within K"),
    (["path", "Tao Qi", "Zoe Far", "--since", "2030"], "no papers match years 2030–…"),
    (["path", "Zoe Far", "Tao Qi", "--until", "2022"], "no person named 'Zoe Far' in the selected papers"),
    (["evolution", "--person", "Fangzao Wu"], "did you mean Fangzhao Wu"),
    (["evolution", "--since", "2030"], "no papers match years 2030–…"),
    (["evolution", "--chart", "x.pdf"], "must end in .png or .svg"),
    (["viz", "--size-by", "betweenness", "-o", "x.html"], "no stored analysis of the coauthors view"),
])
def test_errors_are_one_clear_line_and_exit_1(folder: Path, tmp_path: Path, args: list[str],
                                              message: str) -> None:
    res = runner.invoke(app, [*args, "--store", str(folder)], catch_exceptions=False)
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith("error: ") and message in res.stderr
    assert "Traceback" not in res.output and res.stdout == ""


def test_missing_store_is_an_error(tmp_path: Path) -> None:
    for args in (["analyze"], ["path", "A", "B"], ["evolution"]):
        code, _, err = cli(*args, "--store", str(tmp_path / "none"))
        assert code == 1 and f"no store at {tmp_path / 'none'}" in err


def test_hostile_names_are_data(folder: Path) -> None:
    for name in ('Tao" } UNION { ?s ?p ?o } #', "[bold red]Tao Qi[/]", "<script>x</script>"):
        code, _, err = cli("path", name, "Zoe Far", "--store", str(folder))
        assert code == 1 and f"no person named {name!r}" in err


# -- kg path, kg evolution --------------------------------------------------------------------


def test_path_outputs(folder: Path) -> None:
    code, out, _ = cli("path", "Yuxin Jiang", "Zoe Far", "-f", "json", "--store", str(folder))
    doc = json.loads(out)
    assert code == 0 and doc["hops"] == 3 and doc["found"] == 1 and doc["complete"]
    assert [s["to_name"] for s in doc["steps"]] == ["Chuhan Wu", "Ada Bridge", "Zoe Far"]
    code, out, _ = cli("path", "Yuxin Jiang", "Zoe Far", "--store", str(folder))
    assert "Yuxin Jiang → Zoe Far: 3 steps, 1 shortest path" in out
    assert "Yuxin Jiang → Chuhan Wu → Ada Bridge → Zoe Far" in out
    code, out, _ = cli("path", "Zoe Far", "--within", "2", "-f", "csv", "--store", str(folder))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["name"], r["distance"], r["via"]) for r in rows[:2]] == [("Ada Bridge", "1", ""),
                                                                        ("Wei Newman", "1", "")]
    code, out, _ = cli("path", "Zoe Far", "--within", "1", "--store", str(folder))
    assert code == 0 and "2 people within 1 step of Zoe Far" in out


def test_evolution_outputs_and_chart(folder: Path, tmp_path: Path) -> None:
    from kg.analysis.evolution import evolution

    expected = evolution(KGStore(folder, read_only=True), person="Tao Qi")
    chart = tmp_path / "tao.svg"
    code, out, _ = cli("evolution", "--person", "Tao Qi", "-f", "json", "--chart", str(chart),
                       "--store", str(folder))
    assert code == 0 and json.loads(out.rsplit("\nwrote", 1)[0])["years"] == expected
    assert chart.read_text(encoding="utf-8").count("<svg") == 1
    code, out, _ = cli("evolution", "-f", "csv", "--no-communities", "--store", str(folder))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[-1]["nodes"] == "60" and rows[-1]["communities"] == ""


# -- --write: dated observations ----------------------------------------------------------------


def test_write_stores_valid_dated_observations(writable: Path) -> None:
    code, out, _ = cli("analyze", "--write", "--as-of", "2026-11-27", "--top", "1", "--store", str(writable))
    assert code == 0
    graph = analysis_graph("coauthors", dt.date(2026, 11, 27), Filters())
    assert f"stored 798 triples in {graph.value}" in " ".join(out.split())
    store = KGStore(writable)
    assert graph in store.graphs()
    assert validate_triples(store.quads()).conforms  # the whole store, observations included
    expected = analyze(store)  # computed again, without the observations: the same numbers
    run = latest_run(store)
    assert run.date == dt.date(2026, 11, 27) and run.filters == Filters()
    for metric in ("betweenness", "closeness", "degree", "weighted_degree", "community", "core"):
        assert stored_metric(store, metric, run) == {r["id"]: float(r[metric]) for r in expected.rows}
    # 13 triples per node (two types, the node, the run and nine metrics); the run has 10
    # (two types, view, date, end, agent, seed, modularity, node and edge counts), the agent 4
    # (two types, label, version), and it used the 4 source graphs (not the merge log).
    assert store.count(graph) == 13 * 60 + 10 + 4 + 4 == 798
    # The sampled-source count and filters are stated on the run.
    assert not list(store.ox.quads_for_pattern(None, KG.sampleSize, None, graph))


def test_rewriting_replaces_and_dates_and_filters_are_kept_apart(writable: Path) -> None:
    store = KGStore(writable)
    whole = analyze(store)
    g1, n1 = write_analysis(store, whole, date=dt.date(2026, 11, 27))
    g2, n2 = write_analysis(store, whole, date=dt.date(2026, 11, 27))
    assert (g1, n1) == (g2, n2) and store.count(g1) == n1
    recent = analyze(store, filters=Filters(since=2024), samples=5)
    g3, _ = write_analysis(store, recent, date=dt.date(2026, 11, 28))
    assert g3 != g1 and g3.value.startswith(g1.value.rsplit("/", 1)[0] + "/2026-11-28/")
    assert [q.object.value for q in store.ox.quads_for_pattern(None, KG.sampleSize, None, g3)] == ["5"]
    assert [q.object.value for q in store.ox.quads_for_pattern(None, KG.sinceYear, None, g3)] == ["2024"]
    # The ranking query and the pictures take the newest analysis of all papers...
    assert latest_run(store).date == dt.date(2026, 11, 27)
    # ...or the one of the same filters when there is one.
    assert latest_run(store, filters=Filters(since=2024)).date == dt.date(2026, 11, 28)
    assert validate_triples(store.quads()).conforms


def test_broken_observations_are_refused_and_nothing_changes(writable: Path) -> None:
    store = KGStore(writable)
    result = analyze(store)
    before = store.graphs()
    result.rows[0]["closeness"] = 1.5
    result.rows[1]["degree"] = -1
    graph = analysis_graph("coauthors", dt.date(2026, 11, 27), Filters())
    ended = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    quads = observation_quads(result, date=dt.date(2026, 11, 27), ended=ended, used=[])
    with pytest.raises(ShapeViolation) as caught:
        store.replace_graph(graph, quads, check=lambda holder: check_store_graph(store, holder))
    assert "kg:closeness is at most one xsd:double from 0 to 1" in caught.value.report
    assert "kg:degree is at most one xsd:integer >= 0" in caught.value.report
    assert store.graphs() == before


def test_written_graph_is_deterministic(writable: Path, tmp_path: Path) -> None:
    """Same store, same date, SOURCE_DATE_EPOCH: byte-identical sorted N-Quads of the analysis."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000", "PYTHONPATH": str(ROOT)}
    dumps = []
    for k, seed in enumerate(("1", "2")):
        copy = tmp_path / f"s{k}"
        import shutil

        shutil.copytree(writable, copy)
        subprocess.run([sys.executable, "-m", "kg", "analyze", "--write", "--as-of", "2026-11-27",
                        "-f", "csv", "--store", str(copy)], env={**env, "PYTHONHASHSEED": seed},
                       check=True, capture_output=True)
        s = KGStore(copy, read_only=True)
        g = analysis_graph("coauthors", dt.date(2026, 11, 27), Filters())
        dumps.append(sorted(str(q) for q in s.quads(g)))
    assert dumps[0] == dumps[1] and len(dumps[0]) == 798


def test_write_brings_an_old_store_the_vocabulary_its_observations_use(writable: Path) -> None:
    """A store built by an older version has no metric properties in its ontology graph."""
    from kg.rdf.namespaces import ONTOLOGY_GRAPH

    store = KGStore(writable)
    store.remove_graph(ONTOLOGY_GRAPH)
    write_analysis(store, analyze(store), date=dt.date(2026, 11, 27))
    assert ONTOLOGY_GRAPH in store.graphs()
    assert kq.run(store, "people-by-metric", limit=1).rows[0]["name"] == "Chuhan Wu"


# -- the query ranking people by a stored metric -------------------------------------------------


@pytest.mark.parametrize("metric", ["betweenness", "degree", "closeness", "communities_reached"])
def test_people_by_metric_ranks_like_the_analysis(writable: Path, metric: str) -> None:
    store = KGStore(writable)
    assert kq.run(store, "people-by-metric", metric=metric).rows == []  # nothing stored yet
    result = analyze(store)
    write_analysis(store, result, date=dt.date(2026, 11, 20))
    write_analysis(store, analyze(store, filters=Filters(until=2022)), date=dt.date(2026, 11, 29))  # left out
    rows = kq.run(store, "people-by-metric", metric=metric).rows
    people = sorted(result.rows, key=lambda r: (-r[metric], r["name"], r["id"]))
    assert [(r["person"], r["name"], r["value"]) for r in rows] == [
        (p["id"], p["name"], p[metric]) for p in people]
    assert {r["date"] for r in rows} == {dt.date(2026, 11, 20)}
    # The same rows on rdflib and through the VALUES block that endpoints get.
    q = kq.get_query("people-by-metric")
    ox_engine = kq.OxigraphEngine(store)
    bindings = kq.bind(q, {"metric": metric}, ox_engine)
    native = ox_engine.select(q.text, bindings).rows
    assert native == kq.RdflibEngine.from_store(store).select(q.text, bindings).rows
    assert native == ox_engine.select(with_values(q.text, bindings), {}).rows


def test_people_by_metric_takes_the_newest_date_and_binds_the_metric(writable: Path) -> None:
    store = KGStore(writable)
    write_analysis(store, analyze(store), date=dt.date(2026, 1, 1))
    newer = analyze(store, filters=None, seed=1)
    write_analysis(store, newer, date=dt.date(2026, 6, 1))
    rows = kq.run(store, "people-by-metric", metric="community").rows
    assert {r["date"] for r in rows} == {dt.date(2026, 6, 1)}
    assert {r["person"]: r["value"] for r in rows} == {r["id"]: r["community"] for r in newer.rows}
    for hostile in ('betweenness" } UNION { ?s ?p ?o } #', "fame"):
        assert kq.run(store, "people-by-metric", metric=hostile).rows == []
    code, out, _ = cli("query", "people-by-metric", "-p", "metric=degree", "-n", "2", "-f", "csv",
                       "--store", str(writable))
    assert code == 0 and out.splitlines()[1].split(",")[1:3] == ["Chuhan Wu", "54"]


# -- kg viz by a stored metric --------------------------------------------------------------------


def test_viz_sizes_and_colours_people_by_stored_metrics(writable: Path, tmp_path: Path) -> None:
    from test_viz import page_data

    code, _, _ = cli("analyze", "--write", "--as-of", "2026-11-27", "--store", str(writable))
    assert code == 0
    store = KGStore(writable, read_only=True)
    between = stored_metric(store, "betweenness", latest_run(store))
    out = tmp_path / "b.html"
    code, _, err = cli("viz", "--size-by", "betweenness", "--color-by", "degree", "-o", str(out),
                       "--store", str(writable))
    assert code == 0, err
    data = page_data(out.read_text(encoding="utf-8"))
    assert any(n == "size by betweenness and colour by degree: the stored analysis of 2026-11-27 (all papers)"
               for n in data["notes"])
    by_label = {n["label"]: n for n in data["nodes"]}
    top = max(between, key=between.get)
    assert by_label["Chuhan Wu"]["size"] == 40.0 and top.endswith("chuhan_wu")
    sizes = {label: n["size"] for label, n in by_label.items()}
    assert min(sizes.values()) == 8.0
    assert f"betweenness: {between[top]:.4g} · degree: 54" in by_label["Chuhan Wu"]["title"]
    assert data["legend"][0]["label"].startswith("degree 0 (light) to 54 (dark)")
    # Colour by the stored communities: groups, with the palette.
    code, _, _ = cli("viz", "--color-by", "community", "-o", str(out), "--store", str(writable))
    communities = stored_metric(store, "community", latest_run(store))
    data = page_data(out.read_text(encoding="utf-8"))
    assert code == 0 and data["legend"][0]["label"].startswith("community 1 (")
    assert len({n["color"] for n in data["nodes"]}) == min(len(set(communities.values())), 13)


# -- the Python API -----------------------------------------------------------------------------


def test_python_api(tmp_path: Path) -> None:
    g = kg.build([SEED], store=None, as_of="2026-11-26")
    a = g.analyze(since=2022, write=True, date="2026-11-27")
    assert a.summary["filters"] == ["years 2022–…"] and a.graph.nodes[a.rows[0]["id"]]["betweenness"] > 0
    assert g.path("Yuxin Jiang", "Tao Qi")[0]["to_name"] == "Chuhan Wu"
    assert g.path("Tao Qi", within=1)[0]["name"] == "Chuhan Wu"
    rows = g.evolution(chart=tmp_path / "growth.png")
    assert rows[-1]["nodes"] == 54 and (tmp_path / "growth.png").stat().st_size > 0
    assert g.evolution("Tao Qi")[-1]["nodes"] == 3
    assert g.query("people-by-metric").rows == []  # written with a year filter: left out
    g.analyze(write=True, date="2026-11-27")
    assert g.query("people-by-metric", limit=1).rows[0]["name"] == "Chuhan Wu"
    assert g.validate().conforms  # the whole store, two analyses included
    with pytest.raises(kg.analysis.AnalysisError, match="not both"):
        g.path("Tao Qi")
    assert isinstance(ox.NamedNode(a.rows[0]["id"]), ox.NamedNode)


# -- narrow terminals ---------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [80, 60])
def test_tables_fit_the_terminal_and_name_what_they_leave_out(folder: Path, columns: int,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.cli.app import console

    monkeypatch.setattr(console, "width", columns)
    expected = analyze(KGStore(folder, read_only=True))
    for args in (["analyze", "--top", "3"], ["evolution"], ["path", "Yuxin Jiang", "Tao Qi"],
                 ["path", "Tao Qi", "--within", "1"]):
        code, out, _ = cli(*args, "--store", str(folder))
        assert code == 0, out
        assert max(len(line) for line in out.splitlines()) <= columns, (args, out)
    code, out, _ = cli("analyze", "--top", "3", "--store", str(folder))
    head = next(line for line in out.splitlines() if line.startswith("┃"))
    shown = [c.strip() for c in head.split("┃")[1:-1]]
    assert shown[:4] == ["name", "deg", "w.deg", "betw."]
    # What does not fit is named (never cropped silently), and the rows still say the analysis.
    left = re.search(r"not shown, to fit \d+ columns: (.*?) \(--format", " ".join(out.split()))
    hidden = left.group(1).split(", ") if left else []
    full = ["name", "deg", "w.deg", "betw.", "close.", "clust.", "core", "comm.", "reach", "comp."]
    assert sorted(shown + hidden, key=full.index) == full and (columns == 80 or hidden)
    row = next(line for line in out.splitlines() if line.startswith("│"))
    first = [c.strip() for c in row.split("│")[1:-1]]
    assert first[0] == expected.rows[0]["name"] and int(first[1]) == expected.rows[0]["degree"]
