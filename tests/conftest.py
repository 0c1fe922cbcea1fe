"""Shared test fixtures: the tiny data directory, a CLI runner, the seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from .support import STORE_KINDS, make_store, set_kind

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
TINY = FIXTURES / "tiny"
BAD = FIXTURES / "bad"


SEEDS_ENV = "LINEAGE_SEEDS_DIR"


def seeds_dir() -> Path | None:
    """The seed articles: $LINEAGE_SEEDS_DIR, else ../shared/seeds beside the checkout.

    Only CI and some machines have them; None when the directory holds no ``*.txt``.
    """
    env = os.environ.get(SEEDS_ENV)
    path = Path(env) if env else ROOT.parent / "shared" / "seeds"
    return path if path.is_dir() and any(path.glob("*.txt")) else None


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The seed articles' directory; the test is skipped (one line why) when they are absent."""
    path = seeds_dir()
    if path is None:
        where = os.environ.get(SEEDS_ENV) or str(ROOT.parent / "shared" / "seeds")
        pytest.skip(f"seed texts not found in {where}; set {SEEDS_ENV} to their directory")
    return path


@pytest.fixture(scope="session")
def _cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("lineage-cache")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, _cache_dir):
    """Tests choose their data explicitly; the user's environment must not leak in."""
    monkeypatch.delenv("LINEAGE_DATA_DIR", raising=False)
    monkeypatch.delenv("LINEAGE_NO_SHIPPED", raising=False)
    monkeypatch.delenv("LINEAGE_STORE", raising=False)
    monkeypatch.setenv("LINEAGE_CACHE_DIR", str(_cache_dir))


@pytest.fixture(params=STORE_KINDS, autouse=True)
def store_kind(request, monkeypatch, _clean_env):
    """Every test runs against the in-memory store and the on-disk SQLite store.

    The library helpers build stores of this kind; the CLI reads the compiled
    SQLite store by default and the in-memory one with LINEAGE_STORE=:memory:.
    """
    set_kind(request.param)
    if request.param == "memory":
        monkeypatch.setenv("LINEAGE_STORE", ":memory:")
    else:
        monkeypatch.delenv("LINEAGE_STORE", raising=False)
    return request.param


@pytest.fixture
def tiny_graph(store_kind):
    from lineage.load import load

    return make_store(load([TINY], shipped=False), store_kind)


@pytest.fixture(scope="session")
def shipped_kb():
    from lineage.load import load

    return load()


_SHIPPED: dict[str, object] = {}


@pytest.fixture
def shipped_graph(shipped_kb, store_kind):
    if store_kind not in _SHIPPED:
        _SHIPPED[store_kind] = make_store(shipped_kb, store_kind)
    return _SHIPPED[store_kind]


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
