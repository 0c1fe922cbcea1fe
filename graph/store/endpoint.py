"""A store answered by a SPARQL 1.1 server holding the RDF export (see :mod:`graph.rdf`).

Every method is one or a few SPARQL queries over the Protocol (:mod:`graph.remote`),
read back into the same values the embedded stores give:

* records are found by their ``dcterms:identifier`` (so any base IRI works), node
  summaries read from ``schema:name``, ``schema:alternateName`` ... with list order
  taken from the export's ``rdf:List`` properties, edges from the qualified
  relation nodes (kind, confidence, index, sources, techniques, score);
* a closure (``ancestry``, ``descendants``) is a property path over the direct
  triples (``prov:wasDerivedFrom``, ``lineage:influencedBy`` ... ``*``, or a
  bounded ``p?/p?`` for ``--depth``), and the relations and records of a whole
  closure come in four queries sent at once, each starting from the path (see
  :meth:`EndpointStore._closure_edges`), not one request per hop; the
  breadth-first order is then rebuilt here exactly as the generic walk makes it;
* a full record (``show``) is the record's part of the graph (a ``CONSTRUCT``),
  read by the same importer as ``lineage import rdf``.

A graph of up to ``SMALL_GRAPH`` records (the curated data) is read whole once per
process, in a few queries, and names are matched here exactly as the embedded
stores match them (case, spaces and hyphens folded). On a larger graph each answer
is a targeted query, and the server matches names with a folded
``REPLACE(LCASE(...))`` scan whose candidates are checked here (no Unicode NFKC on
the server: a name written with full-width letters is found by its other labels).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from lineage.names import close_matches, normalize

from .base import (
    Edge,
    Node,
    Source,
    Store,
    category,
    describing,
    label_scores,
    next_frontier,
    node_matches,
)

__all__ = ["EndpointStore", "SMALL_GRAPH"]

SMALL_GRAPH = 5_000
"""Up to this many records, every record and relation is read once (a few queries) and
names are matched here; above, every answer is a targeted query."""

_DCT = "http://purl.org/dc/terms/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PROLOGUE = (f"PREFIX dcterms: <{_DCT}>\nPREFIX rdf: <{_RDF}>\n"
             "PREFIX lineage: <https://w3id.org/llm-lineage/vocab#>\n")
_FOLD_RE = r"[\s\-_‐‑‒–—―·・/]+"  # = lineage.names._DROP
_SOURCE_KEYS = ("quote", "locator", "field", "translation")
_EDGE_CHUNK = 2000
"""Records per relations query in a closure."""


def _lit(text: str) -> str:
    """A SPARQL string literal (JSON escapes are SPARQL escapes)."""
    return json.dumps(text, ensure_ascii=False)


def _iri(iri: str) -> str:
    return f"<{iri}>"


def _folded(var: str) -> str:
    """The server's approximation of :func:`lineage.names.normalize` (no NFKC)."""
    return f"REPLACE(LCASE(STR({var})), {_lit(_FOLD_RE)}, \"\")"


class _Vocab:
    """The IRIs the queries use, read from :mod:`graph.rdf` (one mapping, both ways)."""

    def __init__(self) -> None:
        from graph import rdf

        self.rdf = rdf
        self.ID = rdf.T_ID
        self.TYPE = rdf.T_TYPE
        attrs = {a.field: a for a in rdf.COMMON_ATTRS}
        self.NAME = attrs["name"].predicate
        self.ALIAS = attrs["aliases"].predicate
        self.ALIAS_ORDER = attrs["aliases"].order
        self.DATE = attrs["date"].predicate
        self.DESCRIPTION = attrs["description"].predicate
        self.WEIGHTS = rdf._WEIGHTS.predicate
        self.HUB = rdf._HUB.predicate
        self.HUB_ORDER = rdf._HUB.order
        self.type_by_class = dict(rdf._TYPE_BY_CLASS)
        self.weights_by_iri = dict(rdf._WEIGHTS_BY_IRI)
        self.kind_by_iri = dict(rdf._KIND_BY_IRI)
        self.kind_iri = {k: i for i, k in self.kind_by_iri.items()}
        self.conf_by_iri = dict(rdf._CONFIDENCE_BY_IRI)
        self.qualifier = rdf._qualifier
        self.direct = rdf.DIRECT
        self.qualifiers = rdf.QUALIFIERS

    def links(self, kinds: Sequence[str] | None) -> str:
        """``VALUES (?link ?tp)``: the record -> relation node -> target properties."""
        qs = self.qualifiers if kinds is None else list(dict.fromkeys(
            self.qualifier(k) for k in kinds))
        pairs = " ".join(f"({_iri(q.link)} {_iri(q.target)})" for q in qs)
        out = f"VALUES (?link ?tp) {{ {pairs} }}\n"
        if kinds is not None:
            out += "?q lineage:relationKind ?kind .\n"
            out += f"VALUES ?kind {{ {' '.join(_iri(self.kind_iri[k]) for k in kinds)} }}\n"
        else:
            out += "?q lineage:relationKind ?kind .\n"
        return out

    def link_filters(self, kinds: Sequence[str] | None) -> tuple[str, str]:
        """The same constraint as :meth:`links` as FILTERs, for patterns whose records are
        bound: a server then looks up each bound node's triples and tests them, where a
        VALUES list of predicates can make it scan every triple of each predicate. The
        first text constrains ``?link`` and ``?kind``; the second pairs ``?link`` with the
        target property ``?tp``."""
        qs = self.qualifiers if kinds is None else list(dict.fromkeys(
            self.qualifier(k) for k in kinds))
        out = f"FILTER(?link IN ({', '.join(_iri(q.link) for q in qs)}))\n"
        out += "?q lineage:relationKind ?kind .\n"
        if kinds is not None:
            out += f"FILTER(?kind IN ({', '.join(_iri(self.kind_iri[k]) for k in kinds)}))\n"
        pairs = " || ".join(f"(?link = {_iri(q.link)} && ?tp = {_iri(q.target)})" for q in qs)
        return out, f"FILTER({pairs})\n"

    def path(self, kinds: Sequence[str]) -> str:
        """A property path whose closure holds every record reached through ``kinds``:
        the direct triples written beside each relation (a few cover them all)."""
        wanted = set(kinds)
        chosen: list[str] = []
        left = set(wanted)
        candidates = {p for k in wanted for p in self.direct[k]}
        while left:
            def score(p: str, left: set[str] = left) -> tuple[int, int, str]:
                has = {k for k, ps in self.direct.items() if p in ps}
                return (len(has & left), -len(has - wanted), p)

            best = max(candidates, key=score)
            chosen.append(best)
            left -= {k for k in left if best in self.direct[k]}
        return "(" + "|".join(_iri(p) for p in sorted(chosen)) + ")"


