"""Import the Hugging Face model tree: Hub metadata mapped to sourced lineage records.

Each model repository becomes a ``model`` record named by its Hub id (record id
``hf.<org>.<name>``, see :func:`hub_record_id`) whose relations say what the card
declares:

* ``base_model`` (+ ``base_model_relation``) -> ``finetune`` / ``adapter`` /
  ``quantized`` / ``merge`` on each parent. A declared relation is ``explicit``;
  one the Hub's rules infer (two or more parents: merge; ``adapter_config.json``
  or ``library_name: peft``: adapter; GGUF/GPTQ/AWQ/EXL2/bitsandbytes files or
  tags, ``quantized_by``, or a name ending ``-GGUF`` ...: quantized; otherwise a
  fine-tune) is ``weak``; ``base_model_relation: distillation`` (not one of
  the Hub's four, reported) -> ``distilled_from`` each base model, its teacher:
  data lineage, no weights carried;
* ``datasets`` -> ``trained_on``; ``license`` / ``license_name`` / ``license_link``
  -> ``licensed_under`` (the curated licence where one matches); ``new_version``
  -> the newer repository is a ``successor`` of this one; ``arxiv:`` tags ->
  ``introduced_in`` (weak: the card links the paper); ``createdAt`` -> ``date``;
  ``safetensors.total`` -> ``parameters``; ``downloads`` and ``likes`` -> claims.

Every fact cites the repository's card (``https://huggingface.co/ID``) or API
URL, with the field as locator and the value quoted. A Hub id that names a
curated record (its ``hub_ids``) resolves to it, so imported repositories hang
under the curated knowledge; the curated record is enriched (downloads, likes),
never overwritten, and disagreements are reported as conflicts. Parents,
datasets, licences and papers the import does not hold get a placeholder record
(replaced when their own card is imported).

Problems are collected, one per line with the card or row they came from, and
the import goes on with the rest.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lineage.errors import LineageError, Problem

from .hfsource import HUB_URL, PLACEHOLDER_DATE, Entry, is_hub_id

__all__ = ["hub_record_id", "HubMapper", "Mapped", "ImportResult", "ProblemLog", "import_hf",
           "IMPORTED_PREFIXES", "HUB_RELATIONS", "entry_parent_ids"]

HUB_RELATIONS = ("finetune", "adapter", "quantized", "merge")
"""The values of ``base_model_relation`` the Hub knows (our relation kinds of the same name)."""

IMPORTED_PREFIXES = ("hf.", "hf-dataset.", "hf-license.", "hf-arxiv.")
"""Record ids made by the importer start with one of these (curated ids never do)."""

REWALK_MIN = 50_000
"""An import that writes at least this many records recomputes the store's precomputed
descendants walks of its biggest hubs (a smaller one drops them)."""

_CARD_KEYS = ("base_model", "base_model_relation", "datasets", "license", "license_name",
              "license_link", "new_version", "quantized_by", "library_name", "pipeline_tag",
              "tags", "language")

# stated relation -> (our kind, whether the mapping is exact)
_RELATION_SYNONYMS = {
    "fine-tune": "finetune", "fine_tune": "finetune", "finetuned": "finetune",
    "fine-tuned": "finetune", "finetuning": "finetune", "sft": "finetune",
    "adapters": "adapter", "lora": "adapter", "peft": "adapter", "qlora": "adapter",
    "quantization": "quantized", "quantize": "quantized", "quant": "quantized",
    "quantised": "quantized", "gguf": "quantized",
    "merged": "merge", "merges": "merge", "mergekit": "merge",
    "distillation": "distilled_from", "distill": "distilled_from",
    "distilled": "distilled_from", "knowledge-distillation": "distilled_from",
    "continued-pretraining": "continued_pretraining", "continued_pretraining": "continued_pretraining",
    "continual-pretraining": "continued_pretraining", "pretraining": "continued_pretraining",
}

_QUANT_TAGS = frozenset({"gguf", "gptq", "awq", "exl2", "bitsandbytes", "4-bit", "8-bit",
                         "quantized", "mlx-4bit", "hqq", "aqlm"})
_QUANT_NAME = re.compile(r"[-_.](gguf|gptq|awq|exl2|bnb-4bit|bnb-8bit|4bit|8bit|int4|int8|"
                         r"fp8|mlx-\dbit|imatrix|hqq|aqlm)$", re.IGNORECASE)
_QUANT_FILE = re.compile(r"\.gguf$|(^|/)quantize_config\.json$|\.exl2|(^|/)quant_config\.json$",
                         re.IGNORECASE)
_VISION = re.compile(r"(^|[/_-])(clip|siglip|siglip2|vit|dinov2|eva\d*|openclip|eva-clip|"
                     r"convnext|blip|sam)([-_/]|$)", re.IGNORECASE)

_PERMISSIVE_SPDX = frozenset({"MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "CC-BY-4.0",
                              "CC0-1.0", "Unlicense", "ISC", "ODC-By-1.0", "CC-BY-3.0"})

# Hub licence ids -> (curated licence id, SPDX id, display name)
HUB_LICENSES: dict[str, tuple[str | None, str | None, str]] = {
    "apache-2.0": ("apache-2.0", "Apache-2.0", "Apache License 2.0"),
    "mit": ("mit", "MIT", "MIT License"),
    "cc-by-nc-4.0": ("cc-by-nc-4.0", "CC-BY-NC-4.0", "CC BY-NC 4.0"),
    "cc-by-sa-3.0": ("cc-by-sa-3.0", "CC-BY-SA-3.0", "CC BY-SA 3.0"),
    "odc-by": ("odc-by", "ODC-By-1.0", "ODC-By 1.0"),
    "llama2": ("llama-2-license", None, "Llama 2 Community License"),
    "llama3": ("llama-3-license", None, "Meta Llama 3 Community License"),
    "llama3.1": ("llama-3.1-license", None, "Llama 3.1 Community License"),
    "llama3.2": ("llama-3.2-license", None, "Llama 3.2 Community License"),
    "llama3.3": ("llama-3.3-license", None, "Llama 3.3 Community License"),
    "llama4": ("llama-4-license", None, "Llama 4 Community License"),
    "gemma": ("gemma-terms", None, "Gemma Terms of Use"),
    "bigscience-bloom-rail-1.0": ("bigscience-rail-1.0", None, "BigScience BLOOM RAIL 1.0"),
    "deepseek": ("deepseek-license", None, "DeepSeek License Agreement"),
    "qwen": ("qwen-license", None, "Tongyi Qianwen License Agreement"),
    "tongyi-qianwen": ("qwen-license", None, "Tongyi Qianwen License Agreement"),
    "qwen-research": ("qwen-research-license", None, "Tongyi Qianwen Research License"),
    "mrl": ("mistral-research-license", None, "Mistral AI Research License"),
    "mnpl": ("mistral-non-production-license", None, "Mistral AI Non-Production License"),
    "cc-by-4.0": (None, "CC-BY-4.0", "CC BY 4.0"),
    "cc-by-sa-4.0": (None, "CC-BY-SA-4.0", "CC BY-SA 4.0"),
    "cc-by-nc-sa-4.0": (None, "CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0"),
    "cc-by-nc-nd-4.0": (None, "CC-BY-NC-ND-4.0", "CC BY-NC-ND 4.0"),
    "cc0-1.0": (None, "CC0-1.0", "CC0 1.0"),
    "bsd-3-clause": (None, "BSD-3-Clause", "BSD 3-Clause License"),
    "bsd-2-clause": (None, "BSD-2-Clause", "BSD 2-Clause License"),
    "gpl-3.0": (None, "GPL-3.0", "GNU GPL v3.0"),
    "agpl-3.0": (None, "AGPL-3.0", "GNU AGPL v3.0"),
    "lgpl-3.0": (None, "LGPL-3.0", "GNU LGPL v3.0"),
    "unlicense": (None, "Unlicense", "The Unlicense"),
    "openrail": (None, None, "OpenRAIL"),
    "openrail++": (None, None, "OpenRAIL++-M"),
    "creativeml-openrail-m": (None, None, "CreativeML OpenRAIL-M"),
    "bigscience-openrail-m": (None, None, "BigScience OpenRAIL-M"),
    "bigcode-openrail-m": (None, None, "BigCode OpenRAIL-M"),
    "afl-3.0": (None, "AFL-3.0", "Academic Free License 3.0"),
    "artistic-2.0": (None, "Artistic-2.0", "Artistic License 2.0"),
    "wtfpl": (None, "WTFPL", "WTFPL"),
}


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return s or "x"


def hub_record_id(repo: str, kind: str = "model") -> str:
    """The record id of a Hub repository (models ``hf.``, datasets ``hf-dataset.``).

    Hub ids are case-insensitive; characters an id cannot hold become ``-``, and
    when that loses information a short hash of the Hub id keeps ids apart.

    >>> hub_record_id("TheBloke/Llama-2-7B-Chat-GGUF")
    'hf.thebloke.llama-2-7b-chat-gguf'
    >>> hub_record_id("Qwen/Qwen2.5-7B-Instruct")
    'hf.qwen.qwen2.5-7b-instruct'
    >>> hub_record_id("tatsu-lab/alpaca", "dataset")
    'hf-dataset.tatsu-lab.alpaca'
    >>> hub_record_id("org/a_b") != hub_record_id("org/a-b")
    True
    """
    return _hub_record_id(repo, kind)


_UNSAFE = re.compile(r"[^a-z0-9.]+")
_RUNS = re.compile(r"[-.]{2,}")
_SAFE_PART = re.compile(r"[a-z0-9]+(?:[-][a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*")


_CLEAN_REPO = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*"
                         r"(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*")
"""A repository id that needs no cleaning (most do not): its record id is itself."""


@lru_cache(maxsize=1 << 16)
def _hub_record_id(repo: str, kind: str) -> str:
    prefix = {"model": "hf", "dataset": "hf-dataset"}[kind]
    folded = repo.casefold()
    if _CLEAN_REPO.fullmatch(folded):
        return f"{prefix}.{folded.replace('/', '.')}"
    parts = folded.split("/")
    clean = [_RUNS.sub("-", _UNSAFE.sub("-", p)).strip("-.") or "x" for p in parts]
    rid = ".".join([prefix, *clean])
    lossless = all(_SAFE_PART.fullmatch(p) for p in parts) and \
        all("." not in p for p in parts[:-1])
    if not lossless:
        rid += "-h" + hashlib.sha1(folded.encode()).hexdigest()[:8]
    return rid




def _distillation(declared: Any) -> bool:
    """Whether a card's ``base_model_relation`` says it was distilled from its base models."""
    return isinstance(declared, str) and \
        _RELATION_SYNONYMS.get(declared.strip().casefold()) == "distilled_from"


