"""The contents of an AI bill of materials, gathered once for every format.

:func:`collect` walks a model's lineage in a store and returns a :class:`Bom`:
the root, every ancestor whose weights it carries, every dataset it or such an
ancestor was trained on (and the datasets those derive from), the teacher
models that generated that data or that it or such an ancestor was
``distilled_from``, and their own lineage, the developers and
declared licences of each, the licence verdict of the root with the path of
each restriction, and the sources of every fact. The writers in
:mod:`graph.sbom.spdx3` and :mod:`graph.sbom.cyclonedx` only lay it out.

Which relations count is read from the vocabulary at run time: the weight
relations that carry the parent's weights into the child (``finetune``,
``adapter``, ``quantized``, ``merge``, ``continued_pretraining``, ``variant``;
see :data:`graph.analytics.INHERITING_RELATIONS`), and the data relations.
Relations that follow a model without carrying its weights (a ``successor``
trained from scratch, a ``reproduction``) are not materials of the model and
stay out.

Everything is ordered and named from the data alone, so two exports of the
same data are byte-identical: records by distance then name, relations by
their stating record and position, and the document's identity (the SPDX
namespace, the CycloneDX serial number) and creation time derived from the
contents (:attr:`Bom.digest`, :attr:`Bom.created`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lineage.dates import date_key
from lineage.errors import QueryError

from .. import analytics, query
from ..store.base import Edge, Source, Store, category

__all__ = [
    "RECORD_BASE",
    "phrase",
    "TOOL_NAME",
    "LicenseInfo",
    "Agent",
    "Component",
    "Restriction",
    "Bom",
    "bom_relations",
    "collect",
    "dumps",
    "hub_url",
    "purl",
    "source_text",
]

RECORD_BASE = "https://w3id.org/llm-lineage/id/"
"""The IRI of a record is this plus its id (the base of ``lineage export rdf``)."""

TOOL_NAME = "llm-lineage"

_SPDX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")
_BOM_TYPES = frozenset({"model", "family", "dataset", "software", "application"})


def bom_relations(*, weights_only: bool = False) -> tuple[str, ...]:
    """The relation kinds a bill of materials follows, from the vocabulary in force.

    Weight relations that carry the parent's weights, then the data relations
    (``trained_on``, ``distilled_from`` to a teacher, ``generated_by`` ...)
    unless ``weights_only``: a distilled model learned its teacher's outputs,
    not its weights, so the teacher is data lineage, left out with the datasets.

    >>> bom_relations(weights_only=True)[:3]
    ('finetune', 'adapter', 'quantized')
    >>> "trained_on" in bom_relations(), "successor" in bom_relations()
    (True, False)
    >>> "distilled_from" in bom_relations(), "distilled_from" in bom_relations(weights_only=True)
    (True, False)
    """
    from lineage import vocab

    inheriting = getattr(vocab, "INHERITING_RELATIONS", None) or analytics.INHERITING_RELATIONS
    carrying = [k for k in inheriting if category(k) == "weights"]
    if weights_only:
        return tuple(carrying)
    return tuple(carrying) + tuple(k for k in vocab.RELATION_KINDS if category(k) == "data")


@dataclass(frozen=True)
class LicenseInfo:
    """A licence record: an SPDX id where one exists, a named licence otherwise."""

    id: str
    name: str
    spdx: str | None = None
    urls: tuple[str, ...] = ()
    commercial_use: bool | None = None
    restricts_outputs: bool = False
    why: str | None = None

    @property
    def expression(self) -> str:
        """``Apache-2.0`` for an SPDX licence, ``LicenseRef-<id>`` for a named one."""
        if self.spdx and _SPDX_ID.match(self.spdx):
            return self.spdx
        return f"LicenseRef-{self.id}"

    @property
    def is_spdx(self) -> bool:
        return not self.expression.startswith("LicenseRef-")

    @property
    def iri(self) -> str:
        """Where the licence is described: its first URL, else its record's IRI."""
        return self.urls[0] if self.urls else RECORD_BASE + self.id

    def terms(self) -> str:
        """The licence's terms as data, in words."""
        use = {True: "commercial use allowed", False: "non-commercial",
               None: "commercial use not stated"}[self.commercial_use]
        parts = [use]
        if self.restricts_outputs:
            parts.append("restricts what its outputs may be used for")
        text = "; ".join(parts)
        return f"{text} ({self.why.rstrip('.')})" if self.why else text


