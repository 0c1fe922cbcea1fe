"""Relation semantics: categories, weight dates, confidence vs provenance, licence
verdicts that say what they miss, and the gap summary of 'lineage check' (issue 12)."""

from __future__ import annotations

import json
import textwrap

import pytest
import rdflib

from graph import analytics, query, rdf
from graph.ns import LINEAGE, PROV
from graph.store.base import category
from lineage import vocab
from lineage.errors import NoCommonAncestorError
from lineage.load import load, loads

from .support import make_store

SEED = "002_70697c1b2f561b7a.txt"


def _src(quote: str, doc: str = "https://example.org/card") -> str:
    return f"sources: [{{document: '{doc}', quote: '{quote}'}}]"


# A base model and its licence and data, a fine-tune, a successor trained from scratch, a
# reproduction, and two techniques. 'next-gen' succeeds 'base' and must not inherit from it.
FAMILY = textwrap.dedent(f"""\
    - id: nc
      type: license
      name: Research-only licence
      commercial_use: false
      {_src("research only")}
    - id: free
      type: license
      name: Free licence
      commercial_use: true
      {_src("any use")}
    - id: web
      type: dataset
      name: Web crawl
      date: 2022
      relations:
        - {{relation: licensed_under, target: free, {_src("crawl licence")}}}
    - id: chats
      type: dataset
      name: Chat logs
      date: 2023
    - id: base
      type: model
      name: Base-7B
      date: 2023-01
      relations:
        - {{relation: licensed_under, target: nc, {_src("non-commercial")}}}
        - {{relation: trained_on, target: web, {_src("trained on the crawl", SEED)}}}
    - id: tune
      type: model
      name: Tune-7B
      date: 2023-05
      relations:
        - {{relation: finetune, target: base, {_src("fine-tuned from Base-7B", SEED)}}}
        - {{relation: trained_on, target: chats, {_src("on chat logs")}}}
    - id: next-gen
      type: model
      name: NextGen-7B
      date: 2024-01
      relations:
        - {{relation: successor, target: base, {_src("trained from scratch after Base")}}}
        - {{relation: licensed_under, target: free, {_src("free licence")}}}
        - {{relation: trained_on, target: web, {_src("trained on the crawl")}}}
    - id: rebuild
      type: software
      name: Rebuild
      date: 2023-06
      relations:
        - {{relation: reproduction, target: base, confidence: weak, {_src("a reproduction")}}}
    - id: idea-a
      type: technique
      name: Idea A
    - id: idea-b
      type: technique
      name: Idea B
      relations:
        - {{relation: builds_on, target: idea-a, {_src("B refines A")}}}
    """)


@pytest.fixture
def family_dir(tmp_path):
    (tmp_path / "family.yaml").write_text(FAMILY, encoding="utf-8")
    return tmp_path


@pytest.fixture
def fam(family_dir, store_kind):
    return make_store(load([family_dir], shipped=False), store_kind)


# --- 1. categories ------------------------------------------------------------------------


def test_the_vocabulary_is_one_table():
    kinds = [r.kind for r in vocab.RELATIONS]
    assert len(kinds) == len(set(kinds)) and set(kinds) == set(vocab.RELATION_KINDS)
    assert {r.category for r in vocab.RELATIONS} == set(vocab.CATEGORIES)
    for name, cat in (("WEIGHT_RELATIONS", "weights"), ("INFLUENCE_RELATIONS", "influence"),
                      ("DATA_RELATIONS", "data"), ("KNOWLEDGE_RELATIONS", "knowledge")):
        assert getattr(vocab, name) == tuple(r.kind for r in vocab.RELATIONS if r.category == cat)
    assert vocab.INFLUENCE_RELATIONS == ("successor", "reproduction", "architecture", "builds_on")
    assert "variant" in vocab.WEIGHT_RELATIONS  # decided: a family member is weight lineage
    assert set(vocab.INHERITING_RELATIONS) == set(vocab.WEIGHT_RELATIONS)
    assert analytics.INHERITING_RELATIONS == vocab.INHERITING_RELATIONS
    assert analytics.NON_INHERITING_RELATIONS == vocab.INFLUENCE_RELATIONS
    assert vocab.LINEAGE_RELATIONS == (vocab.WEIGHT_RELATIONS + vocab.INFLUENCE_RELATIONS
                                       + vocab.DATA_RELATIONS)
    assert [category(k) for k in ("finetune", "successor", "builds_on", "derived_from",
                                  "uses_model")] == [
        "weights", "influence", "influence", "data", "knowledge"]
    # technique -> technique is influence (builds_on), never data lineage
    assert "technique" not in vocab.RELATION_RULES["derived_from"][0]
    assert vocab.PHRASES["builds_on"] == ("builds on", "built upon by")


