"""The ``--json`` contract: plain dicts of nodes, edges and paths.

Every query command prints one JSON object. ``nodes`` hold at least ``id``,
``name``, ``type`` and ``aliases``; ``edges`` hold at least ``source``,
``target``, ``relation``, ``confidence`` and ``sources``. An edge reads
``source <relation> target`` ("alpaca-7b finetune llama-7b": Alpaca-7B is a
fine-tune of LLaMA-7B). See the README for the full contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .query import Edge, Lineage, LineagePath, developers, neighbours
from .store.base import Store

if TYPE_CHECKING:  # analytics imports query and render; import its types for annotations only
    from lineage.errors import Problem

    from .analytics import CheckReport, CommonAncestors, LicenseReport, Restriction, Teaching

__all__ = [
    "SCHEMA_VERSION",
    "node_json",
    "edge_json",
    "lineage_json",
    "iter_lineage_jsonl",
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


def node_json(S: Store, node: str, **extra: Any) -> dict[str, Any]:
    data = S.node(node)
    out: dict[str, Any] = {
        "id": node,
        "name": data.name,
        "type": data.type,
        "aliases": list(data.aliases),
        "date": data.date,
        "developers": developers(S, node),
    }
    if data.weights is not None:
        out["weights"] = data.weights
    if data.hub_ids:
        out["hub_ids"] = list(data.hub_ids)
    out.update(extra)
    return out


def edge_json(e: Edge) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": e.source,
        "target": e.target,
        "relation": e.relation,
        "category": e.category,
        "confidence": e.confidence,
        "sources": [s.to_dict() for s in e.sources],
        "techniques": list(e.techniques),
        "note": e.note,
        "date": e.date,
    }
    if e.relation == "evaluated_on":
        out.update(score=e.score, metric=e.metric, setting=e.setting)
    return out


def lineage_json(S: Store, result: Lineage) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "query": result.direction,
        "root": result.root,
        "nodes": [node_json(S, n, depth=result.depth[n]) for n in result.nodes],
        "edges": [edge_json(e) for e in result.edges],
    }


def iter_lineage_jsonl(S: Store, node: str, *, up: bool = True, depth: int | None = None,
                       relations: Any = None, weights_only: bool = False,
                       limit: int | None = None) -> Any:
    """Stream a lineage walk as JSON lines, level by level, as it goes.

    Each line is one object with a ``kind``: ``"node"`` (the keys of ``nodes``
    in the ``--json`` contract, less ``developers``, plus ``depth``), ``"edge"``
    (the keys of ``edges``), and last ``"summary"`` (``nodes``, ``edges``,
    ``truncated``). The root comes first; then, level by level, each record
    reached and the relations followed. With ``limit``, at most that many
    records (the root included) and the relations among them.

    >>> import json
    >>> from graph.query import example_store
    >>> lines = [json.loads(x) for x in iter_lineage_jsonl(example_store(), "llama", up=False)]
    >>> [(x["kind"], x.get("id") or x.get("source")) for x in lines]
    [('node', 'llama'), ('node', 'llama-7b'), ('edge', 'llama-7b'), ('node', 'alpaca-7b'), ('edge', 'alpaca-7b'), ('summary', None)]
    """
    import json

    from .query import iter_lineage

    def dump(obj: dict[str, Any]) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    def node_line(n: Any, level: int) -> str:
        out = {"kind": "node", "id": n.id, "name": n.name, "type": n.type,
               "aliases": list(n.aliases), "date": n.date, "depth": level}
        if n.weights is not None:
            out["weights"] = n.weights
        if n.hub_ids:
            out["hub_ids"] = list(n.hub_ids)
        return dump(out)

    yield node_line(S.node(node), 0)
    seen = {node}
    emitted = {node}
    n_edges, truncated = 0, 0
    for level, edges in iter_lineage(S, node, up=up, depth=depth, relations=relations,
                                     weights_only=weights_only):
        new = []
        for e in edges:
            other = e.target if up else e.source
            if other not in seen:
                seen.add(other)
                if limit is not None and len(emitted) + len(new) >= limit:
                    truncated += 1
                else:
                    new.append(other)
        nodes = S.nodes(new)
        for e in edges:
            other = e.target if up else e.source
            if other in nodes and other not in emitted:
                emitted.add(other)
                yield node_line(nodes[other], level)
            if other in emitted:
                yield dump({"kind": "edge", **edge_json(e)})
                n_edges += 1
    yield dump({"kind": "summary", "schema_version": SCHEMA_VERSION,
                "query": "ancestors" if up else "descendants", "root": node,
                "nodes": len(emitted), "edges": n_edges, "truncated": truncated})


def paths_json(S: Store, source: str, target: str,
               paths: list[LineagePath]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "query": "path",
        "source": source,
        "target": target,
        "paths": [
            {
                "nodes": [node_json(S, n) for n in p.nodes],
                "edges": [edge_json(e) for e in p.edges],
                "weak_hops": p.weak_hops,
            }
            for p in paths
        ],
    }


def nodes_json(S: Store, nodes: list[str], query: str) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "query": query,
            "nodes": [node_json(S, n) for n in nodes]}


def record_json(S: Store, node: str) -> dict[str, Any]:
    """The full record, with every relation in and out and its neighbours."""
    rec = S.record(node)
    nb = neighbours(S, node)
    edges = nb["out"] + nb["in"]
    others = sorted({e.target for e in nb["out"]} | {e.source for e in nb["in"]})
    origin = S.origin(node)
    return {
        "schema_version": SCHEMA_VERSION,
        "query": "show",
        "record": rec,
        "defined_in": None if origin is None else {"file": origin[0], "line": origin[1]},
        "nodes": [node_json(S, node)] + [node_json(S, n) for n in others],
        "edges": [edge_json(e) for e in edges],
    }



# --- lineage analytics -------------------------------------------------------------


def path_json(S: Store, path: LineagePath) -> dict[str, Any]:
    """``{nodes, edges, weak_hops}`` for one path; ``edges[i]`` links ``nodes[i]`` and ``[i+1]``."""
    return {"nodes": [node_json(S, n) for n in path.nodes],
            "edges": [edge_json(e) for e in path.edges],
            "weak_hops": path.weak_hops}


def _union(S: Store, first: list[str],
           paths: list[LineagePath]) -> dict[str, list[dict[str, Any]]]:
    """Every node and edge of ``paths`` once, in order of first appearance."""
    nodes = list(dict.fromkeys(first + [n for p in paths for n in p.nodes]))
    edges: dict[tuple[str, str, str], Edge] = {}
    for p in paths:
        for e in p.edges:
            edges.setdefault((e.source, e.target, e.key), e)
    return {"nodes": [node_json(S, n) for n in nodes],
            "edges": [edge_json(e) for e in edges.values()]}


def _restriction_json(S: Store, r: Restriction) -> dict[str, Any]:
    lic = S.record(r.license)
    return {
        "license": {"id": lic["id"], "name": lic["name"], "spdx": lic.get("spdx"),
                    "commercial_use": lic.get("commercial_use"),
                    "restricts_outputs": lic.get("restricts_outputs"), "why": lic.get("why")},
        "kind": r.kind,
        "effect": r.effect,
        "reason": r.reason,
        "weak": r.weak,
        "carrier": r.carrier,
        "anchor": r.anchor,
        "path": path_json(S, r.path),
    }


_VERDICT = {True: "allowed", False: "not allowed", None: "unknown"}


def license_json(S: Store, report: LicenseReport) -> dict[str, Any]:
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
        "restrictions": [_restriction_json(S, r) for r in report.restrictions],
        "conflicts": [{"declared": _restriction_json(S, c.declared),
                       "inherited": _restriction_json(S, c.inherited), "weak": c.weak}
                      for c in report.conflicts],
        **_union(S, [report.node], [r.path for r in report.restrictions]),
    }


def teachings_json(S: Store, node: str, teachings: list[Teaching],
                   query: str) -> dict[str, Any]:
    """The ``lineage teachers|students --json`` object; the list is keyed by ``query``."""
    if query not in ("teachers", "students"):
        raise ValueError(f"query must be 'teachers' or 'students', not {query!r}")
    return {
        "schema_version": SCHEMA_VERSION,
        "query": query,
        "root": node,
        query: [{"teacher": t.teacher, "student": t.student, "dataset": t.dataset,
                 "direct": t.direct, "weak": t.weak, "path": path_json(S, t.path)}
                for t in teachings],
        **_union(S, [node], [t.path for t in teachings]),
    }


def common_json(S: Store, result: CommonAncestors) -> dict[str, Any]:
    """The ``lineage common --json`` object: each lowest common ancestor with its paths."""
    every = [p for a in result.ancestors for p in result.paths[a]]
    return {
        "schema_version": SCHEMA_VERSION,
        "query": "common",
        "records": list(result.nodes),
        "ancestors": [{"id": a, "paths": [{"from": n, **path_json(S, p)}
                                          for n, p in zip(result.nodes, result.paths[a], strict=True)]}
                      for a in result.ancestors],
        **_union(S, list(result.nodes) + list(result.ancestors), every),
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
