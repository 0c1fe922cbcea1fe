"""Lineage analytics: licence inheritance, teachers and students, common ancestors, checks.

Questions about a model's heritage, answered from a store (see
:mod:`graph.store.base`; edges point from a record to what it derives from):

* :func:`effective_license` — may the model be used commercially, given its own
  licence, the licences of the models whose weights it carries, of the data it
  was trained on, and the terms of the models that generated that data?
* :func:`teachers` / :func:`students` — which models' outputs a model learned
  from (through data ``generated_by`` them, or ``distilled_from`` them
  directly), and the reverse.
* :func:`common_ancestors` — the lowest common ancestors of several records.
* :func:`consistency_report` — dates, merges, one-sided or dangling relations,
  unsourced records, contradictory claims and licence conflicts.

Every function takes the store first, never changes it, validates its
arguments at once and returns concrete values; each works the same on a store
restricted with :func:`graph.query.as_of`.

The examples use :func:`example_store`: the store of
:func:`graph.query.example_store` plus licences and a few more records::

    alpaca-7b --finetune--> llama-7b --variant--> llama --licensed_under--> llama-license
    alpaca-7b --trained_on--> alpaca-data --generated_by--> text-davinci-003
    text-davinci-003 --licensed_under--> openai-terms
    vicuna-13b --finetune--> llama-13b --variant--> llama
    vicuna-13b --trained_on--> sharegpt --generated_by--> chatgpt --licensed_under--> openai-terms
    lit-llama --reproduction--> llama;  lit-llama --licensed_under--> apache-2.0
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from lineage.dates import date_key
from lineage.errors import NoCommonAncestorError, Problem, QueryError
from lineage.vocab import INFLUENCE_RELATIONS
from lineage.vocab import INHERITING_RELATIONS as _INHERITING

from . import query
from .query import Edge, LineagePath
from .render import path_text
from .store.base import Store

if TYPE_CHECKING:
    from lineage.load import KnowledgeBase, Origin

__all__ = [
    "INHERITING_RELATIONS",
    "LICENSED_TYPES",
    "Restriction",
    "Missing",
    "Conflict",
    "LicenseReport",
    "Teaching",
    "CommonAncestors",
    "CheckReport",
    "NoCommonAncestorError",
    "example_store",
    "effective_license",
    "filter_commercial",
    "teachers",
    "students",
    "common_ancestors",
    "consistency_report",
    "record_gaps",
    "GAP_KINDS",
]

NON_INHERITING_RELATIONS: tuple[str, ...] = INFLUENCE_RELATIONS
"""Lineage relations that do not carry the parent's weights: the ``influence`` category."""

INHERITING_RELATIONS: tuple[str, ...] = _INHERITING
"""Weight relations that carry the parent's weights, and so its licence, into the child.

The ``influence`` relations (``successor``, ``reproduction``, ``architecture``,
``builds_on``) are left out: Lit-LLaMA re-implements LLaMA under Apache-2.0 and
Llama 2 succeeds LLaMA under new terms; neither carries LLaMA's weights.
"""

LICENSED_TYPES: tuple[str, ...] = ("model", "family", "dataset", "software", "application")
"""Record types whose licensing :func:`effective_license` can compute."""

_STUDENT_TYPES = frozenset({"model", "family", "software"})
_CARRY = frozenset(INHERITING_RELATIONS)  # relations that carry weights into the child

Kind = Literal["own", "weights", "data", "teacher"]
Effect = Literal["forbids", "allows", "unknown"]


_EXAMPLE_EXTRA = """
- {id: llama-license, type: license, name: LLaMA license, commercial_use: false,
   why: Non-commercial research licence.}
- {id: openai-terms, type: license, name: OpenAI terms of use, restricts_outputs: true,
   why: Outputs may not be used to develop models that compete with OpenAI.}
- {id: apache-2.0, type: license, name: Apache License 2.0, spdx: Apache-2.0,
   commercial_use: true}
- {type: relation, source: llama, relation: licensed_under, target: llama-license,
   sources: [{document: example, quote: "non-commercial license"}]}
- {type: relation, source: text-davinci-003, relation: licensed_under, target: openai-terms,
   sources: [{document: example, quote: "OpenAI terms"}]}
- id: llama-13b
  type: model
  name: LLaMA-13B
  date: 2023-02
  relations:
    - {relation: variant, target: llama, sources: [{document: example, quote: "LLaMA-13B"}]}
- id: chatgpt
  type: model
  name: ChatGPT
  date: 2022-11
  relations:
    - {relation: licensed_under, target: openai-terms,
       sources: [{document: example, quote: "OpenAI terms"}]}
- id: sharegpt
  type: dataset
  name: ShareGPT
  date: 2022-12
  relations:
    - {relation: generated_by, target: chatgpt,
       sources: [{document: example, quote: "conversations with ChatGPT"}]}
- id: vicuna-13b
  type: model
  name: Vicuna-13B
  aliases: [Vicuna]
  date: 2023-03-30
  relations:
    - {relation: finetune, target: llama-13b, sources: [{document: example, quote: "LLaMA-13B"}]}
    - {relation: trained_on, target: sharegpt, sources: [{document: example, quote: "ShareGPT"}]}
- id: lit-llama
  type: model
  name: Lit-LLaMA
  date: 2023-04
  relations:
    - {relation: reproduction, target: llama,
       sources: [{document: example, quote: "a reproduction of LLaMA"}]}
    - {relation: licensed_under, target: apache-2.0,
       sources: [{document: example, quote: "Apache-2.0"}]}
"""


