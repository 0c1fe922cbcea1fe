"""Lineage analytics on fixture data: licences, teachers, students, common ancestors, check.

The fixture tests/fixtures/analytics/kb is a small, valid knowledge base modelled on the
seeds (LLaMA imitation models and their OpenAI teachers) plus edge cases: weak evidence,
unknown terms, a Llama 2 same-terms exception, data derived from data, a merge.
tests/fixtures/analytics/inconsistent holds one case per kind of problem `check` reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from cli import main
from graph import analytics, render, serialize
from graph.analytics import (
    NoCommonAncestorError,
    common_ancestors,
    consistency_report,
    effective_license,
    filter_commercial,
    students,
    teachers,
)
from graph.query import as_of, filter_records
from lineage.errors import QueryError, UnknownRecordError
from lineage.load import load
from tests.support import make_store as build_graph
from tests.support import nxg

SERVER_STORE = True  # license, teachers, students, common also against a real SPARQL server

HERE = Path(__file__).parent
KB = str(HERE / "fixtures" / "analytics" / "kb")
BAD = str(HERE / "fixtures" / "analytics" / "inconsistent")


_STORES: dict = {}


@pytest.fixture
def G(store_kind):
    if store_kind not in _STORES:
        _STORES[store_kind] = build_graph(load([KB], shipped=False), store_kind)
    return _STORES[store_kind]


def run(*args: str, data: str = KB):
    result = CliRunner().invoke(main, ["--no-shipped", "--data-dir", data, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def by_license(report, kind=None):
    return {(r.license, r.kind): r for r in report.restrictions
            if kind is None or r.kind == kind}


# --- effective licence --------------------------------------------------------------


def test_vicuna_is_research_only_because_of_llama_and_openai_terms(G):
    report = effective_license(G, "vicuna-13b")
    assert report.commercial_use is False
    rs = by_license(report)
    assert set(rs) == {("llama-license", "weights"), ("openai-terms", "teacher")}
    assert rs[("llama-license", "weights")].path.nodes == [
        "vicuna-13b", "llama-13b", "llama", "llama-license"]
    assert [e.relation for e in rs[("llama-license", "weights")].path.edges] == [
        "finetune", "variant", "licensed_under"]
    teacher = rs[("openai-terms", "teacher")]
    assert teacher.path.nodes[:3] == ["vicuna-13b", "sharegpt", "chatgpt"]
    assert teacher.anchor == "chatgpt" and teacher.effect == "forbids"
    assert "outputs of ChatGPT may not be used to train competing models" in teacher.reason
    assert report.conflicts == []


def test_alpaca_collects_weights_data_and_teacher_terms(G):
    report = effective_license(G, "alpaca-7b")
    assert report.commercial_use is False
    assert [(r.license, r.kind) for r in report.restrictions] == [
        ("llama-license", "weights"), ("cc-by-nc-4.0", "data"), ("openai-terms", "teacher")]
    assert report.restrictions[2].path.nodes[:3] == ["alpaca-7b", "alpaca-data",
                                                     "text-davinci-003"]
    assert report.reason == "not allowed: 3 restrictions forbid commercial use"


def test_koala_is_restricted_by_both_teachers(G):
    teacher_terms = [r for r in effective_license(G, "koala-13b").restrictions
                     if r.kind == "teacher"]
    assert sorted(r.anchor for r in teacher_terms) == ["chatgpt", "text-davinci-003"]
    assert {r.license for r in teacher_terms} == {"openai-terms"}


def test_reproduction_does_not_inherit_the_original_licence(G):
    report = effective_license(G, "lit-llama")
    assert report.commercial_use is True
    assert [(r.license, r.kind) for r in report.restrictions] == [("apache-2.0", "own")]
    assert report.declared[0].path.nodes == ["lit-llama", "apache-2.0"]


def test_dolly_2_is_commercial_all_along_its_lineage(G):
    report = effective_license(G, "dolly-2.0")
    assert report.commercial_use is True
    assert {r.effect for r in report.restrictions} == {"allows"}
    assert set(by_license(report)) == {("mit", "own"), ("apache-2.0", "weights"),
                                       ("cc-by-sa-3.0", "data")}
    assert report.reason.startswith("allowed: MIT License allows commercial use")


def test_a_family_licence_is_its_members_own(G):
    report = effective_license(G, "llama-7b")
    assert report.commercial_use is False
    assert [(r.license, r.kind) for r in report.restrictions] == [("llama-license", "own")]
    assert report.restrictions[0].path.nodes == ["llama-7b", "llama", "llama-license"]
    assert report.restrictions[0].carrier == "llama"


def test_declared_licence_more_permissive_than_teacher_terms_is_a_conflict(G):
    report = effective_license(G, "gpt4all-j")
    assert report.commercial_use is False
    assert len(report.conflicts) == 1
    c = report.conflicts[0]
    assert (c.declared.license, c.declared.kind) == ("apache-2.0", "own")
    assert (c.inherited.license, c.inherited.anchor) == ("openai-terms", "gpt-3.5-turbo")
    assert c.inherited.path.nodes[:3] == ["gpt4all-j", "gpt4all-data", "gpt-3.5-turbo"]
    assert not c.weak


def test_weak_evidence_counts_and_is_marked(G):
    report = effective_license(G, "evol-7b")
    assert report.commercial_use is False and report.weak
    assert report.reason == ("not allowed: 1 restriction forbids commercial use "
                             "(all of them weakly sourced)")
    (teacher,) = [r for r in report.restrictions if r.kind == "teacher"]
    assert teacher.weak and teacher.path.weak_hops == 1
    assert report.conflicts and report.conflicts[0].weak
    assert not effective_license(G, "vicuna-13b").weak


def test_unknown_terms_upstream_make_the_verdict_unknown(G):
    report = effective_license(G, "mystery-chat")
    assert report.commercial_use is None
    assert ("unclear-terms", "weights") in by_license(report)
    assert "Unclear terms do not say" in report.reason


def test_no_declared_licence_is_unknown_even_on_permissive_weights(G):
    report = effective_license(G, "unlicensed-7b")
    assert report.commercial_use is None
    assert report.reason == "unknown: no licence is recorded for Unlicensed-7B"
    assert [r.effect for r in report.restrictions] == ["allows"]


def test_output_terms_do_not_bind_a_model_under_the_same_terms(G):
    assert not [r for r in effective_license(G, "llama-2-tuned").restrictions
                if r.kind == "teacher"]
    other = effective_license(G, "pythia-distilled")
    assert other.commercial_use is False
    assert ("llama-2-license", "teacher") in by_license(other)


def test_restrictions_reach_through_derived_data_and_merges(G):
    cleaned = by_license(effective_license(G, "cleaned-7b"))
    assert cleaned[("cc-by-nc-4.0", "data")].path.nodes == [
        "cleaned-7b", "alpaca-cleaned", "alpaca-data", "cc-by-nc-4.0"]
    assert cleaned[("openai-terms", "teacher")].anchor == "text-davinci-003"
    merged = effective_license(G, "merged-13b")
    assert merged.commercial_use is False
    assert by_license(merged)[("llama-license", "weights")].path.nodes[1] == "vicuna-13b"
    assert by_license(merged)[("cc-by-nc-4.0", "data")].path.nodes[1] == "koala-13b"


def test_a_dataset_has_terms_too(G):
    report = effective_license(G, "alpaca-data")
    assert report.commercial_use is False
    assert [(r.license, r.kind) for r in report.restrictions] == [
        ("cc-by-nc-4.0", "own"), ("openai-terms", "teacher")]


def test_effective_license_rejects_bad_input_and_leaves_the_graph_alone(G):
    before = (len(G), G.edge_count())
    with pytest.raises(QueryError, match="licence analysis covers"):
        effective_license(G, "openai")
    with pytest.raises(UnknownRecordError):
        effective_license(G, "vicunaa")
    assert effective_license(G, "koala-13b") == effective_license(G, "koala-13b")
    assert (len(G), G.edge_count()) == before


def test_filter_commercial(G):
    models = filter_records(G, types=["model"])
    yes = filter_commercial(G, models, True)
    no = filter_commercial(G, models, False)
    assert {"lit-llama", "dolly-2.0", "llama-2-7b"} <= set(yes)
    assert {"alpaca-7b", "vicuna-13b", "koala-13b", "gpt4all-j"} <= set(no)
    assert not set(yes) & set(no)
    assert "evol-7b" in no and "unlicensed-7b" not in yes + no
    assert filter_commercial(G, ["openai", "meta"], True) == []
    with pytest.raises(QueryError):
        filter_commercial(G, models, None)  # type: ignore[arg-type]


# --- teachers and students ------------------------------------------------------------


def test_alpaca_learned_from_text_davinci_003(G):
    (t,) = teachers(G, "alpaca-7b")
    assert (t.teacher, t.dataset, t.direct, t.weak) == ("text-davinci-003", "alpaca-data",
                                                        True, False)
    assert t.path.nodes == ["alpaca-7b", "alpaca-data", "text-davinci-003"]
    assert [e.relation for e in t.path.edges] == ["trained_on", "generated_by"]


def test_koala_learned_from_chatgpt_and_text_davinci_003(G):
    got = [(t.teacher, t.dataset) for t in teachers(G, "koala-13b")]
    assert got == [("chatgpt", "sharegpt"), ("text-davinci-003", "alpaca-data")]


def test_teachers_are_inherited_through_weights_unless_direct(G):
    (t,) = teachers(G, "vicuna-tuned")
    assert (t.teacher, t.direct) == ("chatgpt", False)
    assert t.path.nodes == ["vicuna-tuned", "vicuna-13b", "sharegpt", "chatgpt"]
    assert teachers(G, "vicuna-tuned", inherited=False) == []


def test_teachers_through_derived_data_and_of_a_dataset(G):
    (t,) = teachers(G, "cleaned-7b")
    assert t.path.nodes == ["cleaned-7b", "alpaca-cleaned", "alpaca-data", "text-davinci-003"]
    assert [(t.teacher, t.dataset) for t in teachers(G, "sharegpt")] == [("chatgpt", "sharegpt")]
    assert teachers(G, "llama-7b") == []


def test_orca_is_a_student_of_gpt4(G):
    assert [(t.student, t.dataset) for t in students(G, "gpt-4")] == [("orca-13b", "orca-data")]


def test_students_of_chatgpt(G):
    got = [(t.student, t.direct, t.weak) for t in students(G, "chatgpt")]
    assert got == [("vicuna-13b", True, False), ("koala-13b", True, False),
                   ("evol-7b", True, True), ("vicuna-tuned", False, False),
                   ("orca-13b", True, False), ("merged-13b", False, False)]
    assert "vicuna-tuned" not in [t.student for t in students(G, "chatgpt", inherited=False)]


def test_students_of_a_family_include_its_members_students(G):
    got = {(t.student, t.teacher) for t in students(G, "gpt-3.5")}
    assert ("alpaca-7b", "text-davinci-003") in got
    assert ("gpt4all-j", "gpt-3.5-turbo") in got
    # ChatGPT is fine-tuned from GPT-3.5, not a member: its students are not GPT-3.5's
    assert "vicuna-13b" not in {s for s, _ in got}


def test_students_mirror_teachers(G):
    for s in nxg(G):
        if nxg(G).nodes[s]["type"] != "model":
            continue
        for t in teachers(G, s):
            assert t in students(G, t.teacher)
    for teacher in ("chatgpt", "gpt-4", "text-davinci-003"):
        for t in students(G, teacher):
            assert t in teachers(G, t.student)


def test_teachers_and_students_reject_bad_input(G):
    with pytest.raises(QueryError):
        students(G, "sharegpt")
    with pytest.raises(QueryError):
        teachers(G, "llama-license")
    with pytest.raises(UnknownRecordError):
        teachers(G, "kola")


# --- common ancestors -------------------------------------------------------------------


def test_alpaca_and_vicuna_share_llama_by_weights_and_gpt35_by_data(G):
    c = common_ancestors(G, ["alpaca-7b", "vicuna-13b"])
    assert c.ancestors == ["llama", "gpt-3.5"]
    assert [p.nodes for p in c.paths["llama"]] == [
        ["alpaca-7b", "llama-7b", "llama"], ["vicuna-13b", "llama-13b", "llama"]]
    assert [p.nodes for p in c.paths["gpt-3.5"]] == [
        ["alpaca-7b", "alpaca-data", "text-davinci-003", "gpt-3.5"],
        ["vicuna-13b", "sharegpt", "chatgpt", "gpt-3.5"]]
    assert common_ancestors(G, ["alpaca-7b", "vicuna-13b"], weights_only=True).ancestors == [
        "llama"]


def test_common_ancestors_of_three_and_of_a_record_and_its_ancestor(G):
    c = common_ancestors(G, ["vicuna-13b", "koala-13b", "merged-13b"])
    assert c.ancestors == ["llama-13b", "sharegpt"]
    assert c.paths["llama-13b"][2].nodes[0] == "merged-13b"
    assert c.paths["llama-13b"][2].nodes[-1] == "llama-13b"
    own = common_ancestors(G, ["vicuna-tuned", "vicuna-13b"])
    assert own.ancestors == ["vicuna-13b"]
    assert own.paths["vicuna-13b"][1].nodes == ["vicuna-13b"]
    assert own.paths["vicuna-13b"][1].edges == []


def test_common_ancestors_errors(G):
    with pytest.raises(NoCommonAncestorError, match="no common ancestor"):
        common_ancestors(G, ["alpaca-7b", "gpt-4"])
    with pytest.raises(QueryError, match="two or more"):
        common_ancestors(G, ["alpaca-7b"])
    with pytest.raises(QueryError, match="two or more"):
        common_ancestors(G, "alpaca-7b")
    with pytest.raises(QueryError, match="different"):
        common_ancestors(G, ["alpaca-7b", "alpaca-7b"])
    with pytest.raises(UnknownRecordError):
        common_ancestors(G, ["alpaca-7b", "nosuch"])


# --- as of a date ----------------------------------------------------------------------


def test_as_of_drops_later_students_and_records(G):
    assert students(as_of(G, "2023-02"), "chatgpt") == []
    early = [t.student for t in students(as_of(G, "2023-03-31"), "chatgpt")]
    assert early == ["vicuna-13b"]
    assert "vicuna-13b" in [t.student for t in students(G, "chatgpt")]
    assert "gpt-4" not in as_of(G, "2022-12")


def test_as_of_drops_later_relations_from_licence_reports(G):
    now = effective_license(G, "gpt4all-j")
    then = effective_license(as_of(G, "2023-04"), "gpt4all-j")
    assert now.conflicts and not then.conflicts
    assert then.declared == [] and then.commercial_use is False


def test_as_of_changes_common_ancestors(G):
    assert common_ancestors(as_of(G, "2023-04-05"), ["alpaca-7b", "koala-13b"]).ancestors == [
        "alpaca-data", "llama"]
    # Koala (2023-04-03) does not exist yet in March
    with pytest.raises(UnknownRecordError):
        common_ancestors(as_of(G, "2023-03"), ["alpaca-7b", "koala-13b"])


# --- consistency ---------------------------------------------------------------------------


def test_check_on_clean_fixture_reports_only_licence_conflicts(G):
    report = consistency_report(load([KB], shipped=False, check=False))
    assert report.errors == []
    assert report.by_kind() == {"license-conflict": 3}
    assert {p.record for p in report.problems} == {"gpt4all-j", "evol-7b", "pythia-distilled"}
    assert consistency_report(G).by_kind() == report.by_kind()
    strict = consistency_report(G, strict=True)
    assert len(strict.errors) == 3 and strict.warnings == []


def test_check_reports_every_kind_of_problem():
    report = consistency_report(load([BAD], shipped=False, check=False))
    assert report.by_kind() == {"contradiction": 2, "date": 1, "license-conflict": 1,
                                "merge-date": 1, "one-sided": 2, "reference": 1,
                                "unsourced": 1}
    found = {(p.kind, p.record, p.severity) for p in report.problems}
    assert found == {
        ("date", "early-tune", "error"),
        ("merge-date", "early-merge", "error"),
        ("reference", "orphan", "error"),
        ("one-sided", "lonely-merge", "warning"),
        ("one-sided", "mystery-data", "warning"),
        ("unsourced", "bare-model", "warning"),
        ("contradiction", "disputed", "warning"),
        ("contradiction", "human-data", "warning"),
        ("license-conflict", "conflicted", "warning"),
    }
    assert [p.severity for p in report.problems] == ["error"] * 3 + ["warning"] * 6
    disputed = next(p for p in report.problems if p.record == "disputed")
    assert "doc-a" in disputed.message and "doc-b" in disputed.message
    assert "'users'" not in disputed.message
    merge = next(p for p in report.problems if p.kind == "merge-date")
    assert merge.message.startswith("merge dated 2023-04 before its parent 'other-base'")
    assert merge.file.endswith("data.yaml") and merge.line == 44


def test_check_rejects_other_input():
    with pytest.raises(QueryError):
        consistency_report(nx.MultiDiGraph())  # not a store


# --- CLI -------------------------------------------------------------------------------------


def test_cli_license_text_explains_each_restriction():
    r = run("license", "Vicuna")
    assert r.exit_code == 0
    assert r.output.startswith("Vicuna-13B: commercial use NOT allowed\n")
    assert "✗ [weights] LLaMA license: non-commercial" in r.output
    assert "Vicuna-13B ← fine-tuned from LLaMA-13B ← variant of LLaMA" in r.output
    assert "Vicuna-13B ← trained on ShareGPT conversations ← generated by ChatGPT" in r.output
    assert "outputs of ChatGPT may not be used to train competing models" in r.output


def test_cli_license_json_contract():
    r = run("license", "Vicuna", "--json")
    assert r.exit_code == 0
    out = json.loads(r.output)
    assert set(out) == {"schema_version", "query", "root", "commercial_use", "verdict", "reason",
                        "weak", "declared", "restrictions", "conflicts", "incomplete", "missing",
                        "nodes", "edges"}
    assert out["schema_version"] == 1 and out["query"] == "license"
    assert out["root"] == "vicuna-13b"
    assert out["commercial_use"] is False and out["verdict"] == "not allowed"
    assert out["declared"] == [] and out["conflicts"] == []
    for r_ in out["restrictions"]:
        assert set(r_) == {"license", "kind", "effect", "reason", "weak", "carrier", "anchor",
                           "path"}
        nodes, edges = r_["path"]["nodes"], r_["path"]["edges"]
        assert nodes[0]["id"] == "vicuna-13b" and nodes[-1]["id"] == r_["license"]["id"]
        assert len(edges) == len(nodes) - 1
        assert all(e["source"] == n["id"] for e, n in zip(edges, nodes, strict=False))
        assert edges[-1]["relation"] == "licensed_under"
    assert {x["license"]["id"] for x in out["restrictions"]} == {"llama-license", "openai-terms"}
    ids = {n["id"] for n in out["nodes"]}
    assert {"vicuna-13b", "llama-13b", "sharegpt", "chatgpt", "openai-terms"} <= ids
    assert len(out["edges"]) == len({(e["source"], e["target"], e["relation"])
                                     for e in out["edges"]})


def test_cli_license_json_verdicts_and_conflicts():
    assert json.loads(run("license", "Lit-LLaMA", "--json").output)["commercial_use"] is True
    unknown = json.loads(run("license", "mystery-chat", "--json").output)
    assert unknown["commercial_use"] is None and unknown["verdict"] == "unknown"
    weak = json.loads(run("license", "evol-7b", "--json").output)
    assert weak["commercial_use"] is False and weak["weak"] is True
    out = json.loads(run("license", "GPT4All", "--json").output)
    (c,) = out["conflicts"]
    assert c["declared"]["license"]["id"] == "apache-2.0"
    assert c["inherited"]["license"]["restricts_outputs"] is True
    assert [n["id"] for n in c["inherited"]["path"]["nodes"]][:3] == [
        "gpt4all-j", "gpt4all-data", "gpt-3.5-turbo"]


def test_cli_license_errors():
    r = run("license", "vicunna")
    assert r.exit_code == 1 and r.output.startswith("Error: unknown record 'vicunna'.")
    r = run("license", "OpenAI")
    assert r.exit_code == 1 and "Run 'lineage show openai'" in r.output
    r = run("license", "GPT-4", "--as-of", "2022-12")
    assert r.exit_code == 1
    assert "is not in the graph as of 2022-12" in r.output
    r = run("license", "GPT-4", "--as-of", "2022-13")
    assert r.exit_code == 2 and "--as-of" in r.output  # a usage error
    assert "Traceback" not in r.output


def test_cli_teachers_and_students():
    r = run("teachers", "Koala")
    assert r.exit_code == 0
    assert "Koala-13B ← trained on ShareGPT conversations ← generated by ChatGPT" in r.output
    assert "Koala-13B ← trained on Alpaca 52K instruction data ← generated by text-davinci-003" \
        in r.output
    out = json.loads(run("students", "GPT-4", "--json").output)
    assert out["query"] == "students" and out["root"] == "gpt-4"
    (s,) = out["students"]
    assert s["student"] == "orca-13b" and s["teacher"] == "gpt-4" and s["direct"] is True
    assert [n["id"] for n in s["path"]["nodes"]] == ["orca-13b", "orca-data", "gpt-4"]
    assert {n["id"] for n in out["nodes"]} == {"gpt-4", "orca-13b", "orca-data"}
    out = json.loads(run("teachers", "vicuna-tuned", "--json").output)
    assert [(t["teacher"], t["direct"]) for t in out["teachers"]] == [("chatgpt", False)]
    assert json.loads(run("teachers", "vicuna-tuned", "--direct", "--json").output)[
        "teachers"] == []


def test_cli_students_as_of():
    later = run("students", "ChatGPT")
    assert "Vicuna-13B" in later.output
    r = run("students", "ChatGPT", "--as-of", "2023-02")
    assert r.exit_code == 0 and "Vicuna" not in r.output
    assert "(no students in the knowledge base" in r.output
    r = run("teachers", "Koala", "--as-of", "2023-03")
    assert r.exit_code == 1 and "not in the graph as of 2023-03" in r.output


def test_cli_common():
    r = run("common", "Alpaca", "Vicuna")
    assert r.exit_code == 0
    assert r.output.startswith("Lowest common ancestors of Alpaca-7B and Vicuna-13B:\n  LLaMA")
    assert "Vicuna-13B ← trained on ShareGPT conversations ← generated by ChatGPT ← " \
        "fine-tuned from GPT-3.5 series" in r.output
    out = json.loads(run("common", "Alpaca", "Vicuna", "--weights-only", "--json").output)
    assert out["query"] == "common" and out["records"] == ["alpaca-7b", "vicuna-13b"]
    (a,) = out["ancestors"]
    assert a["id"] == "llama"
    assert [p["from"] for p in a["paths"]] == ["alpaca-7b", "vicuna-13b"]
    assert all(p["nodes"][-1]["id"] == "llama" for p in a["paths"])


def test_cli_common_errors():
    r = run("common", "Alpaca")
    assert r.exit_code == 2 and "two or more records" in r.output
    r = run("common", "Alpaca", "GPT-4")
    assert r.exit_code == 1 and r.output.startswith("Error: no common ancestor of")
    r = run("common", "Alpaca", "Lit-LLaMA", "--as-of", "2023-03")
    assert r.exit_code == 1 and "not in the graph as of 2023-03" in r.output


def test_cli_list_commercial():
    yes = run("list", "--type", "model", "--commercial")
    assert yes.exit_code == 0
    ids = [line.split()[0] for line in yes.output.splitlines()]
    assert ids == ["pythia-12b", "lit-llama", "dolly-2.0", "llama-2-7b"]
    no = json.loads(run("list", "--type", "model", "--non-commercial", "--json").output)
    got = [n["id"] for n in no["nodes"]]
    assert "vicuna-13b" in got and "lit-llama" not in got and "mystery-chat" not in got
    early = run("list", "--type", "model", "--commercial", "--as-of", "2023-03")
    assert early.output.split() == ["pythia-12b", "model", "2023-02", "Pythia-12B"]


def test_cli_check_clean_fixture():
    r = run("check")
    assert r.exit_code == 0
    assert r.output.splitlines()[-1] == "0 errors, 3 warnings in 45 records (license-conflict 3)"
    assert run("check", "--strict").exit_code == 1


def test_cli_check_inconsistent_fixture():
    r = run("check", data=BAD)
    assert r.exit_code == 1
    assert r.output.splitlines()[-1] == (
        "3 errors, 6 warnings in 14 records (contradiction 2, date 1, license-conflict 1, "
        "merge-date 1, one-sided 2, reference 1, unsourced 1)")
    assert "error [merge-date] " in r.output and "warning [unsourced] " in r.output
    r = run("check", "--json", data=BAD)
    assert r.exit_code == 1
    out = json.loads(r.output)
    assert (out["query"], out["errors"], out["warnings"]) == ("check", 3, 6)
    assert out["by_kind"]["one-sided"] == 2
    assert set(out["problems"][0]) == {"file", "line", "record", "field", "kind", "severity",
                                       "message", "fix"}


def test_cli_check_never_tracebacks_on_broken_files(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("- id: x\n  type: model\n  name: [unclosed\n", encoding="utf-8")
    r = run("check", data=str(bad))
    assert r.exit_code == 1 and "[yaml]" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("command", ["license", "teachers", "students", "common", "check"])
def test_new_commands_have_help(command):
    r = CliRunner().invoke(main, [command, "--help"])
    assert r.exit_code == 0 and "Examples:" in r.output


def test_renderers_and_serializers_agree_on_empty_results(G):
    assert render.teachings_text(G, "llama-7b", [], "teachers").endswith(
        "(no teachers in the knowledge base: LLaMA-7B names no model-generated data "
        "and no model it was distilled from)")
    out = serialize.teachings_json(G, "llama-7b", [], "teachers")
    assert out["teachers"] == [] and [n["id"] for n in out["nodes"]] == ["llama-7b"]
    with pytest.raises(ValueError):
        serialize.teachings_json(G, "llama-7b", [], "pupils")
    assert analytics.INHERITING_RELATIONS[0] == "finetune"


# --- distillation: a teacher named directly, data lineage -----------------------------

_DISTILLED = """
- id: gpt4-distilled-7b
  type: model
  name: GPT4-Distilled-7B
  date: 2023-06
  relations:
    - {relation: distilled_from, target: gpt-4, sources: [{document: fixture-notes, quote: "distilled from GPT-4"}]}
    - {relation: licensed_under, target: apache-2.0, sources: [{document: fixture-notes, quote: "Apache-2.0"}]}
