"""Write the OpenAlex fixtures of tests/test_read_openalex.py from the Work objects below.

The works are papers of Chuhan Wu's bibliography, written after the documented Work object
(https://docs.openalex.org/api-entities/works/work-object): ids, locations with their
sources, authorships with institutions, the abstract as an inverted index, topics with their
subfield/field/domain, concepts, keywords and the fields the reader ignores (counts, biblio,
open_access, referenced_works...).  The OpenAlex, ORCID and MAG ids are invented (ORCIDs
with valid check digits); ROR ids are the real ones of the institutions.

One set of works, three layouts:

* ``works.jsonl``  -- the snapshot: one compact Work per line;
* ``works.json``   -- a JSON list, pretty-printed as ``json.dump(indent=2)`` writes it;
* ``page.json``    -- an API page ``{"meta", "results", "group_by"}`` as the API sends it
  (one line, no final newline), with ``is_authors_truncated`` as list endpoints add it.

Run ``python tests/data/openalex/make_fixtures.py`` after editing; a test checks that the
files are what this script writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OA = "https://openalex.org/"

ARXIV_SOURCE = {
    "id": OA + "S4306400194", "display_name": "arXiv (Cornell University)", "issn_l": None,
    "issn": None, "is_oa": True, "is_in_doaj": False, "is_core": False,
    "host_organization": OA + "I205783295", "host_organization_name": "Cornell University",
    "host_organization_lineage": [OA + "I205783295"],
    "host_organization_lineage_names": ["Cornell University"],
    "type": "repository",
}

TSINGHUA = {"id": OA + "I99065089", "display_name": "Tsinghua University", "ror": "https://ror.org/03cve4549",
            "country_code": "CN", "type": "education", "lineage": [OA + "I99065089"]}
MSRA = {"id": OA + "I4210113369", "display_name": "Microsoft Research Asia (China)",
        "ror": "https://ror.org/0300m5276", "country_code": "CN", "type": "company",
        "lineage": [OA + "I1290206253", OA + "I4210113369"]}
USTC = {"id": OA + "I126520041", "display_name": "University of Science and Technology of China",
        "ror": "https://ror.org/04c4dkn09", "country_code": "CN", "type": "education",
        "lineage": [OA + "I19820366", OA + "I126520041"]}

PEOPLE = {
    "Chuhan Wu": (OA + "A5101634210", "https://orcid.org/0000-0001-5730-8792"),
    "Fangzhao Wu": (OA + "A5043521880", "https://orcid.org/0000-0001-9138-1862"),
    "Tao Qi": (OA + "A5085347213", None),
    "Yongfeng Huang": (OA + "A5031873226", "https://orcid.org/0000-0003-2263-8710"),
    "Xing Xie": (OA + "A5047729571", "https://orcid.org/0000-0002-8608-8482"),
    "Suyu Ge": (OA + "A5012589334", None),
    "Yang Cao": (OA + "A5068912406", "https://orcid.org/0000-0003-0546-101X"),
    "Mingxiao An": (OA + "A5090011845", None),
    "Kun Zhang": (OA + "A5017742239", "https://orcid.org/0000-0002-4071-3529"),
    "Zheng Liu": (OA + "A5076602418", None),
}
RAW_AFFILIATION = {
    "Tsinghua University": "Department of Electronic Engineering, Tsinghua University, Beijing 100084, China",
    "Microsoft Research Asia (China)": "Microsoft Research Asia, Beijing, China",
    "University of Science and Technology of China": "University of Science and Technology of China, "
                                                     "Hefei, China",
}


def authorships(*people: tuple[str, list[dict[str, Any]] | str]) -> list[dict[str, Any]]:
    """Authorship objects; an affiliation given as a string is one OpenAlex did not match."""
    out = []
    for k, (name, insts) in enumerate(people):
        author_id, orcid = PEOPLE[name]
        if isinstance(insts, str):
            institutions, raw = [], [insts]
            affiliations = [{"raw_affiliation_string": insts, "institution_ids": []}]
        else:
            institutions = insts
            raw = [RAW_AFFILIATION[i["display_name"]] for i in insts]
            affiliations = [{"raw_affiliation_string": RAW_AFFILIATION[i["display_name"]],
                             "institution_ids": [i["id"]]} for i in insts]
        out.append({
            "author_position": "first" if k == 0 else "last" if k == len(people) - 1 else "middle",
            "author": {"id": author_id, "display_name": name, "orcid": orcid},
            "institutions": institutions,
            "countries": sorted({i["country_code"] for i in institutions}),
            "is_corresponding": k == 0,
            "raw_author_name": name,
            "raw_affiliation_strings": raw,
            "affiliations": affiliations,
        })
    return out


def inverted(abstract: str | None) -> dict[str, list[int]] | None:
    """OpenAlex's abstract_inverted_index: each white-space separated word and its positions."""
    if abstract is None:
        return None
    index: dict[str, list[int]] = {}
    for position, word in enumerate(abstract.split()):
        index.setdefault(word, []).append(position)
    return index


