"""The interactive graph in the browser: one self-contained, offline HTML page.

:func:`to_html` returns a single HTML document that carries everything it needs
inline: vis-network (the drawing library pyvis wraps, read from the pyvis package
with its licence header; its stylesheet only styles widgets the page does not
use), our own template, stylesheet and script, and the
graph as JSON. pyvis assembles the nodes, edges and options vis-network draws
(:func:`vis_network`), and renders them through our template, not its own. It
loads nothing from the network and works from a
``file://`` URL; a Content-Security-Policy allows only the page's own two
scripts (by hash) and no connections at all.

Every user-controlled string (names, aliases, descriptions, quotes ...) travels
in one ``<script type="application/json">`` block, escaped so that ``<``,
``>`` and ``&`` never appear literally, and the page's script puts it on screen
with ``textContent`` only: a record named ``<img src=x onerror=alert(1)>``
renders as text.

Positions are computed here, not by the browser's physics (which does not
settle past a few hundred nodes): a force-directed layout, a timeline (x =
release date; open weights above the axis, closed below, as in the seeds'
timeline figures) and a hierarchical lineage layout (generations top-down).
The page switches between them.

An unfocused page opens on the lineage view: records of the types in
:data:`LINEAGE_VIEW_TYPES` (models, families, datasets) and the lineage
relations between them. Every other record and relation is in the page too,
one click away in the legend (:func:`initial_view` says what is drawn at
first). A focus view, or explicit types or relation kinds, shows everything it
selects. The layouts are computed for the lineage view: its records are placed
first, the others around them.

Graphs larger than ``max_nodes`` records are shown as a focus view around one
record (the one given, or the root of the largest lineage), and the page says
what was left out.

Examples
--------
>>> from graph.query import example_store
>>> page = to_html(example_store(), layout="timeline")
>>> page.startswith("<!DOCTYPE html>"), "http-equiv=\\"Content-Security-Policy\\"" in page
(True, True)
>>> sel = select(example_store(), focus="Alpaca", depth=1)
>>> sel.nodes
['alpaca-7b', 'alpaca-data', 'llama-7b', 'stanford']
>>> initial_view(example_store(), select(example_store()))[0]  # the lineage view
['text-davinci-003', 'llama', 'llama-7b', 'alpaca-data', 'alpaca-7b']
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx

from lineage.dates import date_key
from lineage.errors import QueryError
from lineage.output import write_text_atomic
from lineage.vocab import LINEAGE_RELATIONS, RECORD_TYPES, RELATION_KINDS, WEIGHT_RELATIONS

from .query import ancestry, descendancy, developers, resolve
from .render import PHRASES
from .store.base import Store, category
from .store.views import materialize, pydantic_record

MATERIALIZE_LIMIT = 50_000
"""A store with more records than this is never drawn whole: the page needs a focus."""

__all__ = [
    "LAYOUTS",
    "DEFAULT_MAX_NODES",
    "LINEAGE_VIEW_TYPES",
    "LINEAGE_VIEW_RELATIONS",
    "TYPE_STYLE",
    "RELATION_COLOURS",
    "Selection",
    "select",
    "initial_view",
    "page_data",
    "layout_positions",
    "json_for_script",
    "to_html",
    "render",
    "describe",
    "write_html",
]

LAYOUTS: tuple[str, ...] = ("force", "timeline", "hierarchy")
"""Layouts the page offers; the first is the default."""

DEFAULT_MAX_NODES = 1500
"""Above this many records the page is a focus view (see :func:`select`)."""

LINEAGE_VIEW_TYPES: tuple[str, ...] = ("model", "family", "dataset")
"""Record types an unfocused page opens showing; the other types start unticked
in the legend (organizations too: 31 stars linked to most models add lines, not
lineage)."""

LINEAGE_VIEW_RELATIONS: tuple[str, ...] = LINEAGE_RELATIONS
"""Relation kinds an unfocused page opens showing: weight and data lineage."""

_HERE = Path(__file__).parent
_TEMPLATES = _HERE / "templates"


def vis_network_js() -> Path:
    """The vis-network script pyvis ships (the newest version in its package).

    Raises
    ------
    QueryError
        When the installed pyvis carries no vis-network file.
    """
    import importlib.util

    spec = importlib.util.find_spec("pyvis")
    found = []
    if spec is not None and spec.submodule_search_locations:
        for root in spec.submodule_search_locations:
            found += Path(root).glob("templates/lib/vis-*/vis-network.min.js")
            found += Path(root).glob("lib/vis-*/vis-network.min.js")

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name))

    if not found:
        raise QueryError("pyvis is missing or carries no vis-network script; reinstall it: "
                         "pip install 'pyvis>=0.3.2'")
    return max(found, key=lambda p: (version(p), str(p)))

# --- styles: one place for the page's colours and shapes ------------------------------

TYPE_STYLE: dict[str, dict[str, str]] = {
    # type: shape (vis-network, label below the shape), colour, light tint
    "model": {"shape": "dot", "color": "#2f6fba", "light": "#c9dcf2"},
    "family": {"shape": "hexagon", "color": "#6a4bb0", "light": "#ddd3f1"},
    "dataset": {"shape": "square", "color": "#e07b00", "light": "#fbe0bf"},
    "technique": {"shape": "triangle", "color": "#17917f", "light": "#c3e8e2"},
    "paper": {"shape": "triangleDown", "color": "#7d8590", "light": "#e1e4e8"},
    "organization": {"shape": "star", "color": "#c2334d", "light": "#f3cdd4"},
    "benchmark": {"shape": "diamond", "color": "#b39200", "light": "#f1e6b3"},
    "software": {"shape": "square", "color": "#4f8a2a", "light": "#d5e8c8"},
    "application": {"shape": "diamond", "color": "#c04c9c", "light": "#f1d0e7"},
    "license": {"shape": "triangleDown", "color": "#8a5a2b", "light": "#ead9c6"},
    "document": {"shape": "square", "color": "#5b6470", "light": "#dde1e6"},
}
"""Shape and colour of each record type (the page's legend is built from it)."""

RELATION_COLOURS: dict[str, str] = {
    # weight lineage: blues and purples
    "finetune": "#2f6fba",
    "adapter": "#5b9bd5",
    "quantized": "#7fa7d1",
    "merge": "#4b3fa6",
    "continued_pretraining": "#1f8ab0",
    "variant": "#8e7cc3",
    # influence (no weights carried): slate greys
    "successor": "#4d5b6e",
    "reproduction": "#76869a",
    "architecture": "#5f7a86",
    "builds_on": "#8894a3",
    # data lineage: oranges and reds
    "trained_on": "#e07b00",
    "distilled_from": "#b8336a",
    "generated_by": "#d0342c",
    "derived_from": "#c9a000",
    # knowledge: muted
    "uses_technique": "#5fb3a6",
    "introduced_in": "#a3a9b1",
    "developed_by": "#d68a9a",
    "evaluated_on": "#c8b45a",
    "licensed_under": "#b59473",
    "uses_model": "#86b86a",
}
"""Edge colour of each relation kind."""

_COUNT_FIELDS = {"parameters", "training_tokens", "context_length", "examples",
                 "conversations", "tokens"}
_COMMON_FIELDS = {"id", "type", "name", "aliases", "description", "date", "urls", "sources",
                  "relations", "claims", "note"}
_LABEL_MAX = 34
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_ARXIV = re.compile(r"^arxiv:\s*(\d{4}\.\d{4,5}(?:v\d+)?)$", re.I)


# --- selection: which records go on the page ---------------------------------------------


@dataclass
class Selection:
    """The records and relations a page shows, and what it leaves out.

    ``nodes`` are record ids (the focus first, then by distance and name when
    there is a focus); ``edges`` are ``(source, target, key)`` triples among
    them; ``left_out`` counts the records not on the page, by type; ``notes``
    says in words why they were left out. ``view_types`` and
    ``view_relations`` are the record types and relation kinds the page opens
    showing (ticked in its legend; the rest is on the page, unticked), or None
    for all of them: see :func:`initial_view`.
    """

    nodes: list[str]
    edges: list[tuple[str, str, str]]
    focus: str | None = None
    auto_focus: bool = False
    depth: int | None = None
    total_nodes: int = 0
    total_edges: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    view_types: list[str] | None = None
    view_relations: list[str] | None = None
    graph: Any = field(default=None, repr=False, compare=False)


def _check_args(types, relations, depth, max_nodes) -> tuple[set[str] | None, set[str] | None]:
    type_set = None
    if types is not None:
        type_set = set([types] if isinstance(types, str) else types)
        for t in sorted(type_set):
            if t not in RECORD_TYPES:
                raise QueryError(
                    f"unknown record type {t!r}. Use one of: {', '.join(RECORD_TYPES)}.")
        if not type_set:
            type_set = None
    kinds = None
    if relations is not None:
        kinds = set([relations] if isinstance(relations, str) else relations)
        for r in sorted(kinds):
            if r not in RELATION_KINDS:
                raise QueryError(
                    f"unknown relation kind {r!r}. Use one of: {', '.join(RELATION_KINDS)}.")
        if not kinds:
            kinds = None
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise QueryError(f"depth must be a whole number >= 0, not {depth!r}.")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 0:
        raise QueryError(f"max_nodes must be a whole number >= 0 (0: no limit), not {max_nodes!r}.")
    return type_set, kinds


def _neighbourhood(S: Store, focus: str, depth: int | None,
                   kinds: set[str], limit: int | None = None) -> tuple[dict[str, int], bool]:
    """Distance of every record in the focus neighbourhood: lineage both ways, plus
    the focus's direct neighbours through any allowed relation; and whether that is the
    whole neighbourhood (with a ``limit``, the walks stop near it)."""
    dist: dict[str, int] = {focus: 0}
    complete = True
    walk = tuple(k for k in LINEAGE_RELATIONS if k in kinds)
    if walk:
        for result in (ancestry(S, focus, depth=depth, relations=walk, limit=limit),
                       descendancy(S, focus, depth=depth, relations=walk, limit=limit)):
            complete = complete and not result.truncated
            for n, d in result.depth.items():
                dist[n] = min(d, dist.get(n, d))
    if depth is None or depth >= 1:
        for e in S.out_edges(focus) + S.in_edges(focus):
            if limit is not None and len(dist) >= 2 * limit:
                complete = False  # a hub's neighbours: the page keeps the nearest anyway
                break
            if e.relation in kinds:
                other = e.target if e.source == focus else e.source
                dist.setdefault(other, 1)
    return dist, complete


def _auto_focus(S: Store, candidates: set[str], kinds: set[str]) -> str:
    """The record heading the largest lineage among the best-connected candidates."""
    walk = tuple(k for k in LINEAGE_RELATIONS if k in kinds) or LINEAGE_RELATIONS

    def lineage_degree(n: str) -> int:
        return len(S.in_edges(n, walk)) + len(S.out_edges(n, walk))

    pool = [n for n in candidates if S.node(n).type in ("model", "family")] or list(candidates)
    top = sorted(pool, key=lambda n: (-lineage_degree(n), S.node(n).name, n))[:12]
    return max(top, key=lambda n: (len(descendancy(S, n, relations=walk).nodes), -top.index(n)))


def select(
    S: Store,
    *,
    focus: str | None = None,
    depth: int | None = None,
    types: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Selection:
    """Choose the records and relations a page shows.

    Parameters
    ----------
    S : Store
        A store from :func:`graph.store.open_store`. One of more than
        ``MATERIALIZE_LIMIT`` records is never drawn whole: give a focus.
    focus : str, optional
        A record (id, name or alias): show its lineage neighbourhood, i.e. its
        ancestors and descendants (:func:`graph.query.ancestry`,
        :func:`graph.query.descendancy`) and its direct neighbours (developer,
        licence, paper ...).
    depth : int, optional
        Limit the focus neighbourhood to this many hops; needs ``focus``.
    types : iterable of str, optional
        Show only records of these types (the focus is always shown).
    relations : iterable of str, optional
        Show only relations of these kinds; without a focus, records left
        with none of them are left out too.
    max_nodes : int
        Most records on the page (0: no limit). A larger selection becomes a
        focus view: around ``focus`` (the nearest records first), or, without
        one, around the record that heads the largest lineage.

    Without ``focus``, ``types`` and ``relations``, the page opens on the
    lineage view (``view_types``: :data:`LINEAGE_VIEW_TYPES`,
    ``view_relations``: :data:`LINEAGE_VIEW_RELATIONS`); everything else
    selected is on the page, hidden until ticked in the legend.

    Returns
    -------
    Selection

    Raises
    ------
    UnknownRecordError, QueryError

    Examples
    --------
    >>> from graph.query import example_store
    >>> G = example_store()
    >>> select(G, types=["model"]).nodes  # oldest first
    ['text-davinci-003', 'llama-7b', 'alpaca-7b']
    >>> s = select(G, max_nodes=3)  # too large: a focus view, nearest records first
    >>> s.focus, s.auto_focus, s.nodes, s.left_out
    ('llama', True, ['llama', 'llama-7b', 'alpaca-7b'], {'dataset': 1, 'model': 1, 'organization': 1})
    >>> s = select(G)  # everything on the page; it opens on the lineage view
    >>> len(s.nodes), s.view_types, s.view_relations == list(LINEAGE_RELATIONS)
    (6, ['model', 'family', 'dataset'], True)
    >>> select(G, focus="Alpaca").view_types is None  # a focus view shows all it selects
    True
    >>> select(G, depth=1)
    Traceback (most recent call last):
    ...
    lineage.errors.QueryError: depth limits the neighbourhood of a focus record; give a focus too (--focus NAME).
    """
    type_set, kind_set = _check_args(types, relations, depth, max_nodes)
    if depth is not None and focus is None:
        raise QueryError("depth limits the neighbourhood of a focus record; "
                         "give a focus too (--focus NAME).")
    kinds = kind_set or set(RELATION_KINDS)
    focus_id = resolve(S, focus) if focus is not None else None
    total_nodes, total_edges = len(S), S.edge_count()
    if total_nodes > MATERIALIZE_LIMIT:
        if focus_id is None:
            raise QueryError(
                f"the store holds {total_nodes:,} records, too many for one page; give a "
                "record to centre on (--focus NAME, or 'lineage view NAME').")
        near, whole = _neighbourhood(S, focus_id, depth, kinds, limit=max_nodes or None)
        G = materialize(S, near)
    else:
        near, whole = None, True
        G = materialize(S)

    def keep_type(n: str) -> bool:
        return type_set is None or G.nodes[n]["type"] in type_set

    notes: list[str] = []
    auto = False
    if focus_id is None:
        candidates = {n for n in G if keep_type(n)}
        if kind_set is not None:
            linked = {x for u, v, r in G.edges(data="relation")
                      if r in kinds and u in candidates and v in candidates for x in (u, v)}
            if len(linked) < len(candidates):
                notes.append(f"{len(candidates) - len(linked)} records with no relation of the "
                             "chosen kinds are left out.")
            candidates = linked
        if max_nodes and len(candidates) > max_nodes:
            focus_id, auto = _auto_focus(S, candidates, kinds), True
            dist = _neighbourhood(S, focus_id, None, kinds)[0]
            dist = {n: d for n, d in dist.items() if n in candidates}
        else:
            dist = dict.fromkeys(candidates, 0)
    else:
        dist = near if near is not None else _neighbourhood(S, focus_id, depth, kinds)[0]
        dist = {n: d for n, d in dist.items() if n in G and (n == focus_id or keep_type(n))}

    order = sorted(dist, key=lambda n: (dist[n], n != focus_id, G.nodes[n]["name"].casefold(), n))
    if focus_id is None:
        order = sorted(dist, key=lambda n: (_date_sort(G.nodes[n]["date"]),
                                            G.nodes[n]["name"].casefold(), n))
    cut = 0
    if max_nodes and len(order) > max_nodes:
        cut = len(order) - max_nodes
        order = order[:max_nodes]
    kept = set(order)
    edges = sorted(((u, v, k) for u, v, k, r in G.edges(keys=True, data="relation")
                    if u in kept and v in kept and r in kinds), key=_edge_key)

    left: dict[str, int] = {}
    if total_nodes > MATERIALIZE_LIMIT:
        by_type = S.type_counts()
        for n in kept:
            by_type[G.nodes[n]["type"]] -= 1
        left = {t: c for t, c in by_type.items() if c > 0}
    else:
        for n in G:
            if n not in kept:
                t = G.nodes[n]["type"]
                left[t] = left.get(t, 0) + 1
    if focus_id is not None:
        name = G.nodes[focus_id]["name"]
        reach = f"within {depth} hop{'s' if depth != 1 else ''}" if depth is not None else "all"
        if not whole:
            reach = "the nearest"
        why = "the graph is too large to show whole; " if auto else ""
        notes.insert(0, f"Focus view: {why}showing {name}, {reach} of its ancestors and "
                        "descendants, and its direct neighbours.")
        if not whole:
            notes.append(f"The neighbourhood is larger than a page: the {len(order)} nearest "
                         f"records are shown (at most {max_nodes}); 'lineage descendants "
                         f"{focus_id} --jsonl' lists every one.")
        elif cut:
            notes.append(f"The neighbourhood has {len(order) + cut} records; the {cut} farthest "
                         f"are left out (at most {max_nodes} records on a page).")
    if type_set is not None:
        notes.append("Only records of type " + ", ".join(sorted(type_set)) + " are shown.")
    if kind_set is not None:
        notes.append("Only relations of kind " + ", ".join(sorted(kind_set)) + " are shown.")
    view_types = view_relations = None
    if focus is None and type_set is None and kind_set is None:
        present = {G.nodes[n]["type"] for n in order}
        core = [t for t in LINEAGE_VIEW_TYPES if t in present]
        if core:  # a page of papers alone opens showing them
            view_types, view_relations = core, list(LINEAGE_VIEW_RELATIONS)
    return Selection(
        nodes=order, edges=edges, focus=focus_id, auto_focus=auto, depth=depth,
        total_nodes=total_nodes, total_edges=total_edges, graph=G,
        left_out=dict(sorted(left.items(), key=lambda kv: (-kv[1], kv[0]))), notes=notes,
        view_types=view_types, view_relations=view_relations,
    )


def initial_view(S: Store,
                 sel: Selection) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The records and relations the page draws when it opens.

    The records of ``sel`` whose type is in ``sel.view_types`` and the relations of ``sel`` whose kind is in
    ``sel.view_relations`` between two of them; all of ``sel`` when these
    are None. The rest of ``sel`` is on the page, one tick in the legend away.

    Examples
    --------
    >>> from graph.query import example_store
    >>> S = example_store()
    >>> sel = select(S)
    >>> nodes, edges = initial_view(S, sel)
    >>> sorted({S.node(n).type for n in nodes}), sorted({sel.graph.edges[e]["relation"] for e in edges})
    (['dataset', 'family', 'model'], ['finetune', 'generated_by', 'trained_on', 'variant'])
    >>> sel = select(S, focus="alpaca-7b")
    >>> initial_view(S, sel) == (sel.nodes, sel.edges)
    True
    """
    G = sel.graph
    types = set(sel.view_types) if sel.view_types is not None else None
    kinds = set(sel.view_relations) if sel.view_relations is not None else None
    nodes = [n for n in sel.nodes if types is None or G.nodes[n]["type"] in types]
    kept = set(nodes)
    edges = [e for e in sel.edges if e[0] in kept and e[1] in kept
             and (kinds is None or G.edges[e]["relation"] in kinds)]
    return nodes, edges


def _edge_key(e: tuple[str, str, str]) -> tuple:
    u, v, k = e
    return (u, int(k.rsplit(":", 1)[1]) if ":" in k and k.rsplit(":", 1)[1].isdigit() else 0, v, k)


def _date_sort(d: str | None) -> tuple[int, ...]:
    return date_key(d) or (9999,)


# --- layouts ----------------------------------------------------------------------------------

_SPACING = 26.0  # horizontal gap between labels, in page units
_ROW = 74.0      # vertical distance between rows
_CORE = frozenset(LINEAGE_VIEW_TYPES)
_BAND_ORDER = ("model", "family", "dataset", "software", "application", "benchmark",
               "technique", "paper", "organization", "license", "document")
"""Order of the hierarchy's bands of records outside the lineage: the lineage view's first."""


def _label(name: str) -> str:
    return name if len(name) <= _LABEL_MAX else name[: _LABEL_MAX - 1].rstrip() + "…"


def _text_width(text: str, font: float) -> float:
    units = 0.0
    for c in text:
        units += 1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.6
    return units * font


def _primary(G: nx.MultiDiGraph, nodes: Sequence[str], edges: Sequence[tuple[str, str, str]]
             ) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The part of a page the layouts place first: the lineage view's records and the
    lineage relations between them (on a page with none of those records: all of it).

    >>> from graph.query import example_store
    >>> G = materialize(example_store())
    >>> core, core_edges = _primary(G, list(G), list(G.edges(keys=True)))
    >>> "meta" in core, len(core), {G.edges[e]["relation"] for e in core_edges} <= set(LINEAGE_RELATIONS)
    (False, 5, True)
    """
    core = [n for n in nodes if G.nodes[n]["type"] in _CORE]
    if not core:
        return list(nodes), list(edges)
    inside = set(core)
    lineage = set(LINEAGE_RELATIONS)
    return core, [e for e in edges if e[0] in inside and e[1] in inside
                  and G.edges[e]["relation"] in lineage]


@dataclass
class _Geometry:
    width: dict[str, float]   # horizontal room a node needs (shape or label)
    size: dict[str, float]    # shape radius
    font: dict[str, int]      # label font size
    lineage: dict[str, int]   # lineage relations on the page
    other: dict[str, int]     # other relations on the page


def _geometry(G: nx.MultiDiGraph, nodes: Sequence[str],
              edges: Sequence[tuple[str, str, str]], layout: str = "force") -> _Geometry:
    """Sizes and label fonts: lineage records large, context records (papers,
    techniques ...) small. The lineage records with the most lineage relations get
    labels big enough to read when the lineage view is on screen (the page caps
    them when zoomed in); the other lineage records' labels stay legible too. The
    timeline and the hierarchy, whose rows are packed tight, get smaller ones."""
    compact = layout != "force"
    lineage = set(LINEAGE_RELATIONS)
    lin: dict[str, int] = defaultdict(int)
    oth: dict[str, int] = defaultdict(int)
    for u, v, k in edges:
        counts = lin if G.edges[u, v, k]["relation"] in lineage else oth
        counts[u] += 1
        counts[v] += 1
    core, _ = _primary(G, nodes, edges)
    importance = {}
    size: dict[str, float] = {}
    for n in nodes:
        t = G.nodes[n]["type"]
        weight = lin[n] + 0.3 * oth[n]
        if t in _CORE:
            grow = 9.0 + 2.4 * math.sqrt(weight) if compact else 11.0 + 3.0 * math.sqrt(weight)
            size[n] = round(min(18.0 if compact else 30.0, grow), 1)
            # lineage relations first; the others say how much is known (and told) about it
            importance[n] = lin[n] + 0.5 * oth[n] + (2.0 if t == "family" else 0.0)
        elif t == "organization":
            size[n] = round(min(22.0, 10.0 + 1.6 * math.sqrt(oth[n] + lin[n])), 1)
            importance[n] = 0.5 * weight
        else:
            size[n] = round(min(15.0, 7.5 + 1.5 * math.sqrt(lin[n] + oth[n])), 1)
            importance[n] = 0.3 * weight
    many = len(core) > 40
    ranked = sorted(core, key=lambda n: (-importance[n], n))
    top = set(ranked[: max(8, len(core) // 4)]) if many else set()
    font, width = {}, {}
    # a page opens fitted to its records, so the more there are the smaller each is drawn:
    # the headline labels grow with the square root of the lineage view's size to stay legible
    grow_top = max(1.0, math.sqrt(len(core) / 150)) if not compact else 1.0
    for n in nodes:
        t = G.nodes[n]["type"]
        if n in top and importance[n] >= 2.5:
            font[n] = int(min(30, 17 + 3.0 * math.sqrt(importance[n])) if compact else
                          grow_top * min(56, 24 + 6.0 * math.sqrt(importance[n])))
        elif t in _CORE and many and compact:
            font[n] = 14 if t == "dataset" else 15
        elif t in _CORE and many:
            font[n] = 16 if t == "dataset" else 18
        else:
            font[n] = 14 if t in _CORE or not many else 12
        width[n] = max(2 * size[n], _text_width(_label(G.nodes[n]["name"]), font[n]))
    return _Geometry(width, size, font, dict(lin), dict(oth))


def _pav(desired: list[float], widths: list[float]) -> list[float]:
    """Positions nearest ``desired`` (least squares) keeping their order and no overlap.

    >>> _pav([0, 0, 0], [10, 10, 10])
    [-10.0, 0.0, 10.0]
    """
    n = len(desired)
    if not n:
        return []
    offset = [0.0] * n
    for i in range(1, n):
        offset[i] = offset[i - 1] + (widths[i - 1] + widths[i]) / 2
    target = [d - o for d, o in zip(desired, offset, strict=True)]
    blocks: list[list[float]] = []  # [sum, count]
    for t in target:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    out: list[float] = []
    for s, c in blocks:
        out.extend([s / c] * int(c))
    return [round(y + o, 1) for y, o in zip(out, offset, strict=True)]


def _rows(items: list[str], geo: _Geometry, max_width: float) -> list[list[str]]:
    """Split an ordered row into rows no wider than ``max_width``."""
    rows: list[list[str]] = [[]]
    width = 0.0
    for n in items:
        w = geo.width[n] + _SPACING
        if rows[-1] and width + w > max_width:
            rows.append([])
            width = 0.0
        rows[-1].append(n)
        width += w
    return [r for r in rows if r]


def _band(items: list[tuple[float, str]], geo: _Geometry, width: float) -> list[list[tuple[float, str]]]:
    """Rows for records that want to sit at an x: each goes to the row where it lands
    nearest its wish (after the row's last record); as many rows as the room needs."""
    need = sum(geo.width[n] + _SPACING for _, n in items)
    count = max(1, math.ceil(need / max(width, 1.0) * 1.35))
    rows: list[list[tuple[float, str]]] = [[] for _ in range(count)]
    ends = [-math.inf] * count
    for want, n in sorted(items):
        half = (geo.width[n] + _SPACING) / 2
        best = min(range(count), key=lambda r: (max(want, ends[r] + half) - want, r))
        x = max(want, ends[best] + half)
        rows[best].append((round(x, 1), n))
        ends[best] = x + half
    return [r for r in rows if r]


def _neighbour_x(nodes: Iterable[str], edges: Sequence[tuple[str, str, str]],
                 pos: dict[str, tuple[float, float]], default: float) -> dict[str, float]:
    near: dict[str, list[float]] = defaultdict(list)
    for u, v, _ in edges:
        if v in pos:
            near[u].append(pos[v][0])
        if u in pos:
            near[v].append(pos[u][0])
    return {n: (sum(near[n]) / len(near[n]) if near[n] else default) for n in nodes}


def _types_of(G: nx.MultiDiGraph, nodes: Iterable[str]) -> list[str]:
    return sorted({G.nodes[n]["type"] for n in nodes}, key=RECORD_TYPES.index)


def _hierarchy(G: nx.MultiDiGraph, nodes: Sequence[str], edges: Sequence[tuple[str, str, str]],
               geo: _Geometry) -> tuple[dict[str, tuple[float, float]], dict[str, Any]]:
    """Generations top-down: parents above the records that derive from them (the
    lineage view's records); under them, one band per type of the records outside
    that lineage, the lineage view's types first. Each guide label names the types
    it stands for, so the page shows it only when they are."""
    core, core_edges = _primary(G, nodes, edges)
    parents: dict[str, list[str]] = defaultdict(list)
    children: dict[str, list[str]] = defaultdict(list)
    D = nx.DiGraph()
    for u, v, _ in core_edges:
        if u != v:
            D.add_edge(v, u)  # parent -> child
    for v, u in D.edges:
        parents[u].append(v)
        children[v].append(u)
    level: dict[str, int] = {}
    try:
        for i, gen in enumerate(nx.topological_generations(D)):
            for n in gen:
                level[n] = i
    except nx.NetworkXUnfeasible:  # a cycle (only in unchecked data): breadth-first levels
        level = {}
        roots = [n for n in D if D.in_degree(n) == 0] or sorted(D)[:1]
        queue = deque(sorted(roots))
        for r in roots:
            level[r] = 0
        while queue:
            n = queue.popleft()
            for c in sorted(D.successors(n)):
                if c not in level:
                    level[c] = level[n] + 1
                    queue.append(c)
        for n in D:
            level.setdefault(n, 0)
    layers: dict[int, list[str]] = defaultdict(list)
    for n in sorted(level, key=lambda n: (_date_sort(G.nodes[n]["date"]), G.nodes[n]["name"], n)):
        layers[level[n]].append(n)
    x: dict[str, float] = {}
    for layer in layers.values():
        for i, n in enumerate(layer):
            x[n] = i * 160.0

    def mean(values: list[float], default: float) -> float:
        return sum(values) / len(values) if values else default

    # order within generations: barycentre sweeps down and up
    depth = max(layers) + 1 if layers else 0
    for _ in range(4):
        for sweep in (range(1, depth), range(depth - 2, -1, -1)):
            for i in sweep:
                near = parents if sweep.step == 1 else children
                layer = layers[i]
                layer.sort(key=lambda n: (mean([x[p] for p in near[n]], x[n]), x[n]))
                for j, n in enumerate(layer):
                    x[n] = j * 160.0
    # coordinates: near the parents' centre, no overlaps, wide generations wrapped at
    # the width that shows the lineage largest on an ASPECT screen
    base = max(2400.0, 40 * 160.0 * (len(level) / 400) ** 0.5)
    best = None
    for f in (0.45, 0.6, 0.8, 1.0, 1.3):
        placed = _generations(layers, parents, geo, base * f)
        if not placed:
            break
        x0, y0, x1, y1 = _bbox(placed, geo)
        scale = min(ASPECT / (x1 - x0 + 1.0), 1.0 / (y1 - y0 + 1.0))
        if best is None or scale > best[0] * 1.001:
            best = (scale, placed)
    pos: dict[str, tuple[float, float]] = dict(best[1]) if best else {}
    y = _below(pos, geo) + _ROW * 0.6 if pos else 0.0
    labels: list[dict[str, Any]] = []
    if depth:
        labels.append({"text": f"lineage: {depth} generation{'s' if depth != 1 else ''}, "
                               "parents above", "y": -_ROW * 0.6,
                       "types": _types_of(G, level)})
    # records outside the lineage: one band per type, under the records they relate to
    rest = [n for n in nodes if n not in pos]
    if rest:
        y += _ROW * 0.5
        by_type: dict[str, list[str]] = defaultdict(list)
        for n in rest:
            by_type[G.nodes[n]["type"]].append(n)
        span = [p[0] for p in pos.values()] or [0.0]
        width = max(max(span) - min(span), 1600.0)
        for t in _BAND_ORDER:
            group = by_type.get(t)
            if not group:
                continue
            want = _neighbour_x(group, edges, pos, (max(span) + min(span)) / 2)
            labels.append({"text": _plural(t, len(group)), "y": y - _ROW * 0.45, "types": [t]})
            for row in _band([(want[n], n) for n in group], geo, width):
                for xv, n in row:
                    pos[n] = (xv, y)
                y += _ROW * 0.8
            y += _ROW * 0.45
    left = min((p[0] - geo.width[n] / 2 for n, p in pos.items()), default=0.0)
    for g in labels:
        g["x"] = round(left, 1)
        g["align"] = "left"
    return pos, {"labels": labels, "vlines": []}


def _generations(layers: dict[int, list[str]], parents: dict[str, list[str]], geo: _Geometry,
                 max_width: float) -> dict[str, tuple[float, float]]:
    """Generations in rows top-down, each record near its parents' centre, no overlaps,
    rows wider than ``max_width`` wrapped."""
    pos: dict[str, tuple[float, float]] = {}
    y = 0.0
    for i in range(len(layers)):
        for row in _rows(layers[i], geo, max_width):
            desired = [sum(pos[p][0] for p in parents[n] if p in pos) /
                       max(1, sum(1 for p in parents[n] if p in pos)) for n in row]
            xs = _pav(desired, [geo.width[n] + _SPACING for n in row])
            above = max(geo.size[n] for n in row)
            for n, xv in zip(row, xs, strict=True):
                pos[n] = (xv, y + above)
            y += max(_ROW, above + max(geo.size[n] + geo.font[n] * 1.3 for n in row) + 30)
        y += _ROW * 0.4
    return pos


def _plural(t: str, n: int) -> str:
    word = {"technique": "techniques", "paper": "papers", "organization": "organizations",
            "benchmark": "benchmarks", "software": "software", "application": "applications",
            "license": "licences", "dataset": "datasets", "family": "families",
            "model": "models", "document": "documents"}[t]
    return f"{word} outside the lineage ({n})" if t in _CORE else f"{word} ({n})"


def _year_span(d: str) -> tuple[float, float]:
    """The part of its year a partial date covers, as fractions (2023 -> the whole year)."""
    parts = date_key(d) or (0,)
    if len(parts) == 1:
        return 0.04, 0.96
    if len(parts) == 2:
        return (parts[1] - 1 + 0.1) / 12, (parts[1] - 0.1) / 12
    mid = (parts[1] - 1 + (parts[2] - 0.5) / 31) / 12
    return max(0.0, mid - 0.03), min(1.0, mid + 0.03)  # a day: give or take ten days


def _pack_spans(items: list[tuple[float, float, str]],
                geo: _Geometry) -> list[list[tuple[float, str]]]:
    """Rows of records, each placed inside its date's span (its x range): as far left
    as its row allows, in the first row where it fits; a new row when none does."""
    rows: list[list[tuple[float, str]]] = []
    ends: list[float] = []
    for lo, hi, n in sorted(items, key=lambda t: (t[0], t[1], t[2])):
        half = (geo.width[n] + _SPACING) / 2
        for r, end in enumerate(ends):
            x = max(lo, end + half)
            if x <= hi:
                rows[r].append((round(x, 1), n))
                ends[r] = x + half
                break
        else:
            x = lo
            rows.append([(round(x, 1), n)])
            ends.append(x + half)
    return rows


def _timeline(G: nx.MultiDiGraph, nodes: Sequence[str], edges: Sequence[tuple[str, str, str]],
              geo: _Geometry) -> tuple[dict[str, tuple[float, float]], dict[str, Any]]:
    """x = release date; open weights above the axis, closed below, then the lineage
    view's other records (datasets, models of unknown access), the undated ones, and
    last the other records (papers, techniques ...), dated then undated, near what
    they are linked to.

    Each year is as wide as the lineage view's records need (busy years wider), so
    the dates keep their order while 2023 does not collapse into a column; of a few
    widths tried (more rows, or fewer), the one that shows the lineage view largest
    on an :data:`ASPECT` screen."""
    core = _primary(G, nodes, edges)[0]
    if not core:
        return _timeline_rows(G, nodes, edges, geo, set(), 9.0)
    best = None
    for rows in (5.0, 8.0, 12.0, 17.0, 24.0):
        pos, guides = _timeline_rows(G, nodes, edges, geo, set(core), rows)
        x0, y0, x1, y1 = _bbox({n: pos[n] for n in core}, geo)
        scale = min(ASPECT / (x1 - x0 + 260.0), 1.0 / (y1 - y0 + 60.0))
        if best is None or scale > best[0] * 1.001:
            best = (scale, pos, guides)
    assert best is not None
    return best[1], best[2]


def _timeline_rows(G: nx.MultiDiGraph, nodes: Sequence[str],
                   edges: Sequence[tuple[str, str, str]], geo: _Geometry, core: set[str],
                   rows_per_year: float) -> tuple[dict[str, tuple[float, float]], dict[str, Any]]:
    """The timeline with years ``1 / rows_per_year`` as wide as their records' labels."""
    dated = [n for n in nodes if G.nodes[n]["date"]]
    pos: dict[str, tuple[float, float]] = {}
    guides: dict[str, Any] = {"labels": [], "vlines": []}
    row = _ROW * 0.7
    y_end = 0.0
    x_lo, x_hi = 0.0, 1600.0
    label_x = round(x_lo - 30, 1)

    def lane_label(text: str, y: float, members: Iterable[str]) -> None:
        guides["labels"].append({"text": text, "x": label_x, "y": round(y, 1),
                                 "align": "right", "types": _types_of(G, members)})

    if dated:
        years = sorted({date_key(G.nodes[n]["date"])[0] for n in dated})
        need: dict[int, float] = defaultdict(float)
        for n in dated:
            share = 1.0 if n in core else 0.15  # hidden at first: they get more rows instead
            need[date_key(G.nodes[n]["date"])[0]] += (geo.width[n] + _SPACING) * share
        start: dict[int, float] = {}
        width: dict[int, float] = {}
        xv = 0.0
        for year in range(years[0], years[-1] + 1):
            gap = year not in need
            width[year] = 60.0 if gap else max(160.0, need[year] / rows_per_year)
            start[year] = xv
            xv += width[year]
        x_lo, x_hi = 0.0, xv

        def span(n: str) -> tuple[float, float, str]:
            d = G.nodes[n]["date"]
            year = date_key(d)[0]
            lo, hi = _year_span(d)
            return (start[year] + lo * width[year], start[year] + hi * width[year], n)

        lanes: dict[str, list[tuple[float, float, str]]] = {
            "open": [], "closed": [], "other": [], "context": []}
        for n in dated:
            weights = G.nodes[n].get("weights")
            modelish = G.nodes[n]["type"] in ("model", "family")
            lane = ("open" if modelish and weights in ("open", "restricted") else
                    "closed" if modelish and weights == "closed" else
                    "other" if n in core else "context")
            lanes[lane].append(span(n))
        top = -row
        open_rows = _pack_spans(lanes["open"], geo)
        for items, y in zip(open_rows, _stack(open_rows, geo, -26.0, up=True), strict=True):
            for x, n in items:
                pos[n] = (x, y)
            top = y
        closed_rows = _pack_spans(lanes["closed"], geo)
        for items, y in zip(closed_rows, _stack(closed_rows, geo, 26.0), strict=True):
            for x, n in items:
                pos[n] = (x, y)
            y_end = y
        if lanes["open"]:
            lane_label("open weights ↑", pos[open_rows[0][0][1]][1], (n for *_, n in lanes["open"]))
        if lanes["closed"]:
            lane_label("closed weights ↓", pos[closed_rows[0][0][1]][1],
                       (n for *_, n in lanes["closed"]))
    else:
        lanes = {"other": [], "context": []}
    undated = [n for n in nodes if not G.nodes[n]["date"]]
    for lane, text in (("other", ""), ("context", "papers, techniques, other records")):
        if lane == "other":
            kinds = {G.nodes[n]["type"] for *_, n in lanes[lane]}
            text = ("datasets" if kinds == {"dataset"} else
                    "datasets; access unknown" if "dataset" in kinds else "access unknown")
        if lanes[lane]:
            rows = _pack_spans(lanes[lane], geo)
            ys = _stack(rows, geo, _below(pos, geo) + row * 1.2)
            lane_label(text, ys[0], (n for *_, n in lanes[lane]))
            for items, y in zip(rows, ys, strict=True):
                for x, n in items:
                    pos[n] = (x, y)
                y_end = y
        group = [n for n in undated if (n in core) == (lane == "other")]
        y_end = _undated(G, group, edges, pos, geo, guides, y_end, x_lo, x_hi, label_x, row)
    if dated:
        for year in range(years[0], years[-1] + 2):
            x = start[year] if year in start else x_hi
            guides["vlines"].append({"x": round(x, 1), "y0": round(top - row, 1),
                                     "y1": round(y_end + row, 1)})
        guides["ticks"] = [{"x": round(start[y] + width[y] / 2, 1), "text": str(y)}
                           for y in range(years[0], years[-1] + 1) if y in need]
        guides["axis"] = {"y": 0, "x0": round(x_lo, 1), "x1": round(x_hi, 1)}
    return pos, guides


def _stack(rows: list[list[tuple[float, str]]], geo: _Geometry, start: float,
           up: bool = False) -> list[float]:
    """The y of each row, from ``start`` (the edge nearest the axis) outwards: each
    row as far from the last as its shapes and labels (below the shapes) need."""
    ys: list[float] = []
    edge = start
    for items in rows:
        above = max(geo.size[n] for _, n in items) + 4
        below = max(geo.size[n] + geo.font[n] * 1.3 for _, n in items) + 4
        y = edge - below if up else edge + above
        ys.append(round(y, 1))
        edge = y - above if up else y + below
    return ys


def _below(pos: dict[str, tuple[float, float]], geo: _Geometry) -> float:
    """The lowest point of the records placed so far, labels included."""
    return max((y + geo.size[n] + geo.font[n] * 1.3 for n, (_, y) in pos.items()), default=0.0)


def _undated(G, group, edges, pos, geo, guides, y_end, x_lo, x_hi, label_x, row) -> float:
    """A band of undated records under the records placed, each near what it is linked to."""
    if not group:
        return y_end
    y = _below(pos, geo) + row * 1.6
    guides["labels"].append({"text": "undated", "x": label_x, "y": round(y, 1), "align": "right",
                             "types": _types_of(G, group), "undated": True})
    want = _neighbour_x(group, edges, pos, (x_lo + x_hi) / 2)
    rows = _band([(want[n], n) for n in group], geo, x_hi - x_lo)
    for items, yv in zip(rows, _stack(rows, geo, y - max(geo.size[n] for _, n in rows[0]) - 4),
                         strict=True):
        for x, n in items:
            pos[n] = (x, yv)
        y_end = yv
    return y_end


def _force(G: nx.MultiDiGraph, nodes: Sequence[str], edges: Sequence[tuple[str, str, str]],
           geo: _Geometry) -> tuple[dict[str, tuple[float, float]], dict[str, Any]]:
    """Force-directed, computed for the lineage view: its records (:func:`_primary`)
    are laid out first and on their own, so the records the page hides at first do
    not spread them out; the other records are then placed around their neighbours
    (a second run in which the lineage records stay put), and those linked to none
    of them are laid out apart and put below."""
    core, core_edges = _primary(G, nodes, edges)
    pos = _force_block(G, core, core_edges, geo)
    rest = [n for n in nodes if n not in pos]
    if rest:
        pos.update(_around(G, nodes, edges, pos, geo))
        loose = [n for n in rest if n not in pos]
        if loose:
            inside = set(loose)
            block = _force_block(G, loose, [e for e in edges if e[0] in inside and e[1] in inside],
                                 geo)
            x0, _, _, y1 = _bbox(pos, geo) if pos else (0.0, 0.0, 0.0, -200.0)
            bx0, by0, _, _ = _bbox(block, geo)
            for n, (xv, yv) in block.items():
                pos[n] = (round(xv - bx0 + x0, 1), round(yv - by0 + y1 + 200.0, 1))
    return pos, {"labels": [], "vlines": []}


def _adjacency(G: nx.MultiDiGraph, nodes: Sequence[str],
               edges: Sequence[tuple[str, str, str]]) -> dict[str, dict[str, float]]:
    """Spring strengths: lineage relations pull hard, other relations gently, except
    for records hanging on one relation only (a paper, a licence), which stay near
    the record they belong to."""
    lineage = set(LINEAGE_RELATIONS)
    adj: dict[str, dict[str, float]] = {n: {} for n in nodes}
    for u, v, k in edges:
        if u == v or u not in adj or v not in adj:
            continue
        w = 1.0 if G.edges[u, v, k]["relation"] in lineage else 0.25
        adj[u][v] = max(adj[u].get(v, 0.0), w)
        adj[v][u] = adj[u][v]
    for n in nodes:
        if len(adj[n]) == 1:
            (m,) = adj[n]
            adj[n][m] = adj[m][n] = max(adj[n][m], 0.9)
    return adj


def _force_block(G: nx.MultiDiGraph, nodes: Sequence[str], edges: Sequence[tuple[str, str, str]],
                 geo: _Geometry) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold (repulsion on a grid) per component; the components are
    packed in rows, largest first, and lone records in rows below them."""
    if not nodes:
        return {}
    adj = _adjacency(G, nodes, edges)
    seen: set[str] = set()
    comps: list[list[str]] = []
    for n in nodes:
        if n in seen:
            continue
        comp, queue = [], deque([n])
        seen.add(n)
        while queue:
            m = queue.popleft()
            comp.append(m)
            for o in sorted(adj[m]):
                if o not in seen:
                    seen.add(o)
                    queue.append(o)
        comps.append(comp)
    laid: list[tuple[dict[str, tuple[float, float]], tuple[float, float, float, float]]] = []
    singles = []
    for comp in comps:
        if len(comp) == 1:
            singles.append(comp[0])
            continue
        laid.append(_best_force(comp, adj, geo))
    return _pack(G, laid, singles, geo)


ASPECT = 1.35
"""Width / height of the screen area the force layout is packed for (the page's canvas
beside the sidebar, on a laptop or a 16:10 screen)."""


def _pack(G: nx.MultiDiGraph, laid: list[tuple[dict[str, tuple[float, float]],
                                                 tuple[float, float, float, float]]],
          singles: list[str], geo: _Geometry) -> dict[str, tuple[float, float]]:
    """Components and lone records packed to fill a screen: the largest component
    first, the others (largest first) and then the lone records in rows in a column to
    its right, or under it; of the column widths tried, the one whose whole picture
    fits an :data:`ASPECT` screen at the largest scale."""
    gap = 140.0
    laid = sorted(laid, key=lambda item: (-len(item[0]), min(item[0])))
    singles = sorted(singles, key=lambda n: (_BAND_ORDER.index(G.nodes[n]["type"]),
                                              G.nodes[n]["name"], n))
    if laid:
        main, rest = laid[0], laid[1:]
    else:
        main, rest = None, []
    main_w = main[1][2] - main[1][0] if main else 0.0
    main_h = main[1][3] - main[1][1] if main else 0.0
    widest = max([b[2] - b[0] for _, b in rest] +
                 [geo.width[n] + _SPACING for n in singles] + [200.0])

    def side(width: float) -> tuple[dict[str, tuple[float, float]], float, float]:
        """Rows of the other components and the lone records in a column this wide."""
        out: dict[str, tuple[float, float]] = {}
        cx = cy = row_h = used = 0.0
        for p, (x0, y0, x1, y1) in rest:
            w, h = x1 - x0, y1 - y0
            if cx > 0 and cx + w > width:
                cx, cy, row_h = 0.0, cy + row_h + gap, 0.0
            for n, (xv, yv) in p.items():
                out[n] = (xv - x0 + cx, yv - y0 + cy)
            cx += w + gap
            used = max(used, cx - gap)
            row_h = max(row_h, h)
        y = cy + row_h + (gap if rest else 0.0) + _ROW * 0.3
        for row in _rows(singles, geo, width):
            x = 0.0
            for n in row:
                x += (geo.width[n] + _SPACING) / 2
                out[n] = (x, y)
                x += (geo.width[n] + _SPACING) / 2
            used = max(used, x)
            y += max(_ROW, max(geo.size[n] + geo.font[n] * 1.6 for n in row) + 24)
        return out, used, (y if singles else cy + row_h)

    options = []
    if main:
        below = max(main_w, widest)
        options.append(("below", below))
        total = sum((b[2] - b[0]) * (b[3] - b[1]) for _, b in rest) + sum(
            (geo.width[n] + _SPACING) * _ROW for n in singles)
        for f in (0.2, 0.3, 0.4, 0.55, 0.75, 1.0):
            width = max(widest, main_w * f, math.sqrt(total) * f)
            options.append(("right", width))
    else:
        options.append(("below", max(widest, math.sqrt(sum(
            (geo.width[n] + _SPACING) * _ROW for n in singles)) * ASPECT)))
    best: tuple[float, dict[str, tuple[float, float]]] | None = None
    for where, width in options:
        p, used, height = side(width)
        pos: dict[str, tuple[float, float]] = {}
        if main:
            x0, y0 = main[1][0], main[1][1]
            for n, (xv, yv) in main[0].items():
                pos[n] = (xv - x0, yv - y0)
        if where == "right":
            dx, dy = main_w + gap, 0.0
            w_all, h_all = main_w + gap + used, max(main_h, height)
        else:
            dx, dy = 0.0, (main_h + gap if main else 0.0)
            w_all, h_all = max(main_w, used), dy + height
        for n, (xv, yv) in p.items():
            pos[n] = (xv + dx, yv + dy)
        scale = min(ASPECT / max(w_all, 1.0), 1.0 / max(h_all, 1.0))
        if best is None or scale > best[0] * 1.001:
            best = (scale, pos)
    assert best is not None
    return {n: (round(x, 1), round(y, 1)) for n, (x, y) in best[1].items()}


def _around(G: nx.MultiDiGraph, nodes: Sequence[str], edges: Sequence[tuple[str, str, str]],
            placed: dict[str, tuple[float, float]], geo: _Geometry) -> dict[str, tuple[float, float]]:
    """Positions for the records linked (directly or not) to the ``placed`` ones: they
    start next to their placed neighbours and settle in a force run in which the
    placed records do not move."""
    adj = _adjacency(G, nodes, edges)
    order: list[str] = []
    seen = set(placed)
    queue = deque(n for n in nodes if n in placed)
    while queue:
        m = queue.popleft()
        for o in sorted(adj[m]):
            if o not in seen:
                seen.add(o)
                order.append(o)
                queue.append(o)
    if not order:
        return {}
    k = FORCE["k"]
    golden = math.pi * (3 - math.sqrt(5))
    init = dict(placed)
    for j, n in enumerate(order):
        near = [init[o] for o in adj[n] if o in init]
        cx = sum(p[0] for p in near) / len(near)
        cy = sum(p[1] for p in near) / len(near)
        r = k * (0.7 if len(near) == 1 else 0.35)
        init[n] = (cx + r * math.cos(j * golden), cy + r * math.sin(j * golden))
    comp = [n for n in nodes if n in placed] + order
    p = _fr(comp, adj, geo, init=init, fixed=set(placed), gravity=0.0,
            iterations=120, temp=k * 1.5)
    return {n: (round(p[n][0], 1), round(p[n][1], 1)) for n in order}


_TRIES = ((1.0, 0.0), (0.9, 2.1), (1.15, 4.2))
"""Force runs tried on a component of up to :data:`_TRY_MAX` records: (spring length
as a share of ``FORCE["k"]``, turn of the starting spiral); the best drawn one wins."""
_TRY_MAX = 400


def _best_force(comp: list[str], adj: dict[str, dict[str, float]], geo: _Geometry
                ) -> tuple[dict[str, tuple[float, float]], tuple[float, float, float, float]]:
    """A component laid out by force: of the runs in :data:`_TRIES` (one for big
    components), the one that fits a screen largest with the fewest labels covered."""
    tries = _TRIES if len(comp) <= _TRY_MAX else _TRIES[:1]
    best = None
    for scale, turn in tries:
        # screens and labels are wide: stretch a little horizontally
        p = {m: (xy[0] * 1.3, xy[1])
             for m, xy in _fr(comp, adj, geo, k=FORCE["k"] * scale, turn=turn).items()}
        p = _declutter(p, geo)
        box = _bbox(p, geo)
        if len(tries) == 1:
            return p, box
        cost = _clutter(p, adj, geo) * max((box[2] - box[0]) / ASPECT, box[3] - box[1])
        if best is None or cost < best[0] * 0.999:
            best = (cost, p, box)
    assert best is not None
    return best[1], best[2]


def _clutter(p: dict[str, tuple[float, float]], adj: dict[str, dict[str, float]],
             geo: _Geometry) -> float:
    """1 + a penalty for labels over other records' shapes and big labels crossed by
    relations: what makes a drawing hard to read besides its size."""
    labels = {}
    for n, (x, y) in p.items():
        half = geo.width[n] / 2
        labels[n] = (x - half, y + geo.size[n] + 2, x + half, y + geo.size[n] + 2 + geo.font[n] * 1.15)
    covered = 0
    order = sorted(p, key=lambda n: p[n][0] - geo.size[n])
    shapes = [(p[n][0] - geo.size[n], p[n][1] - geo.size[n], p[n][0] + geo.size[n],
               p[n][1] + geo.size[n], n) for n in order]
    for n, (x0, y0, x1, y1) in labels.items():
        for sx0, sy0, sx1, sy1, m in shapes:
            if sx0 >= x1:
                break
            if m != n and sx1 > x0 and sy1 > y0 and sy0 < y1:
                covered += 1
    crossed = 0
    big = [n for n in p if geo.font[n] > 20]
    for u in p:
        for v in adj[u]:
            if v not in p or u >= v:
                continue
            for n in big:
                if n != u and n != v and _crosses(p[u], p[v], labels[n]):
                    crossed += 1
    return 1.0 + 0.05 * covered + 0.015 * crossed


def _crosses(a: tuple[float, float], b: tuple[float, float],
             box: tuple[float, float, float, float]) -> bool:
    """Whether the segment from ``a`` to ``b`` passes through ``box`` (Liang-Barsky)."""
    x0, y0 = a
    dx, dy = b[0] - x0, b[1] - y0
    t0, t1 = 0.0, 1.0
    for pp, qq in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if pp == 0:
            if qq < 0:
                return False
        elif pp < 0:
            t0 = max(t0, qq / pp)
        else:
            t1 = min(t1, qq / pp)
    return t0 < t1


def _declutter(p: dict[str, tuple[float, float]], geo: _Geometry,
               rounds: int = 60) -> dict[str, tuple[float, float]]:
    """Push apart the records with big labels until their labels do not overlap (a
    sweep over the boxes sorted by their left edge finds the overlapping pairs)."""
    big = sorted((n for n in p if geo.font[n] > 14), key=lambda n: (-geo.font[n], n))[:200]
    pos = {n: list(xy) for n, xy in p.items()}
    half = {n: geo.width[n] / 2 + 8 for n in big}
    low = {n: geo.size[n] + geo.font[n] * 1.5 for n in big}

    def box(n: str) -> tuple[float, float, float, float]:
        x, y = pos[n]
        return (x - half[n], y - geo.size[n], x + half[n], y + low[n])

    for _ in range(rounds):
        moved = False
        boxes = {n: box(n) for n in big}
        order = sorted(big, key=lambda n: (boxes[n][0], n))
        left = [boxes[n][0] for n in order]
        for i, a in enumerate(order):
            for j in range(i + 1, len(order)):
                if left[j] >= boxes[a][2]:
                    break  # sorted by left edge: the boxes after this one start further right
                b = order[j]
                ax0, ay0, ax1, ay1 = boxes[a]
                bx0, by0, bx1, by1 = boxes[b]
                ox, oy = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
                if ox <= 0 or oy <= 0:
                    continue
                moved = True
                if oy < ox:  # move apart vertically, the cheaper way out
                    sign = 1 if pos[b][1] >= pos[a][1] else -1
                    pos[a][1] -= sign * oy / 2
                    pos[b][1] += sign * oy / 2
                else:
                    sign = 1 if pos[b][0] >= pos[a][0] else -1
                    pos[a][0] -= sign * ox / 2
                    pos[b][0] += sign * ox / 2
                boxes[a], boxes[b] = box(a), box(b)
        if not moved:
            break
    return {n: (xy[0], xy[1]) for n, xy in pos.items()}


def _bbox(p: dict[str, tuple[float, float]], geo: _Geometry) -> tuple[float, float, float, float]:
    return (min(xy[0] - geo.width[n] / 2 for n, xy in p.items()),
            min(xy[1] - geo.size[n] for n, xy in p.items()),
            max(xy[0] + geo.width[n] / 2 for n, xy in p.items()),
            max(xy[1] + geo.size[n] + geo.font[n] * 1.4 for n, xy in p.items()))


_HALF_STENCIL = ((0, 0), (1, 0), (1, 1), (0, 1), (-1, 1))
_STENCIL = tuple((ox, oy) for ox in (-1, 0, 1) for oy in (-1, 0, 1))
FORCE = {"k": 100.0, "gravity": 0.012, "iterations": 160, "room": 0.6, "cell": 3.0}


def _fr(comp: list[str], adj: dict[str, dict[str, float]], geo: _Geometry, *,
        init: dict[str, tuple[float, float]] | None = None, fixed: set[str] | None = None,
        gravity: float | None = None, iterations: int | None = None,
        temp: float | None = None, k: float | None = None,
        turn: float = 0.0) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold on ``comp`` with spring length ``k``: from ``init`` (or a
    sunflower spiral, turned by ``turn`` radians, in breadth-first order from the
    best-connected record), ``fixed`` records staying put."""
    n = len(comp)
    index = {m: i for i, m in enumerate(comp)}
    k = FORCE["k"] if k is None else k
    xs = [0.0] * n
    ys = [0.0] * n
    if init is None:
        start = max(comp, key=lambda m: (len(adj[m]), -index[m]))
        order, seen, queue = [], {start}, deque([start])
        while queue:
            m = queue.popleft()
            order.append(m)
            for o in sorted(adj[m], key=lambda o: (-len(adj[o]), o)):
                if o not in seen and o in index:
                    seen.add(o)
                    queue.append(o)
        golden = math.pi * (3 - math.sqrt(5))
        for j, m in enumerate(order):
            r = k * 0.6 * math.sqrt(j)
            xs[index[m]] = r * math.cos(j * golden + turn)
            ys[index[m]] = r * math.sin(j * golden + turn)
    else:
        for m, i in index.items():
            xs[i], ys[i] = init[m]
    fixed = fixed or set()
    free = [i for i, m in enumerate(comp) if m not in fixed]
    pairs = [(index[a], index[b], w) for a in comp for b, w in adj[a].items()
             if b in index and index[a] < index[b] and not (a in fixed and b in fixed)]
    room = [max(k, geo.width[m] * FORCE["room"] + geo.size[m]) for m in comp]
    if iterations is None:
        iterations = int(FORCE["iterations"] * min(1.0, (300 / n) ** 0.6))
    if temp is None:
        temp = k * max(1.0, math.sqrt(n)) * 0.3
    cool = (1.0 / temp) ** (1.0 / max(1, iterations))
    cell = FORCE["cell"] * k
    cell2 = cell * cell
    if gravity is None:
        gravity = FORCE["gravity"]
    for _ in range(iterations):
        dx = [0.0] * n
        dy = [0.0] * n
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(n):
            grid[(int(xs[i] // cell), int(ys[i] // cell))].append(i)
        if fixed:  # only the free records move: their repulsion from every record near
            for i in free:
                xi, yi, ri = xs[i], ys[i], room[i]
                gx, gy = int(xi // cell), int(yi // cell)
                for ox, oy in _STENCIL:
                    for j in grid.get((gx + ox, gy + oy), ()):
                        if j == i:
                            continue
                        ddx, ddy = xi - xs[j], yi - ys[j]
                        d2 = ddx * ddx + ddy * ddy
                        if d2 >= cell2:
                            continue
                        if d2 < 1e-6:
                            ddx, ddy, d2 = (i - j) * 0.1, 0.1, 0.02
                        kk = (ri + room[j]) * 0.5
                        f = kk * kk / d2
                        dx[i] += ddx * f
                        dy[i] += ddy * f
            grid = {}
        # each pair once: a cell with itself and with four of its neighbours
        for (gx, gy), members in grid.items():
            for ox, oy in _HALF_STENCIL:
                others = members if ox == oy == 0 else grid.get((gx + ox, gy + oy))
                if not others:
                    continue
                same = others is members
                for a_, i in enumerate(members):
                    xi, yi, ri = xs[i], ys[i], room[i]
                    for j in (others[a_ + 1:] if same else others):
                        ddx, ddy = xi - xs[j], yi - ys[j]
                        d2 = ddx * ddx + ddy * ddy
                        if d2 >= cell2:
                            continue
                        if d2 < 1e-6:
                            ddx, ddy, d2 = (i - j) * 0.1, 0.1, 0.02
                        kk = (ri + room[j]) * 0.5
                        f = kk * kk / d2
                        dx[i] += ddx * f
                        dy[i] += ddy * f
                        dx[j] -= ddx * f
                        dy[j] -= ddy * f
        for i, j, w in pairs:
            ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
            d = math.sqrt(ddx * ddx + ddy * ddy) or 0.01
            f = d * w / k
            dx[i] -= ddx * f
            dy[i] -= ddy * f
            dx[j] += ddx * f
            dy[j] += ddy * f
        for i in free:
            dx[i] -= xs[i] * gravity
            dy[i] -= ys[i] * gravity
            d = math.sqrt(dx[i] * dx[i] + dy[i] * dy[i])
            if d > 0:
                step = min(d, temp) / d
                xs[i] += dx[i] * step
                ys[i] += dy[i] * step
        temp *= cool
    return {m: (xs[index[m]], ys[index[m]]) for m in comp}


def layout_positions(
    G: nx.MultiDiGraph,
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str, str]],
    layout: str,
) -> dict[str, tuple[float, float]]:
    """Positions of ``nodes`` in one of :data:`LAYOUTS` (page units, y downwards).

    >>> from graph.query import example_store
    >>> G = materialize(example_store())
    >>> pos = layout_positions(G, list(G), [e for e in G.edges(keys=True)], "hierarchy")
    >>> pos["llama"][1] < pos["llama-7b"][1] < pos["alpaca-7b"][1]
    True
    """
    if layout not in LAYOUTS:
        raise QueryError(f"unknown layout {layout!r}. Use one of: {', '.join(LAYOUTS)}.")
    geo = _geometry(G, nodes, edges, layout)
    return _layout(G, nodes, edges, layout, geo)[0]


def _layout(G, nodes, edges, layout, geo):
    if layout == "force":
        return _force(G, nodes, edges, geo)
    if layout == "timeline":
        return _timeline(G, nodes, edges, geo)
    return _hierarchy(G, nodes, edges, geo)


# --- page data -------------------------------------------------------------------------------


def _count(value: int) -> str:
    """``7000000000`` -> ``'7B'``; ``52000`` -> ``'52K'``.

    >>> _count(7_000_000_000), _count(1_400_000_000_000), _count(52_000), _count(27540), _count(7)
    ('7B', '1.4T', '52K', '27.5K', '7')
    """
    for suffix, mult in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= mult:
            text = f"{value / mult:.1f}".rstrip("0").rstrip(".")
            return text + suffix
    return str(value)


def _href(document: str) -> str | None:
    """A link for a source document or URL, or None (seed files, anything not http(s)).

    >>> _href("arXiv:2302.13971"), _href("https://x.org/a"), _href("javascript:alert(1)")
    ('https://arxiv.org/abs/2302.13971', 'https://x.org/a', None)
    """
    doc = document.strip()
    m = _ARXIV.match(doc)
    if m:
        return f"https://arxiv.org/abs/{m.group(1)}"
    return doc if _SAFE_URL.match(doc) else None


def _sources(sources: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for s in sources:
        item = {"document": s.document, "quote": s.quote, "locator": s.locator,
                "field": getattr(s, "field", None), "href": _href(s.document),
                "translation": getattr(s, "translation", None)}
        out.append({k: v for k, v in item.items() if v is not None})
    return out


def _add_citations(S: Store, *groups: list[dict[str, Any]]) -> None:
    """Give each source the citation of the record its document names (title, author, date)
    and that record's link, so the page shows "Cameron R. Wolfe, *...*, 2023-11-28"."""
    from lineage.documents import for_store

    idx = for_store(S)

    def fix(sources: list[dict[str, Any]]) -> None:
        for s in sources:
            c = idx.citation(s["document"])
            if c is None:
                continue
            s["citation"] = c.text.replace("*", "")
            if c.url and _SAFE_URL.match(c.url):
                s["href"] = c.url

    for group in groups:
        for item in group:
            fix(item.get("sources") or [])
            for claim in item.get("claims") or []:
                fix(claim.get("sources") or [])


def _attrs(rec: Any) -> list[list[str]]:
    data = rec.model_dump(mode="json", exclude=_COMMON_FIELDS)
    out = []
    for key, value in data.items():
        if value is None or value == [] or value == "":
            continue
        if key in _COUNT_FIELDS and isinstance(value, int):
            text = _count(value)
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        out.append([key.replace("_", " "), text])
    return out


def _licences(G: nx.MultiDiGraph, n: str) -> list[str]:
    names = [G.nodes[v]["name"] for _, v, r in G.out_edges(n, data="relation")
             if r == "licensed_under"]
    if names:
        return sorted(names)
    for _, fam, r in G.out_edges(n, data="relation"):  # a model inherits its family's licence
        if r == "variant" and G.nodes[fam]["type"] == "family":
            inherited = [G.nodes[v]["name"] for _, v, r2 in G.out_edges(fam, data="relation")
                         if r2 == "licensed_under"]
            if inherited:
                return [f"{x} (via {G.nodes[fam]['name']})" for x in sorted(inherited)]
    return []


def _edge_json(G: nx.MultiDiGraph, u: str, v: str, k: str, i: int | str) -> dict[str, Any]:
    d = G.edges[u, v, k]
    out: dict[str, Any] = {
        "id": f"e{i}", "from": u, "to": v, "relation": d["relation"],
        "confidence": d["confidence"], "sources": _sources(d["sources"]),
    }
    if d.get("techniques"):
        out["techniques"] = [G.nodes[t]["name"] if t in G else t for t in d["techniques"]]
    for key in ("note", "date", "score", "metric", "setting"):
        if d.get(key) is not None:
            out[key] = d[key]
    return out


def page_data(S: Store, sel: Selection, layout: str = "force") -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data (the page's only input).

    ``nodes`` carry what the tooltip and the details panel show and, in each
    layout, a position, a shape size and a label font; ``edges`` are drawn; ``context_edges`` link a shown record
    to one left out (listed in the details panel, not drawn), whose names are
    in ``others``. ``view`` lists the record types and relation kinds ticked
    when the page opens (:func:`initial_view`).
    """
    if layout not in LAYOUTS:
        raise QueryError(f"unknown layout {layout!r}. Use one of: {', '.join(LAYOUTS)}.")
    G = sel.graph
    geos = {name: _geometry(G, sel.nodes, sel.edges, name) for name in LAYOUTS}
    positions: dict[str, dict[str, tuple[float, float]]] = {}
    guides: dict[str, Any] = {}
    for name in LAYOUTS:
        positions[name], guides[name] = _layout(G, sel.nodes, sel.edges, name, geos[name])
    nodes = []
    for n in sel.nodes:
        data = G.nodes[n]
        rec = pydantic_record(S, n)
        star = TYPE_STYLE[data["type"]]["shape"] == "star"  # a star looks smaller than a dot
        item: dict[str, Any] = {
            "id": n, "name": data["name"], "label": _label(data["name"]), "type": data["type"],
            "size": {name: geos[name].size[n] * (1.15 if star else 1) for name in LAYOUTS},
            "font": {name: geos[name].font[n] for name in LAYOUTS},
            "pos": {name: [round(positions[name][n][0], 1), round(positions[name][n][1], 1)]
                    for name in LAYOUTS},
        }
        optional = {
            "aliases": list(data["aliases"]), "date": data["date"],
            "weights": getattr(rec, "weights", None), "description": rec.description,
            "note": rec.note, "attrs": _attrs(rec),
            "developers": [S.node(o).name for o in developers(S, n)],
            "licences": _licences(G, n), "urls": [u for u in rec.urls if _SAFE_URL.match(u)],
            "sources": _sources(rec.sources),
            "claims": [{"topic": c.topic, "value": c.value, "note": c.note,
                        "sources": _sources(c.sources)} for c in rec.claims],
        }
        if getattr(rec, "arxiv", None):
            optional["urls"] = [f"https://arxiv.org/abs/{rec.arxiv}", *optional["urls"]]
        for key, value in optional.items():
            if value not in (None, [], ""):
                item[key] = value
        nodes.append(item)
    kept = set(sel.nodes)
    edges = [_edge_json(G, u, v, k, i) for i, (u, v, k) in enumerate(sel.edges)]
    shown = set(sel.edges)
    context, others = [], {}
    for u, v, k in sorted(G.edges(keys=True), key=_edge_key):
        if (u in kept) != (v in kept) and (u, v, k) not in shown:
            context.append(_edge_json(G, u, v, k, f"c{len(context)}"))
            other = v if u in kept else u
            others[other] = {"name": G.nodes[other]["name"], "type": G.nodes[other]["type"]}
    _add_citations(S, nodes, edges, context)
    present_types = sorted({G.nodes[n]["type"] for n in sel.nodes}, key=RECORD_TYPES.index)
    present_kinds = sorted({e["relation"] for e in edges}, key=RELATION_KINDS.index)
    years = sorted({date_key(G.nodes[n]["date"])[0] for n in sel.nodes if G.nodes[n]["date"]})
    return {
        "schema_version": 1,
        "title": "lineage: where large language models come from",
        "as_of": S.as_of_date,
        "layout": layout,
        "layouts": list(LAYOUTS),
        "counts": {"nodes": len(nodes), "edges": len(edges), "total_nodes": sel.total_nodes,
                   "total_edges": sel.total_edges},
        "focus": sel.focus,
        "auto_focus": sel.auto_focus,
        "view": {  # ticked in the legend when the page opens (the rest is one tick away)
            "types": [t for t in present_types
                      if sel.view_types is None or t in sel.view_types],
            "relations": [r for r in present_kinds
                          if sel.view_relations is None or r in sel.view_relations],
            "lineage": sel.view_types is not None,
        },
        "left_out": sel.left_out,
        "notes": sel.notes,
        "years": [years[0], years[-1]] if years else None,
        "nodes": nodes,
        "edges": edges,
        "context_edges": context,
        "others": others,
        "guides": guides,
        "style": {
            "types": {t: TYPE_STYLE[t] for t in RECORD_TYPES},
            "relations": {r: {"color": RELATION_COLOURS[r], "category": category(r),
                              "phrase": list(PHRASES[r])} for r in RELATION_KINDS},
            "present_types": present_types,
            "present_relations": present_kinds,
            "lineage_relations": list(LINEAGE_RELATIONS),
            "weight_relations": list(WEIGHT_RELATIONS),
        },
    }


# --- the drawing: pyvis assembles what vis-network draws ---------------------------------------

FONT = ('system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", '
        '"PingFang SC", "Microsoft YaHei", sans-serif')
"""The label font stack (CJK faces included, so Chinese names draw)."""

BIG_PAGE = 600
"""Above this many records the page hides edges while it is dragged or zoomed."""


def _shade(hex_colour: str, f: float) -> str:
    """``hex_colour`` with each channel scaled by ``f`` (clamped), as ``#rrggbb``.

    >>> _shade("#2f6fba", 0.72)
    '#225086'
    """
    h = hex_colour.lstrip("#")
    return "#" + "".join(
        f"{max(0, min(255, int(int(h[i:i + 2], 16) * f + 0.5))):02x}" for i in (0, 2, 4))


def _number(x: float) -> str:
    """A number as JavaScript's ``String(x)`` writes it for the scores a page shows.

    >>> _number(90.0), _number(92.5)
    ('90', '92.5')
    """
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def node_style(n: dict[str, Any], layout: str) -> dict[str, Any]:
    """How vis-network draws the record ``n`` (an item of ``page_data()['nodes']``) in
    ``layout``: shape and colour by type, border by access to the weights (closed: white
    with a thick border; restricted: tinted, dashed; unknown: tinted), size, place and
    label font from the layout."""
    st = TYPE_STYLE[n["type"]]
    access = (n.get("weights") or "unknown") if n["type"] in ("model", "family") else None
    bg, border, width, dashes = st["color"], _shade(st["color"], 0.72), 1.5, False
    if access == "closed":
        bg, border, width = "#ffffff", st["color"], 3.5
    elif access == "restricted":
        bg, border, width, dashes = st["light"], st["color"], 3, [4, 3]
    elif access == "unknown":
        bg, border, width = st["light"], st["color"], 2
    return {
        "shape": st["shape"], "size": n["size"][layout],
        "x": n["pos"][layout][0], "y": n["pos"][layout][1],
        "borderWidth": width, "borderWidthSelected": width + 2,
        "shapeProperties": {"borderDashes": dashes},
        "color": {"background": bg, "border": border,
                  "highlight": {"background": bg, "border": "#f59e0b"},
                  "hover": {"background": bg, "border": _shade(border, 0.8)}},
        "opacity": 1,
        "font": {"size": n["font"][layout], "color": "#24292f", "face": FONT, "strokeWidth": 4,
                 "strokeColor": "rgba(255,255,255,0.92)"},
    }


def edge_style(e: dict[str, Any], nth: int, pairs: int) -> dict[str, Any]:
    """How vis-network draws the relation ``e`` (an item of ``page_data()['edges']``), the
    ``nth`` of ``pairs`` relations between the same two records (those curve apart):
    colour and label by kind, width by category, dashed when the evidence is weak."""
    kind = e["relation"]
    cat = category(kind)
    lineage = kind in LINEAGE_RELATIONS
    colour = RELATION_COLOURS[kind]
    out: dict[str, Any] = {
        "id": e["id"],
        "label": kind.replace("_", " ") + (f": {_number(e['score'])}" if "score" in e else ""),
        "width": 2.2 if cat == "weights" else 1.9 if lineage else 0.9,
        "dashes": [6, 5] if e["confidence"] == "weak" else False,
        "color": {"color": colour, "highlight": colour, "hover": colour,
                  "opacity": 0.9 if lineage else 0.4},
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.55}},
        "font": {"size": 10, "face": FONT, "color": "#57606a", "strokeWidth": 3,
                 "strokeColor": "#ffffff", "align": "middle"},
    }
    if pairs > 1:
        out["smooth"] = {"enabled": True, "type": "curvedCCW" if nth % 2 else "curvedCW",
                         "roundness": 0.15 + 0.1 * (nth // 2)}
    return out


def smooth_for(layout: str) -> dict[str, Any]:
    """Edge curves in ``layout``: vertical béziers in the hierarchy, horizontal ones on the
    timeline, straight lines in the force layout."""
    if layout == "hierarchy":
        return {"enabled": True, "type": "cubicBezier", "forceDirection": "vertical",
                "roundness": 0.45}
    if layout == "timeline":
        return {"enabled": True, "type": "cubicBezier", "forceDirection": "horizontal",
                "roundness": 0.45}
    return {"enabled": False}


def vis_network(data: dict[str, Any]) -> Any:
    """A :class:`pyvis.network.Network` holding the page's nodes, edges and options, styled
    for the layout the page opens with (``data`` is :func:`page_data`'s result).

    pyvis assembles what vis-network draws; the page is rendered through our own template
    (:func:`render`), not pyvis's, which would load scripts from the network.

    >>> from graph.query import example_store
    >>> S = example_store()
    >>> net = vis_network(page_data(S, select(S)))
    >>> len(net.nodes) == len(S), net.directed, net.options["physics"]["enabled"]
    (True, True, False)
    """
    from pyvis.network import Network

    layout = data["layout"]
    net = Network(directed=True, cdn_resources="in_line")
    for n in data["nodes"]:
        net.add_node(n["id"], label=n["label"], **node_style(n, layout))
    ends = [tuple(sorted((e["from"], e["to"]))) for e in data["edges"]]
    pairs = Counter(ends)  # relations between the same two records curve apart
    seen: Counter = Counter()
    for e, key in zip(data["edges"], ends, strict=True):
        net.add_edge(e["from"], e["to"], **edge_style(e, seen[key], pairs[key]))
        seen[key] += 1
    big = len(data["nodes"]) > BIG_PAGE
    net.options = {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "physics": {"enabled": False, "solver": "forceAtlas2Based", "stabilization": False,
                    "forceAtlas2Based": {"gravitationalConstant": -70, "springLength": 110,
                                         "springConstant": 0.05, "avoidOverlap": 0.4}},
        "interaction": {"hover": True, "tooltipDelay": 3600000, "multiselect": False,
                        "keyboard": False, "zoomSpeed": 0.8, "hideEdgesOnDrag": big,
                        "hideEdgesOnZoom": big},
        "nodes": {"scaling": {"label": {"drawThreshold": 6, "maxVisible": 22}}},
        "edges": {"smooth": smooth_for(layout), "arrowStrikethrough": False,
                  "selectionWidth": 1.5, "hoverWidth": 0.6,
                  "scaling": {"label": {"drawThreshold": 7}}},
    }
    net.set_template_dir(str(_TEMPLATES), "page.html")
    return net


# --- the page --------------------------------------------------------------------------------

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def json_for_script(obj: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` (which could end the script element or start a
    comment), the JavaScript line separators and lone surrogates (not
    encodable as UTF-8) are written as ``\\uXXXX`` escapes; the text parses
    back to the same value with ``JSON.parse`` or :func:`json.loads`.

    >>> json_for_script({"name": "</script><b>&"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    >>> json.loads(json_for_script(["</script>", "羊驼"])) == ["</script>", "羊驼"]
    True
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _SCRIPT_UNSAFE.sub(
        lambda m: _SCRIPT_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


@cache
def _asset(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _script_body(js: str) -> str:
    # never let a library's text close our <script> element early
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)
    js = re.sub(r"<!--", r"<\\!--", js)
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def to_html(
    S: Store,
    focus: str | None = None,
    depth: int | None = None,
    types: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    layout: str = "force",
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
) -> str:
    """The interactive graph as one self-contained HTML page.

    Parameters
    ----------
    S : Store
    focus, depth, types, relations, max_nodes
        What to show; see :func:`select`.
    layout : {'force', 'timeline', 'hierarchy'}
        The layout the page opens with (the page can switch).
    title : str, optional
        The page title.

    Returns
    -------
    str
        The HTML document; it loads nothing from the network.

    Raises
    ------
    UnknownRecordError, QueryError
    """
    if layout not in LAYOUTS:
        raise QueryError(f"unknown layout {layout!r}. Use one of: {', '.join(LAYOUTS)}.")
    sel = select(S, focus=focus, depth=depth, types=types, relations=relations,
                 max_nodes=max_nodes)
    return render(S, sel, layout, title=title)


def render(S: Store, sel: Selection, layout: str = "force", *,
           title: str | None = None) -> str:
    """The page for a selection already made with :func:`select`.

    :func:`to_html` is ``render(G, select(G, ...), layout)``; callers that also
    report on the selection (see :func:`describe`) select once and call this.

    Raises
    ------
    QueryError
        For an unknown layout.
    """
    if layout not in LAYOUTS:
        raise QueryError(f"unknown layout {layout!r}. Use one of: {', '.join(LAYOUTS)}.")
    from markupsafe import Markup  # with jinja2, a dependency of pyvis

    data = page_data(S, sel, layout)
    if title:
        data["title"] = title
    net = vis_network(data)
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    data["vis"] = {"nodes": nodes, "edges": edges, "options": json.loads(options),
                   "smooth": {name: smooth_for(name) for name in LAYOUTS}}
    vis_js = _script_body(_asset(vis_network_js()))
    app_js = _script_body(_asset(_TEMPLATES / "page.js"))
    csp = ("default-src 'none'; "
           f"script-src {_sha256(vis_js)} {_sha256(app_js)}; "
           "style-src 'unsafe-inline'; img-src data:; font-src data:; "
           "connect-src 'none'; base-uri 'none'; form-action 'none'; object-src 'none'")
    css = _asset(_TEMPLATES / "page.css")
    # our template, through pyvis's template support, with every value HTML-escaped unless it
    # is one of the four blocks made safe above (the stylesheet, two scripts, the JSON)
    net.templateEnv.autoescape = True
    return net.templateEnv.get_template(net.path).render(
        title=data["title"],
        csp=csp,
        css=Markup(css.replace("</style", "<\\/style")),
        vis_js=Markup(vis_js),
        app_js=Markup(app_js),
        data=Markup(json_for_script(data)),
    )


def describe(S: Store, sel: Selection) -> str:
    """One line on what a page holds and what it opens on.

    >>> from graph.query import example_store
    >>> S = example_store()
    >>> describe(S, select(S))
    '6 records, 5 relations; it opens on the lineage view of 5 records and 4 relations, the rest one tick away in the legend'
    """
    summary = f"{len(sel.nodes)} records, {len(sel.edges)} relations"
    shown_nodes, shown_edges = initial_view(S, sel)
    if len(shown_nodes) < len(sel.nodes):
        summary += (f"; it opens on the lineage view of {len(shown_nodes)} records and "
                    f"{len(shown_edges)} relations, the rest one tick away in the legend")
    if sel.auto_focus:
        summary += f"; a focus view around {S.node(sel.focus).name} (the graph is too large)"
    return summary


def write_html(
    S: Store,
    path: str | Path,
    *,
    focus: str | None = None,
    depth: int | None = None,
    types: Iterable[str] | None = None,
    relations: Iterable[str] | None = None,
    layout: str = "force",
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
) -> Path:
    """Write :func:`to_html` to ``path`` atomically and return the path.

    Raises
    ------
    UnknownRecordError, QueryError
    OutputError
        When the file cannot be written (nothing is left half-written).
    """
    text = to_html(S, focus, depth, types, relations, layout, max_nodes=max_nodes, title=title)
    path = Path(path)
    write_text_atomic(path, text)
    return path
