"""Load and validate the knowledge base from YAML data files.

Data comes in layers: the curated data shipped in the package, then each
directory (or single YAML file) the user names, in order. A record in a later
layer replaces the record with the same id in an earlier one; standalone
relations add to the record they name.

Every problem is collected and reported at once, one line each, with the file,
line, record id and field, and the fix.
"""

from __future__ import annotations

import difflib
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import yaml
from pydantic import BaseModel, ValidationError

from .errors import DataError, Problem, UnknownRecordError
from .names import NameIndex, record_labels
from .records import (
    LINEAGE_RELATIONS,
    RECORD_TYPES,
    RELATION_RULES,
    Record,
    StandaloneRelation,
    date_key,
    item_adapter,
)
from .vocab import WEIGHT_RELATIONS

__all__ = [
    "SHIPPED_DATA",
    "ENV_DATA_DIR",
    "Origin",
    "KnowledgeBase",
    "load",
    "loads",
    "load_facts",
    "RecordFacts",
    "no_gc",
    "check_data",
    "unresolved_documents",
    "data_files",
    "is_within",
    "problems_in",
]

from .layers import SHIPPED_DATA, data_files  # noqa: E402,F401  (re-exported)

ENV_DATA_DIR = "LINEAGE_DATA_DIR"
"""Environment variable naming extra data directories (``os.pathsep``-separated)."""

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe YAML loader that keeps dates as text, so the records validate them.

    PyYAML would turn ``2023-03-13`` into a date and crash on ``2023-13-01``.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }
    _by_first: ClassVar[dict[str, list]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        """PyYAML's own rules, with each first character's patterns listed once (it is
        called for every value, and its generic version is a third of a file's parse)."""
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if implicit[0]:
            first = value[:1]
            patterns = self._by_first.get(first)
            if patterns is None:
                patterns = self._by_first[first] = (
                    self.yaml_implicit_resolvers.get(first, [])
                    + self.yaml_implicit_resolvers.get(None, []))
            for tag, rx in patterns:
                if rx.match(value):
                    return tag
        return self.DEFAULT_SCALAR_TAG


class _NumberTooLong(yaml.constructor.ConstructorError):
    """An integer literal too long for Python to convert (over 4300 digits)."""


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        raise _NumberTooLong(None, None, f"a number {len(node.value):,} characters long is "
                             "too long to read",
                             node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something was defined."""

    file: str
    line: int | None


@dataclass
class KnowledgeBase:
    """Validated records, with where each was defined."""

    records: dict[str, Record]
    origins: dict[str, Origin] = field(default_factory=dict)
    relation_origins: dict[tuple[str, int], Origin] = field(default_factory=dict)
    layers: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _index: NameIndex | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records.values())

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.records

    @property
    def index(self) -> NameIndex:
        if self._index is None:
            self._index = build_index(self.records.values())[0]
        return self._index

    def resolve(self, name: str) -> Record:
        """Return the record whose id, name or alias matches ``name``."""
        rid = name if name in self.records else self.index.get(name)
        if rid is None:
            raise UnknownRecordError(name, self.index.suggest(name))
        return self.records[rid]


# --- YAML with line numbers -------------------------------------------------


class RelationFacts(NamedTuple):
    """What the cross-record checks read of a relation (see :class:`RecordFacts`)."""

    relation: str
    target: str
    date: str | None
    techniques: tuple[str, ...]
    metric: str | None
    setting: str | None
    score: Any


class RecordFacts:
    """What the layering rules and the cross-record checks read of a record: its id,
    type, labels, date and relations' kinds, targets and dates, without its text and
    sources (a tenth of the memory: :func:`load_facts` keeps a million of them).

    Equal to a record (or to another's facts) when the records are equal.
    """

    __slots__ = ("id", "type", "name", "aliases", "hub_ids", "date", "relations", "_digest")

    def __init__(self, rec: Record) -> None:
        self.id, self.type, self.name, self.date = rec.id, rec.type, rec.name, rec.date
        self.aliases = tuple(rec.aliases)
        self.hub_ids = tuple(getattr(rec, "hub_ids", ()) or ())
        self.relations: list[Any] = [
            RelationFacts(r.relation, r.target, r.date, tuple(r.techniques), r.metric,
                          r.setting, r.score) for r in rec.relations]
        self._digest = self.digest(rec)

    @staticmethod
    def digest(rec: Record) -> bytes:
        import hashlib

        return hashlib.blake2b(rec.model_dump_json().encode(), digest_size=16).digest()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordFacts):
            return self._digest == other._digest
        if isinstance(other, BaseModel):
            return self._digest == self.digest(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RecordFacts({self.id!r}, {self.type!r})"


_MAX_EXPANSION = 100_000
"""Aliases may make a file's values at most 10 times as many as written, plus this."""


@dataclass
class _Tree:
    """What one pass over a composed YAML document found."""

    lines: dict  # path (tuple of keys/indices) -> 1-based line
    duplicates: list  # (path of the mapping, key, line, line of the first one)
    written: int = 0  # distinct nodes
    expanded: int = 0  # nodes once every alias is expanded
    alias_line: int | None = None  # where the first alias is used
    recursive_line: int | None = None  # where an alias refers to a node that contains it
    unknown_tags: list = field(default_factory=list)  # (line, tag) not in _PLAIN_TAGS


def _walk(root: yaml.Node) -> _Tree:
    """Map every path of a YAML tree to its line, visiting each node once.

    Aliases share nodes, so a 600-byte "billion laughs" document has few nodes
    but astronomically many paths: the walk never follows a node twice, and
    counts the expanded size instead (so the caller can refuse it). It keeps
    its own stack, so deep nesting cannot exhaust Python's.
    """
    tree = _Tree({}, [])
    size: dict[int, int] = {}
    active: set[int] = set()  # nodes being visited (an alias to one is recursive)
    # (entering?, node, path, line of the reference to it, map the node's own line?)
    stack: list[tuple[bool, yaml.Node, tuple, int, bool]] = [
        (True, root, (), root.start_mark.line + 1, True)]
    while stack:
        enter, node, path, where, own_line = stack.pop()
        node_id = id(node)
        if not enter:
            children = ([x for pair in node.value for x in pair]
                        if isinstance(node, yaml.MappingNode) else node.value)
            size[node_id] = 1 + sum(size.get(id(c), 0) for c in children)
            active.discard(node_id)
            continue
        if node_id in active:
            tree.recursive_line = tree.recursive_line or where
            continue
        if node_id in size:  # an alias to a node already walked
            tree.alias_line = tree.alias_line or where
            continue
        tree.written += 1
        if node.tag not in _PLAIN_TAGS:
            tree.unknown_tags.append((node.start_mark.line + 1, node.tag))
        if own_line:
            tree.lines[path] = node.start_mark.line + 1
        if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            size[node_id] = 1
            continue
        active.add(node_id)
        stack.append((False, node, path, where, own_line))
        children_in: list[tuple[bool, yaml.Node, tuple, int, bool]] = []
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for k, v in node.value:
                line = k.start_mark.line + 1
                if isinstance(k, yaml.ScalarNode):
                    key = k.value
                    if (k.tag, k.value) in first:
                        tree.duplicates.append((path, key, line, first[(k.tag, k.value)]))
                    else:
                        first[(k.tag, k.value)] = line
                else:
                    key = str(k.start_mark.line)
                    children_in.append((True, k, path + (key,), line, False))
                tree.lines[path + (key,)] = line
                children_in.append((True, v, path + (key,), line, not isinstance(
                    v, yaml.ScalarNode)))
        else:
            line = node.start_mark.line + 1
            children_in = [(True, v, path + (i,), line, True) for i, v in enumerate(node.value)]
        stack.extend(reversed(children_in))
    tree.expanded = size.get(id(root), 1)
    return tree


def _line_map(node: yaml.Node) -> dict:
    """Map every path (tuple of keys/indices) in a YAML tree to its 1-based line."""
    return _walk(node).lines


def _read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    try:
        return path.read_text(encoding="utf-8"), []
    except UnicodeDecodeError as e:
        return None, [Problem(display, None, None, None,
                              f"not UTF-8 text ({e.reason} at byte {e.start})",
                              "Save the file as UTF-8.", kind="yaml")]
    except OSError as e:
        return None, [Problem(display, None, None, None, f"cannot read: {e.strerror}",
                              "Check the path and its permissions.", kind="yaml")]


_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}"
                       for t in ("str", "int", "float", "bool", "null", "seq", "map", "merge"))
"""The only YAML tags a data file may hold (plain values, lists and mappings)."""


def _labels(data: Any, path: tuple) -> tuple[str | None, str | None]:
    """(record label, field) of a path in a data file's items, for a problem line."""
    if not (path and isinstance(path[0], int) and isinstance(data, list)
            and path[0] < len(data)):
        return None, _fmt_loc(path) or None
    item = data[path[0]]
    rid = None
    if isinstance(item, dict):
        rid = item.get("source") if item.get("type") == "relation" else item.get("id")
    label = str(rid) if isinstance(rid, (str, int)) else f"item {path[0] + 1}"
    return label, _fmt_loc(path[1:]) or None


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq"))
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null"))


class _NotPlain(Exception):
    """The fast reader met something only the full one handles (an alias, a tag, a
    duplicate or complex key, deep nesting): read the file again the full way."""


def _plain(root: yaml.Node, loader: Any) -> Any:
    """Construct a tree that holds only plain values, each node once, keys unique.

    The same values ``construct_document`` gives for such a tree, about seven
    times faster; raises :class:`_NotPlain` on anything else.
    """
    return _plain_node(root, 0, set(), loader)


def _plain_node(node: yaml.Node, depth: int, seen: set[int], loader: Any) -> Any:
    # (a module function, not a closure: a recursive closure is a reference cycle, and
    # the collector is paused while files are read)
    tag = node.tag
    if tag == _STR:
        return node.value
    if depth > 200 or id(node) in seen:
        raise _NotPlain
    if tag == _MAP:
        seen.add(id(node))
        out = {}
        for k, v in node.value:
            if k.tag == _STR:
                key = k.value
            elif k.tag in _SCALAR_TAGS:
                key = loader.yaml_constructors[k.tag](loader, k)
            else:
                raise _NotPlain  # complex keys, merge keys ('<<'), tags
            out[key] = _plain_node(v, depth + 1, seen, loader)
        if len(out) != len(node.value):
            raise _NotPlain  # a duplicate key: the full reader reports it
        return out
    if tag == _SEQ:
        seen.add(id(node))
        return [_plain_node(v, depth + 1, seen, loader) for v in node.value]
    if tag in _SCALAR_TAGS:
        return loader.yaml_constructors[tag](loader, node)
    raise _NotPlain


class _ItemLines(Mapping):
    """The line map of a plain file (see :func:`_walk`) without its YAML tree: the lines
    every item needs (its own, its relations') are noted as the tree is dropped, and
    the rest (for a problem's line) come from reading the text again, once.

    A file's tree is twenty times the size of its data: kept while the items are
    validated, it was most of a large build's memory.
    """

    def __init__(self, text: str, root: yaml.Node) -> None:
        self._text = text
        self._all: dict | None = None
        lines = self._some = {(): root.start_mark.line + 1}
        if not isinstance(root, yaml.SequenceNode):
            return
        for i, item in enumerate(root.value):
            lines[(i,)] = item.start_mark.line + 1
            if not isinstance(item, yaml.MappingNode):
                continue
            for k, v in item.value:
                if k.value == "relations" and isinstance(v, yaml.SequenceNode):
                    lines[(i, "relations")] = v.start_mark.line + 1
                    for j, rel in enumerate(v.value):
                        lines[(i, "relations", j)] = rel.start_mark.line + 1

    def _full(self) -> dict:
        if self._all is None:
            loader = _Loader(self._text)
            try:
                with no_gc():
                    self._all = _walk(loader.get_single_node()).lines
            finally:
                loader.dispose()
        return self._all

    def get(self, path: tuple, default: Any = None) -> Any:
        line = self._some.get(path)
        return line if line is not None else self._full().get(path, default)

    def __getitem__(self, path: tuple) -> int:
        line = self.get(path)
        if line is None:
            raise KeyError(path)
        return line

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self.get(path) is not None

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cycle collector while building large acyclic data (YAML trees, records).

    Collections triggered while a million small objects pile up re-scan everything
    built so far: they took three times as long as parsing itself, and ten times
    as long as validating the records.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _parse(text: str, display: str) -> tuple[Any, Mapping, list[Problem]]:
    """Parse one YAML document into (data, line map, problems).

    ``data`` is None when the file cannot be used. Duplicate keys are reported
    but the data is kept (YAML keeps the last value), so the file's other
    records are still checked. A file of plain values (no aliases, tags or
    duplicate keys: data as people and converters write it) is read the fast
    way; anything else is walked node by node first (see :func:`_walk`).
    """
    with no_gc():
        return _parse_text(text, display)


def _parse_text(text: str, display: str) -> tuple[Any, Mapping, list[Problem]]:
    def problem(line: int | None, message: str, fix: str) -> list[Problem]:
        return [Problem(display, line, None, None, message, fix, kind="yaml")]

    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}, []
            try:
                return _plain(node, loader), _ItemLines(text, node), []
            except (_NotPlain, RecursionError, yaml.YAMLError, ValueError):
                pass  # the full way below says what is wrong, or reads it as YAML does
            tree = _walk(node)
            if tree.unknown_tags:
                line, tag = tree.unknown_tags[0]
                shown = tag.replace("tag:yaml.org,2002:", "!!")
                return None, {}, problem(
                    line, f"YAML tag {shown!r} is not allowed",
                    "Remove the tag: data files hold plain strings, numbers, lists and "
                    "mappings ('!!python/...' and custom tags are never run).")
            if tree.recursive_line is not None:
                return None, {}, problem(
                    tree.recursive_line, "a YAML alias refers to a value that contains it",
                    "Remove the alias ('*name') from inside its own anchor ('&name').")
            if tree.expanded > 10 * tree.written + _MAX_EXPANSION:
                return None, {}, problem(
                    tree.alias_line,
                    f"YAML aliases expand {tree.written:,} written values to "
                    f"{tree.expanded:,} (an alias bomb?)",
                    "Write the values out instead of repeating aliases ('*name').")
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except _NumberTooLong as e:
        mark = e.problem_mark
        return None, {}, problem(mark.line + 1 if mark else None, f"{e.problem}",
                                 "Check the value: no count needs that many digits.")
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(x) for x in (e.context, e.problem) if x)
        return None, {}, problem(
            line, f"YAML syntax error: {message}",
            "Fix the syntax: check indentation, and quote values that contain ': ', "
            "'#', '[' or start with '*', '&', '!', '%' or '@'.")
    except yaml.YAMLError as e:
        return None, {}, problem(None, f"YAML error: {' '.join(str(e).split())}",
                                 "Fix the file's YAML syntax.")
    except RecursionError:  # the pure-Python parser recurses per level of nesting
        return None, {}, problem(None, "YAML nested too deeply",
                                 "Flatten the data: records need only a few levels.")
    problems = []
    for path, key, line, first in tree.duplicates:
        label, fld = _labels(data, path + (key,))
        problems.append(Problem(display, line, label, fld,
                                f"duplicate key '{key}' (first on line {first})",
                                "Remove one of them: YAML would silently keep only the last.",
                                kind="duplicate"))
    return data, tree.lines, problems