def topic(tid: str, name: str, score: float, subfield: tuple[int, str]) -> dict[str, Any]:
    return {"id": OA + tid, "display_name": name, "score": score,
            "subfield": {"id": f"{OA}subfields/{subfield[0]}", "display_name": subfield[1]},
            "field": {"id": OA + "fields/17", "display_name": "Computer Science"},
            "domain": {"id": OA + "domains/3", "display_name": "Physical Sciences"}}


def concept(cid: str, wikidata: str, name: str, level: int, score: float) -> dict[str, Any]:
    return {"id": OA + cid, "wikidata": "https://www.wikidata.org/wiki/" + wikidata,
            "display_name": name, "level": level, "score": score}


def keyword(slug: str, name: str, score: float) -> dict[str, Any]:
    return {"id": f"{OA}keywords/{slug}", "display_name": name, "score": score}


def location(landing: str, pdf: str | None, source: dict[str, Any] | None, version: str,
             *, is_oa: bool = True, license: str | None = None) -> dict[str, Any]:
    return {"is_oa": is_oa, "landing_page_url": landing, "pdf_url": pdf, "source": source,
            "license": license, "license_id": None, "version": version,
            "is_accepted": version != "submittedVersion", "is_published": version == "publishedVersion"}


def conference(sid: str, name: str) -> dict[str, Any]:
    return {"id": OA + sid, "display_name": name, "issn_l": None, "issn": None, "is_oa": False,
            "is_in_doaj": False, "is_core": True, "host_organization": None, "host_organization_name": None,
            "host_organization_lineage": [], "host_organization_lineage_names": [], "type": "conference"}


NLP = topic("T10181", "Natural Language Processing Techniques", 0.9987, (1702, "Artificial Intelligence"))
RECSYS = topic("T10203", "Recommender Systems and Techniques", 0.9995, (1710, "Information Systems"))
TOPIC_MODELING = topic("T10028", "Topic Modeling", 0.9921, (1702, "Artificial Intelligence"))
PRIVACY = topic("T10764", "Privacy-Preserving Technologies in Data", 0.9998, (1710, "Information Systems"))
CS = concept("C41008148", "Q21198", "Computer science", 0, 0.8123)
RECOMMENDER = concept("C557471498", "Q554950", "Recommender system", 2, 0.7419)
AI = concept("C154945302", "Q11660", "Artificial intelligence", 1, 0.4311)