def test_weights_only_and_licences_do_not_cross_influence(fam):
    assert query.ancestors(fam, "tune", weights_only=True) == ["base"]
    assert query.ancestors(fam, "next-gen", weights_only=True) == []
    assert "base" in query.ancestors(fam, "next-gen")  # ancestry still follows influence
    assert query.descendants(fam, "base", weights_only=True) == ["tune"]
    edges = {(e.source, e.target): e.category for e in query.ancestry(fam, "next-gen").edges}
    assert edges[("next-gen", "base")] == "influence"
    # the successor carries none of base's non-commercial terms; the fine-tune does
    assert analytics.effective_license(fam, "next-gen").commercial_use is True
    assert analytics.effective_license(fam, "tune").commercial_use is False
    with pytest.raises(NoCommonAncestorError):
        analytics.common_ancestors(fam, ["tune", "next-gen"], weights_only=True)
    assert analytics.common_ancestors(fam, ["tune", "next-gen"]).ancestors == ["base"]


def test_text_and_json_label_influence_apart(run, family_dir):
    r = run("ancestry", "next-gen", data=family_dir)
    assert r.exit_code == 0, r.output
    assert "[influence] successor of ▸ Base-7B" in r.output
    assert "[data] trained on ▸ Web crawl" in r.output
    r = run("descendants", "base", "--json", data=family_dir)
    edges = {(e["source"], e["relation"]): e for e in json.loads(r.output)["edges"]}
    assert edges[("next-gen", "successor")]["category"] == "influence"
    assert edges[("rebuild", "reproduction")]["category"] == "influence"
    assert edges[("tune", "finetune")]["category"] == "weights"
    r = run("show", "base", data=family_dir)
    assert "Influenced:" in r.output and "succeeded by NextGen-7B" in r.output
    r = run("stats", "--json", data=family_dir)
    assert json.loads(r.output)["by_category"] == {"weights": 1, "influence": 3, "data": 3,
                                                   "knowledge": 3}


def test_rdf_exports_influence_with_the_weaker_prov_term(family_dir, tmp_path):
    kb = load([family_dir], shipped=False)
    g = rdf.to_graph(kb)
    iri = {rid: rdflib.URIRef(rdf.record_iri(rid)) for rid in kb.records}
    nxt, base = iri["next-gen"], iri["base"]
    assert (nxt, PROV.wasInfluencedBy, base) in g and (nxt, LINEAGE.influencedBy, base) in g
    assert (nxt, PROV.wasDerivedFrom, base) not in g
    assert (iri["tune"], PROV.wasDerivedFrom, base) in g
    assert (iri["idea-b"], LINEAGE.influencedBy, iri["idea-a"]) in g
    assert (nxt, PROV.qualifiedInfluence, None) in g
    # lossless: the records read back equal the originals, and the file conforms
    path = tmp_path / "family.ttl"
    rdf.write_rdf(kb, path, "turtle")
    assert rdf.read_rdf(path).records == kb.records
    assert [str(p) for p in rdf.validate_rdf(path)[1]] == []


def test_a_technique_derived_from_a_technique_names_builds_on(run, tmp_path):
    (tmp_path / "t.yaml").write_text(textwrap.dedent(f"""\
        - {{id: a, type: technique, name: A}}
        - id: b
          type: technique
          name: B
          relations:
            - {{relation: derived_from, target: a, {_src("B from A")}}}
        """), encoding="utf-8")
    r = run("validate", "--no-shipped", str(tmp_path / "t.yaml"), data=None)
    assert r.exit_code == 1
    line = r.stderr.splitlines()[0]
    assert "t.yaml:6 b.relations[0].relation: 'derived_from' cannot link a technique" in line
    assert "(from a technique to a technique: builds_on, uses_technique)" in line


def test_the_page_legend_has_the_influence_category(fam):
    from graph import html

    data = html.page_data(fam, html.select(fam))
    rels = data["style"]["relations"]
    assert rels["successor"]["category"] == "influence"
    assert rels["builds_on"]["color"] != rels["finetune"]["color"]
    assert "successor" not in data["style"]["weight_relations"]


# --- 2. weight lineage dated after its child ------------------------------------------------


