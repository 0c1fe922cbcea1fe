"""CLI start-up and knowledge-base loading, as ratios against baselines of the same run.

Run:  python benchmarks/bench_cli.py [--runs N]

Baselines (measured in the same run, on the same machine, so the ratios hold
on a noisy shared machine where absolute times do not):
- ``python -c pass``: interpreter start-up; each CLI command is reported as a
  multiple of it;
- parsing the shipped YAML files alone (PyYAML, C loader): loading is reported
  as a multiple of it (the rest is validation, line maps and cross-checks);
- ``import networkx``: what graph building adds on top.

The data is compiled once into a SQLite store in the cache directory (see
``graph.store.open_store``); the CLI rows use it as a user would, except the one
marked "cache off" (validated and kept in memory on every call).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import median_time  # noqa: E402


def _time_cmd(cmd: list[str], runs: int, **env_extra: str) -> float:
    times = []
    env = {**os.environ, "LINEAGE_DATA_DIR": "", **env_extra}
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=env, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return statistics.median(times)



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    from _timing import compile_project

    compile_project()  # fresh processes run bytecode, as an install does

    import yaml

    from graph.store import open_store
    from graph.store.memory import MemoryStore
    from lineage.load import SHIPPED_DATA, _Loader, data_files, load

    lineage_exe = shutil.which("lineage") or str(Path(sys.executable).parent / "lineage")
    py = sys.executable
    base = _time_cmd([py, "-c", "pass"], args.runs)
    rows = [("python -c pass (baseline)", base, 1.0)]
    for label, cmd in [
        ("lineage --help", [lineage_exe, "--help"]),
        ("lineage validate", [lineage_exe, "validate"]),
        ("lineage ancestry Vicuna", [lineage_exe, "ancestry", "Vicuna"]),
        ("  same, load cache off (cold)", [lineage_exe, "ancestry", "Vicuna"]),
        ("lineage path GPT-3 ChatGPT", [lineage_exe, "path", "GPT-3", "ChatGPT"]),
        ("import networkx", [py, "-c", "import networkx"]),
        ("import rdflib", [py, "-c", "import rdflib"]),
    ]:
        extra = {"LINEAGE_CACHE_DIR": "off"} if "cache off" in label else {}
        t = _time_cmd(cmd, args.runs, **extra)
        rows.append((label, t, t / base))

    files = data_files(SHIPPED_DATA)
    texts = [f.read_text(encoding="utf-8") for f in files]
    yaml_only = median_time(lambda: [yaml.load(t, Loader=_Loader) for t in texts], args.runs)
    full = median_time(lambda: load(shipped=True, data_dirs=[]), args.runs)
    import tempfile

    os.environ["LINEAGE_CACHE_DIR"] = tempfile.mkdtemp(prefix="lineage-bench-")
    open_store([]).close()  # compile the store
    warm = median_time(lambda: open_store([]).close(), args.runs)
    kb = load(data_dirs=[])
    graph = median_time(lambda: MemoryStore(kb), args.runs)
    print(f"shipped knowledge base: {len(kb)} records, "
          f"{sum(len(r.relations) for r in kb)} relations, {len(files)} files")
    print(f"{'command (median of ' + str(args.runs) + ')':<40} {'seconds':>8} {'x baseline':>11}")
    for label, t, ratio in rows:
        print(f"{label:<40} {t:8.3f} {ratio:11.1f}")
    print()
    print(f"{'in-process':<40} {'seconds':>8} {'x yaml parse':>12}")
    print(f"{'parse YAML only (baseline)':<40} {yaml_only:8.3f} {1.0:12.1f}")
    print(f"{'load + validate':<40} {full:8.3f} {full / yaml_only:12.1f}")
    print(f"{'open the compiled store':<40} {warm:8.3f} {warm / yaml_only:12.2f}")
    print(f"{'build the in-memory store':<40} {graph:8.3f} {graph / yaml_only:12.1f}")


if __name__ == "__main__":
    main()
