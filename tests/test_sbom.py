"""AI bills of materials (issue 15): `lineage export sbom`, SPDX 3.0.1 and CycloneDX 1.6.

Validity is checked with the standards' own tools (the `[sbom]` extra): the SPDX
3 Python bindings (spdx-python-model) and cyclonedx-python-lib's strict JSON
validator for 1.6. Round trip: each bill is parsed back and must describe the
same records, relations and licences as `lineage ancestry --json` and
`lineage license --json` with the same relation kinds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.sbom import FORMATS, bom_relations, collect, render
from graph.sbom.validate import read_cyclonedx, read_spdx3, validate

from .conftest import FIXTURES

SBOM = FIXTURES / "sbom"
READERS = {"spdx3": read_spdx3, "cyclonedx": read_cyclonedx}
ROOTS = ["evil-adapter", "chat-7b", "lit-llama", "chat-data"]


_SCHEMA: list = []
_CHECKED: dict[tuple[str, str], list[str]] = {}
_TEXTS: dict[tuple[str, str], str] = {}


def problems(text: str, fmt: str) -> list[str]:
    """What the standard's validator finds; SPDX also against its JSON schema.

    Memoised by text: both store kinds give the same bytes, checked once.
    """
    if (fmt, text) not in _CHECKED:
        _CHECKED[(fmt, text)] = _problems(text, fmt)
    return _CHECKED[(fmt, text)]


def _problems(text: str, fmt: str) -> list[str]:
    found = validate(text, fmt)
    if fmt == "spdx3":
        import jsonschema

        if not _SCHEMA:
            schema = json.loads((SBOM / "spdx-3.0.1-json-schema.json").read_text("utf-8"))
            _SCHEMA.append(jsonschema.Draft202012Validator(schema))
        found += [f"SPDX 3.0.1 JSON schema: {e.json_path}: {e.message[:200]}"
                  for e in _SCHEMA[0].iter_errors(json.loads(text))]
    return found


def export(run, *args: str, data: Path = SBOM):
    return run("export", "sbom", *args, data=data)


def _relation_args(weights_only: bool = False) -> list[str]:
    return [a for k in bom_relations(weights_only=weights_only) for a in ("--relation", k)]


def _types(t: str) -> str:
    return "model" if t in ("model", "family") else "dataset" if t == "dataset" else "software"


def test_cli_formats_are_the_registry():
    import cli

    assert cli.SBOM_FORMATS == tuple(FORMATS)


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("root", ROOTS)
def test_valid_deterministic_and_round_trips(run, tmp_path, fmt, root):
    out = tmp_path / f"{root}.{fmt}.json"
    r = export(run, root, "--format", fmt, "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"Wrote {out} ({fmt}; ")
    text = out.read_text(encoding="utf-8")
    assert problems(text, fmt) == []
    # byte-identical on re-export (to standard output this time)
    again = export(run, root, "--format", fmt)
    assert again.exit_code == 0
    assert again.output == text
    # and the same bytes from the in-memory and the SQLite store
    assert _TEXTS.setdefault((root, fmt), text) == text

    summary = READERS[fmt](text)
    anc = run("ancestry", root, "--json", *_relation_args(), data=SBOM)
    expect = json.loads(anc.output)
    assert summary.root == root
    assert summary.components == {n["id"]: _types(n["type"]) for n in expect["nodes"]}
    assert summary.edges == {(e["source"], e["relation"], e["target"]) for e in expect["edges"]}
    lic = json.loads(run("license", root, "--json", data=SBOM).output)
    expressions = {x["license"]["spdx"] or "LicenseRef-" + x["license"]["id"]
                   for x in lic["restrictions"]}
    assert summary.concluded == expressions
    assert summary.declared == _declared({n["id"] for n in expect["nodes"]})


def _declared(ids: set[str]) -> dict[str, set[str]]:
    """The licences each record declares, read from the fixture's YAML."""
    from lineage.load import load

    kb = load([SBOM], shipped=False)
    out: dict[str, set[str]] = {}
    for rid in ids:
        for rel in kb.records[rid].relations:
            if rel.relation == "licensed_under":
                lic = kb.records[rel.target]
                out.setdefault(rid, set()).add(lic.spdx or f"LicenseRef-{lic.id}")
    return out