def _fmt_loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_for(lines: Mapping, path: tuple) -> int | None:
    while path:
        line = lines.get(path)
        if line is not None:
            return line
        path = path[:-1]
    return lines.get(())


def _explain(err: dict, model_fields: Sequence[str]) -> tuple[str, str]:
    """Turn one pydantic error into (message, fix)."""
    kind = err["type"]
    loc = err["loc"]
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(name, list(model_fields), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return (f"unknown field '{name}'",
                f"Remove it or fix its spelling{hint}; see lineage/schema/records.schema.json.")
    if kind == "missing":
        return f"missing required field '{name}'", f"Add '{name}:' to the record."
    if kind == "too_short" and name == "sources":
        return ("no source",
                "Add 'sources: [{document: <seed file, URL or arXiv:id>, quote: \"...\"}]'.")
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        return (f"{err['input']!r} is not allowed", f"Use one of: {expected}.")
    if kind == "string_pattern_mismatch":
        if name in ("id", "target", "source") or (loc and loc[-2:-1] == ("techniques",)):
            return (f"{err['input']!r} is not a valid id",
                    "Ids are lower-case words joined by '-', e.g. 'llama-2-7b'.")
        return f"{err['input']!r} does not match {err['ctx']['pattern']}", "Fix the value."
    if kind == "finite_number":
        return (f"{err['input']!r} is not a finite number",
                f"Write '{name}' as a number such as 71.3, or leave it out when the source "
                "gives none.")
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg, "Fix the value."


def _record_fields(item: Any) -> list[str]:
    from . import records as r

    t = item.get("type") if isinstance(item, dict) else None
    cls = {
        "model": r.Model, "family": r.Family, "dataset": r.Dataset, "technique": r.Technique,
        "paper": r.Paper, "organization": r.Organization, "benchmark": r.Benchmark,
        "software": r.Software, "application": r.Application, "license": r.License,
        "document": r.Document, "relation": r.StandaloneRelation,
    }.get(t, r.Record)
    return list(cls.model_fields)


# --- loading ----------------------------------------------------------------


RDF_SUFFIXES = (".ttl", ".nt", ".jsonld", ".json-ld", ".rdf", ".owl", ".xml", ".n3", ".trig")
"""Files that hold RDF: read them with 'lineage import rdf', not as YAML."""


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _layers(data_dirs: Sequence[str | Path] | None, shipped: bool) -> list[Path | tuple[str, str]]:
    layers: list[Path | tuple[str, str]] = [SHIPPED_DATA] if shipped else []
    layers += [Path(d) for d in (data_dirs or [])]
    return layers


def _file_items(display: str, parsed: tuple[Any, Mapping, list[Problem]],
                problems: list[Problem]):
    """Yield (item, display, line map, index) for each item of one parsed YAML text."""
    data, lines, errs = parsed
    problems.extend(errs)
    if data is None:
        return
    if not isinstance(data, list):
        problems.append(Problem(display, 1, None, None,
                                "a data file must be a YAML list of records",
                                "Start each record with '- id: ...'.", kind="schema"))
        return
    for i, item in enumerate(data):
        yield item, display, lines, i


def _read_file(path: Path, display: str) -> tuple[Any, Mapping, list[Problem]]:
    """Read and parse one data file: (data, line map, problems), as :func:`_parse`."""
    text, errs = _read_text(path, display)
    if text is None:
        return None, {}, errs
    return _parse(text, display)


_PARALLEL_BYTES = 32 << 20
"""Data files are parsed in worker processes when a layer holds more than this."""


def _parsed_files(files: list[tuple[Path, str]]
                  ) -> Iterator[tuple[str, tuple[Any, Mapping, list[Problem]]]]:
    """Each (display, parsed) in order; a large layer's files are parsed by worker
    processes (one per core but this one) while this process validates what is ready.

    Parsing is half the time of indexing a million records from YAML. Small data
    never starts a process; if the workers cannot start or die, the files are read here.
    """
    workers = min(len(files) - 1, (os.cpu_count() or 1) - 1)
    if workers >= 1:
        try:
            big = sum(path.stat().st_size for path, _ in files) > _PARALLEL_BYTES
        except OSError:
            big = False
        if big:
            yield from _parsed_by_workers(files, workers)
            return
    for path, display in files:
        yield display, _read_file(path, display)


def _parsed_by_workers(files: list[tuple[Path, str]], workers: int
                       ) -> Iterator[tuple[str, tuple[Any, Mapping, list[Problem]]]]:
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    try:
        # spawned, not forked: the caller may hold threads, locks and open stores
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ImportError, NotImplementedError, ValueError):
        pool = None
    if pool is not None:
        with pool:
            ahead: deque = deque()
            try:
                for path, display in files:
                    ahead.append(pool.submit(_read_file, path, display))
                    if len(ahead) > 2 * workers:  # a few files ahead, not the whole layer
                        yield files[done][1], ahead.popleft().result()
                        done += 1
                while ahead:
                    yield files[done][1], ahead.popleft().result()
                    done += 1
            except (BrokenProcessPool, OSError):
                for future in ahead:
                    future.cancel()
    for path, display in files[done:]:  # without workers, or after they died
        yield display, _read_file(path, display)


