"""Check a bill of materials with the standards' own tools, and read it back.

Needs the ``[sbom]`` extra (``pip install 'llm-lineage[sbom]'``):

* SPDX 3.0.1: the SPDX 3 Python bindings (``spdx-python-model``, generated
  from the SPDX model's SHACL shapes) read the JSON-LD, which checks every
  type, property, value type and vocabulary term, then write it again, which
  checks every required property and cardinality; every reference must name
  an element of the document.
* CycloneDX 1.6: cyclonedx-python-lib's strict JSON validator (the official
  1.6 JSON schema, unknown properties refused); every ``ref`` must name a
  ``bom-ref`` of the document.

:func:`read_spdx3` and :func:`read_cyclonedx` parse a bill back into the
records, relations and licences it describes (:class:`BomSummary`), so a
round trip can be compared with ``lineage ancestry --json``.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lineage.errors import LineageError

__all__ = ["SbomValidationError", "BomSummary", "validate", "validate_spdx3",
           "validate_cyclonedx", "read_spdx3", "read_cyclonedx"]


class SbomValidationError(LineageError):
    """A bill of materials failed its standard's validator (or the validator is missing)."""


def _need(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise SbomValidationError(
            f"checking the bill needs {package}, which is not installed. Install it with: "
            "pip install 'llm-lineage[sbom]'") from None


@dataclass
class BomSummary:
    """What a bill says: records by type, lineage relations and licences."""

    root: str
    components: dict[str, str] = field(default_factory=dict)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    declared: dict[str, set[str]] = field(default_factory=dict)
    concluded: set[str] = field(default_factory=set)

    @property
    def licenses(self) -> set[str]:
        return set().union(*self.declared.values(), self.concluded) if self.declared \
            else set(self.concluded)


def validate(text: str, fmt: str) -> list[str]:
    """Problems the standard's validator finds in ``text`` (empty when valid)."""
    if fmt == "spdx3":
        return validate_spdx3(text)
    if fmt == "cyclonedx":
        return validate_cyclonedx(text)
    raise SbomValidationError(f"unknown SBOM format {fmt!r}. Use spdx3 or cyclonedx.")


def _spdx_objects(text: str) -> Any:
    spdx = _need("spdx_python_model", "spdx-python-model").v3_0_1
    objset = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(io.BytesIO(text.encode("utf-8")), objset)
    return spdx, objset


def validate_spdx3(text: str) -> list[str]:
    """Problems in an SPDX 3.0.1 JSON-LD document, found by the SPDX 3 Python bindings."""
    try:
        data = json.loads(text)
    except ValueError as e:
        return [f"not JSON: {e}"]
    if data.get("@context") != "https://spdx.org/rdf/3.0.1/spdx-context.jsonld":
        return [f"@context is {data.get('@context')!r}, not the SPDX 3.0.1 context"]
    try:
        spdx, objset = _spdx_objects(text)
    except SbomValidationError:
        raise
    except Exception as e:  # the bindings raise TypeError/ValueError/KeyError on bad data
        return [f"SPDX 3.0.1 model refuses the document: {type(e).__name__}: {e}"]
    problems = []
    missing = objset.link()
    if missing:
        problems.append("references to no element of the document: "
                        + ", ".join(sorted(str(m) for m in missing)[:10]))
    try:
        spdx.JSONLDSerializer().write(objset, io.BytesIO())
    except Exception as e:
        problems.append(f"SPDX 3.0.1 model: {type(e).__name__}: {e}")
    ids = [o.get("spdxId") for o in data.get("@graph", []) if "spdxId" in o]
    if len(ids) != len(set(ids)):
        problems.append("an spdxId is used twice")
    docs = [o for o in data.get("@graph", []) if o.get("type") == "SpdxDocument"]
    if len(docs) != 1:
        problems.append(f"{len(docs)} SpdxDocument elements; expected one")
    else:
        listed = set(docs[0].get("element", []))
        absent = sorted(set(ids) - listed - {docs[0]["spdxId"]})
        if absent:
            problems.append("elements not listed in the SpdxDocument: " + ", ".join(absent[:5]))
    return problems


def validate_cyclonedx(text: str) -> list[str]:
    """Problems in a CycloneDX 1.6 JSON document, found by cyclonedx-python-lib's strict
    validator, and references to no ``bom-ref``."""
    _need("cyclonedx", "cyclonedx-python-lib")
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    if errors is not None:  # one error, or an iterable of them with all_errors
        errs = [errors] if hasattr(errors, "data") else list(errors)
        return [f"CycloneDX 1.6 schema: {getattr(e.data, 'message', e)}" for e in errs]
    data = json.loads(text)
    refs = {c["bom-ref"] for c in _all_components(data) if "bom-ref" in c}
    problems = []
    for d in data.get("dependencies", []):
        for r in [d["ref"], *d.get("dependsOn", [])]:
            if r not in refs:
                problems.append(f"dependency names no bom-ref: {r!r}")
    for c in _all_components(data):
        for ds in c.get("modelCard", {}).get("modelParameters", {}).get("datasets", []):
            if "ref" in ds and ds["ref"] not in refs:
                problems.append(f"modelCard dataset names no bom-ref: {ds['ref']!r}")
    for a in data.get("annotations", []):
        for s in a["subjects"]:
            if s not in refs:
                problems.append(f"annotation subject names no bom-ref: {s!r}")
    return problems


def _all_components(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    meta = data.get("metadata", {}).get("component")
    if meta:
        out.append(meta)
    out.extend(data.get("components", []))
    return out


_KIND = re.compile(r"^llm-lineage relation: ([a-z_]+)")
_IRI = "https://w3id.org/llm-lineage/id/"


def read_spdx3(text: str) -> BomSummary:
    """Read an SPDX bill back with the SPDX 3 Python bindings."""
    spdx, objset = _spdx_objects(text)
    objset.link()
    rid: dict[str, str] = {}
    types: dict[str, str] = {}
    for o in objset.foreach_type(spdx.software_Package):
        for x in o.externalIdentifier:
            if x.externalIdentifierType == spdx.ExternalIdentifierType.urlScheme and \
                    x.identifier.startswith(_IRI):
                rid[o._id] = x.identifier[len(_IRI):]
        types[o._id] = ("model" if isinstance(o, spdx.ai_AIPackage) else
                        "dataset" if isinstance(o, spdx.dataset_DatasetPackage) else "software")
    doc = next(iter(objset.foreach_type(spdx.SpdxDocument)))
    root = doc.rootElement[0]
    summary = BomSummary(root=rid[root._id])
    summary.components = {rid[k]: t for k, t in types.items()}
    lic_expr = {o._id: o.simplelicensing_licenseExpression
                for o in objset.foreach_type(spdx.simplelicensing_LicenseExpression)}
    RT = spdx.RelationshipType
    for r in objset.foreach_type(spdx.Relationship):
        f = r.from_._id
        tos = [t._id for t in r.to]
        if r.relationshipType == RT.hasDeclaredLicense:
            summary.declared.setdefault(rid[f], set()).update(lic_expr[t] for t in tos)
        elif r.relationshipType == RT.hasConcludedLicense:
            for t in tos:
                summary.concluded.update(p.strip() for p in lic_expr[t].split(" AND "))
        else:
            m = _KIND.match(r.comment or "")
            kind = m.group(1) if m else str(r.relationshipType)
            for t in tos:
                reverse = r.relationshipType in (RT.hasVariant, RT.generates)
                a, b = (rid[t], rid[f]) if reverse else (rid[f], rid[t])
                summary.edges.add((a, kind, b))
    return summary


def read_cyclonedx(text: str) -> BomSummary:
    """Read a CycloneDX bill back (plain JSON: the format is self-describing)."""
    data = json.loads(text)
    comps = _all_components(data)
    summary = BomSummary(root=data["metadata"]["component"]["bom-ref"])
    prefix = "llm-lineage:relation:"
    for c in comps:
        props = c.get("properties", [])
        ctype = next(p["value"] for p in props if p["name"] == "llm-lineage:type")
        summary.components[c["bom-ref"]] = "dataset" if ctype == "dataset" else \
            "model" if ctype in ("model", "family") else "software"
        for p in props:
            if p["name"].startswith(prefix):
                summary.edges.add((c["bom-ref"], p["name"][len(prefix):], p["value"]))
        for entry in c.get("licenses", []):
            lic = entry["license"]
            expr = lic.get("id") or "LicenseRef-" + next(
                p["value"] for p in lic["properties"] if p["name"] == "llm-lineage:license")
            if lic["acknowledgement"] == "declared":
                summary.declared.setdefault(c["bom-ref"], set()).add(expr)
            else:
                summary.concluded.add(expr)
    return summary
