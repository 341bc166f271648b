"""A stored run's solution as one labelled ``xarray.Dataset`` (for ``results export --format netcdf``).

The one place the store's tidy result tables become named dimensions:

``step``
    Power steps; coordinates ``time`` (start of the water stage), ``year``, ``month``, ``block``,
    ``duration_h`` and ``step_stage``.
``stage``
    Water stages (months, or hours); coordinate ``stage_time``.
``plant``, ``country``, ``link``
    Elements; ``plant_country`` and ``river`` on plants, ``from_country`` and ``to_country`` on links.
``release``
    Minimum-release rows; coordinates ``point``, ``agreement`` and ``release_time``.
``term``, ``violation``
    Objective terms; named violations (``constraint``, ``element``, ``period``, ``violation_unit``).

Variables keep the tables' column names and units (``energy_mwh``, ``storage_hm3`` …); link
variables are prefixed ``link_``. Plant values that are per water stage in the model (inflow,
spill, storage, level, head) are on ``(stage, plant)``; everything else per power step is on
``(step, …)``. Run provenance (scenario, kind, horizon, resolution, status …) is in ``attrs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.results import tables as rt
from aralnexus.store.store import Store

#: Plant columns that the model holds per water stage (equal for every step of a stage).
STAGE_PLANT_COLUMNS: tuple[str, ...] = ("inflow_m3s", "spilled_m3s", "storage_hm3", "level_m", "head_m")
#: Tables the labelled solution is built from.
SOLUTION_TABLES: tuple[str, ...] = ("plants", "countries", "links", "reservoirs", "releases", "objective", "violations")


def _text(values: pd.Series) -> np.ndarray:
    """Return strings as a plain object array (netCDF writes those; pandas' ``str`` dtype it does not)."""
    return np.asarray(values.fillna("").astype(str).to_numpy(dtype=object), dtype=object)


def _grid(frame: pd.DataFrame, keys: tuple[str, str], values: list[str], rename: dict[str, str]) -> xr.Dataset:
    """Pivot a tidy frame on two key columns into variables on those dimensions."""
    if frame.empty or not values:
        return xr.Dataset()
    indexed = frame.drop_duplicates(list(keys)).set_index(list(keys))[values].astype("float64")
    return xr.Dataset.from_dataframe(indexed).rename({k: v for k, v in rename.items() if k in values})


def _step_coords(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the step table (step → time, year, month, block, duration_h, stage) and the stage table."""
    frames = [
        tables[name][list(rt.TIME_COLUMNS)] for name in ("plants", "countries", "links") if not tables[name].empty
    ]
    steps = pd.concat(frames).drop_duplicates("step").sort_values("step").reset_index(drop=True)
    stage_times = pd.Index(pd.to_datetime(steps["time"]).unique()).sort_values()
    steps["stage"] = stage_times.get_indexer(pd.DatetimeIndex(steps["time"]))
    stages = pd.DataFrame({"stage": np.arange(len(stage_times)), "stage_time": stage_times})
    return steps, stages


def solution_dataset(tables: dict[str, pd.DataFrame], attrs: dict[str, Any] | None = None) -> xr.Dataset:
    """Return the labelled solution from a run's result tables (columns as in :mod:`aralnexus.results.tables`)."""
    steps, stages = _step_coords(tables)
    stage_of_time = dict(zip(stages["stage_time"], stages["stage"], strict=True))
    plants = tables["plants"].assign(stage=lambda f: pd.to_datetime(f["time"]).map(stage_of_time))
    step_values = [c for c in rt.PLANT_COLUMNS if c not in {*rt.TIME_COLUMNS, "plant", "country", "river"}]
    parts = [
        _grid(plants, ("step", "plant"), [c for c in step_values if c not in STAGE_PLANT_COLUMNS], {}),
        _grid(plants, ("stage", "plant"), list(STAGE_PLANT_COLUMNS), {}),
        _grid(
            tables["countries"],
            ("step", "country"),
            [c for c in rt.COUNTRY_COLUMNS if c not in {*rt.TIME_COLUMNS, "country"}],
            {},
        ),
        _grid(
            tables["links"],
            ("step", "link"),
            ["flow_mw", "energy_mwh", "capacity_mw", "revenue_usd"],
            {c: f"link_{c}" for c in ("flow_mw", "energy_mwh", "capacity_mw", "revenue_usd")},
        ),
    ]
    reservoirs = tables["reservoirs"].assign(stage=lambda f: pd.to_datetime(f["time"]).map(stage_of_time))
    extra = [c for c in rt.RESERVOIR_COLUMNS if c not in {"time", "year", "month", "plant", *STAGE_PLANT_COLUMNS}]
    parts.append(_grid(reservoirs, ("stage", "plant"), extra, {}))
    ds = xr.merge(parts, compat="no_conflicts", join="outer", combine_attrs="drop")
    ds = ds.reindex(step=steps["step"].to_numpy(), stage=stages["stage"].to_numpy())
    ds = ds.assign_coords(
        time=("step", pd.to_datetime(steps["time"]).to_numpy()),
        year=("step", steps["year"].to_numpy(dtype=np.int64)),
        month=("step", steps["month"].to_numpy(dtype=np.int64)),
        block=("step", _text(steps["block"])),
        duration_h=("step", steps["duration_h"].to_numpy(dtype=np.float64)),
        step_stage=("step", steps["stage"].to_numpy(dtype=np.int64)),
        stage_time=("stage", stages["stage_time"].to_numpy()),
    )
    ds = _element_coords(ds, tables)
    ds = ds.merge(_records(tables))
    ds.attrs = {
        k: int(v) if isinstance(v, bool) else v for k, v in (attrs or {}).items() if isinstance(v, str | int | float)
    }
    return ds


def _element_coords(ds: xr.Dataset, tables: dict[str, pd.DataFrame]) -> xr.Dataset:
    """Attach per-element static columns: plant country and river, link ends."""
    if "plant" in ds.dims:
        static = tables["plants"].drop_duplicates("plant").set_index("plant").reindex(ds["plant"].to_numpy())
        ds = ds.assign_coords(
            plant_country=("plant", _text(static["country"])), river=("plant", _text(static["river"]))
        )
        ds = ds.assign_coords(plant=_text(ds["plant"].to_series()))
    if "country" in ds.dims:
        ds = ds.assign_coords(country=_text(ds["country"].to_series()))
    if "link" in ds.dims:
        static = tables["links"].drop_duplicates("link").set_index("link").reindex(ds["link"].to_numpy())
        ds = ds.assign_coords(
            from_country=("link", _text(static["from_country"])),
            to_country=("link", _text(static["to_country"])),
            link=_text(ds["link"].to_series()),
        )
    return ds


def _records(tables: dict[str, pd.DataFrame]) -> xr.Dataset:
    """Return the one-dimensional record tables: releases, objective terms, violations."""
    rel, obj, vio = tables["releases"], tables["objective"], tables["violations"]
    out = xr.Dataset(
        {
            **{c: ("release", rel[c].to_numpy(dtype=np.float64)) for c in rt.RELEASE_COLUMNS[5:]},
            "objective_musd": ("term", obj["value_musd"].to_numpy(dtype=np.float64)),
            "violation_amount": ("violation", vio["amount"].to_numpy(dtype=np.float64)),
        },
        coords={
            "point": ("release", _text(rel["point"])),
            "agreement": ("release", _text(rel["agreement"])),
            "release_time": ("release", pd.to_datetime(rel["time"]).to_numpy()),
            "term": _text(obj["term"]),
            "constraint": ("violation", _text(vio["constraint"])),
            "element": ("violation", _text(vio["element"])),
            "period": ("violation", _text(vio["period"])),
            "violation_unit": ("violation", _text(vio["unit"])),
        },
    )
    return out


def run_dataset(store: Store, run_id: str) -> xr.Dataset:
    """Return the labelled solution of a stored run (a unique id prefix is enough)."""
    full = store.resolve(run_id)
    run = store.run(full)
    attrs = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in run.items() if v is not None}
    return solution_dataset(store.tables(SOLUTION_TABLES, full), attrs)
