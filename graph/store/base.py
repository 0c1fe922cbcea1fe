"""The storage seam: the ``Store`` protocol and the values it speaks.

Every query, analytic, serializer, renderer and exporter in :mod:`graph` is
written against a :class:`Store`, never against a particular engine. A store
speaks records and typed relations:

* ``node(id)`` -> :class:`Node` (id, type, name, aliases, date, weights, Hub ids);
* ``record(id)`` -> the record as plain JSON data (every field but relations);
* ``out_edges(id, kinds)`` / ``in_edges(id, kinds)`` -> :class:`Edge` lists in
  the order the data states them;
* ``lookup(name)`` (exact id / name / alias / Hub id), ``suggest(name)``
  (close matches), ``label_matches`` / ``description_matches`` (search);
* ``ids(types=, since=, until=, weights=)`` (indexed scans) and ``as_of(date)``.

Edges point from the record that states a relation to its target
(``alpaca-7b -> llama-7b`` with ``relation="finetune"``), the direction of
``prov:wasDerivedFrom``: lineage *ancestors* are reached along out-edges.

A backend may offer a native version of an algorithm (a recursive CTE for a
closure); generic functions in :mod:`graph.query` use it when present.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lineage.dates import check_partial_date, date_in_bound
from lineage.vocab import RELATION_CATEGORY

__all__ = ["Source", "Node", "Edge", "Store", "category", "date_in_bound", "parse_date_bound",
           "next_frontier", "bulk_work"]


@contextmanager
def bulk_work() -> Iterator[None]:
    """Run a long write (a build, an import) without the garbage collector's cycle search:
    it would otherwise rescan the growing heap every few thousand records (records hold
    no reference cycles to collect; reference counting frees them). It is back after."""
    import gc

    from lineage.load import no_gc

    gc.collect()
    gc.freeze()
    try:
        with no_gc():
            yield
    finally:
        gc.unfreeze()


def category(relation: str) -> str:
    """``'weights'``, ``'influence'``, ``'data'`` or ``'knowledge'`` for a relation kind.

    (:data:`lineage.vocab.RELATIONS` says which; an unknown kind is ``'knowledge'``.)

    >>> category("finetune"), category("successor"), category("trained_on"), category("developed_by")
    ('weights', 'influence', 'data', 'knowledge')
    """
    return RELATION_CATEGORY.get(relation, "knowledge")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a statement comes from: a document, and a quote or locator in it."""

    document: str
    quote: str | None = None
    locator: str | None = None
    field: str | None = None
    translation: str | None = None

    def to_dict(self) -> dict[str, str]:
        """The source as JSON data, without empty keys."""
        return source_dict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Source:
        return cls(d["document"], d.get("quote"), d.get("locator"), d.get("field"),
                   d.get("translation"))


@dataclass(frozen=True, slots=True)
class Node:
    """The summary of one record that queries and renderers need."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...] = ()
    date: str | None = None
    weights: str | None = None
    hub_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edge:
    """One relation: ``source <relation> target`` with its evidence.

    ``key`` is ``"<relation>:<n>"``, ``n`` the relation's position in the
    stating record; ``(source, position)`` is the order the data states them.
    """

    source: str
    target: str
    relation: str
    category: str
    confidence: str
    sources: tuple[Source, ...] = ()
    note: str | None = None
    techniques: tuple[str, ...] = ()
    date: str | None = None
    score: float | None = None
    metric: str | None = None
    setting: str | None = None
    key: str = ""

    @property
    def position(self) -> int:
        return int(self.key.rsplit(":", 1)[1]) if ":" in self.key else 0

    def body(self) -> dict[str, Any]:
        """The evidence of the edge as JSON data (what a store keeps beside the ends)."""
        return evidence_body(self)

    @classmethod
    def from_body(cls, source: str, target: str, relation: str, confidence: str, position: int,
                  body: dict[str, Any]) -> Edge:
        return cls(
            source=source, target=target, relation=relation, category=category(relation),
            confidence=confidence,
            sources=tuple(Source.from_dict(s) for s in body.get("sources", ())),
            note=body.get("note"), techniques=tuple(body.get("techniques", ())),
            date=body.get("date"), score=body.get("score"), metric=body.get("metric"),
            setting=body.get("setting"), key=f"{relation}:{position}",
        )


def source_dict(src: Any) -> dict[str, str]:
    """A :class:`Source` or a validated source as JSON data, without empty keys."""
    out = {"document": src.document}
    for k in ("quote", "locator", "field", "translation"):
        v = getattr(src, k)
        if v is not None:
            out[k] = v
    return out


def evidence_body(rel: Any) -> dict[str, Any]:
    """The evidence of an :class:`Edge` or of a validated relation (the same fields) as
    JSON data: its sources without empty keys, then the relation's own details."""
    out: dict[str, Any] = {"sources": [source_dict(s) for s in rel.sources]}
    for k in ("note", "date", "score", "metric", "setting"):
        v = getattr(rel, k)
        if v is not None:
            out[k] = v
    if rel.techniques:
        out["techniques"] = list(rel.techniques)
    return out


