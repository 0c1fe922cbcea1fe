"""Cited documents: which record a source's ``document`` names, and its citation.

A source names its document by a file name (``002_70697c1b2f561b7a.txt``), a
URL, or ``arXiv:<id>``. :class:`CitationIndex` resolves each to a record:

* a ``document`` record whose name or ``aliases`` hold the name (file names) or
  whose ``urls`` hold the URL;
* a ``paper`` record with that arXiv id, or whose ``urls`` hold the URL;
* any ``document`` or ``paper`` record by its id.

:func:`citation` prints a resolved record the way a reader checks it:
``Cameron R. Wolfe, *The History of Open-Source LLMs: ... (Part Three)*, 2023-11-28``
plus its link.

>>> idx = CitationIndex.from_dicts([{"id": "wolfe-3", "type": "document",
...     "name": "The History of Open-Source LLMs: Imitation and Alignment (Part Three)",
...     "title": "开源 LLMs 的历史：模仿与对齐（三）",
...     "authors": ["Cameron R. Wolfe"], "date": "2023-11-28",
...     "aliases": ["003_3ac2929bc443edec.txt"],
...     "translation_of": "https://towardsdatascience.com/x"}])
>>> c = idx.citation("003_3ac2929bc443edec.txt")
>>> c.text
'Cameron R. Wolfe, *The History of Open-Source LLMs: Imitation and Alignment (Part Three)*, 2023-11-28'
>>> c.url, c.record
('https://towardsdatascience.com/x', 'wolfe-3')
>>> idx.citation("notes.txt") is None
True
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Citation", "CitationIndex", "citation_of", "citations_json", "iter_sources",
           "normalize_url", "for_store"]

_ARXIV = re.compile(r"^arxiv:\s*(\d{4}\.\d{4,5})(v\d+)?$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"^https?://arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(v\d+)?(\.pdf)?/?$",
                        re.IGNORECASE)


def normalize_url(url: str) -> str:
    """A URL's key: no scheme, no ``www.``, no trailing slash, host in lower case.

    >>> normalize_url("https://www.MosaicML.com/blog/mpt-7b/")
    'mosaicml.com/blog/mpt-7b'
    """
    u = re.sub(r"^https?://", "", url.strip(), flags=re.IGNORECASE)
    host, _, rest = u.partition("/")
    host = host.lower()
    if host.startswith("www."):
        host = host[4:]
    return (host + ("/" + rest if rest else "")).rstrip("/")


@dataclass(frozen=True)
class Citation:
    """A resolved citation: the record it names, the text a reader sees, its link."""

    record: str
    type: str
    text: str
    url: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"record": self.record, "type": self.type, "text": self.text, "url": self.url}


def citation_of(rec: dict[str, Any]) -> Citation:
    """The citation of a ``document`` or ``paper`` record given as JSON data.

    Authors (at most three, then "et al."), else the publication or venue; the
    English title in italics; the date. The link is the first URL, else the
    original of a translation, else the arXiv page.
    """
    authors = [a for a in rec.get("authors") or [] if a.strip().lower() != "et al."]
    abridged = len(authors) > 3 or len(authors) < len(rec.get("authors") or [])
    who = ", ".join(authors[:3]) + (" et al." if abridged and authors else "")
    titled = bool(rec.get("title")) or rec.get("type") == "paper"
    name = rec.get("name") or rec["id"]
    if rec.get("type") == "paper" and rec.get("title"):
        name = rec["title"]
    if not who and titled:
        who = rec.get("publication") or rec.get("venue") or ""
    # a titled work is cited by its (English) title in italics; an untitled page by its name
    parts = [p for p in (who, f"*{name}*" if titled else name, rec.get("date")) if p]
    urls = rec.get("urls") or []
    url = urls[0] if urls else rec.get("translation_of")
    if url is None and rec.get("arxiv"):
        url = f"https://arxiv.org/abs/{rec['arxiv']}"
    return Citation(rec["id"], rec.get("type", "document"), ", ".join(parts), url)


class CitationIndex:
    """Resolve a source's ``document`` to the ``document`` or ``paper`` record it names."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}
        self._records: dict[str, dict[str, Any]] = {}
        self._cache: dict[str, Citation | None] = {}

    @classmethod
    def from_dicts(cls, records: Iterable[dict[str, Any]]) -> CitationIndex:
        idx = cls()
        for rec in records:
            if rec.get("type") not in ("document", "paper"):
                continue
            rid = rec["id"]
            idx._records[rid] = rec
            idx._by_key.setdefault("id:" + rid, rid)
            for a in [rec.get("name") or "", *(rec.get("aliases") or ())]:
                idx._by_key.setdefault("name:" + a.strip().casefold(), rid)
            for u in rec.get("urls") or ():
                idx._by_key.setdefault("url:" + normalize_url(u), rid)
            if rec.get("arxiv"):
                idx._by_key.setdefault("arxiv:" + rec["arxiv"].split("v")[0], rid)
        return idx

    @classmethod
    def from_records(cls, records: Iterable[Any]) -> CitationIndex:
        """From pydantic records (a loaded :class:`~lineage.load.KnowledgeBase`)."""
        return cls.from_dicts(r.model_dump(exclude={"relations", "claims", "sources"})
                              for r in records if r.type in ("document", "paper"))

    def resolve(self, document: str) -> str | None:
        """The id of the record ``document`` names, or None."""
        doc = document.strip()
        m = _ARXIV.match(doc) or _ARXIV_URL.match(doc)
        if m:
            return self._by_key.get("arxiv:" + m.group(1)) or (
                self._by_key.get("url:" + normalize_url(doc)) if doc.startswith("http")
                else None)
        if re.match(r"^https?://", doc, re.IGNORECASE):
            return self._by_key.get("url:" + normalize_url(doc))
        return (self._by_key.get("name:" + doc.casefold())
                or self._by_key.get("id:" + doc))

    def citation(self, document: str) -> Citation | None:
        """The :class:`Citation` of ``document``, or None when it names no record."""
        if document not in self._cache:
            rid = self.resolve(document)
            self._cache[document] = None if rid is None else citation_of(self._records[rid])
        return self._cache[document]


