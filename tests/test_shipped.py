"""Integrity of the curated knowledge base shipped in lineage/data/."""

from __future__ import annotations

import csv
import re

import networkx as nx
import pytest

from graph import query
from lineage.records import ID_PATTERN, LINEAGE_RELATIONS

from .conftest import ROOT

SEED_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


def test_shipped_data_loads_without_problems(shipped_kb):
    assert [str(p) for p in shipped_kb.problems if p.severity == "error"] == []
    assert len(shipped_kb) > 200


def test_ids_are_well_formed(shipped_kb):
    for rid in shipped_kb.records:
        assert re.match(ID_PATTERN, rid), rid


def test_every_relation_is_sourced(shipped_kb):
    for rec in shipped_kb:
        for rel in rec.relations:
            assert rel.sources, (rec.id, rel.relation, rel.target)
            for s in rel.sources:
                assert s.quote or s.locator, (rec.id, rel.target, s.document)


def test_every_reference_resolves(shipped_kb):
    for rec in shipped_kb:
        for rel in rec.relations:
            assert rel.target in shipped_kb.records, (rec.id, rel.target)
            for t in rel.techniques:
                assert shipped_kb.records[t].type == "technique", (rec.id, t)


def test_derivation_graph_is_acyclic(shipped_graph):
    L = nx.DiGraph([(e.source, e.target) for e in shipped_graph.iter_edges()
                    if e.relation in LINEAGE_RELATIONS])
    assert nx.is_directed_acyclic_graph(L), nx.find_cycle(L)


def _seed_sources(kb):
    for rec in kb:
        for s in rec.sources:
            yield rec.id, "sources", s
        for rel in rec.relations:
            for s in rel.sources:
                yield rec.id, f"{rel.relation}->{rel.target}", s
        for c in rec.claims:
            for s in c.sources:
                yield rec.id, f"claim {c.topic}", s


def test_seed_documents_are_named_by_file(seeds, shipped_kb):
    names = {p.name for p in seeds.glob("*.txt")}
    for rid, where, s in _seed_sources(shipped_kb):
        if SEED_FILE.match(s.document):
            assert s.document in names, (rid, where, s.document)


def test_quotes_attributed_to_seeds_appear_verbatim(seeds, shipped_kb):
    texts = {p.name: p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")}
    missing = [(rid, where, s.document, s.quote) for rid, where, s in _seed_sources(shipped_kb)
               if s.document in texts and s.quote and s.quote not in texts[s.document]]
    assert missing == []


def _coverage_rows():
    rows = []
    for path in sorted((ROOT / "tests" / "data").glob("seed_names_*.tsv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter="\t"):
                if row and not row[0].startswith("#") and len(row) >= 3:
                    rows.append((path.name, row[0], row[1], row[2]))
    return rows


def test_coverage_list_is_substantial():
    rows = _coverage_rows()
    assert len(rows) > 300
    assert {r[1] for r in rows} >= {"000_fe5f84a8655783c9.txt", "001_cc5b31e9eed7cf4b.txt",
                                    "002_70697c1b2f561b7a.txt", "003_3ac2929bc443edec.txt",
                                    "004_9cc3d07c0675380d.txt"}


def test_every_name_the_seeds_mention_resolves(shipped_graph):
    wrong = []
    for listing, seed, name, rid in _coverage_rows():
        try:
            got = query.resolve(shipped_graph, name)
        except Exception as e:  # noqa: BLE001 - collect every failure for one report
            wrong.append((listing, seed, name, rid, type(e).__name__))
            continue
        if got != rid:
            wrong.append((listing, seed, name, rid, got))
    assert wrong == []


def test_names_in_coverage_appear_in_their_seed(seeds):
    texts = {p.name: p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")}
    absent = [(seed, name) for _, seed, name, _ in _coverage_rows()
              if seed in texts and name not in texts[seed]]
    assert absent == []


# --- the lineages the product promises ------------------------------------------


@pytest.mark.parametrize("child, base", [
    ("alpaca-7b", "llama-7b"), ("vicuna-13b", "llama-13b"), ("koala-13b", "llama-13b"),
])
def test_llama_imitation_models_descend_from_their_sizes(shipped_graph, child, base):
    assert base in query.ancestors(shipped_graph, child, weights_only=True)
    assert "llama" in query.ancestors(shipped_graph, child, weights_only=True)


def test_data_lineage_of_the_imitation_models(shipped_graph):
    alpaca = query.ancestors(shipped_graph, "alpaca-7b", relations=["trained_on",
                                                                    "generated_by",
                                                                    "derived_from"])
    assert "alpaca-data" in alpaca and "text-davinci-003" in alpaca
    vicuna = query.ancestors(shipped_graph, "vicuna-13b", relations=["trained_on",
                                                                     "generated_by",
                                                                     "derived_from"])
    assert "chatgpt" in vicuna


def test_gpt3_to_chatgpt_runs_through_codex_and_gpt35(shipped_graph):
    paths = query.lineage_paths(shipped_graph, "gpt-3", "chatgpt", limit=50)
    best = paths[0]
    assert best.nodes[0] == "gpt-3" and best.nodes[-1] == "chatgpt"
    assert "codex" in best.nodes
    assert "code-davinci-002" in best.nodes
    assert "gpt-3.5" in best.nodes


def test_descendants_of_llama_include_the_imitation_models(shipped_graph):
    d = set(query.descendants(shipped_graph, "llama"))
    assert {"alpaca-7b", "vicuna-13b", "koala-13b"} <= d


def test_every_record_carries_a_source(shipped_kb):
    bare = [rec.id for rec in shipped_kb
            if not rec.sources and not rec.claims and not any(r.sources for r in rec.relations)]
    assert bare == []
