"""The shared graph at Hub scale: push to an Oxigraph server, then query through it.

Run:  python benchmarks/bench_server.py [--sizes 100000 1000000] [--runs 3]

For each size it builds a Hub-shaped store (benchmarks/hubgen.py), starts an
Oxigraph server (the ``server`` extra) with its database on disk, and times fresh
processes of the CLI:

* ``lineage --store hub.db push --endpoint .../store`` (the versioned swap, or
  ``--bulk``): seconds and the peak resident memory of our process (``wait4``),
  the server's peak memory, and its database size; then, as ``lineage serve``
  does, the server is stopped, its database compacted (``oxigraph optimize``,
  timed) and started again read-only;
* single-model ``ancestry`` (the deepest leaf) and hub ``descendants`` (the
  biggest base model, ``--jsonl``) through the server (``--endpoint``) and from
  the embedded store, as the ratio server / embedded measured in the same run;
* everything also as a ratio to ``python -c "import networkx"`` (this machine is
  shared and noisy; ratios hold where seconds do not).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

LINEAGE = [sys.executable, "-c", "import cli; cli.main()"]


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Seconds and peak RSS (MB) of one fresh process, output to /dev/null."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}, cwd=ROOT)
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        err = p.stderr.read().decode("utf-8", "replace") if p.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {err.strip()[-500:]}")
    return dt, usage.ru_maxrss // 1024


def median(cmd: list[str], runs: int) -> tuple[float, int]:
    results = [run(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) // (1 << 20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=None, help="work directory (default: a temporary one)")
    ap.add_argument("--bulk", action="store_true",
                    help="push --bulk (Oxigraph's bulk loader, no atomic swap)")
    a = ap.parse_args()
    from _timing import compile_project

    compile_project()  # fresh processes run bytecode, as an install does

    import hubgen

    from graph.server import _free_port, _start, _stop, _wait_ready, oxigraph_binary

    work = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="lineage-bench-server-"))
    work.mkdir(parents=True, exist_ok=True)
    base, _ = median([sys.executable, "-c", "import networkx"], max(3, a.runs))
    print(f"baseline: python -c 'import networkx' = {base:.3f} s (median of {max(3, a.runs)})")
    rows = []
    for n in a.sizes:
        db = work / f"hub-{n}.db"
        if not db.exists():
            hubgen.build(n, str(db))
        marks = hubgen.landmarks(n)
        location = work / f"oxigraph-{n}"
        shutil.rmtree(location, ignore_errors=True)
        port = _free_port()
        proc = _start(oxigraph_binary(), False, location, "127.0.0.1", port, None)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(proc, url)
            peak = [0]
            watching = threading.Event()

            def watch(pid: int = proc.pid, peak: list[int] = peak,  # the server's memory
                      watching: threading.Event = watching) -> None:
                while not watching.is_set():
                    try:
                        with open(f"/proc/{pid}/status") as f:
                            kb = int(f.read().split("VmRSS:")[1].split()[0])
                        peak[0] = max(peak[0], kb // 1024)
                    except (OSError, IndexError, ValueError):
                        pass
                    time.sleep(0.5)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            t_push, mem_push = run([*LINEAGE, "--store", str(db), "push", "--endpoint",
                                    f"{url}/store", "--timeout", "3600",
                                    *(["--bulk"] if a.bulk else [])])
            watching.set()
            watcher.join()
            mem_server = peak[0]
            _stop(proc)
            t = time.perf_counter()
            subprocess.run([oxigraph_binary(), "optimize", "--location", str(location)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t_opt = time.perf_counter() - t
            proc = _start(oxigraph_binary(), True, location, "127.0.0.1", port, None)
            _wait_ready(proc, url)
            remote = [*LINEAGE, "--endpoint", f"{url}/query"]
            local = [*LINEAGE, "--store", str(db)]
            leaf = ["ancestry", marks["leaf"], "--json"]
            hub = ["descendants", marks["hub"], "--jsonl"]
            run([*remote, *leaf])  # warm the server's caches once, as a team server would be
            t_leaf_l, _ = median([*local, *leaf], a.runs)
            t_leaf_r, m_leaf_r = median([*remote, *leaf], a.runs)
            t_hub_l, _ = median([*local, *hub], a.runs)
            t_hub_r, m_hub_r = median([*remote, *hub], a.runs)
        finally:
            _stop(proc)
        size = du(location)
        rows.append((n, t_push, mem_push, size, t_leaf_l, t_leaf_r, t_hub_l, t_hub_r, m_hub_r,
                     mem_server, t_opt))
        print(f"\n{n:,} models (leaf {marks['leaf']} at depth {marks['leaf_depth']}, "
              f"hub {marks['hub']}):")
        how = "push --bulk" if a.bulk else "push (versioned swap)"
        print(f"  {how + ':':22}{t_push:8.2f} s = {t_push / base:7.1f} x baseline; "
              f"peak memory of lineage {mem_push} MB, of the server {mem_server} MB; "
              f"server database {size} MB (optimize {t_opt:.1f} s)")
        print(f"  ancestry (leaf):      embedded {t_leaf_l:.3f} s, server {t_leaf_r:.3f} s "
              f"= {t_leaf_r / t_leaf_l:.2f} x embedded ({t_leaf_r / base:.1f} x baseline)")
        print(f"  descendants (hub):    embedded {t_hub_l:.3f} s, server {t_hub_r:.3f} s "
              f"= {t_hub_r / t_hub_l:.2f} x embedded ({t_hub_r / base:.1f} x baseline; "
              f"peak memory {m_hub_r} MB)")
    print("\n| models | push s (x baseline) | push peak MB (lineage / server) | server DB MB "
          "| ancestry server/embedded | descendants --jsonl server/embedded |")
    print("|---|---|---|---|---|---|")
    for n, tp, mp, sz, la, lr, ha, hr, _, ms, _ in rows:
        print(f"| {n:,} | {tp:.1f} ({tp / base:.0f}x) | {mp} / {ms} | {sz} | {lr / la:.1f} "
              f"({lr:.2f} s vs {la:.2f} s) | {hr / ha:.1f} ({hr:.2f} s vs {ha:.2f} s) |")
    if not a.dir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
