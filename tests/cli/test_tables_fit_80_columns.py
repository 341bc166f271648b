"""Every table the CLI prints fits an 80-column terminal in English and Russian, no name or word cut (issue 17, 5).

The tables are built from realistic values: the default dataset's agreement, point and source names,
storages in the tens of thousands of hm3 (``15 851`` in Russian, with a narrow no-break space rich
would otherwise break at), long scenario names. A table passes when no line is wider than 80
columns, no cell was cut to an ellipsis, and every word of every cell and heading is printed whole.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from aralnexus import i18n
from aralnexus.cli import (
    backtest_cmd,
    common,
    compare_cmd,
    ensemble_cmd,
    hydrology_cmd,
    optimise_cmd,
    results_cmd,
    run_cmd,
)
from aralnexus.cli.app import app
from aralnexus.data.dataset import load_default
from aralnexus.store import open_store
from aralnexus.testing.sample import sample_metrics, sample_record, sample_results, sample_trade

WIDTH = 80
LANGUAGES = ("en", "ru")
#: Words longer than this (a 64-character scenario hash) cannot sit next to a label column: they may fold.
LONGEST_WORD = 40


def _render(renderable: RenderableType, width: int = WIDTH) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def _plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def _words_of(table: Table) -> Iterator[str]:
    for column in table.columns:
        yield from _plain(column.header).split()
        for cell in column.cells:
            yield from _plain(cell).split()


def assert_fits(table: Table) -> str:
    """Render ``table`` at 80 columns and check the width, the absence of '…' and that words are whole."""
    words = set(_words_of(table))  # before rendering: the table is laid out for the width when drawn
    text = _render(table)
    lines = text.splitlines()
    too_wide = [line for line in lines if cell_len(line) > WIDTH]
    assert not too_wide, "\n".join(too_wide)
    assert "…" not in text, text
    printed = set(re.split(r"\s+", text))
    joined = re.sub(r"\s+", "", text)  # a word longer than a whole column folds: its pieces follow each other
    missing = sorted(
        w for w in words if not any(w in p for p in printed) and not (len(w) > LONGEST_WORD and w in joined)
    )
    assert not missing, f"words broken or cut: {missing}\n{text}"
    return text


def _in(language: str, build: Callable[[], Table]) -> Table:
    with i18n.use_language(language):  # type: ignore[arg-type]
        return build()


# -- run --------------------------------------------------------------------------------------------

YEARS = list(range(2025, 2036))


def _summary() -> dict[str, Any]:
    def country(scale: float) -> dict[str, Any]:
        return {
            str(y): {
                "winter_deficit_twh": 4.91 * scale if y < 2035 else None,
                "winter_deficit_share_pct": 42.0 * scale,
                "unserved_twh": 0.39,
                "imports_twh": 17.49,
                "thermal_twh": 1.95,
                "reserve_margin_pct": 119.3 * scale,
                "storage_end_sep_hm3": 21_907.0 * scale,
                "storage_end_mar_hm3": 17_043.0 * scale,
                "exports_twh": 19.25,
                "exports_casa_twh": 4.66,
                "export_revenue_musd": 1_382.7,
            }
            for y in YEARS
        }

    return {"years": YEARS, "countries": {"KG": country(1.0), "TJ": country(0.9)}}


def _water() -> pd.DataFrame:
    """The horizon water table of a run for every (point, agreement) of the default dataset."""
    agreements = load_default().table("min_releases")[["point", "agreement"]].drop_duplicates()
    metrics = {
        "veg_required_hm3": 98_747.0,
        "veg_released_hm3": 98_813.0,
        "veg_shortfall_hm3": 1_234.5,
        "veg_shortfall_cost_musd": 123.45,
        "veg_months_short": 12.0,
    }
    rows = [
        {"point": r.point, "agreement": r.agreement, "metric": m, "value": v}
        for r in agreements.itertuples()
        for m, v in metrics.items()
    ]
    return pd.DataFrame(rows)


def _trade_result() -> SimpleNamespace:
    groups = ("goods", "transit_eaeu", "electricity")
    trade = pd.DataFrame(
        [{"year": y, "product_group": g, "value_musd": 135.1 + i} for y in YEARS for i, g in enumerate(groups)]
    )
    outlook = SimpleNamespace(base_year=2025, target_musd=500.0, target_year=2030)
    return SimpleNamespace(trade=trade, outlook=outlook, water=_water())


@pytest.mark.parametrize("language", LANGUAGES)
def test_run_trade_sentence_wraps_at_80_columns_and_names_the_target_year(language: str) -> None:
    statement = "US$500 million by 2032 is out of reach: projected turnover US$82.9 million (17 % of the target)"
    summary = {"trade": {"electricity_2030_musd": 15.7, "electricity_share_2030_pct": 18.9, "statement": statement}}
    result = SimpleNamespace(outlook=SimpleNamespace(target_year=2032))
    text = _render(_in(language, lambda: run_cmd._trade_line(result, summary)))  # type: ignore[arg-type]
    lines = text.splitlines()
    assert len(lines) >= 2 and all(cell_len(line) <= WIDTH for line in lines), text
    assert "2032" in lines[0] and "2030" not in text
    assert set(statement.split()) <= set(text.split())  # wrapped between words, nothing cut


@pytest.mark.parametrize("language", LANGUAGES)
def test_run_tables_fit_80_columns_without_cutting_names(language: str) -> None:
    summary, result = _summary(), _trade_result()
    for country in ("KG", "TJ"):
        assert_fits(_in(language, lambda c=country: run_cmd._security_table(summary, c)))  # type: ignore[misc]
    assert_fits(_in(language, lambda: run_cmd._exports_table(summary)))
    water = assert_fits(_in(language, lambda: run_cmd._water_table(result)))  # type: ignore[arg-type]
    assert "golovnaya" in water and "water-for-energy" in water  # the names the old layout cut
    assert_fits(_in(language, lambda: run_cmd._trade_table(result)))  # type: ignore[arg-type]


def test_russian_numbers_never_break_inside() -> None:
    text = assert_fits(_in("ru", lambda: run_cmd._security_table(_summary(), "KG")))
    assert "21\u202f907" in text and "17\u202f043" in text


def test_a_table_that_fits_keeps_its_boxed_layout() -> None:
    text = _render(_in("en", lambda: run_cmd._exports_table({"years": [2025], "countries": {}})))
    assert "┏" in text  # narrow layout only when the boxed one does not fit


# -- compare ----------------------------------------------------------------------------------------


def _comparison() -> pd.DataFrame:
    metrics = ("winter_deficit_twh", "export_revenue_musd", "storage_end_sep_hm3", "trade_turnover_musd")
    rows = [
        {"metric": m, "country": c, "aggregate": "sum", "a": 12_345.678, "b": 12_000.5, "diff": -345.178}
        for m in metrics
        for c in ("KG", "TJ")
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compare_table_fits_80_columns(language: str) -> None:
    def build() -> Table:
        title = i18n._("Horizon totals (sum of flows, mean of %/MW/hm3 levels)")
        return compare_cmd._table(_comparison(), title, "kambarata1_not_built", "casa1000_from_2027_dry")

    text = assert_fits(_in(language, build))
    assert "kambarata1_not_built" in text and "casa1000_from_2027_dry" in text


# -- backtest ---------------------------------------------------------------------------------------


def _backtest() -> SimpleNamespace:
    published = load_default().table("published")
    table = pd.DataFrame(
        {
            "quantity": published["quantity"],
            "element": published["element"],
            "period": published["period"].astype(str),
            "published": published["value"].astype(float),
            "source": published["source"],
            "model": published["value"].astype(float) * 1.05,
            "error_pct": 5.0,
        }
    )
    errors = pd.DataFrame(
        [
            {"group": q, "n": 7, "not_modelled": 1, "mae_pct": 12.3, "mean_error_pct": -4.5, "rms": 1.23}
            for q in sorted(set(published["quantity"]))
        ]
    )
    return SimpleNamespace(start=2019, end=2025, table=table, errors=errors)


@pytest.mark.parametrize("language", LANGUAGES)
def test_backtest_tables_fit_80_columns(language: str) -> None:
    result = _backtest()
    assert_fits(_in(language, lambda: backtest_cmd.comparison_rich(result)))  # type: ignore[arg-type]
    assert_fits(_in(language, lambda: backtest_cmd.errors_rich(result)))  # type: ignore[arg-type]


# -- optimise, results show, ensemble (frame_table) -------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_optimise_summary_fits_80_columns(language: str, monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[Any] = []
    monkeypatch.setattr(optimise_cmd.console, "print", lambda *a, **k: printed.extend(a))
    with i18n.use_language(language):  # type: ignore[arg-type]
        optimise_cmd._print_summary(optimise_cmd.summary(sample_results()))
    tables = [p for p in printed if isinstance(p, Table)]
    assert len(tables) >= 3
    for table in tables:
        assert_fits(table)


@pytest.mark.parametrize("language", LANGUAGES)
def test_results_show_and_list_tables_fit_80_columns(
    language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = sample_results()
    store = open_store(tmp_path / "runs.duckdb")
    record = sample_record("kambarata1-not-built").finished()  # the longest name of the shipped examples
    run_id = store.save_run(record, results, sample_metrics(results), sample_trade())
    printed: list[Any] = []
    monkeypatch.setattr(results_cmd.console, "print", lambda *a, **k: printed.extend(a))
    for args in (["results", "show", run_id[:6]], ["results", "list"]):
        assert common.run_app(app, [*args, "--store", str(store.path), "--lang", language]) == 0
    tables = [p for p in printed if isinstance(p, Table)]
    assert len(tables) == 3
    for table in tables:
        assert_fits(table)


@pytest.mark.parametrize("language", LANGUAGES)
def test_ensemble_risk_summary_fits_80_columns(language: str) -> None:
    tables = {
        "winter_deficit_any": pd.DataFrame({"country": ["KG", "TJ"], "p_exceed_any_year": [0.42, 0.07]}),
        "exports_total": pd.DataFrame(
            {
                "metric": ["exports_twh", "export_revenue_musd"],
                "country": ["TJ", "TJ"],
                "p10": [30.1, 1_234.5],
                "p50": [40.2, 1_534.5],
                "p90": [50.3, 1_834.5],
            }
        ),
        "trade_target": pd.DataFrame(
            {"year": [2030], "target_musd": [500.0], "p10": [150.0], "p50": [190.0], "p90": [240.0], "p_reach": [0.0]}
        ),
    }
    with i18n.use_language(language):  # type: ignore[arg-type]
        heads = {"figure": i18n._("figure"), "country": i18n._("country"), "probability": i18n._("probability")}
        table = common.frame_table(ensemble_cmd._summary(tables, 1.0), "Risk", digits=2, headers=heads)
    assert_fits(table)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("by_month", [False, True])
def test_hydrology_stats_tables_fit_80_columns(language: str, by_month: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[Any] = []
    monkeypatch.setattr(hydrology_cmd.console, "print", lambda *a, **k: printed.extend(a))
    with i18n.use_language(language):  # type: ignore[arg-type]
        hydrology_cmd.stats_cmd(file=None, years=20, seed=1, scenario="default", by_month=by_month, as_json=False)
    tables = [p for p in printed if isinstance(p, Table)]
    assert len(tables) == 2  # the statistics and where their targets come from
    for table in tables:
        assert_fits(table)


@pytest.mark.parametrize("language", LANGUAGES)
def test_ensemble_runs_table_fits_80_columns(language: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run = SimpleNamespace(
        run_id="3fa9c0d2e1ab",
        variant="casa1000.start=2027",
        scenario="default",
        n_members=100,
        already_done=20,
        ran=list(range(80)),
        infeasible=0,
        failed=1,
        missing=0,
        status="ok",
        start_storage="",
    )
    outcome = SimpleNamespace(runs=[run], seconds=123.4, workers=2, backend="processes", store="runs.duckdb")
    printed: list[Any] = []
    monkeypatch.setattr(ensemble_cmd.console, "print", lambda *a, **k: printed.extend(a))
    monkeypatch.setattr(ensemble_cmd, "_summary", lambda tables, threshold: pd.DataFrame({"figure": ["x"]}))
    with i18n.use_language(language):  # type: ignore[arg-type]
        ensemble_cmd._print(outcome, {run.run_id: {}}, 1.0, False)
    text = assert_fits(next(p for p in printed if isinstance(p, Table)))
    assert "casa1000.start=2027" in text
