"""Records per second of each reader, against the profile-page reader in the same run.

Each format gets a generated file of N records with 3-14 authors, built from the shapes of the
fixtures in tests/data/cross/ (titles, names and identifiers vary per record), and each reader
reads it ``--repeat`` times; the median is reported, with the ratio to the profile reader on a
page of the same N papers (the baseline, measured in the same run on the same machine).

    python benchmarks/readers_bench.py --n 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_crash import synthetic_page  # noqa: E402  (the tests' page generator)

from kg.extract.sources import read_source, readers  # noqa: E402

NAMES = ["Chuhan Wu", "Fangzhao Wu", "Tao Qi", "Yongfeng Huang", "Xing Xie", "Weiwen Liu", "Ruiming Tang",
         "Jianghao Lin", "Xinyi Dai", "Yunjia Xi", "Bo Chen", "Hao Zhang", "Yong Liu", "Weinan Zhang"]


def _authors(k: int) -> list[str]:
    n = 3 + k % 12
    return [f"{NAMES[(k + j) % len(NAMES)].split()[0]} {NAMES[(k * 7 + j) % len(NAMES)].split()[1]}{j}"
            for j in range(n)]


def bibtex(n: int) -> str:
    out = []
    for k in range(n):
        authors = " and ".join(f"{a.split()[1]}, {a.split()[0]}" for a in _authors(k))
        out.append(f"@inproceedings{{key{k},\n  title = {{Study {k} of {{G}}raph Building}},\n"
                   f"  author = {{{authors}}},\n  booktitle = {{Proc. {k % 40}}},\n"
                   f"  year = {{{2000 + k % 25}}},\n"
                   f"  doi = {{10.1000/x{k}}}\n}}\n")
    return "\n".join(out)


def atom(n: int) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
           'xmlns:arxiv="http://arxiv.org/schemas/atom">']
    for k in range(n):
        authors = "".join(f"<author><name>{a}</name><arxiv:affiliation>Lab {k % 9}</arxiv:affiliation>"
                          "</author>" for a in _authors(k))
        out.append(f"<entry><id>http://arxiv.org/abs/2101.{k:05d}v2</id>"
                   f"<updated>2021-02-01T00:00:00Z</updated>"
                   f"<published>2021-01-{1 + k % 28:02d}T00:00:00Z</published>"
                   f"<title>Study {k} of graph building"
                   f"</title><summary>We study problem {k} with method {k % 17}.</summary>{authors}"
                   '<arxiv:primary_category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>'
                   '<category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/></entry>')
    out.append("</feed>")
    return "\n".join(out)


def openalex(n: int) -> str:
    lines = []
    for k in range(n):
        names = _authors(k)
        lines.append(json.dumps({
            "id": f"https://openalex.org/W{10_000_000 + k}", "doi": f"https://doi.org/10.1000/x{k}",
            "title": f"Study {k} of graph building", "publication_year": 2000 + k % 25,
            "publication_date": f"{2000 + k % 25}-03-{1 + k % 28:02d}", "type": "article",
            "authorships": [{"author_position": ("first" if j == 0 else "last" if j == len(names) - 1
                                                 else "middle"),
                             "author": {"id": f"https://openalex.org/A{5_000_000 + (k * 13 + j) % 90_000}",
                                        "display_name": a, "orcid": None},
                             "institutions": [{"id": "https://openalex.org/I99065089",
                                               "display_name": "Tsinghua University",
                                               "ror": "https://ror.org/03cve4549", "country_code": "CN"}]}
                            for j, a in enumerate(names)],
            "abstract_inverted_index": {"We": [0], "study": [1], f"problem{k}": [2]}}))
    return "\n".join(lines) + "\n"


def dblp(n: int) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<dblp>']
    for k in range(n):
        authors = "".join(f"<author>{a}</author>" for a in _authors(k))
        out.append(f'<inproceedings key="conf/x/K{k}" mdate="2021-01-01">{authors}<title>Study {k} of '
                   f"graph building.</title><year>{2000 + k % 25}</year><booktitle>Proc. {k % 40}</booktitle>"
                   f'<ee type="oa">https://doi.org/10.1000/x{k}</ee></inproceedings>')
    out.append("</dblp>")
    return "\n".join(out)


FORMATS = {"profile": (".txt", lambda n: synthetic_page(n)), "bibtex": (".bib", bibtex),
           "arxiv": (".atom", atom), "openalex": (".jsonl", openalex), "dblp": (".xml", dblp)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="records per file")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        installed = {r.format for r in readers()}
        for fmt, (ext, make) in FORMATS.items():
            if fmt not in installed:
                print(f"{fmt:9s} not installed", flush=True)
                continue
            path = Path(tmp) / f"bench{ext}"
            path.write_text(make(args.n), encoding="utf-8")
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                records = read_source(path, format=fmt)
                times.append(time.perf_counter() - t0)
            assert len(records.papers) == args.n, (fmt, len(records.papers), records.problems[:3])
            rates[fmt] = args.n / statistics.median(times)
            mb = path.stat().st_size / 1e6
            print(f"{fmt:9s} {args.n:7d} records {mb:7.1f} MB  median {statistics.median(times):6.2f} s  "
                  f"{rates[fmt]:8.0f} records/s  ({rates[fmt] / rates['profile']:.2f}x the profile reader)",
                  flush=True)


if __name__ == "__main__":
    main()
