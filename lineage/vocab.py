"""The controlled vocabularies: record types and relation kinds.

Kept free of heavy imports so the CLI can build its option lists quickly.
"""

from __future__ import annotations

__all__ = [
    "RECORD_TYPES",
    "RELATION_KINDS",
    "WEIGHT_RELATIONS",
    "DATA_RELATIONS",
    "LINEAGE_RELATIONS",
    "KNOWLEDGE_RELATIONS",
    "RELATION_RULES",
]


WEIGHT_RELATIONS: tuple[str, ...] = (
    "finetune",
    "adapter",
    "quantized",
    "merge",
    "continued_pretraining",
    "variant",
    "successor",
    "reproduction",
    "architecture",
)
"""Weight lineage: the record's weights (or design) come from the target."""

DATA_RELATIONS: tuple[str, ...] = ("trained_on", "generated_by", "derived_from")
"""Data lineage: model <- dataset <- teacher model, dataset <- dataset."""

LINEAGE_RELATIONS: tuple[str, ...] = WEIGHT_RELATIONS + DATA_RELATIONS
"""Relations followed by ancestry and descendants queries."""

KNOWLEDGE_RELATIONS: tuple[str, ...] = (
    "uses_technique",
    "introduced_in",
    "developed_by",
    "evaluated_on",
    "licensed_under",
    "uses_model",
)
"""Relations that describe a record without making it derive from the target."""

RELATION_KINDS: tuple[str, ...] = LINEAGE_RELATIONS + KNOWLEDGE_RELATIONS


RECORD_TYPES: tuple[str, ...] = (
    "model",
    "family",
    "dataset",
    "technique",
    "paper",
    "organization",
    "benchmark",
    "software",
    "application",
    "license",
)

_MODELISH = frozenset({"model", "family"})
_ARTEFACT = frozenset({"model", "family", "dataset", "software", "application"})
_ANY = frozenset(RECORD_TYPES)

RELATION_RULES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # kind: (allowed record types, allowed target types)
    **{k: (_MODELISH | {"software"}, _MODELISH | {"software"}) for k in WEIGHT_RELATIONS},
    "trained_on": (_MODELISH, frozenset({"dataset"})),
    "generated_by": (frozenset({"dataset"}), _MODELISH),
    "derived_from": (frozenset({"dataset", "technique", "benchmark"}),
                     frozenset({"dataset", "technique", "benchmark"})),
    "uses_technique": (_ARTEFACT | {"technique", "paper"}, frozenset({"technique"})),
    "introduced_in": (_ANY - {"paper", "organization"}, frozenset({"paper"})),
    "developed_by": (_ANY - {"organization", "license"}, frozenset({"organization"})),
    "evaluated_on": (_MODELISH | {"software"}, frozenset({"benchmark"})),
    "licensed_under": (_ARTEFACT, frozenset({"license"})),
    "uses_model": (frozenset({"software", "application", "benchmark", "dataset", "model"}),
                   _MODELISH),
}
"""Which record types may state each relation, and which types it may point to."""


