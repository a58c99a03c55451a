"""Shared fixtures: the bundled example, its records and a built store.

Tests that need an outside program (Chromium, Virtuoso, rapper) call :func:`need`, which
skips locally when it is missing but fails in CI (``KG_REQUIRE_SERVERS=1``, set by .ci/run).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# rich sizes its consoles from COLUMNS when kg.cli is first imported (else the terminal,
# else 80). Fix it before any test imports the CLI so output never depends on who runs CI.
os.environ["COLUMNS"] = "200"

from kg.builder import build_sources
from kg.extract import read_profile
from kg.models import ProfileRecords
from kg.store import KGStore

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "profiles" / "chuhan-wu.txt"
AS_OF = dt.date(2026, 11, 26)
OWNER = "Chuhan Wu"


def billion_laughs_doctype(root: str, levels: int = 9) -> str:
    """An XML DOCTYPE declaring the classic entity bomb: ``&lol{levels};`` expands to 10**levels 'lol's."""
    lines = [f"<!DOCTYPE {root} [", ' <!ENTITY lol "lol">']
    for k in range(1, levels + 1):
        ref = f"&lol{k - 1 if k > 1 else ''};"
        lines.append(f' <!ENTITY lol{k} "{ref * 10}">')
    return "\n".join([*lines, "]>"])


def need(program: str, why: str = "") -> str:
    """Path of an outside program; skip (locally) or fail (CI) when it is missing."""
    path = shutil.which(program) or (program if Path(program).exists() else None)
    if path:
        return path
    message = f"{program} is not installed{': ' + why if why else ''}"
    if os.environ.get("KG_REQUIRE_SERVERS") == "1":
        pytest.fail(message + " (KG_REQUIRE_SERVERS=1: .ci/run must install it)")
    pytest.skip(message)


def signal_when_ready(script: str, args: list[str], ready: str, sig: signal.Signals) -> tuple[int, str]:
    """Run ``python -c script *args``, send ``sig`` when it prints the line ``ready``.

    Returns its exit status and the rest of its output; the child never outlives the call.
    """
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == ready, proc.stderr.read() if proc.stderr else line
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out


@pytest.fixture(scope="session")
def seed_records() -> ProfileRecords:
    return read_profile(SEED, as_of=AS_OF)


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> KGStore:
    """A persistent store with the seed built into it (shared, treat as read-only)."""
    path = tmp_path_factory.mktemp("seed-store") / "store"
    store = KGStore(path)
    build_sources([SEED], store=store, as_of=AS_OF)
    return store


@pytest.fixture(scope="session")
def seed_memory_store() -> KGStore:
    """An in-memory store with the seed built into it (shared, treat as read-only)."""
    store = KGStore()
    build_sources([SEED], store=store, as_of=AS_OF)
    return store
