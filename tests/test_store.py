"""The store seam: the compiled store of YAML data, on-disk stores, streaming answers."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import BAD, TINY


@pytest.fixture
def compiled(monkeypatch, tmp_path):
    """Commands read the compiled store (not LINEAGE_STORE=:memory:) in a fresh cache dir."""
    monkeypatch.delenv("LINEAGE_STORE", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("LINEAGE_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    return d


def _show_name(run, data) -> str:
    result = run("show", "vicuna-13b", "--json", data=data)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["record"]["name"]


# --- the compiled store of YAML data (it replaced the pickled load cache) --------------------


def test_compiled_store_is_reused_and_follows_every_edit(run, compiled, data):
    assert _show_name(run, data) == "Vicuna-13B"
    [db] = list(compiled.glob("kb-*.db"))
    assert _show_name(run, data) == "Vicuna-13B"
    assert list(compiled.glob("kb-*.db")) == [db]  # reused, not rebuilt
    # an edit that keeps the size and the modification time is still seen (content key)
    f = data / "models.yaml"
    st = f.stat()
    f.write_text(f.read_text(encoding="utf-8").replace("name: Vicuna-13B", "name: Vicuna-13C"),
                 encoding="utf-8")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    assert _show_name(run, data) == "Vicuna-13C"
    assert len(list(compiled.glob("kb-*.db"))) == 2


def test_a_damaged_or_planted_compiled_store_is_rebuilt_not_trusted(run, compiled, data):
    _show_name(run, data)
    [db] = list(compiled.glob("kb-*.db"))
    db.write_bytes(b"not a database at all" * 100)
    assert _show_name(run, data) == "Vicuna-13B"
    assert db.read_bytes().startswith(b"SQLite format 3")


def test_a_cache_directory_others_can_write_is_refused(run, compiled, data):
    compiled.mkdir(mode=0o700)
    compiled.chmod(0o777)
    result = run("show", "vicuna-13b", data=data)
    assert result.exit_code == 0
    assert "writable by others" in result.stderr and "chmod 700" in result.stderr
    assert not list(compiled.glob("kb-*.db"))


def test_the_cache_directory_is_created_private(run, compiled, data):
    _show_name(run, data)
    assert stat.S_IMODE(compiled.stat().st_mode) == 0o700


def test_cache_off_keeps_the_data_in_memory(run, monkeypatch, tmp_path, data):
    monkeypatch.delenv("LINEAGE_STORE", raising=False)
    monkeypatch.setenv("LINEAGE_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _show_name(run, data) == "Vicuna-13B"
    assert not any(tmp_path.rglob("*.db"))


def test_invalid_data_is_refused_every_time(run, compiled):
    for _ in range(2):
        result = run("ancestry", "a", data=BAD / "cycle.yaml")
        assert result.exit_code == 1 and "cycle" in result.stderr
    assert not list(compiled.glob("kb-*.db"))


# --- on-disk stores: lineage index, --store ------------------------------------------------


def test_index_then_query_gives_the_same_answers_as_the_yaml(run, tmp_path, data):
    db = tmp_path / "kb.db"
    built = run("index", "-o", str(db), data=data)
    assert built.exit_code == 0 and "22 records" in built.output
    for args in (["ancestry", "vicuna-13b", "--json"], ["descendants", "llama", "--json"],
                 ["show", "alpaca-7b", "--json"], ["search", "llama", "--json"],
                 ["path", "gpt-3", "chatgpt", "--json"], ["license", "alpaca-7b", "--json"]):
        from_yaml = run(*args, data=data)
        from_store = run("--store", str(db), *args, data=None)
        assert from_store.exit_code == 0, from_store.output
        assert json.loads(from_store.output) == json.loads(from_yaml.output), args


def test_a_store_says_when_its_data_changed(run, tmp_path, data):
    db = tmp_path / "kb.db"
    assert run("index", "-o", str(db), data=data).exit_code == 0
    assert "out of date" not in run("--store", str(db), "show", "llama", data=None).stderr
    f = data / "models.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    result = run("--store", str(db), "show", "llama", data=None)
    assert result.exit_code == 0
    assert "out of date" in result.stderr and "models.yaml changed" in result.stderr
    assert f"lineage --no-shipped --data-dir {data} index -o {db}" in result.stderr


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no store at"),
    (lambda p: p.write_text("hello", encoding="utf-8"), "is not a lineage store"),
    (lambda p: p.mkdir(), "is a directory"),
])
def test_a_bad_store_path_is_one_line_and_exit_1(run, tmp_path, make, message):
    path = tmp_path / "kb.db"
    make(path)
    result = run("--store", str(path), "show", "llama", data=None)
    assert result.exit_code == 1
    assert message in result.stderr and "index -o" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_store_with_data_dirs_is_refused_with_the_fix(run, tmp_path, data):
    db = tmp_path / "kb.db"
    run("index", "-o", str(db), data=data)
    result = run("--store", str(db), "show", "llama", data=data)
    assert result.exit_code == 1 and f"index -o {db}" in result.stderr


def test_index_needs_a_path(run, monkeypatch):
    monkeypatch.delenv("LINEAGE_STORE", raising=False)
    result = run("index")
    assert result.exit_code == 2 and "lineage index -o kb.db" in result.output


def test_an_interrupted_build_leaves_the_previous_store_intact(tmp_path):
    from graph.store.sqlite import SQLiteStore, build_store
    from lineage.load import load

    kb = load([TINY], shipped=False)
    path = tmp_path / "kb.db"
    build_store(path, kb.records.values()).close()
    before = path.read_bytes()

    def interrupted():
        yield from list(kb.records.values())[:5]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_store(path, interrupted())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.db"]  # no temporary left
    S = SQLiteStore(path)
    assert len(S) == len(kb)


def _tables(path) -> dict:
    """Every row a store holds, labels without their numbers (a replaced record's labels
    are numbered anew)."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        return {
            "records": db.execute("SELECT rid, id, type, name, aliases, date, weights, hub_ids, "
                                  "description, body, file, line FROM records ORDER BY rid"
                                  ).fetchall(),
            "edges": db.execute("SELECT * FROM edges ORDER BY src, pos").fetchall(),
            "labels": sorted(db.execute("SELECT key, rid, kind FROM labels").fetchall()),
            "search": sorted(db.execute("SELECT key FROM labels_fts").fetchall()),
            "walks": db.execute("SELECT count(*) FROM walks").fetchall(),
        }
    finally:
        db.close()