def label_scores(items: Iterable[tuple[str, Iterable[str]]], key: str) -> dict[str, int]:
    """How well ``key`` matches each record's normalised labels, for ``(id, labels)`` items:
    100 a whole label, 80 the start of one, 60 inside one; records it misses are left out
    (the rule of :meth:`Store.label_matches`).

    >>> label_scores([("a", ["vicuna13b"]), ("b", ["vicuna"]), ("c", ["llama"])], "vicuna")
    {'a': 80, 'b': 100}
    """
    out: dict[str, int] = {}
    for rid, keys in items:
        keys = list(keys)
        if key in keys:
            out[rid] = 100
        elif any(k.startswith(key) for k in keys):
            out[rid] = 80
        elif any(key in k for k in keys):
            out[rid] = 60
    return out


def describing(rows: Iterable[tuple[str, str | None]], words: list[str]) -> set[str]:
    """The ids of ``(id, description)`` rows whose description holds every one of ``words``
    (case-folded): the rule of :meth:`Store.description_matches` for every store.

    >>> sorted(describing([("a", "An open Chat model"), ("b", None), ("c", "chat")],
    ...                   ["chat", "open"]))
    ['a']
    """
    out = set()
    for rid, desc in rows:
        d = (desc or "").casefold()
        if d and all(w in d for w in words):
            out.add(rid)
    return out


def node_matches(n: Node, types: set[str] | None, since: str | None, until: str | None,
                 weights: str | None) -> bool:
    """Whether record ``n`` passes the filters of :meth:`Store.ids`."""
    if types and n.type not in types:
        return False
    if (since or until) and not date_in_bound(n.date, since, until):
        return False
    return not (weights and n.weights != weights)


def parse_date_bound(value: str | None) -> str | None:
    """Check a partial date used as a bound (``--since``, ``--as-of``); None passes.

    >>> parse_date_bound("2023-03"), parse_date_bound(None)
    ('2023-03', None)
    """
    return None if value is None else check_partial_date(str(value))


def next_frontier(edges: Iterable[Edge], up: bool, seen: set[str]) -> list[str]:
    """The records first reached through ``edges`` in a breadth-first walk, in order;
    adds them to ``seen``. ``up`` walks towards ancestors (edge targets)."""
    out = []
    for e in edges:
        other = e.target if up else e.source
        if other not in seen:
            seen.add(other)
            out.append(other)
    return out


class Store:
    """The protocol every backend implements (see the module docstring).

    Subclasses implement the abstract methods; the rest have generic versions
    a backend may replace with native ones.
    """

    #: set by a view such as :meth:`as_of`
    as_of_date: str | None = None
    #: whether reading one record's relations is cheap (a local store), so an answer may be
    #: read record by record; a store behind a network says False (a whole closure is then
    #: read in a few queries, never one request per record)
    local: bool = True

    # --- records ---------------------------------------------------------------
    def __contains__(self, rid: object) -> bool:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def node(self, rid: str) -> Node:
        """The :class:`Node` of ``rid``; ``KeyError`` when absent."""
        raise NotImplementedError

    def nodes(self, rids: Iterable[str]) -> dict[str, Node]:
        """Nodes of many records at once."""
        return {r: self.node(r) for r in rids}

    def record(self, rid: str) -> dict[str, Any]:
        """The record as JSON data: every field except ``relations``."""
        raise NotImplementedError

    def origin(self, rid: str) -> tuple[str, int | None] | None:
        """``(file, line)`` where the record is defined, when known."""
        return None

    def iter_ids(self) -> Iterator[str]:
        """Every record id, in the order the data defines them."""
        raise NotImplementedError

    def edge_count(self) -> int:
        raise NotImplementedError

    def iter_edges(self) -> Iterator[Edge]:
        """Every relation, by stating record then position."""
        for rid in self.iter_ids():
            yield from self.out_edges(rid)

    # --- relations -------------------------------------------------------------
    def out_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        """Relations ``rid`` states, in the order it states them."""
        raise NotImplementedError

    def in_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        """Relations other records state about ``rid``, by stating record then position."""
        raise NotImplementedError

    # --- names -----------------------------------------------------------------
    def lookup(self, name: str) -> str | None:
        """The id whose id, name, alias or Hub id folds to the same key as ``name``."""
        raise NotImplementedError

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Ids of records whose labels are close to ``name``."""
        raise NotImplementedError

    def label_matches(self, key: str) -> dict[str, int]:
        """Ids whose labels equal (100), start with (80) or contain (60) the folded ``key``."""
        raise NotImplementedError

    def description_matches(self, words: list[str]) -> set[str]:
        """Ids whose description contains every (case-folded) word."""
        raise NotImplementedError

    # --- scans -----------------------------------------------------------------
    def ids(self, *, types: Iterable[str] | None = None, since: str | None = None,
            until: str | None = None, weights: str | None = None) -> Iterator[str]:
        """Ids of records matching the filters (dates as :func:`date_in_bound`)."""
        tset = set(types) if types else None
        for rid in self.iter_ids():
            if node_matches(self.node(rid), tset, since, until, weights):
                yield rid

    def type_counts(self) -> dict[str, int]:
        """How many records of each type."""
        out: dict[str, int] = {}
        for rid in self.iter_ids():
            t = self.node(rid).type
            out[t] = out.get(t, 0) + 1
        return out

    # --- time ------------------------------------------------------------------
    def as_of(self, date: str) -> Store:
        """A read-only view of the store as it stood on ``date``."""
        from .views import AsOfStore

        return AsOfStore(self, date)

    # --- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        """Release files and connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def description(self) -> str:
        """What this store is, for messages."""
        return type(self).__name__
