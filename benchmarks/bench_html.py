"""The HTML export: time and page size, as ratios against baselines of the same run.

Run:  python benchmarks/bench_html.py [--runs N] [--records N] [--no-browser]

Graphs: the shipped knowledge base, and a synthetic one of several thousand
records (``tests.test_html.synthetic_yaml``), exported with the default limit
(a focus view) and whole (``max_nodes=0``).

Baselines (measured in the same run, on the same machine, so the ratios hold on
a noisy shared machine where absolute times do not):
- ``json.dumps`` of the same records and relations in the ``--json`` contract
  (``graph.serialize.node_json`` / ``edge_json``): the export's time and the
  page's size are reported as multiples of it;
- the page's fixed part (vis-network and our script, ~480 KiB) is reported too,
  since it dominates small pages.

With Chromium installed, the page is also opened headless (network off) and
the time to the first drawn frame and of one redraw are reported, against an
empty page's load in the same browser.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import median_time  # noqa: E402


def _baseline(G, sel_graph, nodes, edges) -> str:
    from graph.serialize import edge_json, node_json

    return json.dumps({
        "nodes": [node_json(G, n) for n in nodes],
        "edges": [edge_json(sel_graph.edges[u, v, k]["edge"]) for u, v, k in edges],
    }, ensure_ascii=False)


def bench_export(label: str, G, runs: int, **kwargs) -> dict:
    from graph import html

    sel = html.select(G, **kwargs)
    base_t = median_time(lambda: _baseline(G, sel.graph, sel.nodes, sel.edges), runs)
    base_size = len(_baseline(G, sel.graph, sel.nodes, sel.edges).encode())
    geo = html._geometry(sel.graph, sel.nodes, sel.edges)
    parts = {"select": median_time(lambda: html.select(G, **kwargs), runs)}
    for layout in html.LAYOUTS:
        parts[f"layout {layout}"] = median_time(
            lambda layout=layout: html._layout(sel.graph, sel.nodes, sel.edges, layout, geo), runs)
    total = median_time(lambda: html.to_html(G, **kwargs), runs)
    page = html.to_html(G, **kwargs)
    size = len(page.encode())
    fixed = len(html._script_body(html._asset(html._STATIC / "vis-network.min.js")).encode())
    print(f"\n{label}: {len(sel.nodes)} of {len(G)} records on the page, "
          f"{len(sel.edges)} relations" + (f" (focus view around {sel.focus})"
                                           if sel.auto_focus else ""))
    print(f"  {'(median of ' + str(runs) + ')':<40} {'seconds':>8} {'x json.dumps':>13}")
    print(f"  {'json.dumps, --json contract (baseline)':<40} {base_t:8.3f} {1.0:13.1f}")
    for name, t in parts.items():
        print(f"  {name:<40} {t:8.3f} {t / base_t:13.1f}")
    print(f"  {'to_html, whole export':<40} {total:8.3f} {total / base_t:13.1f}")
    print(f"  page size {size / 1024:8.0f} KiB = {size / base_size:.1f} x the JSON "
          f"({base_size / 1024:.0f} KiB); without vis-network "
          f"{(size - fixed) / 1024:.0f} KiB = {(size - fixed) / base_size:.1f} x")
    return {"page": page}


def bench_browser(pages: list[tuple[str, str]]) -> None:
    from tests.test_browser import Chromium, chromium_path

    exe = chromium_path()
    if exe is None:
        print("\nchromium not found: browser timings skipped (apt-get install chromium)")
        return
    b = Chromium(exe)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            empty = Path(tmp) / "empty.html"
            empty.write_text("<!DOCTYPE html><title>x</title><p>x</p>", encoding="utf-8")
            p = b.new_page()
            t = time.perf_counter()
            p.call("Page.navigate", {"url": empty.as_uri()})
            p.wait_for("document.readyState === 'complete'")
            base = time.perf_counter() - t
            p.close()
            print(f"\n{'headless chromium, network off':<40} {'seconds':>8} {'x empty page':>13}")
            print(f"  {'empty page load (baseline)':<38} {base:8.3f} {1.0:13.1f}")
            for label, page in pages:
                path = Path(tmp) / "page.html"
                path.write_text(page, encoding="utf-8")
                p = b.new_page()
                t = time.perf_counter()
                p.open(path, timeout=300)
                first = time.perf_counter() - t
                redraw = p.evaluate("""(function(){ var r = window.lineageView.network.renderer;
                    var t = performance.now(); for (var i = 0; i < 5; i++) r._redraw();
                    return (performance.now() - t) / 5000; })()""")
                errors = p.errors()
                p.close()
                print(f"  {label + ': first frame':<38} {first:8.3f} {first / base:13.1f}")
                print(f"  {label + ': one redraw':<38} {redraw:8.3f} {redraw / base:13.1f}"
                      + (f"   ERRORS: {errors}" if errors else ""))
    finally:
        b.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--records", type=int, default=3000, help="size of the synthetic graph")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()

    from graph.store.memory import MemoryStore
    from lineage.load import load, loads
    from tests.test_html import synthetic_yaml

    shipped = MemoryStore(load([], shipped=True))
    synthetic = MemoryStore(loads(synthetic_yaml(args.records), name="synthetic"))
    pages = []
    pages.append(("shipped", bench_export("shipped knowledge base", shipped, args.runs)["page"]))
    pages.append(("synthetic, focus view", bench_export(
        "synthetic graph, default limit", synthetic, args.runs)["page"]))
    pages.append(("synthetic, whole", bench_export(
        "synthetic graph, whole (max_nodes=0)", synthetic, max(1, args.runs // 3),
        max_nodes=0)["page"]))
    if not args.no_browser:
        bench_browser(pages)


if __name__ == "__main__":
    main()
