from __future__ import annotations

from pathlib import Path

import pytest

from aralnexus.report import ReportFiles, write_report
from aralnexus.store import Store, open_store
from aralnexus.store.sample import sample_metrics, sample_record, sample_results, sample_trade


@pytest.fixture(scope="session")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, str]:
    """A store with one complete sample run (results, pathway metrics, trade, sources)."""
    store = open_store(tmp_path_factory.mktemp("store") / "runs.duckdb")
    results = sample_results()
    run_id = store.save_run(sample_record().finished(), results, sample_metrics(results), sample_trade())
    return store, run_id


@pytest.fixture(scope="session")
def report_files(stored: tuple[Store, str], tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    store, run_id = stored
    return write_report(store, run_id, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="session")
def report_html(report_files: ReportFiles) -> str:
    return Path(report_files.html).read_text(encoding="utf-8")
