"""The labelled solution: one ``xarray.Dataset`` per solve, and the tidy tables as a view of it.

Dimensions
----------
``step``
    Power steps (load blocks of a month, or hours). Coordinates ``time`` (start of the step's water
    stage), ``year``, ``month``, ``block``, ``duration_h`` and ``step_stage`` (the stage index).
``stage``
    Water stages (months, or hours). Coordinates ``stage_time``, ``stage_year``, ``stage_month``
    and ``stage_hours``.
``plant``
    Coordinates ``plant_name`` (as written in the data, e.g. ``Kambarata-1``), ``plant_country``,
    ``river``, ``downstream`` (plant id, ``""`` at an outlet), ``is_reservoir`` and ``rated_head_m``.
``country``
    The detailed countries (own demand and plants); coordinate ``thermal_capacity_mw`` on
    ``(step, country)``: nameplate thermal capacity in service.
``link``
    Coordinates ``from_country``, ``to_country`` (decoded once, partners by code), ``efficiency``
    (1 − loss), ``tariff_usd_per_mwh`` and the partner-market prices ``export_price_usd_per_mwh``
    (paid by a partner end for energy it buys; the tariff where set) and ``import_price_usd_per_mwh``
    (paid to a partner end for energy it sells), NaN between detailed countries.
``release``
    Minimum-release rows: ``point``, ``agreement``, ``release_stage``.
``term``
    Objective terms.
``member`` (optional, leading)
    Ensemble members; every metric in :mod:`aralnexus.metrics` works with or without it.

Variables carry their unit in the name (see :data:`VARIABLE_DIMS`). Attributes: ``head_mode``,
``iterations``, ``max_head_change_pct``, ``tolerance_pct``, ``converged`` (0/1), ``solve_seconds``
and ``metadata`` (JSON), so the Dataset writes to netCDF as it is.
"""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from aralnexus.results.tables import (
    COUNTRY_COLUMNS,
    LINK_COLUMNS,
    PLANT_COLUMNS,
    RELEASE_COLUMNS,
    RESERVOIR_COLUMNS,
    TIME_COLUMNS,
    VIOLATION_COLUMNS,
    Convergence,
    Results,
    convergence_mode,
)
from aralnexus.units import MWH_PER_GWH

Array = npt.NDArray[np.float64]

#: Slack values below this are numerical noise, not violations.
SLACK_TOL = 1e-6

#: Every data variable of a solution and its dimensions (a ``member`` dimension may lead).
VARIABLE_DIMS: dict[str, tuple[str, ...]] = {
    "turbined_m3s": ("step", "plant"),
    "power_mw": ("step", "plant"),
    "energy_mwh": ("step", "plant"),
    "capacity_mw": ("step", "plant"),
    "inflow_m3s": ("stage", "plant"),
    "spilled_m3s": ("stage", "plant"),
    "storage_hm3": ("stage", "plant"),
    "storage_min_hm3": ("stage", "plant"),
    "storage_max_hm3": ("stage", "plant"),
    "level_m": ("stage", "plant"),
    "level_min_m": ("stage", "plant"),
    "level_max_m": ("stage", "plant"),
    "head_m": ("stage", "plant"),
    "water_value_usd_per_1000m3": ("stage", "plant"),
    "water_value_usd_per_mwh": ("stage", "plant"),
    "water_deficit_hm3": ("stage", "plant"),
    "demand_mwh": ("step", "country"),
    "unserved_mwh": ("step", "country"),
    "hydro_mwh": ("step", "country"),
    "thermal_mwh": ("step", "country"),
    "imports_mwh": ("step", "country"),
    "exports_mwh": ("step", "country"),
    "price_usd_per_mwh": ("step", "country"),
    "flow_fwd_mw": ("step", "link"),
    "flow_bwd_mw": ("step", "link"),
    "link_capacity_mw": ("step", "link"),
    "link_revenue_usd": ("step", "link"),
    "market_value_usd": ("step", "link"),
    "required_m3s": ("release",),
    "released_m3s": ("release",),
    "shortfall_m3s": ("release",),
    "shortfall_cost_usd": ("release",),
    "objective_musd": ("term",),
}


