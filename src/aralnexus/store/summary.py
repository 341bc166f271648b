"""A stored run's headline numbers, read from its stored metrics (nothing is recomputed here).

The figures are the metric layer's (:mod:`aralnexus.metrics`): horizon figures stored with the run
(``year`` NULL, see :data:`aralnexus.metrics.HEADLINE_METRICS`) and sums of its yearly metrics. The
trade turnover is read for the target year the run recorded (``runs.metadata`` → ``definitions``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd

from aralnexus.data.dataset import load_default
from aralnexus.data.definitions import PlannerDefinitions, planner_definitions

if TYPE_CHECKING:
    from aralnexus.store.store import Store

#: One row per figure: a horizon metric (``year`` NULL) or the sum of a yearly metric, per element.
KEY_FIGURES_SQL = """
WITH m AS (SELECT * FROM metrics WHERE run_id = $run),
     horizon AS (SELECT * FROM m WHERE year IS NULL),
     yearly AS (SELECT * FROM m WHERE year IS NOT NULL)
SELECT 1 AS seq, 'objective' AS figure, 'US$ million' AS unit, objective_musd AS value FROM runs WHERE run_id = $run
UNION ALL SELECT 2, 'demand ' || country, 'TWh', sum(value) FROM yearly WHERE metric = 'demand_twh' GROUP BY country
UNION ALL SELECT 3, 'hydro generation ' || country, 'TWh', sum(value) FROM yearly WHERE metric = 'hydro_twh'
          GROUP BY country
UNION ALL SELECT 4, 'thermal generation ' || country, 'TWh', sum(value) FROM yearly WHERE metric = 'thermal_twh'
          GROUP BY country
UNION ALL SELECT 5, 'unserved ' || country, 'TWh', value FROM horizon WHERE metric = 'unserved_total_twh'
UNION ALL SELECT 6, 'winter unserved ' || country, 'TWh', value FROM horizon WHERE metric = 'winter_unserved_total_twh'
UNION ALL SELECT 7, 'exports to partners', 'TWh', value FROM horizon WHERE metric = 'exports_to_partners_twh'
UNION ALL SELECT 8, 'CASA-1000 exports', 'TWh', value FROM horizon WHERE metric = 'casa_exports_twh'
UNION ALL SELECT 9, 'CASA-1000 revenue', 'US$ million', value FROM horizon WHERE metric = 'casa_revenue_musd'
UNION ALL SELECT 10, 'spilled water', 'hm3', value FROM horizon WHERE metric = 'spilled_total_hm3'
UNION ALL SELECT 10, 'spilled water ' || country, 'hm3', value FROM horizon WHERE metric = 'spilled_hm3'
UNION ALL SELECT 11, 'violations', 'count', count(*) FROM violations WHERE run_id = $run
UNION ALL SELECT 12, 'trade turnover ' || year, 'US$ million', sum(value_musd) FROM trade
          WHERE run_id = $run AND year = $target_year GROUP BY year
"""


def run_definitions(store: Store, run_id: str) -> PlannerDefinitions:
    """Return the planner definitions recorded with a run (the default dataset's for runs stored without)."""
    rows = store.query("SELECT metadata FROM runs WHERE run_id = $run", {"run": run_id})
    text = rows["metadata"].iloc[0] if not rows.empty else None
    meta = json.loads(text) if isinstance(text, str) and text else {}
    if "definitions" in meta:
        return PlannerDefinitions.from_record(meta["definitions"])
    return planner_definitions(load_default())


def key_figures(store: Store, run_id: str) -> pd.DataFrame:
    """Return a run's headline numbers (``figure``, ``unit``, ``value``) read from its stored metrics."""
    target_year = run_definitions(store, run_id).trade_target_year
    frame = store.query(KEY_FIGURES_SQL, {"run": run_id, "target_year": target_year})
    return frame.sort_values(["seq", "figure"], kind="stable").drop(columns="seq").reset_index(drop=True)


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
