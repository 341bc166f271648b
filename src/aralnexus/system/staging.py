"""Commissioning schedules → per-stage arrays of plant capacity, turbine limit and storage bounds.

Rules
-----
- A plant is in service from ``in_service`` (plants table) or from the first ``plant_schedule``
  row, whichever is earlier. A plant with neither is not built.
- Where ``plant_schedule`` rows exist, the latest row dated on or before the stage sets capacity,
  and (when given) the storage at full supply level and the full supply level.
- A plant not in service passes water through: capacity 0, storage bounds 0 (spill carries it).
- Turbine discharge limit scales with the units in service (``units`` in the schedule over
  ``units`` in the plants table; units are identical); where the schedule gives no unit count it
  scales with installed capacity. Units count, not capacity, because early units may run with
  temporary low-head runners (Rogun 2018–2027: 2 of 6 units, 240 of 3780 MW) that pass their
  full share of the design discharge at a reduced head.
- Dead storage (and the minimum operating level) come from the schedule when given; otherwise
  dead storage scales with the storage at full supply level while a dam is being raised
  (assumption: the same share of the pool is below the intake).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

Array2D = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Staging:
    """Per-(stage, plant) arrays that follow the commissioning schedule.

    Parameters
    ----------
    in_service
        Boolean ``(S, P)``: plant generating or storing in the stage.
    capacity_mw
        Installed capacity ``(S, P)``.
    turbine_max_m3s
        Turbine discharge limit ``(S, P)``.
    storage_min_hm3, storage_max_hm3
        Storage bounds ``(S, P)`` at the end of each stage.
    level_full_m
        Full supply level allowed in the stage ``(S, P)`` (NaN for fixed-head plants).
    level_dead_m
        Minimum operating level in the stage ``(S, P)`` when the schedule gives one, else NaN.
    """

    in_service: npt.NDArray[np.bool_]
    capacity_mw: Array2D
    turbine_max_m3s: Array2D
    storage_min_hm3: Array2D
    storage_max_hm3: Array2D
    level_full_m: Array2D
    level_dead_m: Array2D


def _month_stamp(values: pd.Series) -> pd.Series:
    text = values.fillna("").astype(str).str.strip().str[:7]
    return pd.to_datetime(text.where(text != "", None) + "-01", errors="coerce")


def build_staging(plants: pd.DataFrame, schedule: pd.DataFrame, stage_times: pd.DatetimeIndex) -> Staging:
    """Compute the per-stage plant arrays.

    Parameters
    ----------
    plants
        The ``plants`` table.
    schedule
        The ``plant_schedule`` table.
    stage_times
        Start of every water stage.
    """
    n_s, n_p = len(stage_times), len(plants)
    times = stage_times.to_numpy()
    in_service_date = _month_stamp(plants["in_service"]).to_numpy()
    full_cap = plants["capacity_mw"].to_numpy(dtype=np.float64)
    full_stor = plants["storage_full_hm3"].to_numpy(dtype=np.float64)
    dead_stor = plants["storage_dead_hm3"].to_numpy(dtype=np.float64)
    full_level = plants["level_full_m"].to_numpy(dtype=np.float64)
    turb = plants["turbine_max_m3s"].to_numpy(dtype=np.float64)
    full_units = plants["units"].to_numpy(dtype=np.float64) if "units" in plants.columns else np.full(n_p, np.nan)

    built = np.zeros((n_s, n_p), dtype=bool)
    ok = ~pd.isna(in_service_date)
    built[:, ok] = times[:, None] >= in_service_date[None, ok]
    cap = np.where(built, full_cap[None, :], 0.0)
    stor = np.where(built, full_stor[None, :], 0.0)
    level = np.broadcast_to(full_level, (n_s, n_p)).copy()
    dead = np.full((n_s, n_p), np.nan)
    level_dead = np.full((n_s, n_p), np.nan)
    unit_share = np.full((n_s, n_p), np.nan)  # units in service / all units, where the schedule says
    optional = [(c, t) for c, t in (("storage_dead_hm3", dead), ("level_dead_m", level_dead)) if c in schedule.columns]

    sched = schedule.assign(_date=_month_stamp(schedule["date"])).dropna(subset=["_date"])
    index = {p: i for i, p in enumerate(plants["plant"])}
    for plant, rows in sched.sort_values("_date").groupby("plant", sort=False):
        p = index.get(str(plant))
        if p is None:
            continue  # unknown plants are reported by the scenario checks
        dates = rows["_date"].to_numpy()
        row = np.searchsorted(dates, times, side="right") - 1  # latest row on or before each stage
        active = row >= 0
        built[active, p] = True
        cap[active, p] = rows["capacity_mw"].to_numpy(dtype=np.float64)[row[active]]
        for column, target, fallback in (
            ("storage_full_hm3", stor, full_stor[p]),
            ("level_full_m", level, full_level[p]),
        ):
            values = rows[column].to_numpy(dtype=np.float64)[row[active]]
            target[active, p] = np.where(np.isnan(values), fallback, values)
        for column, target in optional:
            target[active, p] = rows[column].to_numpy(dtype=np.float64)[row[active]]
        if "units" in rows.columns and full_units[p] > 0:
            unit_share[active, p] = rows["units"].to_numpy(dtype=np.float64)[row[active]] / full_units[p]

    ratio = np.divide(cap, full_cap[None, :], out=np.zeros_like(cap), where=full_cap[None, :] > 0)
    ratio = np.where(np.isnan(unit_share), ratio, np.clip(unit_share, 0.0, 1.0))
    turbine = np.where(built, turb[None, :] * ratio, 0.0)
    share_dead = np.divide(dead_stor, full_stor, out=np.zeros_like(dead_stor), where=full_stor > 0)
    stor = np.where(built, stor, 0.0)
    smin = np.where(np.isnan(dead), stor * share_dead[None, :], dead)
    smin = np.where(built, np.minimum(smin, stor), 0.0)
    return Staging(
        in_service=built,
        capacity_mw=cap,
        turbine_max_m3s=turbine,
        storage_min_hm3=smin,
        storage_max_hm3=stor,
        level_full_m=level,
        level_dead_m=level_dead,
    )
