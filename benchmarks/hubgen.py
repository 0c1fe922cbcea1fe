"""A deterministic, Hub-shaped synthetic graph (for benchmarks only).

Shaped like the Hugging Face model tree: a few base models with tens of
thousands of descendants (the biggest holds about a fifth of all models),
fine-tunes of fine-tunes down to depth ~10, merges of 2-3 parents, adapters
and quantizations as leaves, datasets that a third of the models train on,
and organizations that develop them.

    python benchmarks/hubgen.py 100000 --store /tmp/hub-100k.db
    python benchmarks/hubgen.py 100000 --yaml /tmp/hub-100k-yaml   # data files instead

Records are validated by the same models as curated data and written in
batches, so memory stays flat whatever the size.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SRC = [{"document": "https://huggingface.co/synthetic", "locator": "base_model",
        "quote": "synthetic"}]


def shape(n: int) -> dict[str, int]:
    """Counts and landmarks of a graph of ``n`` models."""
    return {"models": n, "bases": max(3, n // 200), "datasets": max(5, n // 100),
            "orgs": max(3, n // 200)}


def hub_items(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Yield record dicts: organizations, datasets, then models in creation order."""
    rnd = random.Random(seed)
    sh = shape(n)
    for o in range(sh["orgs"]):
        yield {"id": f"org-{o}", "type": "organization", "name": f"Org {o}",
               "sources": SRC}
    for d in range(sh["datasets"]):
        yield {"id": f"data-{d}", "type": "dataset", "name": f"Dataset {d}",
               "hub_ids": [f"org{d % sh['orgs']}/dataset-{d}"], "sources": SRC,
               "description": f"synthetic instruction data number {d}"}
    bases = sh["bases"]
    # Zipf-like weights: base 0 gathers about a fifth of all models
    weights = [1.0 / (b + 1) ** 1.1 for b in range(bases)]
    tree_of: list[int] = []      # model index -> its base's index
    depth: list[int] = []
    parents_pool: list[list[int]] = [[] for _ in range(bases)]  # models that may be parents
    for i in range(n):
        rels: list[dict[str, Any]] = []
        months = (i * 36) // max(n, 1)  # three years, in creation order: never before a parent
        year, month = 2023 + months // 12, 1 + months % 12
        if i < bases:
            tree_of.append(i)
            depth.append(0)
            parents_pool[i].append(i)
            kind = "base"
        else:
            b = rnd.choices(range(bases), weights)[0]
            pool = parents_pool[b]
            r = rnd.random()
            if r < 0.03 and len(pool) > 3:
                kind = "merge"
                ps = rnd.sample(pool[-200:], rnd.choice((2, 3)))
            else:
                kind = ("adapter" if r < 0.18 else "quantized" if r < 0.33 else "finetune")
                # prefer recent, deep parents so chains grow to depth ~10
                p = pool[-1 - min(len(pool) - 1, int(rnd.expovariate(0.05)))]
                if depth[p] >= 10:
                    p = b
                ps = [p]
            for p in ps:
                rels.append({"relation": kind, "target": f"m-{p}", "confidence":
                             "weak" if rnd.random() < 0.1 else "explicit", "sources": SRC})
            tree_of.append(b)
            depth.append(1 + max(depth[p] for p in ps))
            if kind in ("finetune", "merge"):
                pool.append(i)
        if rnd.random() < 0.33:
            for d in sorted(rnd.sample(range(sh["datasets"]), rnd.choice((1, 2)))):
                rels.append({"relation": "trained_on", "target": f"data-{d}", "sources": SRC})
        if rnd.random() < 0.5:
            rels.append({"relation": "developed_by", "target": f"org-{i % sh['orgs']}",
                         "sources": SRC})
        org = i % sh["orgs"]
        yield {"id": f"m-{i}", "type": "model", "name": f"org{org}/model-{i}-{kind}",
               "hub_ids": [f"org{org}/model-{i}-{kind}"],
               "date": f"{year:04d}-{month:02d}", "weights": "open", "relations": rels}


def landmarks(n: int, seed: int = 7) -> dict[str, str]:
    """The records the benchmark asks about: the biggest hub and a deep leaf."""
    deepest, best = "m-0", -1
    depth: dict[str, int] = {}
    for item in hub_items(n, seed):
        if item["type"] != "model":
            continue
        ps = [r["target"] for r in item.get("relations", ())
              if r["relation"] in ("finetune", "merge", "adapter", "quantized")]
        d = 1 + max((depth[p] for p in ps), default=-1)
        depth[item["id"]] = d
        if d > best:
            deepest, best = item["id"], d
    return {"hub": "m-0", "leaf": deepest, "leaf_depth": str(best)}


def records(n: int, seed: int = 7) -> Iterator[Any]:
    """The items as validated records (the models curated data goes through)."""
    from pydantic import TypeAdapter

    from lineage.records import Item

    adapter = TypeAdapter(Item)
    for item in hub_items(n, seed):
        yield adapter.validate_python(item)


def build(n: int, path: str, seed: int = 7) -> None:
    from graph.store.sqlite import build_store

    def progress(done: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done:,} records", end="", file=sys.stderr)

    S = build_store(path, records(n, seed), meta={"synthetic": f"hub n={n} seed={seed}"},
                    batch=20_000, progress=progress)
    print(f"built {path}: {len(S):,} records, {S.edge_count():,} relations")


def write_yaml(n: int, directory: str, seed: int = 7, per_file: int = 10_000) -> int:
    """Write the items as YAML data files of ``per_file`` records each; return the count.

    Written out in full (no anchors or aliases), as a person or a converter would.
    """
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    batch: list[dict[str, Any]] = []
    files = 0

    def flush() -> None:
        nonlocal batch, files
        with open(out / f"hub-{files:04d}.yaml", "w", encoding="utf-8") as f:
            yaml.dump(batch, f, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=1000)
        batch, files = [], files + 1

    for item in hub_items(n, seed):
        batch.append(item)
        if len(batch) >= per_file:
            flush()
    if batch:
        flush()
    return files


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of models")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", help="where to build the store")
    where.add_argument("--yaml", metavar="DIR", help="write YAML data files here instead")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if a.yaml:
        print(f"wrote {write_yaml(a.n, a.yaml, a.seed)} files to {a.yaml}")
    else:
        build(a.n, a.store, a.seed)
