"""Fuzz the extractor with seeded random byte- and line-level damage to the seed.

Two promises are checked on every mutant: nothing but :class:`ExtractionError` escapes, and
no block that was left intact is lost or changed.  A block is *intact* when its six lines
(category/date, title, blank, authors, blank, abstract) are still there, unchanged and
adjacent, and the owner's name is still the first line (inferred authorships depend on it).
What surrounds an intact block (a garbled neighbour, a missing blank) may be anything.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
from conftest import AS_OF, SEED
from test_extract_helpers import scan

from kg.extract import ExtractionError, parse_profile
from kg.models import Paper, ProfileRecords

SEED_BYTES = SEED.read_bytes()
HEADS = [b.line - 1 for b in scan(SEED_BYTES.decode("utf-8"))]  # 0-based line index of each head
CASES = 120  # ~4 s on this machine; each case is one seeded mutant
INSERTS = [b"\x00", b"7", b"00", b"\xff", b"\xc3", b"\r", b"\t", b"\x0b", b"\xef\xbb\xbf", b" \xc2\xb7 ",
           b", ", b" et al.", b"\n", b"\n\n", b"IRJan 1, 2020", b"Code", b"$\\textbf{", b"https://github.com/x/y."]
GARBAGE_LINES = [b"", b"", b"   ", b"IRJan 1, 2020", b"XXFeb 30", b"CLMay 29Code", b"garbage line",
                 b"\xff\xfe\x00bad", b"Chuhan Wu", b"A, B, C et al. \xc2\xb7 org", b"77 Papers"]


@dataclass
class Line:
    data: bytes
    orig: int | None  # index of the seed line it still is, unchanged; None once touched


def mutate(rng: random.Random) -> tuple[list[Line], bool]:
    """A damaged copy of the seed as lines, and whether a BOM was put in front."""
    lines = [Line(d, i) for i, d in enumerate(SEED_BYTES.split(b"\n"))]
    bom = False
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(["flip", "insert", "delete-bytes", "cut-line", "delete-line", "duplicate",
                         "insert-line", "swap", "truncate-file", "bom"])
        if not lines:
            break
        i = rng.randrange(len(lines))
        d = lines[i].data
        if op == "bom":
            bom = True
        elif op in ("flip", "insert", "delete-bytes", "cut-line", "truncate-file"):
            j = rng.randint(0, len(d))
            if op == "flip" and d:
                j = min(j, len(d) - 1)
                new = d[:j] + bytes([rng.randrange(256)]) + d[j + 1:]
            elif op == "insert":
                new = d[:j] + rng.choice(INSERTS) + d[j:]
            elif op == "delete-bytes":
                new = d[:j] + d[j + rng.randint(1, 20):]
            else:
                new = d[:j]
            if new != d:
                # a byte may have become a newline: the pieces are new lines, all touched
                lines[i : i + 1] = [Line(piece, None) for piece in new.split(b"\n")]
            if op == "truncate-file":
                del lines[i + 1:]
        elif op == "delete-line":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, Line(d, None))
        elif op == "insert-line":
            lines.insert(i, Line(rng.choice(GARBAGE_LINES), None))
        elif op == "swap" and i + 1 < len(lines) and lines[i].data != lines[i + 1].data:
            lines[i], lines[i + 1] = Line(lines[i + 1].data, None), Line(d, None)
    return lines, bom


def intact_heads(lines: list[Line]) -> dict[int, int]:
    """Seed block index -> 1-based line of its head in the mutant, for every intact block."""
    where = {ln.orig: k for k, ln in enumerate(lines) if ln.orig is not None}
    out = {}
    for b, h in enumerate(HEADS):
        if all(h + j in where and where[h + j] == where[h] + j for j in range(6)):
            out[b] = where[h] + 1
    return out


def same(a: Paper, b: Paper) -> bool:
    return a.model_copy(update={"source_line": None}) == b.model_copy(update={"source_line": None})


@pytest.mark.parametrize("chunk", range(4))
def test_fuzz_seed_mutants(chunk: int, seed_records: ProfileRecords) -> None:
    checked = 0
    for case in range(chunk, CASES, 4):
        rng = random.Random(case)
        lines, bom = mutate(rng)
        data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(ln.data for ln in lines)
        heads = intact_heads(lines)
        owner_intact = bool(lines) and lines[0].orig == 0
        try:
            recs = parse_profile(data, as_of=AS_OF, file="mutant.txt")
        except ExtractionError as e:  # the only error allowed out
            assert e.problems and all(str(p).startswith("mutant.txt:") for p in e.problems)
            assert not (owner_intact and heads), f"case {case}: intact blocks lost with the file"
            continue
        n_lines = len(lines)
        assert all(0 <= p.line <= n_lines for p in recs.problems), case
        if not owner_intact:
            continue
        by_line = {p.source_line: p for p in recs.papers}
        for b, line in heads.items():
            assert line in by_line, f"case {case}: intact block {b} (line {line}) lost"
            assert same(by_line[line], seed_records.papers[b]), f"case {case}: block {b} changed"
            checked += 1
        # nothing is lost silently: every block read or reported
        assert len(recs.papers) + len(recs.skipped) >= len(heads)
    assert checked > 0  # the mutants leave most blocks intact, so this really compares


def test_fuzz_random_bytes_and_tails() -> None:
    """Pure noise and random tails never raise anything but ExtractionError."""
    rng = random.Random(7)
    for _ in range(60):
        size = rng.choice([1, 5, 50, 500, 5000])
        noise = rng.randbytes(size)
        for data in (noise, SEED_BYTES[: rng.randrange(len(SEED_BYTES))] + noise,
                     noise.replace(b"\x00", b"") + b"\n" + SEED_BYTES):
            try:
                recs = parse_profile(data, as_of=dt.date(2026, 11, 26))
            except ExtractionError as e:
                assert e.problems
            else:
                assert recs.profile.papers_listed == len(recs.papers)
