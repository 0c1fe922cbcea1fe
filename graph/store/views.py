"""Views over a store: a subset of its records, and records as validated models."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .base import Edge, Node, Store

__all__ = ["SubsetStore", "pydantic_record", "materialize"]


class SubsetStore(Store):
    """The records ``ids`` of ``base`` and the relations among them (a read-only view)."""

    def __init__(self, base: Store, ids: Iterable[str]) -> None:
        self.base = base
        self.keep = {i for i in ids if i in base}
        self.as_of_date = base.as_of_date

    def __contains__(self, rid: object) -> bool:
        return rid in self.keep

    def __len__(self) -> int:
        return len(self.keep)

    def node(self, rid: str) -> Node:
        if rid not in self.keep:
            raise KeyError(rid)
        return self.base.node(rid)

    def nodes(self, rids: Iterable[str]) -> dict[str, Node]:
        rids = list(rids)
        for r in rids:
            if r not in self.keep:
                raise KeyError(r)
        return self.base.nodes(rids)

    def record(self, rid: str) -> dict[str, Any]:
        self.node(rid)
        return self.base.record(rid)

    def origin(self, rid: str):
        return self.base.origin(rid)

    def iter_ids(self) -> Iterator[str]:
        if len(self.keep) * 20 < len(self.base):
            order = self.base.nodes(self.keep)
            return iter([r for r in order])
        return (r for r in self.base.iter_ids() if r in self.keep)

    def edge_count(self) -> int:
        return sum(len(self.out_edges(r)) for r in self.keep)

    def iter_edges(self) -> Iterator[Edge]:
        for r in self.iter_ids():
            yield from self.out_edges(r)

    def out_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        if rid not in self.keep:
            return []
        return [e for e in self.base.out_edges(rid, kinds) if e.target in self.keep]

    def in_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        if rid not in self.keep:
            return []
        return [e for e in self.base.in_edges(rid, kinds) if e.source in self.keep]

    def lookup(self, name: str) -> str | None:
        return self.base.lookup(name)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        return [r for r in self.base.suggest(name, n) if r in self.keep]

    def label_matches(self, key: str) -> dict[str, int]:
        return {r: s for r, s in self.base.label_matches(key).items() if r in self.keep}

    def description_matches(self, words: list[str]) -> set[str]:
        return {r for r in self.base.description_matches(words) if r in self.keep}

    @property
    def kb(self) -> Any:
        return getattr(self.base, "kb", None)


def _root_kb(S: Store) -> Any:
    while True:
        kb = getattr(S, "kb", None)
        if kb is not None or not hasattr(S, "base"):
            return kb
        S = S.base  # type: ignore[attr-defined]


def pydantic_record(S: Store, rid: str) -> Any:
    """The validated record ``rid`` (a :mod:`lineage.records` model), with every relation.

    Taken from the knowledge base of an in-memory store; rebuilt from the stored
    JSON otherwise.
    """
    kb = _root_kb(S)
    if kb is not None and rid in kb.records:
        return kb.records[rid]
    from pydantic import TypeAdapter

    from lineage.records import Item

    base = S
    while hasattr(base, "base"):
        base = base.base  # type: ignore[attr-defined]
    body = dict(base.record(rid))
    rels = []
    for e in sorted(base.out_edges(rid), key=lambda e: e.position):
        rel: dict[str, Any] = {"relation": e.relation, "target": e.target,
                               "confidence": e.confidence, **e.body()}
        rels.append(rel)
    body["relations"] = rels
    global _ITEM
    if _ITEM is None:
        _ITEM = TypeAdapter(Item)
    return _ITEM.validate_python({k: v for k, v in body.items() if v is not None})


_ITEM: Any = None


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
