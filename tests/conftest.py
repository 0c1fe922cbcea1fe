"""Shared test fixtures: the tiny data directory, a CLI runner, the seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
TINY = FIXTURES / "tiny"
BAD = FIXTURES / "bad"


def seeds_dir() -> Path | None:
    """The seed articles: $LINEAGE_SEEDS, or ../shared/seeds beside the checkout."""
    env = os.environ.get("LINEAGE_SEEDS")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "seeds")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def _cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("lineage-cache")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, _cache_dir):
    """Tests choose their data explicitly; the user's environment must not leak in."""
    monkeypatch.delenv("LINEAGE_DATA_DIR", raising=False)
    monkeypatch.delenv("LINEAGE_NO_SHIPPED", raising=False)
    monkeypatch.setenv("LINEAGE_CACHE_DIR", str(_cache_dir))


@pytest.fixture
def tiny_graph():
    from graph.build import build_graph
    from lineage.load import load

    return build_graph(load([TINY], shipped=False))


@pytest.fixture(scope="session")
def shipped_kb():
    from lineage.load import load

    return load()


@pytest.fixture(scope="session")
def shipped_graph(shipped_kb):
    from graph.build import build_graph

    return build_graph(shipped_kb)


class Run:
    """Run the CLI in-process on the tiny data (or other args)."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, data: Path | None = TINY, input: str | None = None):
        from cli import main

        pre = ["--no-shipped", "--data-dir", str(data)] if data is not None else []
        return self.runner.invoke(main, [*pre, *args], input=input, catch_exceptions=False)


@pytest.fixture
def run() -> Run:
    return Run()
