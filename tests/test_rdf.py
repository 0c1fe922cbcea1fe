"""RDF export and import: lossless round trips, our vocabulary, SHACL, independent readers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import typing
from pathlib import Path

import pytest
import rdflib
import yaml
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from graph import rdf
from graph.ns import (
    CODEMETA,
    DCTERMS,
    DEFAULT_BASE,
    FAIR4ML,
    LINEAGE,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
)
from lineage import records as R
from lineage.errors import DataError, RdfError
from lineage.load import KnowledgeBase, load, loads
from tests.support import make_store as build_graph

from .conftest import TINY

# --- fixtures -----------------------------------------------------------------

S = "sources: [{document: notes.txt, quote: \"as stated\"}]"

FULL = f"""
- id: acme
  type: organization
  name: ACME AI Lab
  aliases: [ACME, 阿克米实验室, Acme Research]
  kind: lab
  country: US
  urls: ["https://acme.example/", "https://example.org/a{{b}}|c", "https://zh.wikipedia.org/wiki/羊驼"]
- id: base-paper
  type: paper
  name: Base paper
  title: 'Base: a "quoted" <title>'
  authors: [Zed Zhou, Amy Adams, Zed Zhou]
  arxiv: "2302.13971"
  venue: arXiv
  date: 2023-02
- id: sft
  type: technique
  name: Supervised fine-tuning
  aliases: [SFT, 监督微调]
  category: training
  relations:
    - {{relation: introduced_in, target: base-paper, {S}}}
- {{id: lora, type: technique, name: LoRA, category: efficiency}}
- {{id: open-license, type: license, name: Apache 2.0, spdx: Apache-2.0, commercial_use: true}}
- id: nc-license
  type: license
  name: Non-commercial licence
  commercial_use: false
  restricts_outputs: true
  why: Research only.
- {{id: unknown-license, type: license, name: Unclear terms}}
- id: base-family
  type: family
  name: Base family
  weights: restricted
  date: 2023-02
- id: pretrain-data
  type: dataset
  name: Pre-training corpus
  tokens: 1T
  method: web-crawl
  method_note: Crawled and filtered.
  kind: pretraining
- id: base-7b
  type: model
  name: Base-7B
  aliases: [Base 7B, 基座-7B]
  description: A base model.
  note: A note on the record.
  date: 2023-02-24
  parameters: 7B
  training_tokens: 1T
  context_length: 2048
  weights: open
  architecture: decoder-only transformer
  modality: [text, image]
  urls: ["https://acme.example/base"]
  sources:
    - {{document: "arXiv:2302.13971", locator: Table 1, field: parameters}}
    - {{document: notes.txt, quote: 7B parameters, locator: p. 2}}
  relations:
    - {{relation: variant, target: base-family, {S}}}
    - {{relation: developed_by, target: acme, {S}}}
    - {{relation: introduced_in, target: base-paper, {S}}}
    - {{relation: licensed_under, target: nc-license, {S}}}
    - {{relation: trained_on, target: pretrain-data, {S}}}
    - relation: evaluated_on
      target: bench
      score: 45.5
      metric: accuracy (%)
      setting: 5-shot
      {S}
    - {{relation: evaluated_on, target: bench, metric: F1, {S}}}
    - {{relation: uses_technique, target: lora, confidence: weak, {S}}}
  claims:
    - topic: size
      value: 7B parameters
      note: As the paper says.
      {S}
    - topic: size
      value: 6.7B parameters
      sources: [{{document: other.txt, locator: Sec. 3}}]
- {{id: teacher, type: model, name: Teacher, weights: closed}}
- id: distilled-data
  type: dataset
  name: Distilled data
  examples: 52K
  conversations: 1K
  method: model-generated
  relations:
    - {{relation: generated_by, target: teacher, techniques: [sft, lora], {S}}}
    - {{relation: derived_from, target: pretrain-data, confidence: weak, note: "Partly.", {S}}}
- id: tuned-7b
  type: model
  name: Tuned-7B
  date: 2023-03
  relations:
    - {{relation: finetune, target: base-7b, techniques: [sft, lora], {S}}}
    - {{relation: trained_on, target: distilled-data, date: 2023-04, {S}}}
- {{id: adapter-7b, type: model, name: Adapter-7B, relations: [{{relation: adapter, target: tuned-7b, {S}}}]}}
- {{id: q-7b, type: model, name: Q-7B, relations: [{{relation: quantized, target: tuned-7b, {S}}}]}}
- id: merged-7b
  type: model
  name: Merged-7B
  relations:
    - {{relation: merge, target: tuned-7b, {S}}}
    - {{relation: merge, target: adapter-7b, {S}}}
- {{id: cpt-7b, type: model, name: CPT-7B, relations: [{{relation: continued_pretraining, target: base-7b, {S}}}]}}
- {{id: student-1b, type: model, name: Student-1B, relations: [{{relation: distilled_from, target: teacher, note: "Logits.", {S}}}]}}
- {{id: next-7b, type: model, name: Next-7B, relations: [{{relation: successor, target: base-7b, {S}}}]}}
- {{id: repro-7b, type: model, name: Repro-7B, relations: [{{relation: reproduction, target: base-7b, {S}}}]}}
- {{id: arch-7b, type: model, name: Arch-7B, relations: [{{relation: architecture, target: base-7b, {S}}}]}}
- id: bench
  type: benchmark
  name: Bench
  measures: Everything.
  metric: accuracy
  relations:
    - {{relation: derived_from, target: pretrain-data, {S}}}
    - {{relation: uses_model, target: teacher, {S}}}
- id: tool
  type: software
  name: Tool
  repository: https://github.com/acme/tool
  relations:
    - {{relation: uses_model, target: base-7b, {S}}}
