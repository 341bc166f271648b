from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from aralnexus.store import Store, open_store
from aralnexus.testing.sample import sample_metrics, sample_record, sample_results, sample_trade
from aralnexus.web import WebConfig, create_app
from aralnexus.web.config import LOOPBACK_HOSTS, repository_examples

starlette_testclient = pytest.importorskip("starlette.testclient")


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A store file with two complete sample runs (results, yearly metrics, trade), built once."""
    store = open_store(tmp_path_factory.mktemp("web-store") / "runs.duckdb")
    results_a = sample_results()
    a = store.save_run(sample_record("baseline").finished(), results_a, sample_metrics(results_a), sample_trade())
    results_b = sample_results(seed=3)
    record_b = sample_record("variant", seed=43)
    b = store.save_run(record_b.finished(), results_b, sample_metrics(results_b), sample_trade())
    return store.path, a, b


@pytest.fixture
def two_runs(tmp_path: Path, sample_store: tuple[Path, str, str]) -> tuple[Store, str, str]:
    """This test's copy of the sample store (a test may add runs to it)."""
    path, a, b = sample_store
    shutil.copy(path, tmp_path / "runs.duckdb")
    return Store(tmp_path / "runs.duckdb"), a, b


@pytest.fixture
def config(tmp_path: Path, two_runs: tuple[Store, str, str]) -> WebConfig:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    return WebConfig(
        store=two_runs[0].path,
        scenarios=scenarios,
        examples=repository_examples(),
        max_queue=2,
        allowed_hosts=(*LOOPBACK_HOSTS, "testserver"),
    )


@pytest.fixture
def client(config: WebConfig) -> Iterator[starlette_testclient.TestClient]:
    app = create_app(config)
    with starlette_testclient.TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
