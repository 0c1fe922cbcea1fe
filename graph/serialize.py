"""The ``--json`` contract: plain dicts of nodes, edges and paths.

Every query command prints one JSON object. ``nodes`` hold at least ``id``,
``name``, ``type`` and ``aliases``; ``edges`` hold at least ``source``,
``target``, ``relation``, ``confidence`` and ``sources``. An edge reads
``source <relation> target`` ("alpaca-7b finetune llama-7b": Alpaca-7B is a
fine-tune of LLaMA-7B). See the README for the full contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lineage.vocab import provenance

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
    "node_jsonl",
    "jsonl_dump",
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
        "provenance": provenance(s.document for s in e.sources),
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


def jsonl_dump(obj: dict[str, Any]) -> str:
    """One JSON line: compact, UTF-8 (not ASCII-escaped)."""
    import json

    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def node_jsonl(n: Any, depth: int) -> str:
    """The ``node`` line of ``--jsonl`` for a :class:`~graph.store.base.Node`."""
    return jsonl_dump({"kind": "node", "id": n.id, "name": n.name, "type": n.type,
                       "aliases": list(n.aliases), "date": n.date, "depth": depth,
                       "weights": n.weights, "hub_ids": list(n.hub_ids)})


def iter_lineage_jsonl(S: Store, node: str, *, up: bool = True, depth: int | None = None,
                       relations: Any = None, weights_only: bool = False,
                       limit: int | None = None) -> Any:
    """Stream a lineage walk as JSON lines, level by level, as it goes.

    Each line is one object with a ``kind``: ``"node"`` (``id``, ``name``,
    ``type``, ``aliases``, ``date``, ``depth``, ``weights``, ``hub_ids``),
    ``"edge"`` (the keys of ``edges`` in the ``--json`` contract), and last
    ``"summary"`` (``nodes``, ``edges``, ``truncated``). The root comes first;
    then, level by level, each record reached and the relations followed. With
    ``limit``, at most that many records (the root included) and the relations
    among them; ``truncated`` counts the records left out.

    A store with a native ``lineage_jsonl_levels`` (the SQLite store) builds the
    lines itself; the answer is the same.

    >>> import json
    >>> from graph.query import example_store
    >>> lines = [json.loads(x) for x in iter_lineage_jsonl(example_store(), "llama", up=False)]
    >>> [(x["kind"], x.get("id") or x.get("source")) for x in lines]
    [('node', 'llama'), ('node', 'llama-7b'), ('edge', 'llama-7b'), ('node', 'alpaca-7b'), ('edge', 'alpaca-7b'), ('summary', None)]
    """
    from .query import iter_lineage, relation_kinds

    yield node_jsonl(S.node(node), 0)
    native = getattr(S, "lineage_jsonl_levels", None)
    if native is not None:
        levels = native(node, up, relation_kinds(relations, weights_only=weights_only), depth)
    else:
        def rows(level: int, edges: list[Edge]):
            for e in edges:
                near, far = (e.source, e.target) if up else (e.target, e.source)
                yield (near, far, lambda e=e: jsonl_dump({"kind": "edge", **edge_json(e)}),
                       lambda far=far: node_jsonl(S.node(far), level))

        levels = ((level, rows(level, edges)) for level, edges in iter_lineage(
            S, node, up=up, depth=depth, relations=relations, weights_only=weights_only))
    emitted = {node}
    seen = {node}
    n_edges = truncated = 0
    for _, level_rows in levels:
        for near, far, edge_line, node_line in level_rows:
            if far not in seen:
                seen.add(far)
                if limit is not None and len(emitted) >= limit:
                    truncated += 1
                else:
                    emitted.add(far)
                    yield node_line if isinstance(node_line, str) else node_line()
            if near in emitted and far in emitted:
                yield edge_line if isinstance(edge_line, str) else edge_line()
                n_edges += 1
    yield jsonl_dump({"kind": "summary", "schema_version": SCHEMA_VERSION,
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
        "incomplete": report.incomplete,
        "missing": [{"id": m.node, "kind": m.kind, "weak": m.weak, "path": path_json(S, m.path)}
                    for m in report.missing],
        **_union(S, [report.node], [r.path for r in report.restrictions]
                 + [m.path for m in report.missing]),
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
                 "relation": t.relation, "direct": t.direct, "weak": t.weak, "path": path_json(S, t.path)}
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
        "gaps": {k: list(ids) for k, ids in report.gaps.items()},
    }