def example_store() -> Store:
    """The example store of :func:`graph.query.example_store`, with licences and Vicuna.

    >>> S = example_store()
    >>> len(S), sorted(n for n in S.iter_ids() if S.node(n).type == "license")
    (14, ['apache-2.0', 'llama-license', 'openai-terms'])
    """
    from lineage.load import loads

    from .store.memory import MemoryStore

    return MemoryStore(loads(query._EXAMPLE + _EXAMPLE_EXTRA, name="example"))


# --- shortest evidence paths over a state machine ----------------------------------

_Key = tuple[str, Hashable]
_Cost = tuple[int, int]
_Step = Callable[[str, Any, str, str], Any]


def _search(S: Store, start: str, state: Hashable,
            step: _Step) -> dict[_Key, tuple[_Cost, _Key | None, Edge | None]]:
    """Best path to every reachable (node, state): fewest weak hops, then fewest hops.

    ``step(node, state, relation, target)`` gives the state after following an
    out-edge, or ``None`` when the edge is not followed. Ties keep the edge
    written first in the data, so results are deterministic.
    """
    best: dict[_Key, tuple[_Cost, _Key | None, Edge | None]] = {
        (start, state): ((0, 0), None, None)}
    seq = itertools.count()
    heap: list[tuple[_Cost, int, str, Hashable]] = [((0, 0), next(seq), start, state)]
    done: set[_Key] = set()
    while heap:
        cost, _, node, st = heapq.heappop(heap)
        if (node, st) in done:
            continue
        done.add((node, st))
        for e in S.out_edges(node):
            v = e.target
            nst = step(node, st, e.relation, v)
            if nst is None or (v, nst) in done:
                continue
            ncost = (cost[0] + (e.confidence == "weak"), cost[1] + 1)
            if (v, nst) not in best or ncost < best[(v, nst)][0]:
                best[(v, nst)] = (ncost, (node, st), e)
                heapq.heappush(heap, (ncost, next(seq), v, nst))
    return best


def _path_to(best: dict, key: _Key) -> LineagePath:
    edges: list[Edge] = []
    while True:
        _, prev, edge = best[key]
        if prev is None or edge is None:
            break
        edges.append(edge)
        key = prev
    edges.reverse()
    return LineagePath([key[0]] + [e.target for e in edges], edges)


def _check_node(S: Store, node: str, types: Iterable[str], what: str) -> None:
    if not isinstance(node, str) or node not in S:
        raise query._unknown(S, str(node))
    allowed = tuple(types)
    t = S.node(node).type
    if t not in allowed:
        raise QueryError(
            f"{node!r} is a {t}; {what} covers {', '.join(allowed)} records. "
            f"Run 'lineage show {node}' to see what it is."
        )


# --- licences -----------------------------------------------------------------------


@dataclass(frozen=True)
class Restriction:
    """One licence that applies to a record, and the lineage path that brings it.

    ``kind`` is ``"own"`` (the record's licence, or its family's), ``"weights"``
    (a model whose weights it carries), ``"data"`` (a dataset it or such a model
    was trained on) or ``"teacher"`` (a model whose outputs made that data, when
    its terms restrict what outputs may be used for, or a model the record, or
    a model whose weights it carries, is ``distilled_from``). ``effect`` is
    ``"forbids"``, ``"allows"`` or ``"unknown"`` for commercial use. ``path``
    runs from the record to the licence; ``anchor`` is the teacher for teacher
    restrictions, the licensed dataset for data ones, and ``None`` otherwise.
    """

    license: str
    kind: Kind
    effect: Effect
    reason: str
    path: LineagePath
    anchor: str | None = None

    @property
    def weak(self) -> bool:
        """True when a hop of the path is only weakly sourced."""
        return self.path.weak_hops > 0

    @property
    def carrier(self) -> str:
        """The record that is licensed under ``license``."""
        return self.path.nodes[-2]


@dataclass(frozen=True)
class Conflict:
    """A declared licence allows commercial use that an inherited restriction forbids."""

    declared: Restriction
    inherited: Restriction

    @property
    def weak(self) -> bool:
        return self.declared.weak or self.inherited.weak


@dataclass(frozen=True)
class Missing:
    """A record along the lineage whose terms are not recorded.

    ``kind`` is ``"weights"`` (a model whose weights the record carries: no
    licence on it nor on any model whose weights it carries in turn, its family
    included; a family itself is never missing, its members are) or
    ``"data"`` (a dataset it, or such a model, was trained on: no licence on it
    nor on a dataset it derives from). ``path`` runs from the record to it.
    """

    node: str
    kind: Literal["weights", "data"]
    path: LineagePath

    @property
    def weak(self) -> bool:
        return self.path.weak_hops > 0


