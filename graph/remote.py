"""Talking to a SPARQL 1.1 server: the Protocol (queries, updates) and the Graph Store
HTTP Protocol (uploading a graph), with the standard library only.

Any SPARQL 1.1 store speaks these (Oxigraph, Apache Jena Fuseki, QLever, Virtuoso,
GraphDB, Amazon Neptune ...); see ``docs/server.md``. What this module guarantees:

* URLs and graph IRIs are checked before anything is sent: only ``http``/``https``,
  no user name or password inside a URL, no spaces, quotes or angle brackets;
* credentials come from the environment (``LINEAGE_ENDPOINT_TOKEN``, or
  ``LINEAGE_ENDPOINT_USER`` and ``LINEAGE_ENDPOINT_PASSWORD``) or ``~/.netrc``,
  never from the command line, and are never printed; they are not sent over plain
  ``http`` to another machine (set ``LINEAGE_ENDPOINT_ALLOW_HTTP=1`` to allow it);
* redirects are not followed (a redirect could carry the credentials elsewhere);
* every request has a time limit, and every failure is one :class:`EndpointError`
  line that says what to do.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, quote, urlencode, urlsplit

from lineage.errors import LineageError, QueryLimitError, QueryTimeoutError

__all__ = ["EndpointError", "Endpoint", "check_url", "check_graph_iri", "ENV_ENDPOINT",
           "ENV_GRAPH", "DEFAULT_GRAPH", "ENV_USER", "ENV_PASSWORD", "ENV_TOKEN",
           "ENV_ALLOW_HTTP", "redact"]

ENV_ENDPOINT = "LINEAGE_ENDPOINT"
"""Environment variable naming the SPARQL query endpoint every query command reads."""
ENV_GRAPH = "LINEAGE_GRAPH"
"""Environment variable naming the graph (an IRI) on the server."""
ENV_USER, ENV_PASSWORD, ENV_TOKEN = ("LINEAGE_ENDPOINT_USER", "LINEAGE_ENDPOINT_PASSWORD",
                                     "LINEAGE_ENDPOINT_TOKEN")
ENV_ALLOW_HTTP = "LINEAGE_ENDPOINT_ALLOW_HTTP"

DEFAULT_GRAPH = "https://w3id.org/llm-lineage/graph"

_VOCAB = "https://w3id.org/llm-lineage/vocab#"
CURRENT_VERSION = _VOCAB + "currentVersion"
"""``<GRAPH> lineage:currentVersion <GRAPH/v/...>`` in ``<GRAPH>``: the named graph that
holds the current version of GRAPH (written by ``lineage push``, see
:mod:`graph.server`)."""
PREVIOUS_VERSION = _VOCAB + "previousVersion"
LOAD_STARTED = _VOCAB + "loadStarted"
LOADED = _VOCAB + "loaded"
ABANDONED = _VOCAB + "abandoned"  # a push failed while loading this version
"""The named graph ``lineage push`` replaces and the query commands read by default."""

_UNSAFE = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f]")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`\x7f]+$")
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


class EndpointError(LineageError):
    """A SPARQL server that cannot be reached, refuses, or answers with an error."""


def redact(url: str) -> str:
    """``url`` without any user information or query string, for messages.

    >>> redact("https://me:secret@example.org/sparql?token=x")
    'https://example.org/sparql'
    """
    try:
        p = urlsplit(url)
    except ValueError:
        return "<unusable URL>"
    host = p.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{p.port}" if p.port else ""
    except ValueError:
        port = ""
    return f"{p.scheme}://{host}{port}{p.path}"


def check_url(url: str, what: str = "--endpoint") -> SplitResult:
    """Parse an endpoint URL, or raise :class:`EndpointError` saying why it is refused.

    >>> check_url("http://127.0.0.1:7878/query").port
    7878
    >>> check_url("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    graph.remote.EndpointError: --endpoint: 'file:///etc/passwd' is not an http(s) URL. Give the server's SPARQL URL, e.g. http://127.0.0.1:7878/query.
    >>> check_url("https://me:pw@example.org/sparql")
    Traceback (most recent call last):
    ...
    graph.remote.EndpointError: --endpoint: a user name or password inside the URL is refused (it would show in process listings and shell history). Give the URL without them and set LINEAGE_ENDPOINT_USER and LINEAGE_ENDPOINT_PASSWORD (or LINEAGE_ENDPOINT_TOKEN, or a ~/.netrc entry).
    """
    example = "Give the server's SPARQL URL, e.g. http://127.0.0.1:7878/query."
    if not isinstance(url, str) or not url or len(url) > 2000:
        raise EndpointError(f"{what}: an endpoint URL is needed. {example}")
    shown = url if len(url) <= 80 else url[:77] + "..."
    if _UNSAFE.search(url):
        raise EndpointError(f"{what}: {shown!r} contains spaces, control characters, quotes "
                            f"or angle brackets. {example}")
    try:
        p = urlsplit(url)
        port = p.port
    except ValueError as e:
        raise EndpointError(f"{what}: {redact(url)!r} is not a usable URL ({e}). "
                            f"{example}") from None
    if p.scheme not in ("http", "https"):
        raise EndpointError(f"{what}: {shown!r} is not an http(s) URL. {example}")
    if p.username is not None or p.password is not None or "@" in p.netloc:
        raise EndpointError(
            f"{what}: a user name or password inside the URL is refused (it would show in "
            f"process listings and shell history). Give the URL without them and set "
            f"{ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN}, or a ~/.netrc entry).")
    if not p.hostname:
        raise EndpointError(f"{what}: {shown!r} names no host. {example}")
    if p.fragment:
        raise EndpointError(f"{what}: {shown!r} has a '#' fragment, which is never sent to a "
                            f"server. Remove it.")
    del port
    return p


def check_graph_iri(iri: str, what: str = "--graph") -> str:
    """Return ``iri`` if it is a usable absolute graph IRI, else raise :class:`EndpointError`.

    >>> check_graph_iri("https://example.org/graphs/lineage")
    'https://example.org/graphs/lineage'
    >>> check_graph_iri("http://x/> } ; DROP ALL ; #")
    Traceback (most recent call last):
    ...
    graph.remote.EndpointError: --graph: 'http://x/> } ; DROP ALL ; #' is not a usable graph IRI. Give an absolute IRI with no spaces, quotes or angle brackets, e.g. https://w3id.org/llm-lineage/graph.
    """
    if not isinstance(iri, str) or len(iri) > 2000 or not _IRI.match(iri):
        shown = iri if not isinstance(iri, str) or len(iri) <= 80 else iri[:77] + "..."
        raise EndpointError(
            f"{what}: {shown!r} is not a usable graph IRI. Give an absolute IRI with no spaces, "
            f"quotes or angle brackets, e.g. {DEFAULT_GRAPH}.")
    return iri


def _netrc_auth(host: str) -> tuple[str, str] | None:
    import netrc

    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError) as e:
        raise EndpointError(f"cannot read {path}: {getattr(e, 'msg', e)}. Fix the file, or "
                            f"set {ENV_USER} and {ENV_PASSWORD} instead.") from None
    if entry is None:
        return None
    login, _, password = entry
    return (login or "", password or "")


def _authorization(p: SplitResult) -> str | None:
    """The ``Authorization`` header for ``p``'s host, from the environment or ~/.netrc."""
    token = os.environ.get(ENV_TOKEN)
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    header = None
    if token:
        header = f"Bearer {token}"
    elif user is not None or password is not None:
        raw = f"{user or ''}:{password or ''}".encode()
        header = "Basic " + base64.b64encode(raw).decode("ascii")
    else:
        found = _netrc_auth(p.hostname or "")
        if found is not None:
            header = "Basic " + base64.b64encode(f"{found[0]}:{found[1]}".encode()).decode()
    if header is not None and p.scheme == "http" and (p.hostname or "") not in _LOOPBACK \
            and os.environ.get(ENV_ALLOW_HTTP, "") not in ("1", "yes", "true"):
        raise EndpointError(
            f"credentials would travel unencrypted to {p.hostname} over http. Use an https:// "
            f"URL, or set {ENV_ALLOW_HTTP}=1 on a network you trust.")
    return header


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes


class Endpoint:
    """One SPARQL server URL: ``select``/``ask``/``construct`` for a query endpoint,
    ``update`` for an update endpoint, ``put_graph`` for a Graph Store endpoint.

    ``graph`` (an IRI) is the dataset's default graph for queries (sent as
    ``default-graph-uri``); None queries the server's default graph.
    """

    def __init__(self, url: str, *, graph: str | None = None, timeout: float = 30.0,
                 what: str = "--endpoint") -> None:
        self.parts = check_url(url, what)
        self.url = url
        self.graph = None if graph is None else check_graph_iri(graph)
        if not timeout > 0:
            raise EndpointError(f"the time limit must be positive, not {timeout!r}.")
        self.timeout = float(timeout)
        self._auth = _authorization(self.parts)
        self._conn: http.client.HTTPConnection | None = None
        self.requests = 0

    @property
    def shown(self) -> str:
        return redact(self.url)

    # --- the connection --------------------------------------------------------
    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        p = self.parts
        if p.scheme == "https":
            return http.client.HTTPSConnection(p.hostname, p.port, timeout=timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(p.hostname, p.port, timeout=timeout)

    def _target(self, params: dict[str, str] | None) -> str:
        path = self.parts.path or "/"
        query = self.parts.query
        if params:
            extra = urlencode(params, quote_via=quote)
            query = f"{query}&{extra}" if query else extra
        return f"{path}?{query}" if query else path

    def request(self, method: str, params: dict[str, str] | None = None, *,
                body: bytes | Iterable[bytes] | None = None,
                headers: dict[str, str] | None = None, timeout: float | None = None,
                max_bytes: int | None = None, keep: bool = True) -> Response:
        """Send one request; return the answer or raise :class:`EndpointError` (one line)."""
        hdrs = {"User-Agent": "llm-lineage", **(headers or {})}
        if self._auth is not None:
            hdrs["Authorization"] = self._auth
        streamed = body is not None and not isinstance(body, bytes)
        limit = self.timeout if timeout is None else timeout
        for attempt in (0, 1):
            conn = self._conn if (keep and self._conn is not None and not streamed) else None
            fresh = conn is None
            if fresh:
                conn = self._connect(limit)
            else:
                conn.timeout = limit
                if conn.sock is not None:
                    conn.sock.settimeout(limit)
            try:
                conn.request(method, self._target(params), body=body, headers=hdrs,
                             encode_chunked=streamed)
                resp = conn.getresponse()
                data = self._read(resp, max_bytes)
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected,
                    http.client.CannotSendRequest) as e:
                conn.close()
                self._conn = None
                if not fresh and attempt == 0:
                    continue  # a kept-alive connection the server closed: once more
                raise self._down(e) from None
            except TimeoutError:  # (socket.timeout is TimeoutError)
                conn.close()
                self._conn = None
                if method == "POST" and "update" not in hdrs.get("Content-Type", ""):
                    raise QueryTimeoutError(limit) from None
                raise EndpointError(f"{self.shown} did not answer within {limit:g} seconds. "
                                    "Allow more with --timeout SECONDS, or check the "
                                    "server.") from None
            except OSError as e:
                conn.close()
                self._conn = None
                raise self._down(e) from None
            except http.client.HTTPException as e:
                conn.close()
                self._conn = None
                raise EndpointError(f"{self.shown} sent an answer that is not HTTP ({e}). "
                                    "Check the URL.") from None
            self.requests += 1
            if keep and not streamed and not resp.will_close:
                self._conn = conn
            else:
                conn.close()
                if self._conn is conn:
                    self._conn = None
            out = Response(resp.status, resp.getheader("Content-Type", "") or "", data)
            self._check_status(out, resp)
            return out
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, resp: http.client.HTTPResponse, max_bytes: int | None) -> bytes:
        if max_bytes is None:
            return resp.read()
        chunks = []
        total = 0
        while True:
            chunk = resp.read1(1 << 16) if hasattr(resp, "read1") else resp.read(1 << 16)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > max_bytes:
                resp.close()
                raise _TooBig()
            chunks.append(chunk)

    def _down(self, e: BaseException) -> EndpointError:
        why = getattr(e, "strerror", None) or type(e).__name__
        if isinstance(e, ConnectionRefusedError):
            why = "connection refused"
        elif isinstance(e, socket.gaierror):
            why = "unknown host"
        elif isinstance(e, ssl.SSLError):
            why = f"TLS error: {e.reason or e}"
        elif isinstance(e, (ConnectionResetError, http.client.RemoteDisconnected,
                            BrokenPipeError)):
            why = "the server closed the connection"
        return EndpointError(f"cannot reach the SPARQL server at {self.shown} ({why}). Check "
                             "that it runs ('lineage serve' starts one) and the URL.")

    def _check_status(self, r: Response, resp: http.client.HTTPResponse) -> None:
        if 200 <= r.status < 300:
            return
        if 300 <= r.status < 400:
            where = resp.getheader("Location", "") or ""
            raise EndpointError(
                f"{self.shown} answered with a redirect (HTTP {r.status}) to "
                f"{redact(where) if where else 'another address'}; redirects are not followed "
                "(they could carry your credentials elsewhere). Give that URL instead.")
        detail = " ".join(r.body[:2000].decode("utf-8", "replace").split())[:240]
        if r.status == 401:
            has = "the credentials given were refused" if self._auth else "no credentials given"
            raise EndpointError(
                f"{self.shown} refused the request (HTTP 401: {has}). Set "
                f"{ENV_USER} and {ENV_PASSWORD}, or {ENV_TOKEN}, or add a ~/.netrc entry for "
                f"{self.parts.hostname}.")
        if r.status == 403:
            raise EndpointError(
                f"{self.shown} refused the request (HTTP 403" + (f": {detail}" if detail else "")
                + "). Check that the server accepts it (a read-only server refuses uploads) "
                "and your credentials.")
        raise EndpointError(f"{self.shown} answered HTTP {r.status}"
                            + (f": {detail}" if detail else "") + ".")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- SPARQL 1.1 Protocol ----------------------------------------------------
    def _query(self, text: str, accept: str, *, timeout: float | None = None,
               max_bytes: int | None = None) -> Response:
        params = {"default-graph-uri": self.graph} if self.graph else None
        return self.request("POST", params, body=text.encode("utf-8"),
                            headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                     "Accept": accept},
                            timeout=timeout, max_bytes=max_bytes)

    def results(self, text: str, *, timeout: float | None = None,
                max_bytes: int | None = None) -> dict[str, Any]:
        """A SELECT or ASK answer as SPARQL 1.1 Query Results JSON."""
        try:
            r = self._query(text, "application/sparql-results+json", timeout=timeout,
                            max_bytes=max_bytes)
        except _TooBig:
            raise QueryLimitError(max_bytes or 0, "bytes") from None
        try:
            return json.loads(r.body)
        except ValueError:
            raise EndpointError(f"{self.shown} did not answer with SPARQL results JSON "
                                f"(Content-Type {r.content_type or 'none'}). Is it the "
                                "query endpoint?") from None

    def select(self, text: str, **kw: Any) -> Iterator[dict[str, str]]:
        """The rows of a SELECT: each a dict of variable -> value (lexical form or IRI)."""
        doc = self.results(text, **kw)
        for b in doc.get("results", {}).get("bindings", ()):
            yield {k: v["value"] for k, v in b.items()}

    def ask(self, text: str, **kw: Any) -> bool:
        return bool(self.results(text, **kw).get("boolean"))

    def construct(self, text: str, *, timeout: float | None = None,
                  max_bytes: int | None = None) -> bytes:
        """A CONSTRUCT or DESCRIBE answer as N-Triples."""
        try:
            r = self._query(text, "application/n-triples", timeout=timeout, max_bytes=max_bytes)
        except _TooBig:
            raise QueryLimitError(max_bytes or 0, "bytes") from None
        return r.body

    def update(self, text: str, *, timeout: float | None = None) -> None:
        """Run a SPARQL Update (this URL is the update endpoint)."""
        self.request("POST", None, body=text.encode("utf-8"),
                     headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                     timeout=timeout, keep=False)

    # --- Graph Store HTTP Protocol ---------------------------------------------
    def put_graph(self, graph: str, chunks: Iterable[str], *,
                  timeout: float | None = None, bulk: bool = False) -> int:
        """Replace ``graph`` with the N-Triples ``chunks`` in one streamed PUT (chunked
        transfer encoding: nothing is held in memory). Returns the bytes sent.

        ``bulk`` asks an Oxigraph server to load without a transaction (its bulk
        loader: far less memory), for a private staging graph no reader sees."""
        check_graph_iri(graph)
        sent = [0]

        def body() -> Iterator[bytes]:
            buf: list[bytes] = []
            size = 0
            for chunk in chunks:
                data = chunk.encode("utf-8")
                buf.append(data)
                size += len(data)
                if size >= 1 << 20:
                    sent[0] += size
                    yield b"".join(buf)
                    buf, size = [], 0
            if buf:
                sent[0] += size
                yield b"".join(buf)

        params = {"graph": graph, **({"no_transaction": ""} if bulk else {})}
        self.request("PUT", params, body=body(),
                     headers={"Content-Type": "application/n-triples; charset=utf-8"},
                     timeout=timeout, keep=False)
        return sent[0]


