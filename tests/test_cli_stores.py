"""Missing and empty stores are clear errors, reading never creates a store, a failed build leaves nothing.

Every command that reads a store is run on each kind of "no store" through the CLI; the
whole temporary folder is fingerprinted (every path, size and modification time) before and
after, so "nothing was created or touched" is checked on disk, not inferred from a message.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import AS_OF, OWNER, SEED
from typer.testing import CliRunner

import kg
import kg.query as kq
from kg.builder import BuildError, ensure_ontology
from kg.cli import app
from kg.rdf.namespaces import ONTOLOGY_GRAPH
from kg.remote.serve import OxigraphServer, ServeError
from kg.store import (
    EmptyStoreError,
    KGStore,
    NoStoreError,
    StoreError,
    open_existing_store,
    remove_new_store_on_failure,
)
from kg.viz import viz

runner = CliRunner()

# Every command that reads a store (or changes one that must exist), with its arguments but --store.
READERS = {
    "query": ["query", "coauthors", "-p", f"author={OWNER}"],
    "query-csv": ["query", "coauthors", "-p", f"author={OWNER}", "-f", "csv"],
    "viz": ["viz", "-o", "{tmp}/page.html"],
    "stats": ["stats"],
    "stats-void": ["stats", "--void"],
    "export": ["export", "--format", "nt"],
    "export-file": ["export", "-o", "{tmp}/out.ttl"],
    "export-split": ["export", "--split-by-graph", "-o", "{tmp}/bulk"],
    "validate": ["validate"],
    "topics": ["topics"],
    "push": ["push", "--endpoint", "http://127.0.0.1:9/sparql"],
    "serve": ["serve", "--port", "9"],
    # these change a store, which must already be there (a typo must not start a new one)
    "add": ["add", str(SEED), "--as-of", AS_OF.isoformat()],
    "remove": ["remove", SEED.name],
    "doctor": ["doctor"],
}


def fingerprint(root: Path) -> dict[str, tuple[bool, int, int]]:
    """Every path under ``root``: (is a folder, size, mtime in ns)."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            p = Path(folder, name)
            st = p.lstat()
            out[str(p.relative_to(root))] = (p.is_dir(), st.st_size, st.st_mtime_ns)
    return out


def invoke(args: list[str], tmp: Path) -> tuple[int, str, str]:
    res = runner.invoke(app, [a.replace("{tmp}", str(tmp)) for a in args])
    return res.exit_code, res.stdout, " ".join(res.stderr.split())