def _carries_weights(kind: str) -> bool:
    from lineage.vocab import WEIGHT_RELATIONS

    return kind in WEIGHT_RELATIONS


def _is_imported(rid: str) -> bool:
    return rid.startswith(IMPORTED_PREFIXES)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _short(value: Any, limit: int = 120) -> str:
    # (card metadata nested past MAX_NESTING levels never reaches the mapping)
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _misspelled(key: str) -> str | None:
    """The card key ``key`` probably means (``basemodel`` -> ``base_model``), if any."""
    if key in _CARD_KEYS:
        return None
    folded = re.sub(r"[^a-z]", "", key.casefold())
    for k in ("base_model", "base_model_relation", "new_version", "license_name",
              "license_link", "datasets"):
        if folded == k.replace("_", "") or folded == k.replace("_", "") + "s":
            return k
    close = difflib.get_close_matches(key.casefold(), ["base_model", "base_model_relation",
                                                       "new_version", "license_name"],
                                      n=1, cutoff=0.85)
    return close[0] if close else None


def _tag_values(tags: Sequence[str], prefix: str) -> list[str]:
    return [t[len(prefix):] for t in tags if t.startswith(prefix)]


def _entry_hub_ids(entry: Entry) -> Iterator[str]:
    """Every Hub id an entry names (itself, its bases, datasets, newer version)."""
    yield entry.repo_id
    yield from entry_parent_ids(entry)
    card = entry.card
    ds = card.get("datasets")
    yield from (d.strip() for d in (_as_list(ds) if ds is not None
                                    else _tag_values(entry.tags, "dataset:"))
                if isinstance(d, str))
    nv = card.get("new_version")
    if isinstance(nv, str):
        yield nv.strip()


def entry_parent_ids(entry: Entry) -> list[str]:
    """The Hub ids ``entry`` names as its bases (for ``--online`` to follow)."""
    card = entry.card
    out = [p for p in _as_list(card.get("base_model")) if isinstance(p, str)]
    if not out:
        out = [m for _, m in entry.base_models if isinstance(m, str)]
    if not out:
        for t in _tag_values(entry.tags, "base_model:"):
            out.append(t.split(":", 1)[1] if ":" in t else t)
    return list(dict.fromkeys(out))


# --- mapping ------------------------------------------------------------------------


@dataclass
class Mapped:
    """What one entry gives: its record (an item dict), placeholders for what it points
    to, relations to add to other records, and problems."""

    repo_id: str
    record: dict[str, Any] | None
    curated: str | None = None
    """The curated record this repository is (enriched, never overwritten)."""
    stubs: list[dict[str, Any]] = field(default_factory=list)
    foreign: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    """Record ids of its weight parents."""