class _TooBig(Exception):
    """An answer longer than the caller allows."""


# --- lineage sparql --endpoint ---------------------------------------------------------


def _term(t: dict[str, str]) -> Any:
    from rdflib import BNode, Literal, URIRef

    kind = t.get("type")
    if kind == "uri":
        return URIRef(t["value"])
    if kind == "bnode":
        return BNode(t["value"])
    dt = t.get("datatype")
    return Literal(t["value"], lang=t.get("xml:lang"), datatype=URIRef(dt) if dt else None)


def resolve_graph(ep: Endpoint) -> str:
    """Point ``ep`` at the current version of its graph and return that graph's IRI.

    ``lineage push`` loads each version into a graph of its own and then moves one
    pointer triple, ``<GRAPH> lineage:currentVersion <VERSION>``, kept in ``<GRAPH>``
    (see :mod:`graph.server`); a reader resolves it once and reads that version,
    which stays whole until the push after next. A graph without a pointer is read
    as it is."""
    if ep.graph is None:
        return ""
    rows = list(ep.select(f"SELECT ?v WHERE {{ <{ep.graph}> <{CURRENT_VERSION}> ?v }} "
                          "LIMIT 1"))
    if rows:
        try:
            ep.graph = check_graph_iri(rows[0]["v"])
        except EndpointError:
            pass  # not one of ours: read the graph itself
    return ep.graph