@dataclass
class LicenseReport:
    """The effective usage terms of one record.

    ``commercial_use`` is ``False`` when an applicable restriction forbids
    commercial use, ``True`` when the record's own licences allow it and nothing
    applicable forbids it or leaves it unknown, and ``None`` otherwise;
    ``reason`` says which in words. ``weak`` is True when the verdict rests on
    weakly sourced lineage only (every forbidding restriction, or for ``True``
    some declared licence, has a ``weak`` hop).

    ``missing`` lists the models whose weights it carries and the data it was
    trained on whose terms are not recorded; ``incomplete`` is True when there
    are such records and the verdict is not ``False`` (recorded terms could
    change it; a prohibition stands whatever the missing terms say).
    """

    node: str
    commercial_use: bool | None
    reason: str
    restrictions: list[Restriction] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    weak: bool = False
    missing: list[Missing] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        """Whether terms not recorded along the lineage could change the verdict."""
        return bool(self.missing) and self.commercial_use is not False

    @property
    def declared(self) -> list[Restriction]:
        """The record's own licences (including its family's)."""
        return [r for r in self.restrictions if r.kind == "own"]

    @property
    def forbidding(self) -> list[Restriction]:
        return [r for r in self.restrictions if r.effect == "forbids"]


_KIND_ORDER = {"own": 0, "weights": 1, "data": 2, "teacher": 3}


def _license_step(S: Store) -> _Step:
    def step(node: str, state: Any, rel: str, target: str) -> Any:
        stage = state[0]
        if rel == "licensed_under":
            if S.node(target).type != "license":
                return None  # only in unvalidated data; 'lineage check' reports it
            if stage == "self":
                return ("license", "own", None)
            if stage == "weights":
                return ("license", "weights", None)
            if stage == "data":
                return ("license", "data", node)
            if stage == "teacher":
                return ("license", "teacher", state[1])
            return None
        if stage in ("self", "weights") and rel in _CARRY:
            return ("self",) if stage == "self" and rel == "variant" else ("weights",)
        if stage in ("self", "weights") and rel == "trained_on":
            return ("data",)
        if stage in ("self", "data") and rel == "derived_from":
            return ("data",)
        if stage in ("self", "data") and rel == "generated_by":
            return ("teacher", target)
        if stage in ("self", "weights") and rel == "distilled_from":
            return ("teacher", target)  # trained on the teacher's outputs, not its weights
        if stage == "teacher" and rel in _CARRY:
            return state
        return None

    return step


def _effect_words(lic: Any) -> str:
    if lic.get("commercial_use") is False:
        return "non-commercial"
    if lic.get("commercial_use") is True:
        return "commercial use allowed"
    return "commercial use not stated"


