"""Helpers shared by the tests: stores of both kinds, and a networkx view for assertions."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

STORE_KINDS = ("memory", "sqlite")
"""Every store-backed test runs against each of these (see conftest.store_kind)."""

SERVER_KIND = "server"
"""The third kind: a graph pushed to a real SPARQL server (tests/test_server.py starts it).
Test modules opt in with ``SERVER_STORE = True`` (the query-command suites)."""

_server: dict[str, Any] = {"url": None, "graphs": {}}

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
    if kind == SERVER_KIND:
        from graph.store.endpoint import EndpointStore

        return EndpointStore(f"{_server['url']}/query", graph=push_kb(kb))

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


def set_server(url: str | None) -> None:
    """The base URL of the test server (``http://127.0.0.1:PORT``), set by its fixture."""
    _server["url"] = url
    _server["graphs"].clear()


def push_kb(kb: Any) -> str:
    """Push ``kb`` to the test server in a graph of its own (once per knowledge base);
    return the graph's IRI."""
    from graph.server import push
    from graph.store.memory import MemoryStore

    key = id(kb)
    got = _server["graphs"].get(key)
    if got is None or got[0] is not kb:
        graph = f"urn:lineage:test:{next(_count)}"
        url = _server["url"]
        push(MemoryStore(kb), f"{url}/store", graph=graph, update=f"{url}/update")
        got = _server["graphs"][key] = (kb, graph)
    return got[1]


def push_data(path: Path) -> str:
    """Push the data at ``path`` (alone, no shipped data) once per content; its graph IRI."""
    from lineage.layers import file_digests, layer_paths

    digests = file_digests(layer_paths([str(path)], False)) or []
    key = (str(path), tuple(digests))
    got = _server["graphs"].get(key)
    if got is None:
        from lineage.load import load

        got = _server["graphs"][key] = (None, push_kb(load([path], shipped=False)))
    return got[1]