@pytest.fixture(scope="module")
def ontology_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store that holds the shipped ontology and no source (what a first build writes first)."""
    path = tmp_path_factory.mktemp("ontology-only") / "store"
    store = KGStore(path)
    ensure_ontology(store)
    store.flush()
    assert store.graphs() == [ONTOLOGY_GRAPH] and store.data_graphs() == []
    del store
    return path


def _no_store(kind: str, tmp: Path) -> tuple[Path, str]:
    """A --store value of the given kind and the exact reason the error must give."""
    hint = "build one with `kg build SOURCES --store {}`"
    if kind == "missing":
        path = tmp / "typo" / "store"
        return path, f"no store at {path} (no such folder; {hint.format(path)})"
    if kind == "empty-folder":
        path = tmp / "empty"
        path.mkdir()
        return path, f"no store at {path} (the folder is empty; {hint.format(path)})"
    if kind == "other-folder":
        path = tmp / "profiles"
        path.mkdir()
        shutil.copy(SEED, path)
        return path, (f"no store at {path} (the folder holds other files, no Oxigraph database; "
                      "check the store path)")
    path = tmp / "a-file"
    path.write_text("not a store\n")
    return path, f"no store at {path} (it is a file, not a store folder; check the store path)"


@pytest.mark.parametrize("kind", ["missing", "empty-folder", "other-folder", "file"])
@pytest.mark.parametrize("command", sorted(READERS))
def test_reading_no_store_is_an_error_and_creates_nothing(tmp_path: Path, command: str, kind: str) -> None:
    store, reason = _no_store(kind, tmp_path)
    before = fingerprint(tmp_path)
    code, out, err = invoke([*READERS[command], "--store", str(store)], tmp_path)
    assert code == 1
    assert out == ""
    assert err == f"error: {reason}"
    assert fingerprint(tmp_path) == before  # no store, no page, no export, not a byte touched


@pytest.mark.parametrize("command", sorted(READERS))
def test_reading_an_empty_store_is_an_error_naming_kg_build(tmp_path: Path, ontology_only: Path,
                                                            command: str) -> None:
    before = fingerprint(ontology_only.parent), fingerprint(tmp_path)
    code, out, err = invoke([*READERS[command], "--store", str(ontology_only)], tmp_path)
    assert code == 1 and out == ""
    assert err == (f"error: the store at {ontology_only} is empty: no source was built into it; "
                   f"build one with `kg build SOURCES --store {ontology_only}`")
    assert (fingerprint(ontology_only.parent), fingerprint(tmp_path)) == before


def test_the_hint_quotes_a_path_for_the_shell(tmp_path: Path) -> None:
    store = tmp_path / "my store"
    code, _, err = invoke(["stats", "--store", str(store)], tmp_path)
    assert code == 1 and f"`kg build SOURCES --store {shlex.quote(str(store))}`" in err
    assert shlex.split(err.split("`")[1])[-1] == str(store)  # the hint runs as printed


def test_the_default_store_is_named_when_it_is_missing(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke(["query", "coauthors", "-p", f"author={OWNER}"], tmp_path)
    assert (code, out) == (1, "")
    assert err == ("error: no store at kg-store (no such folder; "
                   "build one with `kg build SOURCES --store kg-store`)")
    assert list(tmp_path.iterdir()) == []


def test_a_built_store_still_reads(seed_store: KGStore, tmp_path: Path) -> None:
    """The checks refuse only what they should: the seed store answers every reading command."""
    assert seed_store.path is not None
    code, out, _ = invoke(["query", "coauthors", "-p", f"author={OWNER}", "-f", "csv", "--store",
                           str(seed_store.path)], tmp_path)
    assert code == 0 and len(out.splitlines()) == 1 + len(kq.run(seed_store, "coauthors", author=OWNER).rows)
    for command in ("stats", "validate", "topics", "export", "viz"):
        code, _, err = invoke([*READERS[command], "--store", str(seed_store.path)], tmp_path)
        assert code == 0, (command, err)


# -- the Python API's read paths -------------------------------------------------------------


def test_api_reads_never_create_a_store(tmp_path: Path, ontology_only: Path) -> None:
    missing = tmp_path / "nowhere" / "store"
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n")
    before = fingerprint(tmp_path)
    for read_only in (True, False):
        with pytest.raises(NoStoreError, match=r"no store at .*nowhere/store \(no such folder; build one"):
            kg.open(missing, read_only=read_only)
        # a folder of other files is not turned into a store, even when opened for writing
        with pytest.raises(NoStoreError, match="the folder holds other files"):
            kg.open(other, read_only=read_only)
    with pytest.raises(NoStoreError):
        KGStore(missing, read_only=True)
    with pytest.raises(NoStoreError):
        kq.run(missing, "coauthors", author=OWNER)
    with pytest.raises(NoStoreError):
        viz(missing)
    with pytest.raises(ServeError, match="no such folder"):
        OxigraphServer(missing, port=9).start()
    assert fingerprint(tmp_path) == before
    # an empty store: nothing to read; writable, it is there to build into
    with pytest.raises(EmptyStoreError, match="is empty: no source was built into it"):
        kg.open(ontology_only, read_only=True)
    with pytest.raises(EmptyStoreError):
        kq.run(ontology_only, "coauthors", author=OWNER)
    with pytest.raises(EmptyStoreError):
        open_existing_store(ontology_only)
    assert open_existing_store(ontology_only, need_source=False).graphs() == [ONTOLOGY_GRAPH]


def test_a_store_is_not_made_inside_a_folder_of_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    before = fingerprint(tmp_path)
    with pytest.raises(StoreError, match="the folder holds other files; choose a new or an empty folder"):
        KGStore(tmp_path)
    code, _, err = invoke(["build", str(SEED), "--as-of", AS_OF.isoformat(), "--store", str(tmp_path)],
                          tmp_path)
    assert code == 1 and "the folder holds other files" in err
    assert fingerprint(tmp_path) == before


# -- a failed build leaves nothing behind ----------------------------------------------------


def test_a_failed_first_build_leaves_no_store_folder(tmp_path: Path) -> None:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)))
    store = tmp_path / "new" / "nested" / "store"
    before = fingerprint(tmp_path)
    for source in (binary, tmp_path / "missing.txt"):
        code, out, err = invoke(["build", str(source), "--store", str(store)], tmp_path)
        assert code == 1 and out == ""
        assert err.endswith(f"error: cannot read {source} (nothing was written)")
        assert fingerprint(tmp_path) == before  # not even the parent folders


def test_a_build_interrupted_in_a_new_store_leaves_no_folder(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(store: KGStore, *args: object, **kwargs: object) -> None:
        assert store.path is not None and store.path.is_dir()  # the store was created
        raise KeyboardInterrupt  # as Ctrl-C during the first load

    monkeypatch.setattr(KGStore, "stage", interrupted)
    store = tmp_path / "store"
    code, _, err = invoke(["build", str(SEED), "--as-of", AS_OF.isoformat(), "--store", str(store)], tmp_path)
    assert code == 130 and err == "error: interrupted; nothing was written"
    assert not store.exists()


def test_a_failed_build_keeps_an_existing_store(tmp_path: Path, seed_store: KGStore) -> None:
    store = tmp_path / "store"
    assert seed_store.path is not None
    shutil.copytree(seed_store.path, store)
    quads = sorted(str(q) for q in KGStore(store, read_only=True).quads())
    code, _, err = invoke(["build", str(tmp_path / "missing.txt"), "--store", str(store)], tmp_path)
    assert code == 1 and err.endswith("(nothing was written)")
    assert sorted(str(q) for q in KGStore(store, read_only=True).quads()) == quads


def test_a_new_folder_that_cannot_be_removed_is_reported(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(shutil, "rmtree", refuse)
    store = tmp_path / "new" / "store"
    code, _, err = invoke(["build", str(tmp_path / "missing.txt"), "--store", str(store)], tmp_path)
    assert code == 1
    assert err.endswith(f"(the new store folder {tmp_path / 'new'} was left behind: Permission denied)")
    assert store.is_dir()  # honest: what the message says is what is on disk


def test_the_guard_leaves_a_successful_write_alone(tmp_path: Path) -> None:
    store = tmp_path / "a" / "b"
    with remove_new_store_on_failure(store) as written:
        KGStore(store).flush()
    assert store.is_dir() and written.created == tmp_path / "a" and not written.removed
    with pytest.raises(RuntimeError), remove_new_store_on_failure(tmp_path / "c") as written:
        KGStore(tmp_path / "c")
        raise RuntimeError
    assert written.removed and not (tmp_path / "c").exists()
    with remove_new_store_on_failure(None) as written:
        pass
    assert written.outcome() == "the store is unchanged" and written.created is None


def test_api_build_failure_leaves_no_store_folder(tmp_path: Path) -> None:
    store = tmp_path / "new" / "store"
    with pytest.raises(BuildError, match="cannot read"):
        kg.build([tmp_path / "missing.txt"], store=store, as_of=AS_OF)
    assert list(tmp_path.iterdir()) == []
    g = kg.build([SEED], store=store, as_of=AS_OF)  # and the same path builds fine afterwards
    assert g.stats()["papers"] == 50
