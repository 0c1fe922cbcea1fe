"""The store at Hub scale: build, query and update times as ratios against baselines.

Run:  python benchmarks/bench_store.py [--sizes 10000 100000 1000000] [--runs 5]

For each size it builds a Hub-shaped store (benchmarks/hubgen.py), and times
``lineage index`` of the same graph written as YAML data files, then times
fresh processes of the CLI against it, each as a ratio to
``python -c "import networkx"`` measured in the same run (this machine is
shared and noisy; ratios hold where seconds do not). Peak memory is the
largest resident set of the process (``wait4``). Prints one table; the goals
of the issue are in the last column.

Also times the shipped knowledge base (ancestry, show, path from a fresh
process, with its compiled store warm).
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


LINEAGE = [sys.executable, "-c", "import cli; cli.main()"]


def run(cmd: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,),
        stdin: str | None = None) -> tuple[float, int]:
    """Seconds and peak RSS (MB) of one fresh process, output to /dev/null."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                         env={**os.environ, **(env or {})}, cwd=ROOT)
    if stdin:
        p.stdin.write(stdin.encode())
        p.stdin.close()
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return dt, usage.ru_maxrss // 1024


def median(cmd: list[str], runs: int, **kw) -> tuple[float, int]:
    results = [run(cmd, **kw) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


UPDATE = """
import sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from graph.store.sqlite import update_store
src = [{{"document": "https://huggingface.co/synthetic", "quote": "synthetic"}}]
recs = [{{"id": f"new-{run}-{{i}}", "type": "model",
         "name": f"new/model-{run}-{{i}}", "hub_ids": [f"new/model-{run}-{{i}}"],
         "relations": [{{"relation": "finetune", "target": f"m-{{i}}", "sources": src}}]}}
        for i in range(1000)]
update_store({path!r}, recs)  # validated there, written in one transaction
"""


RDFLIB = """
import sys, time, rdflib
g = rdflib.Graph()
g.parse(sys.argv[1], format="nt")
t = time.perf_counter()
g.serialize(sys.argv[1] + ".rdflib.nt", format="nt", encoding="utf-8")
print(len(g) / (time.perf_counter() - t))
"""


def _rdflib_throughput(work: Path, env: dict[str, str]) -> tuple[float, float]:
    """Triples a second: ours and rdflib's own N-Triples serializer, on the export of a
    10,000-model store (rdflib holds a whole graph in memory, so it cannot take the large
    ones); rdflib runs in its own process, so its memory counts against no other row."""
    path = work / "hub-rdflib-10000.db"  # built afresh: an old one may be of another version
    run([sys.executable, str(ROOT / "benchmarks" / "hubgen.py"), "10000", "--store", str(path)])
    nt = work / "hub-rdflib-10000.nt"
    secs, _ = run(LINEAGE + ["--store", str(path), "export", "rdf", "--format", "nt",
                             "-o", str(nt)], env=env)
    ours = sum(1 for _ in nt.open("rb")) / secs
    out = subprocess.run([sys.executable, "-c", RDFLIB, str(nt)], check=True,
                         capture_output=True, text=True).stdout
    for p in (nt, Path(str(nt) + ".rdflib.nt"), path):
        p.unlink()
    return ours, float(out)


def _first_frame(page: Path) -> float:
    """Seconds until headless Chromium has drawn the page (its network is off)."""
    from tests.test_browser import Chromium, chromium_path

    exe = chromium_path()
    if exe is None:
        return float("nan")
    b = Chromium(exe)
    try:
        p = b.new_page()
        t = time.perf_counter()
        p.open(page, timeout=300)
        secs = time.perf_counter() - t
        if p.errors():
            raise SystemExit(f"{page}: the page reported errors: {p.errors()}")
        return secs
    finally:
        b.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default=None, help="where to build the stores (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse stores already built in --dir (skips the build row)")
    ap.add_argument("--yaml", action="store_true",
                    help="time 'lineage index' of the graph written as YAML data files even "
                         "with --reuse (always done without it)")
    ap.add_argument("--formats", nargs="*", choices=("turtle", "jsonld"),
                    default=["turtle", "jsonld"],
                    help="streamed exports timed besides N-Triples (none: only N-Triples)")
    a = ap.parse_args()
    from _timing import compile_project

    compile_project()  # fresh processes run bytecode, as an install does
    work = Path(a.dir or tempfile.mkdtemp(prefix="lineage-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    runs = a.runs
    base_cmd = [sys.executable, "-c", "import networkx"]
    rows: list[tuple[str, str, str, str, str]] = []

    def row(size: str, what: str, secs: float, mb: int, base: float, goal: str) -> None:
        rows.append((size, what, f"{secs:.3f} s", f"{secs / base:.2f}x", f"{mb} MB", goal))
        print(f"  {size:>9} {what:<44} {secs:8.3f} s {secs / base:6.2f}x {mb:6d} MB  {goal}",
              flush=True)

    base, _ = median(base_cmd, runs)
    print(f"baseline python -c 'import networkx': {base:.3f} s (median of {runs})")
    cache = tempfile.mkdtemp(prefix="lineage-bench-cache-")
    env = {"LINEAGE_CACHE_DIR": cache, "LINEAGE_STORE": "", "LINEAGE_DATA_DIR": ""}
    run(LINEAGE + ["ancestry", "Vicuna"], env=env)  # compile the shipped store once
    for what, args in (("ancestry Vicuna", ["ancestry", "Vicuna"]),
                       ("show Vicuna", ["show", "Vicuna"]),
                       ("path GPT-3 ChatGPT", ["path", "GPT-3", "ChatGPT"])):
        base, _ = median(base_cmd, runs)
        secs, mb = median(LINEAGE + args, runs, env=env)
        row("shipped", what, secs, mb, base, "<= 1.5x")
    ours, rdflib_tps = _rdflib_throughput(work, env)
    rows.append(("10,000", "N-Triples: ours / rdflib Graph.serialize", "-",
                 f"{ours:,.0f} / {rdflib_tps:,.0f} triples/s = {ours / rdflib_tps:.2f}x", "-",
                 ">= 5x"))
    print(f"  N-Triples at 10,000: ours {ours:,.0f}/s, rdflib {rdflib_tps:,.0f}/s "
          f"= {ours / rdflib_tps:.2f}x", flush=True)
    for n in a.sizes:
        path = work / f"hub-{n}.db"
        size = f"{n:,}"
        if not (a.reuse and path.exists()):
            base, _ = median(base_cmd, runs)
            secs, mb = run([sys.executable, str(ROOT / "benchmarks" / "hubgen.py"), str(n),
                            "--store", str(path)])
            rows.append((size, "build the store", f"{secs:.1f} s", "-", f"{mb} MB",
                         "<= 300 s, < 4 GB"))
            print(f"  {size:>9} {'build the store':<44} {secs:8.1f} s {'':>7} {mb:6d} MB  "
                  "<= 300 s, < 4 GB", flush=True)
        if a.yaml or not a.reuse:
            data, db = work / f"hub-{n}-yaml", work / f"hub-{n}-from-yaml.db"
            run([sys.executable, str(ROOT / "benchmarks" / "hubgen.py"), str(n),
                 "--yaml", str(data)])  # written first, untimed
            secs, mb = run(LINEAGE + ["--no-shipped", "--data-dir", str(data), "index", "-o",
                                      str(db)], env=env)
            mbytes = sum(f.stat().st_size for f in data.iterdir()) / 1e6
            shutil.rmtree(data)
            db.unlink()
            what = f"build the store from YAML ({mbytes:,.0f} MB, lineage index)"
            rows.append((size, what, f"{secs:.1f} s", "-", f"{mb} MB", "<= 300 s, < 4 GB"))
            print(f"  {size:>9} {what:<44} {secs:8.1f} s {'':>7} {mb:6d} MB  "
                  "<= 300 s, < 4 GB", flush=True)
        # in a child process: the parent stays small, since a child's peak memory
        # (ru_maxrss) starts from what it inherits at fork
        marks = json.loads(subprocess.run(
            [sys.executable, "-c", "import json, sys; sys.path.insert(0, sys.argv[1]); "
             "import hubgen; print(json.dumps(hubgen.landmarks(int(sys.argv[2]))))",
             str(ROOT / "benchmarks"), str(n)], check=True, capture_output=True,
            text=True).stdout)
        leaf, hub = marks["leaf"], marks["hub"]
        senv = {**env, "LINEAGE_STORE": str(path)}
        for what, args, goal, ok in (
                (f"ancestry of a deep leaf ({marks['leaf_depth']} hops)", ["ancestry", leaf],
                 "<= 2x", (0,)),
                ("path leaf -> its base", ["path", leaf, hub], "<= 2x", (0, 1)),
                ("show a leaf", ["show", leaf], "<= 2x", (0,)),
                ("misspelled name, with suggestions", ["show", leaf + "x"], "<= 2x", (1,)),
                ("descendants of the biggest hub --jsonl", ["descendants", hub, "--jsonl"],
                 "<= 5x", (0,)),
                ("descendants of the biggest hub (tree)", ["descendants", hub], "-", (0,)),
                ("search 'model-12'", ["search", "model-12"], "-", (0,))):
            base, _ = median(base_cmd, runs)
            secs, mb = median(LINEAGE + args, runs, env=senv, ok=ok)
            row(size, what, secs, mb, base, goal)
        base, _ = median(base_cmd, runs)
        upd = work / f"hub-{n}-update.db"
        shutil.copyfile(path, upd)
        results = [run([sys.executable, "-c", UPDATE.format(
            root=str(ROOT), bench=str(ROOT / "benchmarks"), path=str(upd), run=r)])
            for r in range(runs)]
        upd.unlink()
        row(size, "update 1,000 records (fresh process)",
            statistics.median(r[0] for r in results), max(r[1] for r in results), base, "<= 2x")
        nt = work / f"hub-{n}.nt"
        secs, mb = run(LINEAGE + ["--store", str(path), "export", "rdf", "--format", "nt",
                                  "-o", str(nt)], env=env)
        triples = sum(1 for _ in nt.open("rb"))
        rows.append((size, f"export N-Triples ({triples:,} triples)", f"{secs:.1f} s",
                     f"{triples / secs:,.0f} triples/s", f"{mb} MB", ">= 5x rdflib"))
        print(f"  {size:>9} {'export N-Triples':<44} {secs:8.1f} s {triples / secs:10,.0f}/s "
              f"{mb:6d} MB", flush=True)
        nt.unlink()
        rows.append((size, "  ... vs rdflib's serializer at 10,000 (same run)", "-",
                     f"{triples / secs / rdflib_tps:.2f}x", "-", ">= 5x"))
        print(f"  {size:>9} {'  ... vs rdflib serializer':<44} {triples / secs / rdflib_tps:.2f}x",
              flush=True)
        for fmt in a.formats:
            out = work / f"hub-{n}.{fmt}"
            secs, mb = run(LINEAGE + ["--store", str(path), "export", "rdf", "--format", fmt,
                                      "-o", str(out)], env=env)
            out.unlink()
            rows.append((size, f"export {fmt} (streamed)", f"{secs:.1f} s",
                         f"{triples / secs:,.0f} triples/s", f"{mb} MB", "scales"))
            print(f"  {size:>9} {'export ' + fmt:<44} {secs:8.1f} s {triples / secs:10,.0f}/s "
                  f"{mb:6d} MB", flush=True)
        for label, focus in (("a leaf", leaf), ("the biggest hub", hub)):
            page = work / f"hub-{n}-{focus}.html"
            secs, mb = run(LINEAGE + ["--store", str(path), "export", "html", "--focus", focus,
                                      "-o", str(page)], env=env)
            drawn = _first_frame(page)
            rows.append((size, f"export html --focus {label}", f"{secs:.2f} s", "-",
                         f"{mb} MB", "-"))
            rows.append((size, "  ... drawn in headless Chromium", f"{drawn:.2f} s", "-", "-",
                         "< 3 s"))
            print(f"  {size:>9} {'export html --focus ' + label:<44} {secs:8.2f} s; "
                  f"drawn in {drawn:.2f} s", flush=True)
            page.unlink()
        if not a.reuse:
            path.unlink()
    print()
    print("| size | what | median | vs `import networkx` | peak RSS | goal |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
