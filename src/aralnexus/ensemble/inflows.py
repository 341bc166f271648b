"""Inflows of chosen ensemble members, generated lazily in batches (memory stays flat in N).

:func:`aralnexus.hydrology.sample_members` draws members ``0..n−1``; a resumed ensemble needs an
arbitrary subset (the missing members) and a large one should not hold every member at once.
:func:`member_inflows` is a thin adapter over the same generator: member ``m`` depends only on
``(seed, m)``, so it equals ``sample_members(...).sel(member=m)`` exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from aralnexus.hydrology.climate import apply_climate
from aralnexus.hydrology.inflows import scenario_model, synthetic_components
from aralnexus.scenario.model import Scenario


def member_inflows(scenario: Scenario, members: Sequence[int], start: str, end: str, seed: int) -> xr.DataArray:
    """Return inflows ``(member, time, site)`` in m3/s of the given synthetic members.

    Parameters
    ----------
    scenario
        The scenario (its inflow model and climate shift are used).
    members
        Member numbers (any order, any subset).
    start, end
        First and last month ``YYYY-MM``.
    seed
        Seed of the synthetic ensemble.
    """
    model = scenario_model(scenario)
    months = pd.date_range(f"{start}-01", f"{end}-01", freq="MS")
    first_year = int(months[0].year)
    n_years = int(months[-1].year) - first_year + 1
    flows = synthetic_components(model, n_years, seed, [int(m) for m in members])
    site_flows = apply_climate(model.layout.to_sites(flows), scenario.hydrology.climate, scenario.file)
    full = pd.date_range(f"{first_year}-01-01", periods=n_years * 12, freq="MS")
    data = site_flows.reshape(len(members), n_years * 12, -1)[:, full.isin(months)]
    return xr.DataArray(
        np.ascontiguousarray(data),
        dims=("member", "time", "site"),
        coords={"member": np.asarray(members, dtype=np.int64), "time": months, "site": list(model.layout.sites)},
        name="inflow_m3s",
        attrs={"units": "m3/s", "hydrology": f"synthetic (seed {seed})"},
    )


def iter_member_inflows(
    scenario: Scenario, members: Sequence[int], start: str, end: str, seed: int, batch: int = 64
) -> Iterator[tuple[int, xr.DataArray]]:
    """Yield ``(member, inflows[time, site])`` for each member, generating ``batch`` members at a time."""
    for first in range(0, len(members), batch):
        chunk = list(members[first : first + batch])
        block = member_inflows(scenario, chunk, start, end, seed)
        for i, m in enumerate(chunk):
            yield m, block.isel(member=i, drop=True).copy()


def iter_member_chunks(
    scenario: Scenario, chunks: Sequence[tuple[int, ...]], start: str, end: str, seed: int, batch: int = 64
) -> Iterator[tuple[tuple[int, ...], xr.DataArray]]:
    """Yield ``(members, inflows[member, time, site])`` per chunk, generated in blocks of about ``batch`` members.

    A member's inflows depend only on the seed and its number, not on how members are grouped.
    """
    block: list[tuple[int, ...]] = []
    for chunk in [*chunks, ()]:  # the empty sentinel flushes the last block
        if block and (not chunk or sum(map(len, block)) + len(chunk) > max(batch, 1)):
            yield from _split(block, member_inflows(scenario, [m for c in block for m in c], start, end, seed))
            block = []
        if chunk:
            block.append(chunk)


def _split(block: list[tuple[int, ...]], inflows: xr.DataArray) -> Iterator[tuple[tuple[int, ...], xr.DataArray]]:
    """Yield each chunk of ``block`` with its rows of ``inflows`` (members in block order)."""
    first = 0
    for chunk in block:
        yield chunk, inflows.isel(member=slice(first, first + len(chunk))).copy()
        first += len(chunk)