def effective_license(S: Store, node: str, *, missing: bool = True) -> LicenseReport:
    """The usage terms of ``node``, computed along its lineage.

    Collects (a) the record's own ``licensed_under`` licences, and those of the
    families it is a ``variant`` of; (b) the licences of every model whose
    weights it carries (:data:`INHERITING_RELATIONS`: fine-tunes, adapters,
    merges ... but not reproductions or successors); (c) the licences of every
    dataset it, or such a model, was trained on, and of datasets those derive
    from; (d) the terms of the models that generated those datasets, and of the
    models it (or a model whose weights it carries) is ``distilled_from``, when
    the terms restrict what outputs may be used for (``restricts_outputs``),
    which rules out commercial use of the student. A teacher's terms do not apply to
    a student that is itself under the same terms (Llama 2 outputs used for a
    Llama 2 derivative). Each licence is reported once per kind, once per
    dataset for data licences and once per teacher for output terms, with the
    best-sourced shortest path.

    Parameters
    ----------
    S : Store
    node : str
        A record id of a model, family, dataset, software or application.
    missing : bool
        Also find the carried models and training data whose terms are not
        recorded (``report.missing``, ``report.incomplete``); ``False`` skips
        that walk when only the verdict or the conflicts are wanted.

    Returns
    -------
    LicenseReport

    Raises
    ------
    UnknownRecordError, QueryError

    Notes
    -----
    Weakly sourced lineage counts, and is marked: a restriction whose path has
    a ``weak`` hop has ``weak`` set, and when the verdict rests on such
    restrictions alone the report's ``weak`` is set and its ``reason`` says so.

    Examples
    --------
    >>> S = example_store()
    >>> report = effective_license(S, "vicuna-13b")
    >>> report.commercial_use
    False
    >>> [(r.license, r.kind, r.effect) for r in report.restrictions]
    [('llama-license', 'weights', 'forbids'), ('openai-terms', 'teacher', 'forbids')]
    >>> report.restrictions[1].path.nodes
    ['vicuna-13b', 'sharegpt', 'chatgpt', 'openai-terms']
    >>> effective_license(S, "lit-llama").commercial_use
    True
    >>> effective_license(S, "alpaca-7b").reason
    'not allowed: 2 restrictions forbid commercial use'
    """
    _check_node(S, node, LICENSED_TYPES, "licence analysis")
    best = _search(S, node, ("self",), _license_step(S))
    found: list[tuple[_Cost, str, tuple, LineagePath]] = []
    for (lic, state), (cost, _, _) in best.items():
        if isinstance(state, tuple) and state[0] == "license":
            found.append((cost, lic, state, _path_to(best, (lic, state))))
    own_terms = {lic for _, lic, st, _ in found if st[1] in ("own", "weights")}
    restrictions: list[tuple[tuple, Restriction]] = []
    for cost, lic, (_, kind, anchor), path in found:
        rec = S.record(lic)
        name = rec["name"]
        if kind == "teacher":
            if not rec.get("restricts_outputs") or lic in own_terms:
                continue
            effect: Effect = "forbids"
            reason = (f"{name}: outputs of {S.node(anchor).name} may not be used to "
                      "train competing models")
        else:
            effect = {False: "forbids", True: "allows", None: "unknown"}[rec.get("commercial_use")]
            reason = f"{name}: {_effect_words(rec)}"
        if rec.get("why"):
            reason += f" ({rec['why'].rstrip('.')})"
        r = Restriction(lic, kind, effect, reason, path, anchor)
        order = (_KIND_ORDER[kind], cost, name.casefold(),
                 S.node(anchor).name.casefold() if anchor else "")
        restrictions.append((order, r))
    restrictions.sort(key=lambda x: x[0])
    rs = [r for _, r in restrictions]

    declared = [r for r in rs if r.kind == "own"]
    forbidding = [r for r in rs if r.effect == "forbids"]
    unknown = [r for r in rs if r.effect == "unknown"]
    name = S.node(node).name
    verdict: bool | None = None
    weak = False
    if forbidding:
        verdict, n = False, len(forbidding)
        weak = all(r.weak for r in forbidding)
        reason = (f"not allowed: {n} restriction{'s' if n != 1 else ''} "
                  f"forbid{'s' if n == 1 else ''} commercial use")
        if weak:
            reason += " (all of them weakly sourced)"
    elif not declared:
        reason = f"unknown: no licence is recorded for {name}"
    elif any(d.effect != "allows" for d in declared):
        reason = f"unknown: the licence of {name} does not say whether commercial use is allowed"
    elif unknown:
        names = ", ".join(sorted({S.node(r.license).name for r in unknown}))
        reason = f"unknown: its own licence allows commercial use, but {names} do not say"
    else:
        verdict = True
        weak = any(d.weak for d in declared)
        names = ", ".join(S.node(d.license).name for d in declared)
        reason = (f"allowed: {names} allow{'s' if len(declared) == 1 else ''} commercial use "
                  "and nothing inherited forbids it")
        if weak:
            reason += f" (the licence of {name} is weakly sourced)"
    conflicts = [Conflict(d, r) for d in declared if d.effect == "allows"
                 for r in forbidding if r is not d]
    gaps = _missing_terms(S, node, best) if missing else []
    if gaps and verdict is not False:
        reason += f"; incomplete: no terms recorded for {_missing_words(S, gaps)}"
    return LicenseReport(node, verdict, reason, rs, conflicts, weak, gaps)


def _missing_terms(S: Store, node: str, best: dict) -> list[Missing]:
    """The carried models and training data reached by the licence walk without terms."""
    licensed: dict[str, bool] = {}

    def has_licence(n: str) -> bool:
        if n not in licensed:
            licensed[n] = any(S.node(e.target).type == "license"
                              for e in S.out_edges(n, ("licensed_under",)))
        return licensed[n]

    covered: dict[tuple[str, tuple[str, ...]], bool] = {}

    def is_covered(n: str, up: tuple[str, ...]) -> bool:
        """``n`` or a record it inherits from along ``up`` has a licence (iteratively)."""
        key = (n, up)
        if key in covered:
            return covered[key]
        seen, stack, found = {n}, [n], False
        while stack and not found:
            m = stack.pop()
            if has_licence(m) or covered.get((m, up)):
                found = True
                break
            for e in S.out_edges(m, up):
                if e.target not in seen:
                    seen.add(e.target)
                    stack.append(e.target)
        covered[key] = found
        return found

    out: list[tuple[tuple, Missing]] = []
    for (n, st), (cost, _, _) in best.items():
        if n == node or not isinstance(st, tuple) or st not in (("weights",), ("data",)):
            continue
        kind = st[0]
        if kind == "weights" and S.node(n).type == "family":
            continue  # a family names its members' weights: the member reached carries terms
        up = INHERITING_RELATIONS if kind == "weights" else ("derived_from",)
        if not is_covered(n, up):
            out.append(((kind != "weights", cost, S.node(n).name.casefold()),
                        Missing(n, kind, _path_to(best, (n, st)))))
    out.sort(key=lambda x: x[0])
    return [m for _, m in out]


