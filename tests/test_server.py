"""The shared graph: push to a real Oxigraph server, query through it, serve it.

A session-scoped Oxigraph server on a free loopback port (tests/conftest.py) holds
the graphs; the tests that stop a server start their own. Nothing here depends on
the embedded store kind, so each test runs once.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from graph.remote import CURRENT_VERSION, Endpoint, EndpointError, resolve_graph
from graph.server import _free_port, _start, _stop, _wait_ready, oxigraph_binary, push

from .conftest import ROOT, TINY

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)

ANALYTICS = ROOT / "tests" / "fixtures" / "analytics" / "kb"


def cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)


def local(data: Path | None, *args: str):
    pre = ["--no-shipped", "--data-dir", str(data)] if data is not None else []
    return cli(*pre, *args)


def remote(url: str, graph: str, *args: str):
    return cli("--endpoint", f"{url}/query", "--graph", graph, *args)


def count(url: str, graph: str) -> int:
    """The triples of the graph's current version, found as every reader finds it."""
    ep = Endpoint(f"{url}/query", graph=graph)
    try:
        resolve_graph(ep)
        return int(next(ep.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))["n"])
    finally:
        ep.close()


def pushed(url: str, data: Path | None, graph: str) -> str:
    pre = ["--no-shipped", "--data-dir", str(data)] if data is not None else []
    r = cli(*pre, "push", "--endpoint", f"{url}/store", "--graph", graph)
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.fixture(scope="module")
def shipped_graph_iri(oxigraph_server):
    graph = "urn:lineage:test:shipped"
    pushed(oxigraph_server, None, graph)
    return graph


@pytest.fixture(scope="module")
def analytics_graph_iri(oxigraph_server):
    graph = "urn:lineage:test:analytics"
    pushed(oxigraph_server, ANALYTICS, graph)
    return graph


# --- push then query ----------------------------------------------------------------


def test_push_then_query(oxigraph_server):
    out = pushed(oxigraph_server, TINY, "urn:lineage:test:push")
    assert out.startswith("Pushed 22 records (585 triples,")
    assert "swapped in atomically" in out
    assert count(oxigraph_server, "urn:lineage:test:push") == 585
    r = remote(oxigraph_server, "urn:lineage:test:push", "ancestry", "Vicuna")
    assert r.exit_code == 0 and r.stdout == local(TINY, "ancestry", "Vicuna").stdout
    r = local(TINY, "push", "--endpoint", f"{oxigraph_server}/store", "--graph",
              "urn:lineage:test:bulk", "--bulk")
    assert r.exit_code == 0 and "(bulk-loaded)" in r.stdout
    assert count(oxigraph_server, "urn:lineage:test:bulk") == 585


