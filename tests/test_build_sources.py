"""``kg build`` on folders and glob patterns: what is picked up, in which order, what is skipped and why."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import AS_OF, SEED
from typer.testing import CliRunner

import kg.extract.sources as registry
from kg.cli import app
from kg.extract.discover import DiscoveryError, discover_sources
from kg.extract.sources import Reader
from kg.rdf.namespaces import DEFAULT_BASE_IRI
from kg.store import KGStore

runner = CliRunner()
TEXT = SEED.read_text(encoding="utf-8")


def _sources(store: KGStore) -> list[ox.NamedNode]:
    """The store's source graphs: those named <base>source/<file name>."""
    return [g for g in store.graphs() if g.value.startswith(f"{DEFAULT_BASE_IRI}source/")]


def _profile(path: Path) -> Path:
    """A copy of the bundled profile page at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A folder as users have them: profiles in subfolders, notes, a README, hidden and binary files.

    Created in an order unlike the sorted one, so a test of the order cannot pass by luck of
    the file system listing them as they were made.
    """
    root = tmp_path / "profiles"
    _profile(root / "zeta" / "wu-2026.txt")
    _profile(root / "alpha.txt")
    _profile(root / "zeta" / "a-first.txt")
    _profile(root / "beta" / "deep" / "wu-deep.txt")
    (root / "notes.txt").write_text("call Chuhan about the survey\n", encoding="utf-8")
    (root / "README.md").write_text("# my profiles\n", encoding="utf-8")
    (root / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    _profile(root / ".cache" / "old.txt")       # hidden folder: never looked at
    _profile(root / "beta" / ".draft.txt")      # hidden file: never looked at
    return root


EXPECTED = ["alpha.txt", "beta/deep/wu-deep.txt", "zeta/a-first.txt", "zeta/wu-2026.txt"]
SKIPPED = {
    "README.md": "no reader recognises it",
    "notes.txt": "named like a profile file, but its content does not look like one",
    "picture.png": "no reader recognises it",
}


def test_a_folder_gives_every_recognised_file_in_sorted_order(tree: Path) -> None:
    found = discover_sources([tree])
    assert [p.relative_to(tree).as_posix() for p in found.sources] == EXPECTED
    assert [(f.path, f.format, f.origin) for f in found.found] == [(tree / e, "profile", str(tree))
                                                                    for e in EXPECTED]
    assert {s.path.relative_to(tree).as_posix(): s.reason for s in found.skipped} == SKIPPED
    assert found.origins == [str(tree)]
    # cross-check: every non-hidden file is either picked up or skipped, exactly once
    every = {p.relative_to(tree).as_posix() for p in tree.rglob("*")
             if p.is_file() and not any(part.startswith(".") for part in p.relative_to(tree).parts)}
    assert every == set(EXPECTED) | set(SKIPPED)


def test_the_order_does_not_depend_on_how_the_folder_was_made(tmp_path: Path) -> None:
    names = ["b/x.txt", "a.txt", "a/z.txt", "a-b.txt", "B.txt", "a/b/c.txt"]
    orders = []
    for k, order in enumerate((names, list(reversed(names)))):
        root = tmp_path / f"t{k}"
        for n in order:
            _profile(root / n)
        orders.append([p.relative_to(root).as_posix() for p in discover_sources([root]).sources])
    # by path components, code point order: "a" < "a-b.txt" < "a.txt"; "B" < "a"
    assert orders[0] == orders[1] == ["B.txt", "a/b/c.txt", "a/z.txt", "a-b.txt", "a.txt", "b/x.txt"]


def test_files_keep_their_place_and_a_file_reached_twice_is_built_once(tree: Path, tmp_path: Path) -> None:
    lone = _profile(tmp_path / "lone.txt")
    found = discover_sources([lone, tree, tree / "alpha.txt", Path(str(tree) + "/zeta/../alpha.txt")])
    assert found.sources == [lone, *(tree / e for e in EXPECTED)]


def test_a_file_named_on_its_own_is_not_second_guessed(tmp_path: Path) -> None:
    """Given by name, a file goes to the build as it is: the reader reports what is wrong with it."""
    notes = tmp_path / "notes.txt"
    notes.write_text("no paper here\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    found = discover_sources([notes, missing])
    assert found.sources == [notes, missing] and found.skipped == [] and found.origins == []


def test_glob_patterns(tree: Path) -> None:
    found = discover_sources([f"{tree}/**/*.txt"])
    assert [p.relative_to(tree).as_posix() for p in found.sources] == EXPECTED
    assert [s.path.name for s in found.skipped] == ["notes.txt"]
    found = discover_sources([f"{tree}/z*"])  # a pattern matching a folder takes the folder whole
    assert [p.relative_to(tree).as_posix() for p in found.sources] == ["zeta/a-first.txt", "zeta/wu-2026.txt"]
    with pytest.raises(DiscoveryError, match=r"nothing-\*\.bib: no file matches this pattern"):
        discover_sources([f"{tree}/nothing-*.bib"])
    with pytest.raises(DiscoveryError, match=r"\*\.md: no source file in this pattern's matches "
                                             r"\(1 file, none of them in a format a reader recognises\)"):
        discover_sources([f"{tree}/*.md"])


def test_a_folder_without_a_source_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DiscoveryError, match=r"empty: no source file in this folder \(no files\)"):
        discover_sources([tmp_path / "empty"])
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("x")
    (tmp_path / "docs" / "b.txt").write_text("x")
    with pytest.raises(DiscoveryError, match=r"\(2 files, none of them in a format a reader recognises\)"):
        discover_sources([tmp_path / "docs"])


def test_the_reader_registry_decides(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newly registered reader's files are picked up with no change to the discovery code."""
    fake = Reader(format="fake", kind="bibtex", extensions=(".fake",),
                  sniff=lambda head: head.startswith(b"@"), read=lambda *a, **k: None)
    real = registry.readers()
    monkeypatch.setattr(registry, "readers", lambda: (*real, fake))
    (tree / "refs.fake").write_text("@article{x}\n")
    (tree / "junk.fake").write_text("not a reference\n")
    found = discover_sources([tree])
    assert [(f.path.name, f.format) for f in found.found] == [
        ("alpha.txt", "profile"), ("wu-deep.txt", "profile"), ("refs.fake", "fake"),
        ("a-first.txt", "profile"), ("wu-2026.txt", "profile")]
    assert {s.path.name: s.reason for s in found.skipped}["junk.fake"] == (
        "named like a fake file, but its content does not look like one")


def test_a_named_format_decides_by_content_alone(tree: Path) -> None:
    """With --format, a folder gives the files that reader recognises by content, whatever their name."""
    _profile(tree / "export.page")
    found = discover_sources([tree], format="profile")
    assert [p.relative_to(tree).as_posix() for p in found.sources] == [
        "alpha.txt", "beta/deep/wu-deep.txt", "export.page", "zeta/a-first.txt", "zeta/wu-2026.txt"]
    assert {s.path.name: s.reason for s in found.skipped} == dict.fromkeys(
        ("README.md", "notes.txt", "picture.png"), "does not look like a profile file")
    # without it, an unknown extension is sniffed by every reader: the same file is found
    assert discover_sources([tree]).sources == found.sources
    with pytest.raises(ValueError, match="unknown source format 'nope'"):
        discover_sources([tree], format="nope")


def test_an_unreadable_file_in_a_folder_is_skipped_with_its_reason(tree: Path) -> None:
    (tree / "gone.txt").symlink_to(tree / "deleted-meanwhile.txt")  # listed, but cannot be opened
    found = discover_sources([tree])
    assert {s.path.name: s.reason for s in found.skipped}["gone.txt"] == (
        "cannot read it: No such file or directory")
    assert len(found.sources) == len(EXPECTED)


# -- through the CLI -------------------------------------------------------------------------


def test_cli_builds_a_folder_and_says_what_it_picked_up(tree: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    res = runner.invoke(app, ["build", str(tree), "--as-of", AS_OF.isoformat(), "--store", str(store)])
    assert res.exit_code == 0, res.stderr
    err = [line for line in res.stderr.splitlines() if line]  # (the finished progress bar leaves one)
    assert err[0] == f"{tree}: picked up 4 files (profile 4), skipped 3"
    assert err[1:] == [f"note: skipped {tree / name}: {why}" for name, why in sorted(SKIPPED.items())]
    built = KGStore(store, read_only=True)
    assert sorted(g.value.rsplit("/", 1)[-1] for g in _sources(built)) == sorted(
        Path(e).name for e in EXPECTED)
    # the report's table lists them in the order they were picked up
    rows = [line.split("│")[1].strip() for line in res.stdout.splitlines() if line.startswith("│ ")]
    assert rows == [Path(e).name for e in EXPECTED]


def test_cli_glob_and_errors(tree: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    pattern = f"{tree}/zeta/*.txt"
    res = runner.invoke(app, ["build", pattern, "--as-of", AS_OF.isoformat(), "--store", str(store)])
    assert res.exit_code == 0, res.stderr
    assert [line for line in res.stderr.splitlines() if line] == [f"{pattern}: picked up 2 files (profile 2)"]
    assert len(_sources(KGStore(store, read_only=True))) == 2
    res = runner.invoke(app, ["build", f"{tree}/*.bib", "--store", str(tmp_path / "new")])
    assert res.exit_code == 1 and res.stderr.strip() == f"error: {tree}/*.bib: no file matches this pattern"
    assert not (tmp_path / "new").exists()
    (tmp_path / "empty").mkdir()
    res = runner.invoke(app, ["build", str(tmp_path / "empty"), "--store", str(tmp_path / "new2")])
    assert res.exit_code == 1
    assert res.stderr.strip() == f"error: {tmp_path / 'empty'}: no source file in this folder (no files)"
    assert not (tmp_path / "new2").exists()


def test_cli_two_files_of_one_name_in_a_folder_are_refused_before_any_write(tmp_path: Path) -> None:
    root = tmp_path / "profiles"
    _profile(root / "2025" / "wu.txt")
    _profile(root / "2026" / "wu.txt")
    store = tmp_path / "store"
    res = runner.invoke(app, ["build", str(root), "--as-of", AS_OF.isoformat(), "--store", str(store)])
    assert res.exit_code == 1
    assert "two sources share the file name 'wu.txt'" in " ".join(res.stderr.split())
    assert not store.exists()


def test_cli_add_takes_a_folder_too(tree: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    args = ["--as-of", AS_OF.isoformat(), "--store", str(store)]
    assert runner.invoke(app, ["build", str(tree / "alpha.txt"), *args]).exit_code == 0
    res = runner.invoke(app, ["add", str(tree / "zeta"), *args])
    assert res.exit_code == 0, res.stderr
    assert f"{tree / 'zeta'}: picked up 2 files (profile 2)" in res.stderr
    names = sorted(g.value.rsplit("/", 1)[-1] for g in _sources(KGStore(store, read_only=True)))
    assert names == ["a-first.txt", "alpha.txt", "wu-2026.txt"]
