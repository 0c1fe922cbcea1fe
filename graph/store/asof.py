"""A view of any store as it stood on a date."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .base import Edge, Node, Store, date_in_bound, parse_date_bound

__all__ = ["AsOfStore"]


class AsOfStore(Store):
    """Records dated after ``date`` and relations dated after it, or touching such
    records, are left out. Undated records and relations are kept; dates compare at
    the precision both share (``2023`` keeps ``2023-11``)."""

    def __init__(self, base: Store, date: str) -> None:
        bound = parse_date_bound(date)
        if bound is None:
            raise ValueError("as_of needs a date such as 2023 or 2023-03")
        self.base = base
        self.bound = bound
        self.as_of_date = str(date)

    def _keep(self, date: str | None) -> bool:
        return not date or date_in_bound(date, None, self.bound)

    def _keep_edge(self, e: Edge) -> bool:
        return (self._keep(e.date) and self._keep_id(e.source) and self._keep_id(e.target))

    def _keep_id(self, rid: str) -> bool:
        return self._keep(self.base.node(rid).date)

    def __contains__(self, rid: object) -> bool:
        return rid in self.base and self._keep_id(rid)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return sum(1 for _ in self.iter_ids())

    def node(self, rid: str) -> Node:
        n = self.base.node(rid)
        if not self._keep(n.date):
            raise KeyError(rid)
        return n

    def record(self, rid: str) -> dict[str, Any]:
        self.node(rid)
        return self.base.record(rid)

    def origin(self, rid: str):
        return self.base.origin(rid)

    def iter_ids(self) -> Iterator[str]:
        return (r for r in self.base.iter_ids() if self._keep_id(r))

    def edge_count(self) -> int:
        return sum(1 for _ in self.iter_edges())

    def iter_edges(self) -> Iterator[Edge]:
        return (e for e in self.base.iter_edges() if self._keep_edge(e))

    def out_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        return [e for e in self.base.out_edges(rid, kinds) if self._keep_edge(e)]

    def in_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        return [e for e in self.base.in_edges(rid, kinds) if self._keep_edge(e)]

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
                if self._keep_id(r))

    def close(self) -> None:
        self.base.close()

    @property
    def description(self) -> str:
        return f"{self.base.description} as of {self.as_of_date}"

    @property
    def kb(self) -> Any:
        """The knowledge base of the underlying store, when it keeps one."""
        return getattr(self.base, "kb", None)
