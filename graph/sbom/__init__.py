"""AI bills of materials: a model's whole lineage as SPDX 3.0.1 or CycloneDX 1.6.

:func:`to_sbom` returns the text, :func:`write_sbom` writes it atomically;
:data:`FORMATS` is the registry the CLI's ``--format`` choices come from. The
contents are gathered once by :func:`graph.sbom.common.collect` (through the
``Store`` protocol and the query and licence functions only, so any store
works) and laid out by :mod:`graph.sbom.spdx3` or :mod:`graph.sbom.cyclonedx`.
The validators of the ``[sbom]`` extra are in :mod:`graph.sbom.validate`.

>>> from graph.analytics import example_store
>>> text = to_sbom(example_store(), "vicuna-13b", "cyclonedx")
>>> text == to_sbom(example_store(), "vicuna-13b", "cyclonedx")
True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lineage.errors import QueryError

from ..store.base import Store
from .common import Bom, bom_relations, collect
from .cyclonedx import to_cyclonedx
from .spdx3 import to_spdx3

__all__ = ["FORMATS", "Bom", "bom_relations", "collect", "to_sbom", "write_sbom", "render"]

FORMATS: dict[str, Callable[[Bom], str]] = {"spdx3": to_spdx3, "cyclonedx": to_cyclonedx}
"""Format name -> writer of a collected :class:`Bom`."""


def render(bom: Bom, fmt: str) -> str:
    """Lay out a collected bill in ``fmt`` (a key of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown SBOM format {fmt!r}. Use one of: {', '.join(FORMATS)}.")
    return FORMATS[fmt](bom)


def to_sbom(S: Store, node: str, fmt: str, *, depth: int | None = None,
            weights_only: bool = False) -> str:
    """The bill of materials of ``node`` as text in ``fmt`` (``spdx3`` or ``cyclonedx``)."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown SBOM format {fmt!r}. Use one of: {', '.join(FORMATS)}.")
    return FORMATS[fmt](collect(S, node, depth=depth, weights_only=weights_only))


def write_sbom(S: Store, node: str, path: str | Path, fmt: str, *, depth: int | None = None,
               weights_only: bool = False) -> Bom:
    """Write the bill of materials of ``node`` to ``path`` atomically; return what it holds."""
    from lineage.output import write_text_atomic

    bom = collect(S, node, depth=depth, weights_only=weights_only)
    write_text_atomic(path, render(bom, fmt))
    return bom
