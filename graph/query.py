"""Queries over a lineage store, shaped like networkx algorithms.

Every function takes a :class:`graph.store.Store` first, never changes it,
validates its arguments at once and returns concrete values. Edges point from
a record to what it derives from (see :mod:`graph.store.base`), so ancestors
are reached along out-edges.

The examples use :func:`example_store`, a six-record store::

    alpaca-7b --finetune--> llama-7b --variant--> llama
    alpaca-7b --trained_on--> alpaca-data --generated_by--> text-davinci-003
    alpaca-7b --developed_by--> stanford
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal

from lineage.dates import date_in_bound, date_key
from lineage.errors import NoPathError, QueryError, UnknownRecordError
from lineage.names import normalize
from lineage.vocab import (
    CATEGORIES,
    CONFIDENCES,
    LINEAGE_RELATIONS,
    PROVENANCES,
    RECORD_TYPES,
    RELATION_KINDS,
    WEIGHT_RELATIONS,
    provenance,
)

from .store.base import Edge, Node, Store, next_frontier, parse_date_bound
from .store.views import AsOfStore

__all__ = [
    "Edge",
    "Node",
    "Lineage",
    "LineagePath",
    "example_store",
    "resolve",
    "relation_kinds",
    "ancestry",
    "descendancy",
    "ancestors",
    "descendants",
    "iter_lineage",
    "lineage_paths",
    "search",
    "filter_records",
    "statistics",
    "neighbours",
    "developers",
    "as_of",
]


@dataclass
class Lineage:
    """The result of an ancestry or descendants query.

    ``nodes`` starts with ``root`` and is ordered by distance, then name;
    ``depth`` gives each node's distance in hops; ``edges`` are the relations
    followed, in the order they were found. With a ``limit``, ``truncated``
    counts the records reached but left out; the walk stops at the level where
    the limit is reached, so when ``complete`` is false there may be more.
    """

    root: str
    direction: Literal["ancestors", "descendants"]
    nodes: list[str] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    depth: dict[str, int] = field(default_factory=dict)
    truncated: int = 0
    complete: bool = True


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


def example_store() -> Store:
    """A six-record in-memory store for examples and tutorials.

    >>> S = example_store()
    >>> sorted(S.iter_ids())
    ['alpaca-7b', 'alpaca-data', 'llama', 'llama-7b', 'stanford', 'text-davinci-003']
    """
    from lineage.load import loads

    from .store.memory import MemoryStore

    return MemoryStore(loads(_EXAMPLE, name="example"))


def _unknown(S: Store, name: str, what: str = "record") -> UnknownRecordError:
    return UnknownRecordError(name, [s for s in S.suggest(name) if s in S], what)


def resolve(S: Store, name: str, *, types: Iterable[str] | None = None) -> str:
    """Return the id of the record named ``name`` (id, name, alias or Hub id).

    Matching ignores case, spaces and hyphens, and works for Chinese names.

    Parameters
    ----------
    S : Store
        A store from :func:`graph.open_store` (or :func:`example_store`).
    name : str
        An id, a name, an alias or a Hugging Face repository id (``hf:`` optional).
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
    >>> S = example_store()
    >>> resolve(S, "ALPACA"), resolve(S, "阿尔帕卡"), resolve(S, "llama 7b")
    ('alpaca-7b', 'alpaca-7b', 'llama-7b')
    >>> resolve(S, "alpacca")
    Traceback (most recent call last):
    ...
    lineage.errors.UnknownRecordError: unknown record 'alpacca'. Did you mean: alpaca-7b, alpaca-data? Run 'lineage search alpacca' to list matches.
    """
    if not isinstance(name, str) or not name.strip():
        raise QueryError("a record name cannot be empty; give an id, a name or an alias.")
    rid = S.lookup(name)
    if rid is not None and rid not in S and isinstance(S, AsOfStore) and rid in S.base:
        raise QueryError(
            f"{name!r} ({rid}, dated {S.base.node(rid).date}) is not in the graph as of "
            f"{S.as_of_date}. Use a later --as-of date, or drop --as-of."
        )
    if rid is None or rid not in S:
        raise _unknown(S, name)
    if types is not None:
        allowed = set(types)
        t = S.node(rid).type
        if t not in allowed:
            wanted = " or ".join(sorted(allowed))
            article = "an" if wanted[0] in "aeiou" else "a"
            raise QueryError(
                f"{name!r} is a {t}, not {article} {wanted}. "
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
    lineage.errors.QueryError: unknown relation kind 'fine-tune'. Use one of: finetune, adapter, quantized, merge, continued_pretraining, variant, successor, reproduction, architecture, builds_on, trained_on, distilled_from, generated_by, derived_from, uses_technique, introduced_in, developed_by, evaluated_on, licensed_under, uses_model.
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


def _levels(S: Store, node: str, up: bool, depth: int | None,
            kinds: tuple[str, ...]) -> Iterator[list[Edge]]:
    """The edges a breadth-first walk follows, one list per level.

    Uses the store's native closure when it has one.
    """
    native = getattr(S, "closure_levels", None)
    if native is not None:
        yield from native(node, up, kinds, depth)
        return
    seen = {node}
    frontier = [node]
    level = 0
    while frontier and (depth is None or level < depth):
        # data lineage below a dataset runs the other way round: the descendants of a
        # dataset are the models trained on it and the datasets derived from it.
        edges = [e for current in frontier
                 for e in (S.out_edges(current, kinds) if up else S.in_edges(current, kinds))]
        yield edges
        frontier = next_frontier(edges, up, seen)
        level += 1


def iter_lineage(S: Store, node: str, *, up: bool = True, depth: int | None = None,
                 relations: Iterable[str] | None = None,
                 weights_only: bool = False) -> Iterator[tuple[int, list[Edge]]]:
    """Stream a lineage walk: ``(level, edges)`` for each level, nearest first.

    Each record is reached once; an edge to a record seen before is still
    reported. This is what ``--jsonl`` prints as it goes.

    >>> [(d, [e.target for e in es]) for d, es in iter_lineage(example_store(), "alpaca-7b")]
    [(1, ['llama-7b', 'alpaca-data']), (2, ['llama', 'text-davinci-003'])]
    """
    _check_depth(depth)
    if node not in S:
        raise _unknown(S, node)
    kinds = relation_kinds(relations, weights_only=weights_only)
    for level, edges in enumerate(_levels(S, node, up, depth, kinds), 1):
        if edges:
            yield level, edges


def _walk(S: Store, node: str, up: bool, depth: int | None, kinds: tuple[str, ...],
          limit: int | None = None) -> Lineage:
    _check_depth(depth)
    if node not in S:
        raise _unknown(S, node)
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise QueryError(f"limit must be a whole number >= 1, not {limit!r}.")
    result = Lineage(root=node, direction="ancestors" if up else "descendants")
    result.depth[node] = 0
    seen_edges: set[tuple[str, str, str]] = set()
    cut: set[str] = set()  # reached, but past the limit
    for level, edges in enumerate(_levels(S, node, up, depth, kinds), 1):
        for e in edges:
            near, other = (e.source, e.target) if up else (e.target, e.source)
            if near not in result.depth:
                continue
            if other not in result.depth:
                if limit is not None and len(result.depth) >= limit:
                    cut.add(other)
                    continue
                result.depth[other] = level
            k = (e.source, e.target, e.key)
            if k not in seen_edges:
                seen_edges.add(k)
                result.edges.append(e)
        if cut:  # the limit is reached: what lies further is not walked
            result.complete = depth is not None and level >= depth
            break
    result.truncated = len(cut)
    nodes = S.nodes(result.depth)
    result.nodes = sorted(result.depth, key=lambda n: (result.depth[n], nodes[n].name))
    return result


def lineage_exceeds(S: Store, node: str, n: int, *, up: bool,
                    kinds: tuple[str, ...]) -> bool:
    """Whether the lineage of ``node`` holds more than ``n`` records besides it, found by a
    walk that stops as soon as it knows (it reads at most ``n`` records' relations).

    >>> S = example_store()
    >>> lineage_exceeds(S, "alpaca-7b", 2, up=True, kinds=relation_kinds())
    True
    >>> lineage_exceeds(S, "alpaca-7b", 2, up=False, kinds=relation_kinds())
    False
    """
    seen = {node}
    frontier = [node]
    while frontier:
        nxt = []
        for current in frontier:
            for e in (S.out_edges(current, kinds) if up else S.in_edges(current, kinds)):
                other = e.target if up else e.source
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
                    if len(seen) > n + 1:
                        return True
        frontier = nxt
    return False


def ancestry(
    S: Store,
    node: str,
    *,
    depth: int | None = None,
    relations: Iterable[str] | None = None,
    weights_only: bool = False,
    limit: int | None = None,
) -> Lineage:
    """Everything ``node`` derives from, with the relations that lead there.

    Follows weight lineage (``finetune``, ``variant`` ...), influence
    (``successor``, ``reproduction`` ...: no weights carried) and data lineage
    (``trained_on`` -> ``generated_by`` ...) unless told otherwise; each edge's
    ``category`` tells them apart. ``weights_only`` follows weight lineage alone.

    Parameters
    ----------
    S : Store
    node : str
        A record id (use :func:`resolve` for names).
    depth : int, optional
        Stop after this many hops.
    relations : iterable of str, optional
        Follow only these relation kinds (default: every lineage relation).
    weights_only : bool
        Follow weight lineage only.
    limit : int, optional
        Keep at most this many records (the root included), nearest first, and
        stop walking there; ``truncated`` counts those reached but left out.

    Returns
    -------
    Lineage

    Raises
    ------
    UnknownRecordError, QueryError

    Examples
    --------
    >>> S = example_store()
    >>> a = ancestry(S, "alpaca-7b")
    >>> a.nodes
    ['alpaca-7b', 'alpaca-data', 'llama-7b', 'llama', 'text-davinci-003']
    >>> [(e.source, e.relation, e.target, e.category) for e in a.edges][:2]
    [('alpaca-7b', 'finetune', 'llama-7b', 'weights'), ('alpaca-7b', 'trained_on', 'alpaca-data', 'data')]
    >>> ancestry(S, "alpaca-7b", weights_only=True).nodes
    ['alpaca-7b', 'llama-7b', 'llama']
    """
    return _walk(S, node, True, depth, relation_kinds(relations, weights_only=weights_only),
                 limit)


def descendancy(
    S: Store,
    node: str,
    *,
    depth: int | None = None,
    relations: Iterable[str] | None = None,
    weights_only: bool = False,
    limit: int | None = None,
) -> Lineage:
    """Everything that derives from ``node``: the mirror of :func:`ancestry`.

    The descendants of a dataset are the models trained on it (and datasets
    derived from it) and their descendants; those of a teacher model include
    the datasets generated by it.

    Examples
    --------
    >>> S = example_store()
    >>> descendancy(S, "text-davinci-003").nodes
    ['text-davinci-003', 'alpaca-data', 'alpaca-7b']
    >>> descendancy(S, "llama", depth=1).nodes
    ['llama', 'llama-7b']
    >>> descendancy(S, "llama", limit=2).truncated
    1
    """
    return _walk(S, node, False, depth, relation_kinds(relations, weights_only=weights_only),
                 limit)


def ancestors(S: Store, node: str, **kwargs: Any) -> list[str]:
    """Ids of the lineage ancestors of ``node``, nearest first.

    Takes the keyword arguments of :func:`ancestry`.

    >>> ancestors(example_store(), "alpaca-7b", depth=1)
    ['alpaca-data', 'llama-7b']
    """
    return ancestry(S, node, **kwargs).nodes[1:]


def descendants(S: Store, node: str, **kwargs: Any) -> list[str]:
    """Ids of the lineage descendants of ``node``, nearest first.

    >>> descendants(example_store(), "llama")
    ['llama-7b', 'alpaca-7b']
    """
    return descendancy(S, node, **kwargs).nodes[1:]


def _path_sort_key(names: dict[str, Node], p: LineagePath) -> tuple:
    return (p.weak_hops, -len(p.edges), [names[n].name for n in p.nodes])


def closure_graph(S: Store, node: str, *, kinds: Iterable[str], depth: int | None = None):
    """The ancestry closure of ``node`` as a materialised :class:`networkx.MultiDiGraph`.

    Bounded by the closure, so networkx's algorithms (path enumeration,
    layouts) run on it whatever the size of the store. Edge keys are the
    edges' ``key``; each edge's data holds the :class:`Edge` as ``edge``.
    """
    import networkx as nx

    H = nx.MultiDiGraph()
    H.add_node(node)
    for edges in _levels(S, node, True, depth, tuple(kinds)):
        for e in edges:
            H.add_edge(e.source, e.target, key=e.key, edge=e)
    return H


def _closure_adjacency(S: Store, node: str, kinds: tuple[str, ...],
                       depth: int | None) -> dict[str, dict[str, list[Edge]]]:
    """The ancestry closure of ``node`` as adjacency: node -> parent -> edges, in the order
    a :class:`networkx.MultiDiGraph` built from the walk would hold them."""
    adj: dict[str, dict[str, list[Edge]]] = {node: {}}
    for edges in _levels(S, node, True, depth, kinds):
        for e in edges:
            adj.setdefault(e.source, {}).setdefault(e.target, []).append(e)
            adj.setdefault(e.target, {})
    return adj


def _simple_edge_paths(adj: dict[str, dict[str, list[Edge]]], source: str, target: str,
                       cutoff: int) -> Iterator[list[Edge]]:
    """Every simple path from ``source`` to ``target`` as a list of edges, at most ``cutoff``
    long, in the order of :func:`networkx.all_simple_edge_paths` on the same graph."""
    def out(n: str) -> Iterator[Edge]:
        for es in adj[n].values():
            yield from es

    visited = {source}
    path: list[Edge] = []
    stack = [out(source)]
    while stack:
        e = next(stack[-1], None)
        if e is None:
            stack.pop()
            if path:
                visited.discard(path.pop().target)
            continue
        if e.target in visited:
            continue
        if e.target == target:
            yield [*path, e]
            continue
        if len(path) + 1 < cutoff:
            path.append(e)
            visited.add(e.target)
            stack.append(out(e.target))


def lineage_paths(
    S: Store,
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
    before a shortcut. The paths are enumerated on the descendant's ancestry
    closure (at most ``cutoff`` hops deep), materialised from the store.

    Parameters
    ----------
    S : Store
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
    >>> S = example_store()
    >>> [p.nodes for p in lineage_paths(S, "text-davinci-003", "alpaca-7b")]
    [['text-davinci-003', 'alpaca-data', 'alpaca-7b']]
    >>> lineage_paths(S, "llama", "text-davinci-003")
    Traceback (most recent call last):
    ...
    lineage.errors.NoPathError: no lineage path between 'llama' and 'text-davinci-003'. Neither descends from the other. Run 'lineage ancestry llama' to see what it descends from.
    """
    for n in (source, target):
        if n not in S:
            raise _unknown(S, n)
    if not isinstance(cutoff, int) or cutoff < 1:
        raise QueryError(f"cutoff must be a whole number >= 1, not {cutoff!r}.")
    if not isinstance(limit, int) or limit < 1:
        raise QueryError(f"limit must be a whole number >= 1, not {limit!r}.")
    if source == target:
        raise QueryError("source and target are the same record; give two different records.")
    kinds = relation_kinds(relations)
    found: list[LineagePath] = []
    # statement direction: descendant -> ancestor
    for child, parent, reverse in ((target, source, True), (source, target, False)):
        adj = _closure_adjacency(S, child, kinds, cutoff)
        if parent not in adj:
            continue
        for edges in islice(_simple_edge_paths(adj, child, parent, cutoff), 5000):
            nodes = [child] + [e.target for e in edges]
            if reverse:
                nodes, edges = nodes[::-1], edges[::-1]
            found.append(LineagePath(nodes, edges))
    if not found:
        raise NoPathError(source, target, "Neither descends from the other.")
    names = S.nodes({n for p in found for n in p.nodes})
    found.sort(key=lambda p: _path_sort_key(names, p))
    return found[:limit]


