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
>>> from graph.query import example_graph
>>> r = sparql(example_graph(), "SELECT ?a WHERE { kb:alpaca-7b prov:wasDerivedFrom+ ?a } ORDER BY ?a")
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
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lineage.errors import QueryError, ReadOnlyQueryError

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


def sparql(source: Any, query: str, *, base: str = DEFAULT_BASE) -> SparqlResult:
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

    Returns
    -------
    SparqlResult

    Raises
    ------
    ReadOnlyQueryError, QueryError
    """
    import rdflib

    from .rdf import check_base, to_graph

    check_base(base)
    kind, prepared = prepare(query, base=base)
    g = source if isinstance(source, rdflib.Graph) else to_graph(source, base=base)
    try:
        res = g.query(prepared)
        ns = _namespaces(base)
        if kind == "ask":
            return SparqlResult("ask", boolean=bool(res.askAnswer), namespaces=ns)
        if kind == "graph":
            out = rdflib.Graph(bind_namespaces="none")
            for prefix, iri in ns.items():
                out.bind(prefix, iri, override=True, replace=True)
            for t in res:
                out.add(t)
            return SparqlResult("graph", graph=out, namespaces=ns)
        variables = [str(v) for v in (res.vars or [])]
        rows = [tuple(row) for row in res]
    except (ReadOnlyQueryError, QueryError):  # pragma: no cover
        raise
    except Exception as e:  # evaluation errors from rdflib
        raise QueryError(f"the query failed: {' '.join(str(e).split())}. Fix the query.") from None
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
            w.writerow([str(x) for x in t])
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
        w.writerow(["" if t is None else str(t) for t in row])
    return buf.getvalue()
