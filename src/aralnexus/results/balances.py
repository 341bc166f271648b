"""Water and energy closure checks on result tables (used by tests, guards and the report).

Water, per (stage, reservoir), in hm3::

    storage_end − storage_start = K · Σ_steps dur · (inflow + arriving from above − turbined) − K · H · spilled

Energy, per (step, country), in MWh: ``hydro + thermal + imports − exports + unserved = demand``.
Both are reported as residuals relative to the largest flow through the element.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.results.tables import Results
from aralnexus.units import HM3_PER_M3S_HOUR

Array = npt.NDArray[np.float64]


def water_balance_residual_hm3(
    results: Results, downstream: npt.NDArray[np.int64], storage_initial_hm3: Array
) -> Array:
    """Return the water-balance residual per (stage, plant) in hm3.

    Parameters
    ----------
    results
        Results whose ``plants`` table is ordered by step, then plant (as the optimiser writes it).
    downstream
        Downstream plant index per plant (``-1`` at an outlet), in the table's plant order.
    storage_initial_hm3
        Storage at the start of the horizon per plant.
    """
    table = results.plants
    n_p = len(downstream)
    n_t = len(table) // n_p

    def grid(col: str) -> Array:
        return table[col].to_numpy(dtype=np.float64).reshape(n_t, n_p)

    stage = table["time"].to_numpy().reshape(n_t, n_p)[:, 0]
    _, stage_idx = np.unique(stage, return_inverse=True)
    dur = grid("duration_h")
    n_s = int(stage_idx.max()) + 1
    out_flow = grid("turbined_m3s") + grid("spilled_m3s")  # spill is a stage mean: same in each step
    arriving = np.zeros_like(out_flow)
    has = np.flatnonzero(downstream >= 0)
    np.add.at(arriving.T, downstream[has], out_flow[:, has].T)
    net = HM3_PER_M3S_HOUR * dur * (grid("inflow_m3s") + arriving - out_flow)
    net_stage = np.zeros((n_s, n_p))
    np.add.at(net_stage, stage_idx, net)
    storage_end = np.zeros((n_s, n_p))
    storage_end[stage_idx] = grid("storage_hm3")
    storage_start = np.vstack([storage_initial_hm3[None, :], storage_end[:-1]])
    return storage_end - storage_start - net_stage


def water_balance_error(results: Results, downstream: npt.NDArray[np.int64], storage_initial_hm3: Array) -> float:
    """Return the largest water-balance residual relative to the water passing each reservoir."""
    residual = water_balance_residual_hm3(results, downstream, storage_initial_hm3)
    table = results.plants
    n_p = len(downstream)
    through = HM3_PER_M3S_HOUR * (
        table["duration_h"] * (table["inflow_m3s"] + table["turbined_m3s"] + table["spilled_m3s"])
    )
    scale = max(
        float(through.to_numpy().reshape(-1, n_p).sum(axis=0).max()), float(table["storage_hm3"].abs().max()), 1.0
    )
    return float(np.abs(residual).max() / scale) if residual.size else 0.0


def energy_balance_residual_mwh(results: Results) -> pd.Series:
    """Return ``hydro + thermal + imports − exports + unserved − demand`` per (step, country), MWh."""
    c = results.countries
    return c["hydro_mwh"] + c["thermal_mwh"] + c["imports_mwh"] - c["exports_mwh"] + c["unserved_mwh"] - c["demand_mwh"]


def energy_balance_error(results: Results) -> float:
    """Return the largest energy-balance residual relative to the largest demand in a step."""
    residual = energy_balance_residual_mwh(results)
    scale = max(float(results.countries["demand_mwh"].max()), 1.0)
    hydro = results.plants.groupby(["step", "country"])["energy_mwh"].sum()
    per_country = results.countries.set_index(["step", "country"])["hydro_mwh"]
    hydro_gap = (per_country - hydro.reindex(per_country.index).fillna(0.0)).abs().max()
    return float(max(residual.abs().max(), hydro_gap) / scale) if len(residual) else 0.0
