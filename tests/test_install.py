"""`pip install .` (not editable) ships ontology/ and queries/ inside the package, and
`kg build` works from that installation, run outside the repository.

The fresh venv gets the project's dependencies through a ``.pth`` line pointing at the
running environment's site-packages (a plain path line: that environment's own ``.pth``
files, such as the editable install's, are not processed), so the test needs no network
when hatchling is installed (it is in the ``test`` extra) and takes seconds, not minutes.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import AS_OF, ROOT, SEED

from kg.extract import read_profile

pytestmark = pytest.mark.slow
SHIPPED = ("ontology", "queries", "examples")


def _run(*cmd: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(site-packages, venv) after a non-editable install of a clean copy of the project."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")
    for name in ("kg", *SHIPPED):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    py = venv / "bin" / "python"
    site = Path(_run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_parent_env.pth").write_text("".join(f"{p}\n" for p in sorted(deps)))
    # hatchling from the running environment when it is there (offline), else pip fetches it
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    # `pip install .`, run by this environment's pip for the new venv (it has no pip of its own)
    _run(sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", *isolation, ".", cwd=src)
    return site, venv


def test_the_install_carries_the_ontology_and_queries(installed: tuple[Path, Path]) -> None:
    site, _ = installed
    assert not (site / "kg").is_symlink() and (site / "kg" / "__init__.py").is_file()
    for folder in SHIPPED:
        repo = {p.relative_to(ROOT / folder): p.read_bytes() for p in (ROOT / folder).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
        shipped = site / "kg" / "_data" / folder
        assert repo and all((shipped / rel).read_bytes() == data for rel, data in repo.items())


def test_kg_build_works_from_the_installed_package(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, venv = installed
    run = tmp_path / "elsewhere"
    run.mkdir()
    page = run / SEED.name
    shutil.copy(SEED, page)
    where = _run(venv / "bin" / "python", "-c",
                 "import kg, kg.examples, kg.resources as r; "
                 "print(kg.__file__); print(r.ontology_dir()); print(r.queries_dir()); "
                 "print(kg.examples.path('chuhan-wu'))",
                 cwd=run).stdout.split()
    package = Path(where[0]).parent
    assert venv in package.parents and ROOT not in package.parents
    assert Path(where[1]) == package / "_data" / "ontology" and (Path(where[1]) / "shapes.ttl").is_file()
    assert Path(where[2]) == package / "_data" / "queries" and any(Path(where[2]).glob("*.rq"))
    assert Path(where[3]) == package / "_data" / "examples" / "profiles" / SEED.name

    r = _run(venv / "bin" / "kg", "build", page.name, "--as-of", AS_OF.isoformat(), "--store", "store",
             cwd=run)
    papers = len(read_profile(SEED, as_of=AS_OF).papers)
    assert f"papers {papers} · " in " ".join(r.stdout.split())
    stats = _run(venv / "bin" / "python", "-m", "kg", "stats", "--store", "store", cwd=run)
    assert "ontology_triples" in stats.stdout and (run / "store").is_dir()
