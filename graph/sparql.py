"""Read-only SPARQL over the knowledge graph, in-process.

The graph queried is the RDF export of :mod:`graph.rdf` (the same records the
other commands read), built in memory with rdflib. Every prefix of the export
is predeclared (``lineage:``, ``prov:``, ``schema:``, ``fair4ml:``, ``kb:`` for
the records ...), so queries need no ``PREFIX`` lines.

A query is parsed with rdflib's SPARQL parser first: only SELECT, ASK,
CONSTRUCT and DESCRIBE run. A SPARQL UPDATE (INSERT, DELETE, LOAD, CLEAR ...)
is refused with :class:`~lineage.errors.ReadOnlyQueryError`, and so are
``SERVICE`` and ``FROM`` clauses, which would fetch data from elsewhere.

Examples
--------
>>> from graph.query import example_store
>>> r = sparql(example_store(), "SELECT ?a WHERE { kb:alpaca-7b prov:wasDerivedFrom+ ?a } ORDER BY ?a")
>>> print(format_result(r, "table"))
a
-------------------
kb:alpaca-data
kb:llama
kb:llama-7b
kb:text-davinci-003
(4 rows)
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lineage.errors import (
    QueryError,
    QueryLimitError,
    QueryTimeoutError,
    ReadOnlyQueryError,
)

from .ns import DEFAULT_BASE, PREFIXES

if TYPE_CHECKING:
    import rdflib
    from rdflib.plugins.sparql.sparql import Query

__all__ = [
    "RESULT_FORMATS",
    "SparqlResult",
    "read_query",
    "prepare",
    "sparql",
    "format_result",
    "csv_cell",
]

RESULT_FORMATS: tuple[str, ...] = ("table", "json", "csv")
"""Output formats of :func:`format_result`."""

_QUERY_FORMS = {
    "SelectQuery": "select",
    "AskQuery": "ask",
    "ConstructQuery": "graph",
    "DescribeQuery": "graph",
}

_UPDATE_NAMES = {
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
}


@dataclass
class SparqlResult:
    """The answer to a query.

    ``kind`` is ``"select"`` (``variables`` and ``rows`` of rdflib terms, None
    where unbound), ``"ask"`` (``boolean``) or ``"graph"`` for CONSTRUCT and
    DESCRIBE (``graph``, an rdflib Graph).
    """

    kind: Literal["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: rdflib.Graph | None = None
    namespaces: dict[str, str] = field(default_factory=dict)


def read_query(text: str) -> str:
    """The query text: ``text`` itself, or the contents of ``@file.rq``.

    Raises
    ------
    QueryError
        When the file cannot be read, or the query is empty.
    """
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise QueryError(f"{path} is not UTF-8 text. Save the query as UTF-8.") from None
        except OSError as e:
            raise QueryError(f"cannot read the query file {path}: {e.strerror}. "
                             "Check the path after '@'.") from None
    if not text.strip():
        raise QueryError("the SPARQL query is empty. Give a SELECT, ASK, CONSTRUCT or "
                         "DESCRIBE query, or @file.rq.")
    return text


def _graph_result(triples: Any, ns: dict[str, str]) -> SparqlResult:
    """A CONSTRUCT/DESCRIBE answer as a graph with our prefixes bound."""
    import rdflib

    out = rdflib.Graph(bind_namespaces="none")
    for prefix, iri in ns.items():
        out.bind(prefix, iri, override=True, replace=True)
    for t in triples:
        out.add(t)
    return SparqlResult("graph", graph=out, namespaces=ns)


def _namespaces(base: str) -> dict[str, str]:
    return {**PREFIXES, "kb": base}


def _walk(node: Any):
    """Every node of rdflib's parsed-query / algebra tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        if isinstance(n, CompValue):
            stack.extend(n.values())
        elif isinstance(n, ParseResults):
            stack.extend(list(n))
        elif isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple)):
            stack.extend(n)


