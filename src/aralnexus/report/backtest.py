"""Report section "How the model compares with what happened" (the 2019–2025 backtest).

The section is about the model and its default dataset, not about one run: it replays the years
as they happened (:func:`aralnexus.backtest.run_backtest`) and shows observed and modelled Toktogul
storage on one chart, the errors per group on the fit years (2019–2022) and the check years
(2023–2025), and every comparison row with its source id.
"""

from __future__ import annotations

import pandas as pd

from aralnexus.backtest import BacktestResult
from aralnexus.backtest.compare import group_errors
from aralnexus.backtest.fidelity import FIT_YEARS, VALIDATION_YEARS
from aralnexus.backtest.store_io import StoredBacktest, storage_series
from aralnexus.report.charts import Chart, Trace
from aralnexus.units import HM3_PER_KM3

SECTION_ID = "backtest"
SECTION_TITLE = "How the model compares with what happened"
CA_DISCHARGE = (
    "Observed inflow record: CA-discharge, Marti et al. (2023), Scientific Data 10:579, "
    "doi:10.1038/s41597-023-02474-8, data doi:10.5281/zenodo.8147591, licensed CC BY 4.0."
)


def toktogul_chart(result: BacktestResult) -> Chart:
    """Observed (dated) and modelled (end of month) Toktogul storage, km3, on one chart."""
    return storage_chart(result.table, storage_series(result), result.start, result.end)


def storage_chart(table: pd.DataFrame, storage: pd.DataFrame, start: int, end: int, plant: str = "toktogul") -> Chart:
    """Observed (the comparison rows of group ``toktogul``) and modelled storage of ``plant``, km3.

    ``storage`` is :func:`aralnexus.backtest.store_io.storage_series` (``plant, time, storage_hm3``).
    """
    tok = storage[storage["plant"] == plant].sort_values("time")
    obs = table[table["group"] == "toktogul"]
    return Chart(
        key="backtest_toktogul",
        title=f"Toktogul storage {start}–{end}: observed and modelled",
        y_title="km3",
        traces=[
            Trace(
                "line",
                pd.to_datetime(tok["time"]).tolist(),
                (tok["storage_hm3"] / HM3_PER_KM3).tolist(),
                "modelled (end of month)",
                color="#1f77b4",
            ),
            Trace(
                "points", pd.to_datetime(obs["period"]).tolist(), obs["published"].tolist(), "observed", color="#d62728"
            ),
        ],
        caption="Modelled: the replay (one year at a time, each from the previous year's end). "
        "Observed: dated volumes reported by the operator and ICWC (source ids in the table below).",
    )


def errors_table(result: BacktestResult | StoredBacktest) -> pd.DataFrame:
    """Errors per group on the fit and the check years (periods with no comparison row are left out)."""
    table = result.table
    parts = []
    for period, years in (("fit 2019–2022", FIT_YEARS), ("check 2023–2025", VALIDATION_YEARS)):
        part = group_errors(table[(table["year"] >= years[0]) & (table["year"] <= years[1])])
        parts.append(part.assign(years=period))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.rename(columns={"mae_pct": "MAE %", "mean_error_pct": "mean error %", "rms": "RMS km3"})
    return frame[["years", "group", "n", "MAE %", "mean error %", "RMS km3"]]


def backtest_html(result: BacktestResult, chart: Chart, png: str | None = None) -> str:
    """Return the body of the section: what was replayed, the chart, errors per group, every row."""
    from aralnexus.report.html import chart_html, esc, table_html

    inflow = sorted({s for y in result.inputs for s in y.inflow_source.values()})
    demand = sorted({s for y in result.inputs for s in y.demand_source.values()})
    intro = (
        f"<p>The default model replayed {result.start}–{result.end} one year at a time: Toktogul started from the "
        f"dated volume of {result.replay.start_storage_hm3.get('toktogul', float('nan')) / HM3_PER_KM3:.2f} km3, "
        f"each year's inflows were {esc(', '.join(inflow))} and its demand {esc(', '.join(demand))}. "
        "Each published figure is compared with the replay; the uncertain parameters were fitted on 2019–2022 "
        "only (docs/calibration.md), so the 2023–2025 errors are a check, not a fit. "
        "Reproduce with <code>aralnexus backtest</code>.</p>"
    )
    rows = result.table.rename(columns={"error_pct": "error %"})
    return (
        intro
        + chart_html(chart, png)
        + "<h3>Mean absolute error per group</h3>"
        + table_html(errors_table(result), floats="{:,.2f}")
        + f"<details><summary>All {len(rows)} comparisons</summary>{table_html(rows)}</details>"
        + f"<p>{esc(CA_DISCHARGE)}</p>"
    )


_ERROR_HEADS = {"mae_pct": "MAE %", "mean_error_pct": "mean error %"}


def stored_backtest_html(view: StoredBacktest) -> str:
    """Return the body of a stored backtest's section: what was replayed, the errors, every comparison.

    The Toktogul chart (:func:`storage_chart`) is one of the run's charts, shown before this section.
    """
    from aralnexus.report.html import esc, table_html

    inflow = sorted({str(s) for y in view.inputs for s in dict(y.get("inflow_source", {})).values()})
    demand = sorted({str(s) for y in view.inputs for s in dict(y.get("demand_source", {})).values()})
    given = (
        f" Each year's inflows were {esc(', '.join(inflow))} and its demand {esc(', '.join(demand))}."
        if inflow or demand
        else ""
    )
    intro = (
        f"<p>The model replayed {view.start}–{view.end} one year at a time, each year from the previous year's "
        f"end storage (inflow record: {esc(view.record or 'dataset')}).{given} Each published figure is compared "
        "with the replay. Reproduce with "
        f"<code>aralnexus backtest --start {view.start} --end {view.end}</code>.</p>"
    )
    rows = view.table.rename(columns={"error_pct": "error %"})
    return (
        intro
        + "<h3>Mean absolute error per group</h3>"
        + table_html(view.errors.rename(columns=_ERROR_HEADS), floats="{:,.2f}")
        + "<h3>Fit and check years</h3>"
        + table_html(errors_table(view), floats="{:,.2f}")
        + f"<h3>All {len(rows)} comparisons</h3>{table_html(rows)}"
        + f"<p>{esc(CA_DISCHARGE)}</p>"
    )


def backtest_sentences(view: StoredBacktest) -> list[str]:
    """Return the findings of a stored backtest: how many figures were compared and the error of each group."""
    errors = view.errors
    compared = int(errors["n"].sum()) if not errors.empty else 0
    parts = [
        f"{row['group']} {row['mae_pct']:,.1f} %"
        for row in errors.to_dict(orient="records")
        if row["n"] and pd.notna(row["mae_pct"])
    ]
    out = [
        f"The replay of {view.start}–{view.end} is compared with {len(view.table)} published figures, "
        f"{compared} of which the model has."
    ]
    if parts:
        out.append("Mean absolute error per group: " + ", ".join(parts) + ".")
    tok = errors[errors["group"] == "toktogul"]
    if not tok.empty and pd.notna(tok["rms"].iloc[0]):
        out.append(f"Toktogul storage is off by {float(tok['rms'].iloc[0]):,.2f} km3 (RMS) at the observation dates.")
    return out