def _read_layer(layer: Path | tuple[str, str], problems: list[Problem]):
    """Yield (item, display file, line map, index) for every item of a layer.

    A layer is a directory, a YAML file, or a ``(name, yaml_text)`` pair.
    """
    if isinstance(layer, tuple):
        yield from _file_items(layer[0], _parse(layer[1], layer[0]), problems)
        return
    if not layer.exists():
        problems.append(Problem(_display(layer), None, None, None, "no such file or directory",
                                "Check the --data-dir path or the LINEAGE_DATA_DIR variable.",
                                kind="io"))
        return
    unreadable: list[tuple[Path, OSError]] = []
    files = data_files(layer, unreadable)
    for path, e in unreadable:
        problems.append(Problem(_display(path), None, None, None,
                                f"cannot read this directory: {e.strerror or e}",
                                "Check its permissions: the data files in it were not read.",
                                kind="io"))
    shown = [(path, _display(path) if path.is_file() or path.is_dir() else str(path))
             for path in files]
    parsed = _parsed_files([(path, display) for path, display in shown
                            if path.suffix.lower() not in RDF_SUFFIXES])
    for path, display in shown:
        if path.suffix.lower() in RDF_SUFFIXES:
            problems.append(Problem(
                display, None, None, None, "this is an RDF file, not YAML data",
                f"Convert it first: 'lineage import rdf {display} -o data.yaml', then use "
                "--data-dir data.yaml.", kind="io"))
            continue
        yield from _file_items(display, next(parsed)[1], problems)


