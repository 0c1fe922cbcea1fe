"""Lineage analytics on the shipped knowledge base: the seeds' own cases.

The seeds explain why Alpaca, Vicuna and Koala are for research only (LLaMA's
non-commercial licence, and OpenAI's terms on the ChatGPT / text-davinci-003 outputs
they learned from) and name Lit-LLaMA and Dolly 2.0 as commercially usable.
"""

from __future__ import annotations

import json

import networkx as nx
import pytest
from click.testing import CliRunner

from cli import main
from graph.analytics import (
    common_ancestors,
    consistency_report,
    effective_license,
    students,
    teachers,
)
from graph.query import as_of, resolve
from lineage.errors import QueryError
from lineage.load import load
from tests.support import make_store as build_graph
from tests.support import nxg

_STORES: dict = {}


@pytest.fixture
def G(store_kind):
    if store_kind not in _STORES:
        _STORES[store_kind] = build_graph(load([], shipped=True), store_kind)
    return _STORES[store_kind]


def shipped(*args: str):
    result = CliRunner(env={"LINEAGE_DATA_DIR": None, "LINEAGE_NO_SHIPPED": None}).invoke(
        main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def restriction(report, license_id, kind, anchor=None):
    found = [r for r in report.restrictions if r.license == license_id and r.kind == kind
             and (anchor is None or r.anchor == anchor)]
    assert found, f"{report.node}: no {kind} restriction from {license_id} ({anchor})"
    return found[0]


def test_alpaca_is_research_only(G):
    report = effective_license(G, "alpaca-7b")
    assert report.commercial_use is False
    llama = restriction(report, "llama-license", "weights")
    assert llama.path.nodes == ["alpaca-7b", "llama-7b", "llama", "llama-license"]
    openai = restriction(report, "openai-terms", "teacher", "text-davinci-003")
    assert openai.path.nodes[:3] == ["alpaca-7b", "alpaca-data", "text-davinci-003"]
    assert openai.effect == "forbids"


def test_vicuna_is_research_only(G):
    report = effective_license(G, "vicuna-13b")
    assert report.commercial_use is False
    llama = restriction(report, "llama-license", "weights")
    assert llama.path.nodes[:2] == ["vicuna-13b", "llama-13b"]
    openai = restriction(report, "openai-terms", "teacher", "chatgpt")
    assert openai.path.edges[0].relation == "trained_on"
    assert "ShareGPT" in nxg(G).nodes[openai.path.nodes[1]]["name"]  # Vicuna <- ShareGPT <- ChatGPT


def test_koala_is_research_only(G):
    report = effective_license(G, "koala-13b")
    assert report.commercial_use is False
    assert restriction(report, "llama-license", "weights").path.nodes[:2] == [
        "koala-13b", "llama-13b"]
    restriction(report, "openai-terms", "teacher", "chatgpt")
    restriction(report, "openai-terms", "teacher", "text-davinci-003")


@pytest.mark.parametrize("record, licence", [("lit-llama", "apache-2.0"), ("dolly-2.0", "mit")])
def test_lit_llama_and_dolly_2_are_commercially_usable(G, record, licence):
    report = effective_license(G, record)
    assert report.commercial_use is True, report.reason
    assert licence in [r.license for r in report.declared]
    assert not report.forbidding and not report.conflicts


def test_lit_llama_does_not_inherit_llama_licence(G):
    assert "llama" in nx.descendants(nxg(G), "lit-llama")  # it does descend from LLaMA ...
    assert "llama-license" not in [r.license for r in effective_license(G, "lit-llama")
                                   .restrictions]  # ... but not from its weights


def test_gpt4all_declares_more_than_its_lineage_allows(G):
    report = effective_license(G, "gpt4all")
    assert report.commercial_use is False
    assert report.conflicts
    pairs = {(c.declared.license, c.inherited.license, c.inherited.anchor)
             for c in report.conflicts}
    assert ("apache-2.0", "openai-terms", "gpt-3.5-turbo") in pairs


def test_teachers_of_alpaca_and_koala(G):
    alpaca = {(t.teacher, t.dataset) for t in teachers(G, "alpaca-7b")}
    assert ("text-davinci-003", "alpaca-data") in alpaca
    koala = {t.teacher for t in teachers(G, "koala-13b")}
    assert {"chatgpt", "text-davinci-003"} <= koala


def test_students_of_gpt4_include_orca(G):
    orca = [t for t in students(G, "gpt-4") if t.student == "orca-13b"]
    assert orca and orca[0].path.nodes[0] == "orca-13b" and orca[0].path.nodes[-1] == "gpt-4"


def test_alpaca_and_vicuna_descend_from_llama(G):
    c = common_ancestors(G, ["alpaca-7b", "vicuna-13b"], weights_only=True)
    assert c.ancestors == ["llama"]
    assert [p.nodes[0] for p in c.paths["llama"]] == ["alpaca-7b", "vicuna-13b"]


def test_as_of(G):
    with pytest.raises(QueryError, match="not in the graph as of 2022-12"):
        resolve(as_of(G, "2022-12"), "GPT-4")
    assert "vicuna-13b" in [t.student for t in students(G, "chatgpt")]
    assert "vicuna-13b" not in [t.student for t in students(as_of(G, "2023-02"), "chatgpt")]


def test_check_finds_no_errors_in_the_shipped_data(G):
    report = consistency_report(load([], shipped=True, check=False))
    assert report.errors == [], "\n".join(map(str, report.errors))
    assert report.records == len(G)


def test_cli_on_shipped_data():
    r = shipped("license", "Vicuna")
    assert r.exit_code == 0
    assert "commercial use NOT allowed" in r.output and "LLaMA-13B" in r.output
    assert "outputs of ChatGPT may not be used to train competing models" in r.output
    dolly = json.loads(shipped("license", "Dolly 2.0", "--json").output)
    assert dolly["commercial_use"] is True
    listed = shipped("list", "--commercial").output.split()
    assert "dolly-2.0" in listed and "lit-llama" in listed and "vicuna-13b" not in listed
    research = shipped("list", "--non-commercial", "--type", "model").output.split()
    assert {"alpaca-7b", "vicuna-13b", "koala-13b"} <= set(research)
    r = shipped("students", "ChatGPT", "--as-of", "2023-02")
    assert r.exit_code == 0 and "Vicuna" not in r.output
    r = shipped("license", "GPT-4", "--as-of", "2022-12")
    assert r.exit_code == 1 and "not in the graph as of 2022-12" in r.output
    assert shipped("check").exit_code == 0
