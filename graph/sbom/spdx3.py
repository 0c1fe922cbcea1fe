"""A bill of materials as SPDX 3.0.1 JSON-LD (the AI and Dataset profiles).

Written by our own code from a :class:`~graph.sbom.common.Bom`, so the output
is deterministic; the SPDX 3 Python bindings (``spdx-python-model``, the
``[sbom]`` extra) only check it (:func:`graph.sbom.validate.validate_spdx3`).
See ``docs/sbom.md`` for the mapping; in short:

* a model or family is an ``ai_AIPackage``, a dataset a
  ``dataset_DatasetPackage``, software a ``software_Package``; the root is
  the document's ``rootElement``;
* weight lineage is ``descendantOf`` from the child to the parent (a family
  ``hasVariant`` its members); ``trainedOn`` runs from a model to a dataset,
  ``generates`` from a teacher to the data it generated, ``descendantOf`` from
  a dataset to the dataset it derives from; each Relationship's ``comment``
  keeps our relation kind and confidence;
* licences are ``simplelicensing_LicenseExpression`` elements (an SPDX id, or
  ``LicenseRef-<id>`` mapped to the licence's page); every component
  ``hasDeclaredLicense`` its own, the root ``hasConcludedLicense`` the
  conjunction of everything its lineage brings;
* developers are ``Organization`` elements (``suppliedBy``, ``originatedBy``);
* the sources of each fact, the verdict and each restriction's path are
  ``Annotation`` elements on what they support.
"""

from __future__ import annotations

from typing import Any

from ..store.base import Edge
from .common import TOOL_NAME, Bom, Component, dumps, hub_url, phrase, purl, source_text

__all__ = ["CONTEXT", "SPEC_VERSION", "RELATIONSHIP_TYPES", "to_spdx3", "namespace"]

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
NAMESPACE_BASE = "https://w3id.org/llm-lineage/sbom/"

RELATIONSHIP_TYPES: dict[str, tuple[str, bool]] = {
    "variant": ("hasVariant", True),
    "trained_on": ("trainedOn", False),
    "generated_by": ("generates", True),
}
"""Our relation kind -> (SPDX relationshipType, whether ``from`` is our target).

Every other weight or data relation is ``descendantOf`` from the record to its
parent. ``hasVariant`` runs from the family to its member and ``generates``
from the teacher to the dataset, as SPDX reads them.
"""

_TEXT_KINDS = frozenset({"instruction", "conversation", "preference", "pretraining", "code",
                         "text", "dialogue", "chat"})
_CI = "_:creationinfo"


def namespace(bom: Bom) -> str:
    """The prefix of every spdxId of the document: derived from the root and the data.

    >>> from graph.analytics import example_store
    >>> from graph.sbom.common import collect
    >>> namespace(collect(example_store(), "vicuna-13b")).startswith(
    ...     "https://w3id.org/llm-lineage/sbom/vicuna-13b-")
    True
    """
    return f"{NAMESPACE_BASE}{bom.root}-{bom.digest[:20]}/"


def relationship_type(relation: str) -> tuple[str, bool]:
    """The SPDX relationship type for one of our relation kinds, and whether it is reversed.

    >>> relationship_type("finetune"), relationship_type("variant")
    (('descendantOf', False), ('hasVariant', True))
    """
    return RELATIONSHIP_TYPES.get(relation, ("descendantOf", False))


def _edge_comment(e: Edge) -> str:
    parts = [f"llm-lineage relation: {e.relation}", f"confidence: {e.confidence}"]
    if e.techniques:
        parts.append("via: " + ", ".join(e.techniques))
    if e.date:
        parts.append(f"date: {e.date}")
    if e.note:
        parts.append(f"note: {e.note}")
    return "; ".join(parts)


def _package_comment(c: Component) -> str:
    parts = [f"llm-lineage record: {c.id} ({c.type})"]
    if c.date:
        parts.append(f"date as stated: {c.date}")
    if c.weights:
        parts.append(f"weights: {c.weights}")
    if c.parameters:
        parts.append(f"parameters: {c.parameters:,}")
    if c.aliases:
        parts.append("aliases: " + ", ".join(c.aliases))
    return "; ".join(parts)


def _package_kind(c: Component) -> str:
    if c.is_model:
        return "ai_AIPackage"
    if c.type == "dataset":
        return "dataset_DatasetPackage"
    return "software_Package"


