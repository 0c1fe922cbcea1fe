"""The curated knowledge of 2024-2025 open models (lineage/data/open-models-2024-2025/).

Checks that the families resolve, that the DeepSeek-R1 distillation is answered as data lineage
(teachers and students), that every new record and relation is sourced with a quote, that dates
agree with weight lineage, that Hub ids resolve, and the licence verdicts of a few fine-tunes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lineage.records import WEIGHT_RELATIONS, date_key

from .conftest import ROOT

NEW_DIR = ROOT / "lineage" / "data" / "open-models-2024-2025"


def _new_items() -> list[tuple[Path, dict]]:
    out = []
    for path in sorted(NEW_DIR.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.append((path, item))
    return out


NEW_ITEMS = _new_items()
NEW_IDS = sorted(item["id"] for _, item in NEW_ITEMS if item.get("type") != "relation")


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- the data loads, and is large enough to matter ------------------------------------------------


def test_new_folder_loads_into_the_shipped_data(shipped_kb):
    assert [str(p) for p in shipped_kb.problems if p.severity == "error"] == []
    assert len(NEW_IDS) >= 150
    assert len(NEW_IDS) == len(set(NEW_IDS))
    missing = [rid for rid in NEW_IDS if rid not in shipped_kb.records]
    assert missing == []


FAMILIES = [
    ("Llama 3", "llama-3"), ("Llama 3.1", "llama-3.1"), ("Llama 3.2", "llama-3.2"),
    ("Llama 3.3", "llama-3.3"), ("Llama 4", "llama-4"), ("Code Llama", "code-llama"),
    ("Llama-3.2-1B", "llama-3.2-1b"), ("Llama-3.2-11B-Vision", "llama-3.2-11b-vision"),
    ("Llama 4 Scout", "llama-4-scout"),
    ("Mistral-7B-Instruct-v0.3", "mistral-7b-instruct-v0.3"), ("Mixtral 8x7B", "mixtral-8x7b"),
    ("Mixtral 8x22B", "mixtral-8x22b"), ("Mistral NeMo", "mistral-nemo"),
    ("Codestral", "codestral-22b"), ("Mistral Large 2", "mistral-large-2"),
    ("Mistral Small 3.1", "mistral-small-3.1"),
    ("Qwen1.5", "qwen1.5"), ("Qwen2", "qwen2"), ("Qwen2.5", "qwen2.5"),
    ("Qwen2.5-Coder", "qwen2.5-coder"), ("Qwen2.5-Math", "qwen2.5-math"), ("QwQ-32B", "qwq-32b"),
    ("Qwen3", "qwen3"), ("Qwen3-235B-A22B", "qwen3-235b-a22b"),
    ("Gemma", "gemma"), ("Gemma 2", "gemma-2"), ("Gemma 3", "gemma-3"), ("CodeGemma", "codegemma"),
    ("Gemini", "gemini"), ("PaLM 2", "palm-2"),
    ("DeepSeek LLM", "deepseek-llm"), ("DeepSeek-Coder", "deepseek-coder"),
    ("DeepSeek-V2", "deepseek-v2"), ("DeepSeek-V3", "deepseek-v3"),
    ("DeepSeek-V3-Base", "deepseek-v3-base"), ("DeepSeek-R1", "deepseek-r1"),
    ("DeepSeek-R1-Zero", "deepseek-r1-zero"),
    ("Phi-2", "phi-2"), ("Phi-3", "phi-3"), ("Phi-3.5-MoE", "phi-3.5-moe"), ("Phi-4", "phi-4"),
    ("OLMo", "olmo"), ("OLMo 2", "olmo-2"), ("Dolma", "dolma"), ("Tülu 3", "tulu-3"),
    ("Falcon2-11B", "falcon2-11b"), ("Falcon3", "falcon3"), ("Yi-34B", "yi-34b"),
    ("Yi-1.5", "yi-1.5"), ("Llama-3.1-Nemotron-70B-Instruct", "llama-3.1-nemotron-70b-instruct"),
    ("Zephyr 7B Gemma", "zephyr-7b-gemma"), ("Zephyr-141B-A35B", "zephyr-141b-a35b"),
    ("SmolLM2", "smollm2"), ("SmolLM3", "smollm3-3b"), ("StarCoder2", "starcoder2"),
    ("The Stack v2", "the-stack-v2"),
    ("GPT-4o", "gpt-4o"), ("o1", "o1"), ("o3", "o3"), ("Claude 3", "claude-3"),
    ("Claude 3.5 Sonnet", "claude-3.5-sonnet"),
]


def test_the_2024_2025_families_resolve(shipped_kb):
    wrong = []
    for name, rid in FAMILIES:
        try:
            got = shipped_kb.resolve(name).id
        except Exception as e:  # noqa: BLE001 - one report for every failure
            got = type(e).__name__
        if got != rid:
            wrong.append((name, rid, got))
    assert wrong == []


# --- DeepSeek-R1 distillation: data lineage with teachers and students ---------------------------

DISTILLS = {
    "deepseek-r1-distill-qwen-1.5b": "qwen2.5-math-1.5b",
    "deepseek-r1-distill-qwen-7b": "qwen2.5-math-7b",
    "deepseek-r1-distill-qwen-14b": "qwen2.5-14b",
    "deepseek-r1-distill-qwen-32b": "qwen2.5-32b",
    "deepseek-r1-distill-llama-8b": "llama-3.1-8b",
    "deepseek-r1-distill-llama-70b": "llama-3.3-70b-instruct",
}


def test_r1_distills_are_fine_tunes_trained_on_r1_data(shipped_kb):
    data = shipped_kb.records["deepseek-r1-distill-data"]
    assert ("generated_by", "deepseek-r1") in {(r.relation, r.target) for r in data.relations}
    for rid, base in DISTILLS.items():
        rels = {(r.relation, r.target) for r in shipped_kb.records[rid].relations}
        assert ("finetune", base) in rels, rid
        assert ("trained_on", "deepseek-r1-distill-data") in rels, rid


def test_teachers_of_a_distill_answer_deepseek_r1(run):
    payload = _json(run("teachers", "DeepSeek-R1-Distill-Qwen-7B", "--json", data=None))
    assert payload["root"] == "deepseek-r1-distill-qwen-7b"
    direct = {(t["teacher"], t["dataset"]) for t in payload["teachers"] if t["direct"]}
    assert ("deepseek-r1", "deepseek-r1-distill-data") in direct
    text = run("teachers", "DeepSeek-R1-Distill-Qwen-7B", data=None)
    assert text.exit_code == 0 and "DeepSeek-R1  (model" in text.stdout


def test_students_of_deepseek_r1_list_the_distills(run):
    payload = _json(run("students", "DeepSeek-R1", "--json", data=None))
    students = {s["student"] for s in payload["students"]}
    assert set(DISTILLS) <= students


def test_ancestry_of_a_distill_reaches_both_parents(run):
    payload = _json(run("ancestry", "DeepSeek-R1-Distill-Qwen-7B", "--json", data=None))
    ids = {n["id"] for n in payload["nodes"]}
    assert {"qwen2.5-math-7b", "qwen2.5", "deepseek-r1-distill-data", "deepseek-r1",
            "deepseek-v3-base"} <= ids


def test_ancestry_by_hub_id_of_llama_3_1_instruct(run):
    payload = _json(run("ancestry", "meta-llama/Llama-3.1-8B-Instruct", "--json", data=None))
    assert payload["root"] == "llama-3.1-8b-instruct"
    ids = {n["id"] for n in payload["nodes"]}
    assert {"llama-3.1-8b", "llama-3.1", "llama-3", "llama-3-pretraining-data"} <= ids


def test_llama_3_2_small_models_learned_from_llama_3_1(shipped_kb):
    data = shipped_kb.records["llama-3.2-distillation-logits"]
    teachers = {r.target for r in data.relations if r.relation == "generated_by"}
    assert teachers == {"llama-3.1-8b", "llama-3.1-70b"}
    for rid in ("llama-3.2-1b", "llama-3.2-3b"):
        rels = {(r.relation, r.target) for r in shipped_kb.records[rid].relations}
        assert ("trained_on", "llama-3.2-distillation-logits") in rels


# --- every new fact is sourced ------------------------------------------------------------------


def test_every_new_record_and_relation_is_sourced_with_a_quote(shipped_kb):
    bare, unquoted, long_quotes = [], [], []
    new_standalone = [(item["source"], item["relation"], item["target"])
                      for _, item in NEW_ITEMS if item.get("type") == "relation"]
    for rid in NEW_IDS:
        rec = shipped_kb.records[rid]
        if not rec.sources and not any(r.sources for r in rec.relations):
            bare.append(rid)
        for rel in rec.relations:
            if not any(s.quote for s in rel.sources):
                unquoted.append((rid, rel.relation, rel.target))
        for s in [*rec.sources, *(s for r in rec.relations for s in r.sources),
                  *(s for c in rec.claims for s in c.sources)]:
            assert s.document.strip(), rid
            if s.quote and len(s.quote) > 250:
                long_quotes.append((rid, s.quote[:60]))
    for source, kind, target in new_standalone:
        rels = [r for r in shipped_kb.records[source].relations
                if r.relation == kind and r.target == target]
        assert rels, (source, kind, target)
        if not any(s.quote for r in rels for s in r.sources):
            unquoted.append((source, kind, target))
    assert bare == []
    assert unquoted == []
    assert long_quotes == []


def test_new_sources_name_real_documents(shipped_kb):
    """A source document is a URL or an arXiv id, never a bare label."""
    odd = []
    for rid in NEW_IDS:
        rec = shipped_kb.records[rid]
        for s in [*rec.sources, *(s for r in rec.relations for s in r.sources),
                  *(s for c in rec.claims for s in c.sources)]:
            if not (s.document.startswith("https://") or s.document.startswith("arXiv:")):
                odd.append((rid, s.document))
    assert odd == []


def test_disagreeing_sources_are_kept_as_claims(shipped_kb):
    dates = {c.value for c in shipped_kb.records["llama-3.2"].claims if c.topic == "release-date"}
    assert dates == {"2024-09-25", "2024-10-24"}
    gen = [c for c in shipped_kb.records["deepseek-r1-distill-data"].claims
           if c.topic == "generator"]
    assert len(gen) == 2


# --- dates agree with weight lineage --------------------------------------------------------------


def _not_later(parent: str, child: str) -> bool:
    p, c = date_key(parent), date_key(child)
    n = min(len(p), len(c))
    return p[:n] <= c[:n]


def test_no_weight_parent_is_dated_after_its_child(shipped_kb):
    late = []
    for rid in NEW_IDS:
        rec = shipped_kb.records[rid]
        for rel in rec.relations:
            if rel.relation not in WEIGHT_RELATIONS:
                continue
            parent = shipped_kb.records[rel.target]
            child_date = rel.date or rec.date
            if parent.date and child_date and not _not_later(parent.date, child_date):
                late.append((rid, rel.relation, rel.target, child_date, parent.date))
    assert late == []


# --- Hub ids ------------------------------------------------------------------------------------


def test_every_hub_id_resolves_to_its_record(shipped_kb):
    wrong = []
    with_ids = [rec for rec in shipped_kb if getattr(rec, "hub_ids", None)]
    assert len(with_ids) >= 60
    for rec in with_ids:
        for hub in rec.hub_ids:
            for name in (hub, f"hf:{hub}"):
                got = shipped_kb.resolve(name).id
                if got != rec.id:
                    wrong.append((name, rec.id, got))
    assert wrong == []


@pytest.mark.parametrize("hub, rid", [
    ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b-instruct"),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-r1-distill-qwen-7b"),
    ("Qwen/Qwen2.5-7B-Instruct", "qwen2.5-7b-instruct"),
    ("hf:mistralai/Mistral-7B-v0.1", "mistral-7b"),
])
def test_show_accepts_a_hub_id(run, hub, rid):
    assert _json(run("show", hub, "--json", data=None))["record"]["id"] == rid


# --- licence verdicts ---------------------------------------------------------------------------


def _license(run, name):
    payload = _json(run("license", name, "--json", data=None))
    terms = {(r["license"]["id"], r["kind"]) for r in payload["restrictions"]}
    return payload["commercial_use"], terms


def test_llama_3_1_fine_tune_may_be_used_commercially(run):
    verdict, terms = _license(run, "Llama-3.1-Nemotron-70B-Instruct")
    assert verdict is True
    assert ("llama-3.1-license", "own") in terms and ("llama-3.1-license", "weights") in terms


def test_qwen2_5_apache_model_may_be_used_commercially(run):
    verdict, terms = _license(run, "Qwen2.5-7B-Instruct")
    assert verdict is True
    assert ("apache-2.0", "own") in terms


def test_r1_distill_llama_carries_mit_and_the_llama_licence(run):
    verdict, terms = _license(run, "DeepSeek-R1-Distill-Llama-8B")
    assert verdict is True
    assert ("mit", "own") in terms and ("llama-3.1-license", "weights") in terms
    verdict70, terms70 = _license(run, "DeepSeek-R1-Distill-Llama-70B")
    assert verdict70 is True
    assert ("llama-3.3-license", "weights") in terms70


def test_llama_3_licence_restricts_outputs_but_3_1_does_not(shipped_kb):
    assert shipped_kb.records["llama-3-license"].restricts_outputs is True
    assert shipped_kb.records["llama-3.1-license"].restricts_outputs is False
    assert shipped_kb.records["deepseek-license"].commercial_use is True


def test_non_commercial_mistral_licences(run):
    assert _license(run, "Codestral")[0] is False
    assert _license(run, "Mistral Large 2")[0] is False
