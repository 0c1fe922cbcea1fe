"""Loading and validation: every problem on one line with file, line, record, field, fix."""

from __future__ import annotations

import json

import pytest

from lineage.errors import DataError
from lineage.load import load, loads

from .conftest import BAD, TINY

# fixture file -> substrings the one-line message must contain (file:line record.field ...)
CASES = {
    "yaml_syntax": ["yaml_syntax.yaml:5", "YAML syntax error", "Fix the syntax"],
    "unknown_field": ["unknown_field.yaml:4 vicuna-13b.paramaters", "unknown field",
                      "did you mean 'parameters'"],
    "wrong_type": ["wrong_type.yaml:4 vicuna-13b.parameters", "is not a count", "1.5B"],
    "duplicate_id": ["duplicate_id.yaml:4 vicuna-13b.id", "duplicate id",
                     "first defined at", "duplicate_id.yaml:1"],
    "alias_collision": ["alias_collision.yaml:5 vicuna-7b.aliases", "'vicuna' also names",
                        "'vicuna-13b'", "remove it from one record"],
    "unknown_reference": ["unknown_reference.yaml:8 vicuna-13b.relations[0].target",
                          "unknown record 'llama-13'", "Did you mean: llama-13b"],
    "cycle": ["cycle.yaml:", "cycle in the derivation graph", "model-a -> model-b -> model-a",
              "Remove or reverse"],
    "no_source": ["no_source.yaml:10 vicuna-13b.relations[0].sources", "no source",
                  "Add 'sources:"],
    "child_before_parent": ["child_before_parent.yaml:10 vicuna-13b.relations[0]",
                            "dated 2022-03 before its parent 'llama-13b' (2023-02), whose "
                            "weights it is said to carry (finetune)",
                            "Fix one of the dates", "use 'uses_model' instead"],
    "bad_date": ["bad_date.yaml:4 vicuna-13b.date", "month 13"],
    "unknown_type": ["unknown_type.yaml:2 vicuna-13b.type", "unknown type 'modle'",
                     "did you mean 'model'"],
    "wrong_relation_types": ["wrong_relation_types.yaml:8 vicuna-13b.relations[0].relation",
                             "'trained_on' cannot link a model to a technique"],
    "bad_id": ["bad_id.yaml:1", "'Vicuna 13B' is not a valid id", "lower-case"],
    "not_a_list": ["not_a_list.yaml:1", "must be a YAML list"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_malformed_file_gives_one_clear_line_and_exit_1(run, name):
    result = run("validate", "--no-shipped", str(BAD / f"{name}.yaml"), data=None)
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines[-1] == "1 problem found."
    problem = lines[0]
    for part in CASES[name]:
        assert part in problem, (part, problem)
    assert "Traceback" not in result.output


def test_every_bad_fixture_has_a_case():
    assert {p.stem for p in BAD.glob("*.yaml")} - {"hostile"} == set(CASES)


def test_all_problems_are_reported_at_once(tmp_path):
    for name in ("unknown_field", "cycle", "bad_date"):
        (tmp_path / f"{name}.yaml").write_bytes((BAD / f"{name}.yaml").read_bytes())
    with pytest.raises(DataError) as e:
        load([tmp_path], shipped=False)
    kinds = {p.kind for p in e.value.problems}
    assert len(e.value.problems) == 3 and {"schema", "cycle"} <= kinds
    assert str(e.value).splitlines()[-1].startswith("3 problems in the data")


def test_query_commands_refuse_invalid_data(run):
    result = run("ancestry", "vicuna", data=BAD / "cycle.yaml")
    assert result.exit_code == 1
    assert "cycle in the derivation graph" in result.stderr
    assert "Traceback" not in result.output


def test_missing_data_dir_is_one_line(run, tmp_path):
    result = run("validate", str(tmp_path / "nope"), data=None)
    assert result.exit_code == 1
    assert "no such file or directory" in result.stderr
    assert "--data-dir" in result.stderr


def test_non_utf8_file(run, tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes("- id: caf\xe9\n".encode("latin-1"))
    result = run("validate", str(f), data=None)
    assert result.exit_code == 1
    assert "not UTF-8" in result.stderr


def test_validate_json_lists_problems(run):
    result = run("validate", "--no-shipped", "--json", str(BAD / "unknown_reference.yaml"),
                 data=None)
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    [p] = payload["problems"]
    assert p["record"] == "vicuna-13b" and p["field"] == "relations[0].target"
    assert p["line"] == 8 and p["kind"] == "reference"


def test_valid_data_says_ok(run):
    result = run("validate", "--no-shipped", str(TINY), data=None)
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: 22 records")


def test_layers_override_and_extend(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "- id: vicuna-13b\n  type: model\n  name: Vicuna-13B (my copy)\n"
        "- type: relation\n  source: alpaca-7b\n  relation: uses_technique\n  target: sft\n"
        "  sources: [{document: my-notes.md, locator: p. 3}]\n",
        encoding="utf-8",
    )
    kb = load([TINY, tmp_path], shipped=False)
    assert kb.records["vicuna-13b"].name == "Vicuna-13B (my copy)"
    assert kb.records["vicuna-13b"].relations == []
    assert [r.relation for r in kb.records["alpaca-7b"].relations][-1] == "uses_technique"
    assert kb.origins["vicuna-13b"].file.endswith("mine.yaml")


def test_env_variable_names_data_dirs(monkeypatch):
    monkeypatch.setenv("LINEAGE_DATA_DIR", str(TINY))
    kb = load(shipped=False)
    assert "alpaca-7b" in kb


def test_standalone_relation_to_unknown_source():
    with pytest.raises(DataError, match="relation source 'ghost' is not a known record"):
        loads("- {type: relation, source: ghost, relation: finetune, target: x, "
              "sources: [{document: d, quote: q}]}")


def test_hostile_strings_load_as_data():
    kb = load([BAD / "hostile.yaml"], shipped=False)
    assert kb.records["evil"].name == "<img src=x onerror=alert(1)>"


def test_rdf_file_as_data_dir_says_how_to_import_it(run, tmp_path):
    ttl = tmp_path / "export.ttl"
    ttl.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n", encoding="utf-8")
    result = run("validate", str(ttl), data=None)
    assert result.exit_code == 1
    assert "this is an RDF file, not YAML data" in result.stderr
    assert "lineage import rdf" in result.stderr
