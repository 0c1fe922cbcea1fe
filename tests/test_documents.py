"""Cited documents are records: every source resolves to a document or paper record, and
citations print with title, author, date and link (text, ``show --json``, the HTML page, RDF).

Checks the shipped data (every cited document resolves, the five seeds are described), the
citation format, Chinese quotes with an English gloss marked as a translation, the 'document'
check of ``lineage check``, and the RDF mapping of a document (schema:CreativeWork, lossless).
"""

from __future__ import annotations

import json

import pytest

from lineage.documents import CitationIndex, citation_of, iter_sources, normalize_url
from lineage.load import loads
from lineage.records import Source

SEEDS = ["000_fe5f84a8655783c9.txt", "001_cc5b31e9eed7cf4b.txt", "002_70697c1b2f561b7a.txt",
         "003_3ac2929bc443edec.txt", "004_9cc3d07c0675380d.txt"]
WOLFE = ("Cameron R. Wolfe, *The History of Open-Source LLMs: Imitation and Alignment "
         "(Part Three)*, 2023-11-28")
WOLFE_URL = ("https://towardsdatascience.com/the-history-of-open-source-llms-imitation-and-"
             "alignment-part-three-603d709c7aa5")


# --- the shipped data ---------------------------------------------------------------------------


def test_every_cited_document_resolves_to_a_record(shipped_kb):
    index = CitationIndex.from_records(shipped_kb.records.values())
    unresolved = sorted({s.document for rec in shipped_kb for _, _, s in iter_sources(rec)
                         if index.resolve(s.document) is None})
    assert unresolved == []
    from lineage.load import unresolved_documents

    assert unresolved_documents(shipped_kb) == []
    resolved = {index.resolve(s.document) for rec in shipped_kb for _, _, s in iter_sources(rec)}
    assert all(shipped_kb.records[r].type in ("document", "paper") for r in resolved)
    assert sum(1 for r in shipped_kb if r.type == "document") >= 140


@pytest.mark.parametrize("seed", SEEDS)
def test_each_seed_is_a_record_found_by_its_file_name(shipped_kb, seed):
    index = CitationIndex.from_records(shipped_kb.records.values())
    rid = index.resolve(seed)
    assert rid is not None
    rec = shipped_kb.records[rid]
    assert seed in rec.aliases
    # a title, or a note that says the copy has none
    assert getattr(rec, "title", None) or "no title" in (rec.note or "")
    if rec.type == "document":
        assert rec.language == "zh"


def test_seed_003_cites_as_the_wolfe_article(shipped_kb):
    c = CitationIndex.from_records(shipped_kb.records.values()).citation(SEEDS[3])
    assert c.text == WOLFE
    assert c.url == WOLFE_URL


def test_seed_document_metadata_is_in_the_seed_text(seeds, shipped_kb):
    """Titles and authors of the seed records are what the seed texts themselves say."""
    index = CitationIndex.from_records(shipped_kb.records.values())
    for seed in SEEDS:
        text = (seeds / seed).read_text(encoding="utf-8")
        rec = shipped_kb.records[index.resolve(seed)]
        title = getattr(rec, "title", None)
        if title and rec.type == "document":
            assert title in text, (seed, title)
        for author in getattr(rec, "authors", []) or []:
            assert author in text, (seed, author)


# --- resolution and the citation format -----------------------------------------------------


def _index(*records):
    return CitationIndex.from_dicts(records)


