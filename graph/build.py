"""Build the lineage multi-digraph from the knowledge base.

Edges point the way the data reads: from the record that states a relation to
its target (``alpaca-7b -> llama-7b`` with ``relation="finetune"``), the same
direction as ``prov:wasDerivedFrom``. Lineage *ancestors* are therefore the
nodes reachable along out-edges, and *descendants* those reachable along
in-edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from lineage.load import KnowledgeBase, load
from lineage.records import DATA_RELATIONS, WEIGHT_RELATIONS

__all__ = ["build_graph", "load_graph", "category"]


def category(relation: str) -> str:
    """``'weights'``, ``'data'`` or ``'knowledge'`` for a relation kind.

    >>> category("finetune"), category("trained_on"), category("developed_by")
    ('weights', 'data', 'knowledge')
    """
    if relation in WEIGHT_RELATIONS:
        return "weights"
    if relation in DATA_RELATIONS:
        return "data"
    return "knowledge"


def build_graph(kb: KnowledgeBase) -> nx.MultiDiGraph:
    """Return a :class:`networkx.MultiDiGraph` of every record and relation.

    Nodes carry ``type``, ``name``, ``aliases``, ``date`` and ``record`` (the
    pydantic record); edges carry ``relation``, ``category``, ``confidence``,
    ``sources``, ``note``, ``techniques``, ``date`` and, for ``evaluated_on``,
    ``score``, ``metric`` and ``setting``. Edge keys are ``"<relation>:<n>"``.
    The knowledge base is kept in ``G.graph["kb"]``.
    """
    G = nx.MultiDiGraph(kb=kb)
    for rec in kb.records.values():
        G.add_node(rec.id, type=rec.type, name=rec.name, aliases=list(rec.aliases),
                   date=rec.date, record=rec)
    for rec in kb.records.values():
        for k, rel in enumerate(rec.relations):
            if rel.target not in kb.records:
                continue  # only possible with check=False; validation reports it
            G.add_edge(
                rec.id, rel.target, key=f"{rel.relation}:{k}",
                relation=rel.relation, category=category(rel.relation),
                confidence=rel.confidence, sources=list(rel.sources), note=rel.note,
                techniques=list(rel.techniques), date=rel.date, score=rel.score,
                metric=rel.metric, setting=rel.setting,
            )
    return G


def load_graph(
    data_dirs: Sequence[str | Path] | None = None, *, shipped: bool = True
) -> nx.MultiDiGraph:
    """Load the knowledge base (see :func:`lineage.load.load`) and build its graph."""
    return build_graph(load(data_dirs, shipped=shipped))