def work(wid: str, mag: str, title: str, date: str, type_: str, doi: str | None,
         primary: dict[str, Any], others: list[dict[str, Any]], people: list[dict[str, Any]],
         abstract: str | None, topics: list[dict[str, Any]], concepts: list[dict[str, Any]],
         keywords: list[dict[str, Any]], cited: int, biblio: dict[str, Any] | None = None) -> dict[str, Any]:
    ids: dict[str, Any] = {"openalex": OA + wid}
    if doi:
        ids["doi"] = doi
    ids["mag"] = mag
    locations = [primary, *others]
    best = next((loc for loc in locations if loc["is_oa"]), None)
    return {
        "id": OA + wid, "doi": doi, "title": title, "display_name": title,
        "publication_year": int(date[:4]), "publication_date": date, "ids": ids, "language": "en",
        "primary_location": primary, "type": type_,
        "type_crossref": "posted-content" if type_ == "preprint" else "proceedings-article"
        if primary["source"] and primary["source"]["type"] == "conference" else "journal-article",
        "indexed_in": ["arxiv", "datacite"] if type_ == "preprint" else ["crossref"],
        "open_access": {"is_oa": best is not None, "oa_status": "green" if best else "closed",
                        "oa_url": best["landing_page_url"] if best else None,
                        "any_repository_has_fulltext": best is not None},
        "authorships": people, "countries_distinct_count": len({c for a in people for c in a["countries"]}),
        "institutions_distinct_count": len({i["id"] for a in people for i in a["institutions"]}),
        "corresponding_author_ids": [people[0]["author"]["id"]],
        "corresponding_institution_ids": [i["id"] for i in people[0]["institutions"]],
        "apc_list": None, "apc_paid": None, "fwci": None, "has_fulltext": best is not None,
        "cited_by_count": cited,
        "biblio": biblio or {"volume": None, "issue": None, "first_page": None, "last_page": None},
        "is_retracted": False, "is_paratext": False,
        "primary_topic": topics[0], "topics": topics, "keywords": keywords, "concepts": concepts,
        "mesh": [], "locations_count": len(locations), "locations": locations, "best_oa_location": best,
        "sustainable_development_goals": [], "grants": [],
        "referenced_works_count": 2, "referenced_works": [OA + "W2963403868", OA + "W2896457183"],
        "related_works": [OA + "W4385245566", OA + "W2963341956"],
        "abstract_inverted_index": inverted(abstract),
        "cited_by_api_url": f"https://api.openalex.org/works?filter=cites:{wid}",
        "counts_by_year": [{"year": 2024, "cited_by_count": cited // 3}],
        "updated_date": "2025-01-06T08:17:40.502094", "created_date": "2021-09-13",
    }


WORKS = [
    work("W3194729311", "3194729311", "Fastformer: Additive Attention Can Be All You Need", "2021-08-20",
         "preprint", "https://doi.org/10.48550/arxiv.2108.09084",
         location("https://arxiv.org/abs/2108.09084", "https://arxiv.org/pdf/2108.09084", ARXIV_SOURCE,
                  "submittedVersion", license="other-oa"),
         [location("https://doi.org/10.48550/arxiv.2108.09084", "http://arxiv.org/pdf/2108.09084v6",
                   ARXIV_SOURCE, "submittedVersion", license="other-oa")],
         authorships(("Chuhan Wu", [TSINGHUA]), ("Fangzhao Wu", [MSRA]), ("Tao Qi", [TSINGHUA]),
                     ("Yongfeng Huang", [TSINGHUA]), ("Xing Xie", [MSRA])),
         "Transformer is a powerful model for text understanding, but its complexity is quadratic "
         "in the input length. We propose Fastformer, an efficient Transformer based on additive "
         "attention: it first models global contexts with additive attention and then transforms "
         "each token by its interaction with them, which gives linear complexity. Experiments on "
         "five datasets show that Fastformer is much more efficient than many Transformer models "
         "and as effective in long text modeling. Code: https://github.com/wuch15/Fastformer.",
         [NLP, TOPIC_MODELING, topic("T11307", "Domain Adaptation and Few-Shot Learning", 0.965,
                                     (1702, "Artificial Intelligence"))],
         [CS, concept("C66322947", "Q11658", "Transformer", 3, 0.6875), AI],
         [keyword("transformer", "Transformer", 0.61),
          keyword("additive-attention", "Additive Attention", 0.55)],
         151),
    work("W2970290486", "2970290486", "Neural News Recommendation with Multi-Head Self-Attention",
         "2019-01-01", "article", "https://doi.org/10.18653/v1/d19-1671",
         location("https://doi.org/10.18653/v1/d19-1671", "https://www.aclweb.org/anthology/D19-1671.pdf",
                  conference("S4306418267", "Proceedings of the 2019 Conference on Empirical Methods in "
                             "Natural Language Processing and the 9th International Joint Conference on "
                             "Natural Language Processing (EMNLP-IJCNLP)"), "publishedVersion",
                  license="cc-by"),
         [location("https://aclanthology.org/D19-1671", "https://aclanthology.org/D19-1671.pdf", None,
                   "publishedVersion", license="cc-by")],
         authorships(("Chuhan Wu", [TSINGHUA]), ("Fangzhao Wu", [MSRA]), ("Suyu Ge", [TSINGHUA]),
                     ("Tao Qi", [TSINGHUA]), ("Yongfeng Huang", [TSINGHUA]), ("Xing Xie", [MSRA])),
         "News recommendation helps users find news they are interested in. We propose a neural "
         "news recommendation approach with multi-head self-attention (NRMS): the news encoder "
         "learns news representations from titles by modeling word interactions, and the user "
         "encoder learns user representations from browsed news, with additive attention to "
         "select important words and news. Experiments on a real-world dataset validate NRMS.",
         [RECSYS, NLP], [CS, RECOMMENDER, AI], [keyword("news-recommendation", "News Recommendation", 0.71)],
         412),
    work("W3176937612", "3176937612", "Empowering News Recommendation with Pre-trained Language Models",
         "2021-07-11", "article", "https://doi.org/10.1145/3404835.3463069",
         location("https://doi.org/10.1145/3404835.3463069", None,
                  conference("S4363608773", "Proceedings of the 44th International ACM SIGIR Conference on "
                             "Research and Development in Information Retrieval"), "publishedVersion",
                  is_oa=False),
         [location("http://arxiv.org/abs/2104.07413", "http://arxiv.org/pdf/2104.07413", ARXIV_SOURCE,
                   "submittedVersion", license="other-oa")],
         authorships(("Chuhan Wu", [TSINGHUA]), ("Fangzhao Wu", [MSRA]), ("Tao Qi", [TSINGHUA]),
                     ("Yongfeng Huang", [TSINGHUA])),
         "Personalized news recommendation relies on modeling news texts, yet existing methods use "
         "shallow models. We propose PLM-NR, which empowers news recommendation with pre-trained "
         "language models, improving results on offline datasets and in online flight tests. "
         "Code is at https://github.com/wuch15/PLM4NewsRec",
         [RECSYS, NLP], [CS, RECOMMENDER], [keyword("language-model", "Language Model", 0.48)], 198),
    work("W3128960813", "3128960813", "FedGNN: Federated Graph Neural Network for Privacy-Preserving "
         "Recommendation", "2021-02-09", "preprint", "https://doi.org/10.48550/arxiv.2102.04925",
         location("https://arxiv.org/abs/2102.04925", "https://arxiv.org/pdf/2102.04925", ARXIV_SOURCE,
                  "submittedVersion", license="other-oa"),
         [],
         authorships(("Chuhan Wu", [TSINGHUA]), ("Fangzhao Wu", [MSRA]),
                     ("Yang Cao", "Kyoto University, Kyoto, Japan"),
                     ("Yongfeng Huang", [TSINGHUA]), ("Xing Xie", [MSRA])),
         "Graph neural networks model high-order user-item interactions for recommendation, but "
         "training them centrally on user data raises privacy concerns. We propose FedGNN, a "
         "federated framework that trains GNN models on local user-item graphs and uploads "
         "perturbed gradients protected by local differential privacy.",
         [PRIVACY, RECSYS],
         [CS, RECOMMENDER, concept("C2778455829", "Q5440436", "Federated learning", 2, 0.5902)],
         [keyword("federated-learning", "Federated Learning", 0.66)], 160),
    work("W2949676527", "2949676527", "Neural News Recommendation with Long- and Short-term User "
         "Representations", "2019-01-01", "article", "https://doi.org/10.18653/v1/p19-1033",
         location("https://doi.org/10.18653/v1/p19-1033", "https://www.aclweb.org/anthology/P19-1033.pdf",
                  conference("S4306420508", "Proceedings of the 57th Annual Meeting of the Association for "
                             "Computational Linguistics"), "publishedVersion", license="cc-by"),
         [],
         authorships(("Mingxiao An", [USTC]), ("Fangzhao Wu", [MSRA]), ("Chuhan Wu", [TSINGHUA]),
                     ("Kun Zhang", [USTC]), ("Zheng Liu", [MSRA]), ("Xing Xie", [MSRA])),
         None, [RECSYS], [CS, RECOMMENDER], [], 377),
    work("W3169826011", "3169826011", "Personalized News Recommendation: Methods and Challenges",
         "2023-01-31", "article", "https://doi.org/10.1145/3530257",
         location("https://doi.org/10.1145/3530257", None,
                  {"id": OA + "S167955471", "display_name": "ACM Transactions on Information Systems",
                   "issn_l": "1046-8188", "issn": ["1046-8188", "1558-2868"], "is_oa": False,
                   "is_in_doaj": False, "is_core": True, "host_organization": OA + "P4310319798",
                   "host_organization_name": "Association for Computing Machinery",
                   "host_organization_lineage": [OA + "P4310319798"],
                   "host_organization_lineage_names": ["Association for Computing Machinery"],
                   "type": "journal"}, "publishedVersion", is_oa=False),
         [location("https://arxiv.org/abs/2106.08934v3", "https://arxiv.org/pdf/2106.08934v3", ARXIV_SOURCE,
                   "submittedVersion", license="other-oa")],
         authorships(("Chuhan Wu", [TSINGHUA]), ("Fangzhao Wu", [MSRA]), ("Yongfeng Huang", [TSINGHUA]),
                     ("Xing Xie", [MSRA])),
         "Personalized news recommendation helps users find news of interest and improves reading "
         "experience. This survey reviews the key techniques: news modeling, user modeling, "
         "personalized ranking, training and evaluation, and discusses responsible recommendation "
         "(privacy, fairness and diversity).",
         [RECSYS], [CS, RECOMMENDER, AI], [keyword("news-recommendation", "News Recommendation", 0.74)], 125,
         {"volume": "41", "issue": "1", "first_page": "1", "last_page": "50"}),
]


def render() -> dict[str, str]:
    """The text of each fixture file."""
    lines = "".join(json.dumps(w, ensure_ascii=False) + "\n" for w in WORKS)
    listing = json.dumps(WORKS, indent=2, ensure_ascii=False) + "\n"
    page = {"meta": {"count": len(WORKS), "db_response_time_ms": 41, "page": 1, "per_page": 25,
                     "groups_count": None},
            "results": [{**w, "is_authors_truncated": False} for w in WORKS], "group_by": []}
    return {"works.jsonl": lines, "works.json": listing,
            "page.json": json.dumps(page, ensure_ascii=False, separators=(",", ":"))}


if __name__ == "__main__":
    for name, text in render().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {HERE / name}")
