from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aralnexus.results import Results
from aralnexus.store import RunRecord, Store, open_store
from aralnexus.testing.sample import sample_metrics, sample_record, sample_results, sample_trade


@pytest.fixture(scope="session")
def results() -> Results:
    return sample_results()


@pytest.fixture(scope="session")
def metrics(results: Results) -> pd.DataFrame:
    return sample_metrics(results)


@pytest.fixture(scope="session")
def trade() -> pd.DataFrame:
    return sample_trade()


@pytest.fixture
def record() -> RunRecord:
    return sample_record().finished()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "runs.duckdb")
