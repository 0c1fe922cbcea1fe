"""lineage import hf: Hub cards, API JSON, Parquet and --online into the store or YAML files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

FIX = Path(__file__).parent / "fixtures" / "hf"
CARDS = FIX / "cards"
API = FIX / "api"


def run(*args: str, code: int | None = 0):
    r = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if code is not None:
        assert r.exit_code == code, r.output
    return r


@pytest.fixture(autouse=True)
def _one_kind(store_kind):
    """Imports write a store file whatever the store kind the suite runs with: once is enough."""
    if store_kind == "memory":
        pytest.skip("import tests write on-disk stores; they run once, with the sqlite kind")


@pytest.fixture(scope="module")
def hub_store(tmp_path_factory):
    """The fixture cards and API JSON imported into a store built from the curated data."""
    path = tmp_path_factory.mktemp("hf") / "hub.db"
    r = CliRunner().invoke(main, ["--store", str(path), "import", "hf", str(CARDS),
                                  str(API / "model-info.json"), str(API / "models-list.json"),
                                  str(API / "models.jsonl"), "--json"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return path, json.loads(r.stdout)


def edges(path: Path, hub_id: str) -> list:
    from graph.store.sqlite import SQLiteStore

    S = SQLiteStore(path)
    try:
        rid = S.lookup(hub_id)
        assert rid is not None, hub_id
        return [(e.relation, S.node(e.target).name, e.confidence) for e in S.out_edges(rid)]
    finally:
        S.close()


def test_ancestry_climbs_from_a_gguf_into_the_curated_facts(hub_store):
    path, _ = hub_store
    r = run("--store", str(path), "ancestry", "TheBloke/Llama-2-7B-Chat-GGUF", "--json")
    out = json.loads(r.stdout)
    ids = {n["id"] for n in out["nodes"]}
    assert out["root"] == "hf.thebloke.llama-2-7b-chat-gguf"
    assert {"llama-2-chat-7b", "llama-2", "llama-2-7b"} <= ids
    first = next(e for e in out["edges"] if e["source"] == out["root"])
    assert (first["relation"], first["target"], first["confidence"]) == (
        "quantized", "llama-2-chat-7b", "weak")
    assert first["sources"][0]["document"] == "https://huggingface.co/TheBloke/Llama-2-7B-Chat-GGUF"
    assert first["sources"][0]["quote"] == "base_model: meta-llama/Llama-2-7b-chat-hf"
    # every command takes the Hub id, with or without hf:
    run("--store", str(path), "show", "hf:TheBloke/Llama-2-7B-Chat-GGUF")
    lic = json.loads(run("--store", str(path), "license", "TheBloke/Llama-2-7B-Chat-GGUF",
                         "--json").stdout)
    assert lic["commercial_use"] is True
    assert "llama-2-license" in json.dumps(lic["declared"])


def test_relations_declared_and_inferred(hub_store):
    path, _ = hub_store
    assert edges(path, "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF")[0] == (
        "quantized", "Llama-3.1-8B-Instruct", "weak")
    e = edges(path, "teknium/OpenHermes-2.5-Mistral-7B")
    assert ("finetune", "Mistral-7B", "weak") in e
    assert ("trained_on", "teknium/OpenHermes-2.5", "explicit") in e
    assert ("licensed_under", "Apache License 2.0", "explicit") in e
    e = edges(path, "example-lab/Hermes-Legal-7B")
    assert ("finetune", "teknium/OpenHermes-2.5-Mistral-7B", "explicit") in e
    assert ("introduced_in", "arXiv:2207.00220", "weak") in e
    assert edges(path, "example-lab/llama-2-7b-support-lora")[0] == (
        "adapter", "Llama-2-7B", "weak")
    merges = [x for x in edges(path, "mlabonne/Beagle14-7B") if x[0] == "merge"]
    assert [m[1] for m in merges] == ["fblgit/UNA-TheBeagle-7b-v1",
                                      "argilla/distilabeled-Marcoro14-7B-slerp"]
    assert len([x for x in edges(path, "example-lab/Tri-Merge-7B") if x[0] == "merge"]) == 3
    quad = [x for x in edges(path, "example-lab/Quad-Merge-7B") if x[0] == "merge"]
    assert len(quad) == 4 and {q[2] for q in quad} == {"explicit"}
    # the quantization that named the merge's parents points at the merge
    assert edges(path, "mradermacher/Beagle14-7B-GGUF")[0] == (
        "quantized", "mlabonne/Beagle14-7B", "weak")
    # license: other + license_name: the curated licence, or a named one with its link
    assert ("licensed_under", "acme-research-license", "explicit") in edges(
        path, "example-lab/coder-7b-acme")
    from graph.store.sqlite import SQLiteStore

    S = SQLiteStore(path)
    acme = S.record("hf-license.acme-research-license")
    assert acme["urls"] == ["https://example.com/acme-research-license"]
    assert acme["commercial_use"] is None
    # new_version: the newer repository succeeds the older one
    assert ("successor", "messy/new-version-old", "explicit") in edges(
        path, "messy/new-version-new")
    # API JSON: the three baseModels shapes, parameters, placeholder dates, claims
    assert edges(path, "TheBloke/Mistral-7B-Instruct-v0.2-GPTQ")[0][0] == "quantized"
    assert edges(path, "unsloth/llama-3-8b-bnb-4bit")[0] == ("quantized", "Llama-3-8B", "weak")
    assert edges(path, "bartowski/NeuralHermes-2.5-Mistral-7B-exl2")[0][:2] == (
        "quantized", "mlabonne/NeuralHermes-2.5-Mistral-7B")
    assert edges(path, "example-lab/no-card-data")[0][:2] == ("adapter", "Llama-2-7B")
    rec = S.record("hf.thebloke.mistral-7b-instruct-v0.2-gptq")
    assert rec["parameters"] == 1141641216 and rec["date"] == "2023-12-11"
    assert rec["weights"] == "open"
    assert {c["topic"]: c["value"] for c in rec["claims"]} == {"hub-downloads": "18231",
                                                               "hub-likes": "48"}
    assert S.record(S.lookup("hf:gpt2"))["date"] is None
    S.close()


def test_every_messy_case_is_reported_and_the_rest_imported(hub_store):
    _, report = hub_store
    kinds = report["by_kind"]
    for kind in ("self-loop", "cycle", "duplicate-parent", "empty-base-model", "not-a-hub-id",
                 "redundant-parent", "misspelled-key", "quantized-merge-parents",
                 "vision-language-merge", "licence", "placeholder-date", "relation"):
        assert kind in kinds, kind
    assert kinds["misspelled-key"] == 3
    by = {(p["record"], p["kind"]): p for p in report["problems"]}
    p = by[("messy/url-parent", "not-a-hub-id")]
    assert "did you mean 'meta-llama/Llama-2-7b-chat-hf'" in p["fix"]
    assert p["file"].endswith("messy/url-parent/README.md") and p["line"] == 2
    assert "MIT License" in by[("example-lab/llama-2-7b-support-lora", "licence")]["message"]
    assert by[("gpt2", "placeholder-date")]["line"] == 2
    assert by[("messy/parent-and-grandparent", "redundant-parent")]["message"].startswith(
        "base_model lists meta-llama/Llama-2-7b-hf together with")
    assert report["added"] > 25 and report["placeholders"] > 5
    # the curated DeepSeek coder's card (license: other, license_name: deepseek) agrees with it
    assert not [p for p in report["problems"]
                if p["record"] == "deepseek-ai/deepseek-coder-6.7b-instruct"]
    path, _ = hub_store
    # one parent kept: a self-merge is a fine-tune; parent + grandparent keeps the parent
    assert [x[0] for x in edges(path, "messy/self-merge-7b")] == ["finetune"]
    assert edges(path, "messy/parent-and-grandparent")[0][:2] == ("finetune", "Llama-2-Chat-7B")
    assert edges(path, "messy/realtion-typo")[0] == ("adapter", "Llama-2-7B", "weak")
    assert edges(path, "messy/llava-style-7b")[0][0] == "finetune"
    assert not [x for x in edges(path, "messy/self-loop-7b") if x[0] == "finetune"]


def test_a_distillation_points_to_its_teacher_as_data_lineage(hub_store, tmp_path):
    from lineage.vocab import WEIGHT_RELATIONS

    path, report = hub_store
    store = str(path)
    student = "example-lab/chat-distilled-1b"  # knowledge-distillation from Llama-2-70B-chat
    e = edges(path, student)
    assert ("distilled_from", "Llama-2-Chat-70B", "explicit") in e
    assert not [x for x in e if x[0] in WEIGHT_RELATIONS]  # no weights carried
    assert ("distilled_from", "DeepSeek-R1", "explicit") in edges(path, "messy/distilled-1.5b")
    # linted: not one of the Hub's four, kept as stated in the note
    by = {(p["record"], p["kind"]): p for p in report["problems"]}
    assert by[(student, "relation")]["message"].endswith("imported as distilled_from")
    # a teacher is not a weight parent: its licence is not one the student must keep
    assert (student, "licence") not in by
    from graph.store.sqlite import SQLiteStore

    S = SQLiteStore(path)
    try:
        (rel,) = S.out_edges("hf.example-lab.chat-distilled-1b", ["distilled_from"])
        assert rel.note == "declared base_model_relation: knowledge-distillation"
    finally:
        S.close()
    # teachers names the teacher directly, with the relation
    out = json.loads(run("--store", store, "teachers", student, "--json").stdout)
    assert [(t["teacher"], t["dataset"], t["relation"], t["direct"])
            for t in out["teachers"]] == [("llama-2-chat-70b", None, "distilled_from", True)]
    pupils = json.loads(run("--store", store, "students", "Llama-2-Chat-70B", "--json").stdout)
    assert ("hf.example-lab.chat-distilled-1b", "distilled_from") in {
        (t["student"], t["relation"]) for t in pupils["students"]}
    # license: the teacher's terms forbid improving other LLMs with its outputs
    lic = json.loads(run("--store", store, "license", student, "--json").stdout)
    assert lic["commercial_use"] is False
    kinds = {(r["license"]["id"], r["kind"], r["effect"], r["anchor"])
             for r in lic["restrictions"]}
    assert ("llama-2-license", "teacher", "forbids", "llama-2-chat-70b") in kinds
    assert not [k for k in kinds if k[1] == "weights"]
    text = run("--store", store, "ancestry", student, "--depth", "1").stdout
    assert "[data] distilled from ▸ Llama-2-Chat-70B" in text
    weights = json.loads(run("--store", store, "ancestry", student, "--weights-only",
                             "--json").stdout)
    assert "llama-2-chat-70b" not in {n["id"] for n in weights["nodes"]}
    # RDF: a teacher derivation that parses and passes the SHACL shapes
    import rdflib

    from graph import rdf
    from graph.ns import LINEAGE, PROV

    ttl = tmp_path / "student.ttl"
    run("--store", store, "export", "rdf", "--focus", student, "-o", str(ttl))
    g = rdflib.Graph().parse(ttl, format="turtle")
    kb = rdflib.Namespace(rdf.DEFAULT_BASE)
    me, teacher = kb["hf.example-lab.chat-distilled-1b"], kb["llama-2-chat-70b"]
    assert (me, LINEAGE.distilledFrom, teacher) in g
    assert (me, PROV.wasDerivedFrom, teacher) in g
    node = next(n for n in g.objects(me, PROV.qualifiedDerivation)
                if (n, PROV.entity, teacher) in g)
    assert (node, PROV.hadRole, LINEAGE.teacher) in g
    assert (node, LINEAGE.relationKind, LINEAGE.distilled_from) in g
    _, problems = rdf.validate_rdf(ttl)
    assert [str(p) for p in problems] == []
    assert rdf.read_rdf(ttl).records["hf.example-lab.chat-distilled-1b"].relations[0] \
        .relation == "distilled_from"


def test_reimport_is_idempotent_and_a_newer_card_updates(tmp_path):
    cards = tmp_path / "cards"
    shutil.copytree(CARDS / "TheBloke", cards / "TheBloke")
    shutil.copytree(CARDS / "teknium", cards / "teknium")
    db = str(tmp_path / "s.db")
    first = json.loads(run("--store", db, "import", "hf", str(cards), "--json").stdout)
    assert (first["added"], first["updated"]) == (2, 0)
    again = json.loads(run("--store", db, "import", "hf", str(cards), "--json").stdout)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)
    card = cards / "teknium" / "OpenHermes-2.5-Mistral-7B" / "README.md"
    card.write_text(card.read_text().replace("license: apache-2.0", "license: mit"))
    newer = run("--store", db, "import", "hf", str(cards))
    assert "0 added, 1 updated, 1 unchanged" in newer.stdout
    assert ("licensed_under", "MIT License", "explicit") in edges(
        tmp_path / "s.db", "teknium/OpenHermes-2.5-Mistral-7B")


def test_hostile_cards_are_rejected_one_line_each(tmp_path):
    hostile = tmp_path / "hostile"
    shutil.copytree(FIX / "hostile", hostile)
    huge = hostile / "evil" / "huge" / "README.md"
    huge.parent.mkdir()
    huge.write_text("---\n" + "".join(f"k{i}: {'x' * 60}\n" for i in range(4000)) + "---\n")
    deep = hostile / "evil" / "deep" / "README.md"
    deep.parent.mkdir()
    deep.write_text("---\nbase_model: " + "[" * 5000 + "]" * 5000 + "\n---\n")
    db = str(tmp_path / "s.db")
    r = run("--store", db, "import", "hf", str(hostile), "--json")
    report = json.loads(r.stdout)
    rejected = {p["record"] for p in report["problems"] if p["severity"] == "error"}
    assert rejected == {"evil/malformed", "evil/alias-bomb", "evil/python-tag",
                        "evil/duplicate-keys", "evil/not-a-mapping", "evil/latin1",
                        "evil/huge", "evil/deep"}
    assert report["added"] == 1  # good/after-the-bad
    assert not Path("/tmp/lineage-pwned").exists()
    text = run("--store", db, "import", "hf", str(hostile)).stderr
    assert "python-tag: card rejected: YAML tag '!!python/object/apply:os.system'" in text
    assert "Traceback" not in text
    # nothing importable at all: exit 1
    only = tmp_path / "only"
    shutil.copytree(FIX / "hostile" / "evil", only / "evil")
    r = run("--store", db, "import", "hf", str(only), code=1)
    assert "0 added" in r.stdout


def test_parquet_imports_like_json_lines(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [json.loads(x) for x in (API / "models.jsonl").read_text().splitlines()
            if x.startswith('{"')]
    for r in rows:  # as a bulk export holds them: nested values as JSON text, file names
        for k in ("cardData", "baseModels", "safetensors"):
            if k in r:
                r[k] = json.dumps(r[k])
        r["siblings"] = [s["rfilename"] for s in r.get("siblings", [])]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "models.parquet")
    a = json.loads(run("--store", str(tmp_path / "a.db"), "import", "hf",
                       str(tmp_path / "models.parquet"), "--json").stdout)
    b = json.loads(run("--store", str(tmp_path / "b.db"), "import", "hf",
                       str(API / "models.jsonl"), "--json").stdout)
    assert a["added"] == b["added"] == 3
    for hub in ("mlabonne/NeuralHermes-2.5-Mistral-7B", "example-lab/no-card-data"):
        assert edges(tmp_path / "a.db", hub) == edges(tmp_path / "b.db", hub)


def test_online_follows_base_model_through_huggingface_hub(tmp_path, monkeypatch):
    httpx2 = pytest.importorskip("httpx2")
    from huggingface_hub.utils import _http

    recorded = {f"/api/models/{p.stem.replace('--', '/')}": p.read_text()
                for p in (FIX / "online").glob("*.json")}
    asked = []

    def hub(request):
        asked.append(request.url.path)
        body = recorded.get(request.url.path)
        if body is None:
            return httpx2.Response(404, json={"error": "Repository not found"},
                                   headers={"x-error-code": "RepoNotFound"})
        return httpx2.Response(200, text=body, headers={"content-type": "application/json"})

    _http.set_client_factory(lambda: httpx2.Client(transport=httpx2.MockTransport(hub)))
    try:
        db = str(tmp_path / "s.db")
        r = run("--store", db, "import", "hf", "--online", "TheBloke/Llama-2-7B-Chat-GGUF",
                "--online", "nobody/missing", "--depth", "2", "--json")
    finally:
        _http.set_client_factory(_http.default_client_factory)
        _http.close_session()
    report = json.loads(r.stdout)
    assert "/api/models/meta-llama/Llama-2-7b-chat-hf" in asked  # followed upward
    assert report["added"] == 1 and report["entries"] == 2
    assert report["by_kind"] == {"online": 1}
    assert edges(tmp_path / "s.db", "TheBloke/Llama-2-7B-Chat-GGUF")[0] == (
        "quantized", "Llama-2-Chat-7B", "weak")
    from graph.store.sqlite import SQLiteStore

    S = SQLiteStore(tmp_path / "s.db")
    claims = {c["topic"]: c["value"] for c in S.record("llama-2-chat-7b")["claims"]
              if c["topic"].startswith("hub-")}
    assert claims == {"hub-downloads": "1200000", "hub-likes": "4000"}  # curated, enriched
    S.close()


def test_yaml_output_validates_and_reimports_unchanged(tmp_path):
    out = tmp_path / "my-data"
    r = run("import", "hf", str(CARDS), "-o", str(out))
    assert "added" in r.stdout and (out / "hf-import.yaml").is_file()
    from lineage.load import load

    kb = load([out], check=False)
    errors = [p for p in kb.problems if p.severity == "error" and "hf-import" in p.file]
    assert errors == []
    assert kb.resolve("TheBloke/Llama-2-7B-Chat-GGUF").relations[0].target == "llama-2-chat-7b"
    again = json.loads(run("import", "hf", str(CARDS), "-o", str(out), "--json").stdout)
    assert (again["added"], again["updated"]) == (0, 0)


def test_usage_errors(tmp_path):
    r = run("import", "hf", str(CARDS), code=2)
    assert "say where to import" in r.output
    r = run("--store", str(tmp_path / "s.db"), "import", "hf", code=2)
    assert "name at least one" in r.output
    r = run("--store", str(tmp_path / "s.db"), "import", "hf", str(CARDS / "TheBloke"),
            "--repo-id", "not an id", code=2)
    assert "--repo-id" in r.output
    r = run("--store", str(tmp_path / "s.db"), "import", "hf", str(tmp_path / "nope.json"),
            code=1)
    assert "no such file" in r.stderr


def test_single_card_with_repo_id(tmp_path):
    card = tmp_path / "card.md"
    card.write_text((CARDS / "TheBloke" / "Llama-2-7B-Chat-GGUF" / "README.md").read_text())
    db = str(tmp_path / "s.db")
    run("--store", db, "import", "hf", str(card), "--repo-id", "someone/Llama-2-7B-Chat-q4")
    assert edges(tmp_path / "s.db", "someone/Llama-2-7B-Chat-q4")[0][:2] == (
        "quantized", "Llama-2-Chat-7B")


def test_a_card_that_disagrees_with_a_curated_record_is_reported_not_applied(tmp_path):
    card = tmp_path / "mirror" / "meta-llama" / "Llama-2-7b-chat-hf" / "README.md"
    card.parent.mkdir(parents=True)
    card.write_text("---\nbase_model: mistralai/Mistral-7B-v0.1\nlicense: apache-2.0\n---\n")
    db = tmp_path / "s.db"
    report = json.loads(run("--store", str(db), "import", "hf", str(tmp_path / "mirror"),
                            "--json").stdout)
    conflicts = [p["message"] for p in report["problems"] if p["kind"] == "conflict"]
    assert len(conflicts) == 2 and "kept as curated" in conflicts[0]
    assert report["curated"] == 1 and report["added"] == 0
    rels = edges(db, "meta-llama/Llama-2-7b-chat-hf")
    assert not [r for r in rels if r[1] in ("Mistral-7B", "Apache License 2.0")]


def test_problems_are_all_counted_and_the_first_ones_kept():
    from graph.importers.hf import ImportResult, ProblemLog
    from lineage.errors import Problem

    log = ProblemLog(keep=2)
    log.extend(Problem("f.jsonl", i, f"r/{i}", None, "m", "fix", kind="licence" if i % 2 else
                       "cycle") for i in range(5))
    assert (len(log), log.total, log.left_out, dict(log.kinds)) == (
        2, 5, 3, {"cycle": 3, "licence": 2})
    r = ImportResult(problems=log, target="t.db")
    assert "5 problems (cycle 3, licence 2)" in r.summary()
    assert r.to_json()["problems_left_out"] == 3


def test_cycles_are_found_the_same_in_memory_and_in_the_store(tmp_path):
    """A first import checks what it added in memory; a re-import (which rewrites nothing)
    checks the store in SQL: both report the same cycle, and only it."""
    cards = tmp_path / "cards"
    for name, base in (("a", "c"), ("b", "a"), ("c", "b"), ("d", "a"), ("e", "d")):
        card = cards / "loop" / name / "README.md"
        card.parent.mkdir(parents=True)
        card.write_text(f"---\nbase_model: loop/{base}\nlicense: mit\n---\n")
    db = str(tmp_path / "s.db")
    reports = [json.loads(run("--store", db, "import", "hf", str(cards), "--json").stdout)
               for _ in range(2)]
    assert (reports[0]["added"], reports[1]["unchanged"]) == (5, 5)
    cycles = [[p["message"] for p in r["problems"] if p["kind"] == "cycle"] for r in reports]
    assert cycles[0] == cycles[1] == ["cycle in the model tree: loop/a -> loop/c -> loop/b -> "
                                      "loop/a"]
