"""Report section "How the model compares with what happened" (the 2019–2025 backtest).

The section is about the model and its default dataset, not about one run: it replays the years
as they happened (:func:`aralnexus.backtest.run_backtest`) and shows observed and modelled Toktogul
storage on one chart, the errors per group on the fit years (2019–2022) and the check years
(2023–2025), and every comparison row with its source id.
"""

from __future__ import annotations

import pandas as pd

from aralnexus.backtest import BacktestResult
from aralnexus.backtest.fidelity import FIT_YEARS, VALIDATION_YEARS, errors_in_years
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
    res = result.replay.storage  # the registered end-of-month storage
    tok = res[res["plant"] == "toktogul"].sort_values("time")
    ends = pd.to_datetime(tok["time"]) + pd.offsets.MonthBegin(1)
    start = pd.Timestamp(f"{result.start}-01-01")
    x = [start, *ends]
    start_hm3 = result.replay.start_storage_hm3.get("toktogul", float("nan"))
    y = [start_hm3 / HM3_PER_KM3, *(tok["storage_hm3"] / HM3_PER_KM3)]
    obs = result.table[result.table["group"] == "toktogul"]
    return Chart(
        key="backtest_toktogul",
        title=f"Toktogul storage {result.start}–{result.end}: observed and modelled",
        y_title="km3",
        traces=[
            Trace("line", x, y, "modelled (end of month)", color="#1f77b4"),
            Trace(
                "points", pd.to_datetime(obs["period"]).tolist(), obs["published"].tolist(), "observed", color="#d62728"
            ),
        ],
        caption="Modelled: the replay (one year at a time, each from the previous year's end). "
        "Observed: dated volumes reported by the operator and ICWC (source ids in the table below).",
    )


def errors_table(result: BacktestResult) -> pd.DataFrame:
    """Errors per group on the fit and the check years."""
    parts = []
    for period, years in (("fit 2019–2022", FIT_YEARS), ("check 2023–2025", VALIDATION_YEARS)):
        part = errors_in_years(result, years)
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
