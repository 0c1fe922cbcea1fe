"""RDF namespaces of the export, each term named once.

Our own vocabulary (:class:`LINEAGE`, described in ``graph/vocab.ttl``) and the
terms we use from vocabularies that rdflib does not ship as closed namespaces
(:class:`SCHEMA` with ``http://schema.org/``, :class:`FAIR4ML`,
:class:`CODEMETA`). Every class sets ``_fail = True``: a misspelt term is an
``AttributeError`` at once, never a silently wrong IRI.

schema.org is used with ``http://schema.org/`` (not ``https://``): it is the
form Wikidata's RDF, FAIR4ML and CodeMeta use, so exports join with them
without rewriting IRIs. (rdflib's own ``SDO`` namespace is the ``https`` form;
the tests check that every term named here exists in it.)
"""

from __future__ import annotations

import rdflib.namespace as _rns
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, Namespace
from rdflib.term import URIRef

# rdflib's XSD and DefinedNamespace are open namespaces that warn on unknown attributes
# (pytest's doctest collection probes module attributes): keep them out of this module.

__all__ = [
    "VOCAB_IRI",
    "DEFAULT_BASE",
    "LINEAGE",
    "SCHEMA",
    "FAIR4ML",
    "CODEMETA",
    "PROV",
    "DCTERMS",
    "SKOS",
    "RDF",
    "RDFS",
    "OWL",
    "SH",
    "PREFIXES",
]

VOCAB_IRI = "https://w3id.org/llm-lineage/vocab#"
"""The namespace of our vocabulary (``lineage:``)."""

DEFAULT_BASE = "https://w3id.org/llm-lineage/id/"
"""Default base of record IRIs (``kb:``): ``<base><record id>``."""


class LINEAGE(_rns.DefinedNamespace):
    """The lineage vocabulary: classes, properties and named individuals."""

    _NS = Namespace(VOCAB_IRI)
    _fail = True

    # classes
    Record: URIRef
    Model: URIRef
    ModelFamily: URIRef
    Dataset: URIRef
    Technique: URIRef
    Paper: URIRef
    Organization: URIRef
    Benchmark: URIRef
    Software: URIRef
    Application: URIRef
    License: URIRef
    Document: URIRef
    Relation: URIRef
    Source: URIRef
    Claim: URIRef
    RelationKind: URIRef
    Confidence: URIRef
    WeightsAccess: URIRef

    # statements and their provenance
    relationKind: URIRef
    confidence: URIRef
    source: URIRef
    claim: URIRef
    index: URIRef
    document: URIRef
    quote: URIRef
    locator: URIRef
    field: URIRef
    translation: URIRef
    technique: URIRef
    setting: URIRef

    # order of multi-valued literals (rdf:List)
    aliasOrder: URIRef
    urlOrder: URIRef
    authorOrder: URIRef
    modalityOrder: URIRef
    hubIdOrder: URIRef
    techniqueOrder: URIRef

    # direct relations without a standard term
    generatedBy: URIRef
    distilledFrom: URIRef
    usesTechnique: URIRef
    usesModel: URIRef
    influencedBy: URIRef

    # attributes
    parameters: URIRef
    trainingTokens: URIRef
    contextLength: URIRef
    weights: URIRef
    modality: URIRef
    hubId: URIRef
    examples: URIRef
    conversations: URIRef
    tokens: URIRef
    method: URIRef
    methodNote: URIRef
    datasetKind: URIRef
    category: URIRef
    arxiv: URIRef
    venue: URIRef
    publication: URIRef
    organizationKind: URIRef
    country: URIRef
    measures: URIRef
    metric: URIRef
    spdx: URIRef
    commercialUse: URIRef
    restrictsOutputs: URIRef
    reason: URIRef

    # individuals: relation kinds (the YAML names)
    finetune: URIRef
    adapter: URIRef
    quantized: URIRef
    merge: URIRef
    continued_pretraining: URIRef
    variant: URIRef
    successor: URIRef
    reproduction: URIRef
    architecture: URIRef
    builds_on: URIRef
    trained_on: URIRef
    distilled_from: URIRef
    generated_by: URIRef
    derived_from: URIRef
    uses_technique: URIRef
    introduced_in: URIRef
    developed_by: URIRef
    evaluated_on: URIRef
    licensed_under: URIRef
    uses_model: URIRef

    # individuals: confidence, access to weights, roles
    explicit: URIRef
    weak: URIRef
    open: URIRef
    restricted: URIRef
    closed: URIRef
    teacher: URIRef


class SCHEMA(_rns.DefinedNamespace):
    """The schema.org terms we use, in the ``http://schema.org/`` form."""

    _NS = Namespace("http://schema.org/")
    _fail = True

    CreativeWork: URIRef
    CreativeWorkSeries: URIRef
    Dataset: URIRef
    DefinedTerm: URIRef
    ScholarlyArticle: URIRef
    Organization: URIRef
    SoftwareSourceCode: URIRef
    SoftwareApplication: URIRef
    PropertyValue: URIRef

    name: URIRef
    alternateName: URIRef
    description: URIRef
    datePublished: URIRef
    url: URIRef
    sameAs: URIRef
    isBasedOn: URIRef
    citation: URIRef
    creator: URIRef
    license: URIRef
    author: URIRef
    codeRepository: URIRef
    value: URIRef
    propertyID: URIRef
    inLanguage: URIRef
    translationOfWork: URIRef


class FAIR4ML(_rns.DefinedNamespace):
    """FAIR4ML 0.1.0 terms (https://w3id.org/fair4ml)."""

    _NS = Namespace("https://w3id.org/fair4ml#")
    _fail = True

    MLModel: URIRef
    MLModelEvaluation: URIRef
    fineTunedFrom: URIRef
    trainedOn: URIRef
    evaluatedOn: URIRef
    hasEvaluation: URIRef
    evaluatedMLModel: URIRef
    evaluationDataset: URIRef
    evaluationMetrics: URIRef
    modelCategory: URIRef


class CODEMETA(_rns.DefinedNamespace):
    """CodeMeta 3 terms (https://w3id.org/codemeta/)."""

    _NS = Namespace("https://w3id.org/codemeta/")
    _fail = True

    referencePublication: URIRef


PREFIXES: dict[str, str] = {
    "lineage": VOCAB_IRI,
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "fair4ml": str(FAIR4ML),
    "codemeta": str(CODEMETA),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(_rns.XSD),
    "owl": str(OWL),
}
"""Every prefix an export binds (the record base is bound as ``kb:`` besides)."""
