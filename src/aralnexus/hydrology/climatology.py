"""Inflow sites, the series they are scaled from, and the monthly climatology.

The generator works on *components* (independent-ish flow series: the dataset's base series such as
``toktogul_inflow``, or the columns of an imported record) and splits them onto inflow *sites* with a
fixed matrix: ``site_flow = split @ component_flow``. Sites that are fixed shares of one base series
therefore always stay consistent with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError, Problem
from aralnexus.units import HM3_PER_KM3, HM3_PER_M3S_HOUR, HOURS_PER_YEAR

FloatArray = npt.NDArray[np.float64]

#: Label of anything computed from the derived monthly shapes alone.
DERIVED_LABEL = "DERIVED monthly shapes (not observed)"
#: Label of anything that also uses the assumed variability.
DERIVED_ASSUMED_LABEL = "DERIVED + assumed variability (not observed)"
#: Months of the year, 1-based, for coordinates.
MONTHS = tuple(range(1, 13))
#: km3 per (m3/s mean over a 12-month year): the annual-volume convention of the derived table.
KM3_PER_M3S_YEAR = HM3_PER_M3S_HOUR * HOURS_PER_YEAR / HM3_PER_KM3


@dataclass(frozen=True)
class SiteLayout:
    """Sites, components and the split between them.

    Parameters
    ----------
    sites
        Inflow site ids (dataset order).
    site_rivers
        River of each site.
    components
        Ids of the series the generator works on (base series or record columns).
    component_rivers
        River of each component (the river of the sites it feeds).
    split
        ``(site, component)`` matrix: site flow = split @ component flows.
    """

    sites: tuple[str, ...]
    site_rivers: tuple[str, ...]
    components: tuple[str, ...]
    component_rivers: tuple[str, ...]
    split: FloatArray

    def to_sites(self, component_flows_m3s: FloatArray) -> FloatArray:
        """Map flows with the component on the last axis to flows with the site on the last axis."""
        out: FloatArray = component_flows_m3s @ self.split.T
        return out


def inflow_sites(dataset: Dataset) -> pd.DataFrame:
    """Return the inflow_sites table with a clean float ``share`` column."""
    table = dataset.inflow_sites.copy()
    table["share"] = pd.to_numeric(table["share"], errors="coerce").astype("float64")
    return table


def base_layout(dataset: Dataset) -> SiteLayout:
    """Return the layout where the components are the dataset's base series.

    Raises
    ------
    InputError
        If a site names a base series that is not in ``inflow_monthly`` or has no share.
    """
    sites = inflow_sites(dataset)
    series_known = set(dataset.inflow_monthly["series"].astype(str))
    names = [str(x) for x in sites["site"]]
    bases = [str(x) for x in sites["base_series"]]
    shares = sites["share"].to_numpy(dtype="float64")
    problems = [
        Problem("inflow_sites.csv", f"inflow_sites.{n}.base_series", "a series of inflow_monthly.csv", repr(b))
        for n, b in zip(names, bases, strict=True)
        if b not in series_known
    ]
    problems += [
        Problem("inflow_sites.csv", f"inflow_sites.{n}.share", "a share ≥ 0", repr(float(v)))
        for n, v in zip(names, shares, strict=True)
        if not np.isfinite(v) or v < 0
    ]
    if problems:
        raise InputError(problems)
    components = tuple(dict.fromkeys(bases))
    split = np.zeros((len(sites), len(components)))
    split[np.arange(len(bases)), [components.index(b) for b in bases]] = shares
    rivers = tuple(str(sites.loc[sites["base_series"] == c, "river"].iloc[0]) for c in components)
    return SiteLayout(
        sites=tuple(sites["site"].astype(str)),
        site_rivers=tuple(sites["river"].astype(str)),
        components=components,
        component_rivers=rivers,
        split=split,
    )


def series_climatology_m3s(dataset: Dataset, components: tuple[str, ...]) -> FloatArray:
    """Return the mean monthly flows ``(12, component)`` of base series from ``inflow_monthly``.

    Raises
    ------
    InputError
        If a series does not have exactly one finite value for each month 1..12.
    """
    table = dataset.inflow_monthly
    out = np.full((12, len(components)), np.nan)
    problems: list[Problem] = []
    for k, name in enumerate(components):
        rows = table[table["series"].astype(str) == name]
        months = pd.to_numeric(rows["month"], errors="coerce").to_numpy()
        values = pd.to_numeric(rows["mean_m3s"], errors="coerce").to_numpy(dtype="float64")
        if sorted(months.tolist()) != list(MONTHS) or not np.all(np.isfinite(values)) or np.any(values < 0):
            problems.append(
                Problem(
                    "inflow_monthly.csv",
                    f"inflow_monthly.{name}",
                    "12 months (1-12), each a flow ≥ 0 m3/s",
                    f"months {sorted(months.tolist())}",
                )
            )
            continue
        out[months.astype(int) - 1, k] = values
    if problems:
        raise InputError(problems)
    return out


def annual_volume_km3(monthly_m3s: FloatArray, axis: int = -2) -> FloatArray:
    """Annual volume in km3 of 12 monthly mean flows along ``axis`` (months of equal weight, 365 days)."""
    out: FloatArray = np.mean(monthly_m3s, axis=axis) * KM3_PER_M3S_YEAR
    return out
