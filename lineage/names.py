"""Name lookup: ids, names and aliases, case-, space- and hyphen-insensitive."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

__all__ = ["normalize", "NameIndex", "record_labels", "close_matches"]

_DROP = re.compile(r"[\s\-_‐‑‒–—―·・/]+")


def normalize(text: str) -> str:
    """Fold a name to its lookup key.

    >>> normalize("LLaMA 2-Chat")
    'llama2chat'
    >>> normalize("text - davinci - 003")
    'textdavinci003'
    >>> normalize("阿尔帕卡（Alpaca）")
    '阿尔帕卡(alpaca)'
    """
    return _DROP.sub("", unicodedata.normalize("NFKC", text).casefold())


def record_labels(rec: Any) -> list[str]:
    """The labels a record is found by: its id, name, aliases and Hub ids (also with ``hf:``)."""
    hub = [h for hid in getattr(rec, "hub_ids", ()) or () for h in (hid, f"hf:{hid}")]
    return [rec.id, rec.name, *rec.aliases, *hub]


def close_matches(key: str, keys: Iterable[tuple[str, str]], n: int = 5) -> list[str]:
    """Ids of the ``(label key, id)`` pairs closest to the folded ``key``, best first.

    >>> close_matches("alpacca", [("alpaca7b", "alpaca-7b"), ("llama", "llama")])
    ['alpaca-7b']
    """
    scored: dict[str, float] = {}
    for k, rid in keys:
        score = difflib.SequenceMatcher(None, key, k).ratio()
        if key in k or (len(k) > 2 and k in key):
            score += 0.5
        if score >= 0.6 and score > scored.get(rid, 0.0):
            scored[rid] = score
    return sorted(scored, key=lambda r: (-scored[r], r))[:n]


class NameIndex:
    """Maps lookup keys of ids, names and aliases to record ids."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._labels: dict[str, list[str]] = {}

    def add(self, record_id: str, labels: Iterable[str]) -> list[tuple[str, str]]:
        """Index ``labels`` for ``record_id``; return (label, other id) collisions."""
        clashes = []
        for label in labels:
            key = normalize(label)
            if not key:
                continue
            owner = self._keys.get(key)
            if owner is not None and owner != record_id:
                clashes.append((label, owner))
                continue
            self._keys[key] = record_id
            self._labels.setdefault(record_id, []).append(label)
        return clashes

    def get(self, name: str) -> str | None:
        """Return the id whose id, name or alias folds to the same key."""
        return self._keys.get(normalize(name))

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Ids of records whose labels are close to ``name``."""
        key = normalize(name)
        if not key:
            return []
        return close_matches(key, ((k, rid) for k, rid in self._keys.items()), n)

    def labels(self, record_id: str) -> list[str]:
        return list(self._labels.get(record_id, []))