class HubMapper:
    """Maps :class:`Entry` values to records, resolving Hub ids against a store.

    ``store`` answers what already exists (curated records by their Hub ids,
    earlier imports); ``pending`` maps the Hub ids of this import (casefolded) to
    their record ids and weight parents, for checks within the batch.
    """

    def __init__(self, store: Any) -> None:
        self.S = store
        self._lookup_cache: dict[str, str | None] = {}
        self._licence_cache: dict[str, tuple[str, ...]] = {}
        self._spdx_cache: dict[str, str | None] = {}
        self._arxiv: dict[str, str] | None = None
        self.mine: dict[str, tuple[tuple[str, ...], str | None]] = {}
        """Record id -> (weight parent ids, licence id) of every repository this import has
        mapped (new records, not curated ones): the lineage checks of later entries read
        it instead of the store, which the import is still writing."""
        self.merges: dict[frozenset[str], tuple[str, str]] = {}
        """Parents of each merge of this import -> (its record id, its Hub id)."""
        self.stub_ids: set[str] = set()

    # --- resolution ----------------------------------------------------------
    def prefetch(self, hub_ids: Iterable[str]) -> None:
        """Look up many Hub ids at once (a query per 900 on a store on disk), so mapping a
        batch of entries asks the store nothing more."""
        db = getattr(self.S, "db", None)
        if db is None:
            return
        from graph.store.sqlite import hub_lookups

        wanted = {h.casefold(): h for h in hub_ids
                  if isinstance(h, str) and h.casefold() not in self._lookup_cache
                  and hub_record_id(h) not in self.mine}
        if len(self._lookup_cache) + len(wanted) > 200_000:
            self._lookup_cache.clear()
        self._lookup_cache.update(hub_lookups(db, list(wanted.values())))

    def _lookup(self, hub_id: str) -> tuple[str, str] | None:
        """(id, type) of the record listing ``hub_id`` among its Hub ids, if any."""
        key = hub_id.casefold()
        if key in self._lookup_cache:
            return self._lookup_cache[key]
        rid = hub_record_id(hub_id)
        if rid in self.mine:  # added by this import (no curated record lists it)
            return rid, "model"
        db = getattr(self.S, "db", None)
        if db is not None:  # an SQLite store: one query
            from graph.store.sqlite import hub_lookup

            found = hub_lookup(db, hub_id)
        else:
            rid = self.S.lookup(f"hf:{hub_id}")
            found = None
            if rid is not None:
                node = self.S.node(rid)
                if key in {h.casefold() for h in node.hub_ids}:
                    found = (rid, node.type)
        if len(self._lookup_cache) > 200_000:
            self._lookup_cache.clear()
        self._lookup_cache[key] = found
        return found

    def lookup_hub(self, hub_id: str) -> str | None:
        found = self._lookup(hub_id)
        return None if found is None else found[0]

    def resolve(self, hub_id: str, kind: str = "model") -> tuple[str, bool]:
        """(record id, whether it exists already) of a Hub id."""
        if kind == "model":
            rid = hub_record_id(hub_id)
            if rid in self.mine:
                return rid, True
        found = self._lookup(hub_id)
        if found is not None and (kind == "dataset") == (found[1] == "dataset"):
            return found[0], True
        return hub_record_id(hub_id, kind), False

    def suggest(self, text: str) -> str | None:
        m = re.match(r"^https?://(?:www\.)?huggingface\.co/(?:datasets/)?([^?#\s]+?)/?$", text)
        if m and is_hub_id(m.group(1)):
            return m.group(1)
        try:
            ids = self.S.suggest(text, 5)
        except Exception:
            ids = []
        for rid in ids:
            hubs = self.S.node(rid).hub_ids
            if hubs:
                return hubs[0]
        return None

    def _ancestors(self, rid: str, depth: int = 6) -> set[str]:
        """Weight ancestors of a record, through this import and the store."""
        from lineage.vocab import WEIGHT_RELATIONS

        out: set[str] = set()
        frontier = [rid]
        mine = self.mine
        for _ in range(depth):
            nxt = []
            for r in frontier:
                ps = mine[r][0] if r in mine else None
                if ps is None and r in self.S:
                    ps = tuple(e.target for e in self.S.out_edges(r, WEIGHT_RELATIONS))
                for p in ps or ():
                    if p not in out:
                        out.add(p)
                        nxt.append(p)
            frontier = nxt
            if not frontier:
                break
        return out

    def licence_of(self, rid: str) -> tuple[str, ...]:
        """Licence record ids of a record, or of the family it is a variant of."""
        if rid in self._licence_cache:
            return self._licence_cache[rid]
        from lineage.vocab import WEIGHT_RELATIONS

        out: tuple[str, ...] = ()
        frontier, seen = [rid], {rid}
        for _ in range(4):  # its own licence, else the nearest weight ancestors' (a family's)
            nxt = []
            for r in frontier:
                if r in self.mine:  # this import's: its own licence, else its parents'
                    ps, lic = self.mine[r]
                    out += (lic,) if lic else ()
                    nxt += [p for p in ps if p not in seen]
                    continue
                if r not in self.S:
                    continue
                out += tuple(e.target for e in self.S.out_edges(r, ["licensed_under"]))
                nxt += [e.target for e in self.S.out_edges(r, WEIGHT_RELATIONS)
                        if e.target not in seen]
            if out:
                break
            seen.update(nxt)
            frontier = nxt
        out = tuple(dict.fromkeys(out))
        if len(self._licence_cache) > 100_000:
            self._licence_cache.clear()
        self._licence_cache[rid] = out
        return out

    def spdx(self, licence_rid: str) -> str | None:
        if licence_rid not in self._spdx_cache:
            spdx = None
            if licence_rid in self.S:
                spdx = self.S.record(licence_rid).get("spdx")
            self._spdx_cache[licence_rid] = spdx
        return self._spdx_cache[licence_rid]

    def paper(self, arxiv: str) -> str | None:
        if self._arxiv is None:
            self._arxiv = {}
            for rid in self.S.ids(types=["paper"]):
                a = self.S.record(rid).get("arxiv")
                if a:
                    self._arxiv[re.sub(r"v\d+$", "", a)] = rid
        return self._arxiv.get(re.sub(r"v\d+$", "", arxiv))

    # --- one entry -----------------------------------------------------------
    def map(self, entry: Entry) -> Mapped:
        repo = entry.repo_id
        out = Mapped(repo, None)
        doc = entry.document
        card = entry.card
        api = entry.via == "api"
        loc = (lambda k: f"cardData.{k}") if api else (lambda k: k)

        def problem(kind: str, message: str, fix: str, key: str | None = None,
                    severity: str = "warning") -> None:
            f, line = entry.where(key)
            out.problems.append(Problem(f, line, repo, key, message, fix, severity=severity,
                                        kind=kind))

        def src(locator: str, quote: Any = None, fld: str | None = None) -> dict[str, Any]:
            s: dict[str, Any] = {"document": doc, "locator": locator}
            if quote is not None:
                s["quote"] = _short(quote, 200)
            if fld:
                s["field"] = fld
            return s

        # the curated record this repository is, if any
        existing = self.lookup_hub(repo)
        curated = existing if existing is not None and not _is_imported(existing) else None
        rid = curated or hub_record_id(repo)
        out.curated = curated

        # misspelled keys: reported, and read as the key they mean (weak)
        keys = dict(card)
        weak_keys: set[str] = set()
        for k in list(card):
            meant = _misspelled(str(k))
            if meant is not None:
                problem("misspelled-key", f"unknown card key '{k}' (did you mean '{meant}'?)",
                        f"Rename it to '{meant}': the Hub ignores '{k}'.", key=str(k))
                if meant not in keys:
                    keys[meant] = card[k]
                    weak_keys.add(meant)

        # parents
        rels: list[dict[str, Any]] = []
        declared_rel = keys.get("base_model_relation")
        raw_parents: list[Any] = []
        parent_locator = loc("base_model")
        hub_rel: str | None = None
        if "base_model" in keys:
            raw_parents = _as_list(keys.get("base_model"))
            if keys.get("base_model") == [] or keys.get("base_model") in ("", None):
                problem("empty-base-model", "base_model is empty",
                        "Name the base model's Hub id, or remove the key.", key="base_model")
                raw_parents = []
        elif entry.base_models:
            raw_parents = [m for _, m in entry.base_models]
            hub_rel = next((r for r, _ in entry.base_models if r), None)
            parent_locator = "baseModels"
        else:
            tagged = _tag_values(entry.tags, "base_model:")
            for t in tagged:
                r, _, m = t.partition(":") if ":" in t else ("", "", t)
                if r and r in HUB_RELATIONS:
                    hub_rel = hub_rel or r
                if m not in raw_parents:
                    raw_parents.append(m)
            parent_locator = "tags"
        parents: list[str] = []
        seen_p: set[str] = set()
        for p in raw_parents:
            if not isinstance(p, str) or not p.strip():
                problem("not-a-hub-id", f"base_model entry {_short(p, 60)!r} is not a Hub id",
                        "Write each base model as 'ORG/NAME'.", key="base_model")
                continue
            p = p.strip()
            if not is_hub_id(p):
                hint = self.suggest(p)
                problem("not-a-hub-id", f"base_model {_short(p, 80)!r} is not a Hub id",
                        f"Write it as 'ORG/NAME'{f' (did you mean {hint!r}?)' if hint else ''}.",
                        key="base_model")
                continue
            if p.casefold() == repo.casefold():
                problem("self-loop", "the card names itself as its base_model",
                        "Name the model it was made from.", key="base_model")
                continue
            if p.casefold() in seen_p:
                problem("duplicate-parent", f"base_model lists {p} more than once (a merge of a "
                        "model with itself?)", "List each parent once.", key="base_model")
                continue
            seen_p.add(p.casefold())
            parents.append(p)
        resolved = [(p, *self.resolve(p)) for p in parents]
        # a parent listed together with its own parent: keep the more specific one (two
        # teachers of a distillation are two sources of outputs, each kept)
        if len(resolved) > 1 and not _distillation(declared_rel):
            anc: dict[str, set[str]] = {r: self._ancestors(r) for _, r, _ in resolved}
            keep = []
            for p, r, ex in resolved:
                child = next((q for q, s, _ in resolved if s != r and r in anc[s]), None)
                if child is not None:
                    problem("redundant-parent", f"base_model lists {p} together with {child}, "
                            f"which descends from it", f"List only {child}.", key="base_model")
                else:
                    keep.append((p, r, ex))
            resolved = keep
        kind, confidence, note = self._relation(entry, keys, declared_rel, hub_rel, resolved,
                                                problem, weak_keys)
        # a quantization that names the merge's parents instead of the merge
        if kind == "quantized" and len(resolved) > 1:
            merge, merge_hub = self.merges.get(frozenset(r for _, r, _ in resolved),
                                               (None, None))
            names = ", ".join(p for p, _, _ in resolved)
            problem("quantized-merge-parents", f"a quantization names {len(resolved)} parents "
                    f"({names}): it quantizes one model, probably a merge of them",
                    f"Name the merge as base_model{f' ({merge_hub})' if merge_hub else ''}.",
                    key="base_model")
            if merge is not None:  # quoted as the card lists it
                resolved = [(resolved[0][0], merge, True)]
                note = "the card names the merge's parents; the merge is the quantized model"
            confidence = "weak"
        # a vision + language composition declared as a merge
        if kind == "merge" and len(resolved) > 1:
            vision = [p for p, _, _ in resolved if _VISION.search(p)]
            if vision and len(vision) < len(resolved):
                problem("vision-language-merge", f"declared a merge, but {vision[0]} is a vision "
                        "encoder: the model composes it with a language model",
                        "Declare base_model_relation: finetune (the Hub's merges are of "
                        "same-architecture language models).", key="base_model_relation")
                kind, confidence = "finetune", "weak"
                note = "declared as a merge; composes a vision encoder with a language model"
        for p, prid, exists in resolved:
            q = f"base_model: {p}" if not isinstance(keys.get("base_model"), list) else p
            sources = [src(parent_locator if parent_locator != loc("base_model") or
                           "base_model" not in weak_keys else "misspelled base_model key", q)]
            if declared_rel is not None and isinstance(declared_rel, str):
                sources.append(src(loc("base_model_relation"),
                                   f"base_model_relation: {declared_rel}"))
            rel = {"relation": kind, "target": prid, "confidence": confidence,
                   "sources": sources}
            if note:
                rel["note"] = note
            rels.append(rel)
            if not exists:
                self._stub_model(out, p, prid, doc, parent_locator)
        # a distillation's teachers are data lineage: no weights (nor their licence) carried
        out.parents = [r for _, r, _ in resolved] if _carries_weights(kind) else []
        if kind == "merge" and len(out.parents) > 1:
            self.merges[frozenset(out.parents)] = (rid, repo)

        # datasets
        ds_raw = keys.get("datasets")
        ds_locator = loc("datasets")
        if ds_raw is None:
            ds_raw = _tag_values(entry.tags, "dataset:")
            ds_locator = "tags"
        seen_d: set[str] = set()
        for d in _as_list(ds_raw):
            if not isinstance(d, str) or not is_hub_id(d.strip()):
                problem("not-a-hub-id", f"datasets entry {_short(d, 80)!r} is not a Hub dataset "
                        "id", "Write each dataset as 'ORG/NAME'.", key="datasets")
                continue
            d = d.strip()
            if d.casefold() in seen_d:
                continue
            seen_d.add(d.casefold())
            drid, exists = self.resolve(d, "dataset")
            rels.append({"relation": "trained_on", "target": drid, "confidence": "explicit",
                         "sources": [src(ds_locator, d if ds_locator == "tags" or isinstance(
                             ds_raw, list) else f"datasets: {d}")]})
            if not exists and drid not in self.stub_ids:
                self.stub_ids.add(drid)
                out.stubs.append({
                    "id": drid, "type": "dataset", "name": d, "hub_ids": [d],
                    "note": f"Known from the card of {repo}; its own card was not imported.",
                    "sources": [{"document": f"{HUB_URL}/datasets/{d}", "locator": "dataset id",
                                 "field": "hub_ids"}]})

        # licence
        lic_rid = self._licence(entry, keys, out, problem, src, loc, rels)

        # licence more permissive than a parent's
        if lic_rid is not None and (self.spdx(lic_rid) or self._stub_spdx(out, lic_rid)) in \
                _PERMISSIVE_SPDX:
            for p, prid, _ in resolved:
                if kind == "merge" or not _carries_weights(kind):
                    break  # a distillation's teachers: their output terms are 'lineage license's
                for pl in self.licence_of(prid):
                    pspdx = self.spdx(pl)
                    if pspdx not in _PERMISSIVE_SPDX and pl != lic_rid:
                        problem("licence", f"licence {self._licence_label(lic_rid)} is more "
                                f"permissive than its parent {p}'s "
                                f"({self._licence_label(pl)})",
                                "Use the parent's licence (a derivative stays under its terms).",
                                key="license")
                        break

        # new_version: the newer repository succeeds this one
        nv = keys.get("new_version")
        if nv is not None:
            if not isinstance(nv, str) or not is_hub_id(nv.strip()):
                problem("not-a-hub-id", f"new_version {_short(nv, 80)!r} is not a Hub id",
                        "Write it as 'ORG/NAME'.", key="new_version")
            elif nv.strip().casefold() == repo.casefold():
                problem("self-loop", "new_version names the repository itself",
                        "Name the newer repository.", key="new_version")
            else:
                nv = nv.strip()
                nrid, exists = self.resolve(nv)
                if not exists:
                    self._stub_model(out, nv, nrid, doc, loc("new_version"))
                if _is_imported(nrid):
                    out.foreign.append((nrid, {
                        "relation": "successor", "target": rid, "confidence": "explicit",
                        "sources": [src(loc("new_version"), f"new_version: {nv}")]}))
                else:
                    problem("conflict", f"new_version names the curated record {nrid}; "
                            "curated records are not changed by an import",
                            "Add the successor relation to the curated data if it holds.",
                            key="new_version")

        # papers
        for a in dict.fromkeys(_tag_values(entry.tags, "arxiv:")):
            if not re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", a):
                continue
            prid = self.paper(a)
            if prid is None:
                prid = "hf-arxiv." + a.replace(".", "-")
                if prid not in self.stub_ids:
                    self.stub_ids.add(prid)
                    out.stubs.append({"id": prid, "type": "paper", "name": f"arXiv:{a}",
                                      "arxiv": a, "urls": [f"https://arxiv.org/abs/{a}"],
                                      "note": f"Linked from the card of {repo}."})
            rels.append({"relation": "introduced_in", "target": prid, "confidence": "weak",
                         "note": "the card links this paper",
                         "sources": [src("tags", f"arxiv:{a}")]})

        # attributes
        rec: dict[str, Any] = {"id": rid, "type": "model", "name": repo, "hub_ids": [repo],
                               "sources": [src("id", None, "hub_ids")]}
        if entry.created_at:
            if entry.created_at == PLACEHOLDER_DATE:
                problem("placeholder-date", f"createdAt {PLACEHOLDER_DATE} is the Hub's "
                        "placeholder for an unknown date", "Nothing to fix: the date is left "
                        "out.")
            elif re.match(r"^\d{4}-\d{2}-\d{2}", entry.created_at):
                rec["date"] = entry.created_at[:10]
                rec["sources"].append(src("createdAt", entry.created_at, "date"))
        params = entry.parameters
        if isinstance(params, int) and not isinstance(params, bool) and 0 < params < 10**15:
            rec["parameters"] = params
            rec["sources"].append(src("safetensors.total", str(params), "parameters"))
        gated = entry.gated
        if api and gated is not None:
            rec["weights"] = "open" if gated is False or gated == "false" else "restricted"
            rec["sources"].append(src("gated", f"gated: {json.dumps(gated)}", "weights"))
        elif not api and any(str(k).startswith("extra_gated") for k in card):
            rec["weights"] = "restricted"
            rec["sources"].append(src("extra_gated_prompt", None, "weights"))
        claims = []
        for topic, value in (("hub-downloads", entry.downloads), ("hub-likes", entry.likes)):
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                claims.append({"topic": topic, "value": str(value),
                               "sources": [src(topic[4:], str(value))]})
        if claims:
            rec["claims"] = claims
        rec["relations"] = rels

        if curated is not None:
            out.record = self._enrich(curated, rec, out, problem)
            return out
        out.record = rec
        self.mine[rid] = (tuple(out.parents), lic_rid)
        self._licence_cache.pop(rid, None)
        return out

    def written(self) -> None:
        """The entries mapped so far are in the store now: forget what was looked up (an
        import of a million rows keeps only :attr:`mine`)."""
        self._lookup_cache.clear()
        self._licence_cache.clear()

    def _stub_model(self, out: Mapped, hub_id: str, rid: str, doc: str, locator: str) -> None:
        if rid in self.stub_ids:
            return
        self.stub_ids.add(rid)
        out.stubs.append({
            "id": rid, "type": "model", "name": hub_id, "hub_ids": [hub_id],
            "note": f"Known from the card of {out.repo_id}; its own card was not imported.",
            "sources": [{"document": doc, "locator": locator, "quote": hub_id,
                         "field": "hub_ids"}]})

    def _stub_spdx(self, out: Mapped, rid: str) -> str | None:
        for s in out.stubs:
            if s["id"] == rid:
                return s.get("spdx")
        return None

    def _licence_label(self, rid: str) -> str:
        try:
            return self.S.node(rid).name
        except KeyError:
            return rid

    def _relation(self, entry: Entry, keys: dict[str, Any], declared: Any, hub_rel: str | None,
                  resolved: list, problem: Callable[..., None], weak_keys: set[str]
                  ) -> tuple[str, str, str | None]:
        """(relation kind, confidence, note) of the parents."""
        from lineage.vocab import RELATION_KINDS

        if declared is not None:
            stated = str(declared).strip()
            d = stated.casefold()
            if d in HUB_RELATIONS:
                return d, "weak" if "base_model_relation" in weak_keys else "explicit", None
            mapped = _RELATION_SYNONYMS.get(d)
            if mapped is not None and mapped not in RELATION_KINDS:
                mapped = "finetune"
            if mapped is not None:
                problem("relation", f"base_model_relation {stated!r} is not one of the Hub's "
                        f"four (finetune, adapter, quantized, merge); imported as {mapped}",
                        "Use one of the four; the Hub ignores other values.",
                        key="base_model_relation")
                return mapped, "explicit", f"declared base_model_relation: {stated}"
            problem("relation", f"base_model_relation {_short(stated, 60)!r} is not a relation "
                    "the Hub knows; the relation is inferred instead",
                    "Use finetune, adapter, quantized or merge.", key="base_model_relation")
        if hub_rel in HUB_RELATIONS and not (hub_rel == "merge" and len(resolved) < 2):
            return hub_rel, "weak", "relation as the Hub computed it"
        # infer it as the Hub does
        name = entry.repo_id.split("/")[-1]
        tags = {t.casefold() for t in entry.tags}
        lib = (entry.library_name or keys.get("library_name") or "")
        lib = lib.casefold() if isinstance(lib, str) else ""
        quantized = (any(_QUANT_FILE.search(s) for s in entry.siblings) or tags & _QUANT_TAGS
                     or "quantized_by" in keys or _QUANT_NAME.search(name) or lib == "gguf")
        if len({r for _, r, _ in resolved}) >= 2:
            if quantized:  # checked by the caller: a quantization naming a merge's parents
                return "quantized", "weak", "relation inferred: quantized files, tags or name"
            return "merge", "weak", "relation inferred: two or more base models"
        if "adapter_config.json" in {s.split("/")[-1] for s in entry.siblings} or lib == "peft":
            return "adapter", "weak", "relation inferred: a PEFT adapter"
        if quantized:
            return "quantized", "weak", "relation inferred: quantized files, tags or name"
        return "finetune", "weak", "relation inferred: no relation declared"

    def _licence(self, entry: Entry, keys: dict[str, Any], out: Mapped,
                 problem: Callable[..., None], src: Callable[..., dict[str, Any]],
                 loc: Callable[[str], str], rels: list[dict[str, Any]]) -> str | None:
        raw = keys.get("license")
        locator = loc("license")
        if raw is None:
            tagged = _tag_values(entry.tags, "license:")
            raw = tagged[0] if tagged else None
            locator = "tags"
        if raw is None:
            return None
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        if not isinstance(raw, str) or not raw.strip():
            problem("bad-value", f"license {_short(raw, 60)!r} is not a licence id",
                    "Write a Hub licence id such as apache-2.0, or 'other' with license_name.",
                    key="license")
            return None
        hub = raw.strip().casefold()
        lname = keys.get("license_name")
        lname = lname.strip() if isinstance(lname, str) and lname.strip() else None
        link = keys.get("license_link")
        link = link.strip() if isinstance(link, str) else None
        quote = f"license: {raw.strip()}"
        if hub in ("unknown", "none"):
            return None
        if hub == "other":
            if lname is None:
                problem("licence", "license: other without license_name",
                        "Add license_name (and license_link) naming the licence.", key="license")
                return None
            key = lname.casefold()
            curated, spdx, display = HUB_LICENSES.get(key, (None, None, lname))
            quote = f"license_name: {lname}"
            locator = loc("license_name")
        else:
            curated, spdx, display = HUB_LICENSES.get(hub, (None, None, raw.strip()))
            key = hub
        lrid = None
        if curated is not None and curated in self.S:
            lrid = curated
        else:
            found = self.S.lookup(display) or (self.S.lookup(lname) if lname else None)
            if found is not None and self.S.node(found).type == "license":
                lrid = found
        if lrid is None:
            lrid = "hf-license." + _slug(key)
            if lrid not in self.stub_ids:
                self.stub_ids.add(lrid)
                stub: dict[str, Any] = {"id": lrid, "type": "license", "name": display,
                                        "note": "Named by a Hub card; its terms are not "
                                        "recorded (commercial use unknown).",
                                        "sources": [src(locator, quote)]}
                if spdx:
                    stub["spdx"] = spdx
                if link and re.match(r"^https?://[^\s<>\"]+$", link):
                    stub["urls"] = [link]
                out.stubs.append(stub)
        sources = [src(locator, quote)]
        if link:
            sources.append(src(loc("license_link"), f"license_link: {link}"))
        rels.append({"relation": "licensed_under", "target": lrid, "confidence": "explicit",
                     "sources": sources})
        return lrid

    def _enrich(self, rid: str, rec: dict[str, Any], out: Mapped,
                problem: Callable[..., None]) -> dict[str, Any] | None:
        """The curated record ``rid`` with what the Hub adds (downloads, likes); differences in
        what both state are reported, never resolved."""
        from lineage.vocab import LINEAGE_RELATIONS

        item = record_item(self.S, rid)
        lineage_targets = {r["target"] for r in item.get("relations", [])
                           if r["relation"] in LINEAGE_RELATIONS}
        licences = {r["target"] for r in item.get("relations", [])
                    if r["relation"] == "licensed_under"} or set(self.licence_of(rid))
        for r in rec["relations"]:
            if r["relation"] in LINEAGE_RELATIONS and r["target"] not in lineage_targets \
                    and r["relation"] not in ("trained_on",):
                if r["target"] in self._ancestors(rid):
                    continue
                problem("conflict", f"the card says {r['relation']} of {r['target']}; the curated "
                        f"record {rid} does not (kept as curated)",
                        "Check both sources; fix the curated data or the card.", key="base_model")
            if r["relation"] == "licensed_under" and licences and r["target"] not in licences:
                problem("conflict", f"the card's licence ({r['target']}) differs from the "
                        f"curated record's ({', '.join(sorted(licences))}); kept as curated",
                        "Check both sources.", key="license")
        for s in out.stubs:  # a curated record keeps its relations: no placeholders needed
            self.stub_ids.discard(s["id"])
        out.stubs = []
        out.foreign = []
        claims = [c for c in item.get("claims", []) if c["topic"] not in ("hub-downloads",
                                                                            "hub-likes")]
        claims += rec.get("claims", [])
        new = dict(item)
        if claims:
            new["claims"] = claims
        hubs = list(new.get("hub_ids", []))
        if not any(h.casefold() == out.repo_id.casefold() for h in hubs):
            hubs.append(out.repo_id)
            new["hub_ids"] = hubs
        return new


