"""Optimiser benchmarks: aralnexus vs PyPSA on the same fixed-head problem, in the same run.

Cases
-----
monthly-pathway
    The default network 2025–2035, monthly stages with 3 load blocks. Ours: build the system and
    the LP, solve (HiGHS), extract the result tables. Anchor: build the PyPSA network from the
    same system and ``n.optimize`` (linopy + HiGHS).
hourly-year
    One hourly year (2026) of the full network. Ours: a monthly plan sets end-of-month storage,
    then every month is solved hourly on its own (``optimise_hourly_by_month``). Anchor: the
    monolithic hourly LP in PyPSA; ``objective_gap`` is ours relative to that optimum.
    ``peak_mem_mb`` is the process's peak resident memory after our part (before PyPSA runs).
"""

from __future__ import annotations

import logging
import resource
import time
import warnings

import numpy as np

from aralnexus.data.dataset import load_default
from aralnexus.dispatch.api import optimise_system
from aralnexus.dispatch.decompose import optimise_hourly_by_month
from aralnexus.dispatch.inputs import climatology_inflows, plant_inflows_m3s
from aralnexus.dispatch.pypsa_network import solve_pypsa
from aralnexus.system.system import build_system_from_dataset

logging.getLogger("pypsa").setLevel(logging.ERROR)
logging.getLogger("linopy").setLevel(logging.ERROR)
warnings.filterwarnings("ignore")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def monthly_pathway() -> dict[str, object]:
    dataset = load_default()
    inflows = climatology_inflows(dataset, "2025-01", "2035-12")
    start = time.perf_counter()
    system = build_system_from_dataset(dataset, "2025-01", "2035-12", "monthly")
    inflow = plant_inflows_m3s(system, inflows)
    ours = optimise_system(system, inflow, "fixed")
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs, _ = solve_pypsa(system, inflow)
    anchor_s = time.perf_counter() - start
    gap = (-ours.objective_musd * 1e6 - theirs) / abs(theirs)
    return {
        "case": "monthly-pathway",
        "ours_s": ours_s,
        "anchor": "pypsa",
        "anchor_s": anchor_s,
        "ratio": ours_s / anchor_s,
        "objective_gap": float(gap),
        "steps": system.calendar.n_steps,
    }


def hourly_year() -> dict[str, object]:
    dataset = load_default()
    inflows = climatology_inflows(dataset, "2026-01", "2026-12")
    start = time.perf_counter()
    ours = optimise_hourly_by_month(dataset, inflows, "2026-01", "2026-12", "fixed")
    ours_s = time.perf_counter() - start
    peak = _peak_mb()
    system = build_system_from_dataset(dataset, "2026-01", "2026-12", "hourly")
    inflow = plant_inflows_m3s(system, inflows)
    start = time.perf_counter()
    theirs, _ = solve_pypsa(system, inflow)
    anchor_s = time.perf_counter() - start
    welfare = -theirs  # the monolithic optimum (PyPSA minimises cost = − welfare; no constant by default)
    gap = (welfare - ours.objective_musd * 1e6) / abs(welfare)
    return {
        "case": "hourly-year",
        "ours_s": ours_s,
        "anchor": "pypsa",
        "anchor_s": anchor_s,
        "ratio": ours_s / anchor_s,
        "objective_gap": float(gap),
        "peak_mem_mb": peak,
        "steps": system.calendar.n_steps,
    }


def run() -> list[dict[str, object]]:
    """Run every case (each builds and solves ours and PyPSA's in this process)."""
    np.seterr(all="ignore")
    return [monthly_pathway(), hourly_year()]
