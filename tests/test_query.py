"""Graph queries on the tiny fixture: lineage both ways, paths, lookup, lists, stats."""

from __future__ import annotations

import pytest

from graph import query
from lineage.errors import NoPathError, QueryError, UnknownRecordError

SERVER_STORE = True  # the query commands also run against a real SPARQL server


def test_ancestry_follows_weights_and_data_and_tells_them_apart(tiny_graph):
    a = query.ancestry(tiny_graph, "vicuna-13b")
    assert {"llama-13b", "llama", "sharegpt", "chatgpt", "gpt-3.5", "codex", "gpt-3"} <= set(
        a.nodes)
    cats = {(e.source, e.target): e.category for e in a.edges}
    assert cats[("vicuna-13b", "llama-13b")] == "weights"
    assert cats[("vicuna-13b", "sharegpt")] == "data"
    assert cats[("sharegpt", "chatgpt")] == "data"
    assert a.depth["chatgpt"] == 2 and a.nodes[0] == "vicuna-13b"


def test_ancestry_leaves_out_knowledge_relations(tiny_graph):
    nodes = query.ancestors(tiny_graph, "alpaca-7b")
    assert "stanford" not in nodes and "sft" not in nodes


def test_weights_only_and_depth_and_relation_filters(tiny_graph):
    assert query.ancestors(tiny_graph, "vicuna-13b", weights_only=True) == ["llama-13b", "llama"]
    assert query.ancestors(tiny_graph, "vicuna-13b", depth=1) == ["llama-13b", "sharegpt"]
    assert query.ancestors(tiny_graph, "alpaca-7b", relations=["trained_on", "generated_by"]) \
        == ["alpaca-data", "text-davinci-003"]
    assert query.ancestors(tiny_graph, "vicuna-13b", depth=0) == []


def test_descendants_of_a_dataset_are_models_trained_on_it(tiny_graph):
    assert query.descendants(tiny_graph, "sharegpt") == ["vicuna-13b"]
    d = query.descendants(tiny_graph, "chatgpt")
    assert d == ["sharegpt", "vicuna-13b"]


def test_descendants_of_a_family(tiny_graph):
    d = query.descendancy(tiny_graph, "llama")
    assert set(d.nodes) == {"llama", "llama-7b", "llama-13b", "alpaca-7b", "vicuna-13b"}
    assert all(e.category == "weights" for e in d.edges)


def test_gpt3_to_chatgpt_goes_through_codex_and_gpt35(tiny_graph):
    [p] = query.lineage_paths(tiny_graph, "gpt-3", "chatgpt")
    assert p.nodes == ["gpt-3", "codex", "code-davinci-002", "gpt-3.5", "chatgpt"]
    assert [e.relation for e in p.edges] == ["finetune", "successor", "continued_pretraining",
                                             "finetune"]
    assert p.weak_hops == 1
    assert all(e.sources for e in p.edges)


def test_paths_either_direction(tiny_graph):
    fwd = query.lineage_paths(tiny_graph, "chatgpt", "gpt-3")[0]
    assert fwd.nodes[0] == "chatgpt" and fwd.nodes[-1] == "gpt-3"


def test_paths_strongest_evidence_first():
    from lineage.load import loads
    from tests.support import make_store as build_graph

    src = "sources: [{document: d, quote: q}]"
    kb = loads(f"""
- {{id: a, type: model, name: A}}
- id: b
  type: model
  name: B
  relations: [{{relation: finetune, target: a, {src}}}]
- id: c
  type: model
  name: C
  relations:
    - {{relation: finetune, target: b, {src}}}
    - {{relation: architecture, target: a, confidence: weak, {src}}}
""")
    paths = query.lineage_paths(build_graph(kb), "a", "c")
    assert [p.nodes for p in paths] == [["a", "b", "c"], ["a", "c"]]
    assert [p.weak_hops for p in paths] == [0, 1]


def test_unrelated_records_raise_no_path(tiny_graph):
    with pytest.raises(NoPathError, match="no lineage path between 'alpaca-7b' and 'vicuna-13b'"):
        query.lineage_paths(tiny_graph, "alpaca-7b", "vicuna-13b")


