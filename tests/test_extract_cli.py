"""``kg extract PAGE [--as-of] [--json] [--strict]``: JSON records, the summary, problems on
stderr as ``file:line: ...``, strict refusal with nothing on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AS_OF, SEED
from typer.testing import CliRunner

from kg.cli import app
from kg.models import Paper, ProfileRecords

SEED_LINES = SEED.read_bytes().split(b"\n")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["extract", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def damaged(tmp_path: Path) -> Path:
    """The seed with block 3's month broken and a stray line holding rich markup."""
    lines = list(SEED_LINES)
    lines[25] = lines[25].replace(b"Jul", b"Jux")  # line 26: "CVJul 19, 2022"
    lines.insert(11, b"[bold red]not a paper[/]")  # becomes line 12
    path = tmp_path / "damaged.txt"
    path.write_bytes(b"\n".join(lines))
    return path


def test_json_is_the_records(seed_records: ProfileRecords) -> None:
    code, out, errout = run(str(SEED), "--as-of", AS_OF.isoformat(), "--json")
    assert (code, errout) == (0, "")
    data = json.loads(out)
    assert list(data) == ["profile", "papers", "problems", "source"]
    assert data["profile"]["papers_listed"] == 50 and data["profile"]["as_of"] == "2026-11-26"
    assert data["profile"]["citations"] == 14304 and data["problems"] == []
    assert [set(p) for p in data["papers"]] == [set(Paper.model_fields)] * 50
    assert data["papers"] == seed_records.model_dump(mode="json")["papers"]
    assert ProfileRecords.model_validate(data) == seed_records  # nothing lost in JSON
    assert data["source"]["sha256"] == seed_records.source.sha256
    assert run(str(SEED), "--as-of", AS_OF.isoformat(), "--json")[1] == out  # deterministic


def test_summary_on_the_seed() -> None:
    code, out, errout = run(str(SEED), "--as-of", "2026-11-26")
    assert (code, errout) == (0, "")
    for expected in ("Chuhan Wu", "50 / 77", "IR 16, CL 15, LG 14, AI 3, CV 2", "tencent-ai 8",
                     "2026-05-29, 2026-04-14", "https://github.com/YJiangcm/LTE\n",
                     "https://huggingface.co/Team-ACE\n"):
        assert expected in out
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in out.splitlines()
            if line.count("│") == 3}
    assert (rows["with code"], rows["truncated author lists"], rows["distinct visible authors"],
            rows["owner inferred (no position)"], rows["links"], rows["skipped blocks"]) == \
        ("7", "47", "54", "17", "7", "0")


def test_damaged_page_reports_and_summarises(damaged: Path) -> None:
    code, out, errout = run(str(damaged), "--as-of", "2026-11-26")
    assert code == 0
    assert errout.splitlines() == [
        f"{damaged}:12: error: line 12 after the header: not part of any paper (no category/date line "
        "such as 'IRJun 9, 2023' starts them); 1 non-blank line(s) skipped as an unreadable block: "
        "'[bold red]not a paper[/]'",
        f"{damaged}:27: error: unknown month 'Jux' in 'CVJux 19, 2022'; paper block skipped",
    ]
    assert "│ skipped blocks" in out and "49 / 77" in out
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in out.splitlines()
            if line.count("│") == 3}
    assert rows["skipped blocks"] == "2" and rows["problems"] == "2 errors, 0 warnings"
    assert "skipped: line 27: unknown month 'Jux'" in out
    assert "'[bold red]not a paper[/]'" in out  # printed as text, never as rich markup


def test_strict_refuses_with_nothing_on_stdout(damaged: Path) -> None:
    for extra in ([], ["--json"]):
        code, out, errout = run(str(damaged), "--as-of", "2026-11-26", "--strict", *extra)
        assert (code, out) == (1, "")
        assert errout.splitlines()[0].startswith(f"{damaged}:12: error: ")
        assert errout.splitlines()[-1] == f"error: {damaged}: 2 problem(s); nothing extracted"
    code, out, _ = run(str(SEED), "--as-of", "2026-11-26", "--strict", "--json")
    assert code == 0 and len(json.loads(out)["papers"]) == 50


def test_strict_refuses_warnings_too(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))
    assert run(str(path), "--as-of", "2026-11-26", "--json")[0] == 0
    code, out, errout = run(str(path), "--as-of", "2026-11-26", "--json", "--strict")
    assert (code, out) == (1, "") and errout.startswith(f"{path}:1: warning: Windows line endings")


@pytest.mark.parametrize(("data", "line"), [(b"", "0: error: the file is empty"),
                                            (b"\x00\x01\x02" * 100, "0: error: this is a binary file")])
def test_unreadable_file(tmp_path: Path, data: bytes, line: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    code, out, errout = run(str(path), "--json")
    assert (code, out) == (1, "") and errout.startswith(f"{path}:{line}")


def test_missing_file_and_bad_date(tmp_path: Path) -> None:
    code, out, errout = run(str(tmp_path / "nope.txt"))
    assert (code, out) == (1, "") and errout.startswith(f"{tmp_path / 'nope.txt'}:0: error: cannot read")
    code, out, errout = run(str(SEED), "--as-of", "26/11/2026")
    assert code == 2 and out == "" and "'26/11/2026' is not a date in YYYY-MM-DD form" in errout


def test_default_as_of_is_today() -> None:
    import datetime as dt

    code, out, _ = run(str(SEED), "--json")
    assert code == 0 and json.loads(out)["profile"]["as_of"] == dt.date.today().isoformat()


def test_installed_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "kg", "extract", str(SEED), "--as-of", "2026-11-26",
                           "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and proc.stderr == ""
    assert len(json.loads(proc.stdout)["papers"]) == 50
