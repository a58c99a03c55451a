"""The bundled example's graph, pinned quad by quad: a refactor of the builder, the mapper or
the readers cannot change what the example builds into without this test saying which quads.

A deliberate change of the output regenerates the pin with ``python tests/test_pinned_output.py``
(and the commit says why the graph changed).
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import AS_OF, SEED  # noqa: E402

from kg.builder import build_sources  # noqa: E402
from kg.store import KGStore  # noqa: E402

PIN = ROOT / "tests" / "data" / "pinned" / "chuhan-wu.source.nq.gz"
EPOCH = "1764115200"  # 2025-11-26T00:00:00Z
GRAPH = ox.NamedNode("https://w3id.org/scholarly-kg/id/source/chuhan-wu.txt")


VOCABULARY = re.compile(r'(kg/ns#vocabularySha256> )"[0-9a-f]{64}"')


def _source_nquads(tmp: Path) -> list[str]:
    """The source graph's sorted N-Quads; the fingerprint of the ontology files is masked (any
    edit of ontology/ changes it, and test_build checks that it is recorded)."""
    store = KGStore(tmp / "store")
    build_sources([SEED], store=store, as_of=AS_OF)
    return sorted(VOCABULARY.sub(r'\1"<ontology fingerprint>"', f"{q} .\n") for q in store.quads(GRAPH))


def test_the_bundled_example_builds_exactly_the_pinned_quads(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    got = _source_nquads(tmp_path)
    want = gzip.decompress(PIN.read_bytes()).decode("utf-8").splitlines(keepends=True)
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, (f"{len(missing)} pinned quads missing, {len(extra)} new; first: "
                                       f"{(missing or [''])[0]!r} / {(extra or [''])[0]!r}")
    assert got == want
    assert len(got) == 5395


if __name__ == "__main__":
    import os
    import tempfile

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    with tempfile.TemporaryDirectory() as tmp:
        lines = _source_nquads(Path(tmp))
    PIN.parent.mkdir(parents=True, exist_ok=True)
    PIN.write_bytes(gzip.compress("".join(lines).encode("utf-8"), mtime=0))
    print(f"wrote {PIN} ({len(lines)} quads)")