def _layered(tmp_path) -> list[Path]:
    """Three layers over the tiny data: a replaced record, an identical repeat, a
    standalone relation that adds one, and one a later layer replaces."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.yaml").write_text(
        "- id: llama-7b\n  type: model\n  name: LLaMA 7B (mine)\n  date: 2023-02\n"
        "- type: relation\n  source: alpaca-7b\n  relation: uses_technique\n  target: sft\n"
        "  sources: [{document: first.md, locator: p. 1}]\n"
        "- type: relation\n  source: vicuna-13b\n  relation: uses_technique\n  target: sft\n"
        "  sources: [{document: first.md, locator: p. 3}]\n", encoding="utf-8")
    (tmp_path / "again.yaml").write_text(
        "- type: relation\n  source: alpaca-7b\n  relation: uses_technique\n  target: sft\n"
        "  sources: [{document: second.md, locator: p. 2}]\n", encoding="utf-8")
    return [TINY, tmp_path / "mine", TINY, tmp_path / "again.yaml"]


def test_index_writes_what_validating_everything_first_writes(tmp_path):
    """``lineage index`` writes each record as it is validated and keeps only its facts;
    the store is the one a whole load followed by a build gives, row for row."""
    from graph.store import _origins, index_store
    from graph.store.sqlite import build_store
    from lineage.load import load

    for name, layers in (("tiny", [TINY]), ("layered", _layered(tmp_path))):
        kb = load(layers, shipped=False)
        whole, streamed = tmp_path / f"{name}-whole.db", tmp_path / f"{name}-streamed.db"
        build_store(whole, kb.records.values(), origins=_origins(kb)).close()
        index_store(str(streamed), [str(p) for p in layers], shipped=False).close()
        assert _tables(streamed) == _tables(whole), name
    alpaca = [r for r in kb.records["alpaca-7b"].relations if r.relation == "uses_technique"]
    assert [s.document for r in alpaca for s in r.sources] == ["second.md"]
    assert kb.records["llama-7b"].name == "LLaMA-7B"  # replaced, then put back by TINY again
    assert [r.target for r in kb.records["vicuna-13b"].relations][-1] == "sft"


def test_index_of_invalid_data_leaves_the_store_as_it_was(run, tmp_path, data):
    db = tmp_path / "kb.db"
    assert run("index", "-o", str(db), data=data).exit_code == 0
    before = db.read_bytes()
    f = data / "models.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("target: llama-13b", "target: llama-13c"),
                 encoding="utf-8")
    result = run("index", "-o", str(db), data=data)
    assert result.exit_code == 1
    assert "unknown record 'llama-13c'" in result.stderr and "models.yaml" in result.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "kb.db"]


def test_a_build_left_unfinished_is_not_put_in_place(tmp_path):
    from graph.store.sqlite import StoreBuild, StoreError
    from lineage.load import load

    path = tmp_path / "kb.db"
    with pytest.raises(StoreError, match="unfinished"):
        with StoreBuild(path) as build:
            for rec in load([TINY], shipped=False).records.values():
                build.add(rec)
    assert list(tmp_path.iterdir()) == []


def test_update_store_adds_records_and_refuses_dangling_ones(tmp_path):
    from graph import query
    from graph.store.sqlite import SQLiteStore, StoreError, build_store, update_store
    from lineage.load import load, loads

    path = tmp_path / "kb.db"
    build_store(path, load([TINY], shipped=False).records.values()).close()
    new = loads("""