PRODUCT = textwrap.dedent(f"""\
    - {{id: big, type: model, name: Big, date: 2023-03}}
    - id: app
      type: model
      name: App
      date: 2022-11
      relations:
        - {{relation: finetune, target: big, date: 2023-03, {_src("App is based on Big")}}}
        - {{relation: trained_on, target: later-data, date: 2023-06, {_src("trained on it")}}}
    - {{id: later-data, type: dataset, name: Later data, date: 2023-05}}
    """)


def test_check_errors_on_a_weight_parent_dated_after_its_child(run, tmp_path):
    (tmp_path / "p.yaml").write_text(PRODUCT, encoding="utf-8")
    r = run("check", "--json", data=tmp_path)
    assert r.exit_code == 1
    out = json.loads(r.output)
    dates = [p for p in out["problems"] if p["kind"] == "date"]
    assert len(dates) == 1  # the data relation's own date excuses it; the weights one is not
    p = dates[0]
    assert (p["file"].endswith("p.yaml"), p["line"], p["record"], p["field"], p["severity"]) == \
        (True, 7, "app", "relations[0]", "error")
    assert "dated 2022-11 before its parent 'big' (2023-03)" in p["message"]
    assert "use 'uses_model' instead" in p["fix"]


def test_the_shipped_chatgpt_uses_gpt4_and_is_not_tuned_from_it(shipped_graph):
    out = {(e.relation, e.target) for e in shipped_graph.out_edges("chatgpt")}
    assert ("uses_model", "gpt-4") in out and ("finetune", "gpt-4") not in out
    assert ("finetune", "gpt-3.5") in out


def test_no_shipped_weight_edge_has_a_later_parent(shipped_kb):
    from lineage.dates import date_key

    for rec in shipped_kb.records.values():
        for rel in rec.relations:
            if rel.relation in vocab.WEIGHT_RELATIONS:
                c, p = date_key(rec.date), date_key(shipped_kb.records[rel.target].date)
                if c and p:
                    n = min(len(c), len(p))
                    assert c[:n] >= p[:n], (rec.id, rel.relation, rel.target)


# --- 3. confidence vs provenance --------------------------------------------------------------


def test_provenance_comes_from_the_documents(run, family_dir):
    assert vocab.provenance([SEED]) == "seed"
    assert vocab.provenance(["arXiv:2310.16944", "https://x.org"]) == "outside"
    assert not vocab.is_seed_document("2310.16944.txt")
    r = run("ancestry", "tune", "--json", data=family_dir)
    edges = {(e["source"], e["relation"]): e for e in json.loads(r.output)["edges"]}
    assert edges[("tune", "finetune")]["provenance"] == "seed"
    assert edges[("tune", "trained_on")]["provenance"] == "outside"
    r = run("descendants", "base", "--jsonl", data=family_dir)
    lines = [json.loads(ln) for ln in r.output.splitlines()]
    jsonl = {(e["source"], e["relation"]): e["provenance"] for e in lines if e["kind"] == "edge"}
    assert jsonl[("tune", "finetune")] == "seed"
    assert jsonl[("next-gen", "successor")] == "outside"
    s = json.loads(run("stats", "--json", data=family_dir).output)["by_provenance"]
    assert s == {"seed": {"explicit": 2, "weak": 0}, "outside": {"explicit": 7, "weak": 1}}


def test_outside_facts_stated_plainly_are_explicit(shipped_graph):
    def conf(src, rel, tgt):
        (e,) = [e for e in shipped_graph.out_edges(src, [rel]) if e.target == tgt]
        return e.confidence, vocab.provenance(s.document for s in e.sources)

    # Zephyr's own paper states these plainly: explicit, from an outside document
    assert conf("zephyr-7b", "finetune", "mistral-7b") == ("explicit", "outside")
    assert conf("zephyr-7b", "trained_on", "ultrachat") == ("explicit", "outside")
    assert conf("lemur-70b", "continued_pretraining", "llama-2-70b") == ("explicit", "outside")
    # hedged ones stay weak: the model card does not name the size that was extended
    assert conf("code-llama-7b", "continued_pretraining", "llama-2-7b")[0] == "weak"


# --- 4. licence verdicts that say what they miss ----------------------------------------------


def test_a_verdict_names_the_terms_it_misses(fam):
    r = analytics.effective_license(fam, "next-gen")
    assert r.commercial_use is True and not r.incomplete and r.missing == []
    t = analytics.effective_license(fam, "tune")
    # NOT allowed stands whatever the unlicensed chat logs say, but they are still listed
    assert t.commercial_use is False and not t.incomplete
    assert [(m.node, m.kind) for m in t.missing] == [("chats", "data")]


