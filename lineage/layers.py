"""Where the data comes from: the layers of data files, and their fingerprint.

Light on purpose (standard library only): a query checks whether its compiled
store is current without importing the YAML parser or the record models.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["SHIPPED_DATA", "YAML_SUFFIXES", "data_files", "layer_paths", "fingerprint"]

SHIPPED_DATA = Path(__file__).parent / "data"
"""The curated data shipped with the package."""

YAML_SUFFIXES = (".yaml", ".yml")
"""Suffixes of data files, compared without regard to case."""


def data_files(path: Path) -> list[Path]:
    """The YAML files of a data directory (sorted), or the file itself."""
    if not path.is_dir():
        return [path]
    files = [p for p in path.rglob("*") if p.suffix.lower() in YAML_SUFFIXES and p.is_file()]
    return sorted(files, key=lambda p: p.relative_to(path).as_posix())


def layer_paths(data_dirs: Sequence[str | os.PathLike[str]] | None, shipped: bool) -> list[Path]:
    """The layers in order: the shipped data (unless ``shipped`` is false), then each given path."""
    return ([SHIPPED_DATA] if shipped else []) + [Path(d) for d in (data_dirs or [])]


def fingerprint(layers: Sequence[Path], extra: Sequence[str] = ()) -> str | None:
    """A digest of every data file's path and content, in layer order.

    Keyed on content, not size and modification time, so an edit that keeps
    both is still seen. ``None`` when a layer is not a plain file or directory
    (a FIFO, standard input): such data cannot be cached.
    """
    h = hashlib.sha256()
    for part in extra:
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for layer in layers:
        h.update(b"L" + os.fsencode(os.path.abspath(layer)) + b"\0")
        if not layer.exists():
            h.update(b"missing\0")
            continue
        if not (layer.is_dir() or layer.is_file()):
            return None
        try:
            for f in data_files(layer):
                if not f.is_file():
                    return None
                h.update(b"F" + os.fsencode(os.path.abspath(f)) + b"\0")
                h.update(f.read_bytes())
                h.update(b"\0")
        except OSError:
            return None
    return h.hexdigest()
