"""The on-disk store: SQLite (standard library), indexed for millions of records.

Layout (``SCHEMA_VERSION`` in ``meta``):

* ``records(id, type, name, aliases, date, weights, hub_ids, description, body, file, line)``
  with indexes on ``(type, date)``; ``body`` is the record as JSON (every field
  but relations).
* ``edges(src, dst, relation, pos, confidence, date, body)``: one row per
  relation, indexed by ``(src, pos)`` and ``(dst, src, pos)``; ``body`` holds
  the sources, note, techniques and score.
* ``labels(key, rid, kind)``: every folded id / name / alias / Hub id, for exact
  and prefix lookups; ``labels_fts`` and ``descr_fts`` (FTS5, trigram) for
  substring search and close-match suggestions at scale.
* ``files`` and ``meta``: what data and which code built the store.

Writes run in one transaction; a build writes a new file beside the target and
renames it into place, so an interrupted build leaves the previous store intact.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineage.errors import LineageError
from lineage.names import close_matches, normalize, record_labels
from lineage.vocab import LINEAGE_RELATIONS, RELATION_CATEGORY, SEED_DOCUMENT_GLOB

from .base import (
    Edge,
    Node,
    Store,
    bulk_work,
    date_in_bound,
    describing,
    evidence_body,
    next_frontier,
)
from .memory import record_node

__all__ = ["SQLiteStore", "SCHEMA_VERSION", "StoreError", "build_store", "StoreBuild",
           "update_store",
           "code_version",
           "write_records"]

SCHEMA_VERSION = "3"
SCAN_LIMIT = 5_000
HUB_WALK_MIN = 10_000
"""A build keeps the ``--jsonl`` descendants walk of every record with at least this many
relations below it precomputed (table ``walks``), read back in one sequential scan."""
HUB_CANDIDATE_MIN = 200
"""Records with fewer direct children than this are not walked at build time."""
"""Below this many labels, suggestions and short substrings scan every label
(exactly what the in-memory store does); above it they go through the trigram index."""

_MAXCHAR = "\U0010ffff"


class StoreError(LineageError):
    """A store file that cannot be opened, read or written."""


_TABLES = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE files(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT)
    WITHOUT ROWID;
CREATE TABLE records(
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, name TEXT NOT NULL,
    aliases TEXT NOT NULL, date TEXT, weights TEXT, hub_ids TEXT NOT NULL,
    description TEXT, body TEXT NOT NULL, file TEXT, line INTEGER);
CREATE TABLE edges(
    dst TEXT NOT NULL, src TEXT NOT NULL, pos INTEGER NOT NULL, relation TEXT NOT NULL,
    confidence TEXT NOT NULL, date TEXT, body TEXT NOT NULL,
    PRIMARY KEY (dst, src, pos)) WITHOUT ROWID;
CREATE TABLE labels(lid INTEGER PRIMARY KEY, key TEXT NOT NULL, rid TEXT NOT NULL,
    kind INTEGER NOT NULL);
CREATE TABLE walks(root TEXT NOT NULL, seq INTEGER NOT NULL, level INTEGER NOT NULL,
    near TEXT NOT NULL, far TEXT NOT NULL, edge_line TEXT NOT NULL, node_line TEXT NOT NULL,
    PRIMARY KEY (root, seq)) WITHOUT ROWID;
CREATE VIRTUAL TABLE labels_fts USING fts5(key, content='labels', content_rowid='lid',
    tokenize='trigram');
CREATE VIRTUAL TABLE descr_fts USING fts5(description, content='records', content_rowid='rid',
    tokenize='trigram');
"""
"""Edges are kept in the order of their target (a record's in-edges, which a descendants
walk reads, lie together on disk); an index gives each record's out-edges."""

_INDEXES = """
CREATE INDEX records_type_date ON records(type, date);
CREATE INDEX records_date ON records(date);
CREATE INDEX edges_src ON edges(src, pos);
CREATE INDEX labels_key ON labels(key, kind, lid);
CREATE INDEX labels_rid ON labels(rid);
"""
"""Built after a bulk load (faster than keeping them up to date row by row)."""


_CODE_FILES = (
    ("lineage", ("load.py", "records.py", "vocab.py", "names.py", "errors.py", "layers.py",
                 "dates.py")),
    ("graph.store", ("base.py", "memory.py", "sqlite.py")),
)


def code_version() -> str:
    """A fingerprint of the code that shapes stored data (Python, loading, records, stores)."""
    import hashlib
    import importlib.util

    h = hashlib.sha256((sys.version + SCHEMA_VERSION).encode())
    for package, names in _CODE_FILES:
        spec = importlib.util.find_spec(package)
        where = Path(spec.origin).parent if spec and spec.origin else None
        for name in names:
            try:
                h.update((where / name).read_bytes() if where else b"")
            except OSError:
                h.update(b"?")
    return h.hexdigest()[:16]


_CATEGORY_SQL = ("CASE e.relation " + " ".join(  # = graph.store.base.category
    f"WHEN '{k}' THEN '{c}'" for k, c in RELATION_CATEGORY.items() if c != "knowledge")
    + " ELSE 'knowledge' END")

_PROVENANCE_SQL = (  # = lineage.vocab.provenance
    "CASE WHEN EXISTS (SELECT 1 FROM json_each(e.body, '$.sources') AS s WHERE "
    f"json_extract(s.value, '$.document') GLOB '{SEED_DOCUMENT_GLOB}') "
    "THEN 'seed' ELSE 'outside' END")

_EDGE_OBJECT = (
    "json_object('kind', 'edge', 'source', e.src, 'target', e.dst, 'relation', e.relation, "
    f"'category', {_CATEGORY_SQL}, 'confidence', e.confidence, 'provenance', {_PROVENANCE_SQL}, "
    "'sources', json_extract(e.body, '$.sources'), "
    "'techniques', coalesce(json_extract(e.body, '$.techniques'), json_array()), "
    "'note', json_extract(e.body, '$.note'), 'date', e.date)")
_EDGE_JSONL = (  # the --jsonl edge line (graph.serialize.edge_json), made by SQLite
    f"CASE WHEN e.relation = 'evaluated_on' THEN json_set({_EDGE_OBJECT}, "
    "'$.score', json_extract(e.body, '$.score'), '$.metric', json_extract(e.body, '$.metric'), "
    f"'$.setting', json_extract(e.body, '$.setting')) ELSE {_EDGE_OBJECT} END")
_NODE_JSONL = (  # the --jsonl node line (graph.serialize.node_jsonl); ?1 is the depth
    "json_object('kind', 'node', 'id', r.id, 'name', r.name, 'type', r.type, "
    "'aliases', json(r.aliases), 'date', r.date, 'depth', ?1, 'weights', r.weights, "
    "'hub_ids', json(r.hub_ids))")


def _between(column: str, lo: Any, hi: Any) -> tuple[str, list[Any]]:
    """A ``WHERE`` clause for ``lo <= column < hi`` (no bound where None) and its arguments;
    tuple bounds compare a row of columns, such as ``(dst, src)``."""
    conds, args = [], []
    for op, bound in ((">=", lo), ("<", hi)):
        if bound is not None:
            values = list(bound) if isinstance(bound, tuple) else [bound]
            marks = "?" if len(values) == 1 else f"({', '.join('?' * len(values))})"
            conds.append(f"{column} {op} {marks}")
            args += values
    return (" WHERE " + " AND ".join(conds) if conds else ""), args