def _missing_words(S: Store, missing: list[Missing], shown: int = 3) -> str:
    """``LLaMA pre-training data (data), ... and 2 more`` for a reason line."""
    words = [f"{S.node(m.node).name} ({m.kind})" for m in missing[:shown]]
    more = f" and {len(missing) - shown} more" if len(missing) > shown else ""
    return ", ".join(words) + more


def filter_commercial(S: Store, nodes: Iterable[str],
                      commercial: bool) -> list[str]:
    """Keep the records whose commercial-use verdict is ``commercial``.

    Records of types without a licence verdict (organizations, papers ...) and
    records whose verdict is unknown are dropped either way.

    >>> S = example_store()
    >>> models = query.filter_records(S, types=["model"])
    >>> filter_commercial(S, models, True), filter_commercial(S, models, False)
    (['lit-llama'], ['llama-13b', 'llama-7b', 'alpaca-7b', 'vicuna-13b'])
    """
    if not isinstance(commercial, bool):
        raise QueryError(f"commercial must be True or False, not {commercial!r}.")
    out = []
    for n in nodes:
        if S.node(n).type not in LICENSED_TYPES:
            continue
        if effective_license(S, n, missing=False).commercial_use is commercial:
            out.append(n)
    return out


# --- teachers and students ----------------------------------------------------------


@dataclass(frozen=True)
class Teaching:
    """``student`` learned from ``teacher``'s outputs through ``dataset``.

    ``path`` runs from the student to the teacher and ends with the
    ``relation`` hop: ``generated_by`` from ``dataset``, or ``distilled_from``
    from the model that was distilled (``dataset`` is then ``None``: no data
    record names the outputs). ``direct`` is False when the data was learned by
    a model whose weights the student carries (a fine-tune of a student is a
    student too).
    """

    student: str
    teacher: str
    dataset: str | None
    direct: bool
    path: LineagePath
    relation: str = "generated_by"

    @property
    def weak(self) -> bool:
        return self.path.weak_hops > 0


def _teacher_step(node: str, state: Any, rel: str, target: str) -> Any:
    stage, direct = state[0], state[1]
    if stage == "model":
        if rel in _CARRY:
            return ("model", direct and rel == "variant")
        if rel == "trained_on":
            return ("data", direct)
        if rel == "distilled_from":
            return ("teacher", direct, None)
        return None
    if stage == "data":
        if rel == "derived_from":
            return ("data", direct)
        if rel == "generated_by":
            return ("teacher", direct, node)
    return None


def teachers(S: Store, node: str, *, inherited: bool = True) -> list[Teaching]:
    """The models whose outputs ``node`` learned from, with the data that carried them.

    A teacher is a model that ``generated_by`` names on a dataset the record
    was trained on (or on a dataset that data derives from), or a model the
    record is ``distilled_from`` (``dataset`` None, ``relation``
    ``distilled_from``). With
    ``inherited``, teachers of the models whose weights the record carries
    (:data:`INHERITING_RELATIONS`) count too, with ``direct`` False. One
    :class:`Teaching` per teacher and dataset, direct ones first, then by
    evidence (fewest weak hops) and path length. For a dataset, the teachers
    are the models that generated it.

    Parameters
    ----------
    S : Store
    node : str
        A model, family, software or dataset id.
    inherited : bool
        Include teachers reached through weight ancestors.

    Returns
    -------
    list of Teaching

    Raises
    ------
    UnknownRecordError, QueryError

    Examples
    --------
    >>> S = example_store()
    >>> [(t.teacher, t.dataset, t.direct) for t in teachers(S, "alpaca-7b")]
    [('text-davinci-003', 'alpaca-data', True)]
    >>> teachers(S, "vicuna-13b")[0].path.nodes
    ['vicuna-13b', 'sharegpt', 'chatgpt']
    >>> teachers(S, "llama-7b")
    []
    """
    _check_node(S, node, sorted(_STUDENT_TYPES | {"dataset"}), "a teachers query")
    start = ("data", True) if S.node(node).type == "dataset" else ("model", True)
    best = _search(S, node, start, _teacher_step)
    chosen: dict[tuple[str, str], tuple[tuple, Teaching]] = {}
    for (teacher, state), (cost, _, _) in best.items():
        if state[0] != "teacher":
            continue
        _, direct, dataset = state
        if not direct and not inherited:
            continue
        path = _path_to(best, (teacher, state))
        t = Teaching(node, teacher, dataset, direct, path, path.edges[-1].relation)
        order = (not direct, cost, S.node(teacher).name.casefold(),
                 S.node(dataset).name.casefold() if dataset else "")
        key = (teacher, dataset)
        if key not in chosen or order < chosen[key][0]:
            chosen[key] = (order, t)
    return [t for _, t in sorted(chosen.values(), key=lambda x: x[0])]


