"""The ``--json`` contract: plain dicts of nodes, edges and paths.

Every query command prints one JSON object. ``nodes`` hold at least ``id``,
``name``, ``type`` and ``aliases``; ``edges`` hold at least ``source``,
``target``, ``relation``, ``confidence`` and ``sources``. An edge reads
``source <relation> target`` ("alpaca-7b finetune llama-7b": Alpaca-7B is a
fine-tune of LLaMA-7B). See the README for the full contract.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from .query import Edge, Lineage, LineagePath, developers, neighbours

__all__ = [
    "SCHEMA_VERSION",
    "node_json",
    "edge_json",
    "lineage_json",
    "paths_json",
    "nodes_json",
    "record_json",
]

SCHEMA_VERSION = 1
"""Bumped when a key is removed or changes meaning."""


def node_json(G: nx.MultiDiGraph, node: str, **extra: Any) -> dict[str, Any]:
    data = G.nodes[node]
    out: dict[str, Any] = {
        "id": node,
        "name": data["name"],
        "type": data["type"],
        "aliases": list(data["aliases"]),
        "date": data["date"],
        "developers": developers(G, node),
    }
    weights = getattr(data["record"], "weights", None)
    if weights is not None:
        out["weights"] = weights
    out.update(extra)
    return out


def edge_json(e: Edge) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": e.source,
        "target": e.target,
        "relation": e.relation,
        "category": e.category,
        "confidence": e.confidence,
        "sources": [s.model_dump(exclude_none=True) for s in e.sources],
        "techniques": list(e.techniques),
        "note": e.note,
        "date": e.date,
    }
    if e.relation == "evaluated_on":
        out.update(score=e.score, metric=e.metric, setting=e.setting)
    return out


def lineage_json(G: nx.MultiDiGraph, result: Lineage) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "query": result.direction,
        "root": result.root,
        "nodes": [node_json(G, n, depth=result.depth[n]) for n in result.nodes],
        "edges": [edge_json(e) for e in result.edges],
    }


def paths_json(G: nx.MultiDiGraph, source: str, target: str,
               paths: list[LineagePath]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "query": "path",
        "source": source,
        "target": target,
        "paths": [
            {
                "nodes": [node_json(G, n) for n in p.nodes],
                "edges": [edge_json(e) for e in p.edges],
                "weak_hops": p.weak_hops,
            }
            for p in paths
        ],
    }


def nodes_json(G: nx.MultiDiGraph, nodes: list[str], query: str) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "query": query,
            "nodes": [node_json(G, n) for n in nodes]}


def record_json(G: nx.MultiDiGraph, node: str) -> dict[str, Any]:
    """The full record, with every relation in and out and its neighbours."""
    rec = G.nodes[node]["record"]
    nb = neighbours(G, node)
    edges = nb["out"] + nb["in"]
    others = sorted({e.target for e in nb["out"]} | {e.source for e in nb["in"]})
    kb = G.graph["kb"]
    origin = kb.origins.get(node)
    return {
        "schema_version": SCHEMA_VERSION,
        "query": "show",
        "record": rec.model_dump(mode="json", exclude={"relations"}),
        "defined_in": None if origin is None else {"file": origin.file, "line": origin.line},
        "nodes": [node_json(G, node)] + [node_json(G, n) for n in others],
        "edges": [edge_json(e) for e in edges],
    }