def record_item(store: Any, rid: str) -> dict[str, Any]:
    """A stored record as a data-file item (its fields and its relations)."""
    item = dict(store.record(rid))
    item["relations"] = [{"relation": e.relation, "target": e.target,
                          "confidence": e.confidence, **e.body()}
                         for e in store.out_edges(rid)]
    return {k: v for k, v in item.items() if v not in (None, [], "")}


# --- the import -------------------------------------------------------------------------


class ProblemLog(list):
    """Problems of an import: every one counted by kind, the first ``keep`` kept in full
    (a million-row import with a problem per row stays within memory)."""

    def __init__(self, items: Iterable[Problem] = (), keep: int = 10_000) -> None:
        super().__init__()
        self.keep = keep
        self.kinds: Counter[str] = Counter()
        self.total = 0
        self.extend(items)

    def append(self, p: Problem) -> None:  # type: ignore[override]
        self.kinds[p.kind] += 1
        self.total += 1
        if len(self) < self.keep:
            super().append(p)

    def extend(self, ps: Iterable[Problem]) -> None:  # type: ignore[override]
        for p in ps:
            self.append(p)

    @property
    def left_out(self) -> int:
        return self.total - len(self)


@dataclass
class ImportResult:
    """What an import did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    placeholders: int = 0
    enriched: int = 0
    relations: int = 0
    entries: int = 0
    problems: ProblemLog = field(default_factory=ProblemLog)
    target: str = ""

    @property
    def by_kind(self) -> dict[str, int]:
        return dict(sorted(self.problems.kinds.items()))

    @property
    def imported(self) -> int:
        return self.added + self.updated + self.unchanged + self.enriched

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in self.by_kind.items())
        return (f"Imported {self.entries:,} repositor{'ies' if self.entries != 1 else 'y'} into "
                f"{self.target}: {self.added:,} added, {self.updated:,} updated, "
                f"{self.unchanged:,} unchanged, {self.enriched:,} matched curated records, "
                f"{self.placeholders:,} placeholders; {self.relations:,} relations written; "
                f"{self.problems.total:,} problem{'s' if self.problems.total != 1 else ''}"
                + (f" ({kinds})" if kinds else "") + ".")

    def to_json(self) -> dict[str, Any]:
        return {"schema_version": 1, "query": "import-hf", "target": self.target,
                "entries": self.entries, "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "curated": self.enriched,
                "placeholders": self.placeholders, "relations": self.relations,
                "by_kind": self.by_kind, "problems_left_out": self.problems.left_out,
                "problems": [{"file": p.file, "line": p.line, "record": p.record,
                              "field": p.field, "kind": p.kind, "severity": p.severity,
                              "message": p.message, "fix": p.fix} for p in self.problems]}


def _validate(item: dict[str, Any], problems: list[Problem], where: tuple[str, int | None]
              ) -> Any:
    from pydantic import ValidationError

    from lineage.records import RECORD_TYPES, validate_record

    try:
        return validate_record(item)
    except ValidationError as e:
        err = e.errors()[0]
        # a record's own class names the field first; the union of all types, the type
        loc = err["loc"][0 if item.get("type") in RECORD_TYPES else 1:]
        fld = ".".join(str(x) for x in loc) or None
        problems.append(Problem(where[0], where[1], item.get("name") or item.get("id"), fld,
                                f"cannot import: {err['msg']}", "Fix the value in the card.",
                                kind="invalid"))
        return None


def _merge_foreign(new: dict[str, Any], old: dict[str, Any] | None, own_docs: set[str]
                   ) -> dict[str, Any]:
    """Keep relations another repository's card gave the old record (e.g. new_version)."""
    if not old:
        return new
    have = {(r["relation"], r["target"]) for r in new.get("relations", [])}
    extra = [r for r in old.get("relations", [])
             if (r["relation"], r["target"]) not in have
             and not any(s.get("document") in own_docs for s in r.get("sources", []))]
    if extra:
        new = dict(new)
        new["relations"] = list(new.get("relations", [])) + extra
    return new