def students(S: Store, node: str, *, inherited: bool = True) -> list[Teaching]:
    """The models that learned from ``node``'s outputs: the mirror of :func:`teachers`.

    For a family, students of its members (records that are a ``variant`` of
    it) count too. ``students(S, t)`` holds exactly the :class:`Teaching`
    entries of ``teachers(S, s)`` whose teacher is ``t`` (or a member), over
    every model, family or software ``s``; ordered by student date, then name.

    Parameters
    ----------
    S : Store
    node : str
        A model or family id.
    inherited : bool
        Include models that carry a student's weights (fine-tunes of students).

    Returns
    -------
    list of Teaching

    Raises
    ------
    UnknownRecordError, QueryError

    Examples
    --------
    >>> S = example_store()
    >>> [(t.student, t.dataset) for t in students(S, "chatgpt")]
    [('vicuna-13b', 'sharegpt')]
    >>> [t.student for t in students(S, "alpaca-7b")]
    []
    """
    _check_node(S, node, sorted(_STUDENT_TYPES), "a students query")
    as_teacher = {node} | set(query.descendants(S, node, relations=["variant"]))
    candidates = set(query.descendants(S, node))
    out: list[Teaching] = []
    for cand in candidates:
        if S.node(cand).type not in _STUDENT_TYPES:
            continue
        out.extend(t for t in teachers(S, cand, inherited=inherited) if t.teacher in as_teacher)

    def order(t: Teaching) -> tuple:
        d = date_key(S.node(t.student).date) or (9999,)
        return (d, S.node(t.student).name.casefold(), t.path.weak_hops, len(t.path.edges),
                S.node(t.teacher).name.casefold(),
                S.node(t.dataset).name.casefold() if t.dataset else "")

    return sorted(out, key=order)


# --- common ancestors ---------------------------------------------------------------


@dataclass
class CommonAncestors:
    """The lowest common ancestors of ``nodes``, and how each descends from them.

    ``paths[a][i]`` runs from ``nodes[i]`` up to ancestor ``a`` (a single-node
    path when ``nodes[i]`` is ``a`` itself).
    """

    nodes: list[str]
    ancestors: list[str]
    paths: dict[str, list[LineagePath]]


def common_ancestors(
    S: Store,
    nodes: Sequence[str],
    *,
    relations: Iterable[str] | None = None,
    weights_only: bool = False,
) -> CommonAncestors:
    """The lowest common ancestors of two or more records.

    A common ancestor is a record every one of ``nodes`` is, or descends from;
    it is *lowest* when it is not an ancestor of another common ancestor.
    Lineage follows weights and data unless told otherwise, so Alpaca and
    Vicuna share LLaMA through their weights and the GPT-3.5 series through
    their teachers. For each ancestor and record, the path is the one
    :func:`graph.query.lineage_paths` ranks first.

    Parameters
    ----------
    S : Store
    nodes : sequence of str
        Two or more distinct record ids.
    relations : iterable of str, optional
        Follow only these relation kinds (default: every lineage relation).
    weights_only : bool
        Follow weight lineage only.

    Returns
    -------
    CommonAncestors
        Ancestors nearest first (by the longest of the paths, then their sum).

    Raises
    ------
    UnknownRecordError, QueryError
    NoCommonAncestorError
        When the records share no ancestor.

    Examples
    --------
    >>> S = example_store()
    >>> c = common_ancestors(S, ["alpaca-7b", "vicuna-13b"])
    >>> c.ancestors
    ['llama']
    >>> [p.nodes for p in c.paths["llama"]]
    [['alpaca-7b', 'llama-7b', 'llama'], ['vicuna-13b', 'llama-13b', 'llama']]
    >>> common_ancestors(S, ["alpaca-7b", "llama-7b"]).ancestors
    ['llama-7b']
    """
    if isinstance(nodes, str) or len(list(nodes)) < 2:
        raise QueryError("give two or more records to find their common ancestors.")
    nodes = list(nodes)
    if len(set(nodes)) != len(nodes):
        raise QueryError("the records must be different; give each one once.")
    kinds = query.relation_kinds(relations, weights_only=weights_only)
    depths: list[dict[str, int]] = []
    for n in nodes:
        if not isinstance(n, str) or n not in S:
            raise query._unknown(S, str(n))
        depths.append(query.ancestry(S, n, relations=kinds).depth)
    common = set(depths[0]).intersection(*depths[1:])
    if not common:
        raise NoCommonAncestorError(nodes)
    above: dict[str, set[str]] = {c: set(query.ancestors(S, c, relations=kinds)) for c in common}
    lowest = [c for c in common if not any(c in above[d] for d in common if d != c)]
    lowest.sort(key=lambda c: (max(d[c] for d in depths), sum(d[c] for d in depths),
                               S.node(c).name.casefold()))
    paths: dict[str, list[LineagePath]] = {}
    for c in lowest:
        paths[c] = [LineagePath([n], []) if n == c
                    else query.lineage_paths(S, n, c, relations=kinds, limit=1)[0]
                    for n in nodes]
    return CommonAncestors(nodes, lowest, paths)


# --- consistency ----------------------------------------------------------------------


