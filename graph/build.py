"""Compatibility: the lineage graph as a networkx MultiDiGraph.

Queries are written against a :class:`graph.store.Store`; use
:func:`graph.store.open_store`. :func:`graph.store.views.materialize` gives a
networkx graph of any bounded part of a store for networkx's algorithms.
"""

from __future__ import annotations

from .store.base import category

__all__ = ["category"]