def test_resolution_by_alias_url_arxiv_and_id():
    idx = _index(
        {"id": "doc-a", "type": "document", "name": "A page", "aliases": ["notes-a.txt"],
         "urls": ["https://www.Example.org/a/"]},
        {"id": "p", "type": "paper", "name": "P", "title": "A Paper", "arxiv": "2302.13971",
         "authors": ["A. One", "B. Two", "C. Three", "D. Four"], "date": "2023-02"},
        {"id": "m", "type": "model", "name": "M", "aliases": ["model-file.txt"]})
    assert idx.resolve("notes-a.txt") == "doc-a"
    assert idx.resolve("NOTES-A.TXT") == "doc-a"
    assert idx.resolve("http://example.org/a") == "doc-a"  # scheme, www. and slash ignored
    assert idx.resolve("arXiv:2302.13971") == "p"
    assert idx.resolve("arXiv:2302.13971v2") == "p"
    assert idx.resolve("https://arxiv.org/abs/2302.13971") == "p"
    assert idx.resolve("doc-a") == "doc-a"
    assert idx.resolve("model-file.txt") is None  # only documents and papers are documents
    assert idx.resolve("https://example.org/b") is None
    paper = idx.citation("arXiv:2302.13971")
    assert paper.text == "A. One, B. Two, C. Three et al., *A Paper*, 2023-02"
    assert paper.url == "https://arxiv.org/abs/2302.13971"
    page = idx.citation("notes-a.txt")
    assert page.text == "A page" and page.url == "https://www.Example.org/a/"


def test_an_untitled_document_is_cited_by_name_without_italics():
    c = citation_of({"id": "d", "type": "document", "name": "Untitled article"})
    assert c.text == "Untitled article" and c.url is None
    c = citation_of({"id": "d", "type": "document", "name": "X", "title": "X",
                     "publication": "Blog", "date": "2023"})
    assert c.text == "Blog, *X*, 2023"


def test_normalize_url():
    assert normalize_url("https://WWW.a.org/x/") == normalize_url("http://a.org/x")


# --- text output, show --json, the HTML page ------------------------------------------------


def test_path_sources_print_the_citation_and_link(run):
    r = run("path", "vicuna-13b", "vicuna-sharegpt-70k", data=None)
    assert r.exit_code == 0, r.output
    assert f"source: {WOLFE} <{WOLFE_URL}>" in r.stdout
    assert "003_3ac2929bc443edec.txt" not in r.stdout


def test_show_prints_citations_and_json_carries_them(run):
    r = run("show", "alpaca-7b", data=None)
    assert r.exit_code == 0, r.output
    assert f"{WOLFE} <{WOLFE_URL}>" in r.stdout
    r = run("show", "alpaca-7b", "--json", data=None)
    data = json.loads(r.stdout)
    cited = data["citations"]
    assert cited["003_3ac2929bc443edec.txt"] == {
        "record": "wolfe-open-llms-part-three", "type": "paper", "text": WOLFE, "url": WOLFE_URL}
    # every document the answer cites is listed, and the raw sources are unchanged
    docs = {s["document"] for e in data["edges"] for s in e["sources"]}
    docs |= {s["document"] for s in data["record"]["sources"]}
    assert docs <= set(cited)
    assert all(v is not None for v in cited.values())


def test_a_document_record_has_a_card(run):
    r = run("show", "002_70697c1b2f561b7a.txt", data=None)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Untitled Chinese article: from GPT-2 to LLaMA and beyond  [document]")
    assert "language: zh" in r.stdout


def test_html_sources_carry_the_citation(shipped_kb):
    from graph.html import _add_citations
    from graph.store.memory import MemoryStore

    S = MemoryStore(shipped_kb)
    items = [{"sources": [{"document": SEEDS[3], "href": None}],
              "claims": [{"sources": [{"document": "not-a-record.txt"}]}]}]
    _add_citations(S, items)
    src = items[0]["sources"][0]
    assert src["citation"] == WOLFE.replace("*", "")
    assert src["href"] == WOLFE_URL
    assert "citation" not in items[0]["claims"][0]["sources"][0]


# --- Chinese quotes with an English gloss ----------------------------------------------------

GLOSSED = """
- id: doc-x
  type: document
  name: 示例文章
  title: 示例文章
  aliases: [x.txt]
  language: zh
  sources: [{document: x.txt, quote: "示例文章", translation: "An example article", field: title}]
- id: m
  type: model
  name: M
  relations:
    - relation: finetune
      target: base
      sources:
        - {document: x.txt, quote: "M 是在 Base 上微调的", translation: "M is fine-tuned from Base"}
- {id: base, type: model, name: Base, sources: [{document: x.txt, quote: "Base"}]}
"""


