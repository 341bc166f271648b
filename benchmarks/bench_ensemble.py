"""Ensemble benchmarks: one function per case, listed in :data:`CASES` and run by :func:`run`.

Cases
-----
``simulator-vs-pywr``
    The vectorised simulator (:func:`aralnexus.simulate.simulate`, default rule curves) against
    pywr 1.29 on the same default network (13 plants, both rivers), monthly, 2034–2043. Ours runs
    1,000 members × 10 years (10,000 member-years) in one call (best of 3); pywr runs member 0 × 10
    years (build + run) with the reservoirs' releases of our member 0 replayed (the formulation of
    ``tests/simulate/test_against_pywr.py``), so both follow the same trajectory
    (``member0_storage_gap_hm3``). Times are normalised per member-year; ``ratio`` = ours / pywr
    per member-year.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

START, END, YEARS = "2034-01", "2043-12", 10
SIM_MEMBERS = 1_000


def simulator_vs_pywr() -> dict[str, object]:
    """Time the simulator on 10,000 member-years against pywr on one member-decade."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "simulate"))
    from pywr_network import build_pywr

    from aralnexus.hydrology import sample_members
    from aralnexus.scenario import load_scenario
    from aralnexus.simulate import default_rules, min_release_m3s, simulate
    from aralnexus.simulate.engine import member_plant_inflows_m3s
    from aralnexus.system import build_system

    scenario = load_scenario("default")
    system = build_system(scenario, START, END, "monthly")
    inflows = sample_members(scenario, SIM_MEMBERS, START, END, seed=7)
    natural = member_plant_inflows_m3s(system, inflows.isel(member=[0]))[0][0]
    rules = default_rules(system)

    ours_s = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        simulate(system, inflows, rules)
        ours_s = min(ours_s, time.perf_counter() - t0)

    replay = simulate(system, inflows.isel(member=[0]), rules, head_at="start")
    met = np.minimum(min_release_m3s(system), replay.release_m3s[0])
    t0 = time.perf_counter()
    net = build_pywr(system, natural, replay.turbined_m3s[0], system.curves.has_curve, min_flow_m3s=met)
    net.model.run()
    pywr_s = time.perf_counter() - t0
    gap = float(np.abs(net.arrays()["storage_hm3"] - replay.storage_hm3[0]).max())

    ours_per = ours_s / (SIM_MEMBERS * YEARS)
    pywr_per = pywr_s / YEARS
    return {
        "case": "simulator-vs-pywr",
        "ours_s": ours_s,
        "anchor": "pywr",
        "anchor_s": pywr_s,
        "ratio": ours_per / pywr_per,
        "ours_member_years": SIM_MEMBERS * YEARS,
        "anchor_member_years": YEARS,
        "ours_per_member_year_s": ours_per,
        "anchor_per_member_year_s": pywr_per,
        "plants": system.n_plants,
        "member0_storage_gap_hm3": gap,
    }


#: The cases of this group, in order (each returns one result line).
CASES: list[Callable[[], dict[str, object]]] = [
    simulator_vs_pywr,
]


def run() -> list[dict[str, object]]:
    """Run every case of the ensemble group."""
    return [case() for case in CASES]