class SQLiteStore(Store):
    """A store kept in one SQLite file.

    Open an existing file with ``SQLiteStore(path)``; build one with
    :func:`build_store`. Reading never writes the file.
    """

    def __init__(self, path: str | os.PathLike[str], *, _conn: sqlite3.Connection | None = None,
                 writable: bool = False) -> None:
        self.path = Path(path)
        if _conn is not None:
            self.db = _conn
        else:
            if not self.path.exists():
                raise StoreError(f"no store at {self.path}. Build it from your data with "
                                 f"'lineage --data-dir DIR index -o {self.path}'.")
            if self.path.is_dir():
                raise StoreError(f"{self.path} is a directory, not a store file. Give the path "
                                 "of a store built by 'lineage --data-dir DIR index -o FILE'.")
            try:
                uri = self.path.resolve().as_uri() + ("" if writable else "?mode=ro")
                self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
                version = self.db.execute(
                    "SELECT value FROM meta WHERE key='schema_version'").fetchone()
            except sqlite3.DatabaseError as e:
                raise StoreError(f"{self.path} is not a lineage store ({e}). Build one with "
                                 f"'lineage --data-dir DIR index -o {self.path}'.") from None
            if version is None or version[0] != SCHEMA_VERSION:
                raise StoreError(f"{self.path} was built by another version of lineage. Rebuild "
                                 f"it with 'lineage --data-dir DIR index -o {self.path}'.")
        self._nodes: dict[str, Node] = {}
        self._n_labels: int | None = None

    # --- records ---------------------------------------------------------------
    def __contains__(self, rid: object) -> bool:
        if not isinstance(rid, str):
            return False
        if rid in self._nodes:
            return True
        return self.db.execute("SELECT 1 FROM records WHERE id=?", (rid,)).fetchone() is not None

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM records").fetchone()[0]

    @staticmethod
    def _node(row: Sequence[Any]) -> Node:
        aliases, hub = row[3], row[6]
        return Node(row[0], row[1], row[2], () if aliases == "[]" else tuple(json.loads(aliases)),
                    row[4], row[5], () if hub == "[]" else tuple(json.loads(hub)))

    def node(self, rid: str) -> Node:
        n = self._nodes.get(rid)
        if n is None:
            row = self.db.execute("SELECT id, type, name, aliases, date, weights, hub_ids "
                                  "FROM records WHERE id=?", (rid,)).fetchone()
            if row is None:
                raise KeyError(rid)
            n = self._nodes[rid] = self._node(row)
        return n

    def nodes(self, rids: Iterable[str]) -> dict[str, Node]:
        rids = list(rids)
        missing = [r for r in dict.fromkeys(rids) if r not in self._nodes]
        for i in range(0, len(missing), 900):
            chunk = missing[i:i + 900]
            q = ",".join("?" * len(chunk))
            for row in self.db.execute("SELECT id, type, name, aliases, date, weights, hub_ids "
                                       f"FROM records WHERE id IN ({q})", chunk):
                self._nodes[row[0]] = self._node(row)
        return {r: self._nodes[r] for r in rids}

    def record(self, rid: str) -> dict[str, Any]:
        row = self.db.execute("SELECT body FROM records WHERE id=?", (rid,)).fetchone()
        if row is None:
            raise KeyError(rid)
        return json.loads(row[0])

    def origin(self, rid: str) -> tuple[str, int | None] | None:
        row = self.db.execute("SELECT file, line FROM records WHERE id=?", (rid,)).fetchone()
        if row is None or row[0] is None:
            return None
        try:
            return os.path.relpath(row[0]), row[1]
        except ValueError:
            return row[0], row[1]

    def iter_ids(self) -> Iterator[str]:
        for (rid,) in self.db.execute("SELECT id FROM records ORDER BY rid"):
            yield rid

    def iter_sorted_records(self) -> Iterator[tuple[dict[str, Any], list[Edge]]]:
        """Every record's body and out-edges, sorted by id, in one pass over two cursors
        (memory stays flat however large the store)."""
        edges = self.db.cursor().execute(
            "SELECT src, dst, relation, pos, confidence, body FROM edges ORDER BY src, pos")
        pending = edges.fetchone()
        for rid, body in self.db.cursor().execute("SELECT id, body FROM records ORDER BY id"):
            mine = []
            while pending is not None and pending[0] <= rid:
                if pending[0] == rid:
                    mine.append(self._edge(pending))
                pending = edges.fetchone()
            yield json.loads(body), mine

    def iter_sorted_rows(self, lo: str | None = None, hi: str | None = None
                         ) -> Iterator[tuple[str, str, list[tuple[str, str, int, str, str]]]]:
        """Every record with ``lo <= id < hi`` (all when None) as stored: its id, its JSON
        and its relations' rows ``(target, kind, position, confidence, JSON)``, sorted by id,
        in one pass over two cursors. Nothing is validated or decoded: the fast path of
        the exports, which check what they read."""
        where, args = _between("src", lo, hi)
        edges = self.db.cursor().execute(
            f"SELECT src, dst, relation, pos, confidence, body FROM edges{where} "
            "ORDER BY src, pos", args)
        pending = edges.fetchone()
        for rid, body in self.iter_record_rows(lo, hi):
            mine = []
            while pending is not None and pending[0] <= rid:
                if pending[0] == rid:
                    mine.append(pending[1:])
                pending = edges.fetchone()
            yield rid, body, mine

    def iter_record_rows(self, lo: str | None = None, hi: str | None = None
                         ) -> Iterator[tuple[str, str]]:
        """Every record with ``lo <= id < hi`` (all when None) as stored: its id and its
        JSON, sorted by id. Nothing is validated or decoded (see :meth:`iter_sorted_rows`)."""
        where, args = _between("id", lo, hi)
        return iter(self.db.execute(f"SELECT id, body FROM records{where} ORDER BY id", args))

    def iter_relation_rows(self, lo: tuple[str, str] | None = None,
                           hi: tuple[str, str] | None = None
                           ) -> Iterator[tuple[str, str, str, int, str, str]]:
        """Every relation with ``lo <= (target, source) < hi`` (all when None) as stored:
        ``(target, source, kind, position, confidence, JSON)``, in the order the table keeps
        them (target, source, position): one pass over the table, no lookup per row. The
        relations a record states about one target come together, in their order."""
        where, args = _between("(dst, src)", lo, hi)
        return iter(self.db.execute(
            f"SELECT dst, src, relation, pos, confidence, body FROM edges{where} "
            "ORDER BY dst, src, pos", args))

    def split_relations(self, parts: int) -> list[tuple[str, str]]:
        """``parts - 1`` cuts ``(target, source)`` that divide the relations, in the table's
        order, into ``parts`` runs of about the same length; a record's relations about one
        target are never divided."""
        n = self.edge_count()
        cuts: list[tuple[str, str]] = []
        for k in range(1, parts):
            row = self.db.execute("SELECT dst, src FROM edges ORDER BY dst, src LIMIT 1 "
                                  "OFFSET ?", (n * k // parts,)).fetchone()
            if row is not None and (not cuts or tuple(row) > cuts[-1]):
                cuts.append(tuple(row))
        return cuts

    def split_ids(self, parts: int) -> list[str]:
        """``parts - 1`` ids that cut the records, in id order, into ``parts`` runs of about
        the same length (fewer when there are few records)."""
        n = len(self)
        cuts = []
        for k in range(1, parts):
            row = self.db.execute("SELECT id FROM records ORDER BY id LIMIT 1 OFFSET ?",
                                  (n * k // parts,)).fetchone()
            if row is not None and (not cuts or row[0] > cuts[-1]):
                cuts.append(row[0])
        return cuts

    def edge_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM edges").fetchone()[0]

    # --- relations -------------------------------------------------------------
    @staticmethod
    def _edge(row: Sequence[Any]) -> Edge:
        src, dst, rel, pos, conf, body = row
        return Edge.from_body(src, dst, rel, conf, pos, json.loads(body))

    def _kinds_sql(self, kinds: Iterable[str] | None, prefix: str = "") -> tuple[str, list[str]]:
        if kinds is None:
            return "", []
        ks = list(dict.fromkeys(kinds))
        if not ks:
            return " AND 0", []
        return f" AND {prefix}relation IN ({','.join('?' * len(ks))})", ks

    def iter_edges(self) -> Iterator[Edge]:
        for row in self.db.execute("SELECT e.src, e.dst, e.relation, e.pos, e.confidence, e.body "
                                   "FROM edges e JOIN records r ON r.id = e.src "
                                   "ORDER BY r.rid, e.pos"):
            yield self._edge(row)

    def out_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        ksql, args = self._kinds_sql(kinds)
        return [self._edge(r) for r in self.db.execute(
            "SELECT src, dst, relation, pos, confidence, body FROM edges "
            f"WHERE src=?{ksql} ORDER BY pos", [rid, *args])]

    def in_edges(self, rid: str, kinds: Iterable[str] | None = None) -> list[Edge]:
        ksql, args = self._kinds_sql(kinds)
        return [self._edge(r) for r in self.db.execute(
            "SELECT src, dst, relation, pos, confidence, body FROM edges "
            f"WHERE dst=?{ksql} ORDER BY src, pos", [rid, *args])]

    def _frontier_rows(self, frontier: list[str], up: bool, ksql: str, kargs: list[str],
                       columns: str, args: Sequence[Any] = ()) -> list[tuple]:
        """``columns`` of the edges leaving ``frontier`` (towards ancestors when ``up``),
        in walk order: by frontier position, then as the data states them. ``e`` is the
        edge, ``r`` the record at its far end."""
        near, far = ("src", "dst") if up else ("dst", "src")
        db = self.db
        if len(frontier) <= 300:
            # a short frontier: an IN list (a join would first build a Bloom filter over
            # the whole edge index), ordered here
            rank = {n: i for i, n in enumerate(frontier)}
            rows = db.execute(
                f"SELECT e.src, e.dst, e.pos, {columns} FROM edges e "
                f"JOIN records r ON r.id = e.{far} "
                f"WHERE e.{near} IN ({','.join('?' * len(frontier))}){ksql}",
                [*args, *frontier, *kargs]).fetchall()
            if up:
                rows.sort(key=lambda r: (rank[r[0]], r[2]))
            else:
                rows.sort(key=lambda r: (rank[r[1]], r[0], r[2]))
            return rows
        db.execute("CREATE TEMP TABLE IF NOT EXISTS frontier(ord INTEGER PRIMARY KEY, id TEXT)")
        db.execute("DELETE FROM temp.frontier")
        db.executemany("INSERT INTO temp.frontier(ord, id) VALUES (?, ?)", enumerate(frontier))
        order = "f.ord, e.pos" if up else "f.ord, e.src, e.pos"
        try:
            return db.execute(
                f"SELECT e.src, e.dst, e.pos, {columns} "
                f"FROM temp.frontier f CROSS JOIN edges e ON e.{near} = f.id "
                f"JOIN records r ON r.id = e.{far} WHERE 1{ksql} ORDER BY {order}",
                [*args, *kargs]).fetchall()
        finally:
            db.execute("DELETE FROM temp.frontier")

    def closure_levels(self, rid: str, up: bool, kinds: Sequence[str],
                       depth: int | None) -> Iterator[list[Edge]]:
        """Native breadth-first closure: yield the edges followed at each level.

        The same edges in the same order as the generic walk in
        :func:`graph.query.ancestry`, one SQL query per level, so a hub's 200,000
        descendants take a few queries, not 200,000. The records reached are read
        in the same query (and kept for :meth:`node`).
        """
        ksql, kargs = self._kinds_sql(kinds, "e.")
        seen = {rid}
        frontier = [rid]
        level = 0
        while frontier and (depth is None or level < depth):
            rows = self._frontier_rows(
                frontier, up, ksql, kargs, "e.relation, e.confidence, e.body, "
                "r.id, r.type, r.name, r.aliases, r.date, r.weights, r.hub_ids")
            edges = []
            for src, dst, pos, rel, conf, body, *node in rows:
                edges.append(Edge.from_body(src, dst, rel, conf, pos, json.loads(body)))
                if node[0] not in self._nodes:
                    self._nodes[node[0]] = self._node(node)
            yield edges
            frontier = next_frontier(edges, up, seen)
            level += 1

    def lineage_jsonl_levels(self, rid: str, up: bool, kinds: Sequence[str],
                             depth: int | None) -> Iterator[tuple[int, list[tuple]]]:
        """The walk of :meth:`closure_levels` with its ``--jsonl`` lines made by SQLite:
        per level, ``(near, far, edge line, node line of the far end)`` in walk order.

        What :func:`graph.serialize.iter_lineage_jsonl` builds from edges and nodes,
        built in C instead of in Python, for hubs with hundreds of thousands of
        descendants.
        """
        if depth is None and not up and tuple(kinds) == LINEAGE_RELATIONS and \
                self.meta().get("walks_stale") is None:
            cached = self.db.execute("SELECT level, near, far, edge_line, node_line FROM walks "
                                     "WHERE root = ? ORDER BY seq", (rid,))
            first = cached.fetchone()
            if first is not None:  # a hub walked when the store was built
                level, rows = first[0], [first[1:]]
                for row in cached:
                    if row[0] != level:
                        yield level, rows
                        level, rows = row[0], []
                    rows.append(row[1:])
                yield level, rows
                return
        ksql, kargs = self._kinds_sql(kinds, "e.")
        seen = {rid}
        frontier = [rid]
        level = 0
        while frontier and (depth is None or level < depth):
            level += 1
            rows = self._frontier_rows(frontier, up, ksql, kargs,
                                       f"{_EDGE_JSONL}, {_NODE_JSONL}", (level,))
            out = []
            nxt = []
            for src, dst, _pos, edge_line, node_line in rows:
                near, far = (src, dst) if up else (dst, src)
                out.append((near, far, edge_line, node_line))
                if far not in seen:
                    seen.add(far)
                    nxt.append(far)
            yield level, out
            frontier = nxt

    # --- names -----------------------------------------------------------------
    def lookup(self, name: str) -> str | None:
        if name in self:
            return name
        key = normalize(name)
        if not key:
            return None
        row = self.db.execute("SELECT rid FROM labels WHERE key=? ORDER BY kind, lid LIMIT 1",
                              (key,)).fetchone()
        return None if row is None else row[0]

    def _label_count(self) -> int:
        if self._n_labels is None:
            self._n_labels = self.db.execute("SELECT max(lid) FROM labels").fetchone()[0] or 0
        return self._n_labels

    def _index_pairs(self) -> list[tuple[str, str]]:
        """``(key, id)`` of the labels that own their key (the name index)."""
        rows = self.db.execute("SELECT key, rid FROM labels ORDER BY kind, lid").fetchall()
        seen: dict[str, str] = {}
        for key, rid in rows:
            seen.setdefault(key, rid)
        return [(k, r) for k, r in seen.items() if k]

    def suggest(self, name: str, n: int = 5) -> list[str]:
        key = normalize(name)
        if not key:
            return []
        if self._label_count() <= SCAN_LIMIT:
            return close_matches(key, self._index_pairs(), n)
        if len(key) < 3:
            rows = self.db.execute("SELECT key, rid FROM labels WHERE key >= ? AND key < ? "
                                   "LIMIT 500", (key, key + _MAXCHAR)).fetchall()
            return close_matches(key, rows, n)
        # candidates: the labels sharing one of the name's rarest trigrams (a misspelling
        # leaves most of them intact), then ranked as the in-memory index ranks them
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.labels_vocab "
                        "USING fts5vocab(main, labels_fts, row)")
        counts = []
        for g in dict.fromkeys(key[i:i + 3] for i in range(len(key) - 2)):
            row = self.db.execute("SELECT doc FROM temp.labels_vocab WHERE term = ?",
                                  (g,)).fetchone()
            if row:
                counts.append((row[0], g))
        rare = [g for _, g in sorted(counts)[:4]]
        if not rare:
            return []
        match = " OR ".join('"' + g.replace('"', '""') + '"' for g in rare)
        rows = self.db.execute(
            "SELECT l.key, l.rid FROM (SELECT rowid FROM labels_fts WHERE labels_fts MATCH ? "
            "LIMIT 2000) m JOIN labels l ON l.lid = m.rowid", (match,)).fetchall()
        return close_matches(key, rows, n)

    def label_matches(self, key: str) -> dict[str, int]:
        out: dict[str, int] = {}

        def put(rid: str, score: int) -> None:
            if score > out.get(rid, 0):
                out[rid] = score

        for (rid,) in self.db.execute("SELECT rid FROM labels WHERE key=?", (key,)):
            put(rid, 100)
        for (rid,) in self.db.execute("SELECT rid FROM labels WHERE key > ? AND key < ?",
                                      (key, key + _MAXCHAR)):
            put(rid, 80)
        if len(key) >= 3 and self._label_count() > SCAN_LIMIT:
            rows = self.db.execute(
                "SELECT l.key, l.rid FROM labels_fts f JOIN labels l ON l.lid = f.rowid "
                "WHERE labels_fts MATCH ?", ('"' + key.replace('"', '""') + '"',))
        else:
            rows = self.db.execute("SELECT key, rid FROM labels WHERE instr(key, ?) > 0", (key,))
        for k, rid in rows:
            if key in k:
                put(rid, 60)
        return out

    def description_matches(self, words: list[str]) -> set[str]:
        if not words:
            return set()
        longest = max(words, key=len)
        if len(longest) >= 3 and self._label_count() > SCAN_LIMIT:
            rows = self.db.execute(
                "SELECT r.id, r.description FROM descr_fts f JOIN records r ON r.rid = f.rowid "
                "WHERE descr_fts MATCH ?", ('"' + longest.replace('"', '""') + '"',))
        else:
            rows = self.db.execute("SELECT id, description FROM records "
                                   "WHERE description IS NOT NULL")
        return describing(rows, words)

    # --- scans -----------------------------------------------------------------
    def ids(self, *, types: Iterable[str] | None = None, since: str | None = None,
            until: str | None = None, weights: str | None = None) -> Iterator[str]:
        where, args = [], []
        if types:
            ts = list(dict.fromkeys(types))
            where.append(f"type IN ({','.join('?' * len(ts))})")
            args += ts
        if since or until:
            where.append("date IS NOT NULL")
        if since:
            where.append("substr(date, 1, min(length(date), ?)) >= substr(?, 1, length(date))")
            args += [len(since), since]
        if until:
            where.append("substr(date, 1, min(length(date), ?)) <= substr(?, 1, length(date))")
            args += [len(until), until]
        if weights:
            where.append("weights = ?")
            args.append(weights)
        sql = "SELECT id, date FROM records" + (" WHERE " + " AND ".join(where) if where else "")
        for rid, date in self.db.execute(sql + " ORDER BY rid", args):
            if (since or until) and not date_in_bound(date, since, until):
                continue  # the SQL bound is a prefilter; this is the rule
            yield rid

    def type_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT type, count(*) FROM records GROUP BY type"))

    # --- metadata --------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def files(self) -> dict[str, tuple[int, int, str]]:
        return {p: (s, m, h) for p, s, m, h in self.db.execute("SELECT * FROM files")}

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            pass

    @property
    def description(self) -> str:
        return f"store {self.path}"


# --- writing ----------------------------------------------------------------------


def _record_row(rec: Any, origin: tuple[str, int | None] | None) -> tuple:
    n = record_node(rec)
    return (n.id, n.type, n.name, json.dumps(list(n.aliases), ensure_ascii=False), n.date,
            n.weights, json.dumps(list(n.hub_ids)), getattr(rec, "description", None),
            rec.model_dump_json(exclude={"relations"}),  # = _JSON(record_body(rec)), in Rust
            origin[0] if origin else None, origin[1] if origin else None)


def _edge_rows(rec: Any, known: Callable[[str], bool]) -> Iterator[tuple]:
    for k, rel in enumerate(rec.relations):
        if known(rel.target):
            yield _edge_row(rec.id, k, rel)


def _edge_row(src: str, k: int, rel: Any) -> tuple:
    return (src, rel.target, rel.relation, k, rel.confidence, rel.date,
            _JSON(evidence_body(rel)))


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass
class Deferred:
    """An import's deferred work (see :class:`StoreImport`): relations staged in a table
    without indexes, full-text entries added once at the end."""

    max_rid: int
    """Records up to this rowid were in the full-text index when the import began."""
    next_rid: int
    next_lid: int
    first_lid: int
    """Labels from this rowid on are not in the full-text index yet."""
    staged: set[str] = field(default_factory=set)
    """Records whose relations wait in the staging table."""
    out_of_fts: set[int] = field(default_factory=set)
    """Rowids of records that were in the full-text index, taken out when replaced."""


def write_records(db: sqlite3.Connection, records: Sequence[Any],
                  origins: Callable[[str], tuple[str, int | None] | None],
                  known: Callable[[str], bool] | None = None, *, bulk: bool = False,
                  deferred: Deferred | None = None) -> None:
    """Insert or replace ``records`` (pydantic records) with their relations and labels.

    Runs inside the caller's transaction. A replaced record's relations and
    labels are replaced with it. ``bulk`` (a fresh store being built) writes
    relations to the ``edges_load`` staging table and leaves the full-text
    indexes to be rebuilt once at the end. ``deferred`` (a large import) stages
    relations too and leaves the full-text entries to :meth:`StoreImport.finish`;
    a record whose relations are staged must be unstaged before it is replaced.
    """
    edges = "edges_load" if bulk else "temp.import_edges" if deferred else "edges"
    ids = [r.id for r in records]
    keep_rid: dict[str, int] = {}  # a replaced record keeps its place in definition order
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        q = ",".join("?" * len(chunk))
        old = db.execute(f"SELECT rid, description, id FROM records WHERE id IN ({q})",
                         chunk).fetchall()
        if not old:
            continue
        gone = [rec_id for _, _, rec_id in old]
        q = ",".join("?" * len(gone))
        for rid, desc, rec_id in old:
            keep_rid[rec_id] = rid
            if bulk:
                continue
            if deferred is not None:  # in the index only if it was there before the import
                if rid > deferred.max_rid or rid in deferred.out_of_fts:
                    continue
                deferred.out_of_fts.add(rid)
            db.execute("INSERT INTO descr_fts(descr_fts, rowid, description) "
                       "VALUES ('delete', ?, ?)", (rid, desc))
        if not bulk:
            for lid, key in db.execute(f"SELECT lid, key FROM labels WHERE rid IN ({q})", gone):
                if deferred is None or lid < deferred.first_lid:
                    db.execute("INSERT INTO labels_fts(labels_fts, rowid, key) "
                               "VALUES ('delete', ?, ?)", (lid, key))
        db.execute(f"DELETE FROM labels WHERE rid IN ({q})", gone)
        db.execute(f"DELETE FROM {'edges_load' if bulk else 'edges'} WHERE src IN ({q})", gone)
        db.execute(f"DELETE FROM records WHERE id IN ({q})", gone)
    if deferred is not None:
        for r in records:
            if r.id not in keep_rid:
                keep_rid[r.id] = deferred.next_rid
                deferred.next_rid += 1
            deferred.staged.add(r.id)
    db.executemany(
        "INSERT INTO records(rid, id, type, name, aliases, date, weights, hub_ids, description, "
        "body, file, line) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        ((keep_rid.get(r.id), *_record_row(r, origins(r.id))) for r in records))
    if known is None:
        def known(t: str) -> bool:
            return db.execute("SELECT 1 FROM records WHERE id=?", (t,)).fetchone() is not None
    db.executemany(f"INSERT INTO {edges}(src, dst, relation, pos, confidence, date, body) "
                   "VALUES (?,?,?,?,?,?,?)",
                   (row for r in records for row in _edge_rows(r, known)))
    first_label = deferred.next_lid if deferred is not None else db.execute(
        "SELECT coalesce(max(lid), 0) + 1 FROM labels").fetchone()[0]
    # ids first (kind 0), so an id always resolves to its own record
    keyed = [(normalize(r.id), r) for r in records]
    labels = [(k, r.id, 0) for k, r in keyed]
    for k0, r in keyed:  # each other label once (a Hub id is often the name as well)
        seen = {k0}
        for k in (normalize(x) for x in record_labels(r)[1:]):
            if k and k not in seen:
                seen.add(k)
                labels.append((k, r.id, 1))
    db.executemany(f"INSERT INTO {'temp.import_labels' if deferred else 'labels'}"
                   "(lid, key, rid, kind) VALUES (?,?,?,?)",
                   ((first_label + n, *row) for n, row in enumerate(labels)))
    if deferred is not None:
        deferred.next_lid += len(labels)
    if bulk or deferred is not None:
        return
    db.execute("INSERT INTO labels_fts(rowid, key) SELECT lid, key FROM labels WHERE lid >= ?",
               (first_label,))
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        q = ",".join("?" * len(chunk))
        db.execute("INSERT INTO descr_fts(rowid, description) SELECT rid, description "
                   f"FROM records WHERE id IN ({q}) AND description IS NOT NULL", chunk)


def _fresh_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    # no journal: the file is new and private until it is renamed into place whole
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MB of pages while building
    db.execute("PRAGMA temp_store=MEMORY")
    db.executescript(_TABLES)
    db.execute("CREATE TABLE edges_load(src TEXT, dst TEXT, relation TEXT, pos INTEGER, "
               "confidence TEXT, date TEXT, body TEXT)")
    return db


def _finish_bulk(db: sqlite3.Connection) -> None:
    """Move the staged relations into place in target order, then build every index."""
    # relations to records that do not exist (only with unchecked data) are dropped
    db.execute("DELETE FROM edges_load WHERE dst NOT IN (SELECT id FROM records)")
    db.execute("INSERT INTO edges(dst, src, pos, relation, confidence, date, body) "
               "SELECT dst, src, pos, relation, confidence, date, body FROM edges_load "
               "ORDER BY dst, src, pos")
    db.execute("DROP TABLE edges_load")
    for statement in _INDEXES.split(";"):
        if statement.strip():
            db.execute(statement)  # (executescript would commit first)
    db.execute("INSERT INTO labels_fts(labels_fts) VALUES ('rebuild')")
    db.execute("INSERT INTO descr_fts(descr_fts) VALUES ('rebuild')")
    _walk_hubs(db)


def _mark_walks_stale(db: sqlite3.Connection) -> None:
    """After a change: the precomputed hub walks no longer hold. Marked in one row (deleting
    half a million rows would make a small update take seconds); readers then walk the
    graph, and the next large import or rebuild computes the walks again."""
    if db.execute("SELECT 1 FROM walks LIMIT 1").fetchone() is not None:
        db.execute("INSERT OR REPLACE INTO meta VALUES ('walks_stale', ?)",
                   (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),))


def _walk_reaches(db: sqlite3.Connection, root: str, n: int) -> bool:
    """Whether the descendants walk of ``root`` follows at least ``n`` relations (its
    ``--jsonl`` lines), found from ids alone and stopping as soon as it knows."""
    kinds = list(LINEAGE_RELATIONS)
    ksql = ",".join("?" * len(kinds))
    seen = {root}
    frontier = [root]
    rows = 0
    while frontier:
        nxt = []
        for i in range(0, len(frontier), 500):
            chunk = frontier[i:i + 500]
            for (src,) in db.execute(
                    f"SELECT src FROM edges WHERE dst IN ({','.join('?' * len(chunk))}) "
                    f"AND relation IN ({ksql})", [*chunk, *kinds]):
                rows += 1
                if src not in seen:
                    seen.add(src)
                    nxt.append(src)
            if rows >= n:
                return True
        frontier = nxt
    return False


def _walk_hubs(db: sqlite3.Connection) -> None:
    """Precompute the descendants walk (its ``--jsonl`` rows) of the biggest hubs."""
    store = SQLiteStore(":hub-walks:", _conn=db)
    candidates = [rid for (rid,) in db.execute(
        "SELECT dst FROM edges GROUP BY dst HAVING count(*) >= ?", (HUB_CANDIDATE_MIN,))]
    for root in candidates:
        if not _walk_reaches(db, root, HUB_WALK_MIN):
            continue  # counted by ids alone: the lines of a small walk are never built
        rows = [(root, seq, level, *row) for seq, (level, row) in enumerate(
            (level, row) for level, level_rows in
            store.lineage_jsonl_levels(root, False, LINEAGE_RELATIONS, None)
            for row in level_rows)]
        if len(rows) >= HUB_WALK_MIN:
            db.executemany("INSERT INTO walks VALUES (?,?,?,?,?,?,?)", rows)


class StoreBuild:
    """A new store being written beside ``path``, record by record (see
    :func:`build_store`).

    A context manager: :meth:`add` writes records in batches as they come,
    :meth:`finish` builds the indexes and commits, and leaving the block renames the
    new file into place. Leaving it without finishing (an error, an interrupt)
    removes the new file and leaves what was at ``path`` untouched.
    """

    def __init__(self, path: str | os.PathLike[str], *, batch: int = 5000,
                 progress: Callable[[int], None] | None = None) -> None:
        target = Path(path)
        if target.is_dir():
            raise StoreError(f"{target} is a directory. Give a file path for the store, "
                             f"e.g. {target / 'lineage.db'}.")
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.is_dir():
            raise StoreError(f"cannot build a store at {target}: {parent} does not exist. "
                             "Create the directory first.")
        self.path = target
        self._batch, self._progress = batch, progress
        self._chunk: list[tuple[Any, tuple[str, int | None] | None]] = []
        self._in_chunk: set[str] = set()
        self._amended: list[tuple] = []
        self._done = 0
        self._finished = False
        self._stack = ExitStack()

    def __enter__(self) -> StoreBuild:
        from lineage.output import replacing

        with ExitStack() as stack:
            tmp = stack.enter_context(replacing(self.path))
            stack.enter_context(bulk_work())
            self._db = _fresh_db(tmp)
            stack.callback(self._db.close)
            self._db.execute("BEGIN")
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc: Any) -> bool:
        if exc[0] is None and not self._finished:
            exc = (StoreError, StoreError("store build left unfinished"), None)
            self._stack.__exit__(*exc)
            raise exc[1]
        return bool(self._stack.__exit__(*exc))

    def add(self, rec: Any, origin: tuple[str, int | None] | None = None) -> None:
        """Write a validated record; one with the id of an earlier one replaces it."""
        if rec.id in self._in_chunk:  # a later layer replaces the record: write in order
            self._flush()
        self._in_chunk.add(rec.id)
        self._chunk.append((rec, origin))
        if len(self._chunk) >= self._batch:
            self._flush()

    def amend(self, rid: str, relations: Iterable[tuple[int, Any]]) -> None:
        """Put relations at these positions of a record already added (each replacing the
        one there, if any): what standalone relations in later data do."""
        self._amended.extend(_edge_row(rid, k, rel) for k, rel in relations)

    def _flush(self) -> None:
        if self._chunk:
            origin = dict((rec.id, o) for rec, o in self._chunk)
            write_records(self._db, [rec for rec, _ in self._chunk], origin.get,
                          known=lambda t: True, bulk=True)
            self._done += len(self._chunk)
            if self._progress is not None:
                self._progress(self._done)
        self._chunk, self._in_chunk = [], set()

    def finish(self, files: Iterable[tuple[str, int, int, str]] = (),
               meta: dict[str, str] | None = None) -> None:
        """Index what was added, record which data and code built it, and commit."""
        db = self._db
        self._flush()
        if self._amended:
            db.execute("CREATE TEMP TABLE amended(src TEXT, pos INTEGER)")
            db.executemany("INSERT INTO amended VALUES (?, ?)",
                           ((row[0], row[3]) for row in self._amended))
            db.execute("DELETE FROM edges_load WHERE (src, pos) IN (SELECT src, pos FROM amended)")
            db.executemany("INSERT INTO edges_load(src, dst, relation, pos, confidence, date, "
                           "body) VALUES (?,?,?,?,?,?,?)", self._amended)
            db.execute("DROP TABLE amended")
        _finish_bulk(db)
        db.executemany("INSERT OR REPLACE INTO files VALUES (?,?,?,?)", list(files))  # a layer named twice
        info = {"schema_version": SCHEMA_VERSION, "code_version": code_version(),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                **(meta or {})}
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)", info.items())
        db.execute("COMMIT")
        db.execute("PRAGMA optimize")
        db.execute("PRAGMA journal_mode=DELETE")
        self._finished = True


def build_store(path: str | os.PathLike[str], records: Iterable[Any], *,
                origins: Callable[[str], tuple[str, int | None] | None] = lambda rid: None,
                files: Iterable[tuple[str, int, int, str]] = (),
                meta: dict[str, str] | None = None,
                batch: int = 5000,
                progress: Callable[[int], None] | None = None) -> SQLiteStore:
    """Build a store at ``path`` from validated records, atomically.

    The new store is written to a temporary file beside ``path`` and renamed
    over it only when complete: a failure or an interrupt leaves what was at
    ``path`` untouched. ``records`` may be a generator (records are written in
    batches); a record id given twice keeps the last.
    """
    with StoreBuild(path, batch=batch, progress=progress) as build:
        for rec in records:
            build.add(rec, origins(rec.id))
        build.finish(files, meta)
    return SQLiteStore(path)


def existing_ids(db: sqlite3.Connection, records: Sequence[Any],
                 held: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """The ids of ``records`` and of every record they point to that the store holds, found
    with one query per 900 names (not one per relation). ``held`` are ids already known to
    be in the store."""
    ids = {r.id for r in records} | held
    wanted = sorted({t for r in records for rel in r.relations
                     for t in (rel.target, *rel.techniques)} - ids)
    for i in range(0, len(wanted), 900):
        chunk = wanted[i:i + 900]
        ids.update(row[0] for row in db.execute(
            f"SELECT id FROM records WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return ids


def update_store(path: str | os.PathLike[str], records: Sequence[Any], *,
                 origins: Callable[[str], tuple[str, int | None] | None] = lambda rid: None
                 ) -> int:
    """Add or replace ``records`` in the store at ``path``, in one transaction.

    ``records`` are validated records, or JSON data (dicts, as in a data file)
    that are validated here (:func:`lineage.records.validate_record`). Nothing
    is rebuilt: only these records, their relations and labels are written;
    the precomputed hub walks are marked out of date (:func:`walks_stale`).
    Relations must point to records in the store or in ``records``; otherwise
    nothing is written and :class:`StoreError` names the first dangling
    reference. Returns the number of records written.
    """
    records = list(records)
    # The store is opened, locked for writing and asked which of the named records it holds
    # on another thread while this one validates: SQLite waits on pages and the disk without
    # holding the interpreter, and validating starts by importing the record classes.
    opening = _Opening(path, records)
    try:
        if any(isinstance(r, dict) for r in records):
            records = _validated(records)
        db, held, placed = opening.result()
    except BaseException:
        opening.abandon()
        raise
    try:
        if placed:  # the stand-in relations go; the records' own are written below
            db.execute("DELETE FROM edges WHERE src IN (SELECT value FROM json_each(?))",
                       (json.dumps(placed),))
        known = existing_ids(db, records, held).__contains__
        for r in records:
            for k, rel in enumerate(r.relations):
                if not known(rel.target):
                    raise StoreError(f"{r.id}.relations[{k}].target: unknown record "
                                     f"{rel.target!r}. Add it in the same update, or fix the id.")
        write_records(db, records, origins, known=known)
        _mark_walks_stale(db)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('updated_at', ?)",
                   (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    return len(records)


def _validated(items: Sequence[Any]) -> list[Any]:
    """``items`` as records: dicts are validated by their own class, records kept."""
    from pydantic import ValidationError

    from lineage.records import validate_record

    valid = []
    for k, r in enumerate(items):
        try:
            valid.append(validate_record(r) if isinstance(r, dict) else r)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "record"
            rid = r.get("id") if isinstance(r.get("id"), str) else f"item {k + 1}"
            raise StoreError(f"{rid}.{where}: {err['msg']}. Fix the record; nothing was "
                             "written.") from None
    return valid


def _named(items: Sequence[Any]) -> list[str]:
    """The ids of ``items`` (records or JSON data) and of the records their relations name,
    as far as they can be read before validation (a guess: validation may change them)."""
    names: list[str] = []
    for r in items:
        data = r if isinstance(r, dict) else None
        rid = data.get("id") if data is not None else getattr(r, "id", None)
        if isinstance(rid, str):
            names.append(rid.strip())
        rels = data.get("relations") if data is not None else getattr(r, "relations", None)
        for rel in rels if isinstance(rels, list | tuple) else ():
            if isinstance(rel, dict):
                target, techniques = rel.get("target"), rel.get("techniques")
            else:
                target, techniques = getattr(rel, "target", None), getattr(rel, "techniques", None)
            for name in (target, *(techniques if isinstance(techniques, list | tuple) else ())):
                if isinstance(name, str):
                    names.append(name.strip())
    return names


class _Opening:
    """Opens the store at ``path`` for writing on a thread of its own while the caller
    validates ``items``: checks the store, takes the write lock (``BEGIN IMMEDIATE``),
    finds which of the records ``items`` name it holds and, for items still to be
    validated, writes a stand-in row where each of their relations will go. Placing a row
    in the relations table (clustered by target) is the expensive part of an update: a
    page read and journaled per relation; the stand-ins do that while the records are
    validated, and are replaced by the records' own relations in the same transaction
    (:func:`update_store`). :meth:`result` waits for it; :meth:`abandon` rolls it back."""

    def __init__(self, path: str | os.PathLike[str], items: Sequence[Any]) -> None:
        import threading

        self._path = path
        self._names = _named(items)
        self._stand_ins = _stand_ins(items)
        self._db: sqlite3.Connection | None = None
        self._held: set[str] = set()
        self._placed: list[str] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="lineage-open-store",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # one statement each: the thread needs the interpreter only between them
        try:
            db = SQLiteStore(self._path, writable=True).db  # checks the file and its version
            self._db = db
            db.isolation_level = None
            db.execute("PRAGMA busy_timeout=30000")
            # room for every page the update touches twice (stand-in, then its own row)
            db.execute("PRAGMA cache_size=-65536")
            db.execute("BEGIN IMMEDIATE")
            (found,) = db.execute(
                "SELECT json_group_array(id) FROM records WHERE id IN "
                "(SELECT value FROM json_each(?))", (json.dumps(self._names),)).fetchone()
            self._held = set(json.loads(found))
            if self._stand_ins:
                db.execute(
                    "INSERT OR REPLACE INTO edges(dst, src, pos, relation, confidence, body) "
                    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
                    "json_extract(value, '$[2]'), '', '', "
                    "printf('%.*c', json_extract(value, '$[3]'), ' ') FROM json_each(?)",
                    (json.dumps(self._stand_ins),))
                self._placed = sorted({src for _, src, _, _ in self._stand_ins})
        except BaseException as e:  # handed to the caller by result()
            self._error = e

    def result(self) -> tuple[sqlite3.Connection, set[str], list[str]]:
        """The connection (in its write transaction), the ids found in the store, and the
        ids of the records whose relations have stand-ins."""
        self._thread.join()
        if self._error is not None:
            self.abandon()
            raise self._error
        assert self._db is not None
        return self._db, self._held, self._placed

    def abandon(self) -> None:
        self._thread.join()
        if self._db is not None:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._db.close()
            self._db = None


def _stand_ins(items: Sequence[Any]) -> list[tuple[str, str, int, int]]:
    """``(target, source id, position, size)`` of the relations of the JSON items (dicts)
    whose id and targets are already in their validated form (stripped strings). The size
    is about that of the relation's stored evidence, so that the stand-in takes its room
    in the page (a full page is split then, not when the relation itself is written)."""
    out = []
    for r in items:
        rid = r.get("id") if isinstance(r, dict) else None
        rels = r.get("relations") if isinstance(r, dict) else None
        if not isinstance(rid, str) or rid != rid.strip() or not isinstance(rels, list):
            continue
        for k, rel in enumerate(rels):
            target = rel.get("target") if isinstance(rel, dict) else None
            if isinstance(target, str) and target == target.strip():
                out.append((target, rid, k, min(len(str(rel.get("sources", ""))), 4000)))
    return out


# --- imports (graph.importers): many records into an existing store, in one transaction ---


class StoreImport:
    """Writes an import into the store on ``db`` in one transaction.

    Relations go to a staging table without indexes and are moved into place
    in target order at the end; the full-text entries of what the import wrote
    are added once at the end: per batch, both cost several times more (a
    relation inserted at a random place of the clustered table, a full-text
    segment per batch). What the import wrote is read back only after
    :meth:`unstage` (the importer keeps what it needs meanwhile).
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.isolation_level = None
        db.execute("PRAGMA cache_size=-131072")  # 128 MB of pages
        db.execute("BEGIN IMMEDIATE")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS import_stubs(id TEXT PRIMARY KEY, item TEXT, "
                   "file TEXT, line INTEGER) WITHOUT ROWID")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS import_edges(src TEXT, dst TEXT, "
                   "relation TEXT, pos INTEGER, confidence TEXT, date TEXT, body TEXT)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS import_labels(lid INTEGER, key TEXT, "
                   "rid TEXT, kind INTEGER)")
        max_rid = db.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
        lid = db.execute("SELECT coalesce(max(lid), 0) + 1 FROM labels").fetchone()[0]
        self.deferred = Deferred(max_rid=max_rid, next_rid=max_rid + 1, next_lid=lid,
                                 first_lid=lid)

    def states(self, ids: Sequence[str]) -> dict[str, tuple]:
        """What the store holds for each of ``ids`` (its body and relations), comparable with
        :func:`record_state_of`: equal states mean a re-import changes nothing. A record this
        import wrote already is unstaged first."""
        if not self.deferred.staged.isdisjoint(ids):
            self.unstage()
        return record_states(self.db, ids)

    def write(self, records: Sequence[tuple[Any, tuple[str, int | None] | None]]) -> None:
        """Write (record, origin) pairs; relations may point to records the import adds
        later (placeholders are written before it commits)."""
        if not self.deferred.staged.isdisjoint(r.id for r, _ in records):
            self.unstage()
        origin = {}
        for rec, o in records:
            if o is not None and not o[0].startswith(("http://", "https://")):
                o = (os.path.abspath(o[0]), o[1])
            origin[rec.id] = o
        write_records(self.db, [r for r, _ in records], origin.get, known=lambda t: True,
                      deferred=self.deferred)

    def unstage(self) -> None:
        """Move the staged relations and labels into place, in the order of their tables.
        When they outnumber what the tables hold, the secondary indexes are dropped and
        built again after (sorting once beats inserting at random places)."""
        db = self.db
        if not self.deferred.staged:
            return
        for table, staged, order, indexes in (
                ("edges", "temp.import_edges", "dst, src, pos", ("edges_src",)),
                ("labels", "temp.import_labels", "lid", ("labels_key", "labels_rid"))):
            n = db.execute(f"SELECT count(*) FROM {staged}").fetchone()[0]
            if not n:
                continue
            rebuild = n > 50_000 and n > db.execute(
                f"SELECT count(*) FROM {table}").fetchone()[0]
            ddl = [row[0] for name in indexes for row in db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,))]
            if rebuild:
                for name in indexes:
                    db.execute(f"DROP INDEX IF EXISTS {name}")
            cols = ("dst, src, pos, relation, confidence, date, body" if table == "edges"
                    else "lid, key, rid, kind")
            db.execute(f"INSERT INTO {table}({cols}) SELECT {cols} FROM {staged} "
                       f"ORDER BY {order}")
            db.execute(f"DELETE FROM {staged}")
            if rebuild:
                for sql in ddl:
                    db.execute(sql)
        self.deferred.staged.clear()

    def stage_stubs(self, stubs: Iterable[tuple[str, str, str, Any]]) -> None:
        """Keep placeholders (id, item JSON, file, line); the first one of an id wins."""
        self.db.executemany("INSERT OR IGNORE INTO temp.import_stubs VALUES (?,?,?,?)", stubs)

    def missing_stubs(self) -> Iterator[tuple[str, str, Any]]:
        """The staged placeholders of records the store still lacks: (item JSON, file, line)."""
        rows = self.db.execute(
            "SELECT s.item, s.file, s.line FROM temp.import_stubs s "
            "WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = s.id) "
            "ORDER BY s.id").fetchall()
        self.db.execute("DELETE FROM temp.import_stubs")
        yield from rows

    def cycle_edges(self, prefixes: Sequence[str]) -> list[tuple[str, str]]:
        """The lineage relations between imported records (ids starting with ``prefixes``)
        that lie on a cycle or between cycles: every relation that has no leaf below it and
        no root above it once leaves and roots are stripped, level by level, in SQL."""
        self.unstage()
        db = self.db
        kinds = ",".join(f"'{k}'" for k in LINEAGE_RELATIONS)
        ranges = " OR ".join(f"(src >= '{p}' AND src < '{p[:-1]}{chr(ord(p[-1]) + 1)}')"
                             for p in prefixes)
        db.execute("DROP TABLE IF EXISTS temp.import_cyc")
        db.execute("CREATE TEMP TABLE import_cyc(src TEXT, dst TEXT)")
        db.execute(f"INSERT INTO temp.import_cyc SELECT src, dst FROM edges WHERE ({ranges}) "
                   f"AND relation IN ({kinds}) AND src != dst")
        db.execute("CREATE INDEX temp.import_cyc_src ON import_cyc(src)")
        db.execute("CREATE INDEX temp.import_cyc_dst ON import_cyc(dst)")
        while True:
            # a record nothing points to cannot be on a cycle, nor one that points nowhere
            a = db.execute("DELETE FROM temp.import_cyc WHERE src NOT IN "
                           "(SELECT dst FROM temp.import_cyc)").rowcount
            b = db.execute("DELETE FROM temp.import_cyc WHERE dst NOT IN "
                           "(SELECT src FROM temp.import_cyc)").rowcount
            if not a and not b:
                break
        rows = db.execute("SELECT src, dst FROM temp.import_cyc ORDER BY src, dst").fetchall()
        db.execute("DROP TABLE temp.import_cyc")
        return rows

    def commit(self, rewalk: bool = False) -> None:
        """End the import: relations into place, full-text entries added. Precomputed hub
        walks no longer hold: they are dropped, and computed again when ``rewalk`` (a large
        import, which changes the hubs the walks are for)."""
        db, d = self.db, self.deferred
        self.unstage()
        db.execute("INSERT INTO labels_fts(rowid, key) SELECT lid, key FROM labels "
                   "WHERE lid >= ?", (d.first_lid,))
        db.execute("INSERT INTO descr_fts(rowid, description) SELECT rid, description "
                   "FROM records WHERE rid > ? AND description IS NOT NULL", (d.max_rid,))
        back = sorted(d.out_of_fts)
        for i in range(0, len(back), 900):
            chunk = back[i:i + 900]
            db.execute("INSERT INTO descr_fts(rowid, description) SELECT rid, description "
                       f"FROM records WHERE rid IN ({','.join('?' * len(chunk))}) "
                       "AND description IS NOT NULL", chunk)
        if rewalk:
            db.execute("DELETE FROM walks")
            db.execute("DELETE FROM meta WHERE key = 'walks_stale'")
            _walk_hubs(db)
        else:
            _mark_walks_stale(db)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('updated_at', ?)",
                   (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),))
        db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")


def record_states(db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, tuple]:
    """What the store holds for each of ``ids``: see :meth:`StoreImport.states`."""
    out: dict[str, tuple] = {}
    edges: dict[str, list[tuple]] = {}
    for i in range(0, len(ids), 900):
        chunk = list(ids[i:i + 900])
        q = ",".join("?" * len(chunk))
        for rid, body in db.execute(f"SELECT id, body FROM records WHERE id IN ({q})", chunk):
            out[rid] = (body,)
        for row in db.execute("SELECT src, dst, relation, pos, confidence, date, body FROM "
                              f"edges WHERE src IN ({q}) ORDER BY src, pos", chunk):
            edges.setdefault(row[0], []).append(row[1:])
    return {rid: (body[0], tuple(edges.get(rid, ()))) for rid, body in out.items()}


def record_state_of(rec: Any) -> tuple:
    """The state :func:`record_states` would read back for the validated record ``rec``."""
    row = _record_row(rec, None)
    return (row[8], tuple(e[1:] for e in _edge_rows(rec, lambda t: True)))


def hub_lookup(db: sqlite3.Connection, hub_id: str) -> tuple[str, str] | None:
    """(id, type) of the record that lists the Hub id ``hub_id`` (any case), in one query."""
    return hub_lookups(db, [hub_id])[hub_id.casefold()]


def hub_lookups(db: sqlite3.Connection, hub_ids: Sequence[str]
                ) -> dict[str, tuple[str, str] | None]:
    """:func:`hub_lookup` of many Hub ids, one query per 900: casefolded id -> (id, type)."""
    out: dict[str, tuple[str, str] | None] = {h.casefold(): None for h in hub_ids}
    by_key: dict[str, list[str]] = {}
    for h in out:
        by_key.setdefault(normalize(f"hf:{h}"), []).append(h)
    keys = list(by_key)
    for i in range(0, len(keys), 900):
        chunk = keys[i:i + 900]
        for key, rid, rtype, hubs in db.execute(
                "SELECT l.key, r.id, r.type, r.hub_ids FROM labels l JOIN records r "
                f"ON r.id = l.rid WHERE l.key IN ({','.join('?' * len(chunk))}) "
                "ORDER BY l.kind, l.lid", chunk):
            listed = {h.casefold() for h in json.loads(hubs)}
            for h in by_key[key]:
                if out[h] is None and h in listed:
                    out[h] = (rid, rtype)
    return out