- id: distilled-tuned
  type: model
  name: Distilled-Tuned
  date: 2023-07
  relations:
    - {relation: finetune, target: gpt4-distilled-7b, sources: [{document: fixture-notes, quote: "fine-tuned"}]}
"""


@pytest.fixture
def D(store_kind, tmp_path):
    extra = tmp_path / "distilled.yaml"
    extra.write_text(_DISTILLED, encoding="utf-8")
    return build_graph(load([KB, str(extra)], shipped=False), store_kind)


def test_a_distilled_model_takes_its_teachers_output_terms_not_its_weights(D):
    report = effective_license(D, "gpt4-distilled-7b")
    assert report.commercial_use is False
    # a fine-tune would carry GPT-4's terms as its weights' licence ("weights"); a distilled
    # model is bound by them as a teacher's output terms only
    assert [(r.license, r.kind, r.effect) for r in report.restrictions] == [
        ("apache-2.0", "own", "allows"), ("openai-terms", "teacher", "forbids")]
    teacher = report.restrictions[1]
    assert teacher.anchor == "gpt-4"
    assert teacher.path.nodes == ["gpt4-distilled-7b", "gpt-4", "openai-terms"]
    assert [e.relation for e in teacher.path.edges] == ["distilled_from", "licensed_under"]
    assert "outputs of GPT-4 may not be used" in teacher.reason
    assert [(c.declared.license, c.inherited.license) for c in report.conflicts] == [
        ("apache-2.0", "openai-terms")]
    # through the weights of a distilled model, the teacher's terms still apply
    tuned = effective_license(D, "distilled-tuned")
    assert ("openai-terms", "teacher") in by_license(tuned)


def test_teachers_and_students_name_a_distillation_teacher_directly(D):
    (t,) = teachers(D, "gpt4-distilled-7b")
    assert (t.teacher, t.dataset, t.relation, t.direct) == (
        "gpt-4", None, "distilled_from", True)
    assert t.path.nodes == ["gpt4-distilled-7b", "gpt-4"]
    (u,) = teachers(D, "distilled-tuned")
    assert (u.teacher, u.relation, u.direct) == ("gpt-4", "distilled_from", False)
    assert teachers(D, "distilled-tuned", inherited=False) == []
    got = [(s.student, s.relation) for s in students(D, "gpt-4")]
    assert ("gpt4-distilled-7b", "distilled_from") in got and ("orca-13b", "generated_by") in got
    out = serialize.teachings_json(D, "gpt4-distilled-7b", teachers(D, "gpt4-distilled-7b"),
                                   "teachers")
    assert {k: out["teachers"][0][k] for k in ("teacher", "dataset", "relation")} == {
        "teacher": "gpt-4", "dataset": None, "relation": "distilled_from"}
    text = render.teachings_text(D, "gpt4-distilled-7b", [t], "teachers")
    assert "GPT4-Distilled-7B ← distilled from GPT-4" in text
    # not weight lineage: --weights-only never reaches the teacher
    from graph import query

    assert "gpt-4" in query.ancestors(D, "gpt4-distilled-7b")
    assert "gpt-4" not in query.ancestors(D, "gpt4-distilled-7b",
                                          relations=analytics.INHERITING_RELATIONS)
