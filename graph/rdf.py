"""RDF export and import of the knowledge base, lossless both ways.

Every record becomes a resource ``<base><id>`` (percent-encoded) typed with our
class (``lineage:Model`` ...) and the standard classes it belongs to
(``fair4ml:MLModel``, ``schema:Dataset``, ``prov:Entity`` ...). Every relation
becomes a direct triple in the standard vocabulary (``prov:wasDerivedFrom``,
``fair4ml:trainedOn``, ``schema:creator`` ...) *and* a qualified node carrying
the whole statement: its kind, confidence, sources (document, quote, locator),
note, techniques, date and, for ``evaluated_on``, the score::

    kb:alpaca-7b prov:wasDerivedFrom kb:llama-7b ;
        fair4ml:fineTunedFrom kb:llama-7b ;
        prov:qualifiedDerivation <.../alpaca-7b/finetune/llama-7b> .
    <.../alpaca-7b/finetune/llama-7b> a prov:Derivation, lineage:Relation ;
        prov:entity kb:llama-7b ;
        lineage:relationKind lineage:finetune ;
        lineage:confidence lineage:explicit ;
        lineage:source <.../alpaca-7b/finetune/llama-7b/source/1> .
    <.../alpaca-7b/finetune/llama-7b/source/1> a lineage:Source ;
        lineage:document "002_70697c1b2f561b7a.txt" ; lineage:quote "..."@zh .

Lineage relations of weights and data are qualified derivations,
``developed_by`` a ``prov:qualifiedAttribution``, ``evaluated_on`` a
``fair4ml:hasEvaluation``; the influence relations (``successor``,
``reproduction``, ``architecture``, ``builds_on``: no weights carried) and the
other knowledge relations a ``prov:qualifiedInfluence``, the influence ones with
the direct triples ``lineage:influencedBy`` and ``prov:wasInfluencedBy``. Names, aliases and quotes carry a language tag
(``"阿尔帕卡"@zh``). The order of lists (aliases, authors, relations, sources
...) is kept (``lineage:index``, and ``lineage:aliasOrder``-style ``rdf:List``
properties), so :func:`read_rdf` gives back records equal to the originals.
Every node is an IRI derived from the record id (no blank nodes), so exports
are stable, merge cleanly into a triple store and compare cheaply.

Exporters form a registry keyed by format name (:data:`EXPORTERS`);
:func:`to_rdf` returns text and :func:`write_rdf` writes a file atomically.
N-Triples is written by a streaming writer (:func:`iter_ntriples`) that never
builds an rdflib ``Graph``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Union
from urllib.parse import quote, unquote

import rdflib.namespace as _rns  # its XSD warns on probes: reach it through the module

from lineage.errors import DataError, Problem, QueryError, RdfError
from lineage.load import KnowledgeBase, Origin, loads
from lineage.output import write_text_atomic
from lineage.records import (
    INFLUENCE_RELATIONS,
    LINEAGE_RELATIONS,
    RELATION_KINDS,
    Claim,
    Record,
    Relation,
    Source,
)

from .ns import (
    CODEMETA,
    DCTERMS,
    DEFAULT_BASE,
    FAIR4ML,
    LINEAGE,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
)

if TYPE_CHECKING:
    import rdflib

    from .store.base import Store

__all__ = [
    "DEFAULT_BASE",
    "RdfFormat",
    "EXPORTERS",
    "FORMATS",
    "READ_FORMATS",
    "Lit",
    "check_base",
    "record_iri",
    "language_of",
    "iter_triples",
    "iter_ntriples",
    "iter_turtle",
    "iter_jsonld",
    "to_graph",
    "to_rdf",
    "write_rdf",
    "focus_graph",
    "rdf_format_for",
    "parse_rdf",
    "graph_to_items",
    "read_rdf_items",
    "read_rdf",
    "records_to_yaml",
    "validate_rdf",
    "load_shapes",
    "load_vocabulary",
]

VOCAB_PATH = Path(__file__).parent / "vocab.ttl"
SHAPES_PATH = Path(__file__).parent / "shapes.ttl"

Exportable = Union[KnowledgeBase, "Store"]


# --- terms ------------------------------------------------------------------


class Lit(NamedTuple):
    """A literal: lexical form, and a datatype IRI or a language tag (or neither)."""

    lexical: str
    datatype: str | None = None
    lang: str | None = None


Term = Union[str, Lit]
"""An IRI (plain ``str``) or a :class:`Lit`. Exports have no blank nodes."""

Triple = tuple[str, str, Term]

_S = str  # IRIs are plain strings on the hot path: name each term once, as text

T_TYPE = _S(RDF.type)
T_FIRST, T_REST, T_NIL = _S(RDF.first), _S(RDF.rest), _S(RDF.nil)
T_LABEL = _S(RDFS.label)
T_ID = _S(DCTERMS.identifier)
X_STRING, X_INTEGER, X_DOUBLE = _S(_rns.XSD.string), _S(_rns.XSD.integer), _S(_rns.XSD.double)
X_BOOLEAN, X_ANYURI = _S(_rns.XSD.boolean), _S(_rns.XSD.anyURI)
X_GYEAR, X_GYEARMONTH, X_DATE = _S(_rns.XSD.gYear), _S(_rns.XSD.gYearMonth), _S(_rns.XSD.date)
_DATE_TYPES = {4: X_GYEAR, 7: X_GYEARMONTH, 10: X_DATE}

L_RELATION, L_SOURCE, L_CLAIM = _S(LINEAGE.Relation), _S(LINEAGE.Source), _S(LINEAGE.Claim)
L_KIND, L_CONF, L_INDEX = _S(LINEAGE.relationKind), _S(LINEAGE.confidence), _S(LINEAGE.index)
L_HAS_SOURCE, L_HAS_CLAIM = _S(LINEAGE.source), _S(LINEAGE.claim)
L_DOCUMENT, L_QUOTE, L_LOCATOR, L_FIELD = (
    _S(LINEAGE.document), _S(LINEAGE.quote), _S(LINEAGE.locator), _S(LINEAGE.field))
L_TRANSLATION = _S(LINEAGE.translation)
L_TECHNIQUE, L_TECH_ORDER = _S(LINEAGE.technique), _S(LINEAGE.techniqueOrder)
L_SETTING = _S(LINEAGE.setting)
P_NOTE, P_DATE = _S(SKOS.note), _S(DCTERMS.date)
S_NAME, S_VALUE, S_PROPERTY_ID = _S(SCHEMA.name), _S(SCHEMA.value), _S(SCHEMA.propertyID)
S_PROPERTY_VALUE, S_SAME_AS = _S(SCHEMA.PropertyValue), _S(SCHEMA.sameAs)
F_EVAL_MODEL, F_EVAL_METRICS = _S(FAIR4ML.evaluatedMLModel), _S(FAIR4ML.evaluationMetrics)
P_ROLE, L_TEACHER = _S(PROV.hadRole), _S(LINEAGE.teacher)

_VOCAB = _S(LINEAGE)


def _term(name: str) -> str:
    """The IRI of a named individual of our vocabulary (relation kinds, access ...)."""
    return _S(LINEAGE[name])


# --- the mapping: one table read by the writer and the reader ---------------


@dataclass(frozen=True)
class _Attr:
    """How one record field maps to RDF."""

    field: str
    predicate: str
    kind: str  # text (language-tagged) | str | int | float | bool | date | url | enum
    also: tuple[str, ...] = ()
    many: bool = False
    order: str | None = None


def _a(field: str, predicate: Any, kind: str = "str", *, also: Iterable[Any] = (),
       many: bool = False, order: Any = None) -> _Attr:
    return _Attr(field, _S(predicate), kind, tuple(_S(p) for p in also), many,
                 _S(order) if order is not None else None)


COMMON_ATTRS: tuple[_Attr, ...] = (
    _a("name", SCHEMA.name, "text", also=[RDFS.label]),
    _a("aliases", SCHEMA.alternateName, "text", many=True, order=LINEAGE.aliasOrder),
    _a("description", SCHEMA.description),
    _a("date", SCHEMA.datePublished, "date", also=[DCTERMS.issued]),
    _a("urls", SCHEMA.url, "url", many=True, order=LINEAGE.urlOrder),
    _a("note", SKOS.note),
)

_WEIGHTS = _a("weights", LINEAGE.weights, "enum")
_HUB = _a("hub_ids", LINEAGE.hubId, many=True, order=LINEAGE.hubIdOrder)


@dataclass(frozen=True)
class _Type:
    cls: str
    also: tuple[str, ...]
    attrs: tuple[_Attr, ...]


def _t(cls: Any, also: Iterable[Any], attrs: Iterable[_Attr] = ()) -> _Type:
    return _Type(_S(cls), (_S(LINEAGE.Record), *(_S(c) for c in also)), tuple(attrs))


TYPES: dict[str, _Type] = {
    "model": _t(LINEAGE.Model, [FAIR4ML.MLModel, PROV.Entity], [
        _a("parameters", LINEAGE.parameters, "int"),
        _a("training_tokens", LINEAGE.trainingTokens, "int"),
        _a("context_length", LINEAGE.contextLength, "int"),
        _WEIGHTS,
        _a("architecture", FAIR4ML.modelCategory),
        _a("modality", LINEAGE.modality, many=True, order=LINEAGE.modalityOrder),
        _HUB,
    ]),
    "family": _t(LINEAGE.ModelFamily, [SCHEMA.CreativeWorkSeries, PROV.Entity], [_WEIGHTS]),
    "dataset": _t(LINEAGE.Dataset, [SCHEMA.Dataset, PROV.Entity], [
        _a("examples", LINEAGE.examples, "int"),
        _a("conversations", LINEAGE.conversations, "int"),
        _a("tokens", LINEAGE.tokens, "int"),
        _a("method", LINEAGE.method),
        _a("method_note", LINEAGE.methodNote),
        _a("kind", LINEAGE.datasetKind),
        _HUB,
    ]),
    "technique": _t(LINEAGE.Technique, [SCHEMA.DefinedTerm, PROV.Entity], [
        _a("category", LINEAGE.category),
    ]),
    "paper": _t(LINEAGE.Paper, [SCHEMA.ScholarlyArticle, PROV.Entity], [
        _a("title", DCTERMS.title, "text"),
        _a("authors", SCHEMA.author, many=True, order=LINEAGE.authorOrder),
        _a("arxiv", LINEAGE.arxiv),
        _a("venue", LINEAGE.venue),
    ]),
    "organization": _t(LINEAGE.Organization, [SCHEMA.Organization, PROV.Organization], [
        _a("kind", LINEAGE.organizationKind),
        _a("country", LINEAGE.country),
    ]),
    "benchmark": _t(LINEAGE.Benchmark, [SCHEMA.Dataset, PROV.Entity], [
        _a("measures", LINEAGE.measures),
        _a("metric", LINEAGE.metric),
    ]),
    "software": _t(LINEAGE.Software, [SCHEMA.SoftwareSourceCode, PROV.Entity], [
        _a("repository", SCHEMA.codeRepository, "url"),
    ]),
    "application": _t(LINEAGE.Application, [SCHEMA.SoftwareApplication, PROV.Entity]),
    "license": _t(LINEAGE.License, [SCHEMA.CreativeWork, DCTERMS.LicenseDocument,
                                    PROV.Entity], [
        _a("spdx", LINEAGE.spdx),
        _a("commercial_use", LINEAGE.commercialUse, "bool"),
        _a("restricts_outputs", LINEAGE.restrictsOutputs, "bool"),
        _a("why", LINEAGE.reason),
    ]),
    "document": _t(LINEAGE.Document, [SCHEMA.CreativeWork, PROV.Entity], [
        _a("title", DCTERMS.title, "text"),
        _a("authors", SCHEMA.author, many=True, order=LINEAGE.authorOrder),
        _a("publication", LINEAGE.publication),
        _a("language", SCHEMA.inLanguage, also=[DCTERMS.language]),
        _a("translation_of", SCHEMA.translationOfWork, "url"),
    ]),
}
"""Record type -> our class, the standard classes, and the type's own fields."""