def remote_sparql(url: str, query: str, *, graph: str | None = None, base: str | None = None,
                  timeout: float | None = 30.0, max_rows: int | None = 10_000) -> Any:
    """Run a read-only query on the server at ``url`` over ``graph``; a
    :class:`graph.sparql.SparqlResult` as the in-process :func:`graph.sparql.sparql` gives.

    The query is checked here first exactly as the embedded one (no UPDATE, SERVICE
    or FROM); the export's prefixes are predeclared. The client bounds the answer:
    ``timeout`` seconds of waiting (the server keeps its own limit, see
    ``lineage serve``) and ``max_rows`` rows or triples (and at most 4 KB a row on the
    wire, so a runaway answer is cut off while it streams).

    Raises
    ------
    ReadOnlyQueryError, QueryError, QueryTimeoutError, QueryLimitError, EndpointError
    """
    import rdflib

    from .ns import DEFAULT_BASE
    from .sparql import SparqlResult, _graph_result, _namespaces, prepare

    base = base or DEFAULT_BASE
    kind, _ = prepare(query, base=base)
    ns = _namespaces(base)
    text = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in ns.items()) + query
    ep = Endpoint(url, graph=graph or DEFAULT_GRAPH, timeout=timeout or 24 * 3600.0)
    cap = None if max_rows is None else max(1 << 20, (max_rows + 1) * 4096)
    try:
        resolve_graph(ep)
        if kind == "graph":
            data = ep.construct(text, max_bytes=cap)
            g = rdflib.Graph(bind_namespaces="none")
            g.parse(data=data.decode("utf-8"), format="nt")
            if max_rows is not None and len(g) > max_rows:
                raise QueryLimitError(max_rows, "triples")
            return _graph_result(g, ns)
        try:
            doc = ep.results(text, max_bytes=cap)
        except QueryLimitError:
            raise QueryLimitError(max_rows or 0) from None
    finally:
        ep.close()
    if kind == "ask":
        return SparqlResult("ask", boolean=bool(doc.get("boolean")), namespaces=ns)
    variables = list(doc.get("head", {}).get("vars", []))
    bindings = doc.get("results", {}).get("bindings", [])
    if max_rows is not None and len(bindings) > max_rows:
        raise QueryLimitError(max_rows)
    rows = [tuple(_term(b[v]) if v in b else None for v in variables) for b in bindings]
    return SparqlResult("select", variables=variables, rows=rows, namespaces=ns)