- id: app
  type: application
  name: App
  relations:
    - {{relation: developed_by, target: acme, {S}}}
- type: relation
  source: app
  relation: licensed_under
  target: open-license
  {S}
"""


def _hostile_records() -> list[dict]:
    """Valid records whose strings try to break every syntax."""
    src = {"document": "file name with spaces & <angle>.txt",
           "quote": "a \"\"\"triple\"\"\" '''single''' \\ back\\slash \r\n tab\t \x01 \x7f end\\",
           "locator": "<table 1>{x}|^`"}
    return [
        {"id": "evil", "type": "model",
         "name": 'Evil "model" <script>alert(1)</script> \\ back\\slash\nnewline\ttab 😈 مرحبا',
         "aliases": ["阿尔帕卡", "Лама", "ラマ", "라마", "Ünïcödé", "</script>", "x\"y"],
         "description": "ends with a backslash \\",
         "note": "line1\n\nline3 @prefix x: <y> .",
         "urls": ["https://example.org/a{b}|c^d`e\\f", "https://zh.wikipedia.org/wiki/羊驼"],
         "sources": [src],
         "relations": [{"relation": "developed_by", "target": "evil-org", "sources": [src],
                        "note": "} ] ; . \"\"\""}],
         "claims": [{"topic": "x", "value": 'x "y" <z> \n', "sources": [src]}]},
        {"id": "evil-org", "type": "organization", "name": "Org\t<&>\"'"},
    ]


def _kb_from(items: list[dict]) -> KnowledgeBase:
    return loads(yaml.safe_dump(items, allow_unicode=True), name="items")


@pytest.fixture(scope="module")
def tiny() -> KnowledgeBase:
    return load([TINY], shipped=False)


@pytest.fixture(scope="module")
def full() -> KnowledgeBase:
    return loads(FULL, name="full")


@pytest.fixture(scope="module")
def hostile() -> KnowledgeBase:
    return _kb_from(_hostile_records())


def _dumps(kb: KnowledgeBase) -> dict[str, dict]:
    return {rid: rec.model_dump() for rid, rec in kb.records.items()}


def _assert_same_records(kb: KnowledgeBase, back: KnowledgeBase) -> None:
    assert sorted(back.records) == sorted(kb.records)
    for rid, rec in kb.records.items():
        assert back.records[rid].model_dump() == rec.model_dump(), rid


def _assert_isomorphic(a: rdflib.Graph, b: rdflib.Graph) -> None:
    if not isomorphic(a, b):
        _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
        pytest.fail("graphs differ:\nonly in first:\n"
                    + only_a.serialize(format="nt") + "\nonly in second:\n"
                    + only_b.serialize(format="nt"))


def _write(tmp_path: Path, kb, fmt: str, name: str = "kb") -> Path:
    path = tmp_path / f"{name}{rdf.EXPORTERS[fmt].suffix}"
    rdf.write_rdf(kb, path, fmt)
    return path


# --- the mapping covers every field -----------------------------------------------------

RECORD_CLASSES = {"model": R.Model, "family": R.Family, "dataset": R.Dataset,
                  "technique": R.Technique, "paper": R.Paper, "organization": R.Organization,
                  "benchmark": R.Benchmark, "software": R.Software,
                  "application": R.Application, "license": R.License,
                  "document": R.Document}


@pytest.mark.parametrize("type_name", R.RECORD_TYPES)
def test_every_record_field_has_an_rdf_mapping(type_name):
    mapped = {a.field for a in rdf.COMMON_ATTRS + rdf.TYPES[type_name].attrs}
    fields = set(RECORD_CLASSES[type_name].model_fields)
    assert fields == mapped | rdf.HANDLED_FIELDS, fields ^ (mapped | rdf.HANDLED_FIELDS)


def test_relation_source_and_claim_fields_are_all_written():
    # a new field on these models must be added to graph/rdf.py and to this list
    assert set(R.Relation.model_fields) == {"relation", "target", "confidence", "sources",
                                            "note", "techniques", "date", "score",
                                            "metric", "setting"}
    assert set(R.Source.model_fields) == {"document", "quote", "locator", "field",
                                          "translation"}
    assert set(R.Claim.model_fields) == {"topic", "value", "sources", "note"}


def test_every_relation_kind_has_direct_triples():
    assert set(rdf.DIRECT) == set(R.RELATION_KINDS)
    for kind in R.WEIGHT_RELATIONS + R.DATA_RELATIONS:  # every derivation: prov:wasDerivedFrom
        assert str(PROV.wasDerivedFrom) in rdf.DIRECT[kind]
    for kind in R.INFLUENCE_RELATIONS:  # no weights carried: the weaker prov:wasInfluencedBy
        assert str(PROV.wasDerivedFrom) not in rdf.DIRECT[kind]
        assert rdf.DIRECT[kind] == (str(LINEAGE.influencedBy), str(PROV.wasInfluencedBy))
    for kind in R.KNOWLEDGE_RELATIONS:
        assert str(PROV.wasDerivedFrom) not in rdf.DIRECT[kind]
    assert str(FAIR4ML.fineTunedFrom) in rdf.DIRECT["finetune"]
    assert str(FAIR4ML.trainedOn) in rdf.DIRECT["trained_on"]
    assert str(CODEMETA.referencePublication) in rdf.DIRECT["introduced_in"]
    assert str(SCHEMA.creator) in rdf.DIRECT["developed_by"]
    assert str(SCHEMA.license) in rdf.DIRECT["licensed_under"]


def test_cli_choices_match_the_registry():
    import cli

    assert cli.RDF_FORMATS == rdf.FORMATS == tuple(rdf.EXPORTERS)
    assert cli.RDF_BASE == DEFAULT_BASE
    export = cli.main.commands["export"].commands["rdf"]
    fmt = next(p for p in export.params if p.name == "fmt")
    assert tuple(fmt.type.choices) == rdf.FORMATS


# --- what an export says ------------------------------------------------------------------


def test_derivation_is_was_derived_from_plus_a_qualified_derivation(tiny):
    g = rdf.to_graph(tiny)
    kb_ = rdflib.Namespace(DEFAULT_BASE)
    alpaca, llama = kb_["alpaca-7b"], kb_["llama-7b"]
    assert (alpaca, PROV.wasDerivedFrom, llama) in g
    assert (alpaca, FAIR4ML.fineTunedFrom, llama) in g
    assert (alpaca, SCHEMA.isBasedOn, llama) in g
    nodes = [n for n in g.objects(alpaca, PROV.qualifiedDerivation)
             if (n, PROV.entity, llama) in g]
    assert len(nodes) == 1
    node = nodes[0]
    assert (node, RDF.type, PROV.Derivation) in g
    assert (node, LINEAGE.relationKind, LINEAGE.finetune) in g
    assert (node, LINEAGE.confidence, LINEAGE.explicit) in g
    assert (node, LINEAGE.technique, kb_["sft"]) in g
    source = g.value(node, LINEAGE.source)
    assert str(g.value(source, LINEAGE.document)) == "002_70697c1b2f561b7a.txt"
    quote = g.value(source, LINEAGE.quote)
    assert quote.language == "zh" and "微调版本" in str(quote)


def test_teacher_training_data_people_and_dates_use_standard_terms(tiny):
    g = rdf.to_graph(tiny)
    kb_ = rdflib.Namespace(DEFAULT_BASE)
    data, teacher = kb_["alpaca-data"], kb_["text-davinci-003"]
    assert (kb_["alpaca-7b"], FAIR4ML.trainedOn, data) in g
    assert (data, LINEAGE.generatedBy, teacher) in g
    node = g.value(data, PROV.qualifiedDerivation)
    assert (node, PROV.hadRole, LINEAGE.teacher) in g
    assert (kb_["alpaca-7b"], SCHEMA.creator, kb_["stanford"]) in g
    assert (kb_["alpaca-7b"], PROV.wasAttributedTo, kb_["stanford"]) in g
    assert (kb_["llama"], SCHEMA.license, kb_["llama-license"]) in g
    assert (kb_["llama-license"], LINEAGE.commercialUse, rdflib.Literal(False)) in g
    assert (kb_["self-instruct"], CODEMETA.referencePublication,
            kb_["self-instruct-paper"]) in g
    date = g.value(kb_["alpaca-7b"], SCHEMA.datePublished)
    assert date.datatype == rdflib.XSD.date and str(date) == "2023-03-13"
    assert g.value(kb_["gpt-3"], DCTERMS.issued).datatype == rdflib.XSD.gYear
    assert g.value(kb_["codex"], SCHEMA.datePublished).datatype == rdflib.XSD.gYearMonth
    assert (kb_["alpaca-7b"], RDF.type, FAIR4ML.MLModel) in g


def test_a_distillation_is_a_teacher_derivation_without_weight_terms(full):
    g = rdf.to_graph(full)
    kb_ = rdflib.Namespace(DEFAULT_BASE)
    student, teacher = kb_["student-1b"], kb_["teacher"]
    assert (student, LINEAGE.distilledFrom, teacher) in g
    assert (student, PROV.wasDerivedFrom, teacher) in g
    # data lineage: none of the weight terms (fine-tuned from, based on)
    assert (student, FAIR4ML.fineTunedFrom, teacher) not in g
    assert (student, SCHEMA.isBasedOn, teacher) not in g
    node = g.value(student, PROV.qualifiedDerivation)
    assert (node, LINEAGE.relationKind, LINEAGE.distilled_from) in g
    assert (node, PROV.hadRole, LINEAGE.teacher) in g
    assert (LINEAGE.distilledFrom, RDFS.subPropertyOf, PROV.wasDerivedFrom) in rdf.load_vocabulary()


def test_benchmark_scores_are_fair4ml_evaluations(tiny):
    g = rdf.to_graph(tiny)
    kb_ = rdflib.Namespace(DEFAULT_BASE)
    vicuna = kb_["vicuna-13b"]
    assert (vicuna, FAIR4ML.evaluatedOn, kb_["vicuna-eval"]) in g
    ev = g.value(vicuna, FAIR4ML.hasEvaluation)
    assert (ev, RDF.type, FAIR4ML.MLModelEvaluation) in g
    assert (ev, FAIR4ML.evaluationDataset, kb_["vicuna-eval"]) in g
    result = g.value(ev, FAIR4ML.evaluationMetrics)
    assert (result, RDF.type, SCHEMA.PropertyValue) in g
    assert g.value(result, SCHEMA.value).toPython() == 92.0
    assert str(g.value(result, SCHEMA.name)) == "% of ChatGPT quality (GPT-4 judge)"


def test_names_and_aliases_are_language_tagged_labels(tiny):
    g = rdf.to_graph(tiny)
    alpaca = rdflib.URIRef(DEFAULT_BASE + "alpaca-7b")
    aliases = {(str(a), a.language) for a in g.objects(alpaca, SCHEMA.alternateName)}
    assert aliases == {("Alpaca", "en"), ("阿尔帕卡", "zh")}
    assert g.value(alpaca, RDFS.label) == rdflib.Literal("Alpaca-7B", lang="en")
    assert g.value(alpaca, SCHEMA.name) == rdflib.Literal("Alpaca-7B", lang="en")


def test_language_of():
    assert [rdf.language_of(t) for t in ("小羊驼", "Vicuna", "Ünïcödé", "ラマ", "라마", "Лама")] \
        == ["zh", "en", "en", "ja", "ko", "und"]


def test_record_iris_are_stable_and_based_on_ids(tiny):
    base = "https://example.org/kg/"
    g = rdf.to_graph(tiny, base=base)
    subject = rdflib.URIRef(base + "gpt-3.5")
    assert (subject, DCTERMS.identifier, rdflib.Literal("gpt-3.5")) in g
    assert rdf.to_rdf(tiny, "nt", base=base) == rdf.to_rdf(tiny, "nt", base=base)
    assert dict(g.namespaces())["kb"] == rdflib.URIRef(base)


@pytest.mark.parametrize("base", ["example", "https://example.org/kg", "http://a b/",
                                  'https://x.org/"/', "https://x.org/<x>/", ""])
def test_unusable_bases_are_refused(tiny, base):
    with pytest.raises(RdfError, match="not a usable base IRI"):
        rdf.to_rdf(tiny, "nt", base=base)


def test_only_our_prefixes_are_bound(tiny):
    g = rdf.to_graph(tiny)
    assert {p: str(n) for p, n in g.namespaces()} == {**PREFIXES, "kb": DEFAULT_BASE}
    turtle = rdf.to_rdf(tiny, "turtle")
    declared = dict(re.findall(r"^@prefix (\w+): <([^>]+)> \.$", turtle, flags=re.M))
    assert set(declared) <= set(PREFIXES) | {"kb"}
    assert all(declared[p] == ({**PREFIXES, "kb": DEFAULT_BASE})[p] for p in declared)
    assert "ns1:" not in turtle


def test_every_term_used_is_defined(full):
    """Every predicate and class comes from our vocabulary or a closed standard namespace."""
    from rdflib.namespace import SDO

    g = rdf.to_graph(full)
    closed = [LINEAGE, PROV, DCTERMS, SKOS, FAIR4ML, CODEMETA, SCHEMA]
    used = set(g.predicates()) | set(g.objects(None, RDF.type))
    for term in used - {RDF.type, RDF.first, RDF.rest, RDFS.label}:
        assert any(term in ns for ns in closed), term
    for name in SCHEMA.__annotations__:  # our http://schema.org/ terms exist in schema.org
        assert name in SDO.__annotations__, name


def test_the_export_has_no_blank_nodes(full):
    g = rdf.to_graph(full)
    assert not any(isinstance(t, rdflib.BNode) for triple in g for t in triple)


# --- lossless round trips -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", rdf.FORMATS)
def test_round_trip_gives_the_same_records(tmp_path, full, fmt):
    path = _write(tmp_path, full, fmt)
    back = rdf.read_rdf(path)
    _assert_same_records(full, back)
    _assert_isomorphic(rdf.to_graph(full), rdf.to_graph(back))


@pytest.mark.parametrize("fmt", rdf.FORMATS)
def test_round_trip_of_the_tiny_fixture(tmp_path, tiny, fmt):
    back = rdf.read_rdf(_write(tmp_path, tiny, fmt))
    _assert_same_records(tiny, back)


def test_lists_keep_their_order_and_duplicates(tmp_path, full):
    back = rdf.read_rdf(_write(tmp_path, full, "nt"))
    assert back.records["base-paper"].authors == ["Zed Zhou", "Amy Adams", "Zed Zhou"]
    assert back.records["acme"].aliases == ["ACME", "阿克米实验室", "Acme Research"]
    assert back.records["base-7b"].modality == ["text", "image"]
    assert back.records["tuned-7b"].relations[0].techniques == ["sft", "lora"]
    evals = [r for r in back.records["base-7b"].relations if r.relation == "evaluated_on"]
    assert [(r.metric, r.score, r.setting) for r in evals] == [
        ("accuracy (%)", 45.5, "5-shot"), ("F1", None, None)]


def test_round_trip_of_the_shipped_knowledge_base(tmp_path, shipped_kb):
    for fmt in ("turtle", "nt"):
        back = rdf.read_rdf(_write(tmp_path, shipped_kb, fmt))
        _assert_same_records(shipped_kb, back)
    _assert_isomorphic(rdf.to_graph(shipped_kb), rdf.to_graph(back))


def test_reading_back_works_from_the_graph_too(tmp_path, tiny):
    """An export of the graph (what the CLI exports) equals the export of the records."""
    G = build_graph(tiny)
    assert rdf.to_rdf(G, "nt") == rdf.to_rdf(tiny, "nt")


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld"])
def test_hostile_strings_round_trip(tmp_path, hostile, fmt):
    back = rdf.read_rdf(_write(tmp_path, hostile, fmt))
    _assert_same_records(hostile, back)
    urls = rdf.to_graph(hostile).objects(rdflib.URIRef(DEFAULT_BASE + "evil"), SCHEMA.url)
    kinds = sorted(type(u).__name__ for u in urls)
    assert kinds == ["Literal", "URIRef"]  # the unsafe URL is an xsd:anyURI literal


def test_xml_refuses_characters_xml_cannot_carry(tmp_path, hostile):
    with pytest.raises(RdfError, match="RDF/XML cannot carry.*--format turtle or nt"):
        rdf.to_rdf(hostile, "xml")
    target = tmp_path / "out.rdf"
    target.write_text("old")
    with pytest.raises(RdfError):
        rdf.write_rdf(hostile, target, "xml")
    assert target.read_text() == "old"  # never a half-written file


def test_xml_carries_hostile_but_printable_strings(tmp_path):
    items = _hostile_records()
    for item in items:
        for block in [item, *item.get("relations", []), *item.get("claims", [])]:
            for src in block.get("sources", []):
                src["quote"] = src["quote"].replace("\r", "").replace("\x01", "").replace("\x7f", "")
    kb = _kb_from(items)
    back = rdf.read_rdf(_write(tmp_path, kb, "xml"))
    _assert_same_records(kb, back)


def _hostile_id_kb() -> KnowledgeBase:
    ids = ['evil id "<x>"\n', "ü/../?#frag", "..", "a\\b{c}|d^e`f"]
    src = R.Source.model_construct(document="d", quote="q", locator=None, field=None)
    recs = {}
    for i, rid in enumerate(ids):
        rels = []
        if i:
            rels = [R.Relation.model_construct(relation="finetune", target=ids[0],
                                               confidence="explicit", sources=[src], note=None,
                                               techniques=[], date=None, score=None,
                                               metric=None, setting=None)]
        recs[rid] = R.Model.model_construct(id=rid, type="model", name=f"name {rid}",
                                            relations=rels)
    return KnowledgeBase(records=recs)


def test_hostile_ids_give_valid_iris_and_come_back(tmp_path):
    import pyoxigraph

    kb = _hostile_id_kb()
    nt = rdf.to_rdf(kb, "nt")
    triples = list(pyoxigraph.parse(nt.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert len(triples) == len(nt.splitlines())  # oxigraph checks every IRI strictly
    for rid in kb.records:
        pyoxigraph.NamedNode(rdf.record_iri(rid))
    path = tmp_path / "ids.nt"
    path.write_text(nt, encoding="utf-8")
    assert _rapper_count(path, "ntriples") == len(nt.splitlines())
    items = {it["id"]: it for it in rdf.read_rdf_items(path)}
    assert set(items) == set(kb.records)
    assert {it["relations"][0]["target"] for it in items.values() if "relations" in it} \
        == {'evil id "<x>"\n'}


# --- reading bad files ------------------------------------------------------------------------


def test_unreadable_files_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b .\n")
    with pytest.raises(RdfError) as e:
        rdf.read_rdf(bad)
    assert "bad.ttl is not valid turtle" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(RdfError, match="cannot read .*missing.ttl"):
        rdf.read_rdf(tmp_path / "missing.ttl")
    with pytest.raises(RdfError, match="cannot tell the RDF format"):
        rdf.read_rdf(tmp_path / "kb.txt")
    empty = tmp_path / "empty.nt"
    empty.write_text("")
    with pytest.raises(DataError, match="no records"):
        rdf.read_rdf(empty)


@pytest.mark.parametrize("context", ['"https://example.org/context.jsonld"',
                                     '["https://example.org/c.jsonld", {"x": "http://x/"}]',
                                     '{"@import": "https://example.org/c.jsonld"}'])
def test_json_ld_never_fetches_a_remote_context(tmp_path, context):
    path = tmp_path / "remote.jsonld"
    path.write_text(f'{{"@context": {context}, "@id": "http://x/a", "http://x/b": "c"}}')
    with pytest.raises(RdfError, match="remote JSON-LD context.*Inline the context"):
        rdf.read_rdf(path)


def test_malformed_order_lists_never_hang(tiny):
    g = rdf.to_graph(tiny)
    alpaca = rdflib.URIRef(DEFAULT_BASE + "alpaca-7b")
    head = g.value(alpaca, LINEAGE.aliasOrder)
    g.set((head, RDF.rest, head))  # a list that loops
    with pytest.raises(DataError, match="lineage:aliasOrder is not a well-formed list"):
        rdf.graph_to_items(g, "loop.ttl")


def test_structural_problems_name_the_record(tmp_path, tiny):
    g = rdf.to_graph(tiny)
    node = rdflib.URIRef(DEFAULT_BASE + "alpaca-7b/finetune/llama-7b")
    g.remove((node, LINEAGE.relationKind, None))
    g.set((rdflib.URIRef(DEFAULT_BASE + "gpt-3"), LINEAGE.parameters, rdflib.Literal("175 B")))
    with pytest.raises(DataError) as e:
        rdf.graph_to_items(g, "edited.ttl")
    lines = str(e.value).splitlines()
    assert any(ln.startswith("edited.ttl alpaca-7b.relations[0].relation: relation node")
               for ln in lines), lines
    assert any(ln.startswith("edited.ttl gpt-3.parameters: '175 B' is not a whole number")
               for ln in lines), lines


# --- vocabulary and shapes ----------------------------------------------------------------


def test_vocabulary_defines_every_term_with_label_and_comment():
    v = rdf.load_vocabulary()
    defined = {str(s)[len(str(LINEAGE)):] for s in v.subjects() if str(s).startswith(str(LINEAGE))}
    defined.discard("")
    assert defined == set(LINEAGE.__annotations__)
    for name in LINEAGE.__annotations__:
        term = LINEAGE[name]
        labels = list(v.objects(term, RDFS.label))
        assert len(labels) == 1 and labels[0].language == "en", name
        assert v.value(term, RDFS.comment) is not None, name
        if (term, RDF.type, RDF.Property) in v:
            assert v.value(term, RDFS.domain) is not None, name
            assert v.value(term, RDFS.range) is not None, name
    for cls in ("Model", "Dataset", "Organization", "License"):
        assert (LINEAGE[cls], RDFS.subClassOf, LINEAGE.Record) in v
    assert (LINEAGE.Model, RDFS.subClassOf, FAIR4ML.MLModel) in v


def test_vocabulary_says_which_schema_org_it_uses():
    text = rdf.VOCAB_PATH.read_text(encoding="utf-8")
    assert "http://schema.org/ form, not https://schema.org/" in text
    assert str(SCHEMA) == "http://schema.org/"


def test_vocabulary_binds_every_prefix_it_uses():
    text = rdf.VOCAB_PATH.read_text(encoding="utf-8")
    declared = dict(re.findall(r"^@prefix (\w+): <([^>]+)> \.$", text, flags=re.M))
    used = set(re.findall(r"\b([a-z][a-z0-9]*):[A-Za-z_]", text)) - {"http", "https"}
    assert used <= set(declared), used - set(declared)
    assert all(PREFIXES[p] == declared[p] for p in declared)


def _shape_lists(path_iri):
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    g = rdf.load_shapes()
    out = []
    for prop in g.subjects(sh.path, path_iri):
        lst = g.value(prop, sh["in"])
        if lst is not None:
            out.append([str(x).rsplit("#", 1)[-1] for x in rdflib.collection.Collection(g, lst)])
        pattern = g.value(prop, sh.pattern)
        if pattern is not None and str(pattern).startswith("^("):
            out.append(str(pattern)[2:-2].split("|"))
    return out


def test_shapes_enumerations_match_the_records():
    assert _shape_lists(LINEAGE.method) == [list(typing.get_args(R.DatasetMethod))]
    assert _shape_lists(LINEAGE.category) == [list(typing.get_args(R.TechniqueCategory))]
    org_kinds = typing.get_args(typing.get_args(R.Organization.model_fields["kind"].annotation)[0])
    assert _shape_lists(LINEAGE.organizationKind) == [list(org_kinds)]
    kinds = sorted(_shape_lists(LINEAGE.relationKind), key=len)
    assert kinds[-1] == list(R.RELATION_KINDS)
    assert list(R.WEIGHT_RELATIONS + R.DATA_RELATIONS) in kinds  # prov:qualifiedDerivation
    assert ["developed_by"] in kinds and ["evaluated_on"] in kinds
    others = [k for k in R.KNOWLEDGE_RELATIONS if k not in ("developed_by", "evaluated_on")]
    assert list(R.INFLUENCE_RELATIONS) + others in kinds  # prov:qualifiedInfluence


@pytest.mark.parametrize("fmt", rdf.FORMATS)
def test_every_export_conforms(tmp_path, full, fmt):
    triples, problems = rdf.validate_rdf(_write(tmp_path, full, fmt))
    assert [str(p) for p in problems] == []
    assert triples == len(rdf.to_graph(full))


def test_the_shipped_export_conforms(tmp_path, shipped_kb):
    _, problems = rdf.validate_rdf(_write(tmp_path, shipped_kb, "nt"))
    assert [str(p) for p in problems] == []


def _edit(g: rdflib.Graph, name: str) -> None:
    kb_ = rdflib.Namespace(DEFAULT_BASE)
    rel = rdflib.URIRef(DEFAULT_BASE + "alpaca-7b/finetune/llama-7b")
    if name == "no kind":
        g.remove((rel, LINEAGE.relationKind, None))
    elif name == "direct without qualified":
        g.add((kb_["alpaca-7b"], PROV.wasDerivedFrom, kb_["gpt-3"]))
    elif name == "qualified without direct":
        g.remove((kb_["alpaca-7b"], FAIR4ML.fineTunedFrom, None))
    elif name == "bad integer":
        g.set((kb_["alpaca-7b"], LINEAGE.parameters, rdflib.Literal("7B")))
    elif name == "dangling target":
        g.remove((rel, PROV.entity, None))
        g.add((rel, PROV.entity, kb_["no-such-model"]))
    elif name == "two record classes":
        g.add((kb_["alpaca-7b"], RDF.type, LINEAGE.Dataset))
    elif name == "wrong qualifier":
        g.remove((kb_["alpaca-7b"], PROV.qualifiedDerivation, rel))
        g.add((kb_["alpaca-7b"], PROV.qualifiedInfluence, rel))
    elif name == "source without quote":
        g.remove((rdflib.URIRef(str(rel) + "/source/1"), LINEAGE.quote, None))
    elif name == "untagged name":
        g.set((kb_["sft"], SCHEMA.name, rdflib.Literal("SFT plain")))
    elif name == "cycle":
        node = rdflib.URIRef(DEFAULT_BASE + "llama-7b/finetune/alpaca-7b")
        src = rdflib.URIRef(str(node) + "/source/1")
        for t in [(kb_["llama-7b"], PROV.wasDerivedFrom, kb_["alpaca-7b"]),
                  (kb_["llama-7b"], SCHEMA.isBasedOn, kb_["alpaca-7b"]),
                  (kb_["llama-7b"], FAIR4ML.fineTunedFrom, kb_["alpaca-7b"]),
                  (kb_["llama-7b"], PROV.qualifiedDerivation, node),
                  (node, RDF.type, LINEAGE.Relation), (node, RDF.type, PROV.Derivation),
                  (node, PROV.entity, kb_["alpaca-7b"]),
                  (node, LINEAGE.relationKind, LINEAGE.finetune),
                  (node, LINEAGE.confidence, LINEAGE.weak), (node, LINEAGE.source, src),
                  (src, RDF.type, LINEAGE.Source),
                  (src, LINEAGE.document, rdflib.Literal("notes")),
                  (src, LINEAGE.quote, rdflib.Literal("circular", lang="en"))]:
            g.add(t)
    else:  # pragma: no cover
        raise AssertionError(name)


EDITS = {
    "no kind": "alpaca-7b/finetune/llama-7b.lineage:relationKind: a relation needs exactly one "
               "lineage:relationKind",
    "direct without qualified": "alpaca-7b.prov:wasDerivedFrom: prov:wasDerivedFrom gpt-3 has no "
                                "qualified relation node",
    "qualified without direct": "alpaca-7b.fair4ml:fineTunedFrom: its finetune relation to "
                                "llama-7b lacks the direct triple",
    "bad integer": "alpaca-7b.lineage:parameters: at most one lineage:parameters, an xsd:integer",
    "dangling target": "alpaca-7b/finetune/llama-7b.prov:entity: a derivation needs exactly one "
                       "prov:entity: the record of this file",
    "two record classes": "alpaca-7b.rdf:type: typed with two record classes",
    "wrong qualifier": "alpaca-7b/finetune/llama-7b.lineage:relationKind: a "
                       "prov:qualifiedInfluence must be an influence relation",
    "source without quote": "alpaca-7b/finetune/llama-7b/source/1: a source needs a "
                            "lineage:quote or a lineage:locator",
    "untagged name": "sft.schema:name: a record needs exactly one schema:name, a non-empty "
                     "language-tagged string",
    "cycle": "llama-7b.relations[1]: cycle in the derivation graph: alpaca-7b -> llama-7b -> "
             "alpaca-7b",
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_validate_rdf_reports_hand_edits_one_line_each(run, tmp_path, tiny, name):
    g = rdf.to_graph(tiny)
    _edit(g, name)
    path = tmp_path / "edited.ttl"
    g.serialize(path, format="turtle")
    result = run("validate", "--rdf", str(path))
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert re.fullmatch(r"\d+ problems? found\.", lines[-1])
    expected = f"{path} {EDITS[name]}"
    assert any(ln.startswith(expected) for ln in lines), "\n".join(lines)
    for ln in lines[:-1]:
        assert ln.startswith(str(path)) and ln.endswith(".")
    assert "Traceback" not in result.output


# --- CLI ------------------------------------------------------------------------------------------


def test_export_rdf_to_stdout_parses(run):
    result = run("export", "rdf")
    assert result.exit_code == 0
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    assert (rdflib.URIRef(DEFAULT_BASE + "vicuna-13b"), RDF.type, LINEAGE.Model) in g
    nt = run("export", "rdf", "--format", "nt")
    assert nt.exit_code == 0
    assert len(nt.stdout.splitlines()) == len(g)


@pytest.mark.parametrize("fmt", rdf.FORMATS)
def test_export_rdf_to_a_file(run, tmp_path, tiny, fmt):
    out = tmp_path / f"kb{rdf.EXPORTERS[fmt].suffix}"
    result = run("export", "rdf", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Wrote {out} ({fmt}; 22 records, 22 relations)")
    _assert_same_records(tiny, rdf.read_rdf(out))


def test_export_failures_leave_files_alone(run, tmp_path):
    out = tmp_path / "kb.ttl"
    out.write_text("previous export")
    result = run("export", "rdf", "--focus", "no-such-model", "-o", str(out))
    assert result.exit_code == 1
    assert "unknown record 'no-such-model'" in result.stderr
    assert out.read_text() == "previous export"
    missing = tmp_path / "no" / "dir" / "kb.ttl"
    result = run("export", "rdf", "-o", str(missing))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.output
    assert not missing.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["kb.ttl"]  # no temporary files left


def test_export_rdf_usage_errors_exit_2(run):
    r = run("export", "rdf", "--depth", "1")
    assert r.exit_code == 2 and "--depth needs --focus" in r.stderr
    r = run("export", "rdf", "--base", "not a base")
    assert r.exit_code == 2 and "not a usable base IRI" in r.stderr
    r = run("export", "rdf", "--format", "n3")
    assert r.exit_code == 2


def test_export_focus_is_self_contained(run, tmp_path):
    out = tmp_path / "vicuna.ttl"
    assert run("export", "rdf", "--focus", "Vicuna", "--depth", "1", "-o", str(out)).exit_code == 0
    back = rdf.read_rdf(out)  # validates: every reference resolves inside the file
    assert {"vicuna-13b", "llama-13b", "sharegpt", "vicuna-eval"} <= set(back.records)
    assert "alpaca-7b" not in back.records and "gpt-3" not in back.records
    assert run("validate", "--rdf", str(out)).exit_code == 0


def test_export_as_of_leaves_out_later_records(run):
    result = run("export", "rdf", "--format", "nt", "--as-of", "2022-12")
    ids = set(re.findall(r'dc/terms/identifier> "([^"]+)"', result.stdout))
    assert "chatgpt" in ids and "alpaca-7b" not in ids and "vicuna-13b" not in ids


def test_ntriples_streams_without_an_rdflib_graph(monkeypatch, tiny):
    expected = rdf.to_rdf(tiny, "nt")

    def refuse(*args, **kwargs):
        raise AssertionError("built an rdflib Graph")

    monkeypatch.setattr(rdflib.graph.Graph, "__init__", refuse)
    assert rdf.to_rdf(tiny, "nt") == expected
    assert "".join(rdf.iter_ntriples(tiny)) == expected


def test_ntriples_have_no_duplicate_lines(full):
    lines = rdf.to_rdf(full, "nt").splitlines()
    assert len(lines) == len(set(lines)) == len(rdf.to_graph(full))


def test_ntriples_say_what_rdflib_says(tiny):
    ours = rdflib.Graph().parse(data=rdf.to_rdf(tiny, "nt"), format="nt")
    _assert_isomorphic(ours, rdf.to_graph(tiny))


def test_import_rdf_writes_a_data_file_that_loads_the_same(run, tmp_path, tiny):
    ttl, out = tmp_path / "kb.ttl", tmp_path / "kb.yaml"
    rdf.write_rdf(tiny, ttl)
    result = run("import", "rdf", str(ttl), "-o", str(out))
    assert result.exit_code == 0 and f"Wrote {out} (22 records)" in result.stdout
    _assert_same_records(tiny, load([out], shipped=False))
    stdout = run("import", "rdf", str(ttl))
    assert stdout.exit_code == 0 and stdout.stdout == out.read_text(encoding="utf-8")
    same = run("--no-shipped", "--data-dir", str(out), "ancestry", "Vicuna", data=None)
    assert same.stdout == run("ancestry", "Vicuna").stdout


def test_import_rdf_errors_are_one_line(run, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .")
    r = run("import", "rdf", str(bad))
    assert r.exit_code == 1 and "is not valid turtle" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run("import", "rdf", str(tmp_path / "kb.csv"))
    assert r.exit_code == 1 and "cannot tell the RDF format" in r.stderr
    r = run("import", "rdf", str(bad), "--format", "nt")
    assert r.exit_code == 1 and "is not valid nt" in r.stderr


def test_import_rdf_reports_invalid_records(run, tmp_path, tiny):
    g = rdf.to_graph(tiny)
    node = rdflib.URIRef(DEFAULT_BASE + "alpaca-7b/finetune/llama-7b")
    g.remove((node, PROV.entity, None))
    g.add((node, PROV.entity, rdflib.URIRef(DEFAULT_BASE + "llama-7")))
    path = tmp_path / "edited.nt"
    g.serialize(path, format="nt", encoding="utf-8")
    out = tmp_path / "out.yaml"
    r = run("import", "rdf", str(path), "-o", str(out))
    assert r.exit_code == 1
    assert f"{path} alpaca-7b.relations[0].target: unknown record 'llama-7'" in r.stderr
    assert not out.exists()


def test_validate_rdf_cli(run, tmp_path, tiny):
    path = _write(tmp_path, tiny, "turtle")
    ok = run("validate", "--rdf", str(path))
    assert ok.exit_code == 0
    assert ok.stdout.strip() == f"ok: {path} conforms ({len(rdf.to_graph(tiny))} triples)"
    js = run("validate", "--rdf", str(path), "--json")
    data = json.loads(js.stdout)
    assert data["query"] == "validate" and data["rdf"] == str(path) and data["problems"] == []
    both = run("validate", str(TINY), "--rdf", str(path))
    assert both.exit_code == 2 and "not both" in both.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix : <http://x/> .\n:a :b")
    r = run("validate", "--rdf", str(bad))
    assert r.exit_code == 1 and "bad.ttl is not valid turtle" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_validate_rdf_json_lists_problems(run, tmp_path, tiny):
    g = rdf.to_graph(tiny)
    _edit(g, "bad integer")
    path = tmp_path / "edited.ttl"
    g.serialize(path, format="turtle")
    result = run("validate", "--rdf", str(path), "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert problems and {"file", "line", "record", "field", "kind", "severity", "message",
                         "fix"} <= set(problems[0])
    assert problems[0]["record"] == "alpaca-7b" and problems[0]["kind"] == "shacl"


# --- independent readers ----------------------------------------------------------------------


def _rapper_count(path: Path, syntax: str) -> int:
    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.fail("rapper is not installed: install raptor2-utils "
                    "(apt-get install raptor2-utils; .ci/run does)")
    proc = subprocess.run([rapper, "-q", "-i", syntax, "-o", "ntriples", str(path)],
                          capture_output=True, text=True, encoding="utf-8", check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr
    return len(proc.stdout.splitlines())


@pytest.mark.parametrize("kb_name", ["full", "hostile"])
@pytest.mark.parametrize("fmt, syntax", [("turtle", "turtle"), ("nt", "ntriples")])
def test_rapper_reads_the_same_number_of_triples(request, tmp_path, kb_name, fmt, syntax):
    kb = request.getfixturevalue(kb_name)
    path = _write(tmp_path, kb, fmt)
    assert _rapper_count(path, syntax) == len(rdf.to_graph(kb))


def test_rapper_reads_rdf_xml(tmp_path, full):
    assert _rapper_count(_write(tmp_path, full, "xml"), "rdfxml") == len(rdf.to_graph(full))


@pytest.mark.parametrize("kb_name", ["full", "hostile"])
@pytest.mark.parametrize("fmt", ["turtle", "nt"])
def test_pyoxigraph_reads_the_same_triples(request, kb_name, fmt):
    import pyoxigraph

    kb = request.getfixturevalue(kb_name)
    text = rdf.to_rdf(kb, fmt)
    ox_format = pyoxigraph.RdfFormat.TURTLE if fmt == "turtle" else pyoxigraph.RdfFormat.N_TRIPLES
    triples = list(pyoxigraph.parse(text.encode("utf-8"), format=ox_format))
    assert len(triples) == len(rdf.to_graph(kb))
    # and the same triples: oxigraph writes canonical N-Triples, as our writer does (rdflib's
    # Turtle writer shortens doubles, 45.5 -> 4.55e+01: compare those by value)
    double = re.compile(r'"([^"]*)"\^\^<http://www.w3.org/2001/XMLSchema#double>')

    def norm(line: str) -> str:
        return double.sub(lambda m: repr(float(m.group(1))), line)

    ours = {norm(line) for line in rdf.to_rdf(kb, "nt").splitlines()}
    theirs = {norm(f"{t.subject} {t.predicate} {t.object} .") for t in triples}
    assert theirs == ours


@pytest.mark.parametrize("kb_name", ["full", "hostile"])
def test_pyld_expands_json_ld_to_the_same_triples(request, kb_name):
    from pyld import jsonld

    kb = request.getfixturevalue(kb_name)
    doc = json.loads(rdf.to_rdf(kb, "jsonld"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    theirs = rdflib.Graph().parse(data=nquads, format="nt")
    ours = rdf.to_graph(kb)
    assert len(theirs) == len(ours)
    _assert_isomorphic(theirs, ours)


@pytest.mark.parametrize("rid", ["gpt-3.5", "a b", ".", "..", "...", "é", "x~y_z", "a\n",
                                 "a/b", "%41", "model-12", "阿尔帕卡", "a?b#c"])
def test_a_record_iri_is_the_percent_encoded_id_whichever_way_it_is_made(rid):
    from urllib.parse import quote

    from graph.rdf import DEFAULT_BASE, record_iri

    expected = quote(rid, safe="-._~") if rid not in (".", "..") else quote(rid, safe="")
    assert record_iri(rid) == DEFAULT_BASE + expected
