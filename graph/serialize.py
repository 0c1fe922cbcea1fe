"""The ``--json`` contract: plain dicts of nodes, edges and paths.

Every query command prints one JSON object. ``nodes`` hold at least ``id``,
``name``, ``type`` and ``aliases``; ``edges`` hold at least ``source``,
``target``, ``relation``, ``confidence`` and ``sources``. An edge reads
``source <relation> target`` ("alpaca-7b finetune llama-7b": Alpaca-7B is a
fine-tune of LLaMA-7B). See the README for the full contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

from .query import Edge, Lineage, LineagePath, developers, neighbours

if TYPE_CHECKING:  # analytics imports query and render; import its types for annotations only
    from lineage.errors import Problem

    from .analytics import CheckReport, CommonAncestors, LicenseReport, Restriction, Teaching

__all__ = [
    "SCHEMA_VERSION",
    "node_json",
    "edge_json",
    "lineage_json",
    "paths_json",
    "nodes_json",
    "record_json",
    "path_json",
    "license_json",
    "teachings_json",
    "common_json",
    "problem_json",
    "check_json",
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



# --- lineage analytics -------------------------------------------------------------


def path_json(G: nx.MultiDiGraph, path: LineagePath) -> dict[str, Any]:
    """``{nodes, edges, weak_hops}`` for one path; ``edges[i]`` links ``nodes[i]`` and ``[i+1]``."""
    return {"nodes": [node_json(G, n) for n in path.nodes],
            "edges": [edge_json(e) for e in path.edges],
            "weak_hops": path.weak_hops}


def _union(G: nx.MultiDiGraph, first: list[str],
           paths: list[LineagePath]) -> dict[str, list[dict[str, Any]]]:
    """Every node and edge of ``paths`` once, in order of first appearance."""
    nodes = list(dict.fromkeys(first + [n for p in paths for n in p.nodes]))
    edges: dict[tuple[str, str, str], Edge] = {}
    for p in paths:
        for e in p.edges:
            edges.setdefault((e.source, e.target, e.key), e)
    return {"nodes": [node_json(G, n) for n in nodes],
            "edges": [edge_json(e) for e in edges.values()]}


def _restriction_json(G: nx.MultiDiGraph, r: Restriction) -> dict[str, Any]:
    lic = G.nodes[r.license]["record"]
    return {
        "license": {"id": lic.id, "name": lic.name, "spdx": lic.spdx,
                    "commercial_use": lic.commercial_use,
                    "restricts_outputs": lic.restricts_outputs, "why": lic.why},
        "kind": r.kind,
        "effect": r.effect,
        "reason": r.reason,
        "weak": r.weak,
        "carrier": r.carrier,
        "anchor": r.anchor,
        "path": path_json(G, r.path),
    }


_VERDICT = {True: "allowed", False: "not allowed", None: "unknown"}


def license_json(G: nx.MultiDiGraph, report: LicenseReport) -> dict[str, Any]:
    """The ``lineage license --json`` object: verdict, restrictions with paths, conflicts."""
    return {
        "schema_version": SCHEMA_VERSION,
        "query": "license",
        "root": report.node,
        "commercial_use": report.commercial_use,
        "verdict": _VERDICT[report.commercial_use],
        "reason": report.reason,
        "weak": report.weak,
        "declared": [r.license for r in report.declared],
        "restrictions": [_restriction_json(G, r) for r in report.restrictions],
        "conflicts": [{"declared": _restriction_json(G, c.declared),
                       "inherited": _restriction_json(G, c.inherited), "weak": c.weak}
                      for c in report.conflicts],
        **_union(G, [report.node], [r.path for r in report.restrictions]),
    }


def teachings_json(G: nx.MultiDiGraph, node: str, teachings: list[Teaching],
                   query: str) -> dict[str, Any]:
    """The ``lineage teachers|students --json`` object; the list is keyed by ``query``."""
    if query not in ("teachers", "students"):
        raise ValueError(f"query must be 'teachers' or 'students', not {query!r}")
    return {
        "schema_version": SCHEMA_VERSION,
        "query": query,
        "root": node,
        query: [{"teacher": t.teacher, "student": t.student, "dataset": t.dataset,
                 "direct": t.direct, "weak": t.weak, "path": path_json(G, t.path)}
                for t in teachings],
        **_union(G, [node], [t.path for t in teachings]),
    }


def common_json(G: nx.MultiDiGraph, result: CommonAncestors) -> dict[str, Any]:
    """The ``lineage common --json`` object: each lowest common ancestor with its paths."""
    every = [p for a in result.ancestors for p in result.paths[a]]
    return {
        "schema_version": SCHEMA_VERSION,
        "query": "common",
        "records": list(result.nodes),
        "ancestors": [{"id": a, "paths": [{"from": n, **path_json(G, p)}
                                          for n, p in zip(result.nodes, result.paths[a], strict=True)]}
                      for a in result.ancestors],
        **_union(G, list(result.nodes) + list(result.ancestors), every),
    }


def problem_json(p: Problem) -> dict[str, Any]:
    """One problem, with the keys of ``lineage validate --json``."""
    return {"file": p.file, "line": p.line, "record": p.record, "field": p.field,
            "kind": p.kind, "severity": p.severity, "message": p.message, "fix": p.fix}


def check_json(report: CheckReport) -> dict[str, Any]:
    """The ``lineage check --json`` object: counts, counts by kind, and every problem."""
    return {
        "schema_version": SCHEMA_VERSION,
        "query": "check",
        "records": report.records,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "by_kind": report.by_kind(),
        "problems": [problem_json(p) for p in report.problems],
    }
