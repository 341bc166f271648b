"""Primal values and duals → tidy result tables (columns from ``aralnexus.results.tables``).

Water value = − dual of the water balance (US$/hm3; more water lowers the cost), reported in
US$/1000 m3 (÷ 1000) and US$/MWh (÷ the energy equivalent of 1 hm3 through the plant and every
plant below it at the stage's heads). Marginal price = dual of the power balance ÷ step hours.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.dispatch import names as n
from aralnexus.dispatch.head import mean_storage_hm3
from aralnexus.dispatch.linearise import Linearisation, linearised_power_mw
from aralnexus.dispatch.objective import energy_equivalent_mwh_per_hm3, objective_terms, power_coefficients
from aralnexus.dispatch.solve import LPSolution
from aralnexus.dispatch.water import K, steps_of_stage
from aralnexus.results.tables import (
    COUNTRY_COLUMNS,
    LINK_COLUMNS,
    PLANT_COLUMNS,
    RELEASE_COLUMNS,
    RESERVOIR_COLUMNS,
    TIME_COLUMNS,
    Convergence,
    Results,
)
from aralnexus.system.system import System

Array = npt.NDArray[np.float64]
#: Slack values below this are numerical noise, not violations.
SLACK_TOL = 1e-6


def _tidy(system: System, per_step: dict[str, Array], keys: dict[str, npt.NDArray[np.object_]]) -> pd.DataFrame:
    """Return one row per (step, element) from ``(T, E)`` arrays and per-element key columns."""
    steps = system.calendar.steps
    n_e = len(next(iter(keys.values())))
    rows = np.repeat(np.arange(len(steps)), n_e)
    frame = steps.iloc[rows][list(TIME_COLUMNS)].reset_index(drop=True)
    for name, values in keys.items():
        frame[name] = np.tile(values, len(steps))
    for name, grid in per_step.items():
        frame[name] = np.asarray(grid, dtype=np.float64).ravel()
    return frame


def _per_stage(system: System, per_stage: dict[str, Array], keys: dict[str, npt.NDArray[np.object_]]) -> pd.DataFrame:
    stages = system.calendar.stages
    n_e = len(next(iter(keys.values())))
    rows = np.repeat(np.arange(len(stages)), n_e)
    frame = stages.iloc[rows][["time", "year", "month"]].reset_index(drop=True)
    for name, values in keys.items():
        frame[name] = np.tile(values, len(stages))
    for name, grid in per_stage.items():
        frame[name] = np.asarray(grid, dtype=np.float64).ravel()
    return frame


def plants_table(
    system: System, x: Array, layout: n.Layout, inflow_m3s: Array, heads_m: Array, lin: Linearisation | None = None
) -> pd.DataFrame:
    """Per plant and step: flows, storage, level, head, power and energy.

    ``power_mw`` is the LP's output (with the head–storage term of the last linearisation, so the
    energy balance closes exactly); ``head_m`` is the head at the solution's mean stage storage.
    """
    st = system.calendar.step_stage
    dur = system.calendar.duration_h[:, None]
    turb = layout.cols[n.TURBINE].take(x)
    stor = layout.cols[n.STORAGE].take(x)
    coef = power_coefficients(system, heads_m)[st]
    power = coef * turb
    if lin is not None:
        power = power + linearised_power_mw(system, lin, stor)
    actual_heads = heads_m if lin is None else system.curves.head_m(mean_storage_hm3(system, stor))
    p = system.plants
    keys = {c: p[c].to_numpy(dtype=object) for c in ("plant", "country", "river")}
    values = {
        "turbined_m3s": turb,
        "spilled_m3s": layout.cols[n.SPILL].take(x)[st],
        "inflow_m3s": inflow_m3s[st],
        "storage_hm3": stor[st],
        "level_m": system.curves.level_m(stor)[st],
        "head_m": actual_heads[st],
        "power_mw": power,
        "energy_mwh": power * dur,
        "capacity_mw": system.staging.capacity_mw[st],
    }
    return _tidy(system, values, keys)[list(PLANT_COLUMNS)]


def link_flows(system: System, x: Array, layout: n.Layout) -> tuple[Array, Array]:
    """Return sent-at-origin forward and backward flows ``(T, L)``."""
    return layout.cols[n.FLOW_FWD].take(x), layout.cols[n.FLOW_BWD].take(x)


def countries_table(system: System, sol: LPSolution, layout: n.Layout, plants: pd.DataFrame) -> pd.DataFrame:
    """Per detailed country and step: demand, served, unserved, hydro, thermal, trade and price."""
    x = sol.x
    n_t, n_c = system.calendar.n_steps, len(system.countries.detailed)
    dur = system.calendar.duration_h[:, None]
    hydro = np.zeros((n_t, n_c))
    np.add.at(hydro.T, system.country_index, plants["energy_mwh"].to_numpy().reshape(n_t, -1).T)
    thermal = np.zeros((n_t, n_c))
    np.add.at(thermal.T, system.thermal.country, (layout.cols[n.THERMAL].take(x) * dur).T)
    fwd, bwd = link_flows(system, x, layout)
    lk = system.links
    imports, exports = np.zeros((n_t, n_c)), np.zeros((n_t, n_c))
    for flow, send, recv in ((fwd, lk.from_end, lk.to_end), (bwd, lk.to_end, lk.from_end)):
        s_in, r_in = np.flatnonzero(send >= 0), np.flatnonzero(recv >= 0)
        np.add.at(exports.T, send[s_in], (flow[:, s_in] * dur).T)
        np.add.at(imports.T, recv[r_in], (flow[:, r_in] * lk.efficiency[r_in] * dur).T)
    demand = system.countries.demand_mw * dur
    unserved = layout.cols[n.UNSERVED].take(x) * dur
    price = layout.rows[n.POWER_BALANCE].take(sol.row_dual) / dur
    values = {
        "demand_mwh": demand,
        "served_mwh": demand - unserved,
        "unserved_mwh": unserved,
        "hydro_mwh": hydro,
        "thermal_mwh": thermal,
        "imports_mwh": imports,
        "exports_mwh": exports,
        "price_usd_per_mwh": price,
    }
    keys = {"country": np.array(system.countries.detailed, dtype=object)}
    return _tidy(system, values, keys)[list(COUNTRY_COLUMNS)]


def links_table(system: System, x: Array, layout: n.Layout) -> pd.DataFrame:
    """Per link and step: signed flow, energy, capacity, tariff revenue and market value."""
    lk = system.links
    if not lk.ids:
        return pd.DataFrame(columns=[*LINK_COLUMNS, "market_value_usd"])
    dur = system.calendar.duration_h[:, None]
    fwd, bwd = link_flows(system, x, layout)
    tariff = np.nan_to_num(lk.tariff_usd_per_mwh)
    to_partner_fwd, to_partner_bwd = lk.to_end < 0, lk.from_end < 0
    delivered_fwd = fwd * lk.efficiency * dur
    delivered_bwd = bwd * lk.efficiency * dur
    revenue = tariff * (delivered_fwd * to_partner_fwd + delivered_bwd * to_partner_bwd)
    exp_price, imp_price = np.nan_to_num(lk.export_price_usd_per_mwh), np.nan_to_num(lk.import_price_usd_per_mwh)
    market = exp_price * (delivered_fwd * to_partner_fwd + delivered_bwd * to_partner_bwd) - imp_price * dur * (
        fwd * (lk.from_end < 0) + bwd * (lk.to_end < 0)
    )
    ends = dict(enumerate(system.countries.detailed)) | {-1 - i: c for i, c in enumerate(system.countries.partners)}
    keys = {
        "link": np.array(lk.ids, dtype=object),
        "from_country": np.array([ends[int(e)] for e in lk.from_end], dtype=object),
        "to_country": np.array([ends[int(e)] for e in lk.to_end], dtype=object),
    }
    values = {
        "flow_mw": fwd - bwd,
        "energy_mwh": (fwd - bwd) * dur,
        "capacity_mw": lk.capacity_mw,
        "revenue_usd": revenue,
        "market_value_usd": market,
    }
    return _tidy(system, values, keys)[[*LINK_COLUMNS, "market_value_usd"]]


def reservoirs_table(system: System, sol: LPSolution, layout: n.Layout, heads_m: Array) -> pd.DataFrame:
    """Per reservoir and stage: storage, bounds, level and its bounds, and water values from the duals.

    The level bounds are the levels at the stage's storage bounds on the level–volume curve (NaN
    for plants without a curve, and before a plant is in service).
    """
    stor = layout.cols[n.STORAGE].take(sol.x)
    value_hm3 = -layout.rows[n.WATER_BALANCE].take(sol.row_dual)
    eq = energy_equivalent_mwh_per_hm3(system, power_coefficients(system, heads_m))
    per_mwh = np.divide(value_hm3, eq, out=np.full_like(eq, np.nan), where=eq > 1e-9)
    built = system.staging.in_service
    values = {
        "storage_hm3": stor,
        "storage_min_hm3": system.staging.storage_min_hm3,
        "storage_max_hm3": system.staging.storage_max_hm3,
        "level_m": system.curves.level_m(stor),
        "level_min_m": np.where(built, system.curves.level_m(system.staging.storage_min_hm3), np.nan),
        "level_max_m": np.where(built, system.curves.level_m(system.staging.storage_max_hm3), np.nan),
        "water_value_usd_per_1000m3": value_hm3 / 1000.0,
        "water_value_usd_per_mwh": per_mwh,
    }
    frame = _per_stage(system, values, {"plant": system.plants["plant"].to_numpy(dtype=object)})
    is_reservoir = (system.staging.storage_max_hm3 > 0).any(axis=0)
    keep = np.tile(is_reservoir, system.calendar.n_stages)
    return frame[keep].reset_index(drop=True)[list(RESERVOIR_COLUMNS)]


def releases_table(system: System, x: Array, layout: n.Layout) -> pd.DataFrame:
    """Per minimum-release row: required, released, shortfall and its cost."""
    rel = system.releases
    if rel.empty:
        return pd.DataFrame(columns=list(RELEASE_COLUMNS))
    cal = system.calendar
    stage = rel["stage"].to_numpy(dtype=np.int64)
    plant = rel["plant"].to_numpy(dtype=np.int64)
    hours = cal.stage_hours[stage]
    steps = steps_of_stage(system)[stage]
    turb = layout.cols[n.TURBINE].take(x)[steps, plant[:, None]]
    released = (turb * cal.duration_h[steps]).sum(axis=1) / hours + layout.cols[n.SPILL].take(x)[stage, plant]
    slack = layout.cols[n.RELEASE_SLACK].take(x)
    stages = cal.stages.iloc[stage]
    return pd.DataFrame(
        {
            "time": stages["time"].to_numpy(),
            "year": stages["year"].to_numpy(),
            "month": stages["month"].to_numpy(),
            "point": rel["point"].to_numpy(),
            "agreement": rel["agreement"].to_numpy(),
            "required_m3s": rel["required_m3s"].to_numpy(),
            "released_m3s": released,
            "shortfall_m3s": slack / (K * hours),
            "shortfall_cost_usd": slack * rel["penalty_usd_per_hm3"].to_numpy(),
        }
    )


def violations_table(
    system: System, x: Array, layout: n.Layout, releases: pd.DataFrame, countries: pd.DataFrame
) -> pd.DataFrame:
    """Named non-zero slacks, by month: release shortfalls, unserved demand, artificial water."""
    frames: list[pd.DataFrame] = []
    if not releases.empty:
        short = releases[releases["shortfall_m3s"] > SLACK_TOL]
        frames.append(
            pd.DataFrame(
                {
                    "constraint": "minimum release (" + short["agreement"].astype(str) + ")",
                    "element": short["point"],
                    "period": pd.DatetimeIndex(short["time"]).strftime("%Y-%m"),
                    "amount": short["shortfall_m3s"],
                    "unit": "m3/s",
                }
            )
        )
    uns = countries[countries["unserved_mwh"] > SLACK_TOL].copy()
    if not uns.empty:
        uns["period"] = pd.DatetimeIndex(uns["time"]).strftime("%Y-%m")
        agg = uns.groupby(["country", "period"], as_index=False)["unserved_mwh"].sum()
        frames.append(
            pd.DataFrame(
                {
                    "constraint": "unserved demand",
                    "element": agg["country"],
                    "period": agg["period"],
                    "amount": agg["unserved_mwh"] / 1e3,
                    "unit": "GWh",
                }
            )
        )
    deficit = layout.cols[n.WATER_DEFICIT].take(x)
    s_idx, p_idx = np.nonzero(deficit > SLACK_TOL)
    if s_idx.size:
        period = pd.DatetimeIndex(system.calendar.stages["time"].to_numpy()[s_idx]).strftime("%Y-%m")
        frames.append(
            pd.DataFrame(
                {
                    "constraint": "water balance within storage bounds",
                    "element": system.plants["plant"].to_numpy()[p_idx],
                    "period": period,
                    "amount": deficit[s_idx, p_idx],
                    "unit": "hm3",
                }
            )
            .groupby(["constraint", "element", "period", "unit"], as_index=False)[["amount"]]
            .sum()
        )
    cols = ["constraint", "element", "period", "amount", "unit"]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    return pd.concat([f[cols] for f in frames], ignore_index=True)


def extract_results(
    system: System,
    sol: LPSolution,
    layout: n.Layout,
    inflow_m3s: Array,
    heads_m: Array,
    convergence: Convergence,
    seconds: float,
    metadata: dict[str, str] | None = None,
    lin: Linearisation | None = None,
) -> Results:
    """Build :class:`Results` from a solution (``lin``: the linearisation the last LP used)."""
    plants = plants_table(system, sol.x, layout, inflow_m3s, heads_m, lin)
    countries = countries_table(system, sol, layout, plants)
    releases = releases_table(system, sol.x, layout)
    return Results(
        plants=plants,
        countries=countries,
        links=links_table(system, sol.x, layout),
        reservoirs=reservoirs_table(system, sol, layout, heads_m),
        releases=releases,
        objective=objective_terms(layout, system, sol.x, power_coefficients(system, heads_m)),
        violations=violations_table(system, sol.x, layout, releases, countries),
        convergence=convergence,
        solve_seconds=seconds,
        metadata=dict(metadata or {}),
    )
