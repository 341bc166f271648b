"""Primal values and duals → the labelled solution (``xarray.Dataset``, :mod:`aralnexus.results.solution`).

Water value = − dual of the water balance (US$/hm3; more water lowers the cost), reported in
US$/1000 m3 (÷ 1000) and US$/MWh (÷ the energy equivalent of 1 hm3 through the plant and every
plant below it at the stage's heads). Marginal price = dual of the power balance ÷ step hours.
Both are divided by the stage's present-value weight (:func:`aralnexus.dispatch.objective.stage_weights`),
so with a discount rate they are in money of their own year, not of the first.
Link revenue (``link_revenue_usd``) is the tariff paid to the sender for the energy it *sends* to a
partner market (at its end of the line, before losses), as the CASA-1000 sellers are paid.
The tidy :class:`~aralnexus.results.tables.Results` tables are a view of the Dataset
(:func:`aralnexus.results.solution.results_view`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import xarray as xr

from aralnexus.dispatch import names as n
from aralnexus.dispatch.head import mean_storage_hm3
from aralnexus.dispatch.linearise import Linearisation, linearised_power_mw
from aralnexus.dispatch.objective import (
    energy_equivalent_mwh_per_hm3,
    objective_terms,
    power_coefficients,
    stage_weights,
    step_weights,
)
from aralnexus.dispatch.solve import LPSolution
from aralnexus.dispatch.water import K, steps_of_stage, storage_lower_hm3
from aralnexus.results.solution import SLACK_TOL, VARIABLE_DIMS, convergence_attrs, results_view
from aralnexus.results.tables import Convergence, Results
from aralnexus.system.network import end_countries
from aralnexus.system.system import System
from aralnexus.units import THOUSAND_M3_PER_HM3

Array = npt.NDArray[np.float64]

__all__ = ["SLACK_TOL", "extract_results", "extract_solution", "solution_coords", "solution_data"]


def solution_coords(system: System) -> dict[str, object]:
    """Return the coordinates of a solution of ``system`` (time, plants, countries, links, releases)."""
    cal = system.calendar
    steps, stages = cal.steps, cal.stages
    p = system.plants
    ids = p["plant"].to_numpy(dtype=object)
    down = system.topology.downstream
    names = p["name"].astype(str).to_numpy(dtype=object) if "name" in p.columns else ids
    lk = system.links
    rel = system.releases
    coords: dict[str, object] = {
        "step": steps["step"].to_numpy(dtype=np.int64),
        "time": ("step", steps["time"].to_numpy(dtype="datetime64[ns]")),
        "year": ("step", steps["year"].to_numpy(dtype=np.int64)),
        "month": ("step", steps["month"].to_numpy(dtype=np.int64)),
        "block": ("step", steps["block"].astype(str).to_numpy(dtype=object)),
        "duration_h": ("step", cal.duration_h.astype(np.float64)),
        "step_stage": ("step", cal.step_stage),
        "stage": np.arange(cal.n_stages, dtype=np.int64),
        "stage_time": ("stage", stages["time"].to_numpy(dtype="datetime64[ns]")),
        "stage_year": ("stage", stages["year"].to_numpy(dtype=np.int64)),
        "stage_month": ("stage", stages["month"].to_numpy(dtype=np.int64)),
        "stage_hours": ("stage", cal.stage_hours.astype(np.float64)),
        "plant": ids,
        "plant_name": ("plant", names),
        "plant_country": ("plant", p["country"].astype(str).to_numpy(dtype=object)),
        "river": ("plant", p["river"].astype(str).to_numpy(dtype=object)),
        "downstream": ("plant", np.where(down >= 0, ids[np.maximum(down, 0)], "").astype(object)),
        "is_reservoir": ("plant", (system.staging.storage_max_hm3 > 0).any(axis=0)),
        "rated_head_m": ("plant", np.asarray(system.curves.rated_head_m, dtype=np.float64)),
        "country": np.array(system.countries.detailed, dtype=object),
        "thermal_capacity_mw": (("step", "country"), _thermal_in_service_mw(system)),
        "link": np.array(lk.ids, dtype=object),
        "from_country": ("link", end_countries(lk.from_end, system.countries)),
        "to_country": ("link", end_countries(lk.to_end, system.countries)),
        "efficiency": ("link", np.asarray(lk.efficiency, dtype=np.float64)),
        "tariff_usd_per_mwh": ("link", np.asarray(lk.tariff_usd_per_mwh, dtype=np.float64)),
        "export_price_usd_per_mwh": ("link", np.asarray(lk.export_price_usd_per_mwh, dtype=np.float64)),
        "import_price_usd_per_mwh": ("link", np.asarray(lk.import_price_usd_per_mwh, dtype=np.float64)),
        "release": np.arange(len(rel), dtype=np.int64),
        "point": ("release", rel["point"].astype(str).to_numpy(dtype=object) if len(rel) else np.zeros(0, object)),
        "agreement": (
            "release",
            rel["agreement"].astype(str).to_numpy(dtype=object) if len(rel) else np.zeros(0, object),
        ),
        "release_stage": ("release", rel["stage"].to_numpy(dtype=np.int64) if len(rel) else np.zeros(0, np.int64)),
    }
    return coords


def _thermal_in_service_mw(system: System) -> Array:
    """Nameplate thermal capacity in service per step and detailed country, MW."""
    th = system.thermal
    out = np.zeros((system.calendar.n_steps, len(system.countries.detailed)))
    np.add.at(out.T, th.country, th.in_service_mw.T)
    return out


def _plant_values(
    system: System, x: Array, layout: n.Layout, inflow_m3s: Array, heads_m: Array, lin: Linearisation | None
) -> dict[str, Array]:
    """Per plant: flows, storage and its bounds in force, level, head, power and energy.

    ``storage_min_hm3`` is the LP's lower bound that month: dead storage, or less while a new
    reservoir is first filled (what its inflow can have filled since, :func:`storage_lower_hm3`).

    ``power_mw`` is the LP's output (with the head–storage term of the last linearisation, so the
    energy balance closes exactly); ``head_m`` is the head at the solution's mean stage storage.
    """
    st = system.calendar.step_stage
    dur = system.calendar.duration_h[:, None]
    turb = layout.cols[n.TURBINE].take(x)
    stor = layout.cols[n.STORAGE].take(x)
    power = power_coefficients(system, heads_m)[st] * turb
    if lin is not None:
        power = power + linearised_power_mw(system, lin, stor)
    actual_heads = heads_m if lin is None else system.curves.head_m(mean_storage_hm3(system, stor))
    built = system.staging.in_service
    lower = storage_lower_hm3(system, inflow_m3s)  # the LP's lower bound in force (first filling included)
    return {
        "turbined_m3s": turb,
        "power_mw": power,
        "energy_mwh": power * dur,
        "capacity_mw": system.staging.capacity_mw[st],
        "inflow_m3s": inflow_m3s,
        "spilled_m3s": layout.cols[n.SPILL].take(x),
        "storage_hm3": stor,
        "storage_min_hm3": lower,
        "storage_max_hm3": system.staging.storage_max_hm3,
        "level_m": system.curves.level_m(stor),
        "level_min_m": np.where(built, system.curves.level_m(lower), np.nan),
        "level_max_m": np.where(built, system.curves.level_m(system.staging.storage_max_hm3), np.nan),
        "head_m": actual_heads,
        "water_deficit_hm3": layout.cols[n.WATER_DEFICIT].take(x),
    }


def _water_values(system: System, sol: LPSolution, layout: n.Layout, heads_m: Array) -> dict[str, Array]:
    value_hm3 = -layout.rows[n.WATER_BALANCE].take(sol.row_dual) / stage_weights(system)[:, None]  # own year's money
    eq = energy_equivalent_mwh_per_hm3(system, power_coefficients(system, heads_m))
    per_mwh = np.divide(value_hm3, eq, out=np.full_like(eq, np.nan), where=eq > 1e-9)
    return {"water_value_usd_per_1000m3": value_hm3 / THOUSAND_M3_PER_HM3, "water_value_usd_per_mwh": per_mwh}


def _country_values(system: System, sol: LPSolution, layout: n.Layout, energy_mwh: Array) -> dict[str, Array]:
    """Per detailed country and step: demand, unserved, hydro, thermal, trade and price."""
    x = sol.x
    n_t, n_c = system.calendar.n_steps, len(system.countries.detailed)
    dur = system.calendar.duration_h[:, None]
    hydro = np.zeros((n_t, n_c))
    np.add.at(hydro.T, system.country_index, energy_mwh.T)
    thermal = np.zeros((n_t, n_c))
    np.add.at(thermal.T, system.thermal.country, (layout.cols[n.THERMAL].take(x) * dur).T)
    lk = system.links
    imports, exports = np.zeros((n_t, n_c)), np.zeros((n_t, n_c))
    for family, send, recv in ((n.FLOW_FWD, lk.from_end, lk.to_end), (n.FLOW_BWD, lk.to_end, lk.from_end)):
        flow = layout.cols[family].take(x)
        s_in, r_in = np.flatnonzero(send >= 0), np.flatnonzero(recv >= 0)
        np.add.at(exports.T, send[s_in], (flow[:, s_in] * dur).T)
        np.add.at(imports.T, recv[r_in], (flow[:, r_in] * lk.efficiency[r_in] * dur).T)
    return {
        "demand_mwh": system.countries.demand_mw * dur,
        "unserved_mwh": layout.cols[n.UNSERVED].take(x) * dur,
        "hydro_mwh": hydro,
        "thermal_mwh": thermal,
        "imports_mwh": imports,
        "exports_mwh": exports,
        "price_usd_per_mwh": layout.rows[n.POWER_BALANCE].take(sol.row_dual) / (dur * step_weights(system)[:, None]),
    }


def _link_values(system: System, x: Array, layout: n.Layout) -> dict[str, Array]:
    """Per link and step: flows sent at each origin, capacity, tariff revenue and market value."""
    lk = system.links
    n_t = system.calendar.n_steps
    if not lk.ids:
        empty = np.zeros((n_t, 0))
        names = ("flow_fwd_mw", "flow_bwd_mw", "link_capacity_mw", "link_revenue_usd", "market_value_usd")
        return dict.fromkeys(names, empty)
    dur = system.calendar.duration_h[:, None]
    fwd, bwd = layout.cols[n.FLOW_FWD].take(x), layout.cols[n.FLOW_BWD].take(x)
    to_partner_fwd, to_partner_bwd = lk.to_end < 0, lk.from_end < 0
    sent_to_partner = (fwd * to_partner_fwd + bwd * to_partner_bwd) * dur
    delivered_to_partner = (fwd * lk.efficiency * to_partner_fwd + bwd * lk.efficiency * to_partner_bwd) * dur
    exp_price, imp_price = np.nan_to_num(lk.export_price_usd_per_mwh), np.nan_to_num(lk.import_price_usd_per_mwh)
    market = exp_price * delivered_to_partner - imp_price * dur * (fwd * (lk.from_end < 0) + bwd * (lk.to_end < 0))
    return {
        "flow_fwd_mw": fwd,
        "flow_bwd_mw": bwd,
        "link_capacity_mw": lk.capacity_mw,
        "link_revenue_usd": np.nan_to_num(lk.tariff_usd_per_mwh) * sent_to_partner,
        "market_value_usd": market,
    }


def _release_values(system: System, x: Array, layout: n.Layout) -> dict[str, Array]:
    """Per minimum-release row: required, released, shortfall and its cost."""
    rel = system.releases
    if rel.empty:
        return {k: np.zeros(0) for k in ("required_m3s", "released_m3s", "shortfall_m3s", "shortfall_cost_usd")}
    cal = system.calendar
    stage = rel["stage"].to_numpy(dtype=np.int64)
    plant = rel["plant"].to_numpy(dtype=np.int64)
    hours = cal.stage_hours[stage]
    steps = steps_of_stage(system)[stage]
    turb = layout.cols[n.TURBINE].take(x)[steps, plant[:, None]]
    released = (turb * cal.duration_h[steps]).sum(axis=1) / hours + layout.cols[n.SPILL].take(x)[stage, plant]
    slack = layout.cols[n.RELEASE_SLACK].take(x)
    return {
        "required_m3s": rel["required_m3s"].to_numpy(dtype=np.float64),
        "released_m3s": released,
        "shortfall_m3s": slack / (K * hours),
        "shortfall_cost_usd": slack * rel["penalty_usd_per_hm3"].to_numpy(dtype=np.float64),
    }


def solution_data(
    system: System,
    sol: LPSolution,
    layout: n.Layout,
    inflow_m3s: Array,
    heads_m: Array,
    lin: Linearisation | None = None,
) -> tuple[dict[str, tuple[tuple[str, ...], Array]], Array]:
    """Return the data variables of :func:`extract_solution` (name → dims and values) and its ``term`` labels.

    The arrays without the Dataset around them: ensemble workers stack several members' into one
    Dataset with a leading ``member`` dimension (:func:`aralnexus.ensemble.outputs.member_stack`).
    """
    plants = _plant_values(system, sol.x, layout, inflow_m3s, heads_m, lin)
    values = {
        **plants,
        **_water_values(system, sol, layout, heads_m),
        **_country_values(system, sol, layout, plants["energy_mwh"]),
        **_link_values(system, sol.x, layout),
        **_release_values(system, sol.x, layout),
    }
    terms = objective_terms(layout, system, sol.x, power_coefficients(system, heads_m))
    data: dict[str, tuple[tuple[str, ...], Array]] = {k: (VARIABLE_DIMS[k], v) for k, v in values.items()}
    data["objective_musd"] = (("term",), terms["value_musd"].to_numpy(dtype=np.float64))
    return data, terms["term"].to_numpy(dtype=object)


def extract_solution(
    system: System,
    sol: LPSolution,
    layout: n.Layout,
    inflow_m3s: Array,
    heads_m: Array,
    convergence: Convergence,
    seconds: float,
    metadata: dict[str, str] | None = None,
    lin: Linearisation | None = None,
) -> xr.Dataset:
    """Return the labelled solution (dims ``step``, ``stage``, ``plant``, ``country``, ``link``, ``release``, ``term``).

    ``lin`` is the linearisation the last LP used (its head–storage term enters ``power_mw``).
    """
    data, terms = solution_data(system, sol, layout, inflow_m3s, heads_m, lin)
    coords = solution_coords(system) | {"term": terms}
    return xr.Dataset(data, coords=coords, attrs=convergence_attrs(convergence, seconds, dict(metadata or {})))


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
    """Build :class:`Results` (the tidy view of :func:`extract_solution`, the Dataset attached)."""
    solution = extract_solution(system, sol, layout, inflow_m3s, heads_m, convergence, seconds, metadata, lin)
    return results_view(solution)
