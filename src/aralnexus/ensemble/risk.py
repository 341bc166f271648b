"""Risk metrics across ensemble members, computed by SQL from the store's risk views.

All functions read only finished (``done``) members and take a run id (a unique prefix works).
The SQL lives in :mod:`aralnexus.ensemble.tables` as views and table macros, so the same numbers
can be queried directly, e.g. ``aralnexus results query "SELECT * FROM risk_winter_deficit_at(2.0)"``.
"""

from __future__ import annotations

import pandas as pd

from aralnexus.ensemble.tables import (
    DEFAULT_THRESHOLD_TWH,
    TRADE_TARGET_MUSD,
    TRADE_TARGET_YEAR,
    ensure_ensemble_schema,
)
from aralnexus.store import Store


def _run(store: Store, run_id: str) -> str:
    ensure_ensemble_schema(store)
    return store.resolve(run_id)


def winter_deficit_risk(store: Store, run_id: str, threshold_twh: float = DEFAULT_THRESHOLD_TWH) -> pd.DataFrame:
    """Per country and winter year: P(winter deficit > threshold) and the deficit's P10/P50/P90 (TWh)."""
    run = _run(store, run_id)
    return store.query(
        "SELECT country, year, members, threshold_twh, p_exceed, mean, p10, p50, p90 "
        "FROM risk_winter_deficit_at(CAST($t AS DOUBLE)) WHERE run_id = $run ORDER BY country, year",
        {"run": run, "t": float(threshold_twh)},
    )


def winter_deficit_any_risk(store: Store, run_id: str, threshold_twh: float = DEFAULT_THRESHOLD_TWH) -> pd.DataFrame:
    """Per country: P(the deficit exceeds the threshold in at least one winter of the horizon)."""
    run = _run(store, run_id)
    return store.query(
        "SELECT country, members, threshold_twh, p_exceed_any_year, p50_worst_twh, p90_worst_twh "
        "FROM risk_winter_deficit_any_at(CAST($t AS DOUBLE)) WHERE run_id = $run ORDER BY country",
        {"run": run, "t": float(threshold_twh)},
    )


def export_quantiles(store: Store, run_id: str, *, per_year: bool = False) -> pd.DataFrame:
    """P10/P50/P90 across members of exports (TWh) and export revenue (US$ million) per country.

    Horizon totals by default; per calendar year with ``per_year``.
    """
    run = _run(store, run_id)
    if per_year:
        sql = "SELECT country, year, metric, members, mean, p10, p50, p90 FROM risk_exports WHERE run_id = $run "
        sql += "ORDER BY metric, country, year"
    else:
        sql = "SELECT country, metric, members, mean, p10, p50, p90 FROM risk_exports_total WHERE run_id = $run "
        sql += "ORDER BY metric, country"
    return store.query(sql, {"run": run})


def trade_target_probability(
    store: Store, run_id: str, target_musd: float = TRADE_TARGET_MUSD, year: int = TRADE_TARGET_YEAR
) -> pd.DataFrame:
    """P(KG–TJ trade turnover ≥ target in ``year``) and the turnover's P10/P50/P90 (empty if outside the horizon)."""
    run = _run(store, run_id)
    return store.query(
        "SELECT year, members, target_musd, p_reach, mean, p10, p50, p90 "
        "FROM risk_trade_target_at(CAST($target AS DOUBLE), CAST($year AS INTEGER)) WHERE run_id = $run",
        {"run": run, "target": float(target_musd), "year": int(year)},
    )


def storage_fan(store: Store, run_id: str) -> pd.DataFrame:
    """Per reservoir and month: storage P10/P50/P90 across members (hm3)."""
    run = _run(store, run_id)
    return store.query(
        "SELECT plant, time, members, p10_hm3, p50_hm3, p90_hm3 FROM risk_storage_fan WHERE run_id = $run "
        "ORDER BY plant, time",
        {"run": run},
    )


def member_counts(store: Store, run_id: str) -> dict[str, int]:
    """Members of a run by status (``done``, ``infeasible``, ``failed``)."""
    run = store.resolve(run_id)
    rows = store.query("SELECT status, count(*) AS n FROM members WHERE run_id = $run GROUP BY status", {"run": run})
    return {str(s): int(n) for s, n in zip(rows["status"], rows["n"], strict=True)}


def risk_summary(store: Store, run_id: str, threshold_twh: float = DEFAULT_THRESHOLD_TWH) -> pd.DataFrame:
    """Return the headline risk figures of a run as rows ``figure, country, value, unit``."""
    rows: list[dict[str, object]] = [
        {
            "figure": f"P(winter deficit > {threshold_twh:g} TWh in some winter)",
            "country": r.country,
            "value": r.p_exceed_any_year,
            "unit": "probability",
        }
        for r in winter_deficit_any_risk(store, run_id, threshold_twh).itertuples()
    ]
    rows += [
        {
            "figure": f"{'exports' if r.metric == 'exports_twh' else 'export revenue'} over the horizon {q.upper()}",
            "country": r.country,
            "value": getattr(r, q),
            "unit": "TWh" if r.metric == "exports_twh" else "US$ million",
        }
        for r in export_quantiles(store, run_id).itertuples()
        for q in ("p10", "p50", "p90")
    ]
    rows += [
        {
            "figure": f"P(trade ≥ US${r.target_musd:,.0f} million in {r.year})",
            "country": "KG-TJ",
            "value": r.p_reach,
            "unit": "probability",
        }
        for r in trade_target_probability(store, run_id).itertuples()
    ]
    return pd.DataFrame(rows, columns=["figure", "country", "value", "unit"])