HANDLED_FIELDS = frozenset({"id", "type", "sources", "relations", "claims"})
"""Record fields written by code rather than by the attribute table."""


@dataclass(frozen=True)
class _Qualifier:
    link: str  # record -> qualified node
    classes: tuple[str, ...]
    target: str  # qualified node -> target record


_DERIVATION = _Qualifier(_S(PROV.qualifiedDerivation), (_S(PROV.Derivation),), _S(PROV.entity))
_ATTRIBUTION = _Qualifier(_S(PROV.qualifiedAttribution), (_S(PROV.Attribution),),
                          _S(PROV.agent))
_EVALUATION = _Qualifier(_S(FAIR4ML.hasEvaluation), (_S(FAIR4ML.MLModelEvaluation),),
                         _S(FAIR4ML.evaluationDataset))
_INFLUENCE = _Qualifier(_S(PROV.qualifiedInfluence), (_S(PROV.Influence),),
                        _S(PROV.influencer))
QUALIFIERS: tuple[_Qualifier, ...] = (_DERIVATION, _ATTRIBUTION, _EVALUATION, _INFLUENCE)


def _qualifier(kind: str) -> _Qualifier:
    if kind in LINEAGE_RELATIONS and kind not in INFLUENCE_RELATIONS:
        return _DERIVATION
    if kind == "developed_by":
        return _ATTRIBUTION
    if kind == "evaluated_on":
        return _EVALUATION
    return _INFLUENCE


_WEIGHT_DIRECT = (PROV.wasDerivedFrom, SCHEMA.isBasedOn)
DIRECT: dict[str, tuple[str, ...]] = {
    k: tuple(_S(p) for p in ps) for k, ps in {
        "finetune": (*_WEIGHT_DIRECT, FAIR4ML.fineTunedFrom),
        "adapter": _WEIGHT_DIRECT,
        "quantized": _WEIGHT_DIRECT,
        "merge": _WEIGHT_DIRECT,
        "continued_pretraining": _WEIGHT_DIRECT,
        "variant": _WEIGHT_DIRECT,
        # influence: no weights carried, so no prov:wasDerivedFrom (lineage:influencedBy is a
        # sub-property of prov:wasInfluencedBy)
        **dict.fromkeys(INFLUENCE_RELATIONS, (LINEAGE.influencedBy, PROV.wasInfluencedBy)),
        "trained_on": (PROV.wasDerivedFrom, FAIR4ML.trainedOn),
        # a student learns from its teacher's outputs: derived from it, not its weights
        "distilled_from": (PROV.wasDerivedFrom, LINEAGE.distilledFrom),
        "generated_by": (PROV.wasDerivedFrom, LINEAGE.generatedBy),
        "derived_from": (PROV.wasDerivedFrom, SCHEMA.isBasedOn),
        "uses_technique": (LINEAGE.usesTechnique,),
        "introduced_in": (CODEMETA.referencePublication, SCHEMA.citation),
        "developed_by": (SCHEMA.creator, PROV.wasAttributedTo),
        "evaluated_on": (FAIR4ML.evaluatedOn,),
        "licensed_under": (SCHEMA.license, DCTERMS.license),
        "uses_model": (LINEAGE.usesModel, PROV.wasInfluencedBy),
    }.items()
}
"""Relation kind -> the direct triples written beside its qualified node."""

_KIND_BY_IRI = {_term(k): k for k in RELATION_KINDS}
_CONFIDENCE_BY_IRI = {_term(c): c for c in ("explicit", "weak")}
_WEIGHTS_BY_IRI = {_term(w): w for w in ("open", "restricted", "closed")}
_TYPE_BY_CLASS = {t.cls: name for name, t in TYPES.items()}


# --- IRIs and literals ------------------------------------------------------

_BASE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`\x7f]*[/#]$")
_IRI_SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`\x7f]*$")


def check_base(base: str) -> str:
    """Return ``base`` if it can prefix record ids, else raise :class:`RdfError`.

    >>> check_base("https://example.org/kg/")
    'https://example.org/kg/'
    >>> check_base("example")
    Traceback (most recent call last):
    ...
    lineage.errors.RdfError: 'example' is not a usable base IRI. Give an absolute IRI ending in '/' or '#' with no spaces, quotes or angle brackets, e.g. https://w3id.org/llm-lineage/id/.
    """
    if not isinstance(base, str) or not _BASE_RE.match(base):
        raise RdfError(
            f"{base!r} is not a usable base IRI. Give an absolute IRI ending in '/' or '#' "
            f"with no spaces, quotes or angle brackets, e.g. {DEFAULT_BASE}."
        )
    return base


@functools.lru_cache(maxsize=1 << 16)
def _quote_id(record_id: str) -> str:
    if record_id in ("", ".", ".."):
        return quote(record_id, safe="") or "%00"
    return quote(record_id, safe="-._~")


def record_iri(record_id: str, base: str = DEFAULT_BASE) -> str:
    """The IRI of a record: ``base`` plus the percent-encoded id.

    >>> record_iri("gpt-3.5")
    'https://w3id.org/llm-lineage/id/gpt-3.5'
    >>> record_iri('a b"<c>', "https://example.org/")
    'https://example.org/a%20b%22%3Cc%3E'
    """
    if _UNRESERVED.match(record_id) and record_id not in (".", ".."):
        return base + record_id  # what quoting leaves as it is (most ids): no call
    return base + _quote_id(record_id)


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+\Z")


def language_of(text: str) -> str:
    """The language tag a name, alias, title or quote gets.

    Han characters give ``zh`` (``ja`` with kana, ``ko`` with Hangul); text in
    Latin script, digits and punctuation gives ``en``; any other script ``und``
    (BCP 47 "undetermined"). Every such literal is tagged, so SPARQL can filter
    on ``LANG()`` and SHACL can require ``rdf:langString``.

    >>> language_of("阿尔帕卡"), language_of("LLaMA-7B"), language_of("Ünïcode")
    ('zh', 'en', 'en')
    >>> language_of("ラマ"), language_of("Лама")
    ('ja', 'und')
    """
    if text.isascii():
        return "en"
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "zh"
    latin = all(not ch.isalpha() or ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF
                or 0xFF00 <= ord(ch) <= 0xFFEF for ch in text)
    return "en" if latin else "und"


