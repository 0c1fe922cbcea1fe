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
from dataclasses import dataclass
from typing import Any

from lineage.vocab import DATA_RELATIONS, WEIGHT_RELATIONS

__all__ = ["Source", "Node", "Edge", "Store", "category", "date_in_bound", "parse_date_bound"]


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


@dataclass(frozen=True, slots=True)
class Source:
    """Where a statement comes from: a document, and a quote or locator in it."""

    document: str
    quote: str | None = None
    locator: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, str]:
        """The source as JSON data, without empty keys."""
        out = {"document": self.document}
        for k in ("quote", "locator", "field"):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Source:
        return cls(d["document"], d.get("quote"), d.get("locator"), d.get("field"))


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
        out: dict[str, Any] = {"sources": [s.to_dict() for s in self.sources]}
        for k in ("note", "date", "score", "metric", "setting"):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        if self.techniques:
            out["techniques"] = list(self.techniques)
        return out

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


def parse_date_bound(value: str | None) -> str | None:
    """Check a partial date used as a bound; return it normalised (``2023-3`` -> ``2023-03``).

    >>> parse_date_bound("2023-3"), parse_date_bound(None)
    ('2023-03', None)
    >>> parse_date_bound("March 2023")
    Traceback (most recent call last):
    ...
    ValueError: 'March 2023' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2023-03)
    """
    if value is None:
        return None
    import datetime as _dt
    import re as _re

    text = str(value).strip()
    m = _re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if not m:
        raise ValueError(f"{value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2023-03)")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    if mo is not None and not 1 <= int(mo) <= 12:
        raise ValueError(f"{value!r} has month {mo}; months run 01-12")
    if d is not None:
        try:
            _dt.date(int(y), int(mo), int(d))
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
    parts = [y] + [p.zfill(2) for p in (mo, d) if p is not None]
    return "-".join(parts)


def date_in_bound(date: str | None, lo: str | None, hi: str | None) -> bool:
    """Is ``date`` within ``[lo, hi]``, compared at the precision both share?

    Undated records are outside any bound.

    >>> date_in_bound("2023-11", "2023", None), date_in_bound("2022", "2023-01", None)
    (True, False)
    """
    if lo is None and hi is None:
        return True
    if not date:
        return False
    if lo is not None:
        n = min(len(date), len(lo))
        if date[:n] < lo[:n]:
            return False
    if hi is not None:
        n = min(len(date), len(hi))
        if date[:n] > hi[:n]:
            return False
    return True


class Store:
    """The protocol every backend implements (see the module docstring).

    Subclasses implement the abstract methods; the rest have generic versions
    a backend may replace with native ones.
    """

    #: set by a view such as :meth:`as_of`
    as_of_date: str | None = None

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
            n = self.node(rid)
            if tset and n.type not in tset:
                continue
            if (since or until) and not date_in_bound(n.date, since, until):
                continue
            if weights and n.weights != weights:
                continue
            yield rid

    # --- time ------------------------------------------------------------------
    def as_of(self, date: str) -> Store:
        """A read-only view of the store as it stood on ``date``."""
        from .asof import AsOfStore

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