def _ordered(values: list[Any], head: str | None, cells: dict[str, tuple[Any, str]]) -> list[Any]:
    """Values in the order of the list starting at ``head`` (as the RDF importer orders
    them: the list when it holds exactly the values, else by list position then text)."""
    listed: list[Any] = []
    seen: set[str] = set()
    cell = head
    while cell is not None and cell in cells and cell not in seen:
        seen.add(cell)
        item, rest = cells[cell]
        listed.append(item)
        cell = rest
    if listed and set(listed) == set(values):
        return listed
    pos = {v: i for i, v in reversed(list(enumerate(listed)))}
    return sorted(values, key=lambda v: (pos.get(v, len(pos)), str(v)))


class EndpointStore(Store):
    """The records and relations of one graph on a SPARQL 1.1 server.

    >>> EndpointStore("ftp://example.org/sparql")
    Traceback (most recent call last):
    ...
    graph.remote.EndpointError: --endpoint: 'ftp://example.org/sparql' is not an http(s) URL. Give the server's SPARQL URL, e.g. http://127.0.0.1:7878/query.
    """

    local = False  # a big tree is read as a whole closure (a few queries), not per record

    def __init__(self, url: str, *, graph: str | None = None, timeout: float = 60.0) -> None:
        from graph.remote import DEFAULT_GRAPH, Endpoint

        self.endpoint = Endpoint(url, graph=graph or DEFAULT_GRAPH, timeout=timeout)
        self.graph = self.endpoint.graph
        self._v: _Vocab | None = None
        self._nodes: dict[str, Node] = {}
        self._absent: set[str] = set()
        self._out: dict[str, list[Edge]] = {}
        self._in: dict[tuple[str, tuple[str, ...] | None], list[Edge]] = {}
        self._labels: dict[str, list[str]] | None = None
        self._index: dict[str, str] | None = None
        self._small: bool | None = None
        self._descriptions: dict[str, str] | None = None
        self._checked = False
        self._loaded: bool | None = None
        self._in_all: dict[str, list[Edge]] = {}
        self._items: dict[str, dict[str, Any]] = {}
        self._asked: dict[str, int] = {}
        self._iri: dict[str, str] = {}  # record id -> its IRI, as closures return them

    # --- plumbing --------------------------------------------------------------
    @property
    def v(self) -> _Vocab:
        if self._v is None:
            self._v = _Vocab()
        return self._v

    def _select(self, body: str) -> list[dict[str, str]]:
        self._check_graph()
        return list(self.endpoint.select(_PROLOGUE + body))

    def _check_graph(self) -> None:
        """Once: the graph must hold records (else every answer would be 'unknown')."""
        if self._checked:
            return
        self._checked = True
        from graph.remote import resolve_graph

        resolve_graph(self.endpoint)  # the current version, when pushed as versions
        if not self.endpoint.ask(_PROLOGUE + "ASK { ?r dcterms:identifier ?id }"):
            from graph.remote import EndpointError

            raise EndpointError(
                f"the graph <{self.graph}> on {self.endpoint.shown} holds no lineage records. "
                f"Upload them with 'lineage push --endpoint STORE-URL --graph {self.graph}', "
                "or name the graph that holds them with --graph.")

    # --- nodes -----------------------------------------------------------------
    def _node_queries(self, bind: str) -> list[str]:
        """The fields of the records ``bind`` binds to ``?x``, and their ordered lists.

        Each query is one flat pattern (no UNION): a server then joins from the
        binding instead of evaluating a branch over the whole graph.
        """
        v = self.v
        fields = ", ".join(_iri(p) for p in (v.TYPE, v.NAME, v.ALIAS, v.DATE, v.WEIGHTS, v.HUB))
        lists = f"{_iri(v.ALIAS_ORDER)}, {_iri(v.HUB_ORDER)}"
        return [
            f"SELECT ?id ?p ?o WHERE {{\n{bind}?x {_iri(v.ID)} ?id .\n"
            f"?x ?p ?o . FILTER(?p IN ({fields}))\n}}",
            f"SELECT ?id ?p ?o ?cell ?first ?rest WHERE {{\n{bind}?x {_iri(v.ID)} ?id .\n"
            f"?x ?p ?o . FILTER(?p IN ({lists}))\n"
            "?o rdf:rest* ?cell . ?cell rdf:first ?first ; rdf:rest ?rest\n}"]

    def _read_nodes(self, bind: str, rows: list[dict[str, str]] | None = None
                    ) -> dict[str, Node]:
        """The records ``bind`` binds to ``?x`` (or those of ``rows``, already read as
        :meth:`_node_queries` gives them), kept and returned as nodes."""
        v = self.v
        recs: dict[str, dict[str, Any]] = {}
        if rows is None:
            rows = [row for q in self._node_queries(bind) for row in self._select(q)]
        for row in rows:
            r = recs.setdefault(row["id"], {"types": [], "aliases": [], "hubs": [],
                                            "cells": {}, "heads": {}})
            p, o = row["p"], row["o"]
            if "cell" in row:
                r["heads"][p] = o
                r["cells"][row["cell"]] = (row["first"], row["rest"])
            elif p == v.TYPE:
                if o in v.type_by_class:
                    r["types"].append(v.type_by_class[o])
            elif p == v.NAME:
                r["name"] = o
            elif p == v.ALIAS:
                r["aliases"].append(o)
            elif p == v.DATE:
                r["date"] = o
            elif p == v.WEIGHTS:
                r["weights"] = v.weights_by_iri.get(o)
            elif p == v.HUB:
                r["hubs"].append(o)
        out = {}
        for rid, r in recs.items():
            if len(r["types"]) != 1:
                continue  # not one of our records
            aliases = _ordered(list(dict.fromkeys(r["aliases"])),
                               r["heads"].get(v.ALIAS_ORDER), r["cells"])
            hubs = _ordered(list(dict.fromkeys(r["hubs"])), r["heads"].get(v.HUB_ORDER),
                            r["cells"])
            n = Node(rid, r["types"][0], r.get("name", rid), tuple(aliases), r.get("date"),
                     r.get("weights"), tuple(hubs))
            self._nodes[rid] = out[rid] = n
        return out

    @staticmethod
    def _values(var: str, ids: Iterable[str]) -> str:
        return f"VALUES ?{var} {{ {' '.join(_lit(i) for i in ids)} }}\n"

    def _bind_ids(self, ids: Sequence[str]) -> str:
        """A pattern binding ``?x`` to the records ``ids`` and ``?xid`` to their ids: by their
        IRIs when known (a server looks each one up), else by the identifiers (a server may
        join them against every record's identifier, which is slow on a large graph)."""
        ID = _iri(self.v.ID)
        if all(i in self._iri for i in ids):
            return (f"VALUES ?x {{ {' '.join(_iri(self._iri[i]) for i in ids)} }}\n"
                    f"?x {ID} ?xid .\n")
        return self._values("xid", ids) + f"?x {ID} ?xid .\n"

    def _fetch(self, rids: Iterable[str]) -> None:
        missing = [r for r in dict.fromkeys(rids)
                   if isinstance(r, str) and r not in self._nodes and r not in self._absent]
        known = [r for r in missing if r in self._iri]
        other = [r for r in missing if r not in self._iri]
        for group in (known, other):
            for i in range(0, len(group), 2000):
                chunk = group[i:i + 2000]
                self._read_nodes(self._bind_ids(chunk))
                self._absent.update(r for r in chunk if r not in self._nodes)

    def _preload(self) -> bool:
        """On a graph of up to ``SMALL_GRAPH`` records, read every record and relation
        once (a few queries) and answer from them; True when that is done."""
        if self._loaded is None:
            self._loaded = self._is_small()
            if self._loaded:
                self._read_nodes("")
                out: dict[str, list[Edge]] = {}
                into: dict[str, list[Edge]] = {}
                for e in self._read_edges(f"?x {_iri(self.v.ID)} ?xid . ?x ?link ?q .\n",
                                          None):
                    out.setdefault(e.source, []).append(e)
                    into.setdefault(e.target, []).append(e)
                self._out = {r: sorted(out.get(r, ()), key=lambda e: e.position)
                             for r in self._nodes}
                self._in_all = {r: sorted(es, key=lambda e: (e.source, e.position))
                                for r, es in into.items()}
        return self._loaded

    def __contains__(self, rid: object) -> bool:
        if not isinstance(rid, str):
            return False
        if self._preload():
            return rid in self._nodes
        if rid not in self._nodes and rid not in self._absent:
            self._fetch([rid])
        return rid in self._nodes

    def __len__(self) -> int:
        rows = self._select(f"SELECT (COUNT(?x) AS ?n) WHERE {{ ?x {_iri(self.v.ID)} ?id }}")
        return int(rows[0]["n"]) if rows else 0

    def node(self, rid: str) -> Node:
        if rid not in self:
            raise KeyError(rid)
        return self._nodes[rid]

    def nodes(self, rids: Iterable[str]) -> dict[str, Node]:
        rids = list(rids)
        self._fetch(rids)
        return {r: self._nodes[r] for r in rids}

    def record(self, rid: str) -> dict[str, Any]:
        """The record read back from its part of the graph (a ``CONSTRUCT``) by the same
        importer as ``lineage import rdf``, validated like any data. On a small graph,
        past the third record of a type asked for, every record of that type is read at
        once (one query)."""
        from lineage.records import item_adapter

        if rid not in self:
            raise KeyError(rid)
        item = self._items.get(rid)
        if item is None:
            kind = self._nodes[rid].type
            asked = self._asked[kind] = self._asked.get(kind, 0) + 1
            if asked > 3 and self._preload():  # many of a type (a citation index): all at once
                self._items.update((it["id"], it) for it in self._read_items(None, kind))
                item = self._items.get(rid)
            else:
                item = next(iter(self._read_items(rid)), None)
        if item is None:
            raise KeyError(rid)
        rec = item_adapter().validate_python(item)
        return rec.model_dump(mode="json", exclude={"relations"})

    def _read_items(self, rid: str | None, kind: str | None = None) -> list[dict[str, Any]]:
        """Record items (as :func:`graph.rdf.graph_to_items` gives them, without relations)
        of ``rid``, or of every record of type ``kind``."""
        import rdflib

        v = self.v
        rdf = v.rdf
        orders = {a.order for t in rdf.TYPES.values() for a in (*rdf.COMMON_ATTRS, *t.attrs)
                  if a.order}
        walk = "|".join(_iri(p) for p in sorted({rdf.L_HAS_SOURCE, rdf.L_HAS_CLAIM, rdf.T_REST,
                                                  *orders}))
        if rid is not None:
            which = _lit(rid)
        else:
            cls = next(c for c, t in v.type_by_class.items() if t == kind)
            which = f"?rid ; {_iri(v.TYPE)} {_iri(cls)}"
        data = self.endpoint.construct(
            _PROLOGUE + f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?r {_iri(v.ID)} {which} .\n"
            f"?r ({walk})* ?s . ?s ?p ?o }}")
        g = rdflib.Graph(bind_namespaces="none")
        g.parse(data=data.decode("utf-8"), format="nt")
        for q in rdf.QUALIFIERS:  # the relations are read as edges, not here
            g.remove((None, rdflib.URIRef(q.link), None))
        return [it for it in rdf.graph_to_items(g, f"<{self.graph}>")
                if rid is None or it["id"] == rid]

    def iter_ids(self) -> Iterator[str]:
        if self._preload():
            return iter(sorted(self._nodes))
        rows = self._select(f"SELECT ?id WHERE {{ ?x {_iri(self.v.ID)} ?id }}")
        return iter(sorted(r["id"] for r in rows))

    def edge_count(self) -> int:
        rows = self._select(
            "SELECT (COUNT(?q) AS ?n) WHERE {\n" + self.v.links(None) +
            f"?x ?link ?q . ?x {_iri(self.v.ID)} ?s . ?q ?tp ?tn . ?tn {_iri(self.v.ID)} ?t }}")
        return int(rows[0]["n"]) if rows else 0

    # --- edges -----------------------------------------------------------------
    def _edge_queries(self, bind: str, kinds: Sequence[str] | None) -> list[str]:
        """Every relation node ``?q`` of the records ``bind`` binds to ``?x`` (through
        ``?x ?link ?q``; ``?xid`` their ids): the relations, their sources, their
        techniques and the techniques' order, each a flat pattern (see
        :meth:`_node_queries`)."""
        v = self.v
        ID = _iri(v.ID)
        rdf = v.rdf
        lt = getattr(rdf, "L_TRANSLATION", None)
        translation = f" OPTIONAL {{ ?sn {_iri(lt)} ?translation }}" if lt else ""
        links, pair = self.v.link_filters(kinds)
        head = "SELECT * WHERE {\n" + bind + links
        return [
            head + f"?q ?tp ?tn . ?tn {ID} ?t .\n" + pair +
            f"?q {_iri(rdf.L_CONF)} ?conf ; {_iri(rdf.L_INDEX)} ?pos .\n"
            f"OPTIONAL {{ ?q {_iri(rdf.P_NOTE)} ?note }} OPTIONAL {{ ?q {_iri(rdf.P_DATE)} ?date }}\n"
            f"OPTIONAL {{ ?q {_iri(rdf.L_SETTING)} ?setting }}\n"
            f"OPTIONAL {{ ?q {_iri(rdf.F_EVAL_METRICS)} ?res .\n"
            f"  OPTIONAL {{ ?res {_iri(rdf.S_NAME)} ?metric }} "
            f"OPTIONAL {{ ?res {_iri(rdf.S_VALUE)} ?score }} }}\n}}",
            head + f"?q {_iri(rdf.L_HAS_SOURCE)} ?sn . ?sn {_iri(rdf.L_INDEX)} ?j ; "
            f"{_iri(rdf.L_DOCUMENT)} ?doc .\n"
            f"OPTIONAL {{ ?sn {_iri(rdf.L_QUOTE)} ?quote }} "
            f"OPTIONAL {{ ?sn {_iri(rdf.L_LOCATOR)} ?locator }}\n"
            f"OPTIONAL {{ ?sn {_iri(rdf.L_FIELD)} ?field }}{translation}\n}}",
            head + f"?q {_iri(rdf.L_TECHNIQUE)} ?tech . ?tech {ID} ?techid\n}}",
            head + f"?q {_iri(rdf.L_TECH_ORDER)} ?head . ?head rdf:rest* ?cell .\n"
            "?cell rdf:first ?first ; rdf:rest ?rest\n}"]

    def _read_edges(self, bind: str, kinds: Sequence[str] | None) -> list[Edge]:
        v = self.v
        core: dict[str, dict[str, str]] = {}
        sources: dict[str, list[tuple[int, str, Source]]] = {}
        techs: dict[str, dict[str, str]] = {}
        heads: dict[str, str] = {}
        cells: dict[str, tuple[str, str]] = {}
        rows = [row for q in self._edge_queries(bind, kinds) for row in self._select(q)]
        for row in rows:
            q = row["q"]
            if "t" in row:
                core[q] = row
            elif "doc" in row:
                sources.setdefault(q, []).append((int(row["j"]), row["sn"], Source.from_dict(
                    {"document": row["doc"], **{k: row[k] for k in _SOURCE_KEYS if k in row}})))
            elif "techid" in row:
                techs.setdefault(q, {})[row["tech"]] = row["techid"]
            elif "cell" in row:
                heads[q] = row["head"]
                cells[row["cell"]] = (row["first"], row["rest"])
        out = []
        for q, row in core.items():
            kind = v.kind_by_iri.get(row["kind"])
            conf = v.conf_by_iri.get(row["conf"])
            if kind is None or conf is None:
                continue
            srcs = tuple(s for _, _, s in sorted(sources.get(q, ()), key=lambda x: x[:2]))
            by_iri = techs.get(q, {})
            order = _ordered(list(by_iri), heads.get(q), cells)
            score = row.get("score")
            out.append(Edge(
                source=row["xid"], target=row["t"], relation=kind, category=category(kind),
                confidence=conf, sources=srcs, note=row.get("note"),
                techniques=tuple(by_iri[t] for t in order), date=row.get("date"),
                score=None if score is None else float(score), metric=row.get("metric"),
                setting=row.get("setting"), key=f"{kind}:{int(row['pos'])}"))
        return out

    def _out_all(self, rids: Sequence[str]) -> None:
        """Read and keep the out-edges of ``rids`` (all kinds)."""
        missing = [r for r in dict.fromkeys(rids) if r not in self._out]
        for i in range(0, len(missing), 1000):
            chunk = missing[i:i + 1000]
            got: dict[str, list[Edge]] = {r: [] for r in chunk}
            for e in self._read_edges(self._values("xid", chunk) +
                                      f"?x {_iri(self.v.ID)} ?xid . ?x ?link ?q .\n", None):
                got[e.source].append(e)
            for r, es in got.items():
                self._out[r] = sorted(es, key=lambda e: e.position)

    def iter_edges(self) -> Iterator[Edge]:
        if self._preload():
            return iter([e for r in sorted(self._out) for e in self._out[r]])
        edges = self._read_edges(f"?x {_iri(self.v.ID)} ?xid . ?x ?link ?q .\n", None)
        return iter(sorted(edges, key=lambda e: (e.source, e.position)))

    def out_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        if self._preload() and rid not in self._out:
            return []
        self._out_all([rid])
        edges = self._out[rid]
        if kinds is None:
            return list(edges)
        ks = set(kinds)
        return [e for e in edges if e.relation in ks]

    def in_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        key = (rid, None if kinds is None else tuple(sorted(set(kinds))))
        if self._preload():
            edges = self._in_all.get(rid, [])
            return list(edges) if kinds is None else [e for e in edges if e.relation in key[1]]
        if key not in self._in:
            if key[1] == ():
                self._in[key] = []
            else:
                ID = _iri(self.v.ID)
                bind = f"?tn0 {ID} {_lit(rid)} . ?q ?tp ?tn0 . ?x ?link ?q . ?x {ID} ?xid .\n"
                edges = self._read_edges(bind, key[1])
                self._in[key] = sorted(edges, key=lambda e: (e.source, e.position))
        return list(self._in[key])

    # --- closures --------------------------------------------------------------
    def _closure(self, rid: str, up: bool, path: str, depth: int | None) -> str:
        """A pattern binding ``?x`` to every record within ``depth`` steps of ``path``."""
        root = f"?root {_iri(self.v.ID)} {_lit(rid)} .\n"
        if depth == 0:
            return root + "BIND(?root AS ?x)\n"
        steps = f"{path}*" if depth is None or depth > 8 else "/".join([f"{path}?"] * depth)
        walk = f"?root {steps} ?x" if up else f"?x {steps} ?root"
        return f"{{ SELECT DISTINCT ?x WHERE {{ {root}{walk} }} }}\n"

    def _closure_ids(self, rid: str, up: bool, path: str, depth: int | None) -> list[str]:
        """The ids of the closure: its records by the property path, then their ids (two
        queries: joined in one, a server may start from every identifier instead)."""
        ID = _iri(self.v.ID)
        iris = [r["x"] for r in self._select(
            "SELECT ?x WHERE {\n" + self._closure(rid, up, path, depth) + "}")]
        out: list[str] = []
        for i in range(0, len(iris), 2000):
            values = " ".join(_iri(x) for x in iris[i:i + 2000])
            for r in self._select(f"SELECT ?x ?id WHERE {{ VALUES ?x {{ {values} }} ?x {ID} ?id }}"):
                self._iri.setdefault(r["id"], r["x"])
                out.append(r["id"])
        return out

    def _parallel(self, queries: Sequence[str]) -> list[list[dict[str, str]]]:
        """The rows of several SELECTs, sent at once on their own connections (a server
        answers them side by side while the first answers are read here)."""
        from concurrent.futures import ThreadPoolExecutor

        from graph.remote import Endpoint

        self._check_graph()
        if len(queries) < 2:
            return [self._select(q) for q in queries]
        ep = self.endpoint

        def one(q: str) -> list[dict[str, str]]:
            e = Endpoint(ep.url, graph=ep.graph, timeout=ep.timeout)
            try:
                return list(e.select(_PROLOGUE + q))
            finally:
                e.close()

        with ThreadPoolExecutor(len(queries)) as pool:
            return list(pool.map(one, queries))

    def _closure_edges(self, rid: str, up: bool, path: str,
                       kinds: Sequence[str]) -> list[Edge]:
        """Every relation of ``kinds`` between the records of the closure of ``rid`` (any
        depth), and those records (kept as nodes), in four queries sent at once.

        The closure is a property path inside each query's one basic graph pattern
        (no subquery, no ``VALUES``, no ``OPTIONAL``): a server then walks from the
        root and joins each reached record's own triples, instead of evaluating a part
        apart (every triple of a predicate) and joining afterwards. Records come back
        by their identifiers and relations by (source id, index), short literals a
        server writes cheaply, where IRIs cost it a lookup each; fields a record or
        source may lack are rows of their own (``?p ?o``), not ``OPTIONAL``. What a few
        relations have (techniques, metrics) and lists of a few records are read
        afterwards for those alone."""
        v = self.v
        rdf = v.rdf
        ID = _iri(v.ID)
        near = "?s" if up else "?t"  # the closure's end of each relation
        closure = f"?root {ID} {_lit(rid)} .\n" + (
            f"?root {path}* ?s .\n" if up else f"?t {path}* ?root .\n")
        qs = list(dict.fromkeys(v.qualifier(k) for k in kinds))
        links = "|".join(_iri(q.link) for q in qs)
        targets = "|".join(sorted({_iri(q.target) for q in qs}))
        rel = closure + (f"?s ({links}) ?q . ?q ({targets}) ?t .\n" if up
                         else f"?q ({targets}) ?t . ?s ({links}) ?q .\n")
        kind_in = ", ".join(_iri(v.kind_iri[k]) for k in kinds)
        classes = ", ".join(_iri(c) for c in v.type_by_class)
        fields = ", ".join(_iri(p) for p in (v.NAME, v.ALIAS, v.DATE, v.WEIGHTS, v.HUB,
                                             v.ALIAS_ORDER, v.HUB_ORDER))
        rare = {rdf.P_NOTE: "note", rdf.P_DATE: "date", rdf.L_SETTING: "setting",
                rdf.L_TECHNIQUE: "extra", rdf.L_TECH_ORDER: "extra", rdf.F_EVAL_METRICS: "extra"}
        keys = {rdf.L_DOCUMENT: "document", rdf.L_QUOTE: "quote", rdf.L_LOCATOR: "locator",
                rdf.L_FIELD: "field"}
        if getattr(rdf, "L_TRANSLATION", None):
            keys[rdf.L_TRANSLATION] = "translation"
        node_rows, rel_rows, rare_rows, src_rows = self._parallel([
            # the records: each one's triples of the summary's predicates
            f"SELECT ?id ?p ?o WHERE {{\n{closure}{near} {ID} ?id . {near} ?p ?o .\n"
            f"FILTER(?p IN ({fields}) || (?p = rdf:type && ?o IN ({classes})))\n}}",
            # the relations: one row each, what every relation has
            f"SELECT ?sid ?tid ?kind ?conf ?pos WHERE {{\n{rel}?s {ID} ?sid . ?t {ID} ?tid .\n"
            f"?q lineage:relationKind ?kind . FILTER(?kind IN ({kind_in}))\n"
            f"?q {_iri(rdf.L_CONF)} ?conf ; {_iri(rdf.L_INDEX)} ?pos\n}}",
            # what few relations have
            f"SELECT ?sid ?pos ?q ?p ?o WHERE {{\n{rel}?q ?p ?o . "
            f"FILTER(?p IN ({', '.join(map(_iri, rare))}))\n?q {_iri(rdf.L_INDEX)} ?pos . "
            f"?s {ID} ?sid\n}}",
            # their sources: a row for each field of each source
            f"SELECT ?sid ?pos ?j ?p ?o WHERE {{\n{rel}?s {ID} ?sid .\n"
            f"?q {_iri(rdf.L_INDEX)} ?pos ; "
            f"{_iri(rdf.L_HAS_SOURCE)} ?sn .\n?sn {_iri(rdf.L_INDEX)} ?j . ?sn ?p ?o . "
            f"FILTER(?p IN ({', '.join(map(_iri, keys))}))\n}}"])
        # the records
        listed = sorted({r["id"] for r in node_rows if r["p"] in (v.ALIAS_ORDER, v.HUB_ORDER)})
        rows = [r for r in node_rows if r["p"] not in (v.ALIAS_ORDER, v.HUB_ORDER)]
        rows += [{"id": i, "p": v.ID, "o": i} for i in {r["id"] for r in node_rows}]
        for i in range(0, len(listed), 2000):
            rows += self._select(self._node_queries(self._values("xid", listed[i:i + 2000]) +
                                                    f"?x {ID} ?xid .\n")[1])
        self._read_nodes("", rows)
        # the relations, by their source record and index
        rels: dict[tuple[str, str], dict[str, Any]] = {
            (r["sid"], r["pos"]): r for r in rel_rows}
        extra_q: dict[tuple[str, str], str] = {}
        for r in rare_rows:
            d = rels.get((r["sid"], r["pos"]))
            if d is not None:
                field = rare[r["p"]]
                if field == "extra":
                    extra_q[(r["sid"], r["pos"])] = r["q"]
                else:
                    d[field] = r["o"]
        sources: dict[tuple[str, str], dict[int, dict[str, str]]] = {}
        for r in src_rows:
            sources.setdefault((r["sid"], r["pos"]), {}).setdefault(
                int(r["j"]), {})[keys[r["p"]]] = r["o"]
        # the records at the other end of a relation, if the path missed one
        self._fetch(e for d in rels.values() for e in (d["sid"], d["tid"]))
        extra = self._relation_extras(sorted(set(extra_q.values())))
        out = []
        for key, d in rels.items():
            kind = v.kind_by_iri.get(d["kind"])
            conf = v.conf_by_iri.get(d["conf"])
            if (kind is None or conf is None or d["sid"] not in self._nodes
                    or d["tid"] not in self._nodes):
                continue
            srcs = sorted(sources.get(key, {}).items())
            ex = extra.get(extra_q.get(key, ""), {})
            score = ex.get("score")
            out.append(Edge(
                source=d["sid"], target=d["tid"], relation=kind, category=category(kind),
                confidence=conf,
                sources=tuple(Source.from_dict(s) for _, s in srcs if "document" in s),
                note=d.get("note"), techniques=ex.get("techniques", ()), date=d.get("date"),
                score=None if score is None else float(score), metric=ex.get("metric"),
                setting=d.get("setting"), key=f"{kind}:{int(d['pos'])}"))
        return out

    def _relation_extras(self, qs: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Techniques (in their order) and the evaluation score of the relation nodes
        ``qs`` (few have them), a chunk of nodes a query."""
        v = self.v
        rdf = v.rdf
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(qs), 1000):
            bind = f"VALUES ?q {{ {' '.join(_iri(q) for q in qs[i:i + 1000])} }}\n"
            techs: dict[str, dict[str, str]] = {}
            heads: dict[str, str] = {}
            cells: dict[str, tuple[str, str]] = {}
            for r in self._select(f"SELECT ?q ?tech ?techid WHERE {{\n{bind}"
                                  f"?q {_iri(rdf.L_TECHNIQUE)} ?tech . "
                                  f"?tech {_iri(v.ID)} ?techid }}"):
                techs.setdefault(r["q"], {})[r["tech"]] = r["techid"]
            for r in self._select(f"SELECT ?q ?head ?cell ?first ?rest WHERE {{\n{bind}"
                                  f"?q {_iri(rdf.L_TECH_ORDER)} ?head . ?head rdf:rest* ?cell "
                                  ". ?cell rdf:first ?first ; rdf:rest ?rest }"):
                heads[r["q"]] = r["head"]
                cells[r["cell"]] = (r["first"], r["rest"])
            for r in self._select(f"SELECT ?q ?p ?o WHERE {{\n{bind}"
                                  f"?q {_iri(rdf.F_EVAL_METRICS)} ?res . ?res ?p ?o . "
                                  f"FILTER(?p IN ({_iri(rdf.S_NAME)}, {_iri(rdf.S_VALUE)})) }}"):
                out.setdefault(r["q"], {})[
                    "metric" if r["p"] == rdf.S_NAME else "score"] = r["o"]
            for q, by_iri in techs.items():
                order = _ordered(list(by_iri), heads.get(q), cells)
                out.setdefault(q, {})["techniques"] = tuple(by_iri[t] for t in order)
        return out

    def closure_levels(self, rid: str, up: bool, kinds: Sequence[str],
                       depth: int | None) -> Iterator[list[Edge]]:
        """The breadth-first walk of :func:`graph.query.ancestry`, level by level, from
        a few queries: the relations of the closure (a property path over a superset of
        ``kinds``), and its records; the exact walk is then made here."""
        kinds = tuple(dict.fromkeys(kinds))
        if depth == 0:
            return
        if not kinds:
            yield []
            return
        if self._preload():  # a small graph, already read: walk it here
            seen = {rid}
            frontier = [rid]
            level = 0
            while frontier and (depth is None or level < depth):
                step = [e for current in frontier
                        for e in (self.out_edges(current, kinds) if up
                                  else self.in_edges(current, kinds))]
                yield step
                frontier = next_frontier(step, up, seen)
                level += 1
            return
        path = self.v.path(kinds)
        if depth is None:  # the whole closure: its records and relations in a few queries
            edges = self._closure_edges(rid, up, path, kinds)
        else:
            edge_depth = depth - 1 if up else depth
            # the bounded closure by a property path (the records whose relations are
            # followed, and the records reached), then their relations and records by IRI
            near = self._closure_ids(rid, up, path, edge_depth)
            reached = self._closure_ids(rid, up, path, depth)
            edges = []
            for i in range(0, len(near), _EDGE_CHUNK):
                edges += self._read_edges(self._bind_ids(near[i:i + _EDGE_CHUNK]) +
                                          "?x ?link ?q .\n", kinds)
            self._fetch(reached)
        adj: dict[str, list[Edge]] = {}
        for e in edges:
            adj.setdefault(e.source if up else e.target, []).append(e)
        for es in adj.values():
            es.sort(key=(lambda e: e.position) if up else (lambda e: (e.source, e.position)))
        seen = {rid}
        frontier = [rid]
        level = 0
        while frontier and (depth is None or level < depth):
            step = [e for current in frontier for e in adj.get(current, ())]
            yield step
            frontier = next_frontier(step, up, seen)
            level += 1

    # --- names -----------------------------------------------------------------
    def _is_small(self) -> bool:
        if self._small is None:
            rows = self._select(f"SELECT ?id WHERE {{ ?x {_iri(self.v.ID)} ?id }} "
                                f"LIMIT 1 OFFSET {SMALL_GRAPH}")
            self._small = not rows
        return self._small

    def _all_labels(self) -> dict[str, list[str]]:
        """Every record's folded labels (id, name, aliases, Hub ids), ids first (a small
        graph, read whole)."""
        if self._labels is None:
            self._preload()
            self._labels = {rid: [normalize(x) for x in (
                rid, n.name, *n.aliases, *(h for hid in n.hub_ids for h in (hid, f"hf:{hid}")))]
                for rid, n in sorted(self._nodes.items())}
            index: dict[str, str] = {}
            for rid, keys in self._labels.items():  # ids own their key first
                if keys[0]:
                    index.setdefault(keys[0], rid)
            for rid, keys in self._labels.items():
                for k in keys[1:]:
                    if k:
                        index.setdefault(k, rid)
            self._index = index
        return self._labels

    def _label_candidates(self, condition: str, limit: int) -> list[tuple[str, str]]:
        """``(folded label, id)`` of labels whose server-folded form ``?k`` meets
        ``condition``, checked again here with :func:`normalize`."""
        v = self.v
        rows = self._select(
            f"SELECT ?id ?p ?l WHERE {{ ?x {_iri(v.ID)} ?id .\n"
            f"{{ BIND(?id AS ?l) BIND({_iri(v.ID)} AS ?p) }} UNION {{ ?x ?p ?l . VALUES ?p "
            f"{{ {_iri(v.NAME)} {_iri(v.ALIAS)} {_iri(v.HUB)} }} }}\n"
            f"BIND({_folded('?l')} AS ?k) FILTER({condition}) }} LIMIT {limit}")
        out = []
        for r in rows:
            out.append((normalize(r["l"]), r["id"]))
            if r["p"] == v.HUB:
                out.append((normalize(f"hf:{r['l']}"), r["id"]))
        return out

    def lookup(self, name: str) -> str | None:
        if name in self:
            return name
        key = normalize(name)
        if not key:
            return None
        if self._is_small():
            self._all_labels()
            return (self._index or {}).get(key)
        hub = key[3:] if key.startswith("hf:") else key
        found = [(k, rid) for k, rid in self._label_candidates(
            f"?k = {_lit(key)} || ?k = {_lit(hub)}", 50) if k == key]
        ids = sorted({rid for k, rid in found if normalize(rid) == key})
        return ids[0] if ids else (min(rid for _, rid in found) if found else None)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        key = normalize(name)
        if not key:
            return []
        if self._is_small():
            self._all_labels()
            return close_matches(key, ((k, r) for k, r in (self._index or {}).items()), n)
        grams = sorted({key[i:i + 3] for i in range(max(1, len(key) - 2))},
                       key=lambda g: (-len(g), g))[:4]
        cond = " || ".join(f"CONTAINS(?k, {_lit(g)})" for g in grams)
        return close_matches(key, self._label_candidates(cond, 2000), n)

    def label_matches(self, key: str) -> dict[str, int]:
        if self._is_small():
            items: Iterable[tuple[str, list[str]]] = self._all_labels().items()
        else:
            by: dict[str, list[str]] = {}
            for k, rid in self._label_candidates(f"CONTAINS(?k, {_lit(key)})", 100_000):
                by.setdefault(rid, []).append(k)
            items = by.items()
        return label_scores(items, key)

    def description_matches(self, words: list[str]) -> set[str]:
        if not words:
            return set()
        v = self.v
        if self._is_small():
            if self._descriptions is None:
                rows = self._select(f"SELECT ?id ?d WHERE {{ ?x {_iri(v.ID)} ?id ; "
                                    f"{_iri(v.DESCRIPTION)} ?d }}")
                self._descriptions = {r["id"]: r["d"] for r in rows}
            found = self._descriptions.items()
        else:
            longest = max(words, key=len)
            rows = self._select(
                f"SELECT ?id ?d WHERE {{ ?x {_iri(v.ID)} ?id ; {_iri(v.DESCRIPTION)} ?d "
                f"FILTER(CONTAINS(LCASE(?d), {_lit(longest)})) }}")
            found = ((r["id"], r["d"]) for r in rows)
        return describing(found, words)

    # --- scans -----------------------------------------------------------------
    def ids(self, *, types: Iterable[str] | None = None, since: str | None = None,
            until: str | None = None, weights: str | None = None) -> Iterator[str]:
        v = self.v
        tset = set(types) if types else None
        if tset:
            classes = [c for c, t in v.type_by_class.items() if t in tset]
            bind = (f"?x {_iri(v.TYPE)} ?cls . VALUES ?cls {{ {' '.join(map(_iri, classes))} }}\n")
        else:
            bind = ""
        nodes = self._read_nodes(bind + f"?x {_iri(v.ID)} ?xid .\n")
        for rid in sorted(nodes):
            if node_matches(nodes[rid], tset, since, until, weights):
                yield rid

    def type_counts(self) -> dict[str, int]:
        v = self.v
        rows = self._select(f"SELECT ?cls (COUNT(?x) AS ?n) WHERE {{ ?x {_iri(v.ID)} ?id ; "
                            f"{_iri(v.TYPE)} ?cls }} GROUP BY ?cls")
        return {v.type_by_class[r["cls"]]: int(r["n"]) for r in rows
                if r["cls"] in v.type_by_class}

    # --- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        self.endpoint.close()

    @property
    def description(self) -> str:
        return f"graph <{self.graph}> on {self.endpoint.shown}"