def test_unlicensed_weights_make_a_verdict_incomplete_but_a_family_does_not():
    kb = loads(textwrap.dedent(f"""\
        - {{id: free, type: license, name: Free, commercial_use: true}}
        - {{id: fam, type: family, name: Fam}}
        - id: raw
          type: model
          name: Raw
          relations: [{{relation: variant, target: fam, {_src("in Fam")}}}]
        - id: member
          type: model
          name: Member
          relations:
            - {{relation: variant, target: fam, {_src("in Fam")}}}
            - {{relation: licensed_under, target: free, {_src("free")}}}
        - id: kid
          type: model
          name: Kid
          relations:
            - {{relation: finetune, target: raw, confidence: weak, {_src("tuned from Raw")}}}
            - {{relation: finetune, target: member, {_src("tuned from Member")}}}
            - {{relation: licensed_under, target: free, {_src("free")}}}
        """), name="weights")
    S = make_store(kb, "memory")
    r = analytics.effective_license(S, "kid")
    assert r.commercial_use is True and r.incomplete
    # raw has no terms (nor has its family); member has its own, so its family is no gap
    assert [(m.node, m.kind, m.weak, m.path.nodes) for m in r.missing] == [
        ("raw", "weights", True, ["kid", "raw"])]
    assert r.reason.endswith("; incomplete: no terms recorded for Raw (weights)")
    assert not analytics.effective_license(S, "member").missing


def test_license_text_and_json_say_incomplete(run, tmp_path):
    (tmp_path / "d.yaml").write_text(FAMILY + textwrap.dedent(f"""\
        - id: open-tune
          type: model
          name: OpenTune
          date: 2024-02
          relations:
            - {{relation: finetune, target: next-gen, {_src("tuned from NextGen")}}}
            - {{relation: trained_on, target: chats, {_src("on chat logs")}}}
            - {{relation: licensed_under, target: free, {_src("free")}}}
        """), encoding="utf-8")
    r = run("license", "open-tune", data=tmp_path)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "OpenTune: commercial use allowed (incomplete)"
    assert lines[1].endswith("; incomplete: no terms recorded for Chat logs (data)")
    assert "  ? [data] Chat logs" in lines
    assert "      OpenTune ← trained on Chat logs" in lines
    assert lines[-1].startswith("Not legal advice:") and r.stderr == ""
    r = run("license", "open-tune", "--json", data=tmp_path)
    out = json.loads(r.output)  # the whole output is one JSON object: no note in it
    assert out["commercial_use"] is True and out["incomplete"] is True
    assert [(m["id"], m["kind"], m["weak"]) for m in out["missing"]] == [("chats", "data", False)]
    assert [n["id"] for n in out["missing"][0]["path"]["nodes"]] == ["open-tune", "chats"]
    assert "chats" in {n["id"] for n in out["nodes"]}
    assert "legal" not in r.output.lower()


# --- 5. gaps in 'lineage check' -----------------------------------------------------------------


def test_check_counts_and_lists_gaps(run, family_dir):
    r = run("check", data=family_dir)
    lines = r.stdout.splitlines()
    gaps = [ln for ln in lines if ln.startswith("gaps:")]
    assert gaps == ["gaps: 0 records without a date, 6 records without a developer, "
                    "0 models without any lineage ('lineage check --json' lists them)"]
    assert lines.index(gaps[0]) == len(lines) - 2  # the count by kind stays the last line
    out = json.loads(run("check", "--json", data=family_dir).output)
    assert out["gaps"] == {"undated": [],
                           "no_developer": ["base", "chats", "next-gen", "rebuild", "tune",
                                            "web"],
                           "no_lineage": []}


def test_record_gaps_by_kind():
    kb = loads(textwrap.dedent(f"""\
        - {{id: org, type: organization, name: Org}}
        - {{id: fam, type: family, name: Fam, date: 2023, relations: [{{relation: developed_by,
            target: org, {_src("by Org")}}}]}}
        - {{id: member, type: model, name: Member, relations: [{{relation: variant, target: fam,
            {_src("in Fam")}}}]}}
        - {{id: lonely, type: model, name: Lonely, date: 2024}}
        - {{id: idea, type: technique, name: Idea}}
        """), name="gaps")
    g = analytics.record_gaps(make_store(kb, "memory"))
    # a member takes its family's developer; techniques and organizations need no date
    assert g == {"undated": ["member"], "no_developer": ["lonely"], "no_lineage": ["lonely"]}
    report = analytics.consistency_report(kb)
    assert report.gaps == g and report.only(["elsewhere"]).gaps == {k: [] for k in g}
