"""Issue 12, facts: the wrong edges stay fixed, and the added facts are there, sourced.

Each corrected edge is checked against what its own source says (see the notes in the data);
each added fact (pre-training corpora, fine-tunes, teacher data, identities) is checked through
the queries a user runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph import query
from lineage.documents import CitationIndex, iter_sources

from .conftest import ROOT

ADDITIONS = ROOT / "lineage" / "data" / "llama-and-imitation" / "additions-knowledge.yaml"
ADDITIONS_2 = ROOT / "lineage" / "data" / "llama-and-imitation" / "additions-knowledge-2.yaml"


def _targets(kb, rid, kind):
    return {r.target for r in kb.records[rid].relations if r.relation == kind}


# --- corrected edges ------------------------------------------------------------------------


def test_gpt4all_is_not_a_fine_tune_of_gpt_j_gpt4all_j_is(shipped_kb):
    assert "gpt-j" not in _targets(shipped_kb, "gpt4all", "finetune")
    assert _targets(shipped_kb, "gpt4all", "finetune") == {"llama-7b"}
    assert "gpt-j" in _targets(shipped_kb, "gpt4all-j", "finetune")
    # seed 002 speaks of the project; kept as a claim on a topic of its own
    topics = {c.topic for c in shipped_kb.records["gpt4all"].claims}
    assert "project-base-models" in topics


def test_agentlm_is_tuned_from_the_llama_2_chat_models(shipped_kb):
    finetunes = [r for r in shipped_kb.records["agentlm"].relations if r.relation == "finetune"]
    assert [r.target for r in finetunes] == ["llama-2-chat"]
    quotes = [s.quote for s in finetunes[0].sources if s.quote]
    assert any("Llama2-chat series" in q for q in quotes)


def test_llama_2_reward_models_start_from_the_chat_models(shipped_kb):
    assert _targets(shipped_kb, "llama-2-reward-model", "finetune") == {"llama-2-chat"}


def test_external_knowledge_augmentation_is_not_derived_from_retrieval(shipped_kb):
    rec = shipped_kb.records["external-knowledge-augmentation"]
    assert all(r.target != "retrieval-augmentation" for r in rec.relations)


def test_gpt_4_api_is_not_a_name_of_the_2020_openai_api(shipped_kb, shipped_graph):
    api = shipped_kb.records["openai-api"]
    assert "GPT-4 API" not in api.aliases and api.date == "2020-06"
    assert query.resolve(shipped_graph, "GPT-4 API") == "gpt-4-api"
    assert "gpt-4" in _targets(shipped_kb, "gpt-4-api", "uses_model")


# --- added facts ----------------------------------------------------------------------------


@pytest.mark.parametrize("model, dataset", [
    ("gpt-j", "the-pile"), ("falcon-40b", "refinedweb"), ("t5", "c4"),
    ("guanaco", "oasst1"), ("phi-1", "phi-1-synthetic-textbooks"),
    ("phi-1", "phi-1-web-textbook-quality"), ("toolllama", "toolbench"),
    ("agentlm", "agentinstruct"), ("agentlm", "sharegpt"), ("gorilla", "apibench"),
    ("wizardlm-7b", "evol-instruct-70k"), ("pythia-12b", "the-pile"),
])
def test_models_are_trained_on_their_data(shipped_kb, model, dataset):
    assert dataset in _targets(shipped_kb, model, "trained_on")


def test_mpt_7b_chat_data_is_the_five_datasets_of_its_card(shipped_kb):
    assert _targets(shipped_kb, "mpt-7b-chat", "trained_on") >= {
        "sharegpt", "hc3", "alpaca-data", "anthropic-hh", "evol-instruct-70k"}


@pytest.mark.parametrize("student, teacher", [
    ("phi-1", "gpt-3.5"), ("toolllama", "gpt-3.5-turbo-16k"), ("agentlm", "gpt-4"),
    ("mpt-7b-chat", "text-davinci-003"), ("mpt-7b-chat", "chatgpt"),
])
def test_teachers_of_imitation_models(shipped_graph, student, teacher):
    from graph.analytics import teachers

    assert teacher in {t.teacher for t in teachers(shipped_graph, student)}


def test_well_known_fine_tunes(shipped_graph):
    assert "llama" in query.ancestors(shipped_graph, "guanaco", weights_only=True)
    assert "vicuna-13b" in query.ancestors(shipped_graph, "stablevicuna-13b", weights_only=True)
    assert "llama-13b" in query.ancestors(shipped_graph, "stablevicuna-13b", weights_only=True)


def test_instructretro_is_built_on_retro_48b(shipped_graph):
    up = query.ancestors(shipped_graph, "instructretro", weights_only=True)
    assert {"retro-48b", "nvidia-gpt-43b"} <= set(up)


def test_attributes_the_cards_state(shipped_kb):
    assert shipped_kb.records["gpt-j"].training_tokens == 402 * 10**9
    assert shipped_kb.records["falcon-40b"].training_tokens == 1000 * 10**9
    assert shipped_kb.records["falcon-40b"].context_length == 2048
    assert shipped_kb.records["agentinstruct"].examples == 1866
    assert shipped_kb.records["phi-1-synthetic-textbooks"].tokens == 10**9


def test_chatgpt_serves_gpt_3_5_turbo(shipped_kb):
    assert "gpt-3.5-turbo" in _targets(shipped_kb, "chatgpt", "uses_model")


@pytest.mark.parametrize("path, min_standalone", [(ADDITIONS, 15), (ADDITIONS_2, 25)],
                         ids=["round-1", "round-2"])
def test_every_added_fact_is_quoted_from_a_document_with_a_record(shipped_kb, path,
                                                                  min_standalone):
    index = CitationIndex.from_records(shipped_kb.records.values())
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    ids = {i["id"] for i in items if i.get("type") != "relation"}
    for rid in ids:
        rec = shipped_kb.records[rid]
        assert rec.sources or rec.relations, rid
        for _, where, s in iter_sources(rec):
            assert s.quote or s.locator, (rid, where)
            assert index.resolve(s.document), (rid, where, s.document)
    standalone = [i for i in items if i.get("type") == "relation"]
    assert len(standalone) >= min_standalone
    for item in standalone:
        assert all(s.get("quote") for s in item["sources"]), item
        for s in item["sources"]:
            assert index.resolve(s["document"]), (item["source"], s["document"])


# --- round 2: the teachers still missing, developers, corpora, titles ------------------------


def _teachers_json(run, name):
    import json

    result = run("teachers", name, "--json", data=None)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_wizardlm_learned_from_gpt_3_5_turbo_through_its_evol_instruct_data(run):
    payload = _teachers_json(run, "WizardLM-7B")
    assert payload["root"] == "wizardlm-7b"
    direct = {(t["teacher"], t["dataset"]) for t in payload["teachers"] if t["direct"]}
    # gpt-3.5-turbo, the model the ChatGPT product serves, answered the evolved instructions
    assert ("gpt-3.5-turbo", "evol-instruct-70k") in direct
    # ... and the evolution started from Alpaca's instructions, written by text-davinci-003
    via_alpaca = [t for t in payload["teachers"] if t["teacher"] == "text-davinci-003"]
    assert via_alpaca
    nodes = [n["id"] for n in via_alpaca[0]["path"]["nodes"]]
    assert nodes == ["wizardlm-7b", "evol-instruct-70k", "alpaca-data", "text-davinci-003"]
    hop = via_alpaca[0]["path"]["edges"][0]
    assert hop["relation"] == "trained_on" and hop["confidence"] == "explicit"


def test_the_evol_instruct_generator_is_quoted_from_the_wizardlm_readme(shipped_kb):
    rels = [r for r in shipped_kb.records["evol-instruct-70k"].relations
            if (r.relation, r.target) == ("generated_by", "gpt-3.5-turbo")]
    assert len(rels) == 1 and rels[0].confidence == "explicit"
    quotes = [s.quote for s in rels[0].sources]
    assert any("as generated by `gpt-3.5-turbo`" in q for q in quotes)
    # the model ChatGPT serves: the product's identity with gpt-3.5-turbo is recorded
    assert "gpt-3.5-turbo" in _targets(shipped_kb, "chatgpt", "uses_model")
    assert "alpaca-data" in _targets(shipped_kb, "evol-instruct-70k", "derived_from")


def test_gorilla_learned_from_gpt_4_through_apibench(run, shipped_kb):
    payload = _teachers_json(run, "Gorilla")
    assert ("gpt-4", "apibench") in {(t["teacher"], t["dataset"]) for t in payload["teachers"]}
    apibench = shipped_kb.records["apibench"]
    assert apibench.date == "2023-05" and apibench.method == "mixed"


def test_phi_1_textbooks_name_the_gpt_3_5_turbo_snapshot(shipped_kb):
    gen = _targets(shipped_kb, "phi-1-synthetic-textbooks", "generated_by")
    assert {"gpt-3.5", "gpt-3.5-turbo"} <= gen


@pytest.mark.parametrize("rid, developer", [
    ("evol-instruct-70k", "microsoft"), ("apibench", "berkeley"),
    ("phi-1-synthetic-textbooks", "microsoft"), ("toolbench", "openbmb"),
    ("toolllama", "openbmb"), ("agentinstruct", "thudm"), ("agentlm", "thudm"),
    ("qwen3-pretraining-data", "alibaba-qwen"), ("deepseek-r1-cold-start-data", "deepseek-ai"),
    ("mixtral-8x7b-instruct", "mistral-ai"), ("llama-2-reward-model", "meta"),
    ("dpo-mix-7k", "argilla"), ("galactica-corpus", "meta"),
])
def test_developers_the_documents_name(shipped_graph, rid, developer):
    assert developer in query.developers(shipped_graph, rid)


def test_bert_and_galactica_derive_from_their_pre_training_corpora(shipped_graph):
    from graph.analytics import record_gaps

    assert {"bookcorpus", "wikipedia"} <= set(
        query.ancestors(shipped_graph, "bert"))
    assert "galactica-corpus" in query.ancestors(shipped_graph, "galactica")
    assert "bloom-training-data" in query.ancestors(shipped_graph, "bloom")
    gaps = record_gaps(shipped_graph)
    assert not {"bert", "galactica", "bloom"} & set(gaps["no_lineage"])
    for rid in ("evol-instruct-70k", "apibench", "toolbench", "agentlm", "mixtral-8x7b-instruct"):
        assert rid not in gaps["no_developer"], rid


def test_pages_read_are_cited_by_their_own_titles(shipped_kb):
    index = CitationIndex.from_records(shipped_kb.records.values())
    bert = index.citation("https://github.com/google-research/bert")
    assert bert.record == "doc-google-research-bert" and "*BERT (README" in bert.text
    card = index.citation("https://github.com/meta-llama/codellama/blob/main/MODEL_CARD.md")
    assert "Code Llama model card" in card.text
    assert shipped_kb.records["doc-google-research-bert"].title == "BERT"
    wizard = index.citation("https://github.com/nlpxucan/WizardLM/blob/main/WizardLM/README.md")
    assert "Evol-Instruct" in wizard.text


# --- round 3: titles of the web pages, READMEs and licences read ---------------------------


def test_pages_read_for_their_titles_are_cited_by_them(run, shipped_kb):
    """A user sees the page's own heading (and the blog's date), not a name made of its URL."""
    out = run("show", "llama", data=None)
    assert out.exit_code == 0, out.output
    assert ("*Introducing LLaMA: A foundational, 65-billion-parameter large language model"
            in out.output)
    assert "ai.facebook.com/blog/large-language-model-llama-meta-ai, " not in out.output
    index = CitationIndex.from_records(shipped_kb.records.values())
    qwen3 = index.citation("https://github.com/QwenLM/Qwen3/blob/main/README.md")
    assert qwen3.text.startswith("GitHub repository QwenLM/Qwen3, *Qwen3 (")
    lic = index.citation("https://github.com/deepseek-ai/DeepSeek-V3/blob/main/LICENSE-MODEL")
    assert "*DEEPSEEK LICENSE AGREEMENT" in lic.text
    blog = shipped_kb.records["doc-ai-facebook-blog-large-language-model-llama-meta-ai"]
    assert str(blog.date) == "2023-02-24" and blog.language == "en"
    # every title of a cited web page is backed by a verbatim quote of it on the record itself
    pages = yaml.safe_load((ROOT / "lineage" / "data" / "documents" / "web-pages.yaml")
                           .read_text(encoding="utf-8"))
    titled = [p for p in pages if p.get("title")]
    assert len(titled) >= 60
    for page in titled:
        quotes = [s["quote"] for s in page["sources"] if s.get("field") == "title"]
        assert quotes and all(q.strip() for q in quotes), page["id"]
