"""A stored run's labelled solution (``aralnexus results export RUN_ID --format netcdf``).

There is one mapping from tidy result tables to the labelled ``xarray.Dataset``:
:func:`aralnexus.metrics.tables.solution_from_tables`, the inverse of
:func:`aralnexus.results.solution.results_view`. This module only reads a run back from the store
as :class:`~aralnexus.results.Results` (:func:`stored_results`) and hands it to that function, then
adds what the store holds besides the solution: the run's record (``attrs``: scenario, kind,
horizon, resolution, status …) and its named violations (dimension ``violation``).

The solution's dimensions, variables and units are those of every solve (``docs/metrics.md``):
``step``, ``stage``, ``plant``, ``country``, ``link``, ``release``, ``term``. Link flows are
``flow_fwd_mw`` / ``flow_bwd_mw`` (the stored signed ``flow_mw`` split by direction). Plant names
come from the run's record; link losses, tariffs and partner prices are not stored: they are the
default dataset's for a run of the default dataset without overrides, and otherwise left out.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import load_default
from aralnexus.errors import InputError, Problem
from aralnexus.metrics.tables import solution_from_tables
from aralnexus.results.tables import Convergence, Results, convergence_mode
from aralnexus.store.store import Store

#: Tables a run's labelled solution is built from.
SOLUTION_TABLES: tuple[str, ...] = ("plants", "countries", "links", "reservoirs", "releases", "objective", "violations")
#: Link coordinates that come from the dataset, not from the stored tables.
DATASET_LINK_COORDS: tuple[str, ...] = (
    "efficiency",
    "tariff_usd_per_mwh",
    "export_price_usd_per_mwh",
    "import_price_usd_per_mwh",
)


def _text(values: pd.Series) -> np.ndarray:
    """Return strings as a plain object array (netCDF writes those; pandas' ``str`` dtype it does not)."""
    return np.asarray(values.fillna("").astype(str).to_numpy(dtype=object), dtype=object)


def _metadata(run: dict[str, Any]) -> dict[str, str]:
    text = run.get("metadata")
    raw = json.loads(text) if isinstance(text, str) and text else {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}


def stored_results(store: Store, run_id: str) -> Results:
    """Return a stored run's result tables as :class:`Results` (no solution attached)."""
    full = store.resolve(run_id)
    run = store.run(full)
    tables = store.tables((*SOLUTION_TABLES, "start_storage"), full)
    convergence = Convergence(
        mode=convergence_mode(str(run.get("head_mode") or "fixed")),
        iterations=int(run.get("iterations") or 0),
        max_head_change_pct=float(run.get("max_head_change_pct") or 0.0),
        tolerance_pct=float(run.get("tolerance_pct") or 0.0),
        converged=bool(run.get("converged")),
    )
    return Results(
        plants=tables["plants"],
        countries=tables["countries"],
        links=tables["links"],
        reservoirs=tables["reservoirs"],
        releases=tables["releases"],
        objective=tables["objective"],
        violations=tables["violations"],
        convergence=convergence,
        solve_seconds=float(run.get("solve_seconds") or 0.0),
        metadata=_metadata(run),
        start_storage=tables["start_storage"],
    )


def _violations(table: pd.DataFrame) -> xr.Dataset:
    """Return the run's named violations on dimension ``violation``."""
    return xr.Dataset(
        {"violation_amount": ("violation", table["amount"].to_numpy(dtype=np.float64))},
        coords={
            "constraint": ("violation", _text(table["constraint"])),
            "element": ("violation", _text(table["element"])),
            "period": ("violation", _text(table["period"])),
            "violation_unit": ("violation", _text(table["unit"])),
        },
    )


def _netcdf_attr(value: Any) -> str | int | float | None:
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return value if isinstance(value, str | int | float) else None


def run_dataset(store: Store, run_id: str) -> xr.Dataset:
    """Return the labelled solution of a stored run (a unique id prefix is enough).

    Raises
    ------
    InputError
        If the run stored no dispatch tables (an ensemble run keeps its members' metrics only).
    """
    full = store.resolve(run_id)
    run = store.run(full)
    results = stored_results(store, full)
    if results.plants.empty and results.countries.empty:
        raise InputError(
            [
                Problem(
                    str(store.path),
                    f"run {full}",
                    "a run with dispatch result tables (plants, countries)",
                    f"a {run.get('kind')} run without them",
                    "export its tables with --format parquet or csv",
                )
            ]
        )
    overrides = store.tables(("overrides",), full)["overrides"]
    default = str(run.get("scenario_file") or "") == "default" and overrides.empty
    ds = solution_from_tables(results, load_default() if default else None)
    if not default:
        ds = ds.drop_vars([c for c in DATASET_LINK_COORDS if c in ds.coords])
    names = json.loads(results.metadata.get("plant_names", "{}"))  # as written in the run's data
    if names:
        named = [str(names.get(str(p), n)) for p, n in zip(ds["plant"].values, ds["plant_name"].values, strict=True)]
        ds = ds.assign_coords(plant_name=("plant", np.array(named, dtype=object)))
    ds = xr.merge([ds, _violations(results.violations)], combine_attrs="override")
    record = {k: _netcdf_attr(v) for k, v in run.items() if k != "metadata"}
    ds.attrs = {**{k: v for k, v in record.items() if v is not None}, **ds.attrs}
    return ds