def convergence_attrs(convergence: Convergence, seconds: float, metadata: dict[str, str]) -> dict[str, object]:
    """Return the Dataset attributes recording how the solve ended (netCDF-safe types)."""
    return {
        "head_mode": convergence.mode,
        "iterations": int(convergence.iterations),
        "max_head_change_pct": float(convergence.max_head_change_pct),
        "tolerance_pct": float(convergence.tolerance_pct),
        "converged": int(bool(convergence.converged)),
        "solve_seconds": float(seconds),
        "metadata": json.dumps(dict(metadata), sort_keys=True),
    }


def solution_convergence(solution: xr.Dataset) -> Convergence:
    """Return the head-iteration record of a solution."""
    a = solution.attrs
    return Convergence(
        mode=convergence_mode(str(a.get("head_mode", "fixed"))),
        iterations=int(a.get("iterations", 0)),
        max_head_change_pct=float(a.get("max_head_change_pct", 0.0)),
        tolerance_pct=float(a.get("tolerance_pct", 0.0)),
        converged=bool(int(a.get("converged", 0))),
    )


def solution_metadata(solution: xr.Dataset) -> dict[str, str]:
    """Return the run metadata stored with a solution."""
    raw = solution.attrs.get("metadata", "{}")
    return {str(k): str(v) for k, v in json.loads(str(raw)).items()}


# -- the tidy tables: an export view ---------------------------------------------------------------
def _values(solution: xr.Dataset, name: str, dims: tuple[str, ...]) -> Array:
    return np.asarray(solution.variables[name].transpose(*dims).values, dtype=np.float64)


def _time_frame(solution: xr.Dataset, n_e: int) -> pd.DataFrame:
    """Step-major time columns repeated for ``n_e`` elements per step."""
    frame = pd.DataFrame({c: np.repeat(solution.variables[c].values, n_e) for c in TIME_COLUMNS if c != "step"})
    frame.insert(0, "step", np.repeat(solution.variables["step"].values.astype(np.int64), n_e))
    return frame


def _stage_frame(solution: xr.Dataset, n_e: int, index: npt.NDArray[np.int64] | None = None) -> pd.DataFrame:
    sel = slice(None) if index is None else index
    cols = {"time": "stage_time", "year": "stage_year", "month": "stage_month"}
    return pd.DataFrame({k: np.repeat(solution.variables[v].values[sel], n_e) for k, v in cols.items()})


def plants_view(solution: xr.Dataset) -> pd.DataFrame:
    """Return the ``plants`` table: per step and plant, stage quantities repeated on the stage's steps."""
    n_p = solution.sizes["plant"]
    st = solution.variables["step_stage"].values.astype(np.int64)
    frame = _time_frame(solution, n_p)
    n_t = solution.sizes["step"]
    for key, coord in (("plant", "plant"), ("country", "plant_country"), ("river", "river")):
        frame[key] = np.tile(solution.variables[coord].values.astype(object), n_t)
    for name in ("turbined_m3s", "spilled_m3s", "inflow_m3s", "storage_hm3", "level_m", "head_m"):
        grid = _values(solution, name, ("stage", "plant") if "stage" in solution[name].dims else ("step", "plant"))
        frame[name] = (grid[st] if "stage" in solution[name].dims else grid).ravel()
    for name in ("power_mw", "energy_mwh", "capacity_mw"):
        frame[name] = _values(solution, name, ("step", "plant")).ravel()
    return frame[list(PLANT_COLUMNS)]


def countries_view(solution: xr.Dataset) -> pd.DataFrame:
    """Return the ``countries`` table: per step and detailed country."""
    n_c = solution.sizes["country"]
    frame = _time_frame(solution, n_c)
    frame["country"] = np.tile(solution.variables["country"].values.astype(object), solution.sizes["step"])
    frame["served_mwh"] = 0.0
    for name in COUNTRY_COLUMNS[len(TIME_COLUMNS) + 1 :]:
        if name != "served_mwh":
            frame[name] = _values(solution, name, ("step", "country")).ravel()
    frame["served_mwh"] = frame["demand_mwh"] - frame["unserved_mwh"]
    return frame[list(COUNTRY_COLUMNS)]