@dataclass(frozen=True)
class Agent:
    """An organization that develops a component (its supplier)."""

    id: str
    name: str
    urls: tuple[str, ...] = ()


@dataclass
class Component:
    """One record of the bill: the root, an ancestor, a dataset or a teacher."""

    id: str
    type: str
    name: str
    depth: int
    aliases: tuple[str, ...] = ()
    date: str | None = None
    description: str | None = None
    weights: str | None = None
    hub_ids: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    architecture: str | None = None
    parameters: int | None = None
    dataset_kind: str | None = None
    method: str | None = None
    developers: tuple[str, ...] = ()
    developer_edges: tuple[Edge, ...] = ()
    license_edges: tuple[Edge, ...] = ()
    sources: tuple[Source, ...] = ()

    @property
    def is_model(self) -> bool:
        return self.type in ("model", "family")

    @property
    def licenses(self) -> tuple[str, ...]:
        """Ids of the licences it declares (its own ``licensed_under``)."""
        return tuple(e.target for e in self.license_edges)

    @property
    def iri(self) -> str:
        return RECORD_BASE + self.id


@dataclass(frozen=True)
class Restriction:
    """A licence that applies to the root, and the lineage path that brings it."""

    license: str
    kind: str
    effect: str
    reason: str
    path: tuple[str, ...]
    path_names: tuple[str, ...]
    weak: bool

    def text(self) -> str:
        """``[weights] forbids commercial use: A → B → LLaMA license (LLaMA license: non-commercial)``."""
        weak = ", weakly sourced" if self.weak else ""
        effect = {"forbids": "forbids commercial use", "allows": "allows commercial use",
                  "unknown": "commercial use not stated"}.get(self.effect, self.effect)
        return f"[{self.kind}{weak}] {effect}: {' → '.join(self.path_names)} ({self.reason})"