def test_vicuna_like_contents(tiny_graph_sbom):
    S = tiny_graph_sbom
    bom = collect(S, "evil-adapter")
    ids = [c.id for c in bom.components]
    # every ancestor by weights, with its kind; data and its teacher; no influence-only hops
    assert ids[0] == "evil-adapter"
    assert {"merged-7b-q4", "merged-7b", "chat-7b", "open-7b", "llama-7b", "llama"} <= set(ids)
    assert {"chat-data", "raw-chats", "chatgpt", "llama-data"} <= set(ids)
    assert "gpt-3" not in ids  # ChatGPT is only a successor of GPT-3: not a material
    kinds = {(e.source, e.relation, e.target) for e in bom.edges}
    assert {("evil-adapter", "adapter", "merged-7b-q4"), ("merged-7b-q4", "quantized", "merged-7b"),
            ("merged-7b", "merge", "chat-7b"), ("merged-7b", "merge", "open-7b"),
            ("merged-7b", "continued_pretraining", "open-7b"),
            ("chat-7b", "finetune", "llama-7b"), ("llama-7b", "variant", "llama"),
            ("raw-chats", "generated_by", "chatgpt"), ("chat-data", "derived_from", "raw-chats"),
            } <= kinds
    assert bom.commercial_use is False
    assert {r.license for r in bom.restrictions} >= {"llama-license", "openai-terms",
                                                     "cc-by-nc-4.0"}
    teacher = next(r for r in bom.restrictions if r.license == "openai-terms")
    assert teacher.kind == "teacher" and teacher.path[-2] == "chatgpt"


@pytest.fixture
def tiny_graph_sbom(store_kind):
    from lineage.load import load

    from .support import make_store

    return make_store(load([SBOM], shipped=False), store_kind)


def test_spdx_mapping(tiny_graph_sbom):
    doc = json.loads(render(collect(tiny_graph_sbom, "evil-adapter"), "spdx3"))
    g = doc["@graph"]
    by_id = {o.get("spdxId") or o.get("@id"): o for o in g}
    pkgs = {o["name"]: o for o in g if o["type"].endswith("Package")}
    assert pkgs["Cleaned chats"]["type"] == "dataset_DatasetPackage"
    assert pkgs["Cleaned chats"]["dataset_datasetType"] == ["text"]
    q4 = pkgs["Merged-7B Q4"]
    assert q4["type"] == "ai_AIPackage"
    assert q4["software_packageUrl"] == "pkg:huggingface/someone/merged-7b-q4"
    assert q4["software_downloadLocation"] == "https://huggingface.co/someone/merged-7b-q4"
    assert {x["identifier"] for x in q4["externalIdentifier"]} >= {
        "pkg:huggingface/mirror/merged-7b-q4"}
    chat = pkgs["Chat-7B"]
    assert by_id[chat["suppliedBy"]]["name"] == 'Acme "Labs" & <Co> \\ 名字'
    assert chat["releaseTime"] == "2023-04-01T00:00:00Z"
    assert "releaseTime" not in pkgs["Merged-7B"]  # a year-month is not a full date
    rels = [o for o in g if o["type"] == "Relationship"]
    teach = next(r for r in rels if r["relationshipType"] == "generates")
    assert by_id[teach["from"]]["name"] == "ChatGPT"
    assert by_id[teach["to"][0]]["name"] == "Raw shared chats"
    weak = [r for r in rels if "confidence: weak" in r.get("comment", "")]
    assert len(weak) == 1 and weak[0]["comment"].startswith("llm-lineage relation: merge")
    concluded = next(r for r in rels if r["relationshipType"] == "hasConcludedLicense")
    expr = by_id[concluded["to"][0]]["simplelicensing_licenseExpression"]
    assert set(expr.split(" AND ")) >= {"LicenseRef-llama-license", "CC-BY-NC-4.0",
                                        "LicenseRef-openai-terms"}
    notes = [o["statement"] for o in g if o["type"] == "Annotation"
             and o["subject"] == concluded["spdxId"]]
    assert any("[teacher] forbids commercial use" in n and "ChatGPT" in n for n in notes)
    sources = [o["statement"] for o in g if o["type"] == "Annotation"]
    assert 'source: https://example.org/chat-7b “fine-tuned from LLaMA-7B” (§1)' in sources