@pytest.mark.parametrize("name, rid", [
    ("Vicuna", "vicuna-13b"), ("vicuna 13b", "vicuna-13b"), ("VICUNA-13B", "vicuna-13b"),
    ("小羊驼", "vicuna-13b"), ("阿尔帕卡", "alpaca-7b"), ("text - davinci - 003", "text-davinci-003"),
    ("gpt 3.5", "gpt-3.5"), ("llama_7b", "llama-7b"), ("ＳＦＴ", "sft"),
])
def test_resolve_is_case_space_hyphen_insensitive(tiny_graph, name, rid):
    assert query.resolve(tiny_graph, name) == rid


def test_unknown_names_suggest_close_matches(tiny_graph):
    with pytest.raises(UnknownRecordError) as e:
        query.resolve(tiny_graph, "vicunna")
    assert e.value.suggestions[0] == "vicuna-13b"
    assert "Did you mean: vicuna-13b" in str(e.value)
    assert "lineage search vicunna" in str(e.value)


def test_bad_arguments_raise_query_errors(tiny_graph):
    with pytest.raises(QueryError, match="depth"):
        query.ancestry(tiny_graph, "vicuna-13b", depth=-1)
    with pytest.raises(QueryError, match="unknown relation kind"):
        query.ancestry(tiny_graph, "vicuna-13b", relations=["parent"])
    with pytest.raises(QueryError, match="unknown record type"):
        query.filter_records(tiny_graph, types=["modle"])
    with pytest.raises(QueryError, match="since"):
        query.filter_records(tiny_graph, since="2023-13")
    with pytest.raises(QueryError):
        query.search(tiny_graph, "   ")


def test_search_english_and_chinese(tiny_graph):
    assert query.search(tiny_graph, "llama")[:3] == ["llama", "llama-13b", "llama-7b"]
    assert query.search(tiny_graph, "羊驼") == ["vicuna-13b"]
    assert query.search(tiny_graph, "fine-tuning", types=["technique"]) == ["sft"]
    assert query.search(tiny_graph, "vicunna")[0] == "vicuna-13b"  # close spelling


def test_filter_by_type_org_dates_weights(tiny_graph):
    assert query.filter_records(tiny_graph, types=["model"], organization="openai") == \
        ["gpt-3", "chatgpt"]
    assert query.filter_records(tiny_graph, types=["model"], since="2023-03") == \
        ["alpaca-7b", "vicuna-13b"]
    assert query.filter_records(tiny_graph, until="2021") == ["gpt-3", "codex"]
    assert query.filter_records(tiny_graph, weights="closed") == \
        ["gpt-3", "chatgpt", "text-davinci-003"]


def test_statistics(tiny_graph):
    s = query.statistics(tiny_graph)
    assert s["records"] == 22 and s["relations"] == 22
    assert s["by_type"]["model"] == 9
    # codex succeeds gpt-3 without its weights: influence, not weights
    assert s["by_category"] == {"weights": 8, "influence": 1, "data": 4, "knowledge": 9}
    assert s["by_confidence"] == {"explicit": 21, "weak": 1}
    assert sum(sum(c.values()) for c in s["by_provenance"].values()) == 22


def test_as_of_leaves_out_later_records(tiny_graph):
    H = query.as_of(tiny_graph, "2022-12")
    assert "vicuna-13b" not in H and "sharegpt" in H and "chatgpt" in H
    assert query.descendants(H, "chatgpt") == ["sharegpt"]
    with pytest.raises(QueryError, match="not in the graph as of 2022-12"):
        query.resolve(H, "Vicuna")


def test_queries_do_not_mutate_the_graph(tiny_graph):
    def snapshot(S):
        return ([S.node(r) for r in S.iter_ids()], list(S.iter_edges()))

    before = snapshot(tiny_graph)
    query.ancestry(tiny_graph, "vicuna-13b")
    query.descendancy(tiny_graph, "llama")
    query.lineage_paths(tiny_graph, "gpt-3", "chatgpt")
    query.as_of(tiny_graph, "2020")
    assert snapshot(tiny_graph) == before


def test_family_members_inherit_the_family_developer(tiny_graph):
    assert query.developers(tiny_graph, "llama-7b") == ["meta"]
    assert query.developers(tiny_graph, "alpaca-7b") == ["stanford"]  # its own wins
    assert query.filter_records(tiny_graph, types=["model"], organization="meta") == \
        ["llama-13b", "llama-7b"]
