"""The JSON-ready summary of a pathway run (what ``aralnexus run --json`` prints).

Shape (documented in ``docs/pathways.md``)::

    {"run_id": str | null, "scenario": str, "hydrology": str, "start": "YYYY-MM", "end": "YYYY-MM",
     "years": [2025, ...],
     "countries": {"KG": {"2025": {"winter_deficit_twh": ..., "unserved_twh": ..., "exports_twh": ...,
                                   "export_revenue_musd": ..., ...}, ...}, "TJ": {...}},
     "casa1000": {"rule": "flow", "criterion": "storage", "checks": [{"country", "year", "verdict", ...}]},
     "water": {"<point>": {"2025": {"veg_shortfall_hm3": ..., "veg_shortfall_cost_musd": ...}}},
     "trade_turnover_musd": {"2025": ...}, "trade_target_2030_musd": 500.0, "trade": {...},
     "elapsed_s": ..., "timings_s": {...}, "store": str | null, "report_command": str | null}

Winter metrics of year Y describe winter Y/Y+1 (October Y – March Y+1); missing values are null.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from aralnexus.pathways.runner import PathwayResult
from aralnexus.pathways.trade import turnover_by_year
from aralnexus.results.tables import Results

#: Per country and year fields of the JSON, in order.
COUNTRY_YEAR_FIELDS: tuple[str, ...] = (
    "winter_deficit_twh",
    "winter_deficit_share_pct",
    "winter_unserved_twh",
    "unserved_twh",
    "imports_twh",
    "exports_twh",
    "exports_casa_twh",
    "exports_bilateral_twh",
    "export_revenue_musd",
    "export_revenue_casa_musd",
    "thermal_twh",
    "reserve_margin_pct",
    "storage_end_sep_hm3",
    "storage_end_mar_hm3",
    "veg_shortfall_hm3",
    "swap_balance_twh",
    "casa_winter_risk_twh",
)
ROUND = 4


def clean(value: Any) -> Any:
    """Return a JSON-safe value: NaN/NA → None, numpy scalars → Python, floats rounded."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, ROUND)
    return value


def country_years(metrics: pd.DataFrame, fields: tuple[str, ...] = COUNTRY_YEAR_FIELDS) -> dict[str, Any]:
    """Nest per-year metrics as ``{country: {year: {metric: value}}}`` (missing → null)."""
    m = metrics[metrics["year"].notna() & metrics["metric"].isin(fields)]
    wide = m.pivot_table(index=["country", "year"], columns="metric", values="value", aggfunc="sum")
    out: dict[str, Any] = {}
    years = sorted(int(y) for y in metrics["year"].dropna().unique())
    for country in sorted(metrics["country"].unique()):
        out[str(country)] = {
            str(year): {
                f: clean(wide[f].get((country, year), float("nan"))) if f in wide.columns else None for f in fields
            }
            for year in years
        }
    return out


def horizon_metrics(metrics: pd.DataFrame) -> dict[str, Any]:
    """Horizon-wide metrics (``year`` is NA), e.g. firm winter hydro energy, per country."""
    m = metrics[metrics["year"].isna()]
    return {str(c): {str(r.metric): clean(r.value) for r in g.itertuples()} for c, g in m.groupby("country")}


def pathway_summary(
    result: PathwayResult, run_id: str | None = None, store: str | None = None, elapsed_s: float | None = None
) -> dict[str, Any]:
    """Build the JSON summary of a pathway run (see the module docstring for the shape)."""
    sc = result.scenario
    outlook = result.outlook
    turnover = turnover_by_year(result.trade)
    water: dict[str, Any] = {}
    w = result.water
    if not w.empty:
        veg = w[w["metric"].isin(["veg_required_hm3", "veg_shortfall_hm3", "veg_shortfall_cost_musd"])]
        for point, group in veg.groupby("point"):
            water[str(point)] = {
                str(y): {str(r.metric): clean(r.value) for r in g.itertuples()} for y, g in group.groupby("year")
            }
    casa = [{k: clean(v) for k, v in row.items()} for row in result.casa.to_dict(orient="records")]
    return {
        "run_id": run_id,
        "scenario": sc.name,
        "scenario_file": sc.file,
        "hydrology": sc.hydrology.label,
        "start": sc.start,
        "end": sc.end,
        "years": result.years,
        "winter_label": "winter metrics of year Y cover October Y – March Y+1",
        "countries": country_years(result.metrics),
        "horizon": horizon_metrics(result.metrics),
        "casa1000": {"rule": result.casa_rule, "criterion": _criterion(result), "checks": casa},
        "water": water,
        "trade_turnover_musd": {str(y): clean(v) for y, v in turnover.items()},
        "trade_target_2030_musd": outlook.target_musd,
        "trade": {
            "base_year": outlook.base_year,
            "base_turnover_musd": clean(outlook.base_turnover_musd),
            "turnover_2030_musd": clean(outlook.turnover_target_year_musd),
            "gap_2030_musd": clean(outlook.gap_musd),
            "reachable": outlook.reachable,
            "required_growth_pct_per_year": clean(outlook.required_growth_pct_per_year),
            "required_goods_growth_pct_per_year": clean(outlook.required_goods_growth_pct_per_year),
            "scenario_growth_pct_per_year": clean(outlook.scenario_growth_pct_per_year),
            "electricity_2030_musd": clean(outlook.electricity_target_year_musd),
            "electricity_share_2030_pct": clean(outlook.electricity_share_pct),
            "statement": outlook.statement(),
        },
        "start_storage": start_storage_summary(result.results),
        "convergence": {
            "mode": result.results.convergence.mode,
            "iterations": result.results.convergence.iterations,
            "max_head_change_pct": clean(result.results.convergence.max_head_change_pct),
            "converged": result.results.convergence.converged,
        },
        "elapsed_s": clean(elapsed_s if elapsed_s is not None else result.timings.get("total")),
        "timings_s": {k: clean(v) for k, v in result.timings.items()},
        "store": store,
        "report_command": f"aralnexus report {run_id}" if run_id else None,
    }


def start_storage_summary(results: Results) -> dict[str, Any]:
    """Where the run's start storages come from (one line) and each plant's storage, source and adjustment."""
    table = results.start_storage
    plants = {
        str(row.plant): {
            "storage_hm3": clean(row.storage_hm3),
            "source": str(row.source),
            "adjustment_hm3": clean(row.adjustment_hm3),
        }
        for row in table.itertuples(index=False)
    }
    return {"summary": results.metadata.get("start_storage", ""), "plants": plants}


def _criterion(result: PathwayResult) -> str:
    if result.casa.empty:
        return "none"
    return str(result.casa["criterion"].iloc[0])