# --- lookup, search and listing ---------------------------------------------------


def search(S: Store, text: str, *, limit: int = 20,
           types: Iterable[str] | None = None) -> list[str]:
    """Records matching ``text`` in their id, name, aliases, Hub ids or description.

    Exact matches come first, then prefix, substring and description matches,
    then close spellings. English and Chinese both work.

    >>> S = example_store()
    >>> search(S, "alpaca")
    ['alpaca-7b', 'alpaca-data']
    >>> search(S, "阿尔")
    ['alpaca-7b']
    >>> search(S, "davinci")
    ['text-davinci-003', 'alpaca-data']
    """
    key = normalize(text or "")
    if not key:
        raise QueryError("search needs some text, e.g. 'lineage search llama'.")
    if not isinstance(limit, int) or limit < 1:
        raise QueryError(f"limit must be a whole number >= 1, not {limit!r}.")
    type_set = _check_types(types)
    words = text.casefold().split()
    scores: dict[str, int] = dict(S.label_matches(key))
    for rid in S.description_matches(words):
        scores.setdefault(rid, 30)
    # a dataset generated by a model whose name matches
    named = [r for r, sc in scores.items() if sc >= 60]
    for rid in named:
        if key in normalize(S.node(rid).name):
            for e in S.in_edges(rid, ["generated_by"]):
                scores.setdefault(e.source, 20)
    nodes = S.nodes(scores)
    scored = [(-sc, RECORD_TYPES.index(nodes[r].type), nodes[r].name.casefold(), r)
              for r, sc in scores.items() if not type_set or nodes[r].type in type_set]
    if not scored:
        for rank, rid in enumerate(S.suggest(text)):
            if rid in S and (not type_set or S.node(rid).type in type_set):
                scored.append((0, rank, "", rid))
    scored.sort()
    return [n for *_, n in scored[:limit]]


