"""Read-only SPARQL over the knowledge graph: answers, formats, refusals, exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from graph.sparql import RESULT_FORMATS, format_result, prepare, read_query, sparql
from lineage.errors import QueryError, ReadOnlyQueryError

ANCESTORS = ("SELECT ?ancestor WHERE { kb:vicuna-13b prov:wasDerivedFrom+ ?ancestor } "
             "ORDER BY ?ancestor")
TAUGHT_BY = ("SELECT ?model ?data WHERE { ?model fair4ml:trainedOn ?data . "
             "?data lineage:generatedBy kb:text-davinci-003 } ORDER BY ?model")
NON_COMMERCIAL = ("SELECT DISTINCT ?model ?license WHERE { ?model a lineage:Model ; "
                  "prov:wasDerivedFrom+ ?ancestor . ?ancestor schema:license ?license . "
                  "?license lineage:commercialUse false } ORDER BY ?model")


def _column(result, name="ancestor"):
    data = json.loads(result.stdout)
    return [b[name]["value"].rsplit("/", 1)[-1] for b in data["results"]["bindings"]]


def test_all_ancestors_via_property_path(run):
    result = run("sparql", ANCESTORS, "--format", "json")
    assert result.exit_code == 0
    # prov:wasDerivedFrom is weight and data lineage: code-davinci-002 only succeeds Codex
    assert _column(result) == ["chatgpt", "code-davinci-002", "gpt-3.5", "llama", "llama-13b",
                               "sharegpt"]
    influence = ANCESTORS.replace("prov:wasDerivedFrom+",
                                 "(prov:wasDerivedFrom|lineage:influencedBy)+")
    assert influence != ANCESTORS
    result = run("sparql", influence, "--format", "json")
    assert _column(result) == ["chatgpt", "code-davinci-002", "codex", "gpt-3", "gpt-3.5",
                               "llama", "llama-13b", "sharegpt"]


def test_models_trained_on_data_generated_by_a_teacher(run):
    result = run("sparql", TAUGHT_BY)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "model         data",
        "------------  --------------",
        "kb:alpaca-7b  kb:alpaca-data",
        "(1 row)",
    ]


def test_models_with_a_non_commercial_ancestor(run):
    result = run("sparql", NON_COMMERCIAL, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["model", "license"]
    models = [r[0].rsplit("/", 1)[-1] for r in rows[1:]]
    assert models == ["alpaca-7b", "llama-13b", "llama-7b", "vicuna-13b"]
    assert {r[1].rsplit("/", 1)[-1] for r in rows[1:]} == {"llama-license"}


def test_query_from_a_file(run, tmp_path):
    q = tmp_path / "ancestors.rq"
    q.write_text(ANCESTORS, encoding="utf-8")
    assert _column(run("sparql", f"@{q}", "--format", "json"))[0] == "chatgpt"
    missing = run("sparql", f"@{tmp_path / 'nope.rq'}")
    assert missing.exit_code == 1 and "cannot read the query file" in missing.stderr


def test_ask_construct_and_describe(run):
    ask = run("sparql", "ASK { kb:alpaca-7b fair4ml:fineTunedFrom kb:llama-7b }")
    assert ask.exit_code == 0 and ask.stdout.strip() == "true"
    no = run("sparql", "ASK { kb:llama-7b fair4ml:fineTunedFrom kb:alpaca-7b }", "--format",
             "json")
    assert json.loads(no.stdout) == {"head": {}, "boolean": False}
    construct = run("sparql", "CONSTRUCT { ?a prov:wasDerivedFrom ?b } WHERE "
                    "{ ?a fair4ml:fineTunedFrom ?b }", "--format", "csv")
    rows = list(csv.reader(io.StringIO(construct.stdout)))
    assert rows[0] == ["subject", "predicate", "object"] and len(rows) == 5
    describe = run("sparql", "DESCRIBE kb:sft")
    assert describe.exit_code == 0
    assert 'schema:alternateName "SFT"@en' in describe.stdout.replace(",\n        ", ", ")\
        or '"监督微调"@zh' in describe.stdout


def test_json_is_the_sparql_results_format(run):
    data = json.loads(run("sparql", "SELECT ?name WHERE { kb:alpaca-7b schema:alternateName "
                              "?name } ORDER BY ?name", "--format", "json").stdout)
    assert data["head"] == {"vars": ["name"]}
    assert data["results"]["bindings"][1]["name"] == {"type": "literal", "value": "阿尔帕卡",
                                                      "xml:lang": "zh"}


def test_table_aligns_wide_characters(tiny_graph):
    r = sparql(tiny_graph, "SELECT ?alias ?x WHERE { kb:alpaca-7b schema:alternateName ?alias "
                           "BIND(1 AS ?x) } ORDER BY ?alias")
    lines = format_result(r, "table").splitlines()
    assert lines[2] == "Alpaca    1"
    assert lines[3] == "阿尔帕卡  1"  # four wide characters take eight columns


def test_unbound_values_are_empty(tiny_graph):
    r = sparql(tiny_graph, "SELECT ?m ?p WHERE { ?m a lineage:Model OPTIONAL "
                           "{ ?m lineage:parameters ?p } } ORDER BY ?m")
    assert r.kind == "select" and any(row[1] is None for row in r.rows)
    assert ",\r\n" in format_result(r, "csv")
    data = json.loads(format_result(r, "json"))
    assert any("p" not in b for b in data["results"]["bindings"])


UPDATES = [
    "INSERT DATA { kb:x rdfs:label 'x' }",
    "DELETE DATA { kb:alpaca-7b rdfs:label 'Alpaca-7B'@en }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 'x' } WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://example.org/g>",
    "CREATE GRAPH <http://example.org/g>",
    "ADD DEFAULT TO <http://example.org/g>",
    "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c } ; CLEAR DEFAULT",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_with_exit_2(run, update):
    result = run("sparql", update)
    assert result.exit_code == 2
    assert "this is a SPARQL UPDATE" in result.stderr and "read-only" in result.stderr
    assert result.stdout == ""


def test_updates_are_refused_before_any_data_is_read(run, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("- id: [unclosed\n")
    result = run("sparql", "CLEAR ALL", data=broken)
    assert result.exit_code == 2 and "read-only" in result.stderr


@pytest.mark.parametrize("query, words", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE SILENT <http://example.org/sparql> "
     "{ ?s ?p ?o } } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
])
def test_remote_data_is_refused_with_exit_2(run, query, words):
    result = run("sparql", query)
    assert result.exit_code == 2 and words in result.stderr


@pytest.mark.parametrize("query, words", [
    ("SELEC ?x WHERE { ?x ?y ?z }", "invalid SPARQL at line 1, column 1"),
    ("SELECT ?x WHERE { ?x ?y }", "invalid SPARQL at line 1"),
    ("SELECT ?x WHERE { ?x nope:y ?z }", "cannot prepare the query"),
    ("   ", "the SPARQL query is empty"),
])
def test_bad_queries_are_one_line_errors_with_exit_1(run, query, words):
    result = run("sparql", query)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("Error: ")
    assert "Traceback" not in result.output


def test_as_of_and_base_apply(run):
    later = run("sparql", "ASK { kb:vicuna-13b ?p ?o }", "--as-of", "2022")
    assert later.stdout.strip() == "false"
    based = run("sparql", "ASK { <https://example.org/kg/vicuna-13b> ?p ?o }", "--base",
                "https://example.org/kg/")
    assert based.stdout.strip() == "true"


def test_library_prepare_and_read_query(tmp_path):
    assert prepare("SELECT * WHERE { ?s ?p ?o }")[0] == "select"
    assert prepare("CONSTRUCT WHERE { ?s ?p ?o }")[0] == "graph"
    assert prepare("DESCRIBE kb:sft")[0] == "graph"
    with pytest.raises(ReadOnlyQueryError, match=r"UPDATE \(LOAD\)"):
        prepare("LOAD <http://example.org/x>")
    with pytest.raises(QueryError):
        read_query("@" + str(tmp_path / "missing.rq"))
    assert RESULT_FORMATS == ("table", "json", "csv")
    with pytest.raises(QueryError, match="unknown result format"):
        format_result(sparql(_example(), "ASK { ?s ?p ?o }"), "xml")


def test_queries_never_change_the_graph(tiny_graph):
    import rdflib

    from graph.rdf import to_graph

    g = to_graph(tiny_graph)
    before = len(g)
    sparql(g, "CONSTRUCT { kb:x kb:y kb:z } WHERE { ?s ?p ?o }")
    assert len(g) == before
    with pytest.raises(ReadOnlyQueryError):
        sparql(g, "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
    assert len(g) == before and isinstance(g, rdflib.Graph)


def _example():
    from graph.query import example_store as example_graph

    return example_graph()
