"""Importing Hub metadata at scale: time and peak memory of ``lineage import hf``.

Run:  python benchmarks/bench_import.py [--sizes 100000 1000000] [--runs 1] [--dir /tmp]

For each size it writes a Hub-shaped metadata snapshot (one row per model, the
columns of ``/api/models?full=true&cardData=true``: ``id``, ``createdAt``,
``tags``, ``cardData`` with ``base_model`` / ``base_model_relation`` /
``datasets`` / ``license``, ``siblings``, ``safetensors``, ``downloads``,
``likes``) as Parquet and as JSON lines, shaped like benchmarks/hubgen.py (a few
base models, the biggest of which are curated Hub ids, holding most models below
them; fine-tunes of fine-tunes; merges of 2-3 parents; adapters and
quantizations as leaves). Then, each in a fresh process:

* the store build of the same number of models (``hubgen.py N --store``), the
  reference the issue sets the import against;
* ``lineage --store S import hf SNAPSHOT.parquet`` into a store built from the
  curated data, and the same from JSON lines;
* the same import again (idempotent: nothing changes);

as ratios to ``python -c "import networkx"`` measured in the same run and to the
store build. Peak memory is the largest resident set of the process (``wait4``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_store import LINEAGE, run  # noqa: E402

CURATED_BASES = ["meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1",
                 "meta-llama/Meta-Llama-3-8B", "meta-llama/Llama-2-7b-chat-hf",
                 "HuggingFaceH4/zephyr-7b-beta"]
LICENSES = ["apache-2.0", "mit", "llama2", "llama3", "cc-by-nc-4.0", "other"]


def hub_rows(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Hub API model objects of a Hub-shaped tree of ``n`` models (deterministic)."""
    from hubgen import hub_items, shape

    rnd = random.Random(seed)
    sh = shape(n)
    hub_of: dict[str, str] = {}
    for item in hub_items(n, seed):
        if item["type"] == "dataset":
            hub_of[item["id"]] = item["hub_ids"][0]
            continue
        if item["type"] != "model":
            continue
        i = int(item["id"][2:])
        repo = item["hub_ids"][0]
        if i < len(CURATED_BASES) and i < sh["bases"]:
            # the biggest bases are curated models: the tree hangs under the curated records
            hub_of[item["id"]] = CURATED_BASES[i]
            continue
        hub_of[item["id"]] = repo
        parents, datasets, kind = [], [], None
        for r in item.get("relations", ()):
            if r["relation"] in ("finetune", "merge", "adapter", "quantized"):
                parents.append(hub_of[r["target"]])
                kind = r["relation"]
            elif r["relation"] == "trained_on":
                datasets.append(hub_of[r["target"]])
        card: dict[str, Any] = {"license": LICENSES[i % len(LICENSES)]}
        if card["license"] == "other":
            card["license_name"] = f"org-licence-{i % 7}"
            card["license_link"] = f"https://example.com/licence-{i % 7}"
        tags = ["transformers", "safetensors", "text-generation", "region:us",
                f"license:{card['license']}"]
        siblings = ["README.md", "config.json"]
        if parents:
            card["base_model"] = parents[0] if len(parents) == 1 else parents
            if rnd.random() < 0.6:
                card["base_model_relation"] = kind
            tags += [f"base_model:{p}" for p in parents]
            tags += [f"base_model:{kind}:{p}" for p in parents]
        if kind == "quantized":
            siblings.append("model.Q4_K_M.gguf")
            tags.append("gguf")
        elif kind == "adapter":
            siblings.append("adapter_config.json")
        else:
            siblings.append("model.safetensors")
        if datasets:
            card["datasets"] = datasets
            tags += [f"dataset:{d}" for d in datasets]
        if rnd.random() < 0.05:
            tags.append(f"arxiv:2{rnd.randint(100, 499)}.{rnd.randint(10000, 19999)}")
        date = item.get("date", "2024-01")
        yield {"id": repo, "author": repo.split("/")[0],
               "createdAt": (f"{date}-{1 + i % 28:02d}T12:00:00.000Z" if rnd.random() > 0.02
                             else "2022-03-02T23:29:04.000Z"),
               "downloads": int(rnd.expovariate(1 / 500)), "likes": int(rnd.expovariate(0.2)),
               "library_name": "peft" if kind == "adapter" else "transformers",
               "pipeline_tag": "text-generation", "tags": tags, "cardData": card,
               "siblings": siblings,
               "safetensors": None if kind in ("quantized", "adapter") else
               {"total": 7_000_000_000 + i}}