def _check_types(types: Iterable[str] | None) -> set[str]:
    if types is None:
        return set()
    out = set()
    for t in types:
        if t not in RECORD_TYPES:
            raise QueryError(f"unknown record type {t!r}. Use one of: {', '.join(RECORD_TYPES)}.")
        out.add(t)
    return out


def developers(S: Store, node: str) -> list[str]:
    """Ids of the organizations that developed ``node``.

    A record with no ``developed_by`` of its own takes those of the family it
    is a ``variant`` of (LLaMA-7B is Meta's through the LLaMA family).

    >>> developers(example_store(), "alpaca-7b")
    ['stanford']
    """
    own = sorted(e.target for e in S.out_edges(node, ["developed_by"]))
    if own:
        return own
    seen = {node}
    frontier = [node]
    while frontier:  # climb variant -> family links until some family names its developer
        families = [e.target for n in frontier for e in S.out_edges(n, ["variant"])
                    if e.target not in seen]
        found = sorted({e.target for f in families for e in S.out_edges(f, ["developed_by"])})
        if found:
            return found
        seen.update(families)
        frontier = families
    return []


def _developed_by(S: Store, org: str) -> set[str]:
    """Candidates developed by ``org``: its own records and their variants, transitively."""
    out = {e.source for e in S.in_edges(org, ["developed_by"])}
    frontier = list(out)
    while frontier:
        nxt = [e.source for f in frontier for e in S.in_edges(f, ["variant"])
               if e.source not in out]
        out.update(nxt)
        frontier = nxt
    return out


