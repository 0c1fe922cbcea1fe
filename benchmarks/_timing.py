"""Shared timing helper for the benchmark scripts (median of several runs)."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median_time(fn: Callable[[], object], runs: int) -> float:
    """Median wall-clock seconds of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def compile_project() -> None:
    """Compile the project's modules to bytecode first, as installing a package does.

    Fresh processes then measure what a user's install runs, not the compiler: with
    ``PYTHONDONTWRITEBYTECODE`` set, or in a checkout edited since its last run, every
    process would otherwise compile each changed module again (tens of milliseconds for
    the larger ones, the same order as the baselines).
    """
    import compileall

    for package in ("lineage", "graph"):
        compileall.compile_dir(ROOT / package, quiet=1)
    compileall.compile_file(ROOT / "cli.py", quiet=1)