- id: vicuna-ft
  type: model
  name: Vicuna fine-tune
  hub_ids: [me/vicuna-ft]
  relations:
    - {relation: finetune, target: vicuna-13b, sources: [{document: d, quote: q}]}
""", check=False).records["vicuna-ft"]
    assert update_store(path, [new]) == 1
    S = SQLiteStore(path)
    assert query.resolve(S, "hf:me/vicuna-ft") == "vicuna-ft"
    assert query.ancestors(S, "vicuna-ft", weights_only=True) == ["vicuna-13b", "llama-13b",
                                                                   "llama"]
    dangling = new.model_copy(update={"id": "orphan", "name": "Orphan", "hub_ids": [],
                                      "relations": [new.relations[0].model_copy(
                                          update={"target": "no-such-model"})]})
    S.close()
    with pytest.raises(StoreError, match="no-such-model"):
        update_store(path, [dangling])
    assert "orphan" not in SQLiteStore(path)
    # JSON data is validated by the store's writer; a bad field names the record and field
    item = {"id": "vicuna-ft-2", "type": "model", "name": "Second", "relations": [
        {"relation": "adapter", "target": "vicuna-ft", "sources": [{"document": "d", "quote": "q"}]}]}
    assert update_store(path, [item]) == 1
    assert query.ancestors(SQLiteStore(path), "vicuna-ft-2", weights_only=True)[:2] == [
        "vicuna-ft", "vicuna-13b"]
    with pytest.raises(StoreError, match=r"^bad\.parameters: .*nothing was written"):
        update_store(path, [{"id": "bad", "type": "model", "name": "B", "parameters": "many"}])
    assert "bad" not in SQLiteStore(path)


def _dump(path):
    import sqlite3

    db = sqlite3.connect(path)
    try:
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in ("records", "edges", "labels")}
    finally:
        db.close()


def test_an_update_from_json_writes_what_an_update_from_records_writes(tmp_path):
    """JSON data is validated while the store is opened and its relations are placed by
    stand-ins; what is left is exactly what validated records write, and a record that fails
    validation leaves the store as it was (stand-ins included)."""
    import shutil

    from graph.store.sqlite import StoreError, build_store, update_store
    from lineage.load import load
    from lineage.records import validate_record

    path = tmp_path / "kb.db"
    build_store(path, load([TINY], shipped=False).records.values()).close()
    src = [{"document": "d", "quote": "q"}]
    items = [
        {"id": "vicuna-ft", "type": "model", "name": "Vicuna fine-tune", "hub_ids": ["me/v"],
         "relations": [{"relation": "finetune", "target": "vicuna-13b", "sources": src},
                       {"relation": "trained_on", "target": "sharegpt", "sources": src * 3}]},
        {"id": " spaced ", "type": "model", "name": "Spaced",  # stripped by validation
         "relations": [{"relation": "adapter", "target": " vicuna-ft ", "sources": src}]},
        # replaces a record of the store, with relations of its own
        {"id": "vicuna-13b", "type": "model", "name": "Vicuna-13B again",
         "relations": [{"relation": "finetune", "target": "llama-13b", "sources": src}]},
    ]
    as_json, as_records = tmp_path / "json.db", tmp_path / "records.db"
    shutil.copyfile(path, as_json)
    shutil.copyfile(path, as_records)
    assert update_store(as_json, items) == 3
    assert update_store(as_records, [validate_record(i) for i in items]) == 3
    after = _dump(as_json)
    assert after == _dump(as_records)
    assert ("vicuna-13b", "vicuna-ft", 0) in {row[:3] for row in after["edges"]}
    assert not [row for row in after["edges"] if not row[6]]  # no stand-in left
    before = path.read_bytes()
    bad = [*items, {"id": "bad", "type": "model", "name": "B", "parameters": "many"}]
    with pytest.raises(StoreError, match=r"^bad\.parameters"):
        update_store(path, bad)
    assert path.read_bytes() == before
    with pytest.raises(StoreError, match="no-such-model"):
        update_store(path, [{**items[0], "relations": [
            {"relation": "finetune", "target": "no-such-model", "sources": src}]}])
    assert path.read_bytes() == before


# --- names at scale -------------------------------------------------------------------------


def test_the_trigram_index_finds_what_a_full_scan_finds(tmp_path, monkeypatch):
    """Above SCAN_LIMIT labels, suggestions and substrings go through the FTS5 index."""
    from graph.store import sqlite as sq
    from graph.store.memory import MemoryStore
    from lineage.load import load

    kb = load([TINY], shipped=False)
    mem = MemoryStore(kb)
    S = sq.build_store(tmp_path / "kb.db", kb.records.values())
    monkeypatch.setattr(sq, "SCAN_LIMIT", 0)
    for key in ("llama", "vicuna", "davinci", "gpt"):
        assert S.label_matches(key) == mem.label_matches(key), key
    for typo in ("vicunna", "alpacca", "chatgtp", "llama13"):
        assert S.suggest(typo)[:1] == mem.suggest(typo)[:1], typo
    assert S.description_matches(["instruction"]) == mem.description_matches(["instruction"])


# --- streaming and limits ---------------------------------------------------------------------


def test_jsonl_streams_the_same_answer_as_json(run):
    whole = json.loads(run("descendants", "llama", "--json").output)
    result = run("descendants", "llama", "--jsonl")
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert [x["kind"] for x in lines[:1]] == ["node"] and lines[-1]["kind"] == "summary"
    nodes = [x for x in lines if x["kind"] == "node"]
    edges = [x for x in lines if x["kind"] == "edge"]
    assert {n["id"]: n["depth"] for n in nodes} == {n["id"]: n["depth"] for n in whole["nodes"]}
    assert len(edges) == len(whole["edges"]) == lines[-1]["edges"]
    assert lines[-1]["nodes"] == len(nodes) and lines[-1]["truncated"] == 0


def test_limit_keeps_the_nearest_and_says_how_many_were_left_out(run):
    whole = json.loads(run("descendants", "llama", "--json").output)
    assert len(whole["nodes"]) > 3
    text = run("descendants", "llama", "--limit", "3")
    assert text.exit_code == 0
    m = re.search(r"\.\.\. (at least )?(\d+) more records not shown \(--limit\)", text.output)
    assert m, text.output
    shown, rest = int(m.group(2)), len(whole["nodes"]) - 3
    assert 0 < shown <= rest if m.group(1) else shown == rest  # "at least" when not walked on
    one_level = json.loads(run("descendants", "llama", "--json", "--limit", "3", "--depth", "1")
                           .output)
    assert len(one_level["nodes"]) == 3
    lines = [json.loads(x) for x in run("descendants", "llama", "--jsonl", "--limit", "3")
             .output.splitlines()]
    assert lines[-1]["nodes"] == 3 and lines[-1]["truncated"] == len(whole["nodes"]) - 3
    ids = {x["id"] for x in lines if x["kind"] == "node"}
    assert all(e["source"] in ids and e["target"] in ids for e in lines if e["kind"] == "edge")


def test_json_and_jsonl_together_are_a_usage_error(run):
    result = run("ancestry", "vicuna-13b", "--json", "--jsonl")
    assert result.exit_code == 2 and "--json or --jsonl" in result.output


def test_the_tree_caps_a_large_fan_out(tiny_graph):
    from graph import query, render

    result = query.descendancy(tiny_graph, "llama")
    kids = [e for e in result.edges if e.target == "llama"]
    assert len(kids) >= 2
    text = render.tree(tiny_graph, result, fanout=1)
    assert f"... and {len(kids) - 1} more (use --limit / --jsonl)" in text


def test_a_hostile_name_prints_as_one_line(run, tmp_path):
    data = tmp_path / "evil.yaml"
    data.write_text('- {id: evil, type: model, name: "ok\\u202eevil", aliases: [x],'
                    ' sources: [{document: d, quote: q}]}\n', encoding="utf-8")
    result = run("list", data=data)
    assert result.exit_code == 0
    assert "\u202e" not in result.output and "\\u202e" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_library_store_paths_are_the_same_for_both_backends(tmp_path):
    from graph import query
    from lineage.load import load
    from tests.support import make_store

    kb = load([TINY], shipped=False)
    mem, disk = make_store(kb, "memory"), make_store(kb, "sqlite")
    for rid in mem.iter_ids():
        for fn in (query.ancestry, query.descendancy):
            a, b = fn(mem, rid), fn(disk, rid)
            assert (a.nodes, a.edges, a.depth) == (b.nodes, b.edges, b.depth), rid
        assert mem.record(rid) == disk.record(rid)
    assert Path(disk.path).exists()


def test_native_jsonl_lines_equal_the_generic_ones_on_the_shipped_data(shipped_kb):
    """The SQLite store builds --jsonl lines in SQL; they mean exactly what Python builds."""
    from graph.serialize import iter_lineage_jsonl
    from tests.support import make_store

    mem, disk = make_store(shipped_kb, "memory"), make_store(shipped_kb, "sqlite")
    assert hasattr(disk, "lineage_jsonl_levels") and not hasattr(mem, "lineage_jsonl_levels")
    for rid in mem.iter_ids():
        for up in (True, False):
            for limit in (None, 3):
                a = [json.loads(x) for x in iter_lineage_jsonl(mem, rid, up=up, limit=limit)]
                b = [json.loads(x) for x in iter_lineage_jsonl(disk, rid, up=up, limit=limit)]
                assert a == b, (rid, up, limit)


def test_a_large_store_draws_a_focus_view_and_says_what_it_left_out(tiny_graph, monkeypatch):
    """Above MATERIALIZE_LIMIT records the page never draws the whole store."""
    from graph import html
    from lineage.errors import QueryError

    monkeypatch.setattr(html, "MATERIALIZE_LIMIT", 5)
    with pytest.raises(QueryError, match="--focus NAME"):
        html.select(tiny_graph)
    sel = html.select(tiny_graph, focus="llama", max_nodes=3)
    assert len(sel.nodes) == 3 and sel.focus == "llama"
    assert any("larger than a page" in n and "--jsonl" in n for n in sel.notes)
    assert sum(sel.left_out.values()) == len(tiny_graph) - 3
    assert len(sel.graph) <= 2 * 3  # only the neighbourhood was read from the store
    page = html.render(tiny_graph, sel)
    assert page.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("fmt, syntax", [("turtle", "turtle"), ("jsonld", "json-ld"),
                                         ("nt", "nt")])
def test_exports_stream_from_the_store_without_an_rdflib_graph(tiny_graph, tmp_path,
                                                                 monkeypatch, fmt, syntax):
    """Turtle, JSON-LD and N-Triples are written record by record (no rdflib Graph, which
    does not scale), and mean the same triples as the N-Triples export."""
    import rdflib
    from rdflib.compare import isomorphic

    from graph import rdf

    expected = rdflib.Graph().parse(data="".join(rdf.iter_ntriples(tiny_graph)), format="nt")

    def no_graph(*args, **kwargs):
        raise AssertionError("an rdflib Graph was built")

    monkeypatch.setattr(rdf, "to_graph", no_graph)
    path = tmp_path / f"kb.{fmt}"
    rdf.write_rdf(tiny_graph, path, fmt)
    got = rdflib.Graph().parse(path, format=syntax)
    assert len(got) == len(expected) and isomorphic(got, expected)


def test_precomputed_hub_walks_answer_as_the_walk_does(shipped_kb, tmp_path, monkeypatch):
    """A build keeps the descendants walk of the biggest hubs; reading it back gives the same
    lines, and an update drops what no longer holds."""
    from graph.serialize import iter_lineage_jsonl
    from graph.store import sqlite as sq
    from graph.store.memory import MemoryStore

    monkeypatch.setattr(sq, "HUB_WALK_MIN", 5)
    monkeypatch.setattr(sq, "HUB_CANDIDATE_MIN", 2)
    path = tmp_path / "kb.db"
    disk = sq.build_store(path, shipped_kb.records.values())
    mem = MemoryStore(shipped_kb)
    roots = [r for (r,) in disk.db.execute("SELECT DISTINCT root FROM walks")]
    assert len(roots) >= 3 and "llama" in roots
    for rid in roots:
        for limit in (None, 4):
            a = [json.loads(x) for x in iter_lineage_jsonl(mem, rid, up=False, limit=limit)]
            b = [json.loads(x) for x in iter_lineage_jsonl(disk, rid, up=False, limit=limit)]
            assert a == b, (rid, limit)
    disk.close()
    new = shipped_kb.records["alpaca-7b"].model_copy(update={"name": "Alpaca 7B (renamed)"})
    sq.update_store(path, [new])
    after = sq.SQLiteStore(path)
    assert "walks_stale" in after.meta()  # marked out of date in one row, not deleted
    renamed = [json.loads(x) for x in iter_lineage_jsonl(after, "llama", up=False)]
    assert "Alpaca 7B (renamed)" in {r.get("name") for r in renamed}
    kb = dataclasses.replace(shipped_kb, records={**shipped_kb.records, "alpaca-7b": new},
                             _index=None)
    assert renamed == [json.loads(x) for x in iter_lineage_jsonl(MemoryStore(kb), "llama",
                                                                 up=False)]


@pytest.fixture(scope="module")
def _shipped_disk(shipped_kb, tmp_path_factory):
    from graph.store import sqlite as sq

    return sq.build_store(tmp_path_factory.mktemp("nt") / "kb.db", shipped_kb.records.values())


@pytest.mark.parametrize("fmt", ["nt", "turtle", "jsonld"])
def test_exports_from_disk_read_stored_records_and_equal_the_validated_ones(
        shipped_kb, _shipped_disk, fmt, store_kind):
    """The exports read a store on disk without validating each record again (the fast
    path), and write exactly what the validated records give."""
    if store_kind != "sqlite":
        pytest.skip("compares the two kinds itself")
    from graph import rdf
    from graph.store.memory import MemoryStore

    stream = {"nt": rdf.iter_ntriples, "turtle": rdf.iter_turtle, "jsonld": rdf.iter_jsonld}[fmt]
    assert "".join(stream(_shipped_disk)) == "".join(stream(MemoryStore(shipped_kb)))


def test_ntriples_by_several_processes_are_the_same_bytes(_shipped_disk, monkeypatch, store_kind,
                                                        tmp_path):
    if store_kind != "sqlite":
        pytest.skip("one run is enough")
    import tempfile

    from graph import rdf

    one = "".join(rdf.iter_ntriples(_shipped_disk, jobs=1))
    monkeypatch.setattr(rdf, "PARALLEL_MIN", 1)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the workers write their runs
    parts = list(rdf.iter_ntriples(_shipped_disk, jobs=3))
    assert len(parts) >= 12 and "".join(parts) == one  # 3 workers x 4 runs, read back in order
    assert not list(tmp_path.iterdir())  # the runs are removed once read
    out = tmp_path / "kb.nt"
    rdf.write_rdf(_shipped_disk, out, "nt")  # the workers' bytes straight to the file
    assert out.read_text(encoding="utf-8") == one and [p.name for p in tmp_path.iterdir()] == [
        "kb.nt"]


@pytest.mark.parametrize("body", ['{"id": "alpaca-7b", "type": "nonsense", "name": "x"}',
                                  '{"id": "alpaca-7b", "type": "model", "name": "x", '
                                  '"date": 2023, "sources": []}',
                                  'not json'])
def test_a_damaged_store_stops_the_export_with_one_line(run, tmp_path, body, store_kind):
    if store_kind != "sqlite":
        pytest.skip("about stores on disk")
    import sqlite3

    path = tmp_path / "kb.db"
    assert run("index", "-o", str(path)).exit_code == 0
    db = sqlite3.connect(path)
    db.execute("UPDATE records SET body=? WHERE id='alpaca-7b'", (body,))
    db.commit()
    db.close()
    out = tmp_path / "out.nt"
    result = run("--store", str(path), "export", "rdf", "--format", "nt", "-o", str(out),
                 data=None)
    assert result.exit_code == 1, result.output
    assert "record 'alpaca-7b' in the store cannot be read" in result.output
    assert f"index -o {path}" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("body", ['not json', '{"sources": [{"quote": "no document"}], '
                                  '"techniques": 3}', '[1, 2]'])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_damaged_relation_stops_the_export_with_one_line(shipped_kb, tmp_path, body, jobs,
                                                           store_kind, monkeypatch):
    """Relations are read in the table's order, apart from their records: a relation the
    writer cannot read names its stating record, in one line, by one process or several."""
    if store_kind != "sqlite":
        pytest.skip("about stores on disk")
    import sqlite3

    from graph import rdf
    from graph.store.sqlite import SQLiteStore, build_store
    from lineage.errors import RdfError

    path = tmp_path / "kb.db"
    build_store(path, shipped_kb.records.values()).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE edges SET body=? WHERE src='alpaca-7b' AND dst='llama-7b'", (body,))
    db.commit()
    db.close()
    monkeypatch.setattr(rdf, "PARALLEL_MIN", 1)
    S = SQLiteStore(path)
    with pytest.raises(RdfError, match=r"record 'alpaca-7b' in the store cannot be read") as e:
        rdf.write_rdf(S, tmp_path / "out.nt", "nt") if jobs > 1 else "".join(
            rdf.iter_ntriples(S, jobs=1))
    assert "\n" not in str(e.value) and f"index -o {path}" in str(e.value)
    assert not (tmp_path / "out.nt").exists()
    S.close()


def test_the_benchmark_graph_passes_the_projects_own_checks(store_kind):
    """The Hub-shaped benchmark data is data the validator accepts (dates never before a
    parent's, no unknown targets, no cycles), so the stores measured are ones a user could
    build from YAML with 'lineage index'."""
    if store_kind != "memory":
        pytest.skip("one run is enough")
    import sys

    import yaml

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from hubgen import hub_items

    from lineage.load import loads

    items = list(hub_items(3000))
    kb = loads(yaml.safe_dump(items, sort_keys=False))  # raises on any problem
    models = [r for r in kb.records.values() if r.type == "model"]
    assert len(models) == 3000 and len(kb.records) == len(items)
    assert sum(1 for m in models if len(m.relations) >= 2) > 30  # merges are there