def filter_records(
    S: Store,
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
    >>> S = example_store()
    >>> filter_records(S, types=["model"], since="2023")
    ['llama-7b', 'alpaca-7b']
    >>> filter_records(S, organization="stanford")
    ['alpaca-7b']
    """
    type_set = _check_types(types)
    lo, hi = _parse_bound(since, "since"), _parse_bound(until, "until")
    if weights is not None and weights not in ("open", "restricted", "closed"):
        raise QueryError(f"weights must be open, restricted or closed, not {weights!r}.")
    if organization is not None and organization not in S:
        raise _unknown(S, organization, "organization")
    if organization is not None:  # the organization's own records and their variants
        found = [n for n in _developed_by(S, organization)
                 if _matches(S.node(n), type_set, lo, hi, weights)
                 and organization in developers(S, n)]
    else:
        found = list(S.ids(types=type_set or None, since=lo, until=hi, weights=weights))
    nodes = S.nodes(found)
    return sorted(found, key=lambda n: (date_key(nodes[n].date) or (9999,), nodes[n].name))


def _matches(n: Node, types: set[str], lo: str | None, hi: str | None,
             weights: str | None) -> bool:
    return ((not types or n.type in types) and date_in_bound(n.date, lo, hi)
            and (not weights or n.weights == weights))


def _parse_bound(value: str | None, name: str) -> str | None:
    try:
        return parse_date_bound(value)
    except ValueError as e:
        raise QueryError(f"--{name}: {e}.") from None


def neighbours(S: Store, node: str) -> dict[str, list[Edge]]:
    """The relations of ``node``: ``out`` (it states) and ``in`` (others state about it).

    >>> nb = neighbours(example_store(), "llama-7b")
    >>> [(e.source, e.relation) for e in nb["in"]], [(e.relation, e.target) for e in nb["out"]]
    ([('alpaca-7b', 'finetune')], [('variant', 'llama')])
    """
    if node not in S:
        raise _unknown(S, node)
    return {"out": S.out_edges(node), "in": S.in_edges(node)}


def statistics(S: Store) -> dict[str, Any]:
    """Counts of records and relations by type, kind and confidence.

    >>> s = statistics(example_store())
    >>> s["records"], s["relations"], s["by_type"]["model"], s["by_category"]["data"]
    (6, 5, 3, 2)
    """
    by_type: dict[str, int] = {}
    n_records = with_date = 0
    for rid in S.iter_ids():
        n = S.node(rid)
        n_records += 1
        by_type[n.type] = by_type.get(n.type, 0) + 1
        with_date += bool(n.date)
    by_rel: dict[str, int] = {}
    by_cat: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    by_conf: dict[str, int] = {}
    by_prov: dict[str, dict[str, int]] = {p: dict.fromkeys(CONFIDENCES, 0) for p in PROVENANCES}
    docs: set[str] = set()
    parents: dict[str, set[str]] = {}
    n_edges = 0
    for e in S.iter_edges():
        n_edges += 1
        by_rel[e.relation] = by_rel.get(e.relation, 0) + 1
        by_cat[e.category] += 1
        by_conf[e.confidence] = by_conf.get(e.confidence, 0) + 1
        prov = by_prov[provenance(s.document for s in e.sources)]
        prov[e.confidence] = prov.get(e.confidence, 0) + 1
        docs.update(s.document for s in e.sources)
        if e.category != "knowledge":
            parents.setdefault(e.source, set()).add(e.target)
            parents.setdefault(e.target, set())
    roots = [n for n, ps in parents.items() if not ps]
    return {
        "records": n_records,
        "relations": n_edges,
        "by_type": dict(sorted(by_type.items())),
        "by_relation": dict(sorted(by_rel.items())),
        "by_category": by_cat,
        "by_confidence": dict(sorted(by_conf.items())),
        "by_provenance": by_prov,
        "documents_cited": len(docs),
        "lineage_roots": len(roots),
        "longest_lineage": _longest(parents),
        "with_date": with_date,
    }


def _longest(parents: dict[str, set[str]]) -> int:
    """Hops in the longest chain of a DAG given as child -> parents (iteratively)."""
    memo: dict[str, int] = {}
    for start in parents:
        if start in memo:
            continue
        stack = [(start, iter(parents[start]))]
        while stack:
            n, it = stack[-1]
            nxt = next((p for p in it if p not in memo), None)
            if nxt is not None:
                if any(nxt == s for s, _ in stack):
                    raise QueryError(f"the lineage has a cycle through {nxt!r}; "
                                     "run 'lineage validate' to find it.")
                stack.append((nxt, iter(parents[nxt])))
                continue
            stack.pop()
            memo[n] = max((memo[p] + 1 for p in parents[n]), default=0)
    return max(memo.values(), default=0)


def as_of(S: Store, date: str) -> Store:
    """The store as it stood on ``date``: later records and relations left out.

    A record is kept when it is undated or dated on or before ``date`` (at the
    precision both dates share: ``2023`` keeps ``2023-11``); a relation is
    kept when both ends are kept and its own ``date``, if any, is not later.
    Returns a read-only view; ``S`` is not changed.

    Examples
    --------
    >>> S = example_store()
    >>> H = as_of(S, "2023-02")
    >>> sorted(H.iter_ids())
    ['llama', 'llama-7b', 'stanford', 'text-davinci-003']
    >>> H.as_of_date
    '2023-02'
    """
    bound = _parse_bound(date, "as-of")
    if bound is None:
        raise QueryError("as_of needs a date such as 2023 or 2023-03.")
    return AsOfStore(S, date)