def test_cyclonedx_mapping(tiny_graph_sbom):
    doc = json.loads(render(collect(tiny_graph_sbom, "evil-adapter"), "cyclonedx"))
    root = doc["metadata"]["component"]
    # pedigree: the immediate parent first, then on up, each reached once
    anc = [next(p["value"] for p in a["properties"] if p["name"] == "llm-lineage:ref")
           for a in root["pedigree"]["ancestors"]]
    assert anc[:2] == ["merged-7b-q4", "merged-7b"]
    assert set(anc) == {"merged-7b-q4", "merged-7b", "chat-7b", "open-7b", "llama-7b", "llama"}
    acks = {(x["license"].get("id") or x["license"]["name"], x["license"]["acknowledgement"])
            for x in root["licenses"]}
    assert ("CC-BY-NC-4.0", "declared") in acks
    assert ("LLaMA license", "concluded") in acks and ("OpenAI terms of use", "concluded") in acks
    comps = {c["bom-ref"]: c for c in doc["components"]}
    # the others list their immediate parents only (each has a pedigree of its own)
    merged = [[p["value"] for p in a["properties"] if p["name"] in ("llm-lineage:ref",
                                                                       "llm-lineage:relation")]
              for a in comps["merged-7b"]["pedigree"]["ancestors"]]
    assert merged == [["chat-7b", "merge"], ["open-7b", "merge"]]
    assert "pedigree" not in comps["llama"] and "pedigree" not in comps["chat-data"]
    assert comps["raw-chats"]["type"] == "data"
    assert comps["chat-7b"]["modelCard"]["modelParameters"]["datasets"] == [{"ref": "chat-data"}]
    assert {"ref": "raw-chats", "dependsOn": ["chatgpt"]} in doc["dependencies"]
    assert comps["chat-7b"]["purl"] == "pkg:huggingface/acme/chat-7b"
    assert comps["llama-7b"]["supplier"]["name"] == "Meta AI"  # through its family
    texts = [a["text"] for a in doc["annotations"]]
    assert any(t.startswith("Merged-7B merged from Open-7B [merge, weak]: source:") for t in texts)


def test_hostile_strings_survive(tiny_graph_sbom):
    bom = collect(tiny_graph_sbom, "evil-adapter")
    name = bom.root_component.name
    assert "\u2028" in name and '"' in name and "</script>" in name
    for fmt in FORMATS:
        text = render(bom, fmt)
        assert problems(text, fmt) == []
        doc = json.loads(text)
        found = json.dumps(doc, ensure_ascii=False)
        assert json.dumps(name, ensure_ascii=False) in found


def test_depth_and_weights_only(run, tiny_graph_sbom):
    one = collect(tiny_graph_sbom, "chat-7b", depth=1)
    assert {c.id for c in one.components} == {"chat-7b", "llama-7b", "chat-data"}
    assert one.commercial_use is False  # the verdict still covers the whole lineage
    w = collect(tiny_graph_sbom, "chat-7b", weights_only=True)
    assert {c.id for c in w.components} == {"chat-7b", "llama-7b", "llama"}
    r = export(run, "chat-7b", "--format", "cyclonedx", "--weights-only", "--depth", "1")
    doc = json.loads(r.output)
    assert [c["bom-ref"] for c in doc["components"]] == ["llama-7b"]
    anc = json.loads(run("ancestry", "chat-7b", "--json", "--depth", "1",
                         *_relation_args(weights_only=True), data=SBOM).output)
    assert {n["id"] for n in anc["nodes"]} == {"chat-7b", "llama-7b"}