def _validate_item(item: Any, display: str, lines: Mapping, i: int, problems: list[Problem]):
    line = _line_for(lines, (i,))
    rid = item.get("id") if isinstance(item, dict) else None
    if isinstance(item, dict) and item.get("type") == "relation":
        rid = item.get("source")
    label = str(rid) if rid is not None else f"item {i + 1}"
    if not isinstance(item, dict):
        problems.append(Problem(display, line, label, None, "an item must be a mapping",
                                "Write the record as 'key: value' lines under '- '."))
        return None
    t = item.get("type")
    if t is None:
        problems.append(Problem(display, line, label, "type", "missing 'type'",
                                f"Add 'type:' with one of: {', '.join(RECORD_TYPES)}, relation."))
        return None
    if t not in RECORD_TYPES and t != "relation":
        close = difflib.get_close_matches(str(t), list(RECORD_TYPES) + ["relation"], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(Problem(display, _line_for(lines, (i, "type")), label, "type",
                                f"unknown type {t!r}",
                                f"Use one of: {', '.join(RECORD_TYPES)}, relation{hint}."))
        return None
    try:
        return item_adapter().validate_python(item)
    except ValidationError as e:
        fields = _record_fields(item)
        for err in e.errors():
            loc = tuple(err["loc"])
            if loc and loc[0] == t:
                loc = loc[1:]
            msg, fix = _explain({**err, "loc": loc}, fields)
            problems.append(Problem(display, _line_for(lines, (i,) + loc), label,
                                    _fmt_loc(loc) or None, msg, fix))
        return None


def build_index(records: Iterable[Record]) -> tuple[NameIndex, list[tuple[Record, str, str]]]:
    """Index ids, names and aliases; return the index and (record, label, other) clashes."""
    index = NameIndex()
    clashes: list[tuple[Record, str, str]] = []
    records = list(records)
    # ids first, so an id always resolves to its own record
    for rec in records:
        for label, other in index.add(rec.id, [rec.id]):
            clashes.append((rec, label, other))
    for rec in records:
        for label, other in index.add(rec.id, record_labels(rec)[1:]):
            clashes.append((rec, label, other))
    return index, clashes


def load(
    data_dirs: Sequence[str | Path] | None = None,
    *,
    shipped: bool = True,
    check: bool = True,
) -> KnowledgeBase:
    """Load the knowledge base.

    Parameters
    ----------
    data_dirs : sequence of paths, optional
        Extra data directories or YAML files, layered over the shipped data in
        order. ``None`` reads ``$LINEAGE_DATA_DIR`` (``os.pathsep``-separated).
    shipped : bool
        Include the curated data shipped with the package.
    check : bool
        Raise :class:`DataError` listing every problem when the data is invalid.

    Returns
    -------
    KnowledgeBase

    Raises
    ------
    DataError
        When ``check`` is true and any file or record is invalid.
    """
    if data_dirs is None:
        env = os.environ.get(ENV_DATA_DIR, "")
        data_dirs = [d for d in env.split(os.pathsep) if d]
    return _load(_layers(data_dirs, shipped), check)


def loads(text: str, *, name: str = "<string>", check: bool = True) -> KnowledgeBase:
    """Load a knowledge base from YAML text alone (no shipped data).

    >>> kb = loads('''
    ... - {id: base, type: model, name: Base}
    ... - id: tuned
    ...   type: model
    ...   name: Tuned
    ...   relations:
    ...     - {relation: finetune, target: base, sources: [{document: notes, quote: "tuned from base"}]}
    ... ''')
    >>> kb.resolve("TUNED").relations[0].target
    'base'
    """
    return _load([(name, text)], check)


def load_facts(data_dirs: Sequence[str | Path], keep: Callable[[Record, Origin], None], *,
               shipped: bool = True) -> KnowledgeBase:
    """Load and check the layered data like :func:`load`, handing each record to ``keep``
    as it is taken and holding on only to its :class:`RecordFacts`.

    For data too large to hold whole (``lineage index`` of a million records): the
    caller writes what ``keep`` receives. A record a later layer replaces is handed
    over again (the last one counts); relations that standalone relations add or
    replace are left in the facts' ``relations`` as whole relations, for the caller to
    write. The knowledge base returned holds facts, not records.

    Raises
    ------
    DataError
        When any file or record is invalid, after every record was handed over.
    """
    return _load(_layers(data_dirs, shipped), check=True, keep=keep)


def _relation_key(rel: Any) -> tuple:
    """What makes two relations of one record the same (else 'duplicate relation')."""
    return (rel.relation, rel.target, rel.metric, rel.setting, rel.score)


def _load(layers: Sequence[Path | tuple[str, str]], check: bool,
          keep: Callable[[Record, Origin], None] | None = None) -> KnowledgeBase:
    """Read the layers in order. A later layer replaces what an earlier one said:

    a record replaces the record with its id, and a standalone relation the
    relation of its record with the same kind and target (and metric,
    setting and score), so a layer that repeats earlier data changes nothing.
    Within one layer, a repeated id or relation is an error.
    """
    with no_gc():  # records are acyclic: collections would only re-scan them
        return _load_layers(layers, check, keep)


def _load_layers(layers: Sequence[Path | tuple[str, str]], check: bool,
                 keep: Callable[[Record, Origin], None] | None) -> KnowledgeBase:
    problems: list[Problem] = []
    records: dict[str, Record] = {}
    origins: dict[str, Origin] = {}
    rel_origins: dict[tuple[str, int], Origin] = {}
    rec_layer: dict[str, int] = {}
    rel_layer: dict[tuple[str, int], int] = {}
    # id -> (earlier origin, layer that replaced it, keys of the earlier record's relations)
    replaced: dict[str, tuple[Origin, int, set[tuple]]] = {}
    pending: list[tuple[StandaloneRelation, Origin, int]] = []

    for li, layer in enumerate(layers):
        seen_here: dict[str, Origin] = {}
        for item, display, lines, i in _read_layer(layer, problems):
            obj = _validate_item(item, display, lines, i, problems)
            if obj is None:
                continue
            origin = Origin(display, _line_for(lines, (i,)))
            if isinstance(obj, StandaloneRelation):
                pending.append((obj, origin, li))
                continue
            if obj.id in seen_here:
                first = seen_here[obj.id]
                problems.append(Problem(display, origin.line, obj.id, "id",
                                        f"duplicate id (first defined at {first.file}:{first.line})",
                                        "Rename one of them, or merge the two records.",
                                        kind="duplicate"))
                continue
            seen_here[obj.id] = origin
            old = records.get(obj.id)
            if old is not None:
                if old == obj:  # the same record again: nothing changes
                    continue
                replaced.setdefault(obj.id, (origins[obj.id], li,
                                             {_relation_key(r) for r in old.relations}))
                for k in range(len(old.relations)):
                    rel_origins.pop((obj.id, k), None)
                    rel_layer.pop((obj.id, k), None)
            if keep is None:
                records[obj.id] = obj
            else:
                keep(obj, origin)
                records[obj.id] = RecordFacts(obj)  # type: ignore[assignment]
            origins[obj.id] = origin
            rec_layer[obj.id] = li
            for k in range(len(obj.relations)):
                rel_origins[(obj.id, k)] = Origin(
                    display, _line_for(lines, (i, "relations", k)))
                rel_layer[(obj.id, k)] = li

    for rel, origin, li in pending:
        if rel.source not in records:
            problems.append(Problem(origin.file, origin.line, rel.source, "source",
                                    f"relation source {rel.source!r} is not a known record",
                                    _did_you_mean(rel.source, records), kind="reference"))
            continue
        rec = records[rel.source]
        new = rel.to_relation()
        key = _relation_key(new)
        same = [k for k, r in enumerate(rec.relations)
                if _relation_key(r) == key and rel_layer.get((rec.id, k), li) != li]
        if same and rel_layer[(rec.id, same[0])] > li:
            continue  # a later layer says it already
        k = same[0] if same else len(rec.relations)
        if same:
            rec.relations[k] = new
        else:
            rec.relations.append(new)
        rel_origins[(rec.id, k)] = origin
        rel_layer[(rec.id, k)] = li

    problems.extend(_replacement_warnings(records, origins, rel_layer, replaced))
    kb = KnowledgeBase(records, origins, rel_origins,
                       [p[0] if isinstance(p, tuple) else str(p) for p in layers])
    problems.extend(check_data(kb))
    kb.problems = problems
    if check and any(p.severity == "error" for p in problems):
        raise DataError(problems)
    return kb


def _replacement_warnings(records: dict[str, Record], origins: dict[str, Origin],
                          rel_layer: dict[tuple[str, int], int],
                          replaced: dict[str, tuple[Origin, int, set[tuple]]]) -> list[Problem]:
    """Say what happens to earlier relations that involve a record a later layer replaced."""
    if not replaced:
        return []
    pointing: dict[str, list[tuple[str, int]]] = {}
    for rec in records.values():
        for k, r in enumerate(rec.relations):
            if r.target in replaced:
                pointing.setdefault(r.target, []).append((rec.id, rel_layer[(rec.id, k)]))
    out = []
    for rid, (before, li, earlier) in replaced.items():
        into = sorted({src for src, layer in pointing.get(rid, []) if layer < li})
        kept = sum(1 for k in range(len(records[rid].relations)) if rel_layer[(rid, k)] < li)
        dropped = len(earlier - {_relation_key(r) for r in records[rid].relations})
        if not into and not kept and not dropped:
            continue
        parts = []
        if dropped:
            parts.append(f"its {dropped} relation{'s' if dropped != 1 else ''} there "
                         f"{'are' if dropped != 1 else 'is'} dropped")
        if into:
            shown = ", ".join(into[:3]) + (f" and {len(into) - 3} more" if len(into) > 3 else "")
            parts.append(f"relations from {len(into)} earlier record"
                         f"{'s' if len(into) != 1 else ''} ({shown}) now point at this one")
        if kept:
            parts.append(f"{kept} standalone relation{'s' if kept != 1 else ''} from earlier "
                         "data still add to it")
        o = origins[rid]
        out.append(Problem(
            o.file, o.line, rid, None,
            f"replaces the record defined at {before.file}:{before.line}; " + "; ".join(parts),
            "Check that they still hold for your record, or give it a new id to keep both.",
            severity="warning", kind="override"))
    return out


def is_within(path: str | Path, root: str | Path) -> bool:
    """Whether ``path`` is ``root`` or inside it (both taken from the working directory).

    >>> is_within("data/models/a.yaml", "data/"), is_within("data2/a.yaml", "data")
    (True, False)
    """
    p, r = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    return p == r or r in p.parents


def problems_in(problems: Iterable[Problem], paths: Sequence[str | Path]) -> list[Problem]:
    """The problems found in the files under ``paths`` (e.g. a team's own data directory).

    >>> ps = [Problem("mine/a.yaml", 3, "x", None, "bad", "fix"),
    ...       Problem("lineage/data/b.yaml", 9, "y", None, "bad", "fix")]
    >>> [p.file for p in problems_in(ps, ["mine"])]
    ['mine/a.yaml']
    """
    return [p for p in problems if any(is_within(p.file, root) for root in paths)]


def _did_you_mean(rid: str, records: dict[str, Record]) -> str:
    close = difflib.get_close_matches(rid, list(records), n=3, cutoff=0.6)
    if close:
        return "Did you mean: " + ", ".join(close) + "? Otherwise add a record with this id."
    return "Add a record with this id, or fix the reference."


# --- cross-record checks ----------------------------------------------------


def check_data(kb: KnowledgeBase) -> list[Problem]:
    """Problems that span records: references, types, aliases, cycles, dates."""
    problems: list[Problem] = []
    recs = kb.records

    def where(rid: str, k: int | None = None) -> Origin:
        if k is not None and (rid, k) in kb.relation_origins:
            return kb.relation_origins[(rid, k)]
        return kb.origins.get(rid, Origin("?", None))

    _, clashes = build_index(recs.values())
    for rec, label, other in clashes:
        o, oo = where(rec.id), where(other)
        field_name = "id" if label == rec.id else ("name" if label == rec.name else "aliases")
        problems.append(Problem(o.file, o.line, rec.id, field_name,
                                f"{label!r} also names {other!r} ({oo.file}:{oo.line})",
                                "Names and aliases must be unique (ignoring case, spaces and "
                                "hyphens): remove it from one record.", kind="alias"))

    for rec in recs.values():
        seen: set[tuple] = set()
        for k, rel in enumerate(rec.relations):
            o = where(rec.id, k)
            fld = f"relations[{k}]"
            if rel.target == rec.id:
                problems.append(Problem(o.file, o.line, rec.id, fld + ".target",
                                        "a record cannot relate to itself",
                                        "Point the relation at another record.",
                                        kind="reference"))
                continue
            target = recs.get(rel.target)
            if target is None:
                problems.append(Problem(o.file, o.line, rec.id, fld + ".target",
                                        f"unknown record {rel.target!r}",
                                        _did_you_mean(rel.target, recs), kind="reference"))
            else:
                allowed_src, allowed_tgt = RELATION_RULES[rel.relation]
                if rec.type not in allowed_src or target.type not in allowed_tgt:
                    problems.append(Problem(
                        o.file, o.line, rec.id, fld + ".relation",
                        f"'{rel.relation}' cannot link a {rec.type} to a {target.type}",
                        f"'{rel.relation}' goes from {'/'.join(sorted(allowed_src))} to "
                        f"{'/'.join(sorted(allowed_tgt))}; pick another relation kind"
                        + _fitting_kinds(rec.type, target.type) + ".",
                        kind="type"))
            for t in rel.techniques:
                tech = recs.get(t)
                if tech is None:
                    problems.append(Problem(o.file, o.line, rec.id, fld + ".techniques",
                                            f"unknown technique {t!r}",
                                            _did_you_mean(t, recs), kind="reference"))
                elif tech.type != "technique":
                    problems.append(Problem(o.file, o.line, rec.id, fld + ".techniques",
                                            f"{t!r} is a {tech.type}, not a technique",
                                            "List only technique ids here.", kind="type"))
            key = (rel.relation, rel.target, rel.metric, rel.setting, rel.score)
            if key in seen:
                problems.append(Problem(o.file, o.line, rec.id, fld,
                                        f"duplicate relation {rel.relation} -> {rel.target}",
                                        "Merge the two into one relation with both sources.",
                                        kind="duplicate"))
            seen.add(key)
            if target is not None and rel.relation in WEIGHT_RELATIONS:
                # Weights cannot come from a later model, whatever the relation's own date.
                if _dated_before(rec.date, target.date):
                    problems.append(Problem(
                        o.file, o.line, rec.id, fld,
                        f"dated {rec.date} before its parent {target.id!r} ({target.date}), "
                        f"whose weights it is said to carry ({rel.relation})",
                        "Fix one of the dates; a model cannot carry the weights of a later one, "
                        f"so if {rec.id!r} is a product that serves {target.id!r}, use "
                        "'uses_model' instead (or split product and model records).",
                        kind="date"))
            elif target is not None and rel.relation in LINEAGE_RELATIONS:
                if _dated_before(rel.date or rec.date, target.date):
                    problems.append(Problem(
                        o.file, o.line, rec.id, fld,
                        f"dated {rel.date or rec.date} before its parent "
                        f"{target.id!r} ({target.date})",
                        "Fix one of the dates, or set 'date:' on the relation if it "
                        "came to hold later.", kind="date"))

    problems.extend(_cycles(kb, where))
    return problems


def unresolved_documents(kb: KnowledgeBase) -> list[Problem]:
    """Cited documents that resolve to no record: ``document`` warnings for ``lineage check``.

    Checked once the data declares documents (any ``document`` record): then
    every source must name a document record (by name, alias or URL) or a paper
    (by ``arXiv:<id>``, URL or title), so each citation prints with its title
    and link (see :mod:`lineage.documents`). One warning per document, at its
    first citation.
    """
    from .documents import CitationIndex, iter_sources

    def where(rid: str, k: int | None = None) -> Origin:
        if k is not None and (rid, k) in kb.relation_origins:
            return kb.relation_origins[(rid, k)]
        return kb.origins.get(rid, Origin("?", None))

    if not any(rec.type == "document" for rec in kb.records.values()):
        return []
    index = CitationIndex.from_records(kb.records.values())
    out: list[Problem] = []
    reported: set[str] = set()
    for rec in kb.records.values():
        for k, fld, src in iter_sources(rec):
            doc = src.document
            if doc in reported or index.resolve(doc) is not None:
                continue
            reported.add(doc)
            o = where(rec.id, k)
            out.append(Problem(
                o.file, o.line, rec.id, fld + ".document",
                f"cited document {doc!r} resolves to no document or paper record",
                "Add a 'type: document' record with it in 'aliases' or 'urls' (title, "
                "authors, date), or a paper with its arXiv id.",
                severity="warning", kind="document"))
    return out


def _fitting_kinds(source_type: str, target_type: str) -> str:
    """`` (from a technique to a technique: builds_on, uses_technique)`` or ``''``."""
    fit = [k for k, (src, tgt) in RELATION_RULES.items()
           if source_type in src and target_type in tgt]
    return f" (from a {source_type} to a {target_type}: {', '.join(fit)})" if fit else ""


def _dated_before(child: str | None, parent: str | None) -> bool:
    """Whether a child's date is before its parent's, compared at the coarser precision.

    >>> _dated_before("2022-11", "2023-03"), _dated_before("2023", "2023-03"), _dated_before(None, "2023")
    (True, False, False)
    """
    c, p = date_key(child), date_key(parent)
    if not (c and p):
        return False
    n = min(len(c), len(p))
    return c[:n] < p[:n]


def _cycles(kb: KnowledgeBase, where) -> list[Problem]:
    """Report each cycle of the derivation (lineage) graph once."""
    adj: dict[str, list[tuple[str, int]]] = {}
    for rec in kb.records.values():
        adj[rec.id] = [(r.target, k) for k, r in enumerate(rec.relations)
                       if r.relation in LINEAGE_RELATIONS and r.target in kb.records
                       and r.target != rec.id]
    color: dict[str, int] = {}
    problems: list[Problem] = []
    reported: set[frozenset] = set()
    for start in sorted(adj):
        if color.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        color[start] = 1
        path.append(start)
        while stack:
            node, i = stack[-1]
            edges = adj[node]
            if i < len(edges):
                stack[-1] = (node, i + 1)
                nxt, k = edges[i]
                c = color.get(nxt, 0)
                if c == 0:
                    color[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, 0))
                elif c == 1:
                    cyc = path[path.index(nxt):] + [nxt]
                    key = frozenset(cyc)
                    if key not in reported:
                        reported.add(key)
                        o = where(node, k)
                        problems.append(Problem(
                            o.file, o.line, node, f"relations[{k}]",
                            "cycle in the derivation graph: " + " -> ".join(cyc),
                            "Remove or reverse one of these relations (a family's members "
                            "point to the family, not the other way).", kind="cycle"))
            else:
                color[node] = 2
                path.pop()
                stack.pop()
    return problems
