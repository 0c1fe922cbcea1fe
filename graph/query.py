"""Queries over the lineage graph, shaped like networkx algorithms.

Every function takes the graph first, never mutates it, validates its
arguments at once and returns concrete values. Edges point from a record to
what it derives from (see :mod:`graph.build`), so ancestors are reached along
out-edges.

The examples use :func:`example_graph`, a six-record graph::

    alpaca-7b --finetune--> llama-7b --variant--> llama
    alpaca-7b --trained_on--> alpaca-data --generated_by--> text-davinci-003
    alpaca-7b --developed_by--> stanford
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from lineage.errors import NoPathError, QueryError, UnknownRecordError
from lineage.load import loads
from lineage.names import normalize
from lineage.records import (
    LINEAGE_RELATIONS,
    RECORD_TYPES,
    RELATION_KINDS,
    WEIGHT_RELATIONS,
    date_key,
)

from .build import build_graph

__all__ = [
    "Edge",
    "Lineage",
    "LineagePath",
    "example_graph",
    "resolve",
    "relation_kinds",
    "ancestry",
    "descendancy",
    "ancestors",
    "descendants",
    "lineage_paths",
    "search",
    "filter_records",
    "statistics",
    "neighbours",
    "developers",
    "as_of",
]


@dataclass(frozen=True)
class Edge:
    """One relation: ``source <relation> target`` with its evidence."""

    source: str
    target: str
    relation: str
    category: str
    confidence: str
    sources: tuple = ()
    note: str | None = None
    techniques: tuple[str, ...] = ()
    date: str | None = None
    score: float | None = None
    metric: str | None = None
    setting: str | None = None
    key: str = ""

    @classmethod
    def from_graph(cls, u: str, v: str, key: str, data: dict[str, Any]) -> Edge:
        return cls(
            source=u, target=v, relation=data["relation"], category=data["category"],
            confidence=data["confidence"], sources=tuple(data["sources"]),
            note=data.get("note"), techniques=tuple(data.get("techniques") or ()),
            date=data.get("date"), score=data.get("score"), metric=data.get("metric"),
            setting=data.get("setting"), key=key,
        )


@dataclass
class Lineage:
    """The result of an ancestry or descendants query.

    ``nodes`` starts with ``root`` and is ordered by distance, then name;
    ``depth`` gives each node's distance in hops; ``edges`` are the relations
    followed, in the order they were found.
    """

    root: str
    direction: Literal["ancestors", "descendants"]
    nodes: list[str] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    depth: dict[str, int] = field(default_factory=dict)


@dataclass
class LineagePath:
    """One path between two records; ``edges[i]`` links ``nodes[i]`` and ``nodes[i+1]``."""

    nodes: list[str]
    edges: list[Edge]

    @property
    def weak_hops(self) -> int:
        return sum(e.confidence == "weak" for e in self.edges)


_EXAMPLE = """
- {id: llama, type: family, name: LLaMA, date: 2023-02}
- id: llama-7b
  type: model
  name: LLaMA-7B
  date: 2023-02
  relations:
    - {relation: variant, target: llama, sources: [{document: example, quote: "LLaMA-7B"}]}
- {id: text-davinci-003, type: model, name: text-davinci-003, aliases: [GPT-3.5], date: 2022-11}
- id: alpaca-data
  type: dataset
  name: Alpaca 52K instruction data
  date: 2023-03
  relations:
    - {relation: generated_by, target: text-davinci-003,
       sources: [{document: example, quote: "generated with text-davinci-003"}]}
- {id: stanford, type: organization, name: Stanford University}
- id: alpaca-7b
  type: model
  name: Alpaca-7B
  aliases: [Alpaca, 阿尔帕卡]
  date: 2023-03-13
  relations:
    - {relation: finetune, target: llama-7b, techniques: [],
       sources: [{document: example, quote: "a fine-tuned version of LLaMA-7B"}]}
    - {relation: trained_on, target: alpaca-data, sources: [{document: example, quote: "52K"}]}
    - {relation: developed_by, target: stanford, sources: [{document: example, quote: "Stanford"}]}
