"""Shared solves of the metric tests: one short default pathway, optimised once per session."""

from __future__ import annotations

import functools

import xarray as xr

from aralnexus.data.dataset import load_default
from aralnexus.dispatch.api import optimise_system
from aralnexus.dispatch.inputs import climatology_inflows, plant_inflows_m3s
from aralnexus.results.tables import Results
from aralnexus.system.system import build_system_from_dataset

START, END = "2027-04", "2029-03"


@functools.cache
def short_results() -> Results:
    """Return the default network optimised April 2027 – March 2029 (fixed heads, climatology)."""
    dataset = load_default()
    system = build_system_from_dataset(dataset, START, END, "monthly")
    inflow = plant_inflows_m3s(system, climatology_inflows(dataset, START, END))
    return optimise_system(system, inflow, "fixed")


def short_solution() -> xr.Dataset:
    """Return the labelled solution of :func:`short_results`."""
    solution = short_results().solution
    assert solution is not None
    return solution