def prepare(query: str, *, base: str = DEFAULT_BASE) -> tuple[str, Query]:
    """Parse ``query`` and return (kind, prepared query); refuse anything not read-only.

    Raises
    ------
    ReadOnlyQueryError
        For a SPARQL UPDATE, and for SERVICE or FROM clauses.
    QueryError
        For a query that does not parse (one line: where, and what was expected).

    Examples
    --------
    >>> prepare("ASK { ?s ?p ?o }")[0]
    'ask'
    >>> prepare("INSERT DATA { kb:x rdfs:label 'x' }")
    Traceback (most recent call last):
    ...
    lineage.errors.ReadOnlyQueryError: this is a SPARQL UPDATE (INSERT DATA): lineage sparql is read-only. Change the YAML data and export again; only SELECT, ASK, CONSTRUCT and DESCRIBE queries run here.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(query)
    except ParseException as e:
        try:
            update = parseUpdate(query)
        except ParseException:
            raise QueryError(
                f"invalid SPARQL at line {e.lineno}, column {e.col}: "
                f"{' '.join(str(e.msg).split())}. Fix the query; only SELECT, ASK, CONSTRUCT "
                "and DESCRIBE queries run here."
            ) from None
        ops = [_UPDATE_NAMES.get(getattr(r, "name", ""), "UPDATE")
               for r in (update["request"] if "request" in update else [])]
        raise ReadOnlyQueryError(
            f"this is a SPARQL UPDATE ({', '.join(ops) or 'UPDATE'}): lineage sparql is "
            "read-only. Change the YAML data and export again; only SELECT, ASK, CONSTRUCT "
            "and DESCRIBE queries run here."
        ) from None
    form = parsed[1]
    kind = _QUERY_FORMS.get(getattr(form, "name", ""))
    if kind is None:  # pragma: no cover - the query grammar has only these four forms
        raise ReadOnlyQueryError("only SELECT, ASK, CONSTRUCT and DESCRIBE queries run here.")
    if "datasetClause" in form and form["datasetClause"]:
        raise ReadOnlyQueryError(
            "FROM and FROM NAMED would load other graphs: lineage sparql queries the "
            "knowledge graph only. Remove the FROM clause."
        )
    try:
        prepared = translateQuery(parsed, initNs=_namespaces(base))
    except Exception as e:  # rdflib raises bare Exception for unknown prefixes
        raise QueryError(
            f"cannot prepare the query: {' '.join(str(e).split())}. Known prefixes: "
            f"{', '.join(sorted(_namespaces(base)))}."
        ) from None
    if any(isinstance(n, CompValue) and n.name == "ServiceGraphPattern"
           for tree in (parsed, prepared.algebra) for n in _walk(tree)):
        raise ReadOnlyQueryError(
            "SERVICE would query a remote endpoint: lineage sparql runs offline over the "
            "knowledge graph only. Remove the SERVICE clause, or export the graph "
            "('lineage export rdf') and load it into your triple store."
        )
    return kind, prepared


def sparql(source: Any, query: str, *, base: str = DEFAULT_BASE,
           timeout: float | None = None, max_rows: int | None = None) -> SparqlResult:
    """Run a read-only SPARQL query over the knowledge graph of ``source``.

    Parameters
    ----------
    source : KnowledgeBase, networkx.MultiDiGraph or rdflib.Graph
        What to query: a knowledge base or lineage graph (exported with
        :func:`graph.rdf.to_graph` first; views such as ``as_of`` are
        respected), or an RDF graph as it is.
    query : str
        A SELECT, ASK, CONSTRUCT or DESCRIBE query. The export's prefixes are
        predeclared.
    base : str
        Base of record IRIs (the ``kb:`` prefix).
    timeout : float, optional
        Stop the query after this many seconds. It then runs in a separate
        process that is killed at the deadline, so even a runaway cross join
        or a catastrophic ``REGEX`` stops. ``None``: no limit, in-process.
    max_rows : int, optional
        Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) allowed; a SELECT
        stops evaluating after one more. ``None``: no limit.

    Returns
    -------
    SparqlResult

    Raises
    ------
    ReadOnlyQueryError, QueryError
    QueryTimeoutError
        When ``timeout`` passed.
    QueryLimitError
        When the result has more than ``max_rows`` rows or triples.

    Examples
    --------
    >>> from lineage.load import loads
    >>> kb = loads("[{id: base, type: model, name: Base}]")
    >>> sparql(kb, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_rows=3)
    Traceback (most recent call last):
    ...
    lineage.errors.QueryLimitError: the query returned more than 3 rows (row limit). Add LIMIT to the query, or allow more with --max-rows N.
    """
    import rdflib

    from .rdf import check_base, to_graph

    check_base(base)
    if timeout is not None and not timeout > 0:
        raise QueryError(f"the time limit must be positive, not {timeout!r}.")
    if max_rows is not None and max_rows < 1:
        raise QueryError(f"the row limit must be 1 or more, not {max_rows!r}.")
    kind, prepared = prepare(query, base=base)
    g = source if isinstance(source, rdflib.Graph) else to_graph(source, base=base)
    job = _Job(kind, query, base, max_rows, g, prepared)
    result = _evaluate(job) if timeout is None else _evaluate_stoppable(job, timeout)
    if max_rows is not None:
        if result.kind == "select" and len(result.rows) > max_rows:
            raise QueryLimitError(max_rows)
        if result.graph is not None and len(result.graph) > max_rows:
            raise QueryLimitError(max_rows, "triples")
    return result


@dataclass
class _Job:
    """One query to evaluate; ``graph``/``prepared`` are None when sent to a spawned process."""

    kind: str
    query: str
    base: str
    max_rows: int | None
    graph: Any = None
    prepared: Any = None
    ntriples: str | None = None


def _evaluate(job: _Job) -> SparqlResult:
    """Evaluate a prepared query; a SELECT stops after ``max_rows + 1`` rows."""
    import rdflib
    from rdflib.plugins.sparql.parserutils import CompValue

    g, kind, prepared = job.graph, job.kind, job.prepared
    if g is None:  # in a spawned process: rebuild the graph and the query
        g = rdflib.Graph(bind_namespaces="none")
        g.parse(data=job.ntriples, format="nt")
    if prepared is None:
        kind, prepared = prepare(job.query, base=job.base)
    if job.max_rows is not None and kind == "select":  # stop evaluating after one row more
        top = prepared.algebra
        top["p"] = CompValue("Slice", p=top["p"], start=0, length=job.max_rows + 1)
    ns = _namespaces(job.base)
    try:
        res = g.query(prepared)
        if kind == "ask":
            return SparqlResult("ask", boolean=bool(res.askAnswer), namespaces=ns)
        if kind == "graph":
            return _graph_result(res, ns)
        variables = [str(v) for v in (res.vars or [])]
        rows = [tuple(row) for row in res]
    except (ReadOnlyQueryError, QueryError):  # pragma: no cover
        raise
    except RecursionError:
        raise QueryError("the query is nested too deeply to evaluate. Simplify it.") from None
    except Exception as e:  # evaluation errors from rdflib
        raise QueryError(f"the query failed: {' '.join(str(e).split())}. Fix the query.") from None
    return SparqlResult("select", variables=variables, rows=rows, namespaces=ns)


def _worker(conn: Any, job: _Job) -> None:
    """Child process: evaluate and send back ("ok", kind, payload) or ("error", message)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    try:
        r = _evaluate(job)
        if r.kind == "graph":
            msg: tuple = ("ok", r.kind, list(r.graph or ()), None)
        else:
            msg = ("ok", r.kind, (r.variables, r.rows), r.boolean)
    except QueryError as e:
        msg = ("error", str(e))
    except BaseException as e:  # noqa: BLE001 - report anything, one line
        msg = ("error", f"the query failed: {type(e).__name__}: {' '.join(str(e).split())}. "
               "Fix the query.")
    conn.send(msg)
    conn.close()