GAP_KINDS: dict[str, tuple[str, ...]] = {
    "undated": ("model", "family", "dataset", "paper", "benchmark", "software", "application"),
    "no_developer": ("model", "family", "dataset", "benchmark", "software", "application"),
    "no_lineage": ("model",),
}
"""The gaps :func:`consistency_report` counts, and the record types each applies to:
records without a date, without a developer (their own or their family's), and
models that derive from nothing (no weights, influence or data lineage)."""


@dataclass
class CheckReport:
    """Problems found by :func:`consistency_report`; errors first.

    ``gaps`` maps each kind of :data:`GAP_KINDS` to the ids of the records that
    have it (sorted); gaps are not problems and do not change the exit status.
    ``files`` gives the file of each record named in ``gaps``.
    """

    records: int
    problems: list[Problem]
    gaps: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def only(self, paths: Sequence[str]) -> CheckReport:
        """The report restricted to the problems and gaps in the files under ``paths``."""
        from lineage.load import is_within, problems_in

        def mine(rid: str) -> bool:
            return any(is_within(self.files.get(rid, "?"), root) for root in paths)

        return dataclasses.replace(
            self, problems=problems_in(self.problems, paths),
            gaps={k: [r for r in ids if mine(r)] for k, ids in self.gaps.items()})

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def by_kind(self) -> dict[str, int]:
        """How many problems of each kind, sorted by kind."""
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.kind] = counts.get(p.kind, 0) + 1
        return dict(sorted(counts.items()))


def _origin(kb: KnowledgeBase, rid: str, k: int | None = None) -> Origin:
    if k is not None and (rid, k) in kb.relation_origins:
        return kb.relation_origins[(rid, k)]
    from lineage.load import Origin

    return kb.origins.get(rid, Origin("?", None))


def _sources_text(sources: Iterable[Any]) -> str:
    return "; ".join(s.document + (f" “{s.quote}”" if s.quote else f" [{s.locator}]")
                     for s in sources)


