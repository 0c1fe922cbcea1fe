"""Where the data comes from: the layers of data files, and their fingerprint.

Light on purpose (standard library only): a query checks whether its compiled
store is current without importing the YAML parser or the record models.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["SHIPPED_DATA", "YAML_SUFFIXES", "data_files", "layer_paths", "file_digests",
           "fingerprint"]

SHIPPED_DATA = Path(__file__).parent / "data"
"""The curated data shipped with the package."""

YAML_SUFFIXES = (".yaml", ".yml")
"""Suffixes of data files, compared without regard to case."""


def data_files(path: Path, errors: list[tuple[Path, OSError]] | None = None) -> list[Path]:
    """The YAML files of a data directory (sorted), or ``path`` itself if it is not one.

    Any case of ``.yaml`` / ``.yml`` counts. A path that is not a directory (a
    file, a FIFO, ``/dev/stdin``) is its own single data file. Sub-directories
    that cannot be read are added to ``errors`` when given, never skipped silently.
    """
    if not path.is_dir():
        return [path]

    def unreadable(e: OSError) -> None:
        if errors is not None:
            errors.append((Path(e.filename) if e.filename else path, e))

    files = []
    for root, _dirs, names in os.walk(path, onerror=unreadable):
        for name in names:
            p = Path(root, name)
            if p.suffix.lower() in YAML_SUFFIXES and p.is_file():
                files.append(p)
    return sorted(files, key=lambda p: p.relative_to(path).as_posix())


def layer_paths(data_dirs: Sequence[str | os.PathLike[str]] | None, shipped: bool) -> list[Path]:
    """The layers in order: the shipped data (unless ``shipped`` is false), then each given path."""
    return ([SHIPPED_DATA] if shipped else []) + [Path(d) for d in (data_dirs or [])]


FileDigest = tuple[str, int, int, str]
"""(absolute path, size, modification time in ns, SHA-256 of the content) of one data file."""


def file_digests(layers: Sequence[Path]) -> list[FileDigest] | None:
    """Every data file of the layers, in order, with its size, time and content digest.

    ``None`` when a layer or one of its files is not a plain file or directory
    (a FIFO, standard input) or cannot be read: such data cannot be cached.
    """
    rows: list[FileDigest] = []
    for layer in layers:
        if not layer.exists():
            continue
        if not (layer.is_dir() or layer.is_file()):
            return None
        try:
            for f in data_files(layer):
                if not f.is_file():
                    return None
                st = f.stat()
                rows.append((os.path.abspath(f), st.st_size, st.st_mtime_ns,
                             hashlib.sha256(f.read_bytes()).hexdigest()))
        except OSError:
            return None
    return rows


def fingerprint(layers: Sequence[Path], digests: Sequence[FileDigest],
                extra: Sequence[str] = ()) -> str:
    """A digest of the layers and of every data file's path and content (from
    :func:`file_digests`), plus ``extra`` strings such as the code version.

    Keyed on content, not size and modification time, so an edit that keeps
    both is still seen.
    """
    h = hashlib.sha256()
    for part in [*extra, *(os.path.abspath(p) for p in layers)]:
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for path, _, _, sha in digests:
        h.update(path.encode("utf-8", "surrogateescape") + b"\0" + sha.encode() + b"\0")
    return h.hexdigest()