def _evaluate_stoppable(job: _Job, timeout: float) -> SparqlResult:
    """Evaluate in a child process; kill it when ``timeout`` seconds pass."""
    import multiprocessing as mp


    if "fork" in mp.get_all_start_methods():
        ctx = mp.get_context("fork")  # the child shares the graph, nothing is copied
    else:  # pragma: no cover - Windows: send the graph as N-Triples
        ctx = mp.get_context("spawn")
        job = _Job(job.kind, job.query, job.base, job.max_rows,
                   ntriples=job.graph.serialize(format="nt"))
    for stream in (sys.stdout, sys.stderr):  # else a forked child would write it again
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(send, job), daemon=True)
    proc.start()
    send.close()
    msg: tuple | None = None
    try:
        if not receive.poll(timeout):
            raise QueryTimeoutError(timeout)
        try:
            msg = receive.recv()
        except EOFError:
            proc.join(1)
            raise QueryError(f"the query process stopped unexpectedly (exit code "
                             f"{proc.exitcode}). Simplify the query.") from None
    finally:
        receive.close()
        if msg is not None:
            proc.join(1)  # it is exiting
        if proc.is_alive():
            proc.terminate()
            proc.join(2)
            if proc.is_alive():  # pragma: no cover - ignored SIGTERM
                proc.kill()
                proc.join()
    if msg[0] == "error":
        raise QueryError(msg[1])
    _, kind, payload, boolean = msg
    ns = _namespaces(job.base)
    if kind == "ask":
        return SparqlResult("ask", boolean=boolean, namespaces=ns)
    if kind == "graph":
        return _graph_result(payload, ns)
    variables, rows = payload
    return SparqlResult("select", variables=variables, rows=rows, namespaces=ns)