def write_snapshot(n: int, parquet: Path, jsonl: Path, batch: int = 20_000) -> str:
    """The snapshot as Parquet (nested values as JSON text, as bulk exports hold them) and
    as JSON lines, written in batches; returns the Hub id of a model deep in the tree."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("author", pa.string()),
                        ("createdAt", pa.string()), ("downloads", pa.int64()),
                        ("likes", pa.int64()), ("library_name", pa.string()),
                        ("pipeline_tag", pa.string()), ("tags", pa.list_(pa.string())),
                        ("cardData", pa.string()), ("siblings", pa.list_(pa.string())),
                        ("safetensors", pa.string())])
    rows: list[dict[str, Any]] = []
    sample = ""
    with pq.ParquetWriter(parquet, schema) as pw, jsonl.open("w") as jf:
        def flush() -> None:
            pw.write_table(pa.Table.from_pylist(
                [{**r, "cardData": json.dumps(r["cardData"]),
                  "safetensors": json.dumps(r["safetensors"]) if r["safetensors"] else None}
                 for r in rows], schema))
            rows.clear()

        for r in hub_rows(n):
            jf.write(json.dumps({**r, "siblings": [{"rfilename": s} for s in r["siblings"]]})
                     + "\n")
            rows.append(r)
            if "base_model" in r["cardData"] and "base_model_relation" in r["cardData"]:
                sample = r["id"]
            if len(rows) >= batch:
                flush()
        if rows:
            flush()
    return sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--runs", type=int, default=1, help="imports per size (median)")
    ap.add_argument("--dir", default="/tmp", help="where the snapshots and stores go")
    ap.add_argument("--formats", nargs="+", choices=("parquet", "jsonl"),
                    default=["parquet", "jsonl"], help="which snapshots to import")
    ap.add_argument("--no-reimport", action="store_true",
                    help="skip the second (idempotent) import of the Parquet snapshot")
    args = ap.parse_args()
    from _timing import compile_project

    compile_project()  # fresh processes run bytecode, as an install does
    work = Path(args.dir)
    env = {"LINEAGE_CACHE_DIR": "off"}
    base = statistics.median(run([sys.executable, "-c", "import networkx"])[0]
                             for _ in range(5))
    print(f"baseline python -c 'import networkx': {base:.3f} s (median of 5)\n")
    print("| size | what | time | vs `import networkx` | vs store build | peak RSS |")
    print("|---|---|---|---|---|---|")
    curated = work / "bench-import-curated.db"
    run(LINEAGE + ["index", "-o", str(curated)], env=env)
    for n in args.sizes:
        parquet = work / f"hub-snapshot-{n}.parquet"
        jsonl = work / f"hub-snapshot-{n}.jsonl"
        sample = write_snapshot(n, parquet, jsonl)
        built = work / f"bench-import-build-{n}.db"
        b_secs, b_mb = run([sys.executable, str(ROOT / "benchmarks" / "hubgen.py"), str(n),
                            "--store", str(built)])
        built.unlink()
        print(f"| {n:,} | store build (hubgen.py {n} --store) | {b_secs:.1f} s | "
              f"{b_secs / base:.0f}x | 1.00x | {b_mb} MB |")
        for label, src in (("import hf Parquet", parquet), ("import hf JSON lines", jsonl)):
            if src.suffix.lstrip(".") not in args.formats:
                continue
            times, peaks = [], []
            store = work / f"bench-import-{n}.db"
            for _ in range(args.runs):
                store.write_bytes(curated.read_bytes())
                secs, mb = run(LINEAGE + ["--store", str(store), "import", "hf", str(src),
                                          "--quiet"], env=env)
                times.append(secs)
                peaks.append(mb)
            secs = statistics.median(times)
            print(f"| {n:,} | {label} | {secs:.1f} s | {secs / base:.0f}x | "
                  f"{secs / b_secs:.2f}x | {max(peaks)} MB |")
            if src == parquet and not args.no_reimport:
                secs, mb = run(LINEAGE + ["--store", str(store), "import", "hf", str(src),
                                          "--quiet"], env=env)
                print(f"| {n:,} | re-import Parquet (nothing changes) | {secs:.1f} s | "
                      f"{secs / base:.0f}x | {secs / b_secs:.2f}x | {mb} MB |")
            if src == parquet:
                q, _ = run(LINEAGE + ["--store", str(store), "ancestry",
                                      f"hf:{sample}"], env=env)
                print(f"| {n:,} | ancestry of an imported model (fresh process) | {q:.3f} s | "
                      f"{q / base:.2f}x | - | - |")
            store.unlink()
        parquet.unlink()
        jsonl.unlink()
    curated.unlink()


if __name__ == "__main__":
    main()