def test_identity_derives_from_the_data(tmp_path, run):
    a = json.loads(export(run, "chat-7b", "--format", "cyclonedx").output)
    s = json.loads(export(run, "chat-7b", "--format", "spdx3").output)
    changed = tmp_path / "kb.yaml"
    changed.write_text((SBOM / "kb.yaml").read_text(encoding="utf-8").replace(
        "name: Cleaned chats", "name: Cleaned chats v2"), encoding="utf-8")
    b = json.loads(export(run, "chat-7b", "--format", "cyclonedx", data=changed).output)
    t = json.loads(export(run, "chat-7b", "--format", "spdx3", data=changed).output)
    assert a["serialNumber"] != b["serialNumber"]
    doc_id = [o["spdxId"] for o in s["@graph"] if o["type"] == "SpdxDocument"][0]
    doc_id2 = [o["spdxId"] for o in t["@graph"] if o["type"] == "SpdxDocument"][0]
    assert doc_id != doc_id2 and doc_id.startswith("https://w3id.org/llm-lineage/sbom/chat-7b-")
    assert a["metadata"]["timestamp"] == "2023-04-01T00:00:00Z"  # the newest date in it


def test_validators_catch_broken_bills(tiny_graph_sbom):
    bom = collect(tiny_graph_sbom, "chat-7b")
    spdx = json.loads(render(bom, "spdx3"))
    rel = next(o for o in spdx["@graph"] if o["type"] == "Relationship")
    rel["relationshipType"] = "fineTunedFrom"  # not an SPDX relationship type
    assert validate(json.dumps(spdx), "spdx3")
    assert len(problems(json.dumps(spdx), "spdx3")) > len(validate(json.dumps(spdx), "spdx3"))
    spdx = json.loads(render(bom, "spdx3"))
    del next(o for o in spdx["@graph"] if o["type"] == "CreationInfo")["created"]
    assert validate(json.dumps(spdx), "spdx3")
    spdx = json.loads(render(bom, "spdx3"))
    next(o for o in spdx["@graph"] if o["type"] == "Relationship")["to"] = ["urn:nowhere"]
    assert any("no element" in p for p in validate(json.dumps(spdx), "spdx3"))
    cdx = json.loads(render(bom, "cyclonedx"))
    cdx["components"][0]["baseModel"] = "llama-7b"  # not a CycloneDX field
    assert validate(json.dumps(cdx), "cyclonedx")
    cdx = json.loads(render(bom, "cyclonedx"))
    cdx["dependencies"][0]["dependsOn"] = ["nowhere"]
    assert validate(json.dumps(cdx), "cyclonedx") == ["dependency names no bom-ref: 'nowhere'"]


def test_errors(run, tmp_path):
    target = tmp_path / "bom.json"
    target.write_text("keep me", encoding="utf-8")
    r = export(run, "chat-7bb", "--format", "spdx3", "-o", str(target))
    assert r.exit_code == 1
    assert r.output.startswith("Error: unknown record 'chat-7bb'. Did you mean: chat-7b")
    assert len(r.output.strip().splitlines()) == 1
    assert target.read_text(encoding="utf-8") == "keep me"
    r = export(run, "meta", "--format", "spdx3")
    assert r.exit_code == 1 and "is a organization" in r.output and "lineage show meta" in r.output
    r = export(run, "chat-7b", "--format", "spdx2")
    assert r.exit_code == 2
    r = export(run, "chat-7b")
    assert r.exit_code == 2 and "--format" in r.output
    r = export(run, "chat-7b", "--format", "spdx3", "-o", str(tmp_path))
    assert r.exit_code == 1 and "Traceback" not in r.output
    r = export(run, "chat-7b", "--format", "cyclonedx", "--validate", "-o", str(target))
    assert r.exit_code == 0 and "validated" in r.output
    assert json.loads(target.read_text(encoding="utf-8"))["bomFormat"] == "CycloneDX"