_STORE_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def for_store(S: Any) -> CitationIndex:
    """The citation index of a store (built once per store object from its records)."""
    try:
        return _STORE_INDEXES[S]
    except (KeyError, TypeError):
        pass
    recs = []
    for rid in S.ids(types=("document", "paper")):
        rec = dict(S.record(rid))
        rec.setdefault("id", rid)
        recs.append(rec)
    idx = CitationIndex.from_dicts(recs)
    try:
        _STORE_INDEXES[S] = idx
    except TypeError:  # a store that cannot be weakly referenced: no cache
        pass
    return idx


def iter_sources(rec: Any) -> Iterator[tuple[int | None, str, Any]]:
    """``(relation index or None, field path, source)`` for every source of a record."""
    for j, s in enumerate(rec.sources):
        yield None, f"sources[{j}]", s
    for k, rel in enumerate(rec.relations):
        for j, s in enumerate(rel.sources):
            yield k, f"relations[{k}].sources[{j}]", s
    for i, c in enumerate(rec.claims):
        for j, s in enumerate(c.sources):
            yield None, f"claims[{i}].sources[{j}]", s


def citations_json(S: Any, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{document: {record, type, text, url}}`` for every document a JSON answer cites.

    Looks at the ``sources`` of ``data["record"]`` (and its claims) and of every edge in
    ``data["edges"]``; a document no record names maps to ``None``.
    """
    idx = for_store(S)
    docs: list[str] = []
    rec = data.get("record") or {}
    for s in rec.get("sources") or ():
        docs.append(s["document"])
    for c in rec.get("claims") or ():
        docs.extend(s["document"] for s in c.get("sources") or ())
    for e in data.get("edges") or ():
        docs.extend(s["document"] for s in e.get("sources") or ())
    out: dict[str, Any] = {}
    for d in docs:
        if d not in out:
            c = idx.citation(d)
            out[d] = None if c is None else c.to_dict()
    return out