def links_view(solution: xr.Dataset) -> pd.DataFrame:
    """Return the ``links`` table (plus ``market_value_usd``): signed flow from ``from_country`` to ``to_country``."""
    columns = [*LINK_COLUMNS, "market_value_usd"]
    n_l = solution.sizes["link"]
    if n_l == 0:
        return pd.DataFrame(columns=columns)
    frame = _time_frame(solution, n_l)
    n_t = solution.sizes["step"]
    for key in ("link", "from_country", "to_country"):
        frame[key] = np.tile(solution[key].values.astype(object), n_t)
    flow = _values(solution, "flow_fwd_mw", ("step", "link")) - _values(solution, "flow_bwd_mw", ("step", "link"))
    frame["flow_mw"] = flow.ravel()
    frame["energy_mwh"] = (flow * solution.variables["duration_h"].values[:, None]).ravel()
    frame["capacity_mw"] = _values(solution, "link_capacity_mw", ("step", "link")).ravel()
    frame["revenue_usd"] = _values(solution, "link_revenue_usd", ("step", "link")).ravel()
    frame["market_value_usd"] = _values(solution, "market_value_usd", ("step", "link")).ravel()
    return frame[columns]


def reservoirs_view(solution: xr.Dataset) -> pd.DataFrame:
    """Return the ``reservoirs`` table: per reservoir plant and stage."""
    keep = np.flatnonzero(solution.variables["is_reservoir"].values.astype(bool))
    n_r = len(keep)
    frame = _stage_frame(solution, n_r)
    frame["plant"] = np.tile(solution.variables["plant"].values.astype(object)[keep], solution.sizes["stage"])
    for name in RESERVOIR_COLUMNS[4:]:
        frame[name] = _values(solution, name, ("stage", "plant"))[:, keep].ravel()
    return frame[list(RESERVOIR_COLUMNS)]


def releases_view(solution: xr.Dataset) -> pd.DataFrame:
    """Return the ``releases`` table: per minimum-release row."""
    if solution.sizes.get("release", 0) == 0:
        return pd.DataFrame(columns=list(RELEASE_COLUMNS))
    stage = solution.variables["release_stage"].values.astype(np.int64)
    frame = _stage_frame(solution, 1, stage)
    frame["point"] = solution.variables["point"].values.astype(object)
    frame["agreement"] = solution.variables["agreement"].values.astype(object)
    for name in RELEASE_COLUMNS[5:]:
        frame[name] = solution[name].values.astype(np.float64)
    return frame[list(RELEASE_COLUMNS)]


def objective_view(solution: xr.Dataset) -> pd.DataFrame:
    """Return the ``objective`` table: one row per term (US$ million, revenues positive)."""
    return pd.DataFrame(
        {
            "term": solution.variables["term"].values.astype(object),
            "value_musd": solution.variables["objective_musd"].values,
        }
    )


def _period(times: npt.NDArray[np.datetime64]) -> npt.NDArray[np.object_]:
    return np.asarray(pd.DatetimeIndex(times).strftime("%Y-%m"), dtype=object)


#: Kinds of violation: (constraint label, unit, whether amounts of one element and month are summed).
_KINDS = {
    "release": ("minimum release", "m3/s", False),
    "unserved": ("unserved demand", "GWh", True),
    "water": ("water balance within storage bounds", "hm3", True),
}