def import_hf(entries: Iterable[Entry], sink: Any, *, problems: list[Problem] | None = None,
              progress: Callable[[int], None] | None = None, batch: int = 2000) -> ImportResult:
    """Map ``entries`` and write them through ``sink`` (:class:`StoreSink` or
    :class:`YamlSink`); return what was done. ``problems`` holds problems found
    while reading the sources (they are reported with the rest)."""
    from graph.store.base import bulk_work

    with bulk_work():
        return _import_hf(entries, sink, problems, progress, batch)


def _import_hf(entries: Iterable[Entry], sink: Any, problems: list[Problem] | None,
               progress: Callable[[int], None] | None, batch: int) -> ImportResult:
    if not isinstance(problems, ProblemLog):
        problems = ProblemLog(problems or ())
    result = ImportResult(problems=problems, target=sink.description)
    mapper = HubMapper(sink.store)
    chunk: list[tuple[Mapped, Entry]] = []
    pending_stubs: dict[str, tuple[dict[str, Any], tuple[str, int | None]]] = {}
    foreign: list[tuple[str, dict[str, Any], tuple[str, int | None]]] = []
    seen_repos: set[int] = set()

    def flush() -> None:
        records = []
        for m, e in chunk:
            if m.record is None:
                continue
            obj = _validate(m.record, result.problems, e.where())
            if obj is not None:
                records.append((obj, e, m.curated is not None))
        counts = sink.write(records)
        mapper.written()
        result.added += counts["added"]
        result.updated += counts["updated"]
        result.unchanged += counts["unchanged"]
        result.enriched += counts["enriched"]
        result.relations += counts["relations"]
        chunk.clear()

    def entries_prefetched() -> Iterator[Entry]:
        """The entries, a batch at a time, with the Hub ids each batch names looked up in
        the store at once."""
        buf: list[Entry] = []
        for entry in entries:
            buf.append(entry)
            if len(buf) >= batch:
                mapper.prefetch(h for e in buf for h in _entry_hub_ids(e))
                yield from buf
                buf = []
        mapper.prefetch(h for e in buf for h in _entry_hub_ids(e))
        yield from buf

    # a source (or a later entry of the same repository) is read first-to-last: last wins
    for entry in entries_prefetched():
        result.entries += 1
        key = hash(entry.repo_id.casefold())  # a number per repository: memory stays small
        if key in seen_repos:
            result.problems.append(Problem(entry.origin, entry.line, entry.repo_id, None,
                                           "given more than once in this import; this one is "
                                           "imported over the earlier one",
                                           "Give each repository once.", severity="warning",
                                           kind="duplicate-repository"))
        seen_repos.add(key)
        m = mapper.map(entry)
        result.problems.extend(m.problems)
        for s in m.stubs:
            if s["id"] not in pending_stubs:
                pending_stubs[s["id"]] = (s, entry.where())
        for target, rel in m.foreign:
            foreign.append((target, rel, entry.where()))
        chunk.append((m, entry))
        if len(chunk) >= batch:
            flush()
            sink.add_stubs(pending_stubs)
            pending_stubs = {}
            if progress is not None:
                progress(result.entries)
    flush()
    sink.add_stubs(pending_stubs)
    if progress is not None:
        progress(result.entries)
    stub_counts = sink.finish_stubs(_validate, result.problems)
    result.placeholders += stub_counts
    result.relations += sink.apply_foreign(foreign, _validate, result.problems)
    # what this import added is all there is to check when it rewrote nothing the store held
    alone = not foreign and not result.updated and not result.unchanged
    result.problems.extend(sink.check_cycles(mapper.mine if alone else None))
    final = getattr(sink, "final_counts", None)
    if final is not None:
        for k, v in final().items():
            setattr(result, k, v)
    sink.commit(large=result.added + result.updated + result.placeholders >= REWALK_MIN)
    return result


