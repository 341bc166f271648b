"""Inflows in: ``inflow_m3s[time, site]`` → natural inflow per (stage, plant) in m3/s."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError, Problem
from aralnexus.system.calendar import month_range
from aralnexus.system.system import System

Array = npt.NDArray[np.float64]


def plant_inflows_m3s(system: System, inflows: xr.DataArray) -> Array:
    """Sum site inflows into each plant's reservoir, per water stage, net of irrigation withdrawals.

    The net inflow of a point with a withdrawal can be negative: the water then comes from
    upstream releases (a canal head fed by the plant above).

    Parameters
    ----------
    system
        The system (its calendar gives the stage months).
    inflows
        ``(time, site)`` monthly flows in m3/s (time = month start); a ``member`` dimension of
        size 1 is dropped.

    Raises
    ------
    InputError
        If months of the horizon or site ids are missing or unknown, or several members are given.
    """
    da = inflows
    if "member" in da.dims:
        if da.sizes["member"] != 1:
            raise InputError([Problem("<inflows>", "member", "one member per optimisation", f"{da.sizes['member']}")])
        da = da.isel(member=0)
    times = pd.DatetimeIndex(da["time"].values).to_period("M").to_timestamp()
    need = system.calendar.stage_month_start
    pos = times.get_indexer(need)
    problems = []
    if (pos < 0).any():
        missing = sorted({t.strftime("%Y-%m") for t in need[pos < 0]})
        problems.append(
            Problem("<inflows>", "time", "a flow for every month of the horizon", f"missing {', '.join(missing[:6])}")
        )
    sites = [str(s) for s in da["site"].values]
    unknown = [s for s in sites if s not in system.site_plant]
    if unknown:
        problems.append(Problem("<inflows>", "site", "sites listed in inflow_sites.csv", ", ".join(unknown[:6])))
    if problems:
        raise InputError(problems)
    values = np.asarray(da.transpose("time", "site").values, dtype=np.float64)[pos]  # (S, n_sites)
    assign = np.zeros((len(sites), system.n_plants))
    assign[np.arange(len(sites)), [system.site_plant[s] for s in sites]] = 1.0
    net: Array = values @ assign
    if system.withdrawal_m3s is not None:
        net = net - system.withdrawal_m3s
    return net


def climatology_inflows(dataset: Dataset, start: str, end: str) -> xr.DataArray:
    """Return the dataset's mean monthly inflows (``inflow_monthly × inflow_sites.share``) over a horizon."""
    months = month_range(start, end)
    sites = dataset.inflow_sites
    table = dataset.inflow_monthly.pivot_table(index="month", columns="series", values="mean_m3s")
    table = table.reindex(np.arange(1, 13))
    base = table.reindex(columns=sites["base_series"]).to_numpy(dtype=np.float64)  # (12, n_sites)
    flows = base[months.month.to_numpy() - 1] * sites["share"].to_numpy(dtype=np.float64)[None, :]
    return xr.DataArray(
        np.nan_to_num(flows),
        dims=("time", "site"),
        coords={"time": months, "site": list(sites["site"])},
        name="inflow_m3s",
    )