def test_shipped_vicuna(shipped_graph, store_kind):
    """The README example: LLaMA weights, ShareGPT data generated by ChatGPT, the LLaMA
    licence and OpenAI's terms carried through."""
    if store_kind != "memory":
        pytest.skip("the shipped data is the same in both stores; once is enough")
    S = shipped_graph
    bom = collect(S, "vicuna-13b")
    ids = {c.id for c in bom.components}
    assert {"llama-13b", "llama", "vicuna-sharegpt-70k", "sharegpt", "chatgpt"} <= ids
    assert ("sharegpt", "generated_by", "chatgpt") in {(e.source, e.relation, e.target)
                                                        for e in bom.edges}
    assert {r.license for r in bom.restrictions} == {"llama-license", "openai-terms"}
    for fmt in FORMATS:
        text = render(bom, fmt)
        assert problems(text, fmt) == []
        s = READERS[fmt](text)
        assert s.concluded == {"LicenseRef-llama-license", "LicenseRef-openai-terms"}
        assert set(s.components) == ids


def test_as_of(run):
    r = export(run, "merged-7b-q4", "--format", "cyclonedx", "--as-of", "2023-07")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert {"name": "llm-lineage:as-of", "value": "2023-07"} in doc["metadata"]["properties"]
    r = export(run, "chat-7b", "--format", "spdx3", "--as-of", "2023-03")
    assert r.exit_code == 1 and "as of 2023-03" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_validate_without_the_extra_says_how_to_install(run, monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "spdx_python_model", None)  # import fails
    out = tmp_path / "bom.json"
    r = export(run, "chat-7b", "--format", "spdx3", "--validate", "-o", str(out))
    assert r.exit_code == 1
    assert "pip install 'llm-lineage[sbom]'" in r.output and "Traceback" not in r.output
    assert not out.exists()  # nothing written when it cannot be checked
    r = export(run, "chat-7b", "--format", "spdx3", "-o", str(out))  # no --validate: no need
    assert r.exit_code == 0 and out.exists()


def test_same_bill_through_a_sparql_endpoint(store_kind, oxigraph_server, tiny_graph_sbom):
    """Written only against the Store protocol: a graph on a SPARQL server gives the same
    bytes as the embedded stores."""
    if store_kind != "memory":
        pytest.skip("one embedded store to compare with is enough")
    from lineage.load import load

    from .support import SERVER_KIND, make_store

    remote = make_store(load([SBOM], shipped=False), SERVER_KIND)
    for root in ("evil-adapter", "chat-data"):
        for fmt in FORMATS:
            assert render(collect(remote, root), fmt) == render(collect(tiny_graph_sbom, root),
                                                                fmt)


def test_a_distillation_teacher_is_data_lineage_not_a_weight_ancestor(store_kind, tmp_path):
    from lineage.load import load

    from .support import make_store

    extra = tmp_path / "student.yaml"
    extra.write_text("""
- id: student-1b
  type: model
  name: Student-1B
  date: 2023-06
  relations:
    - {relation: distilled_from, target: chatgpt, sources: [{document: notes, quote: "distilled from ChatGPT"}]}
""", encoding="utf-8")
    S = make_store(load([SBOM, extra], shipped=False), store_kind)
    bom = collect(S, "student-1b")
    assert "chatgpt" in {c.id for c in bom.components}
    assert ("student-1b", "distilled_from", "chatgpt") in {(e.source, e.relation, e.target)
                                                          for e in bom.edges}
    teacher = next(r for r in bom.restrictions if r.license == "openai-terms")
    assert teacher.kind == "teacher"
    # --weights-only leaves teachers out, as it leaves out datasets
    assert {c.id for c in collect(S, "student-1b", weights_only=True).components} == {
        "student-1b"}
    cdx = render(bom, "cyclonedx")
    doc = json.loads(cdx)
    assert "pedigree" not in doc["metadata"]["component"]  # carries no model's weights
    assert {"ref": "student-1b", "dependsOn": ["chatgpt"]} in doc["dependencies"]
    spdx = render(bom, "spdx3")
    rels = [x for x in json.loads(spdx)["@graph"] if x.get("type") == "Relationship"
            and x.get("comment", "").startswith("llm-lineage relation: distilled_from")]
    assert [r["relationshipType"] for r in rels] == ["descendantOf"]
    for text, fmt in ((cdx, "cyclonedx"), (spdx, "spdx3")):
        assert problems(text, fmt) == []
        assert ("student-1b", "distilled_from", "chatgpt") in READERS[fmt](text).edges