def _slacks(solution: xr.Dataset) -> list[tuple[str, npt.NDArray[np.object_], npt.NDArray[np.object_], Array]]:
    """Return every slack above :data:`SLACK_TOL`: ``(kind, element or label, period, amount)`` arrays.

    The one definition of a violation: a release row short by more than the tolerance (m3/s), a
    step with unserved energy (GWh) and a stage with artificial water (hm3), each dated by its month.
    """
    out = []
    short = solution["shortfall_m3s"].values > SLACK_TOL if solution.sizes.get("release", 0) else np.zeros(0, bool)
    if short.any():
        stage = solution.variables["release_stage"].values.astype(np.int64)[short]
        agreement = solution.variables["agreement"].values[short].astype(str).astype(object)
        label = "minimum release (" + agreement + ")"
        element = solution.variables["point"].values[short].astype(object)
        keys = np.asarray([f"{a}\x00{e}" for a, e in zip(label, element, strict=True)], dtype=object)
        period = _period(solution.variables["stage_time"].values[stage])
        out.append(("release", keys, period, solution["shortfall_m3s"].values[short]))
    unserved = _values(solution, "unserved_mwh", ("step", "country"))
    t_idx, c_idx = np.nonzero(unserved > SLACK_TOL)
    if t_idx.size:
        element = solution.variables["country"].values[c_idx].astype(object)
        out.append(
            (
                "unserved",
                element,
                _period(solution.variables["time"].values[t_idx]),
                unserved[t_idx, c_idx] / MWH_PER_GWH,
            )
        )
    deficit = _values(solution, "water_deficit_hm3", ("stage", "plant"))
    s_idx, p_idx = np.nonzero(deficit > SLACK_TOL)
    if s_idx.size:
        element = solution.variables["plant"].values[p_idx].astype(object)
        out.append(("water", element, _period(solution.variables["stage_time"].values[s_idx]), deficit[s_idx, p_idx]))
    return out


def violation_count(solution: xr.Dataset) -> int:
    """Return the number of records :func:`violations_view` gives, without building the table."""
    total = 0
    for kind, element, period, _ in _slacks(solution):
        if _KINDS[kind][2]:
            total += len({(e, p) for e, p in zip(element.tolist(), period.tolist(), strict=True)})
        else:
            total += len(element)
    return total


def violations_view(solution: xr.Dataset) -> pd.DataFrame:
    """Return named non-zero slacks by month: release shortfalls, unserved demand, artificial water.

    The one place slacks become violation records (``constraint, element, period, amount, unit``):
    a release row short by more than :data:`SLACK_TOL` m3/s; a country's unserved energy summed by
    month (GWh); a plant's artificial water (``water_deficit_hm3``) summed by month (hm3).
    """
    frames: list[pd.DataFrame] = []
    for kind, element, period, amount in _slacks(solution):
        constraint, unit, summed = _KINDS[kind]
        frame: pd.DataFrame = pd.DataFrame({"element": element, "period": period, "amount": amount})
        if kind == "release":
            parts = frame["element"].str.split("\x00", n=1, expand=True)
            frame = frame.assign(constraint=parts[0], element=parts[1])
        else:
            frame = frame.assign(constraint=constraint)
        if summed:
            frame = frame.groupby(["constraint", "element", "period"], as_index=False).agg(amount=("amount", "sum"))
        frames.append(frame.assign(unit=unit))
    cols = list(VIOLATION_COLUMNS)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    return pd.concat([f[cols] for f in frames], ignore_index=True)


def results_view(solution: xr.Dataset) -> Results:
    """Return the tidy :class:`Results` tables of a (single-member) solution, with the solution attached."""
    if "member" in solution.dims:
        msg = "results_view needs one member: select it first (solution.isel(member=i))"
        raise ValueError(msg)
    return Results(
        plants=plants_view(solution),
        countries=countries_view(solution),
        links=links_view(solution),
        reservoirs=reservoirs_view(solution),
        releases=releases_view(solution),
        objective=objective_view(solution),
        violations=violations_view(solution),
        convergence=solution_convergence(solution),
        solve_seconds=float(solution.attrs.get("solve_seconds", 0.0)),
        metadata=solution_metadata(solution),
        solution=solution,
    )


def truncate_solution(solution: xr.Dataset, last: np.datetime64 | pd.Timestamp) -> xr.Dataset:
    """Keep the steps, stages and release rows that start at or before ``last`` (objective terms stay)."""
    stop = np.datetime64(pd.Timestamp(last), "ns")
    stages = solution.variables["stage_time"].values <= stop
    out = solution.isel(step=solution.variables["time"].values <= stop, stage=stages)
    if solution.sizes.get("release", 0):
        out = out.isel(release=stages[solution.variables["release_stage"].values.astype(np.int64)])
    return out
