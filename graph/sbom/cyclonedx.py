"""A bill of materials as CycloneDX 1.6 JSON (machine-learning-model and data components).

Written by our own code from a :class:`~graph.sbom.common.Bom` (deterministic);
cyclonedx-python-lib's strict JSON validator for 1.6 (the ``[sbom]`` extra)
only checks it (:func:`graph.sbom.validate.validate_cyclonedx`). See
``docs/sbom.md`` for the mapping; in short:

* the root is ``metadata.component``; every ancestor, dataset and teacher is
  a component whose ``bom-ref`` is its record id: ``machine-learning-model``
  for models and families, ``data`` for datasets, ``application`` for software;
* the root's ``pedigree.ancestors`` lists every model whose weights it
  carries, nearest first (the immediate parent first); every other model's
  lists its immediate parents (they are components with pedigrees of their
  own, so the bill grows linearly with the lineage); ``dependencies`` hold
  every lineage edge (a model depends on its parents and its training data, a
  dataset on its teachers and sources), and properties named
  ``llm-lineage:relation:<kind>`` keep our relation kinds;
* a model's ``modelCard.modelParameters.datasets`` refers to the data
  components it was trained on;
* licences carry ``acknowledgement``: ``declared`` for a component's own,
  ``concluded`` on the root for everything its lineage brings, with the
  verdict and each restriction's path as properties;
* developers are suppliers; Hub ids are purls and distribution references,
  URLs website references; the sources of each fact are ``annotations``.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..store.base import Edge
from .common import (
    TOOL_NAME,
    Bom,
    Component,
    bom_relations,
    dumps,
    hub_url,
    phrase,
    purl,
    source_text,
)

__all__ = ["SPEC_VERSION", "to_cyclonedx", "serial_number", "PROPERTY_PREFIX"]

SPEC_VERSION = "1.6"
PROPERTY_PREFIX = "llm-lineage:"
_WEIGHTS = frozenset(bom_relations(weights_only=True))


def serial_number(bom: Bom) -> str:
    """``urn:uuid:...``, a name-based UUID of the bill's contents.

    >>> from graph.analytics import example_store
    >>> from graph.sbom.common import collect
    >>> bom = collect(example_store(), "vicuna-13b")
    >>> serial_number(bom) == serial_number(collect(example_store(), "vicuna-13b"))
    True
    >>> serial_number(bom).startswith("urn:uuid:")
    True
    """
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL,
                                        f"https://w3id.org/llm-lineage/sbom/{bom.digest}"))


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": PROPERTY_PREFIX + name, "value": str(value)}


def _kind(c: Component) -> str:
    if c.is_model:
        return "machine-learning-model"
    if c.type == "dataset":
        return "data"
    return "application"


def _licenses(bom: Bom, c: Component, root: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def entry(lid: str, ack: str, extra: list[dict[str, str]]) -> dict[str, Any]:
        info = bom.licenses[lid]
        lic: dict[str, Any] = ({"id": info.expression} if info.is_spdx else {"name": info.name})
        lic["acknowledgement"] = ack
        if info.urls:
            lic["url"] = info.urls[0]
        props = [_prop("license", lid), _prop("terms", info.terms())]
        if info.is_spdx:
            props.insert(1, _prop("license-name", info.name))
        lic["properties"] = props + extra
        return {"license": lic}

    for lid in dict.fromkeys(c.licenses):
        if lid in bom.licenses:
            out.append(entry(lid, "declared", []))
    if root:
        for lid in dict.fromkeys(r.license for r in bom.restrictions):
            out.append(entry(lid, "concluded", [_prop("restriction", r.text())
                                                for r in bom.restrictions if r.license == lid]))
    return out


def _component(bom: Bom, c: Component, tool: dict[str, Any]) -> dict[str, Any]:
    root = c.id == bom.root
    dataset = c.type == "dataset"
    d: dict[str, Any] = {"type": _kind(c), "bom-ref": c.id}
    devs = [bom.agents[a] for a in c.developers if a in bom.agents]
    if devs:
        sup: dict[str, Any] = {"name": devs[0].name}
        if devs[0].urls:
            sup["url"] = list(devs[0].urls)
        d["supplier"] = sup
    d["name"] = c.name
    if c.description:
        d["description"] = c.description
    lic = _licenses(bom, c, root)
    if lic:
        d["licenses"] = lic
    if c.hub_ids and not dataset:
        d["purl"] = purl(c.hub_ids[0])
    # the root lists every model whose weights it carries; the others their parents (each
    # is a component of its own, with its own pedigree): the bill stays linear in size
    if not c.is_model:
        ancestors = []
    elif root:
        ancestors = bom.weight_ancestors(c.id)
    else:
        weights = {k for k in bom.relations if k in _WEIGHTS}
        first: dict[str, tuple[str, Edge]] = {}
        for e in bom.parents(c.id):
            if e.relation in weights:
                first.setdefault(e.target, (e.target, e))
        ancestors = list(first.values())
    if ancestors:
        d["pedigree"] = {"ancestors": [_ancestor(bom, a, e) for a, e in ancestors]}
    refs = [{"type": "website", "url": u} for u in c.urls]
    refs += [{"type": "distribution", "url": hub_url(h, dataset)} for h in c.hub_ids]
    if refs:
        d["externalReferences"] = refs
    trained = [e.target for e in bom.parents(c.id) if e.relation == "trained_on"]
    if c.is_model and (trained or c.architecture):
        params: dict[str, Any] = {}
        if c.architecture:
            params["modelArchitecture"] = c.architecture
        if trained:
            params["datasets"] = [{"ref": t} for t in dict.fromkeys(trained)]
        d["modelCard"] = {"modelParameters": params}
    if dataset:
        data: dict[str, Any] = {"type": "dataset", "name": c.name}
        if c.method:
            data["description"] = c.method
        d["data"] = [data]
    props = [_prop("id", c.id), _prop("type", c.type), _prop("iri", c.iri)]
    if c.date:
        props.append(_prop("date", c.date))
    if c.weights:
        props.append(_prop("weights", c.weights))
    if c.parameters:
        props.append(_prop("parameters", c.parameters))
    props += [_prop("alias", a) for a in c.aliases]
    props += [_prop("developed_by", a) for a in c.developers]
    for e in bom.parents(c.id):
        props.append(_prop(f"relation:{e.relation}", e.target))
    if root and bom.verdict is not None:
        use = {True: "allowed", False: "not allowed", None: "unknown"}[bom.commercial_use]
        props.append(_prop("commercial-use", use))
        props.append(_prop("license-verdict", bom.verdict))
    d["properties"] = props
    return d


def _ancestor(bom: Bom, rid: str, via: Edge) -> dict[str, Any]:
    a = bom.component(rid)
    d: dict[str, Any] = {"type": _kind(a), "name": a.name}
    if a.hub_ids:
        d["purl"] = purl(a.hub_ids[0])
    d["properties"] = [_prop("ref", rid), _prop("relation", via.relation),
                       _prop("child", via.source), _prop("confidence", via.confidence)]
    return d


def to_cyclonedx(bom: Bom) -> str:
    """The bill of materials as CycloneDX 1.6 JSON text.

    >>> import json
    >>> from graph.analytics import example_store
    >>> from graph.sbom.common import collect
    >>> doc = json.loads(to_cyclonedx(collect(example_store(), "vicuna-13b")))
    >>> doc["metadata"]["component"]["bom-ref"], [c["bom-ref"] for c in doc["components"]]
    ('vicuna-13b', ['llama-13b', 'sharegpt', 'chatgpt', 'llama'])
    >>> [p["properties"][0]["value"] for p in doc["metadata"]["component"]["pedigree"]["ancestors"]]
    ['llama-13b', 'llama']
    >>> [(x["license"]["name"], x["license"]["acknowledgement"])
    ...  for x in doc["metadata"]["component"]["licenses"]]
    [('LLaMA license', 'concluded'), ('OpenAI terms of use', 'concluded')]
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version(TOOL_NAME)
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        tool_version = "unknown"
    tool = {"type": "application", "name": TOOL_NAME, "version": tool_version}
    comps = [_component(bom, c, tool) for c in bom.components]
    deps = []
    for c in bom.components:
        parents = list(dict.fromkeys(e.target for e in bom.parents(c.id)))
        deps.append({"ref": c.id, "dependsOn": parents})
    annotations: list[dict[str, Any]] = []
    seen: set[tuple[str, ...]] = set()

    def annotate(subjects: list[str], text: str) -> None:
        key = (*subjects, text)
        if key in seen:
            return
        seen.add(key)
        annotations.append({"subjects": subjects, "annotator": {"component": tool},
                            "timestamp": bom.created, "text": text})

    names = {c.id: c.name for c in bom.components}
    for c in bom.components:
        for s in c.sources:
            what = f"{s.field} of {c.name}" if s.field else c.name
            annotate([c.id], f"{what}: source: {source_text(s)}")
        for e in c.developer_edges:
            org = bom.agents[e.target].name if e.target in bom.agents else e.target
            for s in e.sources:
                annotate([c.id], f"{c.name} developed by {org}: source: {source_text(s)}")
        for e in c.license_edges:
            if e.target in bom.licenses:
                for s in e.sources:
                    annotate([c.id], f"{c.name} licensed under {bom.licenses[e.target].name} "
                                     f"[{e.confidence}]: source: {source_text(s)}")
    for e in bom.edges:
        for s in e.sources:
            annotate(list(dict.fromkeys([e.source, e.target])),
                     f"{names[e.source]} {phrase(e.relation)} {names[e.target]} "
                     f"[{e.relation}, {e.confidence}]: "
                     f"source: {source_text(s)}")
    if bom.verdict is not None:
        use = {True: "allowed", False: "not allowed", None: "unknown"}[bom.commercial_use]
        lines = [f"Commercial use of {bom.root_component.name}: {use}; {bom.verdict}."]
        lines += [f"- {r.text()}" for r in bom.restrictions]
        annotate([bom.root], "\n".join(lines))

    meta_props = [_prop("depth", bom.depth if bom.depth is not None else "all"),
                  _prop("weights-only", str(bom.weights_only).lower()),
                  _prop("relations", ",".join(bom.relations))]
    if bom.as_of:
        meta_props.append(_prop("as-of", bom.as_of))
    doc: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial_number(bom),
        "version": 1,
        "metadata": {"timestamp": bom.created, "tools": {"components": [tool]},
                     "component": comps[0], "properties": meta_props},
        "components": comps[1:],
        "dependencies": deps,
    }
    if annotations:
        doc["annotations"] = annotations
    return dumps(doc)
