"""Stores: where the records and relations live (see :mod:`graph.store.base`).

:func:`open_store` is the one entry point the CLI and Python users call:

* ``open_store(store="kb.db")`` opens an on-disk store built by ``lineage index``;
* ``open_store(data_dirs, shipped=True)`` gives the layered YAML data, compiled
  once into a SQLite store in the cache directory (keyed by the content of every
  data file and the code version) so later queries need neither the YAML parser
  nor the record models;
* ``open_store(..., store=":memory:")`` validates the data and keeps it in memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from lineage.errors import LineageError

from .base import Edge, Node, Source, Store

__all__ = ["Store", "Node", "Edge", "Source", "open_store", "index_store", "ENV_STORE",
           "ENV_CACHE_DIR", "MEMORY", "stale_reason", "cache_dir"]

ENV_STORE = "LINEAGE_STORE"
"""Environment variable naming the store every command reads (like ``--store``)."""

ENV_CACHE_DIR = "LINEAGE_CACHE_DIR"
"""Where compiled stores of YAML data are kept; 'off' (or empty) keeps them in memory."""

MEMORY = ":memory:"
"""The ``store`` value that validates the data and keeps it in memory."""

def cache_dir() -> tuple[Path | None, str | None]:
    """The directory of compiled stores, and why it is not used when it is not.

    It is created private (0700); one that another user owns or that others may
    write to is refused, since whoever can write there decides what queries answer.
    """
    env = os.environ.get(ENV_CACHE_DIR)
    if env is not None and env.strip().lower() in ("", "off", "0", "no"):
        return None, None
    if env:
        d = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = Path(base) / "lineage"
    try:
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = d.stat()
    except OSError as e:
        return None, f"cache directory {d} cannot be used ({e.strerror}); working from memory"
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        return None, (f"cache directory {d} is writable by others or not yours; not using it "
                      f"(fix: chmod 700 {d}, or set {ENV_CACHE_DIR} to a private directory)")
    return d, None


def _load_kb(data_dirs: Sequence[str], shipped: bool):
    from lineage.load import load

    return load(data_dirs, shipped=shipped)


def _origins(kb) -> Callable[[str], tuple[str, int | None] | None]:
    def origin(rid: str) -> tuple[str, int | None] | None:
        o = kb.origins.get(rid)
        return None if o is None else (os.path.abspath(o.file), o.line)

    return origin


def _compiled(data_dirs: Sequence[str], shipped: bool) -> tuple[Store, list[str]]:
    """The layered YAML data as a SQLite store in the cache directory (built on a miss)."""
    from lineage.layers import file_digests, fingerprint, layer_paths

    notices: list[str] = []
    directory, why = cache_dir()
    if why:
        notices.append(why)
    layers = layer_paths(data_dirs, shipped)
    digests = file_digests(layers) if directory is not None else None
    if directory is None or digests is None:
        from .memory import MemoryStore

        return MemoryStore(_load_kb(data_dirs, shipped)), notices
    from .sqlite import SQLiteStore, StoreError, code_version

    digest = fingerprint(layers, digests, [code_version()])
    path = directory / f"kb-{digest[:32]}.db"
    if path.is_file():
        try:
            return SQLiteStore(path), notices
        except StoreError:
            pass  # damaged or from another version: rebuild below
    kb = _load_kb(data_dirs, shipped)
    try:
        from .sqlite import build_store

        store = build_store(path, kb.records.values(), origins=_origins(kb), files=digests,
                            meta={"layers": _layers_json(layers), "fingerprint": digest})
    except (OSError, LineageError) as e:
        from .memory import MemoryStore

        notices.append(f"could not write the compiled store in {directory} ({e}); "
                       "working from memory")
        return MemoryStore(kb), notices
    _prune(directory, keep=path)
    return store, notices


def _layers_json(layers: Sequence[Path]) -> str:
    import json

    return json.dumps([os.path.abspath(p) for p in layers])


def _prune(directory: Path, keep: Path, most: int = 8) -> None:
    """Remove all but the ``most`` newest compiled stores."""
    try:
        old = sorted((p for p in directory.glob("kb-*.db") if p != keep),
                     key=lambda p: p.stat().st_mtime, reverse=True)
        for p in old[most - 1:]:
            p.unlink(missing_ok=True)
        for p in directory.glob("kb-*.pickle"):  # the load cache of earlier versions
            p.unlink(missing_ok=True)
    except OSError:
        pass


def rebuild_command(store: Store, path: str) -> str:
    """The ``lineage ... index`` command that rebuilds an on-disk store from its layers.

    >>> class S:
    ...     def meta(self):
    ...         return {"layers": '["/data/shipped", "/home/me/my-data"]'}
    >>> rebuild_command(S(), "kb.db")
    'lineage --no-shipped --data-dir /data/shipped --data-dir /home/me/my-data index -o kb.db'
    """
    import json
    import shlex

    from lineage.layers import SHIPPED_DATA

    meta = getattr(store, "meta", None)
    layers = json.loads(meta().get("layers", "[]")) if meta is not None else []
    shipped = os.path.abspath(SHIPPED_DATA)
    words = ["lineage"] + ([] if shipped in layers else ["--no-shipped"])
    for layer in layers:
        if layer != shipped:
            words += ["--data-dir", layer]
    return " ".join(shlex.quote(w) for w in [*words, "index", "-o", path])


def stale_reason(store: Store) -> str | None:
    """Why an on-disk store no longer matches the data it was built from, if it does not.

    Checks each recorded data file's size and modification time, and its
    content when those changed; then whether files were added or removed.
    """
    import hashlib
    import json

    files = getattr(store, "files", None)
    meta = getattr(store, "meta", None)
    if files is None or meta is None:
        return None
    recorded = files()
    info = meta()
    for path, (size, mtime, sha) in recorded.items():
        p = Path(path)
        try:
            st = p.stat()
        except OSError:
            return f"{path} was removed"
        if (st.st_size, st.st_mtime_ns) != (size, mtime):
            try:
                if hashlib.sha256(p.read_bytes()).hexdigest() != sha:
                    return f"{path} changed"
            except OSError:
                return f"{path} cannot be read"
    from lineage.layers import data_files

    for layer in json.loads(info.get("layers", "[]")):
        lp = Path(layer)
        if lp.is_dir():
            for f in data_files(lp):
                if os.path.abspath(f) not in recorded:
                    return f"{f} was added"
    return None


def open_store(data_dirs: Sequence[str] = (), *, shipped: bool = True, store: str | None = None,
               as_of: str | None = None, notices: list[str] | None = None,
               endpoint: str | None = None, graph: str | None = None) -> Store:
    """Open the store a command reads.

    Parameters
    ----------
    data_dirs : sequence of str
        Data directories or YAML files layered over the shipped data.
    shipped : bool
        Include the curated data shipped with lineage.
    store : str, optional
        Path of an on-disk store built by ``lineage index`` (``data_dirs`` must
        then be empty: the store holds its data), or ``":memory:"``.
    as_of : str, optional
        A date: the store as it stood then.
    notices : list, optional
        Receives one-line notices for the user (a stale store, an unusable cache).
    endpoint : str, optional
        The query URL of a SPARQL 1.1 server holding the graph (``lineage push``
        put it there): every answer then comes from the server
        (:class:`graph.store.endpoint.EndpointStore`).
    graph : str, optional
        With ``endpoint``: the graph's IRI (default :data:`graph.remote.DEFAULT_GRAPH`).

    Raises
    ------
    LineageError
        A store that cannot be opened, data with errors, a bad date.
    """
    notes: list[str] = [] if notices is None else notices
    if endpoint:
        if store or data_dirs or not shipped:
            raise LineageError(
                "--endpoint reads the graph on a SPARQL server; --store, --data-dir and "
                "--no-shipped (or LINEAGE_STORE, LINEAGE_DATA_DIR) choose local data and cannot "
                "be combined with it. Give one or the other.")
        from .endpoint import EndpointStore

        S: Store = EndpointStore(endpoint, graph=graph)
    elif store and store != MEMORY:
        if data_dirs or not shipped:
            raise LineageError(
                "--data-dir and --no-shipped choose the data a store is built from; with "
                f"--store they have no effect. Build the store with that data ('lineage "
                f"--data-dir DIR index -o {store}'), then query it alone.")
        from .sqlite import SQLiteStore

        S = SQLiteStore(store)
        why = stale_reason(S)
        if why:
            notes.append(f"store {store} is out of date ({why}); rebuild it with "
                         f"'{rebuild_command(S, store)}'")
    elif store == MEMORY:
        from .memory import MemoryStore

        S = MemoryStore(_load_kb(data_dirs, shipped))
    else:
        S, more = _compiled(data_dirs, shipped)
        notes.extend(more)
    if as_of:
        from graph.query import as_of as _as_of

        S = _as_of(S, as_of)
    return S


def index_store(path: str, data_dirs: Sequence[str] = (), *, shipped: bool = True,
                progress: Callable[[int], None] | None = None) -> Store:
    """Build (or rebuild) the on-disk store at ``path`` from the layered data, atomically.

    Each record is written as it is validated, and only what the cross-record checks
    need is held (see :func:`lineage.load.load_facts`), so a million records build in
    a few minutes and a few gigabytes. Invalid data raises :class:`DataError` and
    leaves what was at ``path`` as it was.
    """
    from lineage.layers import file_digests, fingerprint, layer_paths
    from lineage.load import RelationFacts, load_facts

    from .sqlite import SQLiteStore, StoreBuild

    layers = layer_paths(data_dirs, shipped)
    with StoreBuild(path, progress=progress) as build:
        kb = load_facts(data_dirs, shipped=shipped, keep=lambda rec, o: build.add(
            rec, (os.path.abspath(o.file), o.line)))
        for rid, facts in kb.records.items():
            added = [(k, r) for k, r in enumerate(facts.relations)
                     if not isinstance(r, RelationFacts)]  # by standalone relations
            if added:
                build.amend(rid, added)
        del kb  # a gigabyte at a million records: give it back before indexing
        digests = file_digests(layers) or []
        build.finish(digests, {"layers": _layers_json(layers),
                               "fingerprint": fingerprint(layers, digests)})
    return SQLiteStore(path)
