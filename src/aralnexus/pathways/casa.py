"""CASA-1000 check: true summer surplus, or water the country will miss in winter.

Two criteria, both per country and CASA year Y (exports May–September of Y, judged against
winter Y/Y+1):

``storage`` (one run)
    The exports are *surplus* if the country's reservoirs were full at the end of September
    (≥ ``full_pct`` of the storage allowed then, the dataset's ``casa_surplus_full_pct``, 99 % by
    default — the water could not have been carried into winter) or if winter Y/Y+1 has no deficit.
    Otherwise they *compete with winter*; the energy at risk is ``min(CASA exports, winter deficit)``.
``counterfactual`` (two runs)
    The same scenario is re-optimised without CASA-1000. The exports are *surplus* if the winter
    deficit with CASA-1000 exceeds the one without by at most :data:`TOLERANCE_TWH`; otherwise
    they *cause a winter deficit*, at risk = the added deficit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from aralnexus.scenario.model import Scenario
from aralnexus.vocab import CasaCriterion

#: Winter deficits (TWh) below this are treated as zero.
TOLERANCE_TWH = 0.005
#: A start date beyond any horizon: how the counterfactual removes CASA-1000.
NEVER = "2999-12"

CASA_COLUMNS: tuple[str, ...] = (
    "country",
    "year",
    "casa_exports_twh",
    "winter_deficit_twh",
    "storage_end_sep_pct_full",
    "winter_deficit_without_casa_twh",
    "at_risk_twh",
    "verdict",
    "criterion",
)


def _wide(metrics: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    part = metrics[metrics["metric"].isin(names) & metrics["year"].notna()]
    wide = part.pivot_table(index=["country", "year"], columns="metric", values="value", aggfunc="sum")
    return wide.reindex(columns=names)


def casa_check(
    metrics: pd.DataFrame,
    criterion: CasaCriterion = "storage",
    without_casa: pd.DataFrame | None = None,
    full_pct: float = 99.0,
) -> pd.DataFrame:
    """Judge each country's CASA-1000 exports per year (see the module notes).

    Parameters
    ----------
    metrics
        Tidy metrics of the run (needs ``exports_casa_twh``, ``winter_deficit_twh``,
        ``storage_end_sep_pct_full``).
    criterion
        ``storage`` or ``counterfactual`` (then ``without_casa`` holds the metrics of the run
        without CASA-1000).
    without_casa
        Metrics of the counterfactual run.
    full_pct
        End-of-September storage (percent of the storage allowed then) counted as full: the run's
        planner definition ``casa_surplus_full_pct`` (read from the dataset).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CASA_COLUMNS`, one row per country and year with CASA-1000 exports;
        ``verdict`` ∈ ``surplus``, ``competes_with_winter``, ``causes_winter_deficit``, ``unknown``.
    """
    w = _wide(metrics, ["exports_casa_twh", "winter_deficit_twh", "storage_end_sep_pct_full"])
    w = w[w["exports_casa_twh"].fillna(0.0) > 1e-9].copy()
    if w.empty or criterion == "none":
        return pd.DataFrame(columns=list(CASA_COLUMNS))
    exports = w["exports_casa_twh"]
    deficit = w["winter_deficit_twh"]
    if criterion == "counterfactual" and without_casa is not None:
        base = _wide(without_casa, ["winter_deficit_twh"])["winter_deficit_twh"].reindex(w.index)
        added = (deficit - base).clip(lower=0.0)
        w["winter_deficit_without_casa_twh"] = base
        w["at_risk_twh"] = added.where(added > TOLERANCE_TWH, 0.0)
        verdict = np.where(added > TOLERANCE_TWH, "causes_winter_deficit", "surplus")
        verdict = np.where(deficit.isna() | base.isna(), "unknown", verdict)
    else:
        criterion = "storage"
        full = w["storage_end_sep_pct_full"].fillna(0.0) >= full_pct
        short = deficit > TOLERANCE_TWH
        competes = ~full & short
        w["winter_deficit_without_casa_twh"] = np.nan
        w["at_risk_twh"] = exports.clip(upper=deficit.fillna(0.0)).where(competes, 0.0)
        verdict = np.where(competes, "competes_with_winter", "surplus")
        verdict = np.where(deficit.isna() & ~full, "unknown", verdict)
    w["verdict"] = verdict
    w["criterion"] = criterion
    out = w.reset_index().rename(columns={"exports_casa_twh": "casa_exports_twh"})
    out["year"] = out["year"].astype("Int64")
    return out[list(CASA_COLUMNS)]


def without_casa(scenario: Scenario, casa_ids: list[str]) -> Scenario:
    """Return the scenario with every CASA-1000 link out of service for the whole horizon."""
    links = scenario.dataset.links.copy()
    links.loc[links["link"].isin(casa_ids), "start"] = NEVER
    dataset = replace(scenario.dataset, links=links)
    return replace(scenario, name=f"{scenario.name} (without CASA-1000)", dataset=dataset)
