"""Two stored runs side by side: the ``aralnexus compare`` table and overlaid yearly charts.

The table is :func:`aralnexus.pathways.compare.compare_metrics` and
:func:`~aralnexus.pathways.compare.horizon_totals` on the runs' stored metrics (the same rows
``aralnexus compare`` computes from two fresh runs); the headline numbers are ``aralnexus results
compare``'s. The charts only draw those rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from aralnexus.pathways.compare import compare_metrics, horizon_totals, with_trade
from aralnexus.report.charts import PALETTE, Chart, Trace
from aralnexus.store import Store
from aralnexus.store.summary import compare_runs
from aralnexus.web.i18n import _

#: The yearly metrics drawn A against B: (metric, title, unit).
CHART_METRICS: tuple[tuple[str, str, str], ...] = (
    ("winter_deficit_twh", "Winter deficit", "TWh"),
    ("exports_twh", "Exports", "TWh"),
    ("export_revenue_musd", "Export revenue", "US$ million"),
    ("storage_end_sep_hm3", "Reservoir storage at the end of September", "hm3"),
    ("trade_turnover_musd", "KG–TJ trade turnover", "US$ million"),
)


@dataclass(frozen=True)
class Comparison:
    """What the compare page shows."""

    run_a: dict[str, object]
    run_b: dict[str, object]
    totals: pd.DataFrame
    per_year: pd.DataFrame
    figures: pd.DataFrame
    charts: list[Chart]


def _metrics(store: Store, run_id: str) -> pd.DataFrame:
    tables = store.tables(("metrics", "trade"), run_id)
    metrics = tables["metrics"]
    years = sorted({int(y) for y in metrics["year"].dropna()})
    return with_trade(metrics, tables["trade"], years)


def compare_charts(per_year: pd.DataFrame, name_a: str, name_b: str) -> list[Chart]:
    """One chart per metric of :data:`CHART_METRICS`: run A solid, run B dashed, a colour per country."""
    charts = []
    for metric, title, unit in CHART_METRICS:
        rows = per_year[per_year["metric"] == metric]
        if rows.empty:
            continue
        traces = []
        for i, (country, part) in enumerate(rows.groupby("country", sort=True)):
            color = PALETTE[i % len(PALETTE)]
            years = part["year"].astype(int).to_numpy()
            traces.append(Trace("line", years, part["a"].to_numpy(), f"{country} · A", color=color))
            traces.append(Trace("line", years, part["b"].to_numpy(), f"{country} · B", color=color, dashed=True))
        caption = _("A: {a} (solid) · B: {b} (dashed)", a=name_a, b=name_b)
        charts.append(Chart(f"compare-{metric}", _(title), unit, traces, caption=caption, x_title=_("year")))
    return charts


def compare_stored(store: Store, run_a: str, run_b: str) -> Comparison:
    """Compare two stored runs (ids or unique prefixes); B − A as in ``aralnexus compare``."""
    a, b = store.resolve(run_a), store.resolve(run_b)
    rec_a, rec_b = store.run(a), store.run(b)
    per_year = compare_metrics(_metrics(store, a), _metrics(store, b))
    totals = horizon_totals(per_year)
    figures = compare_runs(store, a, b)
    name_a, name_b = f"{rec_a['scenario_name']} ({a[:8]})", f"{rec_b['scenario_name']} ({b[:8]})"
    return Comparison(rec_a, rec_b, totals, per_year, figures, compare_charts(per_year, name_a, name_b))