# --- where imports go ----------------------------------------------------------------------


def _canonical(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)


class StoreSink:
    """Writes imported records into an on-disk SQLite store, in one transaction."""

    def __init__(self, path: str) -> None:
        from graph.store.sqlite import SQLiteStore, StoreImport

        self.path = path
        self.store = SQLiteStore(path, writable=True)
        self.imp = StoreImport(self.store.db)
        self.description = path

    def write(self, records: list[tuple[Any, Entry, bool]]) -> dict[str, int]:
        counts = {"added": 0, "updated": 0, "unchanged": 0, "enriched": 0, "relations": 0}
        if not records:
            return counts
        states = self.imp.states([r.id for r, _, _ in records])
        changed = []
        for rec, entry, curated in records:
            old = states.get(rec.id)
            if old is not None and not curated:
                own = {entry.document, f"{HUB_URL}/{entry.repo_id}",
                       f"{HUB_URL}/api/models/{entry.repo_id}"}
                # relations another card gave it (new_version) are kept: any edge whose
                # evidence cites none of this repository's own documents
                cited = [f'"document":{json.dumps(d, ensure_ascii=False)}' for d in own]
                if any(not any(c in e[-1] for c in cited) for e in old[1]):
                    old_item = record_item(self.store, rec.id)
                    from lineage.records import item_adapter

                    merged = _merge_foreign(rec.model_dump(mode="json", exclude_none=True),
                                            old_item, own)
                    rec = item_adapter().validate_python(merged)
            from graph.store.sqlite import record_state_of

            if curated:  # matched a curated record: counted apart, written if enriched
                counts["enriched"] += 1
                if old is not None and old == record_state_of(rec):
                    continue
            elif old is not None and old == record_state_of(rec):
                counts["unchanged"] += 1
                continue
            elif old is None:
                counts["added"] += 1
            else:
                counts["updated"] += 1
            counts["relations"] += len(rec.relations)
            changed.append((rec, (entry.origin, entry.line)))
        if changed:
            self.imp.write(changed)
            self.store._nodes.clear()
        return counts

    def add_stubs(self, stubs: dict[str, tuple[dict[str, Any], tuple[str, int | None]]]) -> None:
        self.imp.stage_stubs([(rid, json.dumps(s), w[0], w[1])
                                           for rid, (s, w) in stubs.items()])

    def finish_stubs(self, validate: Callable[..., Any], problems: list[Problem]) -> int:
        n = 0
        batch = []
        for body, file, line in self.imp.missing_stubs():
            obj = validate(json.loads(body), problems, (file, line))
            if obj is not None:
                batch.append((obj, (file, line)))
            if len(batch) >= 5000:
                self.imp.write(batch)
                n += len(batch)
                batch = []
        if batch:
            self.imp.write(batch)
            n += len(batch)
        self.store._nodes.clear()
        return n

    def apply_foreign(self, foreign: list, validate: Callable[..., Any],
                      problems: list[Problem]) -> int:
        self.imp.unstage()  # the targets' relations are read back
        n = 0
        by_target: dict[str, list] = {}
        for target, rel, where in foreign:
            by_target.setdefault(target, []).append((rel, where))
        out = []
        for target, rels in by_target.items():
            if target not in self.store:
                continue
            item = record_item(self.store, target)
            have = {(r["relation"], r["target"]) for r in item.get("relations", [])}
            add = [r for r, _ in rels if (r["relation"], r["target"]) not in have]
            if not add:
                continue
            item["relations"] = item.get("relations", []) + add
            obj = validate(item, problems, rels[0][1])
            if obj is not None:
                out.append((obj, self.store.origin(target) or rels[0][1]))
                n += len(add)
        if out:
            self.imp.write(out)
        return n

    def check_cycles(self, mine: dict[str, tuple[tuple[str, ...], str | None]] | None = None
                     ) -> list[Problem]:
        """Cycles among the imported records of the store. ``mine``: the lineage of what
        this import added, when it is all there is to check (it rewrote no record the
        store held and added no relation to one): then found in memory, not in SQL."""
        adj: dict[str, list[str]] = {}
        if mine is not None:
            edges = _strip([(rid, p) for rid, (ps, _) in mine.items() for p in ps
                            if p != rid and _is_imported(p)])
        else:
            edges = self.imp.cycle_edges(IMPORTED_PREFIXES)
        for src, dst in sorted(edges):
            adj.setdefault(src, []).append(dst)
        problems = []
        for cycle, _ in _cycles_in(adj):
            names = [self.store.node(r).name for r in cycle]
            origin = self.store.origin(cycle[0]) or ("?", None)
            problems.append(Problem(origin[0], origin[1], names[0], "base_model",
                                    "cycle in the model tree: " + " -> ".join(names),
                                    "Fix the base_model of one of these cards.",
                                    severity="warning", kind="cycle"))
        return problems

    def commit(self, large: bool = False) -> None:
        self.imp.commit(rewalk=large)
        self.store.close()

    def abort(self) -> None:
        self.imp.rollback()
        self.store.close()