COMMANDS = [
    ["ancestry", "Vicuna"], ["ancestry", "vicuna-13b", "--weights-only", "--depth", "2"],
    ["ancestry", "LLaMA 2-Chat 70B", "--limit", "3"],
    ["descendants", "LLaMA", "--relation", "finetune"], ["descendants", "text-davinci-003"],
    ["descendants", "chatgpt", "--as-of", "2023-03"], ["descendants", "LLaMA", "--jsonl"],
    ["path", "GPT-3", "ChatGPT"], ["show", "阿尔帕卡"], ["show", "llama-license"],
    ["search", "llama"], ["search", "preference optimization", "--type", "technique"],
    ["list", "--type", "model", "--org", "meta"], ["license", "Vicuna"], ["teachers", "Koala"],
    ["students", "GPT-4"], ["common", "Alpaca", "Vicuna", "Koala", "--weights-only"], ["stats"],
    ["ancestry", "vicunna"], ["path", "Alpaca", "Vicuna"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_every_query_command_answers_the_same_through_the_server(oxigraph_server,
                                                                  shipped_graph_iri, args):
    """The shipped data: the same text, --json and exit status from the server as from the
    embedded store (a record's file and line, which the export does not carry, aside)."""
    for extra in ([], ["--json"]) if "--jsonl" not in args else ([],):
        want = local(None, *args, *extra)
        got = remote(oxigraph_server, shipped_graph_iri, *args, *extra)
        assert got.exit_code == want.exit_code, got.output
        if extra and want.exit_code == 0 and args[0] == "show":
            w, g = json.loads(want.stdout), json.loads(got.stdout)
            assert w.pop("defined_in") is not None and g.pop("defined_in") is None
            assert g == w
        else:
            assert got.stdout == want.stdout
        if want.exit_code:
            assert got.stderr == want.stderr


def test_names_are_looked_up_on_the_server_in_a_large_graph(oxigraph_server,
                                                           shipped_graph_iri, monkeypatch):
    """Above SMALL_GRAPH records the server matches names (folded labels) and the
    candidates are checked here: the same answers as the embedded store."""
    import graph.store.endpoint as endpoint
    from graph import query
    from graph.store.endpoint import EndpointStore

    monkeypatch.setattr(endpoint, "SMALL_GRAPH", 10)
    S = EndpointStore(f"{oxigraph_server}/query", graph=shipped_graph_iri)
    assert not S._is_small()
    from graph.store import open_store

    L = open_store()
    for name in ("Vicuna", "阿尔帕卡", "llama 7b", "LLaMA 2-Chat 70B", "hf:lmsys/vicuna-13b-v1.3",
                 "vicunna", "gpt 3.5"):
        assert S.lookup(name) == L.lookup(name), name
    for name in ("vicunna", "alpacca", "chat gpt"):
        got = S.suggest(name)  # candidates by shared trigrams, as a large SQLite store does
        assert got and got[0] == L.suggest(name)[0], name
    for text in ("llama", "instruction", "羊驼", "preference optimization"):
        assert query.search(S, text) == query.search(L, text), text


@pytest.mark.parametrize("args", [
    ["ancestry", "Vicuna", "--sources"], ["ancestry", "vicuna-13b", "--weights-only"],
    ["ancestry", "Alpaca", "--depth", "1", "--json"], ["descendants", "LLaMA", "--json"],
    ["descendants", "LLaMA", "--depth", "2", "--relation", "finetune"],
    ["descendants", "text-davinci-003", "--jsonl"], ["show", "Vicuna"],
    ["common", "Alpaca", "Vicuna", "--json"], ["license", "Alpaca"],
    # relations with notes, dates and techniques in their order; the whole walk as lines
    ["ancestry", "ChatGPT", "--json"], ["descendants", "LLaMA", "--jsonl"],
    ["descendants", "alpaca-data", "--relation", "trained_on", "--json"]], ids=" ".join)
def test_closures_by_property_paths_in_a_large_graph(oxigraph_server, shipped_graph_iri,
                                                     monkeypatch, args):
    """Above SMALL_GRAPH records a closure is a property path on the server (its records
    and relations in a few queries): the same answers as the embedded store."""
    import graph.store.endpoint as endpoint

    monkeypatch.setattr(endpoint, "SMALL_GRAPH", 10)
    want = local(None, *args)
    got = remote(oxigraph_server, shipped_graph_iri, *args)
    assert got.exit_code == want.exit_code == 0 and got.stdout == want.stdout


def test_sparql_through_the_server_is_checked_and_bounded(oxigraph_server):
    graph = "urn:lineage:test:push"
    pushed(oxigraph_server, TINY, graph)
    q = "SELECT ?a WHERE { kb:vicuna-13b prov:wasDerivedFrom+ ?a } ORDER BY ?a"
    for fmt in ("table", "json", "csv"):
        got = remote(oxigraph_server, graph, "sparql", q, "--format", fmt)
        assert got.exit_code == 0 and got.stdout == local(TINY, "sparql", q, "--format",
                                                          fmt).stdout
    got = remote(oxigraph_server, graph, "sparql", "ASK { kb:alpaca-7b fair4ml:trainedOn ?d }")
    assert got.stdout.strip() == "true"
    got = remote(oxigraph_server, graph, "sparql",
                 "CONSTRUCT { kb:alpaca-7b ?p ?o } WHERE { kb:alpaca-7b ?p ?o }", "--format",
                 "csv")
    assert got.exit_code == 0 and "alpaca-7b" in got.stdout
    for bad in ("INSERT DATA { kb:x rdfs:label 'x' }", "DROP GRAPH <urn:lineage:test:push>",
                "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"):
        r = remote(oxigraph_server, graph, "sparql", bad)
        assert r.exit_code == 2 and "Traceback" not in r.output
    assert count(oxigraph_server, graph) == 585  # nothing was changed
    r = remote(oxigraph_server, graph, "sparql", "SELECT * WHERE { ?s ?p ?o }", "--max-rows", "5")
    assert r.exit_code == 1 and "more than 5 rows (row limit)" in r.stderr
    r = remote(oxigraph_server, graph, "sparql", q, "--as-of", "2023")
    assert r.exit_code == 2


# --- replacing ----------------------------------------------------------------------


def test_re_push_replaces_the_graph(oxigraph_server, analytics_graph_iri, tmp_path):
    graph = "urn:lineage:test:replace"
    pushed(oxigraph_server, TINY, graph)
    changed = tmp_path / "data"
    shutil.copytree(TINY, changed)
    for f in changed.rglob("*.yaml"):
        f.write_text(f.read_text(encoding="utf-8").replace("Vicuna-13B", "Vicuna-13B-renamed"),
                     encoding="utf-8")
    pushed(oxigraph_server, changed, graph)
    r = remote(oxigraph_server, graph, "show", "vicuna-13b")
    assert "Vicuna-13B-renamed" in r.stdout
    r = remote(oxigraph_server, graph, "search", "Vicuna-13B-renamed", "--json")
    assert [n["id"] for n in json.loads(r.stdout)["nodes"]][0] == "vicuna-13b"
    pushed(oxigraph_server, ANALYTICS, graph)  # other data: nothing of the old graph is left
    assert count(oxigraph_server, graph) == count(oxigraph_server, analytics_graph_iri)
    r = remote(oxigraph_server, graph, "search", "Vicuna-13B-renamed")
    assert "renamed" not in r.stdout


def test_readers_see_a_whole_graph_during_a_push(oxigraph_server):
    """Readers counting the graph's triples while it is replaced again and again see the
    old count or the new one, never a part: a plain SPARQL query that follows the
    version pointer (as docs/server.md shows), and the store a query command opens.
    Only the current and the previous versions are left, and ``<GRAPH>`` holds nothing
    but the pointers."""
    from graph.server import prune
    from graph.store import open_store
    from graph.store.endpoint import EndpointStore

    url = oxigraph_server
    graph = "urn:lineage:test:swap"
    small = open_store([TINY], shipped=False, store=":memory:")
    big = open_store([ANALYTICS], shipped=False, store=":memory:")
    push(small, f"{url}/store", graph=graph)
    n_small = count(url, graph)
    r_small = len(EndpointStore(f"{url}/query", graph=graph))
    push(big, f"{url}/store", graph=graph)
    n_big = count(url, graph)
    r_big = len(EndpointStore(f"{url}/query", graph=graph))
    assert n_small == 585 and n_big > 2 * n_small and r_big > r_small == 22
    seen: list[int] = []
    records: list[int] = []
    stop = threading.Event()
    one_query = (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ <{graph}> "
                 f"<{CURRENT_VERSION}> ?v }} GRAPH ?v {{ ?s ?p ?o }} }}")

    def reader() -> None:
        ep = Endpoint(f"{url}/query")
        while not stop.is_set():
            seen.append(int(next(ep.select(one_query))["n"]))
            time.sleep(0.002)
        ep.close()

    def store_reader() -> None:
        while not stop.is_set():
            S = EndpointStore(f"{url}/query", graph=graph)
            records.append(len(S))
            S.close()

    threads = [threading.Thread(target=reader) for _ in range(2)]
    threads.append(threading.Thread(target=store_reader))
    for t in threads:
        t.start()
    try:
        results = [push(S, f"{url}/store", graph=graph) for S in (small, big) * 4]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert len(seen) > 20 and len(records) > 5
    assert set(seen) == {n_small, n_big}
    assert set(records) == {r_small, r_big}
    assert all(r.atomic and r.version and r.version.startswith(f"{graph}/v/") for r in results)
    assert [len(r.dropped) for r in results] == [1] * 8, [r.dropped for r in results]  # the one before the previous
    ep = Endpoint(f"{url}/query")
    graphs = {r["g"] for r in ep.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")}
    assert {g for g in graphs if g.startswith(graph)} == {
        graph, results[-1].version, results[-2].version}
    assert not any(g.startswith("urn:lineage:staging:") for g in graphs)
    # <GRAPH>: the two pointers, and when each kept version started and finished loading
    assert int(next(ep.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                              "{ ?s ?p ?o } }"))["n"]) == 6
    assert prune(Endpoint(f"{url}/query"), Endpoint(f"{url}/update"), graph) == ()


def test_a_versioned_push_over_a_plain_upload_and_old_versions_in_batches(
        oxigraph_server, monkeypatch):
    """A graph uploaded by a plain PUT is taken over: readers follow the pointer at once,
    and what the graph held is deleted a batch at a time (as old versions are)."""
    import graph.server as server
    from graph.store import open_store

    url = oxigraph_server
    graph = "urn:lineage:test:takeover"
    tiny = open_store([TINY], shipped=False, store=":memory:")
    plain = push(tiny, f"{url}/store", graph=graph, update="")
    assert not plain.atomic and plain.version is None and count(url, graph) == 585
    monkeypatch.setattr(server, "DELETE_BATCH", 100)
    requests = []
    real = Endpoint.update
    monkeypatch.setattr(Endpoint, "update",
                        lambda self, text, **kw: (requests.append(text), real(self, text, **kw)))
    first = push(open_store([ANALYTICS], shipped=False, store=":memory:"), f"{url}/store",
                 graph=graph)
    n = count(url, graph)
    assert first.version and n > 585 and first.triples == n
    # 585 triples of the plain upload, at most 100 per update
    assert sum("LIMIT 100 " in t for t in requests) == 6
    for S in (tiny, tiny):
        push(S, f"{url}/store", graph=graph)
    assert count(url, graph) == 585
    ep = Endpoint(f"{url}/query")
    assert not list(ep.select(f"SELECT ?s WHERE {{ GRAPH <{first.version}> {{ ?s ?p ?o }} }} "
                              "LIMIT 1"))  # the first version, deleted in batches
    r = remote(url, graph, "ancestry", "Vicuna")
    assert r.exit_code == 0 and r.stdout == local(TINY, "ancestry", "Vicuna").stdout
    r = remote(url, graph, "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
               "--format", "csv")
    assert r.exit_code == 0 and r.stdout.split() == ["n", "585"]  # the current version


def test_a_push_that_fails_while_loading_changes_nothing_readers_see(oxigraph_server,
                                                                      monkeypatch):
    """The export breaks off mid-way: the pointer stays (readers see the old graph); the
    version is marked abandoned and the next push deletes it."""
    from graph import rdf
    from graph.remote import ABANDONED
    from graph.store import open_store

    url = oxigraph_server
    graph = "urn:lineage:test:failed"
    tiny = open_store([TINY], shipped=False, store=":memory:")
    push(tiny, f"{url}/store", graph=graph)
    real = rdf.iter_ntriples

    def broken(*args, **kw):
        for i, chunk in enumerate(real(*args, **kw)):
            if i == 5:
                raise RuntimeError("the export broke off")
            yield chunk

    monkeypatch.setattr(rdf, "iter_ntriples", broken)
    with pytest.raises(RuntimeError, match="broke off"):
        push(open_store([ANALYTICS], shipped=False, store=":memory:"), f"{url}/store",
             graph=graph)
    monkeypatch.setattr(rdf, "iter_ntriples", real)
    assert count(url, graph) == 585
    ep = Endpoint(f"{url}/query")
    abandoned = [r["v"] for r in ep.select(
        f"SELECT ?v WHERE {{ GRAPH <{graph}> {{ ?v <{ABANDONED}> ?t }} }}")]
    assert len(abandoned) == 1
    assert push(tiny, f"{url}/store", graph=graph).dropped == (abandoned[0],)
    assert count(url, graph) == 585


# --- failures -----------------------------------------------------------------------


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own (so it can be stopped), in ``tmp_path / 'db'``."""
    port = _free_port()
    proc = _start(oxigraph_binary(), False, tmp_path / "db", "127.0.0.1", port, None)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url)
        yield url, proc
    finally:
        _stop(proc)


def test_a_stopped_server_gives_one_line_and_exit_1(own_server):
    url, proc = own_server
    graph = "urn:lineage:test:stopped"
    pushed(url, TINY, graph)
    assert remote(url, graph, "ancestry", "Vicuna").exit_code == 0
    _stop(proc)
    for r in (remote(url, graph, "ancestry", "Vicuna"),
              remote(url, graph, "sparql", "ASK { ?s ?p ?o }"),
              local(TINY, "push", "--endpoint", f"{url}/store", "--graph", graph)):
        assert r.exit_code == 1
        assert r.stderr.startswith(f"Error: cannot reach the SPARQL server at {url}/")
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_a_server_stopped_in_the_middle_of_a_push(own_server, monkeypatch):
    """The upload fails with one line; the graph on disk keeps the old version."""
    from graph.store import open_store

    url, proc = own_server
    graph = "urn:lineage:test:midway"
    push(open_store([TINY], shipped=False, store=":memory:"), f"{url}/store", graph=graph)
    S = open_store()
    from graph import rdf

    real = rdf.iter_ntriples

    def cut(*args, **kw):
        for i, chunk in enumerate(real(*args, **kw)):
            if i == 100:
                _stop(proc)  # the server goes away mid-upload
            yield chunk

    monkeypatch.setattr(rdf, "iter_ntriples", cut)
    with pytest.raises(EndpointError, match="cannot reach the SPARQL server"):
        push(S, f"{url}/store", graph=graph)  # (a push whose upload the server cuts off)
    out = subprocess.run([oxigraph_binary(), "query", "--location", proc.args[3],
                          "--query", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                          f"{{ <{graph}> <{CURRENT_VERSION}> ?v }} GRAPH ?v {{ ?s ?p ?o }} }}",
                          "--results-format", "csv"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "585"


def test_an_error_answer_and_a_read_only_server(tmp_path):
    port = _free_port()
    db = tmp_path / "db"
    loader = _start(oxigraph_binary(), False, db, "127.0.0.1", port, None)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(loader, url)
        pushed(url, TINY, "urn:lineage:test:ro")
    finally:
        _stop(loader)
    proc = _start(oxigraph_binary(), True, db, "127.0.0.1", port, None)
    try:
        _wait_ready(proc, url)
        r = local(TINY, "push", "--endpoint", f"{url}/store", "--graph", "urn:lineage:test:ro")
        assert r.exit_code == 1
        assert r.stderr.startswith(f"Error: {url}/update refused the request (HTTP 403")
        assert remote(url, "urn:lineage:test:ro", "show", "Vicuna").exit_code == 0
        r = remote(url, "urn:lineage:test:nothing", "show", "Vicuna")
        assert r.exit_code == 1 and "holds no lineage records" in r.stderr
        r = cli("--endpoint", f"{url}/no-such-path", "show", "Vicuna")
        assert r.exit_code == 1 and "answered HTTP 404" in r.stderr
    finally:
        _stop(proc)


@pytest.mark.parametrize("args, message", [
    (["push", "--endpoint", "file:///etc/passwd"], "is not an http(s) URL"),
    (["push", "--endpoint", "ftp://127.0.0.1/store"], "is not an http(s) URL"),
    (["push", "--endpoint", "http://127.0.0.1:1/store\r\nX-Injected: 1"], "control characters"),
    (["push", "--endpoint", "http://user:secret@127.0.0.1:1/store"], "inside the URL is refused"),
    (["push", "--endpoint", "http://127.0.0.1:1/store#x"], "fragment"),
    (["push", "--endpoint", "http://127.0.0.1:1/store", "--graph", "http://x/> } ; DROP ALL ; #"],
     "is not a usable graph IRI"),
    (["push", "--endpoint", "http://127.0.0.1:1/store", "--graph", "not an iri"],
     "is not a usable graph IRI"),
    (["push", "--endpoint", "http://127.0.0.1:1/store", "--graph", "urn:x\nDROP"],
     "is not a usable graph IRI"),
    (["--endpoint", "javascript:alert(1)", "show", "x"], "is not an http(s) URL"),
    (["--endpoint", "http://127.0.0.1:1/q", "--graph", "http://a/b>c", "show", "x"],
     "is not a usable graph IRI"),
    (["--endpoint", "http://127.0.0.1:1/q", "--store", "kb.db", "show", "x"],
     "cannot be combined"),
])
def test_hostile_urls_and_graph_iris_are_refused(args, message):
    r = cli(*args)
    assert r.exit_code == 1 and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "secret" not in r.output


# --- credentials --------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []
    delay = 0.0

    def _answer(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        type(self).seen.append(dict(self.headers))
        time.sleep(type(self).delay)
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_GET = _answer

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def recorder():
    _Recorder.seen = []
    _Recorder.delay = 0.0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


SECRET = "s3cret-Pa55word"


def test_credentials_are_sent_but_never_printed_nor_in_process_listings(recorder, tmp_path):
    env = {**os.environ, "LINEAGE_ENDPOINT_USER": "alice", "LINEAGE_ENDPOINT_PASSWORD": SECRET,
           "LINEAGE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("LINEAGE_STORE", None)
    _Recorder.delay = 1.5
    cmds = [[sys.executable, "-m", "cli", "--endpoint", f"{recorder}/query", "show", "x"],
            [sys.executable, "-m", "cli", "--no-shipped", "--data-dir", str(TINY), "push",
             "--endpoint", f"{recorder}/store"]]
    for cmd in cmds:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # the request is in flight: look at every process's command line
        listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert SECRET not in listing
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 1
        assert "refused the request (HTTP 401: the credentials given were refused)" in err
        assert SECRET not in out + err and "alice" not in out + err
    want = "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert len(_Recorder.seen) >= 2  # (a push also tries to drop its staging graph)
    assert all(h.get("Authorization") == want for h in _Recorder.seen)


def test_a_slow_server_is_given_up_on_after_the_time_limit(recorder):
    """The client bounds the wait (a server that never answers; a real runaway query
    is stopped by the server's own limit, 'lineage serve --timeout')."""
    _Recorder.delay = 3.0
    start = time.monotonic()
    r = cli("--endpoint", f"{recorder}/query", "sparql", "SELECT * WHERE { ?s ?p ?o }",
            "--timeout", "1")
    assert r.exit_code == 1 and "ran longer than 1 seconds" in r.stderr
    assert time.monotonic() - start < 2.9


def test_token_and_netrc_credentials(recorder, tmp_path, monkeypatch):
    monkeypatch.setenv("LINEAGE_ENDPOINT_TOKEN", SECRET)
    r = cli("--endpoint", f"{recorder}/query", "show", "x")
    assert r.exit_code == 1 and SECRET not in r.output
    monkeypatch.delenv("LINEAGE_ENDPOINT_TOKEN")
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login bob password {SECRET}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    r = cli("--endpoint", f"{recorder}/query", "show", "x")
    assert r.exit_code == 1 and SECRET not in r.output
    assert [h.get("Authorization") for h in _Recorder.seen] == [
        f"Bearer {SECRET}", "Basic " + base64.b64encode(f"bob:{SECRET}".encode()).decode()]


def test_credentials_never_travel_unencrypted_to_another_machine(monkeypatch):
    monkeypatch.setenv("LINEAGE_ENDPOINT_USER", "alice")
    monkeypatch.setenv("LINEAGE_ENDPOINT_PASSWORD", SECRET)
    r = cli("--endpoint", "http://kg.example.invalid/query", "show", "x")
    assert r.exit_code == 1 and "credentials would travel unencrypted" in r.stderr
    assert SECRET not in r.output


def test_a_redirect_is_not_followed(tmp_path):
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", "http://elsewhere.example/sparql?token=x")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r = cli("--endpoint", f"http://127.0.0.1:{server.server_address[1]}/q", "show", "x")
        assert r.exit_code == 1
        assert "redirect (HTTP 302) to http://elsewhere.example/sparql; redirects are not " \
               "followed" in r.stderr
    finally:
        server.shutdown()
        server.server_close()


# --- lineage serve ------------------------------------------------------------------


def _serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, list[str], str]:
    port = _free_port()
    env = {**os.environ, "LINEAGE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("LINEAGE_STORE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "--no-shipped", "--data-dir", str(TINY), "serve",
         "--port", str(port), *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Stop with Ctrl-C."):
            return proc, lines, f"http://127.0.0.1:{port}"
    proc.kill()
    raise AssertionError(f"serve did not start: {lines} {proc.stderr.read()}")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_the_urls_answers_and_stops_cleanly(tmp_path, how):
    db = tmp_path / "db"
    proc, lines, url = _serve(tmp_path, "--location", str(db))
    try:
        assert lines[1].startswith("Serving 22 records (585 triples) in graph "
                                   "<https://w3id.org/llm-lineage/graph> at " + url)
        assert f"  SPARQL query:   {url}/query" in lines
        assert f"  SPARQL update:  {url}/update" in lines
        assert f"  Graph store:    {url}/store" in lines
        r = cli("--endpoint", f"{url}/query", "ancestry", "Vicuna")
        assert r.exit_code == 0 and r.stdout == local(TINY, "ancestry", "Vicuna").stdout
    finally:
        proc.send_signal(how)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.rstrip().endswith(f"Stopped. The data stays in {db}.")
    # the data directory is consistent: another server opens it and finds the whole graph
    got = subprocess.run([oxigraph_binary(), "query", "--location", str(db), "--query",
                          "PREFIX lineage: <https://w3id.org/llm-lineage/vocab#>\n"
                          "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?g lineage:currentVersion "
                          "?v } GRAPH ?v { ?s ?p ?o } }", "--results-format", "csv"],
                         capture_output=True, text=True, timeout=60)
    assert got.returncode == 0 and got.stdout.split()[-1] == "585"


def test_serve_read_only_refuses_uploads(tmp_path):
    proc, lines, url = _serve(tmp_path, "--read-only")
    try:
        assert "(read-only)" in lines[1] and not any("SPARQL update" in ln for ln in lines)
        assert cli("--endpoint", f"{url}/query", "show", "Vicuna").exit_code == 0
        r = local(TINY, "push", "--endpoint", f"{url}/store")
        assert r.exit_code == 1 and "refused the request (HTTP 403" in r.stderr
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert proc.returncode == 0