_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def _double(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "INF" if v > 0 else "-INF"
    return repr(float(v))


def _text(v: str) -> Lit:
    return Lit(v, None, language_of(v))


def _url(v: str) -> Term:
    """An http(s) URL as an IRI when it is a valid one, else an ``xsd:anyURI`` literal."""
    return v if _IRI_SAFE.match(v) else Lit(v, X_ANYURI)


def _value_term(attr: _Attr, v: Any) -> Term:
    kind = attr.kind
    if kind == "text":
        return _text(v)
    if kind == "str":
        return Lit(v)
    if kind == "int":
        return Lit(str(int(v)), X_INTEGER)
    if kind == "float":
        return Lit(_double(v), X_DOUBLE)
    if kind == "bool":
        return Lit("true" if v else "false", X_BOOLEAN)
    if kind == "date":
        return Lit(v, _DATE_TYPES.get(len(v), X_STRING))
    if kind == "url":
        return _url(v)
    if kind == "enum":
        return _term(v)
    raise AssertionError(f"unknown attribute kind {kind!r}")  # pragma: no cover


# --- the writer: records -> triples ----------------------------------------


_Add = Callable[[Triple], None]


def _list_triples(add: _Add, subject: str, predicate: str, items: list[Term]) -> None:
    """An ``rdf:List`` whose cells are IRIs (``<subject>/<name>/<n>``): the export stays
    free of blank nodes, so it merges, diffs and compares (isomorphism) cheaply."""
    name = predicate.rsplit("#", 1)[-1]
    cells = [f"{subject}/{name}/{i + 1}" for i in range(len(items))]
    add((subject, predicate, cells[0]))
    for i, (cell, item) in enumerate(zip(cells, items, strict=True)):
        add((cell, T_FIRST, item))
        add((cell, T_REST, cells[i + 1] if i + 1 < len(cells) else T_NIL))


def _attr_triples(add: _Add, subject: str, attr: _Attr, value: Any) -> None:
    if value is None:
        return
    if attr.many:
        if not value:
            return
        terms = [_value_term(attr, v) for v in value]
        for t in dict.fromkeys(terms):
            add((subject, attr.predicate, t))
            for p in attr.also:
                add((subject, p, t))
        if len(terms) > 1 and attr.order:
            _list_triples(add, subject, attr.order, terms)
        return
    t = _value_term(attr, value)
    add((subject, attr.predicate, t))
    for p in attr.also:
        add((subject, p, t))


def _source_triples(add: _Add, parent: str, j: int, src: Source) -> None:
    node = f"{parent}/source/{j + 1}"
    add((parent, L_HAS_SOURCE, node))
    add((node, T_TYPE, L_SOURCE))
    add((node, L_INDEX, Lit(str(j), X_INTEGER)))
    add((node, L_DOCUMENT, Lit(src.document)))
    if src.quote is not None:
        add((node, L_QUOTE, _text(src.quote)))
    if src.locator is not None:
        add((node, L_LOCATOR, Lit(src.locator)))
    if src.field is not None:
        add((node, L_FIELD, Lit(src.field)))
    if getattr(src, "translation", None) is not None:
        add((node, L_TRANSLATION, Lit(src.translation, None, "en")))


def _relation_nodes(rec_iri: str, relations: list[Relation]) -> list[str]:
    """IRIs of a record's relation nodes: ``<record>/<kind>/<target>`` (+ ``/n`` if repeated)."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for rel in relations:
        key = (rel.relation, rel.target)
        n = seen.get(key, 0) + 1
        seen[key] = n
        node = f"{rec_iri}/{rel.relation}/{_quote_id(rel.target)}"
        out.append(node if n == 1 else f"{node}/{n}")
    return out


def _relation_triples(add: _Add, rec_iri: str, node: str, k: int, rel: Relation,
                      techniques: list[str], base: str, direct: set[tuple[str, str]]) -> None:
    q = _qualifier(rel.relation)
    target = record_iri(rel.target, base)
    for p in DIRECT[rel.relation]:
        if (p, target) not in direct:  # two relations may share a direct triple: write it once
            direct.add((p, target))
            add((rec_iri, p, target))
    add((rec_iri, q.link, node))
    add((node, T_TYPE, L_RELATION))
    for c in q.classes:
        add((node, T_TYPE, c))
    add((node, q.target, target))
    add((node, L_KIND, _term(rel.relation)))
    add((node, L_CONF, _term(rel.confidence)))
    add((node, L_INDEX, Lit(str(k), X_INTEGER)))
    if rel.relation in ("generated_by", "distilled_from"):
        add((node, P_ROLE, L_TEACHER))
    if rel.note is not None:
        add((node, P_NOTE, Lit(rel.note)))
    if rel.date is not None:
        add((node, P_DATE, Lit(rel.date, _DATE_TYPES.get(len(rel.date), X_STRING))))
    if techniques:
        terms: list[Term] = [record_iri(t, base) for t in techniques]
        for t in dict.fromkeys(terms):
            add((node, L_TECHNIQUE, t))
        if len(terms) > 1:
            _list_triples(add, node, L_TECH_ORDER, terms)
    if rel.relation == "evaluated_on":
        add((node, F_EVAL_MODEL, rec_iri))
        result = f"{node}/result"
        add((node, F_EVAL_METRICS, result))
        add((result, T_TYPE, S_PROPERTY_VALUE))
        if rel.metric is not None:
            add((result, S_NAME, Lit(rel.metric)))
        if rel.score is not None:
            add((result, S_VALUE, Lit(_double(rel.score), X_DOUBLE)))
    if rel.setting is not None:
        add((node, L_SETTING, Lit(rel.setting)))
    for j, src in enumerate(rel.sources):
        _source_triples(add, node, j, src)


def _claim_triples(add: _Add, rec_iri: str, i: int, claim: Claim) -> None:
    node = f"{rec_iri}/claim/{i + 1}"
    add((rec_iri, L_HAS_CLAIM, node))
    add((node, T_TYPE, L_CLAIM))
    add((node, T_TYPE, S_PROPERTY_VALUE))
    add((node, L_INDEX, Lit(str(i), X_INTEGER)))
    add((node, S_PROPERTY_ID, Lit(claim.topic)))
    add((node, S_VALUE, Lit(claim.value)))
    if claim.note is not None:
        add((node, P_NOTE, Lit(claim.note)))
    for j, src in enumerate(claim.sources):
        _source_triples(add, node, j, src)


def _record_triples(rec: Record, relations: list[tuple[int, Relation, list[str]]],
                    base: str) -> list[Triple]:
    """Every triple of one record, in a list (one frame per triple is the hot path)."""
    out: list[Triple] = []
    add = out.append
    spec = TYPES[rec.type]
    iri = record_iri(rec.id, base)
    add((iri, T_TYPE, spec.cls))
    for c in spec.also:
        add((iri, T_TYPE, c))
    add((iri, T_ID, Lit(rec.id)))
    for attrs in (COMMON_ATTRS, spec.attrs):
        for attr in attrs:
            value = getattr(rec, attr.field)
            if value is not None and (value or not attr.many):  # most are unset: no call
                _attr_triples(add, iri, attr, value)
    arxiv = getattr(rec, "arxiv", None)
    if arxiv:
        add((iri, S_SAME_AS, f"https://arxiv.org/abs/{quote(arxiv, safe='.')}"))
    spdx = getattr(rec, "spdx", None)
    if spdx and re.match(r"^[A-Za-z0-9.+\-]+$", spdx):
        add((iri, S_SAME_AS, f"http://spdx.org/licenses/{spdx}"))
    for j, src in enumerate(rec.sources):
        _source_triples(add, iri, j, src)
    nodes = _relation_nodes(iri, rec.relations)
    direct: set[tuple[str, str]] = set()
    for k, rel, techniques in relations:  # a stored relation keeps its place in its record
        _relation_triples(add, iri, nodes[k], rel.__dict__.get("_pos", k), rel, techniques,
                          base, direct)
    for i, claim in enumerate(rec.claims):
        _claim_triples(add, iri, i, claim)
    return out


_Kept = list[tuple[int, Relation, list[str]]]


def _triples_of(rec: Any, relations: _Kept, base: str) -> list[Triple]:
    """:func:`_record_triples`, with a record read from a store on disk that the writer
    cannot read (a damaged or planted store) reported in one line, not a traceback."""
    try:
        return _record_triples(rec, relations, base)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        if not isinstance(rec, _Plain):  # a validated record: a bug, not bad data
            raise
        raise _damaged(getattr(rec, "_where", "store"), getattr(rec, "id", "?"), e) from None


def _damaged(where: str, rid: str, e: Exception) -> RdfError:
    return RdfError(f"{where}: record {rid!r} in the store cannot be read ({type(e).__name__}: "
                    f"{str(e)[:80]}); the store is damaged: rebuild it with "
                    f"'lineage --data-dir DIR index -o {where}'.")


def _records(source: Any) -> Iterator[tuple[Record, _Kept]]:
    """The records to export and, for each, the (position, relation, techniques) kept.

    Checks the type of ``source`` at once (not when the first record is asked for).
    """
    if isinstance(source, KnowledgeBase):
        return _kb_records(source)
    from .store.base import Store

    if isinstance(source, Store):
        return _store_records(source)
    raise QueryError(
        f"cannot export a {type(source).__name__} as RDF; pass a KnowledgeBase from "
        "lineage.load.load() or a store from graph.open_store()."
    )


def _kb_records(kb: KnowledgeBase) -> Iterator[tuple[Record, _Kept]]:
    for rid in sorted(kb.records):
        rec = kb.records[rid]
        yield rec, [(k, r, list(r.techniques)) for k, r in enumerate(rec.relations)]


@functools.cache
def _defaults() -> dict[str, dict[str, Any]]:
    """Each record model's fields and their defaults (``relation``, ``source`` and ``claim``
    too): what a stored record that omits a field stands for."""
    from pydantic_core import PydanticUndefined

    from lineage import records as R

    def of(model: Any) -> dict[str, Any]:
        out = {}
        for name, f in model.model_fields.items():
            if f.default_factory is not None:
                out[name] = f.default_factory()
            else:
                out[name] = None if f.default is PydanticUndefined else f.default
        return out

    models = {t: getattr(R, t.capitalize()) for t in TYPES}
    return {**{t: of(m) for t, m in models.items()}, "relation": of(R.Relation),
            "source": of(R.Source), "claim": of(R.Claim)}


class _Plain:
    """A stored record (or source, relation, claim) read as it is: its JSON object is the
    instance's attributes, the fields it omits fall back to the model's defaults, which
    each subclass holds as class attributes (nothing is copied per record)."""


@functools.cache
def _plain_class(kind: str) -> type[_Plain]:
    return type(f"_Plain_{kind}", (_Plain,), dict(_defaults()[kind]))


def _plain(kind: str, data: dict[str, Any]) -> Any:
    obj = _Plain.__new__(_plain_class(kind))
    obj.__dict__ = data
    return obj


def _stored_relation(target: str, kind: str, pos: int, confidence: str, body: str) -> Any:
    """A stored relation as a plain object (``_pos``: its place in its record)."""
    r = json.loads(body)
    r["sources"] = [_plain("source", x) for x in r.get("sources") or ()]
    r["relation"], r["target"], r["confidence"], r["_pos"] = kind, target, confidence, pos
    return _plain("relation", r)


def _plain_records(rows: Iterable[tuple[str, str, list[tuple]]], where: str
                   ) -> Iterator[tuple[Any, _Kept]]:
    """Stored records as plain objects the writer reads like the models (no validation:
    the fast path of an export from a store). A record the writer cannot read (a damaged
    or planted store) stops the export with :class:`RdfError` naming it."""

    def sources(items: Any) -> list[Any]:
        return [_plain("source", x) for x in items]

    for rid, body, edges in rows:
        try:
            data = json.loads(body)
            data["sources"] = sources(data.get("sources") or ())
            if data.get("claims"):
                data["claims"] = [_plain("claim", {**c, "sources": sources(c["sources"])})
                                  for c in data["claims"]]
            rels = [_stored_relation(dst, kind, pos, conf, rbody)
                    for dst, kind, pos, conf, rbody in edges]
            data["relations"] = rels
            data["_where"] = where
            rec = _plain(data["type"], data)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise _damaged(where, rid, e) from None
        yield rec, [(k, r, list(r.techniques)) for k, r in enumerate(rels)]


def _store_records(S: Any) -> Iterator[tuple[Record, _Kept]]:
    from .store.views import iter_pydantic_records

    if getattr(S, "iter_sorted_rows", None) is not None:  # a whole store on disk
        yield from _plain_records(S.iter_sorted_rows(), str(getattr(S, "path", "store")))
        return
    view = hasattr(S, "base")  # as_of, focus ...: keep only the relations the view keeps
    for rec in iter_pydantic_records(S):
        present = {e.key for e in S.out_edges(rec.id)} if view else None
        kept = [(k, r, [t for t in r.techniques if t in S])
                for k, r in enumerate(rec.relations)
                if present is None or f"{r.relation}:{k}" in present]
        yield rec, kept


def iter_triples(source: Exportable, *, base: str = DEFAULT_BASE) -> Iterator[Triple]:
    """Yield every triple of the export of ``source``, record by record (sorted by id).

    ``source`` is a :class:`~lineage.load.KnowledgeBase` (everything) or a
    :class:`graph.store.Store`, possibly a view (``as_of``, :func:`focus_graph`):
    then only its records and relations are exported.
    The base is checked before the first triple.

    >>> from graph.query import example_store
    >>> triples = list(iter_triples(example_store(), base="https://example.org/"))
    >>> ('https://example.org/alpaca-7b', 'http://www.w3.org/ns/prov#wasDerivedFrom',
    ...  'https://example.org/llama-7b') in triples
    True
    """
    check_base(base)
    records = _records(source)  # validates the source type at once
    return _iter_triples(records, base)


def _iter_triples(records: Iterator, base: str) -> Iterator[Triple]:
    for rec, relations in records:
        yield from _triples_of(rec, relations, base)


# --- N-Triples, streamed ----------------------------------------------------

_NT_ESCAPES = {c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F)}
_NT_ESCAPES.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r",
                    ord("\t"): "\\t", ord("\b"): "\\b", ord("\f"): "\\f"})
"""Canonical N-Triples escapes (RDF 1.1 section 4): ECHAR where one exists, else UCHAR."""


def _nt_term(t: Term) -> str:
    if type(t) is str:
        return f"<{t}>"
    lex = t.lexical.translate(_NT_ESCAPES)  # type: ignore[union-attr]
    if t.lang:  # type: ignore[union-attr]
        return f'"{lex}"@{t.lang}'  # type: ignore[union-attr]
    if t.datatype and t.datatype != X_STRING:  # type: ignore[union-attr]
        return f'"{lex}"^^<{t.datatype}>'  # type: ignore[union-attr]
    return f'"{lex}"'


def iter_ntriples(source: Exportable, *, base: str = DEFAULT_BASE,
                  jobs: int | None = None) -> Iterator[str]:
    """Yield the N-Triples export in chunks of whole lines, without an rdflib Graph.

    A whole store or knowledge base is written in one order, whatever holds it:
    each record's own triples, by id, then the relations' triples, by target,
    stating record and position (the order a store on disk keeps its relations,
    read in one pass). A view (``as_of``, :func:`focus_graph`) is written record
    by record, each with its relations. From a store on disk, memory stays
    bounded (a record or a group of relations, and a cache of formatted terms),
    so a large graph streams straight to a file or a pipe. The base and the type
    of ``source`` are checked before the first chunk.

    >>> from graph.query import example_store
    >>> text = "".join(iter_ntriples(example_store()))
    >>> '"阿尔帕卡"@zh' in text, len(text.splitlines()) > 50
    (True, True)
    """
    check_base(base)
    records = _records(source)  # checks the type of source at once
    n = _jobs(source, jobs)
    if n > 1:
        return _parallel_ntriples(source, base, n)
    if _whole_on_disk(source):
        where = str(source.path)
        return itertools.chain(_nt_records(source, None, None, base, where),
                               _nt_relations(source, None, None, base, where))
    if _whole_in_memory(source):
        return _nt_in_order(records, base)
    return _iter_ntriples(records, base)


def _whole_in_memory(S: Any) -> bool:
    """Whether ``S`` is a knowledge base or a whole in-memory store (not a view)."""
    from .store.memory import MemoryStore

    return isinstance(S, (KnowledgeBase, MemoryStore))  # views are other classes


def _whole_on_disk(S: Any) -> bool:
    """Whether ``S`` is a whole store on disk, read in table order by the exports."""
    return (getattr(S, "iter_relation_rows", None) is not None
            and str(getattr(S, "path", ":memory:")) != ":memory:")


def _nt_lines(triples: Iterable[Triple], cache: dict[Any, str],
              append: Callable[[str], None]) -> None:
    """Append the N-Triples lines of ``triples``; literals are formatted once (``cache``)."""
    get = cache.get
    for s, p, o in triples:
        if type(o) is str:
            append(f"<{s}> <{p}> <{o}> .\n")
        else:
            oo = get(o)
            if oo is None:
                oo = cache[o] = _nt_term(o)
            append(f"<{s}> <{p}> {oo} .\n")


def _iter_ntriples(records: Iterator[tuple[Record, _Kept]], base: str) -> Iterator[str]:
    cache: dict[Any, str] = {}  # literals, formatted once
    for rec, kept in records:
        lines: list[str] = []
        _nt_lines(_triples_of(rec, kept, base), cache, lines.append)
        if len(cache) > 200_000:
            cache.clear()
        yield "".join(lines)


def _nt_records(S: Any, lo: Any, hi: Any, base: str, where: str) -> Iterator[str]:
    """N-Triples of the records of store ``S`` with ``lo <= id < hi``, without their
    relations (:func:`_nt_relations` writes those)."""
    rows = ((rid, body, ()) for rid, body in S.iter_record_rows(lo, hi))
    return _iter_ntriples(_plain_records(rows, where), base)


def _nt_relations(S: Any, lo: Any, hi: Any, base: str, where: str) -> Iterator[str]:
    """N-Triples of the relations of store ``S`` with ``lo <= (target, source) < hi``, read
    in the table's own order (one pass, no lookup per relation, unlike reading them by
    stating record)."""
    return _nt_relation_groups(_stored_groups(S.iter_relation_rows(lo, hi), where), base,
                               where)


def _stored_groups(rows: Iterable[tuple], where: str
                   ) -> Iterator[tuple[str, list[tuple[int, Any, list[str]]]]]:
    """Stored relation rows (by target, source, position) as groups: the stating record's
    id and its ``(position, relation, techniques)`` about one target."""
    group: list[tuple[int, Any, list[str]]] = []
    key = None
    for dst, src, kind, pos, conf, body in rows:
        if (dst, src) != key:
            if group:
                yield key[1], group  # type: ignore[index]
            group, key = [], (dst, src)
        try:
            rel = _stored_relation(dst, kind, pos, conf, body)
            group.append((pos, rel, list(rel.techniques)))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise _damaged(where, src, e) from None
    if group:
        yield key[1], group  # type: ignore[index]


def _nt_relation_groups(groups: Iterable[tuple[str, list[tuple[int, Any, list[str]]]]],
                        base: str, where: str) -> Iterator[str]:
    """N-Triples of relation groups (a record's relations about one target, by position):
    the triples of a relation depend only on the relations its record states about the
    same target (node numbers, shared direct triples)."""
    cache: dict[Any, str] = {}
    lines: list[str] = []
    for src, group in groups:
        iri = record_iri(src, base)
        nodes = _relation_nodes(iri, [rel for _, rel, _ in group])
        out: list[Triple] = []
        direct: set[tuple[str, str]] = set()
        try:
            for (pos, rel, techniques), node in zip(group, nodes, strict=True):
                _relation_triples(out.append, iri, node, pos, rel, techniques, base, direct)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            if not isinstance(group[0][1], _Plain):  # a validated record: a bug, not bad data
                raise
            raise _damaged(where, src, e) from None
        _nt_lines(out, cache, lines.append)
        if len(lines) > 2000:
            yield "".join(lines)
            lines.clear()
            if len(cache) > 200_000:
                cache.clear()
    if lines:
        yield "".join(lines)


def _nt_in_order(records: Iterator[tuple[Record, _Kept]], base: str) -> Iterator[str]:
    """N-Triples of a whole source held in memory, in the order of a store on disk (so
    every kind of store writes the same file): each record's own triples, by id, then the
    relations, by target, stating record and position."""
    held: list[tuple[str, str, int, Any, list[str]]] = []

    def own() -> Iterator[tuple[Record, _Kept]]:
        for rec, kept in records:
            held.extend((rel.target, rec.id, k, rel, techniques) for k, rel, techniques in kept)
            yield rec, []

    yield from _iter_ntriples(own(), base)
    held.sort(key=lambda h: (h[0], h[1], h[2]))
    groups = ((src, [(k, rel, techniques) for _, _, k, rel, techniques in items])
              for (_, src), items in itertools.groupby(held, key=lambda h: (h[0], h[1])))
    yield from _nt_relation_groups(groups, base, "knowledge base")


PARALLEL_MIN = 20_000
"""A store with at least this many records is exported to N-Triples by several processes."""


def _nt_part(path: str, what: str, lo: Any, hi: Any, base: str, out: str) -> str:
    """Write the N-Triples of the records with ``lo <= id < hi`` (``what`` is
    ``"records"``) or of the relations with ``lo <= (target, source) < hi``
    (``"relations"``) of the store at ``path`` to the file ``out`` (run in a worker
    process); returns ``out``."""
    from .store.sqlite import SQLiteStore

    S = SQLiteStore(path)
    part = _nt_records if what == "records" else _nt_relations
    try:
        with open(out, "w", encoding="utf-8") as f:
            for chunk in part(S, lo, hi, base, path):
                f.write(chunk)
    finally:
        S.close()
    return out


def _parallel_ntriples(S: Any, base: str, jobs: int) -> Iterator[str]:
    """Text chunks of :func:`_parallel_nt_bytes`."""
    for block in _parallel_nt_bytes(S, base, jobs):
        yield block.decode("utf-8")


def _parallel_nt_bytes(S: Any, base: str, jobs: int) -> Iterator[bytes]:
    """The N-Triples of a whole on-disk store, made by ``jobs`` worker processes, each
    writing runs of records (in id order), then of relations (in the table's order), to a
    private temporary file; the runs are read back in order, so the output is the same as
    one process writes."""
    for part in _parallel_nt_parts(S, base, jobs):
        with open(part, "rb") as f:  # blocks end at line ends: each decodes alone
            while block := f.read(1 << 20):
                block += f.readline()
                yield block


def _parallel_nt_parts(S: Any, base: str, jobs: int) -> Iterator[Path]:
    """The files of :func:`_parallel_nt_bytes`, in order; each is removed when the next is
    asked for (a writer appends them to its output without reading them itself)."""
    import multiprocessing
    import shutil
    import tempfile

    def runs(cuts: list[Any]) -> list[tuple[Any, Any]]:
        return list(zip([None, *cuts], [*cuts, None], strict=True))

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    tmp = tempfile.mkdtemp(prefix="lineage-nt-")
    try:
        with multiprocessing.get_context(method).Pool(jobs) as pool:
            def submit(what: str, lo: Any, hi: Any) -> Any:
                out = str(Path(tmp) / f"part-{len(pending):04d}.nt")
                return pool.apply_async(_nt_part, (str(S.path), what, lo, hi, base, out))

            pending: list[Any] = []
            for lo, hi in runs(S.split_ids(jobs * 4)):
                pending.append(submit("records", lo, hi))
            # cut while the workers write the records: runs of about as many relations
            for lo, hi in runs(S.split_relations(jobs * 4)):
                pending.append(submit("relations", lo, hi))
            for job in pending:
                part = Path(job.get())
                yield part
                part.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _jobs(S: Any, jobs: int | None) -> int:
    if jobs is None:
        import os

        jobs = min(os.cpu_count() or 1, 4)
    if jobs <= 1 or not _whole_on_disk(S):
        return 1
    return jobs if jobs > 1 and len(S) >= PARALLEL_MIN else 1


# --- rdflib graphs and the other formats ------------------------------------


def _bind(g: rdflib.Graph, base: str) -> None:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    g.bind("kb", base, override=True, replace=True)


def new_graph(base: str = DEFAULT_BASE) -> rdflib.Graph:
    """An empty rdflib Graph with exactly our prefixes bound (``kb:`` is ``base``)."""
    import rdflib

    g = rdflib.Graph(bind_namespaces="none")
    _bind(g, base)
    return g


def to_graph(source: Exportable, *, base: str = DEFAULT_BASE) -> rdflib.Graph:
    """The export as an rdflib Graph, with every prefix bound explicitly.

    >>> from graph.query import example_store
    >>> g = to_graph(example_store())
    >>> len(g) > 50, dict(g.namespaces())["prov"]
    (True, rdflib.term.URIRef('http://www.w3.org/ns/prov#'))
    """
    from rdflib import Literal, URIRef

    triples = iter_triples(source, base=base)
    g = new_graph(base)
    cache: dict[str, Any] = {}

    def conv(t: Term) -> Any:
        if type(t) is str:
            u = cache.get(t)
            if u is None:
                u = cache[t] = URIRef(t)
            return u
        lit: Lit = t  # type: ignore[assignment]
        if lit.lang:
            return Literal(lit.lexical, lang=lit.lang)
        if lit.datatype and lit.datatype != X_STRING:
            return Literal(lit.lexical, datatype=conv(lit.datatype))
        return Literal(lit.lexical)

    g.addN((conv(s), conv(p), conv(o), g) for s, p, o in triples)
    return g


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


_PN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
"""Local names written as prefixed names (a safe subset of Turtle's PN_LOCAL); others are
written as full IRIs."""


class _Namer:
    """Prefixed names (``kb:alpaca-7b``) for IRIs in the export's namespaces, cached."""

    def __init__(self, base: str) -> None:
        spaces = {**PREFIXES, "kb": base}
        # longest namespace first, so kb: (under the base) wins over a shorter one
        self.spaces = sorted(((ns, p) for p, ns in spaces.items()), key=lambda x: -len(x[0]))
        self.cache: dict[str, str | None] = {}

    def __call__(self, iri: str) -> str | None:
        name = self.cache.get(iri, "")
        if name != "":
            return name
        name = None
        for ns, prefix in self.spaces:
            if iri.startswith(ns) and _PN_LOCAL.fullmatch(iri[len(ns):]):
                name = f"{prefix}:{iri[len(ns):]}"
                break
        if len(self.cache) > 500_000:
            self.cache.clear()
        self.cache[iri] = name
        return name


def _subjects(triples: Iterable[Triple]) -> list[tuple[str, dict[str, list[Term]]]]:
    """Group one record's triples by subject, then predicate, in order of appearance."""
    out: dict[str, dict[str, list[Term]]] = {}
    for s, p, o in triples:
        out.setdefault(s, {}).setdefault(p, []).append(o)
    return list(out.items())


def iter_turtle(source: Exportable, *, base: str = DEFAULT_BASE) -> Iterator[str]:
    """Yield the Turtle export, the prefixes then one chunk per record, without an rdflib Graph.

    Every prefix is declared once at the top; a record's subjects are written with their
    predicates grouped (``;``) and objects listed (``,``); IRIs in a known namespace are
    prefixed names when their local part allows it. Memory stays bounded by one record,
    so a store of any size streams straight to a file.

    >>> from graph.query import example_store
    >>> text = "".join(iter_turtle(example_store()))
    >>> "kb:alpaca-7b a lineage:Model" in text, text.startswith("@prefix")
    (True, True)
    """
    check_base(base)
    records = _records(source)

    def chunks() -> Iterator[str]:
        yield "".join(f"@prefix {p}: <{ns}> .\n"
                      for p, ns in sorted({**PREFIXES, "kb": base}.items())) + "\n"
        name = _Namer(base)

        def term(t: Term) -> str:
            if type(t) is str:
                return name(t) or f"<{t}>"
            return _nt_term(t)

        for rec, kept in records:
            out = []
            for s, preds in _subjects(_triples_of(rec, kept, base)):
                lines = []
                for p, objs in preds.items():
                    verb = "a" if p == T_TYPE else term(p)
                    lines.append(f"{verb} {' , '.join(term(o) for o in objs)}")
                out.append(f"{term(s)} " + " ;\n    ".join(lines) + " .\n")
            yield "".join(out) + "\n"

    return chunks()


def _turtle(source: Exportable, base: str) -> str:
    return "".join(iter_turtle(source, base=base))


def _ntriples(source: Exportable, base: str) -> str:
    return "".join(iter_ntriples(source, base=base))


def jsonld_context(base: str = DEFAULT_BASE) -> dict[str, str]:
    """The JSON-LD ``@context`` of an export: our prefixes, and ``kb`` for the base."""
    return {**PREFIXES, "kb": base}


def iter_jsonld(source: Exportable, *, base: str = DEFAULT_BASE) -> Iterator[str]:
    """Yield the JSON-LD export (the context, then a ``@graph`` of one node object per
    subject), one chunk per record, without an rdflib Graph.

    Compact IRIs use the context's prefixes; literals carry their datatype or language.

    >>> import json
    >>> from graph.query import example_store
    >>> doc = json.loads("".join(iter_jsonld(example_store())))
    >>> doc["@context"]["kb"], [n["@id"] for n in doc["@graph"]][:1]
    ('https://w3id.org/llm-lineage/id/', ['kb:alpaca-7b'])
    """
    import json

    check_base(base)
    records = _records(source)

    def chunks() -> Iterator[str]:
        yield ('{\n  "@context": '
               + json.dumps(jsonld_context(base), ensure_ascii=False, sort_keys=True)
               + ',\n  "@graph": [')
        name = _Namer(base)

        def iri(t: str) -> str:
            return name(t) or t

        def value(t: Term) -> Any:
            if type(t) is str:
                return {"@id": iri(t)}
            lit: Lit = t  # type: ignore[assignment]
            if lit.lang:
                return {"@value": lit.lexical, "@language": lit.lang}
            if lit.datatype and lit.datatype != X_STRING:
                return {"@value": lit.lexical, "@type": iri(lit.datatype)}
            return {"@value": lit.lexical}

        first = True
        for rec, kept in records:
            nodes = []
            for s, preds in _subjects(_triples_of(rec, kept, base)):
                node: dict[str, Any] = {"@id": iri(s)}
                for p, objs in preds.items():
                    if p == T_TYPE and all(type(o) is str for o in objs):
                        node["@type"] = [iri(o) for o in objs]  # type: ignore[arg-type]
                    else:
                        node[iri(p)] = [value(o) for o in objs]
                nodes.append(json.dumps(node, ensure_ascii=False))
            if nodes:
                yield ("\n    " if first else ",\n    ") + ",\n    ".join(nodes)
                first = False
        yield "\n  ]\n}\n"

    return chunks()


def _jsonld(source: Exportable, base: str) -> str:
    return "".join(iter_jsonld(source, base=base))


def _xml(source: Exportable, base: str) -> str:
    g = to_graph(source, base=base)
    for s, p, o in g:
        for t in (s, p, o):
            m = _XML_ILLEGAL.search(str(t))
            if m:
                raise RdfError(
                    f"{str(s)!r} has a control character (U+{ord(m.group()):04X}) that "
                    "RDF/XML cannot carry. Remove it from the data, or export with "
                    "--format turtle or nt."
                )
    return g.serialize(format="xml")


@dataclass(frozen=True)
class RdfFormat:
    """One export format: its name, file suffix, media type and writer."""

    name: str
    suffix: str
    media_type: str
    rdflib_name: str
    write: Callable[[Any, str], str] = dataclasses.field(repr=False)


EXPORTERS: dict[str, RdfFormat] = {
    f.name: f for f in (
        RdfFormat("turtle", ".ttl", "text/turtle", "turtle", _turtle),
        RdfFormat("nt", ".nt", "application/n-triples", "nt", _ntriples),
        RdfFormat("jsonld", ".jsonld", "application/ld+json", "json-ld", _jsonld),
        RdfFormat("xml", ".rdf", "application/rdf+xml", "xml", _xml),
    )
}
"""The export formats, keyed by name (the CLI's ``--format`` choices)."""

FORMATS: tuple[str, ...] = tuple(EXPORTERS)

READ_FORMATS: dict[str, str] = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".jsonld": "jsonld",
    ".json": "jsonld", ".rdf": "xml", ".xml": "xml", ".owl": "xml",
}
"""File suffix -> format name, for reading."""


def _exporter(fmt: str) -> RdfFormat:
    try:
        return EXPORTERS[fmt]
    except (KeyError, TypeError):
        raise RdfError(f"unknown RDF format {fmt!r}. Use one of: {', '.join(FORMATS)}.") from None


def to_rdf(source: Exportable, fmt: str = "turtle", *, base: str = DEFAULT_BASE) -> str:
    """The RDF export of ``source`` as text in format ``fmt`` (see :data:`FORMATS`).

    Raises
    ------
    RdfError
        For an unknown format, an unusable base, or text RDF/XML cannot carry.

    Examples
    --------
    >>> from graph.query import example_store
    >>> print(to_rdf(example_store(), "nt").splitlines()[0])
    <https://w3id.org/llm-lineage/id/alpaca-7b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/llm-lineage/vocab#Model> .
    >>> to_rdf(example_store(), "n3")
    Traceback (most recent call last):
    ...
    lineage.errors.RdfError: unknown RDF format 'n3'. Use one of: turtle, nt, jsonld, xml.
    """
    exporter = _exporter(fmt)
    check_base(base)
    return exporter.write(source, base)


def write_rdf(source: Exportable, path: str | Path, fmt: str = "turtle", *,
              base: str = DEFAULT_BASE) -> None:
    """Write the export to ``path`` atomically: the file is whole or left as it was.

    Raises
    ------
    RdfError, OutputError
    """
    streamed = {"nt": iter_ntriples, "turtle": iter_turtle, "jsonld": iter_jsonld}.get(fmt)
    if streamed is not None:  # never the whole file in memory
        from lineage.output import write_chunks_atomic

        jobs = _jobs(source, None) if fmt == "nt" else 1
        if jobs > 1:  # the workers' bytes, as they wrote them
            check_base(base)
            write_chunks_atomic(path, _parallel_nt_parts(source, base, jobs))
            return
        write_chunks_atomic(path, (c.encode("utf-8") for c in streamed(source, base=base)))
        return
    text = to_rdf(source, fmt, base=base)
    write_text_atomic(path, text)


def focus_graph(S: Any, node: str, *, depth: int | None = None) -> Any:
    """The part of store ``S`` around ``node``, for a focused export.

    Keeps ``node``, its lineage ancestors and descendants (up to ``depth``
    hops; all when None), the records those point to through knowledge
    relations (developers, licences, papers, techniques, benchmarks) and the
    techniques their relations name; and every relation among them. Returns a
    read-only view (:class:`graph.store.views.SubsetStore`).

    >>> from graph.query import example_store
    >>> sorted(focus_graph(example_store(), "llama-7b", depth=1).iter_ids())
    ['alpaca-7b', 'llama', 'llama-7b', 'stanford']
    """
    from .query import ancestors, descendants
    from .store.views import SubsetStore

    if node not in S:
        from .query import resolve

        node = resolve(S, node)
    keep = {node, *ancestors(S, node, depth=depth), *descendants(S, node, depth=depth)}
    for n in list(keep):
        for e in S.out_edges(n):
            if e.category == "knowledge":
                keep.add(e.target)
    for n in list(keep):
        for e in S.out_edges(n):
            if e.target in keep:
                keep.update(t for t in e.techniques if t in S)
    return SubsetStore(S, keep)


# --- reading RDF back into records ------------------------------------------


def rdf_format_for(path: str | Path, fmt: str | None = None) -> str:
    """The format name of an RDF file: ``fmt`` if given, else from its suffix.

    >>> rdf_format_for("kb.ttl"), rdf_format_for("kb.data", "nt")
    ('turtle', 'nt')
    """
    if fmt is not None:
        return _exporter(fmt).name
    suffix = Path(path).suffix.lower()
    if suffix not in READ_FORMATS:
        raise RdfError(
            f"cannot tell the RDF format of {path} from its suffix. Name it "
            f"{', '.join(sorted(set(READ_FORMATS)))}, or give the format "
            f"({', '.join(FORMATS)})."
        )
    return READ_FORMATS[suffix]


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _refuse_remote_contexts(path: str | Path, data: bytes) -> None:
    """JSON-LD may name its @context by URL, which rdflib would fetch: refuse, stay offline."""
    import json

    try:
        doc = json.loads(data)
    except ValueError as e:
        raise RdfError(f"{path} is not valid jsonld: {_one_line(e)}. Fix the JSON.") from None
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                refs = value if isinstance(value, list) else [value]
                if key in ("@context", "@import") and any(isinstance(r, str) for r in refs):
                    raise RdfError(
                        f"{path} names a remote JSON-LD context ({key}: "
                        f"{_one_line(str(value), 80)}), which would be fetched from the "
                        "network. Inline the context, as 'lineage export rdf' does."
                    )
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _refuse_doctype(path: str | Path, data: bytes) -> None:
    """RDF/XML with a DOCTYPE may declare entities (billion laughs, external files): refuse.

    The document is read by expat only up to its root element (in any encoding),
    and stops at the first DOCTYPE or ENTITY declaration, before any is expanded.
    """
    from xml.parsers import expat

    class Found(Exception):
        pass

    class Done(Exception):
        pass

    def refuse(*_args: Any) -> None:
        raise Found

    def stop(*_args: Any) -> None:
        raise Done

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = stop  # declarations come before the root element
    try:
        parser.Parse(data, True)
    except Found:
        raise RdfError(
            f"{path} has a DOCTYPE or ENTITY declaration, which lineage does not read "
            "(entities can expand without bound or read other files). Remove the "
            "declarations and write the IRIs out."
        ) from None
    except (Done, expat.ExpatError):
        return  # no declarations; a malformed file is reported by the RDF parser


def parse_rdf(path: str | Path, fmt: str | None = None) -> rdflib.Graph:
    """Parse an RDF file into an rdflib Graph; any failure is one :class:`RdfError`."""
    import rdflib

    name = rdf_format_for(path, fmt)
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise RdfError(f"cannot read {path}: {e.strerror}. Check the path.") from None
    if name == "jsonld":
        _refuse_remote_contexts(path, data)
    if name == "xml":
        _refuse_doctype(path, data)
    g = rdflib.Graph(bind_namespaces="none")
    try:
        g.parse(data=data, format=EXPORTERS[name].rdflib_name, publicID=p.resolve().as_uri())
    except Exception as e:  # rdflib's parsers raise many unrelated types
        raise RdfError(
            f"{path} is not valid {name}: {_one_line(e) or type(e).__name__}. Fix the file, "
            f"or give its real format ({', '.join(FORMATS)})."
        ) from None
    return g


class _Reader:
    """Turns an rdflib Graph of an export back into record items (plain dicts)."""

    def __init__(self, g: rdflib.Graph, display: str) -> None:
        from rdflib import Literal, URIRef

        self.g = g
        self.display = display
        self.Literal = Literal
        self.URIRef = URIRef
        self.problems: list[Problem] = []
        self.ids: dict[Any, str] = {}
        self.bases: set[str] = set()

    def problem(self, record: str | None, field: str | None, message: str,
                fix: str = "Fix the file, or export it again with 'lineage export rdf'.") -> None:
        self.problems.append(Problem(self.display, None, record, field, message, fix,
                                     kind="rdf"))

    def show(self, term: Any) -> str:
        s = str(term)
        for b in self.bases:
            if s.startswith(b):
                return s[len(b):]
        return f"<{s}>" if isinstance(term, self.URIRef) else repr(s)

    # records and references
    def find_records(self) -> dict[Any, str]:
        U = self.URIRef
        types: dict[Any, list[str]] = {}
        for cls, name in _TYPE_BY_CLASS.items():
            for s in self.g.subjects(U(T_TYPE), U(cls)):
                types.setdefault(s, []).append(name)
        out: dict[Any, str] = {}
        for s, names in types.items():
            ids = list(self.g.objects(s, U(T_ID)))
            if len(ids) != 1 or not isinstance(ids[0], self.Literal):
                self.problem(self.show(s), "id",
                             f"{'no' if not ids else len(ids)} dcterms:identifier literal"
                             f"{'s' if len(ids) > 1 else ''}; a record needs exactly one",
                             "Add one dcterms:identifier with the record id.")
                continue
            rid = str(ids[0])
            if len(names) > 1:
                self.problem(rid, "type", f"typed as {' and '.join(sorted(names))}",
                             "Keep one of our record classes (lineage:Model ...).")
                continue
            out[s] = names[0]
            self.ids[s] = rid
            q = _quote_id(rid)
            if isinstance(s, U) and str(s).endswith(q) and len(str(s)) > len(q):
                self.bases.add(str(s)[: -len(q)])
        return out

    def ref(self, term: Any, rid: str, field: str) -> str | None:
        """The record id an IRI names: a record of this file, or an IRI under its base."""
        if term in self.ids:
            return self.ids[term]
        if isinstance(term, self.URIRef):
            s = str(term)
            for b in sorted(self.bases, key=len, reverse=True):
                if s.startswith(b) and len(s) > len(b):
                    return unquote(s[len(b):])
        self.problem(rid, field, f"{self.show(term)} is not a record of this file",
                     "Point it at a record's IRI, or add that record.")
        return None

    # values
    def lexical(self, term: Any, rid: str, field: str, kind: str) -> Any:
        L = self.Literal
        if kind == "url":
            if isinstance(term, self.URIRef) or isinstance(term, L):
                return str(term)
        elif kind == "enum":
            if isinstance(term, self.URIRef) and str(term) in _WEIGHTS_BY_IRI:
                return _WEIGHTS_BY_IRI[str(term)]
            self.problem(rid, field, f"{self.show(term)} is not one of lineage:open, "
                         "lineage:restricted, lineage:closed", "Use one of those IRIs.")
            return None
        elif isinstance(term, L):
            lex = str(term)
            if kind == "int":
                if re.fullmatch(r"[+-]?\d+", lex.strip()):
                    return int(lex)
                self.problem(rid, field, f"{lex!r} is not a whole number",
                             "Write an xsd:integer, e.g. 7000000000.")
                return None
            if kind == "float":
                try:
                    return float(lex)
                except ValueError:
                    self.problem(rid, field, f"{lex!r} is not a number",
                                 "Write an xsd:double, e.g. 92.5.")
                    return None
            if kind == "bool":
                if lex in ("true", "1", "false", "0"):
                    return lex in ("true", "1")
                self.problem(rid, field, f"{lex!r} is not a boolean", "Write true or false.")
                return None
            return lex
        self.problem(rid, field, f"{self.show(term)} should be a literal",
                     "Write the value as a quoted string.")
        return None

    def one(self, node: Any, predicate: str, rid: str, field: str, kind: str = "str",
            required: bool = False) -> Any:
        vals = list(self.g.objects(node, self.URIRef(predicate)))
        if not vals:
            if required:
                self.problem(rid, field, f"missing {self.qname(predicate)}",
                             f"Add {self.qname(predicate)}.")
            return None
        if len(vals) > 1:
            shown = ", ".join(sorted(self.show(v) for v in vals))
            self.problem(rid, field, f"{len(vals)} values for {self.qname(predicate)} "
                         f"({shown})", "Keep one.")
            return None
        return self.lexical(vals[0], rid, field, kind)

    def ordered(self, values: list[Any], node: Any, order: str | None, rid: str,
                field: str, convert: Callable[[Any], Any]) -> list[Any]:
        """Values in the order of the ``order`` list; sorted when there is none."""
        heads = list(self.g.objects(node, self.URIRef(order))) if order else []
        if len(heads) > 1:
            self.problem(rid, field, f"{len(heads)} lists for {self.qname(order or '')}",
                         "Keep one.")
        if len(heads) == 1:
            items = self.list_items(heads[0])
            if items is None:
                self.problem(rid, field, f"{self.qname(order or '')} is not a well-formed list",
                             "Write it as ( item item ... ): one rdf:first and one rdf:rest "
                             "per cell, ending in rdf:nil, no loops.")
                items = []
            listed = [convert(t) for t in items]
            if listed and set(listed) == set(values):
                return listed
            pos = {v: i for i, v in reversed(list(enumerate(listed)))}
            return sorted(values, key=lambda v: (pos.get(v, len(pos)), str(v)))
        return sorted(values, key=str)

    def list_items(self, head: Any) -> list[Any] | None:
        """The items of an rdf:List, or None when it is malformed (or loops)."""
        U = self.URIRef
        first, rest, nil = U(T_FIRST), U(T_REST), U(T_NIL)
        items: list[Any] = []
        seen: set[Any] = set()
        cell = head
        while cell != nil:
            if cell in seen:
                return None
            seen.add(cell)
            firsts = list(self.g.objects(cell, first))
            rests = list(self.g.objects(cell, rest))
            if len(firsts) != 1 or len(rests) != 1:
                return None
            items.append(firsts[0])
            cell = rests[0]
        return items

    def attr(self, node: Any, attr: _Attr, rid: str) -> Any:
        if not attr.many:
            return self.one(node, attr.predicate, rid, attr.field, attr.kind)
        terms = list(self.g.objects(node, self.URIRef(attr.predicate)))
        if not terms:
            return None
        values = [self.lexical(t, rid, attr.field, attr.kind) for t in terms]
        values = [v for v in values if v is not None]
        return self.ordered(values, node, attr.order, rid, attr.field,
                            lambda t: self.lexical(t, rid, attr.field, attr.kind))

    def qname(self, iri: str) -> str:
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return f"<{iri}>"

    def indexed(self, nodes: Iterable[Any], rid: str, field: str) -> list[Any]:
        def key(n: Any) -> tuple:
            i = self.one(n, L_INDEX, rid, field, "int")
            return (i if i is not None else 1 << 60, str(n))

        return sorted(nodes, key=key)

    # parts
    def sources(self, node: Any, rid: str, field: str) -> list[dict]:
        out = []
        nodes = self.indexed(self.g.objects(node, self.URIRef(L_HAS_SOURCE)), rid, field)
        for j, s in enumerate(nodes):
            f = f"{field}[{j}]"
            src = {"document": self.one(s, L_DOCUMENT, rid, f + ".document", required=True),
                   "quote": self.one(s, L_QUOTE, rid, f + ".quote"),
                   "locator": self.one(s, L_LOCATOR, rid, f + ".locator"),
                   "field": self.one(s, L_FIELD, rid, f + ".field"),
                   "translation": self.one(s, L_TRANSLATION, rid, f + ".translation")}
            out.append({k: v for k, v in src.items() if v is not None})
        return out

    def relations(self, rec: Any, rid: str) -> list[dict]:
        found: list[tuple[_Qualifier, Any]] = []
        for q in QUALIFIERS:
            found += [(q, n) for n in self.g.objects(rec, self.URIRef(q.link))]
        qual: dict[Any, _Qualifier] = {}
        for q, n in found:
            if n in qual:
                self.problem(rid, "relations", f"relation node {self.show(n)} is linked with "
                             f"both {self.qname(qual[n].link)} and {self.qname(q.link)}",
                             "Link it once, with the property its kind calls for.")
            qual[n] = q
        order = self.indexed(list(qual), rid, "relations")
        out = []
        for k, node in enumerate(order):
            q = qual[node]
            f = f"relations[{k}]"
            kind_term = list(self.g.objects(node, self.URIRef(L_KIND)))
            if len(kind_term) != 1 or str(kind_term[0]) not in _KIND_BY_IRI:
                self.problem(rid, f + ".relation",
                             f"relation node {self.show(node)} needs one lineage:relationKind "
                             f"from our vocabulary, has {len(kind_term)}",
                             "Set lineage:relationKind to e.g. lineage:finetune.")
                continue
            kind = _KIND_BY_IRI[str(kind_term[0])]
            if _qualifier(kind) is not q:
                self.problem(rid, f + ".relation",
                             f"a {kind} relation is linked with {self.qname(q.link)}",
                             f"Link it with {self.qname(_qualifier(kind).link)}.")
                continue
            targets = list(self.g.objects(node, self.URIRef(q.target)))
            if len(targets) != 1:
                self.problem(rid, f + ".target",
                             f"relation node {self.show(node)} needs one {self.qname(q.target)}, "
                             f"has {len(targets)}", "Name exactly one target record.")
                continue
            target = self.ref(targets[0], rid, f + ".target")
            conf_terms = list(self.g.objects(node, self.URIRef(L_CONF)))
            confidence = None
            if len(conf_terms) == 1 and str(conf_terms[0]) in _CONFIDENCE_BY_IRI:
                confidence = _CONFIDENCE_BY_IRI[str(conf_terms[0])]
            else:
                self.problem(rid, f + ".confidence",
                             "needs one lineage:confidence, lineage:explicit or lineage:weak",
                             "Set lineage:confidence.")
            techs = [self.ref(t, rid, f + ".techniques")
                     for t in self.g.objects(node, self.URIRef(L_TECHNIQUE))]
            techniques = self.ordered(
                [t for t in techs if t is not None], node, L_TECH_ORDER, rid, f + ".techniques",
                lambda t, f=f: self.ref(t, rid, f + ".techniques"))
            item: dict[str, Any] = {"relation": kind, "target": target,
                                    "confidence": confidence,
                                    "sources": self.sources(node, rid, f + ".sources"),
                                    "note": self.one(node, P_NOTE, rid, f + ".note"),
                                    "techniques": techniques,
                                    "date": self.one(node, P_DATE, rid, f + ".date", "date"),
                                    "setting": self.one(node, L_SETTING, rid, f + ".setting")}
            if kind == "evaluated_on":
                results = list(self.g.objects(node, self.URIRef(F_EVAL_METRICS)))
                if len(results) != 1:
                    self.problem(rid, f + ".metric", f"an evaluation needs one "
                                 f"fair4ml:evaluationMetrics node, has {len(results)}",
                                 "Add [ a schema:PropertyValue ; schema:name \"metric\" ; "
                                 "schema:value 1.0 ].")
                else:
                    item["metric"] = self.one(results[0], S_NAME, rid, f + ".metric")
                    item["score"] = self.one(results[0], S_VALUE, rid, f + ".score", "float")
            out.append({k: v for k, v in item.items() if v is not None and v != []})
        return out

    def claims(self, rec: Any, rid: str) -> list[dict]:
        out = []
        nodes = self.indexed(self.g.objects(rec, self.URIRef(L_HAS_CLAIM)), rid, "claims")
        for i, node in enumerate(nodes):
            f = f"claims[{i}]"
            c = {"topic": self.one(node, S_PROPERTY_ID, rid, f + ".topic", required=True),
                 "value": self.one(node, S_VALUE, rid, f + ".value", required=True),
                 "sources": self.sources(node, rid, f + ".sources"),
                 "note": self.one(node, P_NOTE, rid, f + ".note")}
            out.append({k: v for k, v in c.items() if v is not None})
        return out

    def items(self) -> list[dict]:
        records = self.find_records()
        out = []
        for node, type_name in records.items():
            rid = self.ids[node]
            item: dict[str, Any] = {"id": rid, "type": type_name}
            for attr in COMMON_ATTRS + TYPES[type_name].attrs:
                v = self.attr(node, attr, rid)
                if v is not None:
                    item[attr.field] = v
            for key, value in (("sources", self.sources(node, rid, "sources")),
                               ("relations", self.relations(node, rid)),
                               ("claims", self.claims(node, rid))):
                if value:
                    item[key] = value
            out.append(item)
        if not out and not self.problems:
            self.problem(None, None, "no records (nothing typed lineage:Model, "
                         "lineage:Dataset ...)", "Give an export made by 'lineage export rdf'.")
        return sorted(out, key=lambda it: it["id"])


def graph_to_items(g: rdflib.Graph, display: str = "<graph>") -> list[dict[str, Any]]:
    """The records of an export graph as plain dicts, the shape of a YAML data file.

    Raises
    ------
    DataError
        Listing every structural problem (missing kinds, targets, identifiers ...).
    """
    reader = _Reader(g, display)
    items = reader.items()
    if reader.problems:
        raise DataError(reader.problems)
    return items


def read_rdf_items(path: str | Path, *, fmt: str | None = None) -> list[dict[str, Any]]:
    """Parse an RDF export and return its records as plain dicts (unvalidated)."""
    return graph_to_items(parse_rdf(path, fmt), str(path))


def _dump_yaml(items: list[dict[str, Any]]) -> str:
    import yaml

    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100)


def read_rdf(path: str | Path, *, fmt: str | None = None, check: bool = True) -> KnowledgeBase:
    """Read an RDF export back into a validated :class:`~lineage.load.KnowledgeBase`.

    The records pass the same validation as YAML data files (fields,
    references, relation types, cycles, dates); problems name the file and the
    record, without a line number.

    Raises
    ------
    RdfError
        When the file cannot be read or parsed.
    DataError
        When ``check`` is true and the records are invalid.
    """
    items = read_rdf_items(path, fmt=fmt)
    display = str(path)
    kb = loads(_dump_yaml(items), name=display, check=False)
    kb.problems = [dataclasses.replace(p, file=display, line=None) for p in kb.problems]
    kb.origins = {k: Origin(display, None) for k in kb.origins}
    kb.relation_origins = {k: Origin(display, None) for k in kb.relation_origins}
    if check and any(p.severity == "error" for p in kb.problems):
        raise DataError(kb.problems)
    return kb


def records_to_yaml(kb: KnowledgeBase) -> str:
    """The records of ``kb`` as one YAML data file (defaults left out), sorted by id."""
    items = [kb.records[rid].model_dump(mode="json", exclude_defaults=True)
             for rid in sorted(kb.records)]
    header = "# Records read from RDF by 'lineage import rdf'.\n"
    return header + _dump_yaml(items)


# --- SHACL ------------------------------------------------------------------


def load_shapes() -> rdflib.Graph:
    """The SHACL shapes of an export (``graph/shapes.ttl``)."""
    import rdflib

    return rdflib.Graph(bind_namespaces="none").parse(SHAPES_PATH, format="turtle")


def load_vocabulary() -> rdflib.Graph:
    """Our vocabulary (``graph/vocab.ttl``)."""
    import rdflib

    return rdflib.Graph(bind_namespaces="none").parse(VOCAB_PATH, format="turtle")


_IRI_IN_TEXT = re.compile(r"(?:https?|urn|file):[^\s,;()<>\"'{}]+")


def _shacl_problems(g: rdflib.Graph, display: str) -> list[Problem]:
    try:
        import pyshacl
    except ImportError:  # an optional extra
        raise RdfError("checking RDF needs pyshacl, which is not installed. "
                       "Install the extra: pip install 'llm-lineage[shacl]'.") from None
    from rdflib import Literal, URIRef
    from rdflib.namespace import SH

    conforms, results, text = pyshacl.validate(g, shacl_graph=load_shapes(), inference="none",
                                               inplace=True, allow_warnings=True)
    if conforms:
        return []
    if not hasattr(results, "subjects"):  # a failure of the shapes themselves
        raise RdfError(f"the SHACL check could not run: {_one_line(text)}. "
                       "Reinstall lineage; graph/shapes.ttl may be damaged.")
    reader = _Reader(g, display)
    reader.find_records()
    reader.problems.clear()

    def compact(match: re.Match) -> str:
        iri = match.group()
        tail = "." if iri.endswith(".") else ""
        iri = iri[: len(iri) - len(tail)]
        for b in reader.bases:
            if iri.startswith(b) and len(iri) > len(b):
                return iri[len(b):] + tail
        return reader.qname(iri).strip("<>") + tail

    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        message = results.value(r, SH.resultMessage)
        value = results.value(r, SH.value)
        severity = results.value(r, SH.resultSeverity)
        text = _one_line(str(message)) if message is not None else "does not conform"
        text = _IRI_IN_TEXT.sub(compact, text)
        if value is not None and value != focus:
            if isinstance(value, URIRef):
                shown = _IRI_IN_TEXT.sub(compact, str(value))
            elif isinstance(value, Literal):
                shown = repr(str(value))
            else:
                shown = "a blank node"
            if shown not in text:
                text += f" (value: {_one_line(shown, 80)})"
        field = reader.qname(str(path)) if isinstance(path, URIRef) else None
        record = reader.ids.get(focus) or (
            _IRI_IN_TEXT.sub(compact, str(focus)) if focus is not None else None)
        out.append(Problem(display, None, record, field, text.rstrip("."),
                           "Fix the file, or export it again with 'lineage export rdf'.",
                           severity="warning" if severity == SH.Warning else "error",
                           kind="shacl"))
    return sorted(set(out), key=lambda p: (p.record or "", p.field or "", p.message))


def _direct_problems(g: rdflib.Graph, display: str) -> list[Problem]:
    """Direct triples without a qualified node of a matching kind, and the reverse.

    SHACL Core cannot relate two paths from one node; this is the check the
    shapes leave out.
    """
    from rdflib import URIRef

    reader = _Reader(g, display)
    records = reader.find_records()
    reader.problems.clear()
    kinds_of: dict[str, set[str]] = {}
    for kind, preds in DIRECT.items():
        for p in preds:
            kinds_of.setdefault(p, set()).add(kind)
    direct = [URIRef(p) for p in kinds_of]
    out: list[Problem] = []
    fix = "Fix the file, or export it again with 'lineage export rdf'."
    for rec in records:
        rid = reader.ids[rec]
        qualified: set[tuple[str, Any]] = set()
        for q in QUALIFIERS:
            for node in g.objects(rec, URIRef(q.link)):
                kind = _KIND_BY_IRI.get(str(g.value(node, URIRef(L_KIND))))
                for target in g.objects(node, URIRef(q.target)):
                    if kind is not None:
                        qualified.add((kind, target))
        for p in direct:
            for v in g.objects(rec, p):
                kinds = kinds_of[str(p)]
                if not any((k, v) in qualified for k in kinds):
                    which = f" ({' or '.join(sorted(kinds))})" if len(kinds) <= 3 else ""
                    out.append(Problem(
                        display, None, rid, reader.qname(str(p)),
                        f"{reader.qname(str(p))} {reader.show(v)} has no qualified relation "
                        f"node of a matching kind{which} carrying its confidence and sources",
                        fix, kind="rdf"))
        for kind, target in sorted(qualified, key=lambda kt: (kt[0], str(kt[1]))):
            for p in DIRECT[kind]:
                if (rec, URIRef(p), target) not in g:
                    out.append(Problem(
                        display, None, rid, reader.qname(p),
                        f"its {kind} relation to {reader.show(target)} lacks the direct "
                        f"triple {reader.qname(p)} {reader.show(target)}", fix, kind="rdf"))
    return out


def validate_rdf(path: str | Path, *, fmt: str | None = None) -> tuple[int, list[Problem]]:
    """Check an RDF export: SHACL shapes first, then the records' own checks.

    Returns the number of triples and every problem found (one line each):
    SHACL violations, and direct triples (``prov:wasDerivedFrom`` ...) that do
    not match a qualified relation node or the other way round. When both
    pass, the file is read back into records and checked like YAML data
    (references, relation types, cycles, dates).

    Raises
    ------
    RdfError
        When the file cannot be read or parsed.
    """
    g = parse_rdf(path, fmt)
    display = str(path)
    problems = _shacl_problems(g, display) + _direct_problems(g, display)
    if not any(p.severity == "error" for p in problems):
        try:
            items = graph_to_items(g, display)
        except DataError as e:
            return len(g), problems + e.problems
        kb = loads(_dump_yaml(items), name=display, check=False)
        problems += [dataclasses.replace(p, file=display, line=None) for p in kb.problems]
    return len(g), problems