class YamlSink:
    """Writes imported records as one YAML data file (``DIR/hf-import.yaml``), merged with
    what that file held; use it with ``--data-dir DIR``."""

    FILE = "hf-import.yaml"

    def __init__(self, directory: str, base: Any) -> None:
        self.dir = Path(directory)
        if self.dir.exists() and not self.dir.is_dir():
            raise LineageError(f"-o {directory}: not a directory. Give a directory for the "
                               "YAML files (it is created if missing).")
        self.path = self.dir / self.FILE
        self.store = base
        self.description = str(self.path)
        self.items: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            from lineage.load import _parse

            data, _, probs = _parse(self.path.read_text(encoding="utf-8"), str(self.path))
            if probs or not isinstance(data, list):
                raise LineageError(f"{self.path} cannot be read back ({probs[0] if probs else 'not a list'}). "
                                   "Move it away and import again.")
            self.items = {i["id"]: i for i in data if isinstance(i, dict) and "id" in i}
        self.before = {k: _canonical(v) for k, v in self.items.items()}
        self.written: set[str] = set()

    def _exists(self, rid: str) -> bool:
        return rid in self.items or rid in self.store

    def write(self, records: list[tuple[Any, Entry, bool]]) -> dict[str, int]:
        counts = {"added": 0, "updated": 0, "unchanged": 0, "enriched": 0, "relations": 0}
        for rec, entry, curated in records:
            if curated:
                counts["enriched"] += 1
                continue  # curated records stay in the curated data
            item = rec.model_dump(mode="json", exclude_none=True,
                                  exclude_defaults=True)
            item = {"id": item.pop("id"), "type": rec.type, **item}
            own = {entry.document, f"{HUB_URL}/{entry.repo_id}",
                   f"{HUB_URL}/api/models/{entry.repo_id}"}
            item = _merge_foreign(item, self.items.get(rec.id), own)
            old = self.before.get(rec.id)
            if old is None:
                counts["added"] += 1
            elif old == _canonical(item):
                counts["unchanged"] += 1
            else:
                counts["updated"] += 1
            if old != _canonical(item):
                counts["relations"] += len(item.get("relations", []))
            self.items[rec.id] = item
            self.written.add(rec.id)
        return counts

    def final_counts(self) -> dict[str, int]:
        """(added, updated, unchanged) once cycles are broken: a relation left out again on a
        re-import changes nothing."""
        out = {"added": 0, "updated": 0, "unchanged": 0}
        for rid in self.written:
            old = self.before.get(rid)
            out["added" if old is None else "unchanged" if old == _canonical(self.items[rid])
                else "updated"] += 1
        return out

    def add_stubs(self, stubs: dict[str, tuple[dict[str, Any], tuple[str, int | None]]]) -> None:
        self._stubs = getattr(self, "_stubs", {})
        for rid, v in stubs.items():
            self._stubs.setdefault(rid, v)

    def finish_stubs(self, validate: Callable[..., Any], problems: list[Problem]) -> int:
        n = 0
        for rid, (stub, where) in getattr(self, "_stubs", {}).items():
            if self._exists(rid):
                continue
            if validate(stub, problems, where) is not None:
                self.items[rid] = stub
                n += 1
        return n

    def apply_foreign(self, foreign: list, validate: Callable[..., Any],
                      problems: list[Problem]) -> int:
        n = 0
        for target, rel, _ in foreign:
            item = self.items.get(target)
            if item is None:
                continue
            have = {(r["relation"], r["target"]) for r in item.get("relations", [])}
            if (rel["relation"], rel["target"]) not in have:
                item.setdefault("relations", []).append(rel)
                n += 1
        return n

    def check_cycles(self, mine: Any = None) -> list[Problem]:
        """Find cycles among the imported records; drop the relation that closes each."""
        from lineage.vocab import LINEAGE_RELATIONS

        problems = []
        for cycle, (src, k) in _cycles_in({rid: [r["target"] for r in it.get("relations", [])
                                                 if r["relation"] in LINEAGE_RELATIONS]
                                           for rid, it in self.items.items()}):
            names = [self.items[r]["name"] for r in cycle]
            rels = [r for r in self.items[src]["relations"] if r["relation"] in LINEAGE_RELATIONS]
            self.items[src]["relations"].remove(rels[k])
            problems.append(Problem(str(self.path), None, self.items[src]["name"], "base_model",
                                    "cycle in the model tree: " + " -> ".join(names) +
                                    f"; the relation of {self.items[src]['name']} is left out",
                                    "Fix the base_model of one of these cards.",
                                    severity="warning", kind="cycle"))
        return problems

    def commit(self, large: bool = False) -> None:
        import yaml

        from lineage.output import write_text_atomic

        if {k: _canonical(v) for k, v in self.items.items()} == self.before and \
                self.path.exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        items = [self.items[k] for k in sorted(self.items)]
        text = ("# Imported from the Hugging Face Hub by 'lineage import hf'; re-import to "
                "update.\n" + yaml.safe_dump(items, sort_keys=False, allow_unicode=True,
                                             width=100))
        write_text_atomic(self.path, text)

    def abort(self) -> None:
        pass