def to_spdx3(bom: Bom) -> str:
    """The bill of materials as SPDX 3.0.1 JSON-LD text.

    >>> import json
    >>> from graph.analytics import example_store
    >>> from graph.sbom.common import collect
    >>> doc = json.loads(to_spdx3(collect(example_store(), "vicuna-13b")))
    >>> doc["@context"]
    'https://spdx.org/rdf/3.0.1/spdx-context.jsonld'
    >>> sorted({o["type"] for o in doc["@graph"]})[:4]
    ['Annotation', 'CreationInfo', 'Relationship', 'SoftwareAgent']
    >>> [(o["relationshipType"], o["comment"].split(";")[0]) for o in doc["@graph"]
    ...  if o["type"] == "Relationship"][:2]
    [('descendantOf', 'llm-lineage relation: finetune'), ('trainedOn', 'llm-lineage relation: trained_on')]
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version(TOOL_NAME)
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        tool_version = "unknown"
    ns = namespace(bom)
    tool = ns + "tool/" + TOOL_NAME
    graph: list[dict[str, Any]] = [
        {"type": "CreationInfo", "@id": _CI, "specVersion": SPEC_VERSION,
         "created": bom.created, "createdBy": [tool],
         "comment": "created: the date of the newest fact in this bill (derived from the "
                    "data, so that re-exports are byte-identical)"},
        {"type": "SoftwareAgent", "spdxId": tool, "creationInfo": _CI, "name": TOOL_NAME,
         "comment": f"{TOOL_NAME} {tool_version}"},
    ]
    elements: list[dict[str, Any]] = []
    pkg = {c.id: ns + "package/" + c.id for c in bom.components}
    org = {a: ns + "organization/" + a for a in bom.agents}
    lic = {lid: ns + "license/" + lid for lid in bom.licenses}

    def annotate(subject: str, key: str, statements: list[str]) -> None:
        for i, text in enumerate(statements):
            elements.append({"type": "Annotation", "spdxId": f"{subject}/{key}/{i}",
                             "creationInfo": _CI, "annotationType": "other",
                             "subject": subject, "statement": text})

    for aid, a in bom.agents.items():
        o: dict[str, Any] = {"type": "Organization", "spdxId": org[aid], "creationInfo": _CI,
                             "name": a.name}
        if a.urls:
            o["externalRef"] = [{"type": "ExternalRef", "externalRefType": "altWebPage",
                                 "locator": list(a.urls)}]
        elements.append(o)

    for c in bom.components:
        elements.append(_package(bom, c, pkg[c.id], org))
        annotate(pkg[c.id], "source", [
            (f"{s.field}: " if s.field else "") + "source: " + source_text(s)
            for s in c.sources])
        annotate(pkg[c.id], "developer-source", [
            f"developed by {bom.agents[e.target].name if e.target in bom.agents else e.target}: "
            f"source: {source_text(s)}" for e in c.developer_edges for s in e.sources])

    for e in bom.edges:
        rtype, reverse = relationship_type(e.relation)
        src, dst = (pkg[e.target], pkg[e.source]) if reverse else (pkg[e.source], pkg[e.target])
        rid = f"{ns}relationship/{e.source}/{e.relation}/{e.position}/{e.target}"
        elements.append({"type": "Relationship", "spdxId": rid, "creationInfo": _CI,
                         "from": src, "relationshipType": rtype, "to": [dst],
                         "comment": _edge_comment(e)})
        annotate(rid, "source", ["source: " + source_text(s) for s in e.sources])

    for lid, info in bom.licenses.items():
        x: dict[str, Any] = {"type": "simplelicensing_LicenseExpression", "spdxId": lic[lid],
                             "creationInfo": _CI, "name": info.name,
                             "comment": f"llm-lineage licence {lid}: {info.terms()}",
                             "simplelicensing_licenseExpression": info.expression}
        if not info.is_spdx:
            x["simplelicensing_customIdToUri"] = [
                {"type": "DictionaryEntry", "key": info.expression, "value": info.iri}]
        elements.append(x)

    for c in bom.components:
        for e in c.license_edges:
            if e.target not in lic:
                continue
            rid = f"{ns}relationship/{e.source}/{e.relation}/{e.position}/{e.target}"
            elements.append({"type": "Relationship", "spdxId": rid, "creationInfo": _CI,
                             "from": pkg[c.id], "relationshipType": "hasDeclaredLicense",
                             "to": [lic[e.target]], "comment": _edge_comment(e)})
            annotate(rid, "source", ["source: " + source_text(s) for s in e.sources])

    root = pkg[bom.root]
    if bom.verdict is not None:
        use = {True: "allowed", False: "not allowed", None: "unknown"}[bom.commercial_use]
        annotate(root, "license-verdict", [
            f"commercial use ({TOOL_NAME} license verdict): {use}; {bom.verdict}"])
    concluded = list(dict.fromkeys(r.license for r in bom.restrictions))
    if concluded:
        infos = [bom.licenses[lid] for lid in concluded]
        cid = f"{ns}concluded-license/{bom.root}"
        x = {"type": "simplelicensing_LicenseExpression", "spdxId": cid, "creationInfo": _CI,
             "name": f"Licences that apply to {bom.root_component.name} through its lineage",
             "comment": bom.verdict or "",
             "simplelicensing_licenseExpression": " AND ".join(
                 dict.fromkeys(i.expression for i in infos))}
        custom = [{"type": "DictionaryEntry", "key": i.expression, "value": i.iri}
                  for i in infos if not i.is_spdx]
        if custom:
            x["simplelicensing_customIdToUri"] = list(
                {d["key"]: d for d in custom}.values())
        elements.append(x)
        rid = f"{ns}relationship/{bom.root}/hasConcludedLicense"
        elements.append({"type": "Relationship", "spdxId": rid, "creationInfo": _CI,
                         "from": root, "relationshipType": "hasConcludedLicense", "to": [cid],
                         "comment": f"llm-lineage license verdict: {bom.verdict}"})
        annotate(rid, "restriction", [r.text() for r in bom.restrictions])

    options = [f"depth {bom.depth}" if bom.depth is not None else "whole lineage"]
    if bom.weights_only:
        options.append("weights only")
    if bom.as_of:
        options.append(f"as of {bom.as_of}")
    doc = {"type": "SpdxDocument", "spdxId": ns + "document", "creationInfo": _CI,
           "name": f"AI bill of materials of {bom.root_component.name}",
           "comment": f"Generated by {TOOL_NAME} from its lineage knowledge graph "
                      f"({', '.join(options)}; relations followed: "
                      f"{', '.join(bom.relations)}).",
           "profileConformance": ["core", "software", "ai", "dataset", "simpleLicensing"],
           "rootElement": [root],
           "element": [tool] + [o["spdxId"] for o in elements]}
    graph.append(doc)
    graph.extend(elements)
    return dumps({"@context": CONTEXT, "@graph": graph})


def _package(bom: Bom, c: Component, spdx_id: str, org: dict[str, str]) -> dict[str, Any]:
    kind = _package_kind(c)
    p: dict[str, Any] = {"type": kind, "spdxId": spdx_id, "creationInfo": _CI, "name": c.name}
    if c.description:
        p["description"] = c.description
    p["comment"] = _package_comment(c)
    if c.date and len(c.date) == 10:
        p["releaseTime"] = f"{c.date}T00:00:00Z"
    devs = [org[d] for d in c.developers if d in org]
    if devs:
        p["suppliedBy"] = devs[0]
        p["originatedBy"] = devs
    p["software_primaryPurpose"] = ("model" if c.is_model else "data" if c.type == "dataset"
                                    else "application")
    dataset = c.type == "dataset"
    if c.hub_ids:
        p["software_downloadLocation"] = hub_url(c.hub_ids[0], dataset)
        if not dataset:
            p["software_packageUrl"] = purl(c.hub_ids[0])
    ident = [{"type": "ExternalIdentifier", "externalIdentifierType": "urlScheme",
              "identifier": c.iri, "issuingAuthority": TOOL_NAME}]
    if not dataset:
        ident += [{"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl",
                   "identifier": purl(h)} for h in c.hub_ids]
    p["externalIdentifier"] = ident
    refs = []
    if c.urls:
        refs.append({"type": "ExternalRef", "externalRefType": "altWebPage",
                     "locator": list(c.urls)})
    if len(c.hub_ids) > 1:
        refs.append({"type": "ExternalRef", "externalRefType": "altDownloadLocation",
                     "locator": [hub_url(h, dataset) for h in c.hub_ids[1:]]})
    if refs:
        p["externalRef"] = refs
    training = [f"{phrase(e.relation)} {bom.component(e.target).name}"
                for e in bom.parents(c.id)]
    if kind == "ai_AIPackage":
        if c.architecture:
            p["ai_typeOfModel"] = [c.architecture]
        if training:
            p["ai_informationAboutTraining"] = "; ".join(training)
    elif kind == "dataset_DatasetPackage":
        text = (c.dataset_kind or "").casefold() in _TEXT_KINDS
        p["dataset_datasetType"] = ["text" if text else "noAssertion"]
        if c.method:
            p["dataset_dataCollectionProcess"] = c.method
    return p
