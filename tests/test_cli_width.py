"""Tables fit an 80-column terminal, and the README's first sample is what such a terminal shows."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import OWNER, ROOT
from typer.testing import CliRunner

import kg.query as kq
from kg.cli import app
from kg.cli.app import console
from kg.query.results import display
from kg.store import KGStore

runner = CliRunner()
SetWidth = Callable[[int], None]


@pytest.fixture()
def width(monkeypatch: pytest.MonkeyPatch) -> SetWidth:
    """Sets the width of the terminal the CLI prints to (rich asks its console)."""
    def set_width(columns: int) -> None:
        monkeypatch.setattr(console, "width", columns)
    return set_width


def kg(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def table_rows(out: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]


def header(out: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith("┃"))
    return [c.strip() for c in line.split("┃")[1:-1]]


def longest(out: str) -> int:
    return max(len(line) for line in out.splitlines())


def test_readme_sample_is_what_an_80_column_terminal_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           width: SetWidth) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_command = re.search(r"```bash\n#[^\n]*\n([^\n]+)\n", readme)
    assert first_command
    commands = [shlex.split(c)[1:] for c in first_command.group(1).split(" && ") if c.startswith("kg ")]
    assert [c[0] for c in commands] == ["build", "query", "viz"]
    sample = re.search(r"The first command reads.*?```\n(.*?)```", readme, re.S)
    assert sample
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # the README runs from the repository root
    width(80)
    shown = ""
    for args in commands:
        code, out, err = kg(*args)
        assert code == 0, err
        shown += out

    def normal(text: str) -> list[str]:  # the build's seconds vary; rich pads the centred title
        return [re.sub(r"\d+\.\d\d s$", "N s", line.rstrip()) for line in text.splitlines()]

    assert normal(shown) == normal(sample.group(1))
    assert longest(shown) <= 80


def test_a_narrow_terminal_hides_the_iri_column_and_says_so(seed_store: KGStore, width: SetWidth) -> None:
    assert seed_store.path is not None
    api = kq.run(seed_store, "coauthors", author=OWNER)
    args = ("query", "coauthors", "-p", f"author={OWNER}", "-s", str(seed_store.path))
    width(80)
    code, out, _ = kg(*args)
    assert code == 0 and longest(out) <= 80
    assert header(out) == [c for c in api.columns if c != "coauthor"]
    rows = table_rows(out)
    assert len(rows) == len(api.rows) == 53  # one line per row: nothing folded
    assert [r[0] for r in rows] == [r["name"] for r in api.rows]
    assert [int(r[1]) for r in rows] == [r["papers"] for r in api.rows]
    assert out.splitlines()[-1] == ("not shown, to fit 80 columns: coauthor "
                                    "(IRIs; --format csv or json has them)")
    # a wide terminal shows the column, as CURIEs of the API's IRIs
    width(200)
    code, out, _ = kg(*args)
    assert code == 0 and header(out) == api.columns
    assert [r[0] for r in table_rows(out)] == [display(t["coauthor"]) for t in api.terms]
    assert "not shown" not in out


def test_machine_formats_keep_every_column_whatever_the_width(seed_store: KGStore, width: SetWidth) -> None:
    assert seed_store.path is not None
    api = kq.run(seed_store, "coauthors", author=OWNER)
    width(40)
    code, out, _ = kg("query", "coauthors", "-p", f"author={OWNER}", "-f", "csv", "-s", str(seed_store.path))
    lines = out.splitlines()
    assert code == 0 and lines[0].split(",") == api.columns
    assert [line.split(",")[0] for line in lines[1:]] == [r["coauthor"] for r in api.rows]
    code, out, _ = kg("query", "coauthors", "-p", f"author={OWNER}", "-f", "json", "-s", str(seed_store.path))
    doc = json.loads(out)
    assert doc["head"]["vars"] == api.columns
    assert [b["coauthor"]["value"] for b in doc["results"]["bindings"]] == [r["coauthor"] for r in api.rows]
    code, out, _ = kg("query", "coauthors", "-p", f"author={OWNER}", "-f", "md", "-s", str(seed_store.path))
    assert out.splitlines()[0].split("|")[1].strip() == "coauthor"


def test_a_table_that_fits_hides_nothing(seed_store: KGStore, width: SetWidth) -> None:
    assert seed_store.path is not None
    width(80)
    api = kq.run(seed_store, "papers-per-year", author=OWNER)
    code, out, _ = kg("query", "papers-per-year", "-p", f"author={OWNER}", "-s", str(seed_store.path))
    assert code == 0 and header(out) == api.columns and "not shown" not in out
    # IRIs only: nothing would be left, so nothing is hidden (rich folds the cells instead)
    sparql = ("SELECT ?a ?b WHERE { ?x pro:isHeldBy ?a . ?y pro:isHeldBy ?b . FILTER(STR(?a) < STR(?b)) } "
              "ORDER BY ?a ?b LIMIT 3")
    code, out, err = kg("query", "--sparql", sparql, "-s", str(seed_store.path))
    assert code == 0, err
    assert header(out)[:2] == ["a", "b"] and "not shown" not in out and longest(out) <= 80


def test_identifiers_go_first_links_only_when_that_makes_it_fit(seed_store: KGStore, width: SetWidth) -> None:
    """``url`` (a web link) stays unless hiding it is what makes the table fit."""
    assert seed_store.path is not None
    width(80)
    # long titles: the table cannot fit anyway, so the repository URLs stay visible
    code, out, _ = kg("query", "papers-with-code", "-s", str(seed_store.path))
    assert code == 0 and "url" in header(out) and "paper" not in header(out)
    assert "not shown, to fit 80 columns: paper, repository (IRIs;" in " ".join(out.split())
    # short cells: without the links it fits, so they go too
    code, out, _ = kg("query", "shared-code", "-s", str(seed_store.path))
    assert code == 0 and longest(out) <= 80 and "url" not in header(out)
    assert out.splitlines()[-1].startswith("not shown, to fit 80 columns: account, url (IRIs;")


@pytest.mark.parametrize(("args", "reads_store"), [
    (["stats"], True), (["topics"], True), (["topics", "--candidates"], True), (["validate"], True),
    (["query", "--list"], False),
    (["extract", str(ROOT / "examples" / "profiles" / "chuhan-wu.txt"), "--as-of", "2026-11-26"], False),
])
def test_other_tables_fit_80_columns(seed_store: KGStore, width: SetWidth, args: list[str],
                                     reads_store: bool) -> None:
    assert seed_store.path is not None
    width(80)
    code, out, err = kg(*args, *(["--store", str(seed_store.path)] if reads_store else []))
    assert code == 0, err
    assert longest(out) <= 80
