"""Shared test fixtures: the tiny data directory, a CLI runner, the seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from .support import SERVER_KIND, STORE_KINDS, current_kind, make_store, set_kind

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


def pytest_collection_modifyitems(config, items):
    """Only modules that set ``SERVER_STORE = True`` also run against a real SPARQL server."""
    keep, drop = [], []
    for item in items:
        spec = getattr(item, "callspec", None)
        on_server = spec is not None and spec.params.get("store_kind") == SERVER_KIND
        if on_server and not getattr(getattr(item, "module", None), "SERVER_STORE", False):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server on a free loopback port for the session (in memory), stopped
    at the end; the test is skipped (one line why) when the server is not installed."""
    from graph.remote import EndpointError
    from graph.server import _free_port, _start, _stop, _wait_ready, oxigraph_binary

    from .support import set_server

    try:
        binary = oxigraph_binary()
    except EndpointError as e:
        pytest.skip(f"{e} (pip install -e '.[test]' installs it)")
    port = _free_port()
    # the server stops any query after 5 s (a test's runaway query must not keep a core)
    proc = _start(binary, False, tmp_path_factory.mktemp("oxigraph"), "127.0.0.1", port, 5)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url)
        set_server(url)
        yield url
    finally:
        set_server(None)
        _stop(proc)


@pytest.fixture(params=(*STORE_KINDS, SERVER_KIND), autouse=True)
def store_kind(request, monkeypatch, _clean_env):
    """Every test runs against the in-memory store and the on-disk SQLite store
    (and, in modules that opt in, a graph on a real SPARQL server).

    The library helpers build stores of this kind; the CLI reads the compiled
    SQLite store by default and the in-memory one with LINEAGE_STORE=:memory:.
    """
    if request.param == SERVER_KIND:
        request.getfixturevalue("oxigraph_server")
    set_kind(request.param)
    monkeypatch.delenv("LINEAGE_ENDPOINT", raising=False)
    monkeypatch.delenv("LINEAGE_GRAPH", raising=False)
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
        if data is not None and current_kind() == SERVER_KIND:  # the data, on the server
            from .support import _server, push_data

            pre = ["--endpoint", f"{_server['url']}/query", "--graph", push_data(data)]
        return self.runner.invoke(main, [*pre, *args], input=input, catch_exceptions=False)


@pytest.fixture
def run() -> Run:
    return Run()
