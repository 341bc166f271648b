from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from aralnexus.report import ReportFiles, write_report
from aralnexus.store import Store, open_store
from aralnexus.testing.sample import sample_metrics, sample_record, sample_results, sample_trade


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


# -- ensembles -------------------------------------------------------------------------------
#: A real ensemble small enough for tests: 3 members over 15 months (one complete winter, 2030).
ENSEMBLE_MEMBERS = 3
ENSEMBLE_HORIZON = ("2029-10", "2030-12")


def _build_ensemble(path: Path) -> str:
    from aralnexus.ensemble.runner import EnsembleSpec, run_ensemble

    start, end = ENSEMBLE_HORIZON
    spec = EnsembleSpec(members=ENSEMBLE_MEMBERS, seed=7, start=start, end=end, workers=2)
    outcome = run_ensemble(spec, open_store(path))
    assert outcome.complete
    return outcome.runs[0].run_id


@pytest.fixture(scope="session")
def ensemble_stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, str]:
    """A store with one small real ensemble run, built once per test session (shared by xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this session's, for every worker
    path = shared / "ensemble-report.duckdb"
    with (shared / "ensemble-report.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds it; the others wait, then reuse it
        try:
            run_id = _build_ensemble(path)  # resumable: members already stored are not recomputed
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return open_store(path), run_id


@pytest.fixture(scope="session")
def ensemble_report_files(ensemble_stored: tuple[Store, str], tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    store, run_id = ensemble_stored
    return write_report(store, run_id, tmp_path_factory.mktemp("ensemble-report"))


@pytest.fixture(scope="session")
def ensemble_report_html(ensemble_report_files: ReportFiles) -> str:
    return Path(ensemble_report_files.html).read_text(encoding="utf-8")
