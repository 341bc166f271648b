"""The report section "How the model compares with what happened"."""

from __future__ import annotations

from pathlib import Path

import pytest

from aralnexus.backtest import BacktestResult, run_backtest
from aralnexus.report import write_report
from aralnexus.report.backtest import SECTION_TITLE, toktogul_chart
from aralnexus.store import Store


@pytest.fixture(scope="module")
def backtest() -> BacktestResult:
    return run_backtest("default", 2024, 2025)


def test_chart_shows_observed_and_modelled_toktogul_storage(backtest: BacktestResult) -> None:
    chart = toktogul_chart(backtest)
    kinds = {t.name: t for t in chart.traces}
    observed = kinds["observed"]
    assert observed.kind == "points"
    n_obs = int((backtest.table["group"] == "toktogul").sum())
    assert len(observed.x) == n_obs
    modelled = kinds["modelled (end of month)"]
    assert len(modelled.y) == 24 + 1  # start volume and 24 month ends
    assert modelled.y[0] == pytest.approx(backtest.replay.start_storage_hm3["toktogul"] / 1000)


def test_report_gets_the_section_with_its_png_and_the_attribution(
    stored: tuple[Store, str], backtest: BacktestResult, tmp_path: Path
) -> None:
    store, run_id = stored
    files = write_report(store, run_id, tmp_path, backtest=backtest)
    html = files.html.read_text(encoding="utf-8")
    assert SECTION_TITLE in html
    assert "CC BY 4.0" in html
    assert files.pngs["backtest_toktogul"].is_file()
    assert "check 2023–2025" in html


def test_report_without_a_backtest_has_no_such_section(stored: tuple[Store, str], tmp_path: Path) -> None:
    store, run_id = stored
    files = write_report(store, run_id, tmp_path, png=False)
    assert SECTION_TITLE not in files.html.read_text(encoding="utf-8")
