"""Views over a store (a subset of its records, the store as of a date), records as
validated models, and bounded parts of a store as networkx graphs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .base import Edge, Node, Store, date_in_bound, parse_date_bound

__all__ = ["FilteredStore", "SubsetStore", "AsOfStore", "pydantic_record",
           "iter_pydantic_records", "materialize"]


class FilteredStore(Store):
    """A read-only view of ``base`` keeping the records ``keep_id`` accepts and the
    relations ``keep_edge`` accepts between two kept records. Subclasses say which."""

    def __init__(self, base: Store) -> None:
        self.base = base
        self.as_of_date = base.as_of_date
        self.local = base.local

    def keep_id(self, rid: str) -> bool:
        raise NotImplementedError

    def keep_edge(self, e: Edge) -> bool:
        return True

    def _edge_ok(self, e: Edge) -> bool:
        return self.keep_edge(e) and self.keep_id(e.source) and self.keep_id(e.target)

    def __contains__(self, rid: object) -> bool:
        return isinstance(rid, str) and rid in self.base and self.keep_id(rid)

    def __len__(self) -> int:
        return sum(1 for _ in self.iter_ids())

    def node(self, rid: str) -> Node:
        if not self.keep_id(rid):
            raise KeyError(rid)
        return self.base.node(rid)

    def nodes(self, rids: Iterable[str]) -> dict[str, Node]:
        rids = list(rids)
        for r in rids:
            if not self.keep_id(r):
                raise KeyError(r)
        return self.base.nodes(rids)

    def record(self, rid: str) -> dict[str, Any]:
        self.node(rid)
        return self.base.record(rid)

    def origin(self, rid: str):
        return self.base.origin(rid)

    def iter_ids(self) -> Iterator[str]:
        return (r for r in self.base.iter_ids() if self.keep_id(r))

    def edge_count(self) -> int:
        return sum(1 for _ in self.iter_edges())

    def iter_edges(self) -> Iterator[Edge]:
        return (e for e in self.base.iter_edges() if self._edge_ok(e))

    def out_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        if rid not in self:
            return []
        return [e for e in self.base.out_edges(rid, kinds) if self._edge_ok(e)]

    def in_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        if rid not in self:
            return []
        return [e for e in self.base.in_edges(rid, kinds) if self._edge_ok(e)]

    def lookup(self, name: str) -> str | None:
        return self.base.lookup(name)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        return [r for r in self.base.suggest(name, n) if r in self]

    def label_matches(self, key: str) -> dict[str, int]:
        return {r: s for r, s in self.base.label_matches(key).items() if r in self}

    def description_matches(self, words: list[str]) -> set[str]:
        return {r for r in self.base.description_matches(words) if r in self}

    def ids(self, *, types=None, since=None, until=None, weights=None) -> Iterator[str]:
        return (r for r in self.base.ids(types=types, since=since, until=until, weights=weights)
                if self.keep_id(r))

    def close(self) -> None:
        self.base.close()

    @property
    def kb(self) -> Any:
        """The knowledge base of the underlying store, when it keeps one."""
        return getattr(self.base, "kb", None)


class SubsetStore(FilteredStore):
    """The records ``ids`` of ``base`` and the relations among them."""

    def __init__(self, base: Store, ids: Iterable[str]) -> None:
        super().__init__(base)
        self.keep = {i for i in ids if i in base}

    def keep_id(self, rid: str) -> bool:
        return rid in self.keep

    def __len__(self) -> int:
        return len(self.keep)

    def iter_ids(self) -> Iterator[str]:
        if len(self.keep) * 20 < len(self.base):  # a small part of a big store
            return iter(list(self.base.nodes(self.keep)))
        return super().iter_ids()


class AsOfStore(FilteredStore):
    """The store as it stood on ``date``: records dated later, and relations dated
    later or touching such records, are left out. Undated records and relations are
    kept; dates compare at the precision both share (``2023`` keeps ``2023-11``)."""

    def __init__(self, base: Store, date: str) -> None:
        super().__init__(base)
        bound = parse_date_bound(date)
        if bound is None:
            raise ValueError("as_of needs a date such as 2023 or 2023-03")
        self.bound = bound
        self.as_of_date = str(date)

    def _dated_ok(self, date: str | None) -> bool:
        return not date or date_in_bound(date, None, self.bound)

    def keep_id(self, rid: str) -> bool:
        try:
            return self._dated_ok(self.base.node(rid).date)
        except KeyError:
            return False

    def keep_edge(self, e: Edge) -> bool:
        return self._dated_ok(e.date)

    @property
    def description(self) -> str:
        return f"{self.base.description} as of {self.as_of_date}"


def _root_kb(S: Store) -> Any:
    while True:
        kb = getattr(S, "kb", None)
        if kb is not None or not hasattr(S, "base"):
            return kb
        S = S.base  # type: ignore[attr-defined]


def _root(S: Store) -> Store:
    while hasattr(S, "base"):
        S = S.base  # type: ignore[attr-defined]
    return S


def _stored_record(body: dict[str, Any], edges: Iterable[Edge]) -> Any:
    from lineage.records import item_adapter

    rels = [{"relation": e.relation, "target": e.target, "confidence": e.confidence, **e.body()}
            for e in sorted(edges, key=lambda e: e.position)]
    return item_adapter().validate_python(
        {**{k: v for k, v in body.items() if v is not None}, "relations": rels})


def pydantic_record(S: Store, rid: str) -> Any:
    """The record ``rid`` as a :mod:`lineage.records` model, with every relation.

    Taken from the knowledge base of an in-memory store; rebuilt from the stored
    JSON otherwise (validated again: a store file is data, not code).
    """
    kb = _root_kb(S)
    if kb is not None and rid in kb.records:
        return kb.records[rid]
    base = _root(S)
    return _stored_record(base.record(rid), base.out_edges(rid))


def iter_pydantic_records(S: Store) -> Iterator[Any]:
    """Every record of ``S`` as a model, sorted by id, read in one pass where the store can."""
    base = _root(S)
    native = getattr(base, "iter_sorted_records", None)
    if _root_kb(S) is None and native is not None:
        for body, edges in native():
            if body["id"] in S:
                yield _stored_record(body, edges)
        return
    for rid in sorted(S.iter_ids()):
        yield pydantic_record(S, rid)


def materialize(S: Store, ids: Iterable[str] | None = None):
    """A :class:`networkx.MultiDiGraph` of ``ids`` (all records when None) and the relations
    among them, for layouts and other networkx algorithms on a bounded part of a store.

    Nodes carry ``type``, ``name``, ``aliases``, ``date``, ``weights`` and ``record``
    (the JSON record); edges carry the fields of :class:`Edge` and the edge itself.
    """
    import networkx as nx

    keep = list(S.iter_ids()) if ids is None else [i for i in ids if i in S]
    kset = set(keep)
    G = nx.MultiDiGraph()
    nodes = S.nodes(keep)
    for rid in keep:
        n = nodes[rid]
        G.add_node(rid, type=n.type, name=n.name, aliases=list(n.aliases), date=n.date,
                   weights=n.weights, hub_ids=list(n.hub_ids))
    for rid in keep:
        for e in S.out_edges(rid):
            if e.target in kset:
                G.add_edge(e.source, e.target, key=e.key, relation=e.relation,
                           category=e.category, confidence=e.confidence, sources=list(e.sources),
                           note=e.note, techniques=list(e.techniques), date=e.date,
                           score=e.score, metric=e.metric, setting=e.setting, edge=e)
    return G
