"""Helpers shared by the tests: stores of both kinds, and a networkx view for assertions."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

STORE_KINDS = ("memory", "sqlite")
"""Every store-backed test runs against each of these (see conftest.store_kind)."""

_kind = {"value": "memory"}
_tmp = Path(tempfile.mkdtemp(prefix="lineage-test-stores-"))
_count = itertools.count()
_views: dict[int, Any] = {}


def set_kind(kind: str) -> None:
    _kind["value"] = kind


def current_kind() -> str:
    return _kind["value"]


def make_store(kb: Any, kind: str | None = None):
    """A store of ``kb``: in memory, or built into a fresh SQLite file."""
    from graph.store.memory import MemoryStore
    from graph.store.sqlite import build_store

    kind = kind or _kind["value"]
    if kind == "memory":
        return MemoryStore(kb)

    def origin(rid: str):
        import os

        o = kb.origins.get(rid)
        return None if o is None else (os.path.abspath(o.file), o.line)

    path = _tmp / f"store-{next(_count)}.db"
    return build_store(path, kb.records.values(), origins=origin)


def nxg(S: Any):
    """A networkx MultiDiGraph of the whole store, for assertions written with networkx."""
    key = id(S)
    if key not in _views or _views[key][0] is not S:
        from graph.store.views import materialize

        _views[key] = (S, materialize(S))
    return _views[key][1]
