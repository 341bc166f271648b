"""Summary numbers: per ensemble member (from a Results) and per stored run (from the tables).

Winter is October–March (:data:`WINTER_MONTHS`). "Exports" are energy sent over links from a
detailed country (one with its own demand in ``countries``) to a partner market outside the pair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aralnexus.results import Results
from aralnexus.units import HM3_PER_M3S_HOUR, MWH_PER_TWH, USD_PER_MUSD

if TYPE_CHECKING:
    from aralnexus.store.store import Store

WINTER_MONTHS: tuple[int, ...] = (10, 11, 12, 1, 2, 3)


def partner_exports(links: pd.DataFrame, detailed: set[str]) -> pd.DataFrame:
    """Return ``links`` rows with ``export_mwh`` and ``export_revenue_usd`` to partner markets.

    A positive flow from a detailed country to a partner, or a negative flow the other way, is an
    export of the detailed country (``exporter``).
    """
    energy = links["energy_mwh"].astype(float).to_numpy()
    from_in = links["from_country"].isin(detailed).to_numpy()
    to_in = links["to_country"].isin(detailed).to_numpy()
    forward = from_in & ~to_in
    backward = to_in & ~from_in
    export = np.where(forward, np.clip(energy, 0.0, None), 0.0) + np.where(backward, np.clip(-energy, 0.0, None), 0.0)
    revenue = links["revenue_usd"].astype(float).fillna(0.0).to_numpy() * (export > 0)
    return links.assign(
        export_mwh=export,
        export_revenue_usd=revenue,
        exporter=np.where(forward, links["from_country"], np.where(backward, links["to_country"], "")),
    )


def summarise_results(results: Results) -> dict[str, float | int | None]:
    """Return the per-member summary numbers of one Results (the ``members`` table columns)."""
    countries = results.countries
    detailed = set(countries["country"].astype(str))
    exports = partner_exports(results.links, detailed) if len(results.links) else None
    plants = results.plants
    spilled = (plants["spilled_m3s"].astype(float) * plants["duration_h"].astype(float)).sum() * HM3_PER_M3S_HOUR
    res = results.reservoirs
    span = (res["storage_max_hm3"].astype(float) - res["storage_min_hm3"].astype(float)).replace(0.0, np.nan)
    fill = ((res["storage_hm3"].astype(float) - res["storage_min_hm3"].astype(float)) / span * 100.0).dropna()
    winter = countries["month"].astype(int).isin(WINTER_MONTHS)
    return {
        "objective_musd": results.objective_musd,
        "generation_twh": float((countries["hydro_mwh"].astype(float) + countries["thermal_mwh"].astype(float)).sum())
        / MWH_PER_TWH,
        "unserved_twh": float(countries["unserved_mwh"].astype(float).sum()) / MWH_PER_TWH,
        "winter_unserved_twh": float(countries.loc[winter, "unserved_mwh"].astype(float).sum()) / MWH_PER_TWH,
        "exports_twh": float(exports["export_mwh"].sum()) / MWH_PER_TWH if exports is not None else 0.0,
        "export_revenue_musd": (
            float(exports["export_revenue_usd"].sum()) / USD_PER_MUSD if exports is not None else 0.0
        ),
        "spilled_hm3": float(spilled),
        "min_storage_pct": float(fill.min()) if len(fill) else None,
        "violations": len(results.violations),
    }


_WINTER_SQL = "(" + ", ".join(str(m) for m in WINTER_MONTHS) + ")"

KEY_FIGURES_SQL = f"""
WITH c AS (SELECT * FROM countries WHERE run_id = $run),
     detailed AS (SELECT DISTINCT country FROM c),
     l AS (SELECT * FROM links WHERE run_id = $run),
     x AS (
       SELECT link,
              CASE WHEN from_country IN (SELECT country FROM detailed)
                        AND to_country NOT IN (SELECT country FROM detailed) THEN greatest(energy_mwh, 0)
                   WHEN to_country IN (SELECT country FROM detailed)
                        AND from_country NOT IN (SELECT country FROM detailed) THEN greatest(-energy_mwh, 0)
                   ELSE 0 END AS export_mwh,
              coalesce(revenue_usd, 0) AS revenue_usd
       FROM l)
SELECT 1 AS seq, 'objective' AS figure, 'US$ million' AS unit, objective_musd AS value FROM runs WHERE run_id = $run
UNION ALL SELECT 2, 'demand ' || country, 'TWh', sum(demand_mwh) / 1e6 FROM c GROUP BY country
UNION ALL SELECT 3, 'hydro generation ' || country, 'TWh', sum(hydro_mwh) / 1e6 FROM c GROUP BY country
UNION ALL SELECT 4, 'thermal generation ' || country, 'TWh', sum(thermal_mwh) / 1e6 FROM c GROUP BY country
UNION ALL SELECT 5, 'unserved ' || country, 'TWh', sum(unserved_mwh) / 1e6 FROM c GROUP BY country
UNION ALL SELECT 6, 'winter unserved ' || country, 'TWh', sum(unserved_mwh) FILTER (WHERE month IN {_WINTER_SQL}) / 1e6
          FROM c GROUP BY country
UNION ALL SELECT 7, 'exports to partners', 'TWh', coalesce(sum(export_mwh), 0) / 1e6 FROM x
UNION ALL SELECT 8, 'CASA-1000 exports', 'TWh', coalesce(sum(export_mwh), 0) / 1e6 FROM x WHERE link LIKE 'casa1000%'
UNION ALL SELECT 9, 'CASA-1000 revenue', 'US$ million',
          coalesce(sum(revenue_usd) FILTER (WHERE export_mwh > 0), 0) / 1e6
          FROM x WHERE link LIKE 'casa1000%'
UNION ALL SELECT 10, 'spilled water', 'hm3', coalesce(sum(spilled_m3s * duration_h) * {HM3_PER_M3S_HOUR!r}, 0)
          FROM plants WHERE run_id = $run
UNION ALL SELECT 11, 'violations', 'count', count(*) FROM violations WHERE run_id = $run
UNION ALL SELECT 12, 'trade turnover ' || year, 'US$ million', sum(value_musd) FROM trade
          WHERE run_id = $run AND year = 2030 GROUP BY year
"""


def key_figures(store: Store, run_id: str) -> pd.DataFrame:
    """Return a run's headline numbers (``figure``, ``unit``, ``value``) computed from the store."""
    frame = store.query(KEY_FIGURES_SQL, {"run": run_id})
    return frame.sort_values(["seq", "figure"]).drop(columns="seq").reset_index(drop=True)


def compare_runs(store: Store, run_a: str, run_b: str) -> pd.DataFrame:
    """Return the key figures of two runs side by side with the difference ``b − a``."""
    name_a, name_b = (run_a, run_b) if run_a != run_b else (f"{run_a} (a)", f"{run_b} (b)")
    a = key_figures(store, run_a).rename(columns={"value": name_a})
    b = key_figures(store, run_b).rename(columns={"value": name_b})
    extra = b.merge(a[["figure", "unit"]], on=["figure", "unit"], how="left", indicator=True)
    keys = pd.concat([a[["figure", "unit"]], extra.loc[extra["_merge"] == "left_only", ["figure", "unit"]]])
    merged = keys.merge(a, on=["figure", "unit"], how="left").merge(b, on=["figure", "unit"], how="left")
    merged["difference"] = merged[name_b] - merged[name_a]
    return merged