def test_a_translation_is_kept_beside_the_original_quote(tmp_path, run):
    kb = loads(GLOSSED)
    src = kb.records["m"].relations[0].sources[0]
    assert src.quote == "M 是在 Base 上微调的" and src.translation == "M is fine-tuned from Base"
    path = tmp_path / "glossed.yaml"
    path.write_text(GLOSSED, encoding="utf-8")
    r = run("show", "m", data=path)
    assert r.exit_code == 0, r.output
    assert "*示例文章* “M 是在 Base 上微调的” (translation: “M is fine-tuned from Base”)" in r.stdout
    r = run("ancestry", "m", "--sources", data=path)
    assert "(translation: “M is fine-tuned from Base”)" in r.stdout
    r = run("show", "m", "--json", data=path)
    edge = json.loads(r.stdout)["edges"][0]
    assert edge["sources"][0]["translation"] == "M is fine-tuned from Base"


def test_a_translation_needs_the_quote_it_glosses():
    with pytest.raises(ValueError, match="translation"):
        Source(document="x.txt", locator="p. 2", translation="a gloss")


def test_seed_quotes_with_a_gloss_keep_the_original(seeds, shipped_kb):
    texts = {p.name: p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")}
    glossed = [(rec.id, s) for rec in shipped_kb for _, _, s in iter_sources(rec)
               if s.translation and s.document in texts]
    assert glossed, "the seed records carry glossed quotes"
    for rid, s in glossed:
        assert s.quote in texts[s.document], (rid, s.quote)
        assert s.translation not in texts[s.document], (rid, s.translation)


# --- lineage check --------------------------------------------------------------------------

UNRESOLVED = """
- {id: doc-a, type: document, name: Notes A, aliases: [a.txt], sources: [{document: a.txt, quote: "A"}]}
- id: m
  type: model
  name: M
  sources: [{document: a.txt, quote: "M"}, {document: lost.txt, quote: "M again"}]
"""


def test_check_flags_a_cited_document_without_a_record():
    from graph.analytics import consistency_report

    kb = loads(UNRESOLVED, check=False)
    assert [p for p in kb.problems if p.kind == "document"] == []  # not a load/validate error
    probs = [p for p in consistency_report(kb).problems if p.kind == "document"]
    assert len(probs) == 1
    p = probs[0]
    assert p.severity == "warning" and p.record == "m" and p.field == "sources[1].document"
    assert "'lost.txt' resolves to no document or paper record" in p.message
    assert "type: document" in p.fix


def test_data_without_document_records_is_not_checked_for_them():
    from lineage.load import unresolved_documents

    kb = loads("- {id: m, type: model, name: M, sources: [{document: notes, quote: q}]}")
    assert unresolved_documents(kb) == []


def test_check_command_reports_the_unresolved_document(tmp_path, run):
    path = tmp_path / "u.yaml"
    path.write_text(UNRESOLVED, encoding="utf-8")
    r = run("check", data=path)
    assert "warning [document]" in r.output and "lost.txt" in r.output
    r = run("validate", str(path), data=None)  # validation is about the data's shape
    assert "lost.txt" not in r.output


# --- RDF ------------------------------------------------------------------------------------


def test_a_document_is_a_creative_work_and_round_trips(tmp_path):
    from graph import rdf

    kb = loads(GLOSSED)
    g = rdf.to_graph(kb)
    from rdflib import URIRef

    doc = URIRef(rdf.record_iri("doc-x"))
    types = {str(o) for o in g.objects(doc, URIRef(rdf.T_TYPE))}
    assert "http://schema.org/CreativeWork" in types
    assert "http://schema.org/inLanguage" in {str(p) for p in g.predicates(doc)}
    items = rdf.graph_to_items(g)
    back = {i["id"]: i for i in items if "id" in i}
    assert back["doc-x"]["language"] == "zh" and back["doc-x"]["title"] == "示例文章"
    rel_src = back["m"]["relations"][0]["sources"][0]
    assert rel_src["translation"] == "M is fine-tuned from Base"
    again = loads(rdf._dump_yaml(items))
    assert again.records == kb.records