def _strip(edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The edges that lie on a cycle or between cycles: strip, again and again, every edge
    from a node nothing points to and every edge to a node that points nowhere.

    >>> sorted(_strip([("a", "b"), ("b", "a"), ("c", "a"), ("b", "d")]))
    [('a', 'b'), ('b', 'a')]
    """
    out_deg: Counter[str] = Counter(s for s, _ in edges)
    in_deg: Counter[str] = Counter(d for _, d in edges)
    by_src: dict[str, list[int]] = {}
    by_dst: dict[str, list[int]] = {}
    for i, (s, d) in enumerate(edges):
        by_src.setdefault(s, []).append(i)
        by_dst.setdefault(d, []).append(i)
    alive = [True] * len(edges)
    queue = [n for n in {*out_deg, *in_deg} if not in_deg[n] or not out_deg[n]]
    while queue:
        n = queue.pop()
        for i in (*by_src.get(n, ()), *by_dst.get(n, ())):
            if not alive[i]:
                continue
            alive[i] = False
            s, d = edges[i]
            out_deg[s] -= 1
            in_deg[d] -= 1
            for m in (s, d):
                if m != n and (not in_deg[m] or not out_deg[m]):
                    queue.append(m)
    return [e for e, a in zip(edges, alive, strict=True) if a]


def _cycles_in(adj: dict[str, list[str]]) -> Iterator[tuple[list[str], tuple[str, int]]]:
    """Each cycle of ``adj`` once, with the (record, index among its listed targets) of the
    relation that closes it."""
    color: dict[str, int] = {}
    for start in sorted(adj):
        if color.get(start):
            continue
        stack = [(start, 0)]
        path = [start]
        color[start] = 1
        while stack:
            node, i = stack[-1]
            targets = adj.get(node, [])
            if i < len(targets):
                stack[-1] = (node, i + 1)
                nxt = targets[i]
                c = color.get(nxt, 0)
                if c == 0 and nxt in adj:
                    color[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, 0))
                elif c == 1:
                    yield path[path.index(nxt):] + [nxt], (node, i)
            else:
                color[node] = 2
                path.pop()
                stack.pop()


def open_sink(*, store: str | None, output: str | None, data_dirs: Sequence[str],
              shipped: bool, notices: list[str]) -> Any:
    """The sink an import writes to: a store (built from the data first if missing), or a
    directory of YAML files."""
    if output is not None:
        from graph.store import open_store

        dirs = list(data_dirs)
        if (Path(output) / YamlSink.FILE).is_file():
            dirs.append(str(Path(output) / YamlSink.FILE))
        base = open_store(dirs, shipped=shipped, notices=notices)
        return YamlSink(output, base)
    assert store is not None
    p = Path(store)
    if not p.exists():
        from graph.store import index_store

        if p.parent and str(p.parent) not in ("", ".") and not p.parent.is_dir():
            raise LineageError(f"cannot create the store {store}: {p.parent} does not exist. "
                               "Create the directory first.")
        index_store(store, data_dirs, shipped=shipped).close()
        notices.append(f"built {store} from the curated data"
                       f"{' and ' + ', '.join(data_dirs) if data_dirs else ''} first")
    elif data_dirs or not shipped:
        raise LineageError(f"{store} exists: --data-dir and --no-shipped only choose the data a "
                           f"new store is built from. Import into it without them, or rebuild it "
                           f"first ('lineage --data-dir DIR index -o {store}').")
    return StoreSink(store)
