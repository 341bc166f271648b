"""Shared fixtures: the default network over a fully built horizon and a few synthetic members."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
import xarray as xr

from aralnexus.hydrology import sample_members
from aralnexus.scenario import load_scenario
from aralnexus.scenario.model import Scenario
from aralnexus.system import System, build_system

#: Every plant is fully built from 2033-01, so pywr can take the first stage's bounds.
START, END = "2034-01", "2036-12"


@functools.cache
def default_scenario() -> Scenario:
    return load_scenario("default")


@functools.cache
def default_system(start: str = START, end: str = END) -> System:
    """The default system, with its start storages stated: the data's, within the first month's bounds.

    (The engine is compared with pywr from a known state; a run would take them from a median run.)
    """
    scenario = default_scenario()
    plain = build_system(scenario, start, end, "monthly")
    data = plain.plants["storage_initial_hm3"].fillna(plain.plants["storage_full_hm3"]).to_numpy(dtype=float)
    stated = np.clip(data, plain.staging.storage_min_hm3[0], plain.staging.storage_max_hm3[0])
    pairs = tuple(sorted(zip(plain.plant_ids, (float(v) for v in stated), strict=True)))
    return build_system(dataclasses.replace(scenario, initial_storage_hm3=pairs), start, end, "monthly")


@functools.cache
def default_members(n: int, start: str = START, end: str = END) -> xr.DataArray:
    return sample_members(default_scenario(), n, start, end, seed=7)


@pytest.fixture(scope="session")
def system() -> System:
    return default_system()


@pytest.fixture(scope="session")
def members() -> xr.DataArray:
    return default_members(8)


def random_inflows(system: System, rng: np.random.Generator, n_members: int, scale: float = 300.0) -> xr.DataArray:
    """Random non-negative monthly inflows ``(member, time, site)`` for every site of ``system``."""
    sites = sorted(system.site_plant)
    times = system.calendar.stage_month_start
    flows = rng.gamma(0.8, scale, size=(n_members, len(times), len(sites)))
    flows[rng.random(flows.shape) < 0.1] = 0.0
    return xr.DataArray(
        flows,
        dims=("member", "time", "site"),
        coords={"member": np.arange(n_members), "time": times, "site": sites},
        name="inflow_m3s",
    )