# --- output -----------------------------------------------------------------


def _compact(term: Any, ns: dict[str, str]) -> str:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return ""
    if isinstance(term, URIRef):
        s = str(term)
        best = max((iri for iri in ns.values() if s.startswith(iri)), key=len, default=None)
        if best is not None:
            prefix = next(p for p, iri in ns.items() if iri == best)
            return f"{prefix}:{s[len(best):]}"
        return f"<{s}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", " ")


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _table(result: SparqlResult) -> str:
    header = result.variables
    body = [[_cell(_compact(t, result.namespaces)) for t in row] for row in result.rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    n = len(body)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    return "\n".join(lines)


def _json_term(term: Any) -> dict[str, str] | None:
    from rdflib import BNode, Literal

    if term is None:
        return None
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "uri", "value": str(term)}


def format_result(result: SparqlResult, fmt: str = "table") -> str:
    """Render a result as ``table`` (aligned text), ``json`` or ``csv``.

    SELECT results follow the SPARQL 1.1 Query Results JSON and CSV formats;
    ASK gives ``true``/``false`` (``{"head": {}, "boolean": ...}`` in JSON);
    CONSTRUCT and DESCRIBE give Turtle (table), JSON-LD (json) or
    ``subject,predicate,object`` rows (csv).

    Raises
    ------
    QueryError
        For an unknown format.
    """
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown result format {fmt!r}. Use one of: {', '.join(RESULT_FORMATS)}.")
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean})
        if fmt == "csv":
            return f"boolean\r\n{str(result.boolean).lower()}\r\n"
        return str(result.boolean).lower()
    if result.kind == "graph":
        import rdflib

        g = result.graph if result.graph is not None else rdflib.Graph()
        if fmt == "table":
            return g.serialize(format="turtle")
        if fmt == "json":
            return g.serialize(format="json-ld", context=result.namespaces, indent=2,
                               ensure_ascii=False)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["subject", "predicate", "object"])
        for t in sorted(g):
            w.writerow([csv_cell(str(x)) for x in t])
        return buf.getvalue()
    if fmt == "table":
        return _table(result)
    if fmt == "json":
        bindings = []
        for row in result.rows:
            b = {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
            bindings.append(b)
        return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=2)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(result.variables)
    for row in result.rows:
        w.writerow(["" if t is None else csv_cell(str(t)) for t in row])
    return buf.getvalue()


_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def csv_cell(text: str) -> str:
    """``text`` made safe for a spreadsheet: a cell that would start a formula gets a ``'``.

    Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab
    or carriage return) as a formula, so a record name such as
    ``=HYPERLINK(...)`` could act when the CSV is opened. A plain number
    (``-0.5``) is left alone: it is read as a number, not run.

    >>> csv_cell("=1+1"), csv_cell("@SUM(A1)"), csv_cell("-2+3"), csv_cell("-0.5"), csv_cell("GPT-4")
    ("'=1+1", "'@SUM(A1)", "'-2+3", '-0.5', 'GPT-4')
    """
    if text and text[0] in "=+-@\t\r" and not _NUMBER.match(text):
        return "'" + text
    return text
