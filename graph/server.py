"""Sharing the graph: ``lineage push`` (upload the export to a SPARQL 1.1 server) and
``lineage serve`` (run an Oxigraph server loaded with it).

A push streams the N-Triples export (:func:`graph.rdf.iter_ntriples`) in one
Graph Store HTTP Protocol ``PUT``, chunk by chunk, so a million models never sit
in memory. Servers differ in how a ``PUT`` replaces a graph (Oxigraph clears the
graph, then loads: a reader in between would see it empty), and copying a large
graph inside a server (``MOVE``) is one huge transaction, so when the server's
query and update endpoints are known the push is a **versioned swap** that
copies nothing:

1. the export goes to a new named graph ``<GRAPH/v/STAMP>`` (on Oxigraph by its
   bulk loader: no transaction held in memory); no reader looks there yet;
2. one small SPARQL Update moves the pointer triple
   ``<GRAPH> lineage:currentVersion <GRAPH/v/STAMP>`` (in ``<GRAPH>`` itself),
   keeping the one before as ``lineage:previousVersion``;
3. versions older than the previous one are deleted, a bounded batch of
   triples per update (a reader that resolved the pointer just before the swap
   still reads a whole graph).

Readers (:class:`graph.store.endpoint.EndpointStore`, ``sparql --endpoint``)
resolve the pointer first (:func:`graph.remote.resolve_graph`); a graph without
a pointer (a plain ``PUT``, another tool's upload) is read as it is. Without a
known query endpoint the swap falls back to a staging graph and ``MOVE``, and
without an update endpoint to one plain ``PUT``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .remote import (
    ABANDONED,
    CURRENT_VERSION,
    DEFAULT_GRAPH,
    LOAD_STARTED,
    LOADED,
    PREVIOUS_VERSION,
    Endpoint,
    EndpointError,
    check_graph_iri,
)

__all__ = ["PushResult", "push", "update_url_for", "query_url_for", "serve", "oxigraph_binary"]

DELETE_BATCH = 100_000
"""Triples deleted per SPARQL Update when an old version is dropped (each update is
one transaction on the server: a bounded one)."""

STALE_LOAD = 24 * 3600.0
"""A version whose load started this many seconds ago and never finished (a push that
died) is dropped by the next push; a younger one may be another push under way."""


@dataclass
class PushResult:
    records: int
    triples: int
    bytes: int
    seconds: float
    atomic: bool
    version: str | None = None  # the versioned graph now current (a versioned swap)
    dropped: tuple[str, ...] = ()  # older versions deleted


def update_url_for(store_url: str) -> str | None:
    """The update endpoint beside a Graph Store endpoint, for the layouts we know.

    >>> update_url_for("http://127.0.0.1:7878/store")  # Oxigraph
    'http://127.0.0.1:7878/update'
    >>> update_url_for("https://example.org/fuseki/kg/data")  # Apache Jena Fuseki
    'https://example.org/fuseki/kg/update'
    >>> update_url_for("https://example.org/rdf-graphs/service") is None
    True
    """
    from urllib.parse import urlsplit, urlunsplit

    p = urlsplit(store_url)
    for tail in ("/store", "/data"):
        if p.path.endswith(tail):
            return urlunsplit((p.scheme, p.netloc, p.path[: -len(tail)] + "/update", p.query, ""))
    return None


def query_url_for(store_url: str) -> str | None:
    """The query endpoint beside a Graph Store endpoint, for the layouts we know.

    >>> query_url_for("http://127.0.0.1:7878/store")  # Oxigraph
    'http://127.0.0.1:7878/query'
    >>> query_url_for("https://example.org/fuseki/kg/data")  # Apache Jena Fuseki
    'https://example.org/fuseki/kg/query'
    """
    from urllib.parse import urlsplit, urlunsplit

    p = urlsplit(store_url)
    for tail in ("/store", "/data"):
        if p.path.endswith(tail):
            return urlunsplit((p.scheme, p.netloc, p.path[: -len(tail)] + "/query", p.query, ""))
    return None


def _counted(chunks: Iterator[str], counts: list[int]) -> Iterator[str]:
    """``chunks``, counting their lines (triples) in ``counts[1]`` as they go by."""
    for chunk in chunks:
        counts[1] += chunk.count("\n")
        yield chunk


def push(S: Any, endpoint: str, *, graph: str = DEFAULT_GRAPH, base: str | None = None,
         update: str | None = None, query: str | None = None, timeout: float = 600.0,
         bulk: bool = False,
         progress: Callable[[int], None] | None = None) -> PushResult:
    """Replace ``graph`` on the server at ``endpoint`` (its Graph Store URL) with the
    export of ``S``.

    ``update`` and ``query`` are the server's SPARQL Update and Query URLs (derived
    from ``endpoint`` for the Oxigraph and Fuseki layouts when None; ``""`` to do
    without): with both, the versioned swap of the module docstring; with ``update``
    alone, a staging graph and ``MOVE``; without, one plain ``PUT``. ``bulk``
    (Oxigraph): one ``PUT`` straight into ``graph`` by the server's bulk loader, no
    transaction and no swap: the leanest load of a very large graph, for a server no
    one reads yet (readers may see it partly loaded).

    Raises
    ------
    EndpointError
        A refused URL or graph IRI; a server that is down, refuses or answers an error.
    """
    from .rdf import DEFAULT_BASE, iter_ntriples

    check_graph_iri(graph)
    store_ep = Endpoint(endpoint, timeout=timeout)
    update_url = None if bulk else (update_url_for(endpoint) if update is None
                                    else (update or None))
    update_ep = Endpoint(update_url, timeout=timeout, what="--update-endpoint") \
        if update_url else None
    counts = [len(S), 0]  # records, triples
    chunks = _counted(iter_ntriples(S, base=base or DEFAULT_BASE), counts)
    if progress is not None:
        def reporting(it: Iterator[str]) -> Iterator[str]:
            shown = 0
            for chunk in it:
                yield chunk
                if counts[1] - shown >= 100_000:
                    shown = counts[1]
                    progress(shown)

        chunks = reporting(chunks)
    start = time.perf_counter()
    # Oxigraph's /store: its bulk loader fills a graph no reader sees yet
    oxigraph = store_ep.parts.path.endswith("/store")
    query_url = None if update_ep is None else (
        query_url_for(endpoint) if query is None else (query or None))
    if update_ep is None:
        sent = store_ep.put_graph(graph, chunks, timeout=timeout, bulk=bulk)
        return PushResult(counts[0], counts[1], sent, time.perf_counter() - start, False)
    if query_url is None:  # no query endpoint to resolve versions: staging graph + MOVE
        staging = f"urn:lineage:staging:{secrets.token_hex(8)}"
        try:
            sent = store_ep.put_graph(staging, chunks, timeout=timeout, bulk=oxigraph)
            update_ep.update(f"MOVE <{staging}> TO <{graph}>", timeout=timeout)
        except BaseException:
            _drop_quietly(update_ep, staging)
            raise
        return PushResult(counts[0], counts[1], sent, time.perf_counter() - start, True)
    query_ep = Endpoint(query_url, timeout=timeout, what="--query-endpoint")  # GRAPH <..>
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    version = check_graph_iri(f"{graph}/v/{stamp}-{secrets.token_hex(3)}")
    now = f'"{_now()}"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
    update_ep.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <{version}> <{LOAD_STARTED}> {now} "
                     "} }", timeout=timeout)
    try:
        sent = store_ep.put_graph(version, chunks, timeout=timeout, bulk=oxigraph)
        # the swap: one small update moves the pointer (one operation: atomic anywhere)
        update_ep.update(
            f"DELETE {{ GRAPH <{graph}> {{ <{graph}> <{CURRENT_VERSION}> ?cur . "
            f"<{graph}> <{PREVIOUS_VERSION}> ?prev }} }}\n"
            f"INSERT {{ GRAPH <{graph}> {{ <{graph}> <{CURRENT_VERSION}> <{version}> . "
            f"<{graph}> <{PREVIOUS_VERSION}> ?cur . <{version}> <{LOADED}> {now} }} }}\n"
            f"WHERE {{ OPTIONAL {{ GRAPH <{graph}> {{ <{graph}> <{CURRENT_VERSION}> ?cur }} }} "
            f"OPTIONAL {{ GRAPH <{graph}> {{ <{graph}> <{PREVIOUS_VERSION}> ?prev }} }} }}",
            timeout=timeout)
    except BaseException:
        # leave what was loaded to the next push (deleting a large graph takes a while):
        # mark it abandoned, best effort, the first error is the one to report
        try:
            update_ep.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <{version}> <{ABANDONED}> "
                             f"{now} }} }}", timeout=30)
        except Exception:  # noqa: BLE001
            pass
        raise
    try:
        dropped = prune(query_ep, update_ep, graph, timeout=timeout)
    finally:
        query_ep.close()
    return PushResult(counts[0], counts[1], sent, time.perf_counter() - start, True,
                      version, dropped)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _drop_quietly(update_ep: Endpoint, target: str) -> None:
    """After a failed push: drop its staging graph (best effort: the first error is the
    one to report)."""
    try:
        update_ep.update(f"DROP SILENT GRAPH <{target}>", timeout=60)
    except Exception:  # noqa: BLE001
        pass


def prune(query_ep: Endpoint, update_ep: Endpoint, graph: str, *,
          timeout: float = 600.0, batch: int | None = None) -> tuple[str, ...]:
    """Delete the versions of ``graph`` other than the current and the previous one (and
    loads given up by a failed push, or that died more than :data:`STALE_LOAD` ago), and
    anything else ``<graph>``
    itself still holds from before versions (a plain ``PUT``); return the versions
    deleted. Each update deletes at most ``batch`` triples, so no server holds a huge
    transaction; no reader looks at what is deleted."""
    from calendar import timegm

    batch = batch or DELETE_BATCH
    known = {CURRENT_VERSION, PREVIOUS_VERSION, LOAD_STARTED, LOADED, ABANDONED}
    keep: set[str] = set()
    started: dict[str, str] = {}
    loaded: set[str] = set()  # finished, or given up by the push that loaded it
    for r in query_ep.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o . "
                             f"FILTER(?p IN ({', '.join(f'<{p}>' for p in known)})) }} }}"):
        if r["p"] in (CURRENT_VERSION, PREVIOUS_VERSION) and r["s"] == graph:
            keep.add(r["o"])
        elif r["p"] == LOAD_STARTED:
            started[r["s"]] = r["o"]
        elif r["p"] in (LOADED, ABANDONED):
            loaded.add(r["s"])

    def stale(stamp: str) -> bool:
        try:
            t = timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            return True
        return time.time() - t > STALE_LOAD

    old = sorted(v for v, t in started.items()
                 if v not in keep and (v in loaded or stale(t)) and v.startswith(f"{graph}/v/"))
    for v in old:
        _delete_all(query_ep, update_ep, v, "", timeout, batch)
        update_ep.update(f"DROP SILENT GRAPH <{v}>; "
                         f"DELETE WHERE {{ GRAPH <{graph}> {{ <{v}> ?p ?o }} }}", timeout=timeout)
    # what <graph> held before it held versions (an upload by PUT or MOVE)
    _delete_all(query_ep, update_ep, graph,
                f"FILTER(?p NOT IN ({', '.join(f'<{p}>' for p in known)}))", timeout, batch)
    return tuple(old)


def _delete_all(query_ep: Endpoint, update_ep: Endpoint, graph: str, condition: str,
                timeout: float, batch: int) -> None:
    """Delete the triples of ``graph`` meeting ``condition``, ``batch`` per update."""
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o {condition} }}"
    while query_ep.ask(f"ASK {{ {pattern} }}", timeout=timeout):
        update_ep.update(f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ "
                         f"{{ SELECT ?s ?p ?o WHERE {{ {pattern} }} LIMIT {batch} }} }}",
                         timeout=timeout)


# --- lineage serve -------------------------------------------------------------------


def oxigraph_binary() -> str:
    """The ``oxigraph`` executable (installed by the ``server`` extra), or a one-line error."""
    beside = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise EndpointError("the Oxigraph server is not installed. Install it with: "
                            "pip install 'llm-lineage[server]' (or put 'oxigraph' on PATH).")
    return found


def _free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _wait_ready(proc: subprocess.Popen, url: str, seconds: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            last = " ".join(err.strip().splitlines()[-1:])[:300]
            raise EndpointError(f"the Oxigraph server stopped at start (exit {proc.returncode})"
                                + (f": {last}" if last else "")
                                + ". Is the port in use, or the data directory locked by "
                                "another server?")
        try:
            with urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise EndpointError(f"the Oxigraph server did not answer at {url} within {seconds:g} s.")


def _start(binary: str, read_only: bool, location: Path, host: str, port: int,
           timeout: float | None) -> subprocess.Popen:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    cmd = [binary, "serve-read-only" if read_only else "serve", "--location", str(location),
           "--bind", bind]
    if timeout:
        cmd += ["--timeout-s", str(int(max(1, timeout)))]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_die_with_parent if sys.platform == "linux" else None)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the server gets SIGTERM when the process that started it dies, even by
    SIGKILL, so no orphan keeps the port and the data directory."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class _Stop(Exception):
    """SIGTERM arrived."""


def serve(S: Any, *, location: str | None = None, host: str = "127.0.0.1", port: int = 7878,
          read_only: bool = False, graph: str = DEFAULT_GRAPH, base: str | None = None,
          query_timeout: float | None = 60.0, say: Callable[[str], None] = print,
          ready: Callable[[dict[str, str]], None] | None = None) -> int:
    """Run an Oxigraph server holding the export of ``S`` in ``graph`` until Ctrl-C or
    SIGTERM; return the exit status (0 after a clean stop).

    The data is kept in ``location`` (a directory; a temporary one, removed at the
    end, when None). It is loaded through the server itself (the push above, atomic),
    so a stop at any moment leaves the directory holding the old graph or the new
    one; the server is then stopped with SIGTERM, which Oxigraph handles by closing
    its database.
    """
    check_graph_iri(graph)
    binary = oxigraph_binary()
    made = location is None
    where = Path(tempfile.mkdtemp(prefix="lineage-oxigraph-")) if made else Path(location)
    if not made:
        if where.exists() and not where.is_dir():
            raise EndpointError(f"--location {where} is a file; give a directory for the "
                                "server's data.")
        where.mkdir(parents=True, exist_ok=True)
    proc: subprocess.Popen | None = None
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        raise _Stop()

    signal.signal(signal.SIGTERM, on_term)
    try:
        # load through a private read-write server on a free loopback port
        loader_port = _free_port()
        proc = _start(binary, False, where, "127.0.0.1", loader_port, None)
        loader = f"http://127.0.0.1:{loader_port}"
        _wait_ready(proc, loader)
        say(f"Loading the knowledge graph ({len(S):,} records) into {where} ...")
        result = push(S, loader + "/store", graph=graph, base=base, update=loader + "/update")
        _stop(proc)
        proc = None
        # compact the freshly loaded database: queries then read far fewer files (on a
        # 100k-model graph, 2-3 times faster)
        subprocess.run([binary, "optimize", "--location", str(where)], check=False,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        proc = _start(binary, read_only, where, host, port, query_timeout)
        shown_host = f"[{host}]" if ":" in host else host
        url = f"http://{shown_host}:{port}"
        _wait_ready(proc, f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown_host}:{port}")
        urls = {"query": f"{url}/query", "store": f"{url}/store"}
        if not read_only:
            urls["update"] = f"{url}/update"
        mode = "read-only" if read_only else "read-write"
        say(f"Serving {result.records:,} records ({result.triples:,} triples) in graph "
            f"<{graph}> at {url} ({mode}).")
        say(f"  SPARQL query:   {urls['query']}")
        if "update" in urls:
            say(f"  SPARQL update:  {urls['update']}")
        say(f"  Graph store:    {urls['store']}")
        say(f"Query it:  lineage --endpoint {urls['query']} ancestry NAME")
        if not read_only:
            say(f"Replace it: lineage push --endpoint {urls['store']}")
        if host not in ("127.0.0.1", "localhost", "::1") and not read_only:
            say("Warning: anyone who can reach this address may change or delete the graph "
                "(Oxigraph has no access control). Use --read-only, or keep --bind 127.0.0.1 "
                "behind a proxy that checks credentials.")
        say("Stop with Ctrl-C.")
        if ready is not None:
            ready(urls)
        while proc.poll() is None:
            try:
                proc.wait(0.5)
            except subprocess.TimeoutExpired:
                pass
        raise EndpointError(f"the Oxigraph server stopped by itself (exit {proc.returncode}).")
    except (KeyboardInterrupt, _Stop):
        say("Stopping the server ...")
        _stop(proc)
        say("Stopped." + ("" if made else f" The data stays in {where}."))
        return 0
    finally:
        _stop(proc)
        signal.signal(signal.SIGTERM, previous)
        if made:
            shutil.rmtree(where, ignore_errors=True)
