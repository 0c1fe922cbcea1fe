"""Exporting the AI bill of materials of a deep model, as ratios against ``import networkx``.

Run:  python benchmarks/bench_sbom.py [--models N] [--store PATH] [--runs N]

Builds a Hub-shaped store of ``--models`` models (default 100,000; see
benchmarks/hubgen.py) unless ``--store`` names one already built by hubgen,
picks its deepest model (fine-tunes of fine-tunes, merges, adapters and
quantizations down to depth ~10, with training data and developers), and
times, as a user runs them (median of ``--runs``, each a fresh process):

- ``lineage --store DB export sbom LEAF --format cyclonedx -o FILE``
- ``lineage --store DB export sbom LEAF --format spdx3 -o FILE``
- the same two with ``--validate`` (the standards' own validators, from the
  ``[sbom]`` extra);

against ``python -c "import networkx"`` measured in the same run, so the
ratios hold on a noisy shared machine where absolute times do not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _median(cmd: list[str], runs: int) -> float:
    times = []
    env = {**os.environ, "LINEAGE_DATA_DIR": ""}
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=100_000)
    ap.add_argument("--store", help="a store built by benchmarks/hubgen.py with --models models")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    import hubgen

    work = Path(tempfile.mkdtemp(prefix="lineage-bench-sbom-"))
    try:
        store = Path(args.store) if args.store else work / f"hub-{args.models}.db"
        if not store.exists():
            t = time.perf_counter()
            hubgen.build(args.models, str(store))
            print(f"(built in {time.perf_counter() - t:.0f} s)")
        marks = hubgen.landmarks(args.models)
        leaf = marks["leaf"]
        exe = shutil.which("lineage") or str(Path(sys.executable).parent / "lineage")
        out = work / "bom.json"
        base = _median([sys.executable, "-c", "import networkx"], args.runs)
        print(f"store: {store} ({args.models:,} models); model: {leaf} "
              f"(weight depth {marks['leaf_depth']})")
        print(f"baseline python -c 'import networkx': {base:.3f} s (median of {args.runs})")
        print()
        print("| command | median | vs `import networkx` | bill |")
        print("|---|---|---|---|")
        for fmt in ("cyclonedx", "spdx3"):
            for extra in ([], ["--validate"]):
                cmd = [exe, "--store", str(store), "export", "sbom", leaf, "--format", fmt,
                       "-o", str(out), *extra]
                secs = _median(cmd, args.runs)
                size = out.stat().st_size
                doc = json.loads(out.read_text(encoding="utf-8"))
                parts = (len(doc["components"]) + 1 if fmt == "cyclonedx" else
                         sum(o["type"].endswith("Package") for o in doc["@graph"]))
                label = f"export sbom {leaf} --format {fmt}{' --validate' if extra else ''}"
                print(f"| `{label}` | {secs:.3f} s | {secs / base:.1f}x | "
                      f"{parts} components, {size / 1024:.0f} KiB |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
