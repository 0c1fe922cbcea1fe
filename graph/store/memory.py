"""The in-memory store: a validated knowledge base held in dictionaries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from lineage.names import normalize, record_labels

from .base import Edge, Node, Source, Store, category, describing, label_scores

if TYPE_CHECKING:
    from lineage.load import KnowledgeBase

__all__ = ["MemoryStore", "record_node", "record_body", "relation_edge"]


def record_node(rec: Any) -> Node:
    return Node(rec.id, rec.type, rec.name, tuple(rec.aliases), rec.date,
                getattr(rec, "weights", None), tuple(getattr(rec, "hub_ids", ()) or ()))


def record_body(rec: Any) -> dict[str, Any]:
    """The record as JSON data, every field except ``relations``."""
    return rec.model_dump(mode="json", exclude={"relations"})


def relation_edge(rid: str, k: int, rel: Any) -> Edge:
    return Edge(
        source=rid, target=rel.target, relation=rel.relation, category=category(rel.relation),
        confidence=rel.confidence,
        sources=tuple(Source(s.document, s.quote, s.locator, s.field, s.translation)
                      for s in rel.sources),
        note=rel.note, techniques=tuple(rel.techniques), date=rel.date, score=rel.score,
        metric=rel.metric, setting=rel.setting, key=f"{rel.relation}:{k}",
    )


class MemoryStore(Store):
    """Every record and relation of a :class:`lineage.load.KnowledgeBase` in memory.

    >>> from graph.query import example_store
    >>> S = example_store()
    >>> len(S), S.edge_count(), S.node("alpaca-7b").name
    (6, 5, 'Alpaca-7B')
    >>> [e.target for e in S.out_edges("alpaca-7b", ["finetune"])]
    ['llama-7b']
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._nodes: dict[str, Node] = {}
        self._out: dict[str, list[Edge]] = {}
        self._in: dict[str, list[Edge]] = {}
        for rec in kb.records.values():
            self._nodes[rec.id] = record_node(rec)
        n_edges = 0
        for rec in kb.records.values():
            out = []
            for k, rel in enumerate(rec.relations):
                if rel.target not in kb.records:
                    continue  # only possible with check=False; validation reports it
                e = relation_edge(rec.id, k, rel)
                out.append(e)
                self._in.setdefault(rel.target, []).append(e)
            n_edges += len(out)
            if out:
                self._out[rec.id] = out
        self._n_edges = n_edges
        self._labels: dict[str, list[str]] | None = None

    def __contains__(self, rid: object) -> bool:
        return rid in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def node(self, rid: str) -> Node:
        return self._nodes[rid]

    def record(self, rid: str) -> dict[str, Any]:
        return record_body(self.kb.records[rid])

    def origin(self, rid: str) -> tuple[str, int | None] | None:
        o = self.kb.origins.get(rid)
        return None if o is None else (o.file, o.line)

    def iter_ids(self) -> Iterator[str]:
        return iter(list(self._nodes))

    def edge_count(self) -> int:
        return self._n_edges

    def out_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        edges = self._out.get(rid, [])
        if kinds is None:
            return list(edges)
        ks = set(kinds)
        return [e for e in edges if e.relation in ks]

    def in_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        edges = self._in.get(rid, [])
        if kinds is not None:
            ks = set(kinds)
            edges = [e for e in edges if e.relation in ks]
        return sorted(edges, key=lambda e: (e.source, e.position))

    def lookup(self, name: str) -> str | None:
        if name in self._nodes:
            return name
        return self.kb.index.get(name)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        return self.kb.index.suggest(name, n)

    def _label_keys(self) -> dict[str, list[str]]:
        if self._labels is None:
            self._labels = {r.id: [normalize(x) for x in record_labels(r)]
                            for r in self.kb.records.values()}
        return self._labels

    def label_matches(self, key: str) -> dict[str, int]:
        return label_scores(self._label_keys().items(), key)

    def description_matches(self, words: list[str]) -> set[str]:
        return describing(((r.id, r.description) for r in self.kb.records.values()), words)

    @property
    def description(self) -> str:
        return f"in-memory store ({len(self)} records)"