def consistency_report(data: KnowledgeBase, *,
                       strict: bool = False) -> CheckReport:
    """Check the data for inconsistencies that validation alone does not report.

    Includes every problem the loader found (``kb.problems``: schema errors,
    dangling references, cycles, children dated before parents, alias clashes)
    and adds:

    ``merge-date`` (error)
        A merge dated before one of its parents (re-labelled from ``date``).
    ``one-sided`` (warning)
        A ``merge`` with a single parent (a merge needs two or more), or a
        ``model-generated`` dataset that names no model it was generated by.
    ``unsourced`` (warning)
        A record with no sources at all: no record-level sources, no relations
        and no claims of its own.
    ``contradiction`` (warning)
        Claims on one record with the same topic and different values (both
        sources are listed), or a ``human-written`` dataset ``generated_by`` a
        model.
    ``license-conflict`` (warning)
        A record whose declared licence allows commercial use that an inherited
        licence or teacher's terms forbid (both paths are given).

    Parameters
    ----------
    data : KnowledgeBase or MemoryStore
        A knowledge base, best loaded with ``load(..., check=False)`` so that
        every problem is reported, or an in-memory store of one.
    strict : bool
        Report every warning as an error.

    Returns
    -------
    CheckReport

    Examples
    --------
    >>> from lineage.load import loads
    >>> kb = loads('''
    ... - {id: a, type: model, name: A, date: 2023-05, sources: [{document: d, quote: a}]}
    ... - {id: b, type: model, name: B, date: 2023-01, sources: [{document: d, quote: b}]}
    ... - id: m
    ...   type: model
    ...   name: M
    ...   date: 2023-02
    ...   relations:
    ...     - {relation: merge, target: a, sources: [{document: d, quote: "merge of A"}]}
    ... - {id: bare, type: model, name: Bare}
    ... ''', check=False)
    >>> report = consistency_report(kb)
    >>> report.by_kind()
    {'merge-date': 1, 'one-sided': 1, 'unsourced': 1}
    >>> [(p.severity, p.record) for p in report.problems]
    [('error', 'm'), ('warning', 'm'), ('warning', 'bare')]
    """
    from lineage.load import KnowledgeBase

    from .store.memory import MemoryStore

    if isinstance(data, KnowledgeBase):
        kb, S = data, MemoryStore(data)
    elif isinstance(data, MemoryStore):
        kb, S = data.kb, data
    elif isinstance(data, Store):
        from lineage.load import Origin

        from .store.views import pydantic_record

        recs = {rid: pydantic_record(data, rid) for rid in data.iter_ids()}
        origins = {rid: Origin(o[0], o[1]) for rid in recs if (o := data.origin(rid))}
        kb, S = KnowledgeBase(recs, origins), data
    else:
        raise QueryError("consistency_report needs a KnowledgeBase or a store.")
    problems: list[Problem] = []
    for p in kb.problems:
        problems.append(_relabel(kb, p))
    from lineage.load import unresolved_documents  # cited documents no record describes

    problems.extend(unresolved_documents(kb))
    for rec in kb.records.values():
        o = _origin(kb, rec.id)
        merges = [k for k, r in enumerate(rec.relations) if r.relation == "merge"]
        if len(merges) == 1:
            oo = _origin(kb, rec.id, merges[0])
            problems.append(Problem(
                oo.file, oo.line, rec.id, f"relations[{merges[0]}]",
                f"a merge with a single parent ({rec.relations[merges[0]].target!r}); "
                "a merge combines two or more models",
                "Add the other merge parents, or use 'finetune' if it was trained from one model.",
                severity="warning", kind="one-sided"))
        gen = [r for r in rec.relations if r.relation == "generated_by"]
        method = getattr(rec, "method", None)
        if method == "model-generated" and not gen:
            problems.append(Problem(
                o.file, o.line, rec.id, "method",
                "model-generated, but names no model it was generated by",
                "Add a 'generated_by' relation to the teacher model.",
                severity="warning", kind="one-sided"))
        if method == "human-written" and gen:
            problems.append(Problem(
                o.file, o.line, rec.id, "method",
                f"human-written, but generated_by {', '.join(r.target for r in gen)}",
                "Set 'method' to 'model-generated' or 'mixed', or remove the relation.",
                severity="warning", kind="contradiction"))
        if not rec.sources and not rec.relations and not rec.claims:
            cited = len(S.in_edges(rec.id)) if rec.id in S else 0
            named = f" (only named by {cited} relation{'s' if cited != 1 else ''} of other " \
                    "records)" if cited else ""
            problems.append(Problem(
                o.file, o.line, rec.id, None,
                f"no sources at all{named}",
                "Add 'sources: [{document: ..., quote: \"...\"}]' for its attributes.",
                severity="warning", kind="unsourced"))
        topics: dict[str, list[Any]] = {}
        for c in rec.claims:
            topics.setdefault(c.topic, []).append(c)
        for topic, claims in topics.items():
            values = {c.value for c in claims}
            if len(values) > 1:
                said = " vs ".join(f"{c.value!r} ({_sources_text(c.sources)})" for c in claims)
                problems.append(Problem(
                    o.file, o.line, rec.id, "claims",
                    f"contradictory claims on {topic!r}: {said}",
                    "Keep both if the sources disagree and add a 'note' on which to trust; "
                    "otherwise correct the wrong one.",
                    severity="warning", kind="contradiction"))
    for n in S.iter_ids():
        if S.node(n).type not in LICENSED_TYPES:
            continue
        for c in effective_license(S, n, missing=False).conflicts:
            o = _origin(kb, n)
            d, r = c.declared, c.inherited
            weak = " (weakly sourced)" if c.weak else ""
            via = f" through {path_text(S, d.path, drop_last=True)}" if len(d.path.edges) > 1 \
                else ""
            problems.append(Problem(
                o.file, o.line, n, "licensed_under",
                f"declares {S.node(d.license).name}{via}, which allows commercial use, "
                f"but {r.reason}{weak}: {path_text(S, r.path, drop_last=True)}",
                "Check both licences and their sources; if both are right the conflict is "
                f"real: 'lineage license {n}' explains it.",
                severity="warning", kind="license-conflict"))
    if strict:
        problems = [dataclasses.replace(p, severity="error") for p in problems]
    problems.sort(key=lambda p: (p.severity != "error", p.file, p.line or 0))
    gaps = record_gaps(S)
    files = {rid: _origin(kb, rid).file for ids in gaps.values() for rid in ids}
    return CheckReport(len(kb.records), problems, gaps, files)


def record_gaps(S: Store) -> dict[str, list[str]]:
    """The ids of the records with each gap of :data:`GAP_KINDS`, sorted.

    >>> g = record_gaps(example_store())
    >>> g["no_lineage"], "llama-license" in g["undated"]
    (['chatgpt', 'text-davinci-003'], False)
    """
    lineage_kinds = query.relation_kinds()
    gaps: dict[str, list[str]] = {k: [] for k in GAP_KINDS}
    for rid in S.iter_ids():
        t = S.node(rid).type
        if t in GAP_KINDS["undated"] and not S.node(rid).date:
            gaps["undated"].append(rid)
        if t in GAP_KINDS["no_developer"] and not query.developers(S, rid):
            gaps["no_developer"].append(rid)
        if t in GAP_KINDS["no_lineage"] and not S.out_edges(rid, lineage_kinds):
            gaps["no_lineage"].append(rid)
    return {k: sorted(v) for k, v in gaps.items()}


def _relabel(kb: KnowledgeBase, p: Problem) -> Problem:
    """A date problem on a merge relation becomes a ``merge-date`` problem."""
    if p.kind != "date" or not p.record or not p.field or p.record not in kb.records:
        return p
    rec = kb.records[p.record]
    if not p.field.startswith("relations[") or not p.field.endswith("]"):
        return p
    try:
        k = int(p.field[len("relations["):-1])
    except ValueError:
        return p
    if k < len(rec.relations) and rec.relations[k].relation == "merge":
        return dataclasses.replace(p, kind="merge-date",
                                   message="merge " + p.message)
    return p