"""


def example_graph() -> nx.MultiDiGraph:
    """A six-record graph for examples and tutorials.

    >>> G = example_graph()
    >>> sorted(G.nodes)
    ['alpaca-7b', 'alpaca-data', 'llama', 'llama-7b', 'stanford', 'text-davinci-003']
    """
    return build_graph(loads(_EXAMPLE, name="example"))


def _kb(G: nx.MultiDiGraph):
    kb = G.graph.get("kb")
    if kb is None:
        raise QueryError("the graph has no knowledge base; build it with graph.build_graph(kb)")
    return kb


def resolve(G: nx.MultiDiGraph, name: str, *, types: Iterable[str] | None = None) -> str:
    """Return the id of the record named ``name`` (id, name or alias).

    Matching ignores case, spaces and hyphens, and works for Chinese names.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph from :func:`graph.build.build_graph`.
    name : str
        An id, a name or an alias.
    types : iterable of str, optional
        Accept only records of these types.

    Returns
    -------
    str
        The record id.

    Raises
    ------
    UnknownRecordError
        When nothing matches; ``.suggestions`` holds close matches.

    Examples
    --------
    >>> G = example_graph()
    >>> resolve(G, "ALPACA"), resolve(G, "阿尔帕卡"), resolve(G, "llama 7b")
    ('alpaca-7b', 'alpaca-7b', 'llama-7b')
    >>> resolve(G, "alpacca")
    Traceback (most recent call last):
    ...
    lineage.errors.UnknownRecordError: unknown record 'alpacca'. Did you mean: alpaca-7b, alpaca-data? Run 'lineage search alpacca' to list matches.
    """
    if not isinstance(name, str) or not name.strip():
        raise QueryError("a record name cannot be empty; give an id, a name or an alias.")
    kb = _kb(G)
    rid = name if name in G else kb.index.get(name)
    if rid is not None and rid not in G and rid in kb.records and G.graph.get("as_of"):
        raise QueryError(
            f"{name!r} ({rid}, dated {kb.records[rid].date}) is not in the graph as of "
            f"{G.graph['as_of']}. Use a later --as-of date, or drop --as-of."
        )
    if rid is None or rid not in G:
        raise UnknownRecordError(name, [s for s in kb.index.suggest(name) if s in G])
    if types is not None:
        allowed = set(types)
        if G.nodes[rid]["type"] not in allowed:
            wanted = " or ".join(sorted(allowed))
            article = "an" if wanted[0] in "aeiou" else "a"
            raise QueryError(
                f"{name!r} is a {G.nodes[rid]['type']}, not {article} {wanted}. "
                f"Run 'lineage show {rid}' to see what it is."
            )
    return rid


def relation_kinds(
    relations: Iterable[str] | None = None, *, weights_only: bool = False
) -> tuple[str, ...]:
    """Validate relation kinds; default to every lineage relation.

    >>> relation_kinds(weights_only=True)[:3]
    ('finetune', 'adapter', 'quantized')
    >>> relation_kinds(["trained_on", "generated_by"])
    ('trained_on', 'generated_by')
    >>> relation_kinds(["fine-tune"])
    Traceback (most recent call last):
    ...
    lineage.errors.QueryError: unknown relation kind 'fine-tune'. Use one of: finetune, adapter, quantized, merge, continued_pretraining, variant, successor, reproduction, architecture, trained_on, generated_by, derived_from, uses_technique, introduced_in, developed_by, evaluated_on, licensed_under, uses_model.
    """
    if relations is None or (not isinstance(relations, str) and len(list(relations)) == 0):
        kinds: tuple[str, ...] = WEIGHT_RELATIONS if weights_only else LINEAGE_RELATIONS
        return kinds
    if isinstance(relations, str):
        relations = [relations]
    out = []
    for r in relations:
        if r not in RELATION_KINDS:
            raise QueryError(
                f"unknown relation kind {r!r}. Use one of: {', '.join(RELATION_KINDS)}."
            )
        if weights_only and r not in WEIGHT_RELATIONS:
            continue
        out.append(r)
    return tuple(out)


def _check_depth(depth: int | None) -> None:
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise QueryError(f"depth must be a whole number >= 0, not {depth!r}.")


def _edge_order(e: tuple) -> tuple:
    """Order edges as written in the data: by stating record, then position."""
    u, _, k = e[0], e[1], e[2]
    return (u, int(k.rsplit(":", 1)[1]) if ":" in k else 0)


def _walk(
    G: nx.MultiDiGraph,
    node: str,
    up: bool,
    depth: int | None,
    kinds: tuple[str, ...],
) -> Lineage:
    _check_depth(depth)
    if node not in G:
        raise UnknownRecordError(node, _kb(G).index.suggest(node))
    allowed = set(kinds)
    result = Lineage(root=node, direction="ancestors" if up else "descendants")
    result.depth[node] = 0
    queue: deque[str] = deque([node])
    seen_edges: set[tuple[str, str, str]] = set()
    while queue:
        current = queue.popleft()
        d = result.depth[current]
        if depth is not None and d >= depth:
            continue
        if up:
            items = G.out_edges(current, keys=True, data=True)
        else:
            items = G.in_edges(current, keys=True, data=True)
        # data lineage below a dataset runs the other way round: the descendants of a
        # dataset are the models trained on it and the datasets derived from it.
        for u, v, k, data in sorted(items, key=_edge_order):
            if data["relation"] not in allowed:
                continue
            other = v if up else u
            if (u, v, k) in seen_edges:
                continue
            seen_edges.add((u, v, k))
            result.edges.append(Edge.from_graph(u, v, k, data))
            if other not in result.depth:
                result.depth[other] = d + 1
                queue.append(other)
    result.nodes = sorted(result.depth, key=lambda n: (result.depth[n], G.nodes[n]["name"]))
    return result


def ancestry(
    G: nx.MultiDiGraph,
    node: str,
    *,
    depth: int | None = None,
    relations: Iterable[str] | None = None,
    weights_only: bool = False,
) -> Lineage:
    """Everything ``node`` derives from, with the relations that lead there.

    Follows weight lineage (``finetune``, ``variant`` ...) and data lineage
    (``trained_on`` -> ``generated_by`` ...) unless told otherwise; each edge's
    ``category`` tells them apart.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    node : str
        A record id (use :func:`resolve` for names).
    depth : int, optional
        Stop after this many hops.
    relations : iterable of str, optional
        Follow only these relation kinds (default: every lineage relation).
    weights_only : bool
        Follow weight lineage only.

    Returns
    -------
    Lineage

    Raises
    ------
    UnknownRecordError, QueryError

    Examples
    --------
    >>> G = example_graph()
    >>> a = ancestry(G, "alpaca-7b")
    >>> a.nodes
    ['alpaca-7b', 'alpaca-data', 'llama-7b', 'llama', 'text-davinci-003']
    >>> [(e.source, e.relation, e.target, e.category) for e in a.edges][:2]
    [('alpaca-7b', 'finetune', 'llama-7b', 'weights'), ('alpaca-7b', 'trained_on', 'alpaca-data', 'data')]
    >>> ancestry(G, "alpaca-7b", weights_only=True).nodes
    ['alpaca-7b', 'llama-7b', 'llama']
    """
    return _walk(G, node, True, depth, relation_kinds(relations, weights_only=weights_only))


def descendancy(
    G: nx.MultiDiGraph,
    node: str,
    *,
    depth: int | None = None,
    relations: Iterable[str] | None = None,
    weights_only: bool = False,
) -> Lineage:
    """Everything that derives from ``node``: the mirror of :func:`ancestry`.

    The descendants of a dataset are the models trained on it (and datasets
    derived from it) and their descendants; those of a teacher model include
    the datasets generated by it.

    Examples
    --------
    >>> G = example_graph()
    >>> descendancy(G, "text-davinci-003").nodes
    ['text-davinci-003', 'alpaca-data', 'alpaca-7b']
    >>> descendancy(G, "llama", depth=1).nodes
    ['llama', 'llama-7b']
    """
    return _walk(G, node, False, depth, relation_kinds(relations, weights_only=weights_only))


def ancestors(G: nx.MultiDiGraph, node: str, **kwargs: Any) -> list[str]:
    """Ids of the lineage ancestors of ``node``, nearest first.

    Takes the keyword arguments of :func:`ancestry`.

    >>> ancestors(example_graph(), "alpaca-7b", depth=1)
    ['alpaca-data', 'llama-7b']
    """
    return ancestry(G, node, **kwargs).nodes[1:]


def descendants(G: nx.MultiDiGraph, node: str, **kwargs: Any) -> list[str]:
    """Ids of the lineage descendants of ``node``, nearest first.

    >>> descendants(example_graph(), "llama")
    ['llama-7b', 'alpaca-7b']
    """
    return descendancy(G, node, **kwargs).nodes[1:]


def _path_sort_key(G: nx.MultiDiGraph, p: LineagePath) -> tuple:
    return (p.weak_hops, -len(p.edges), [G.nodes[n]["name"] for n in p.nodes])


def lineage_paths(
    G: nx.MultiDiGraph,
    source: str,
    target: str,
    *,
    relations: Iterable[str] | None = None,
    cutoff: int = 10,
    limit: int = 10,
) -> list[LineagePath]:
    """All lineage paths between two records, strongest evidence first.

    A path runs from ``source`` to ``target`` whichever of the two descends
    from the other. Paths with fewer ``weak`` hops come first; among equals,
    the longer, more detailed route (e.g. through intermediate versions) comes
    before a shortcut.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    source, target : str
        Record ids.
    relations : iterable of str, optional
        Relation kinds to follow (default: every lineage relation).
    cutoff : int
        Longest path considered, in hops.
    limit : int
        Most paths returned.

    Returns
    -------
    list of LineagePath

    Raises
    ------
    UnknownRecordError, QueryError
    NoPathError
        When neither record descends from the other.

    Examples
    --------
    >>> G = example_graph()
    >>> [p.nodes for p in lineage_paths(G, "text-davinci-003", "alpaca-7b")]
    [['text-davinci-003', 'alpaca-data', 'alpaca-7b']]
    >>> lineage_paths(G, "llama", "text-davinci-003")
    Traceback (most recent call last):
    ...
    lineage.errors.NoPathError: no lineage path between 'llama' and 'text-davinci-003'. Neither descends from the other. Run 'lineage ancestry llama' to see what it descends from.
    """
    for n in (source, target):
        if n not in G:
            raise UnknownRecordError(n, _kb(G).index.suggest(n))
    if not isinstance(cutoff, int) or cutoff < 1:
        raise QueryError(f"cutoff must be a whole number >= 1, not {cutoff!r}.")
    if not isinstance(limit, int) or limit < 1:
        raise QueryError(f"limit must be a whole number >= 1, not {limit!r}.")
    if source == target:
        raise QueryError("source and target are the same record; give two different records.")
    kinds = set(relation_kinds(relations))
    view = nx.subgraph_view(G, filter_edge=lambda u, v, k: G.edges[u, v, k]["relation"] in kinds)
    found: list[LineagePath] = []
    # statement direction: descendant -> ancestor
    for child, parent, reverse in ((target, source, True), (source, target, False)):
        if not nx.has_path(view, child, parent):
            continue
        count = 0
        for edge_path in nx.all_simple_edge_paths(view, child, parent, cutoff=cutoff):
            edges = [Edge.from_graph(u, v, k, G.edges[u, v, k]) for u, v, k in edge_path]
            nodes = [child] + [e.target for e in edges]
            if reverse:
                nodes, edges = nodes[::-1], edges[::-1]
            found.append(LineagePath(nodes, edges))
            count += 1
            if count >= 5000:
                break
    if not found:
        raise NoPathError(source, target, "Neither descends from the other.")
    found.sort(key=lambda p: _path_sort_key(G, p))
    return found[:limit]


# --- lookup, search and listing ---------------------------------------------------


def search(G: nx.MultiDiGraph, text: str, *, limit: int = 20,
           types: Iterable[str] | None = None) -> list[str]:
    """Records matching ``text`` in their id, name, aliases or description.

    Exact matches come first, then prefix, substring and description matches,
    then close spellings. English and Chinese both work.

    >>> G = example_graph()
    >>> search(G, "alpaca")
    ['alpaca-7b', 'alpaca-data']
    >>> search(G, "阿尔")
    ['alpaca-7b']
    >>> search(G, "davinci")
    ['text-davinci-003', 'alpaca-data']
    """
    key = normalize(text or "")
    if not key:
        raise QueryError("search needs some text, e.g. 'lineage search llama'.")
    if not isinstance(limit, int) or limit < 1:
        raise QueryError(f"limit must be a whole number >= 1, not {limit!r}.")
    type_set = _check_types(types)
    scored: list[tuple[float, str, str]] = []
    words = text.casefold().split()
    for n, data in G.nodes(data=True):
        if type_set and data["type"] not in type_set:
            continue
        labels = [n, data["name"], *data["aliases"]]
        keys = [normalize(lbl) for lbl in labels]
        rec = data["record"]
        score = 0.0
        if key in keys:
            score = 100
        elif any(k.startswith(key) for k in keys):
            score = 80
        elif any(key in k for k in keys):
            score = 60
        else:
            desc = (rec.description or "").casefold()
            if desc and all(w in desc for w in words):
                score = 30
            elif any(_edge_mentions(G, n, key)):
                score = 20
        if score:
            scored.append((-score, RECORD_TYPES.index(data["type"]), data["name"].casefold(), n))
    if not scored:
        index = _kb(G).index
        for rank, rid in enumerate(index.suggest(text)):
            if rid in G and (not type_set or G.nodes[rid]["type"] in type_set):
                scored.append((0, rank, "", rid))
    scored.sort()
    return [n for *_, n in scored[:limit]]


def _edge_mentions(G: nx.MultiDiGraph, n: str, key: str):
    for _, v, data in G.out_edges(n, data=True):
        if data["relation"] in ("generated_by",) and key in normalize(G.nodes[v]["name"]):
            yield True


def _check_types(types: Iterable[str] | None) -> set[str]:
    if types is None:
        return set()
    out = set()
    for t in types:
        if t not in RECORD_TYPES:
            raise QueryError(f"unknown record type {t!r}. Use one of: {', '.join(RECORD_TYPES)}.")
        out.add(t)
    return out


def developers(G: nx.MultiDiGraph, node: str) -> list[str]:
    """Ids of the organizations that developed ``node``.

    A record with no ``developed_by`` of its own takes those of the family it
    is a ``variant`` of (LLaMA-7B is Meta's through the LLaMA family).

    >>> developers(example_graph(), "alpaca-7b")
    ['stanford']
    """
    own = sorted(v for _, v, d in G.out_edges(node, data=True) if d["relation"] == "developed_by")
    if own:
        return own
    seen = {node}
    frontier = [node]
    while frontier:  # climb variant -> family links until some family names its developer
        families = [v for n in frontier for _, v, d in G.out_edges(n, data=True)
                    if d["relation"] == "variant" and v not in seen]
        found = sorted({v for f in families for _, v, d in G.out_edges(f, data=True)
                        if d["relation"] == "developed_by"})
        if found:
            return found
        seen.update(families)
        frontier = families
    return []


def filter_records(
    G: nx.MultiDiGraph,
    *,
    types: Iterable[str] | None = None,
    organization: str | None = None,
    since: str | None = None,
    until: str | None = None,
    weights: str | None = None,
) -> list[str]:
    """Ids of records matching every given filter, oldest first.

    Parameters
    ----------
    types : iterable of str, optional
        Record types (``model``, ``dataset`` ...).
    organization : str, optional
        An organization id: keep records it developed.
    since, until : str, optional
        Partial dates (``2023``, ``2023-03``); bounds are inclusive, compared at
        the precision both dates share. Undated records are dropped when a
        bound is given.
    weights : {'open', 'restricted', 'closed'}, optional
        Keep models and families with this access to their weights.

    Examples
    --------
    >>> G = example_graph()
    >>> filter_records(G, types=["model"], since="2023")
    ['llama-7b', 'alpaca-7b']
    >>> filter_records(G, organization="stanford")
    ['alpaca-7b']
    """
    type_set = _check_types(types)
    lo, hi = _parse_bound(since, "since"), _parse_bound(until, "until")
    if weights is not None and weights not in ("open", "restricted", "closed"):
        raise QueryError(f"weights must be open, restricted or closed, not {weights!r}.")
    if organization is not None and organization not in G:
        raise UnknownRecordError(organization, _kb(G).index.suggest(organization), "organization")
    out = []
    for n, data in G.nodes(data=True):
        if type_set and data["type"] not in type_set:
            continue
        d = date_key(data["date"])
        if (lo or hi) and d is None:
            continue
        if lo and d is not None and d[: len(lo)] < lo[: len(d)]:
            continue
        if hi and d is not None and d[: len(hi)] > hi[: len(d)]:
            continue
        if organization and organization not in developers(G, n):
            continue
        if weights and getattr(data["record"], "weights", None) != weights:
            continue
        out.append(n)
    return sorted(out, key=lambda n: (date_key(G.nodes[n]["date"]) or (9999,), G.nodes[n]["name"]))


def _parse_bound(value: str | None, name: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    from lineage.records import _coerce_date

    try:
        return date_key(_coerce_date(str(value)))
    except ValueError as e:
        raise QueryError(f"--{name}: {e}.") from None


def neighbours(G: nx.MultiDiGraph, node: str) -> dict[str, list[Edge]]:
    """The relations of ``node``: ``out`` (it states) and ``in`` (others state about it).

    >>> nb = neighbours(example_graph(), "llama-7b")
    >>> [(e.source, e.relation) for e in nb["in"]], [(e.relation, e.target) for e in nb["out"]]
    ([('alpaca-7b', 'finetune')], [('variant', 'llama')])
    """
    if node not in G:
        raise UnknownRecordError(node, _kb(G).index.suggest(node))
    out = [Edge.from_graph(u, v, k, d) for u, v, k, d in G.out_edges(node, keys=True, data=True)]
    inc = [Edge.from_graph(u, v, k, d) for u, v, k, d in G.in_edges(node, keys=True, data=True)]
    return {"out": out, "in": inc}


def statistics(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Counts of records and relations by type, kind and confidence.

    >>> s = statistics(example_graph())
    >>> s["records"], s["relations"], s["by_type"]["model"], s["by_category"]["data"]
    (6, 5, 3, 2)
    """
    by_type: dict[str, int] = {}
    for _, t in G.nodes(data="type"):
        by_type[t] = by_type.get(t, 0) + 1
    by_rel: dict[str, int] = {}
    by_cat: dict[str, int] = {"weights": 0, "data": 0, "knowledge": 0}
    by_conf: dict[str, int] = {}
    docs: set[str] = set()
    for _, _, d in G.edges(data=True):
        by_rel[d["relation"]] = by_rel.get(d["relation"], 0) + 1
        by_cat[d["category"]] += 1
        by_conf[d["confidence"]] = by_conf.get(d["confidence"], 0) + 1
        docs.update(s.document for s in d["sources"])
    lineage_edges = [(u, v) for u, v, d in G.edges(data=True) if d["category"] != "knowledge"]
    L = nx.DiGraph(lineage_edges)
    roots = [n for n in L if L.out_degree(n) == 0]
    longest = nx.dag_longest_path_length(L) if L.number_of_nodes() else 0
    return {
        "records": G.number_of_nodes(),
        "relations": G.number_of_edges(),
        "by_type": dict(sorted(by_type.items())),
        "by_relation": dict(sorted(by_rel.items())),
        "by_category": by_cat,
        "by_confidence": dict(sorted(by_conf.items())),
        "documents_cited": len(docs),
        "lineage_roots": len(roots),
        "longest_lineage": longest,
        "with_date": sum(1 for _, d in G.nodes(data="date") if d),
    }



def as_of(G: nx.MultiDiGraph, date: str) -> nx.MultiDiGraph:
    """The graph as it stood on ``date``: later records and relations left out.

    A record is kept when it is undated or dated on or before ``date`` (at the
    precision both dates share: ``2023`` keeps ``2023-11``); a relation is
    kept when both ends are kept and its own ``date``, if any, is not later.
    Returns a read-only view; ``G`` is not changed.

    Examples
    --------
    >>> G = example_graph()
    >>> H = as_of(G, "2023-02")
    >>> sorted(H.nodes)
    ['llama', 'llama-7b', 'stanford', 'text-davinci-003']
    >>> H.graph["as_of"]
    '2023-02'
    """
    bound = _parse_bound(date, "as-of")
    if bound is None:
        raise QueryError("as_of needs a date such as 2023 or 2023-03.")

    def keep_node(n: str) -> bool:
        d = date_key(G.nodes[n]["date"])
        return d is None or d[: len(bound)] <= bound[: len(d)]

    def keep_edge(u: str, v: str, k: str) -> bool:
        d = date_key(G.edges[u, v, k].get("date"))
        return d is None or d[: len(bound)] <= bound[: len(d)]

    H = nx.subgraph_view(G, filter_node=keep_node, filter_edge=keep_edge)
    H.graph = {**G.graph, "as_of": str(date)}
    return H