@dataclass
class Bom:
    """Everything a bill of materials says, in the order it says it."""

    root: str
    components: list[Component]
    edges: list[Edge]
    licenses: dict[str, LicenseInfo]
    agents: dict[str, Agent]
    commercial_use: bool | None = None
    verdict: str | None = None
    verdict_weak: bool = False
    restrictions: list[Restriction] = field(default_factory=list)
    depth: int | None = None
    weights_only: bool = False
    relations: tuple[str, ...] = ()
    as_of: str | None = None
    digest: str = ""
    created: str = "1970-01-01T00:00:00Z"

    _index: dict[str, Component] = field(default_factory=dict, repr=False, compare=False)
    _parents: dict[str, list[Edge]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def root_component(self) -> Component:
        return self.components[0]

    def component(self, rid: str) -> Component:
        """The component of record ``rid``."""
        if len(self._index) != len(self.components):
            self._index = {c.id: c for c in self.components}
        return self._index[rid]

    def parents(self, rid: str) -> list[Edge]:
        """The lineage edges ``rid`` states, in order (``edges`` is fixed once collected)."""
        if not self._parents and self.edges:
            for e in self.edges:
                self._parents.setdefault(e.source, []).append(e)
        return self._parents.get(rid, [])

    def weight_ancestors(self, rid: str) -> list[tuple[str, Edge]]:
        """``rid``'s weight ancestors in the bill, nearest first, each with the edge
        that reaches it (breadth-first, each reached once)."""
        weights = set(bom_relations(weights_only=True))
        out: list[tuple[str, Edge]] = []
        seen = {rid}
        frontier = [rid]
        while frontier:
            nxt = []
            for n in frontier:
                for e in self.parents(n):
                    if e.relation in weights and e.target not in seen:
                        seen.add(e.target)
                        out.append((e.target, e))
                        nxt.append(e.target)
            frontier = nxt
        return out

    def content(self) -> dict[str, Any]:
        """The bill as plain JSON data (what :attr:`digest` is computed from)."""
        return {
            "root": self.root,
            "options": {"depth": self.depth, "weights_only": self.weights_only,
                        "relations": list(self.relations), "as_of": self.as_of},
            "components": [_component_data(c) for c in self.components],
            "edges": [_edge_data(e) for e in self.edges],
            "licenses": [vars(lic) | {"urls": list(lic.urls)} for lic in self.licenses.values()],
            "agents": [vars(a) | {"urls": list(a.urls)} for a in self.agents.values()],
            "verdict": {"commercial_use": self.commercial_use, "reason": self.verdict,
                        "weak": self.verdict_weak,
                        "restrictions": [vars(r) | {"path": list(r.path),
                                                    "path_names": list(r.path_names)}
                                         for r in self.restrictions]},
        }


def _component_data(c: Component) -> dict[str, Any]:
    d = {k: v for k, v in vars(c).items() if k not in ("developer_edges", "license_edges",
                                                      "sources")}
    d = {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
    d["developer_edges"] = [_edge_data(e) for e in c.developer_edges]
    d["license_edges"] = [_edge_data(e) for e in c.license_edges]
    d["sources"] = [s.to_dict() for s in c.sources]
    return d


def _edge_data(e: Edge) -> dict[str, Any]:
    return {"source": e.source, "relation": e.relation, "target": e.target,
            "confidence": e.confidence, "key": e.key, **e.body()}


def phrase(relation: str) -> str:
    """How a relation reads upwards (``fine-tuned from``), or its kind when the
    vocabulary has no phrase for it."""
    from lineage import vocab

    phrases = getattr(vocab, "PHRASES", None) or {}
    return phrases.get(relation, (relation.replace("_", " "),))[0]


def dumps(obj: Any) -> str:
    """JSON text with sorted-free, stable layout: two-space indent, UTF-8 kept.

    Falls back to ASCII escapes when a string holds a lone surrogate, so the
    text always encodes as UTF-8 and always parses.
    """
    text = json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, ensure_ascii=True, indent=2) + "\n"
    return text


def source_text(s: Source) -> str:
    """``document “quote” (locator)``: one source in words."""
    text = s.document
    if s.quote:
        text += f" “{s.quote}”"
    if s.locator:
        text += f" ({s.locator})"
    return text


def hub_url(hub_id: str, dataset: bool = False) -> str:
    """The Hugging Face page of a Hub id.

    >>> hub_url("lmsys/vicuna-13b-v1.3"), hub_url("anon8231489123/ShareGPT_Vicuna_unfiltered", True)
    ('https://huggingface.co/lmsys/vicuna-13b-v1.3', 'https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered')
    """
    return f"https://huggingface.co/{'datasets/' if dataset else ''}{hub_id}"


def purl(hub_id: str) -> str:
    """The package URL of a Hub model (purl type ``huggingface``).

    >>> purl("lmsys/vicuna-13b-v1.3")
    'pkg:huggingface/lmsys/vicuna-13b-v1.3'
    """
    return f"pkg:huggingface/{hub_id}"


def _created(dates: list[str | None]) -> str:
    """The newest date among ``dates`` as an SPDX/CycloneDX timestamp (day precision)."""
    keys = [date_key(d) for d in dates if d]
    keys = [k for k in keys if k]
    if not keys:
        return "1970-01-01T00:00:00Z"
    y, *rest = max(keys)
    m = rest[0] if rest else 1
    d = rest[1] if len(rest) > 1 else 1
    return f"{y:04d}-{m:02d}-{d:02d}T00:00:00Z"


def _component(S: Store, rid: str, depth: int) -> Component:
    n = S.node(rid)
    rec = S.record(rid)
    lic_edges = tuple(e for e in S.out_edges(rid, ["licensed_under"])
                      if e.target in S and S.node(e.target).type == "license")
    return Component(
        id=rid, type=n.type, name=n.name, depth=depth, aliases=tuple(n.aliases), date=n.date,
        description=rec.get("description"), weights=n.weights, hub_ids=tuple(n.hub_ids),
        urls=tuple(rec.get("urls") or ()), architecture=rec.get("architecture"),
        parameters=rec.get("parameters"), dataset_kind=rec.get("kind") if n.type == "dataset"
        else None, method=rec.get("method_note") or rec.get("method"),
        developers=tuple(d for d in query.developers(S, rid) if d in S),
        developer_edges=tuple(S.out_edges(rid, ["developed_by"])),
        license_edges=lic_edges,
        sources=tuple(Source.from_dict(s) for s in rec.get("sources") or ()),
    )


def _license(S: Store, lid: str) -> LicenseInfo:
    rec = S.record(lid)
    return LicenseInfo(id=lid, name=rec.get("name") or lid, spdx=rec.get("spdx"),
                       urls=tuple(rec.get("urls") or ()),
                       commercial_use=rec.get("commercial_use"),
                       restricts_outputs=bool(rec.get("restricts_outputs")), why=rec.get("why"))


def collect(S: Store, node: str, *, depth: int | None = None,
            weights_only: bool = False) -> Bom:
    """Gather the bill of materials of ``node`` from a store.

    Parameters
    ----------
    S : Store
    node : str
        A record id of a model, family, dataset or software (use
        :func:`graph.query.resolve` for names).
    depth : int, optional
        Follow lineage this many hops at most (the licence verdict still
        covers the whole lineage: it is the root's terms).
    weights_only : bool
        Follow weight lineage only: no datasets or teachers.

    Returns
    -------
    Bom

    Raises
    ------
    UnknownRecordError, QueryError

    Examples
    --------
    >>> from graph.analytics import example_store
    >>> bom = collect(example_store(), "vicuna-13b")
    >>> [c.id for c in bom.components]
    ['vicuna-13b', 'llama-13b', 'sharegpt', 'chatgpt', 'llama']
    >>> [(e.source, e.relation, e.target) for e in bom.edges][:2]
    [('vicuna-13b', 'finetune', 'llama-13b'), ('vicuna-13b', 'trained_on', 'sharegpt')]
    >>> sorted(bom.licenses), bom.commercial_use
    (['llama-license', 'openai-terms'], False)
    >>> [r.license for r in bom.restrictions]
    ['llama-license', 'openai-terms']
    """
    if node not in S:
        raise query._unknown(S, node)
    t = S.node(node).type
    if t not in _BOM_TYPES:
        raise QueryError(
            f"{node!r} is a {t}; a bill of materials describes a model, family, dataset, "
            f"software or application. Run 'lineage show {node}' to see what it is.")
    kinds = bom_relations(weights_only=weights_only)
    lin = query.ancestry(S, node, depth=depth, relations=kinds)
    names = {n: S.node(n).name for n in lin.nodes}
    order = sorted(lin.nodes, key=lambda n: (lin.depth[n], n != node, names[n].casefold(), n))
    comps = [_component(S, n, lin.depth[n]) for n in order
             if n == node or S.node(n).type in _BOM_TYPES]
    kept = {c.id for c in comps}
    rank = {c.id: i for i, c in enumerate(comps)}
    edges = sorted((e for e in lin.edges if e.source in kept and e.target in kept),
                   key=lambda e: (rank[e.source], e.position, e.relation, e.target))

    bom = Bom(root=node, components=comps, edges=edges, licenses={}, agents={},
              depth=depth, weights_only=weights_only, relations=kinds,
              as_of=getattr(S, "as_of_date", None))
    lic_ids = {lid for c in comps for lid in c.licenses}
    if t in analytics.LICENSED_TYPES:
        report = analytics.effective_license(S, node)
        bom.commercial_use, bom.verdict, bom.verdict_weak = (
            report.commercial_use, report.reason, report.weak)
        for r in report.restrictions:
            why = S.record(r.license).get("why")
            reason = r.reason
            if why and reason.endswith(f" ({why.rstrip('.')})"):  # the terms say it once
                reason = reason[: -len(f" ({why.rstrip('.')})")]
            bom.restrictions.append(Restriction(
                license=r.license, kind=r.kind, effect=r.effect, reason=reason,
                path=tuple(r.path.nodes), path_names=tuple(S.node(n).name for n in r.path.nodes),
                weak=r.weak))
            lic_ids.add(r.license)
    bom.licenses = {lid: _license(S, lid) for lid in sorted(lic_ids)}
    org_ids = sorted({d for c in comps for d in c.developers})
    for oid in org_ids:
        rec = S.record(oid)
        bom.agents[oid] = Agent(oid, rec.get("name") or oid, tuple(rec.get("urls") or ()))
    dates = [c.date for c in comps] + [e.date for e in edges]
    bom.created = _created(dates)
    payload = json.dumps(bom.content(), ensure_ascii=True, sort_keys=True,
                         separators=(",", ":"))
    bom.digest = hashlib.sha256(payload.encode("ascii")).hexdigest()
    return bom
