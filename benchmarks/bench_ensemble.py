"""Ensemble benchmarks: one function per case, listed in :data:`CASES` and run by :func:`run`.

Cases
-----
``simulator-vs-pywr``
    The vectorised simulator (:func:`aralnexus.simulate.simulate`, default rule curves) against
    pywr 1.29 on the same default network (all plants, both rivers, irrigation withdrawals left out as
    in the test, since pywr's ``Catchment`` takes no negative inflow), monthly, 2034–2043. Ours runs
    1,000 members × 10 years (10,000 member-years) in one call (best of 3); pywr runs member 0 × 10
    years (build + run) with the reservoirs' releases of our member 0 replayed (the formulation of
    ``tests/simulate/test_against_pywr.py``), so both follow the same trajectory
    (``member0_storage_gap_hm3``). Times are normalised per member-year; ``ratio`` = ours / pywr
    per member-year.
``dask-2-vs-1-workers``
    A 200-member optimised ensemble of the default pathway exactly as ``aralnexus ensemble default
    --members 200`` runs it (default scenario and horizon 2025–2035 plus its 12-month look-ahead,
    ``iterate`` heads: each member's head iteration to the optimiser's tolerance) on a local Dask
    cluster of 2 single-threaded workers against 1 worker; each time includes the workers' LP build
    and median-run head iteration, not the cluster start. Target ratio ≤ 0.6. Both clusters run
    with :data:`aralnexus.ensemble.dask_config.BATCH_CONFIG` (Dask's 10 ms worker profiler off,
    its 20 ms event-loop ticks and memory/system polls slowed to seconds), the setting
    docs/ensembles.md recommends for ensemble clusters.
``dask-2-vs-1-workers-dask-defaults``
    The same on clusters with Dask's default, interactive settings, so their cost stays visible.
``dask-2-vs-1-workers-median``
    The same with ``--heads median`` (one LP solve per member, ~0.45 s): the screening mode, where
    the parent's and Dask's own work weigh more. Three pairs, the median ratio and all three shown.
``dask-2-vs-1-workers-median-dask-defaults``
    The same with Dask's default settings.
``dask-2-vs-1-workers-short``
    ``median`` heads on a 2025–2026 horizon, where members are so cheap (~20 ms) that the fixed
    costs per worker (imports, LP build, median run) and the parent's bookkeeping weigh most:
    reported so the scaling limit stays visible.

Every Dask case runs its 1- and 2-worker ensembles in pairs, alternating which goes first, after
one untimed preparation of the scenario in the parent (so neither side pays the parent's first
imports); with several pairs, ``ours_s``/``anchor_s`` are medians, ``ratio`` the median of the
pairs' ratios and ``ratios`` lists them all.
``member-iterate-heads``
    Seconds per ensemble member with ``--heads iterate`` (the optimiser's head iteration and its
    final solve at fixed heads) against the same members with ``--heads median`` (one LP), same
    run, one process; target ratio ≤ 2.5.
``ensemble-memory``
    Peak RSS (parent + all worker processes, psutil sampling every 0.1 s) of a local ensemble of
    4N members against N members (N = 25, horizon 2025, 2 workers): ``memory_ratio`` ≈ 1 means
    memory stays flat as N grows; ``ratio`` is the time ratio (≈ 4).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from aralnexus.ensemble.solver import HeadStrategy

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
    # without irrigation withdrawals, as in tests/simulate/test_against_pywr.py: the pywr twin models
    # storage routing only (a withdrawal is a negative natural inflow, which a pywr Catchment cannot take)
    system = dataclasses.replace(build_system(scenario, START, END, "monthly"), withdrawal_m3s=None)
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


#: Members of the optimised-ensemble cases (``ARALNEXUS_BENCH_MEMBERS`` overrides, e.g. for a quick look).
OPT_MEMBERS = 200
OPT_START, OPT_END, OPT_HORIZON = "2025-01", "2035-12", "2025-2035"
SHORT_START, SHORT_END, SHORT_HORIZON = "2025-01", "2026-12", "2025-2026"
MEM_START, MEM_END = "2025-01", "2025-12"


class _PeakRss:
    """Sample the RSS of this process and all its descendants every 0.1 s; keep the peak (MB)."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self._stop.wait(0.1)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _dask_ensemble_s(
    n_workers: int, members: int, folder: Path, start: str, end: str, heads: HeadStrategy, dask_config: str
) -> float:
    import dask
    from distributed import Client, LocalCluster

    from aralnexus.ensemble.dask_config import BATCH_CONFIG
    from aralnexus.ensemble.runner import EnsembleSpec, run_ensemble

    spec = EnsembleSpec("default", members=members, seed=11, start=start, end=end, heads=heads)
    with (
        dask.config.set(BATCH_CONFIG if dask_config == "batch" else {}),
        LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        t0 = time.perf_counter()
        outcome = run_ensemble(spec, folder / f"dask{n_workers}-{time.monotonic_ns()}.duckdb", client=client)
        seconds = time.perf_counter() - t0
    if not outcome.complete:
        raise RuntimeError(f"ensemble on {n_workers} Dask worker(s) incomplete: {outcome.runs}")
    return seconds


def dask_2_vs_1_workers() -> dict[str, object]:
    """Time ``aralnexus ensemble default --members 200`` (iterate heads) on 2 local Dask workers against 1."""
    return _dask_case("dask-2-vs-1-workers", OPT_START, OPT_END, OPT_HORIZON, "iterate", repeats=1)


def dask_2_vs_1_workers_dask_defaults() -> dict[str, object]:
    """The same on a cluster with Dask's default (interactive) settings."""
    name = "dask-2-vs-1-workers-dask-defaults"
    return _dask_case(name, OPT_START, OPT_END, OPT_HORIZON, "iterate", repeats=1, dask_config="defaults")


def dask_2_vs_1_workers_median() -> dict[str, object]:
    """The same with ``--heads median`` (one LP solve per member): three pairs, median ratio."""
    return _dask_case("dask-2-vs-1-workers-median", OPT_START, OPT_END, OPT_HORIZON, "median", repeats=3)


def dask_2_vs_1_workers_median_dask_defaults() -> dict[str, object]:
    """``median`` heads on a cluster with Dask's default settings: three pairs, median ratio."""
    return _dask_case(
        "dask-2-vs-1-workers-median-dask-defaults",
        OPT_START,
        OPT_END,
        OPT_HORIZON,
        "median",
        repeats=3,
        dask_config="defaults",
    )


def dask_2_vs_1_workers_short() -> dict[str, object]:
    """``median`` heads on a two-year horizon (cheap members: the fixed costs per worker weigh most)."""
    return _dask_case("dask-2-vs-1-workers-short", SHORT_START, SHORT_END, SHORT_HORIZON, "median", repeats=3)


def _dask_case(
    name: str,
    start: str,
    end: str,
    horizon: str,
    heads: HeadStrategy,
    repeats: int,
    dask_config: str = "batch",
) -> dict[str, object]:
    import os
    import statistics
    import tempfile

    from aralnexus.ensemble.solver import median_hydrology
    from aralnexus.pathways.runner import prepare_scenario

    members = int(os.environ.get("ARALNEXUS_BENCH_MEMBERS", OPT_MEMBERS))
    repeats = int(os.environ.get("ARALNEXUS_BENCH_REPEATS", repeats))
    median_hydrology(prepare_scenario("default", start, end))  # the parent's first imports, untimed
    ones: list[float] = []
    twos: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for pair in range(repeats):
            order = (1, 2) if pair % 2 == 0 else (2, 1)
            for n_workers in order:
                seconds = _dask_ensemble_s(n_workers, members, Path(tmp), start, end, heads, dask_config)
                (ones if n_workers == 1 else twos).append(seconds)
    ratios = [two / one for one, two in zip(ones, twos, strict=True)]
    return {
        "case": name,
        "ours_s": statistics.median(twos),
        "anchor": "dask-1-worker",
        "anchor_s": statistics.median(ones),
        "ratio": statistics.median(ratios),
        "ratios": ",".join(f"{r:.3f}" for r in ratios),
        "members": members,
        "horizon": horizon,
        "heads": heads,
        "dask_config": dask_config,
        "cores": os.cpu_count(),
        "target_ratio": 0.6,
    }


def _local_ensemble(members: int, folder: Path) -> tuple[float, float]:
    from aralnexus.ensemble.runner import EnsembleSpec, run_ensemble

    spec = EnsembleSpec("default", members=members, seed=5, start=MEM_START, end=MEM_END, workers=2, heads="median")
    with _PeakRss() as rss:
        t0 = time.perf_counter()
        outcome = run_ensemble(spec, folder / f"mem{members}.duckdb")
        seconds = time.perf_counter() - t0
    if not outcome.complete:
        raise RuntimeError(f"{members}-member ensemble incomplete")
    return seconds, rss.peak_mb


def ensemble_memory() -> dict[str, object]:
    """Peak RSS (parent + workers) of a local ensemble of N and of 4N members: flat memory means ratio ≈ 1."""
    import os
    import tempfile

    n = int(os.environ.get("ARALNEXUS_BENCH_MEMORY_MEMBERS", 25))
    with tempfile.TemporaryDirectory() as tmp:
        small_s, small_mb = _local_ensemble(n, Path(tmp))
        large_s, large_mb = _local_ensemble(4 * n, Path(tmp))
    return {
        "case": "ensemble-memory",
        "ours_s": large_s,
        "anchor": f"{n}-members",
        "anchor_s": small_s,
        "ratio": large_s / small_s,
        "members": 4 * n,
        "anchor_members": n,
        "peak_rss_mb": large_mb,
        "anchor_peak_rss_mb": small_mb,
        "memory_ratio": large_mb / small_mb,
        "horizon": "2025",
        "workers": 2,
    }


#: Members of ``member-iterate-heads`` (``ARALNEXUS_BENCH_HEAD_MEMBERS`` overrides).
HEAD_MEMBERS = 8


def member_iterate_heads() -> dict[str, object]:
    """Seconds per member with ``iterate`` heads against the same members with ``median`` heads, same run.

    One :class:`~aralnexus.ensemble.solver.MemberSolver` per strategy (default scenario, 2025–2035
    plus its look-ahead, one HiGHS thread), the same seeded members, solved alternately so that
    both see the same machine load. Times are the members' ``solve`` (restore the start, head
    iteration or single solve), not the solvers' setup (the median run, shared by both strategies
    and reported as ``setup_s``).
    """
    import os
    import statistics

    from aralnexus.ensemble.inflows import member_inflows
    from aralnexus.ensemble.solver import MemberSolver, SolverOptions, median_hydrology
    from aralnexus.pathways.runner import prepare_scenario

    members = int(os.environ.get("ARALNEXUS_BENCH_HEAD_MEMBERS", HEAD_MEMBERS))
    scenario = prepare_scenario("default", OPT_START, OPT_END)
    median = median_hydrology(scenario)
    t0 = time.perf_counter()
    iterate = MemberSolver(scenario, SolverOptions(heads="iterate"), median)
    setup_s = time.perf_counter() - t0
    fixed = MemberSolver(scenario, SolverOptions(heads="median"), median)
    inflows = member_inflows(scenario, list(range(members)), OPT_START, OPT_END, 11)
    it_s: list[float] = []
    med_s: list[float] = []
    solves: list[int] = []
    gaps: list[float] = []
    changes: list[float] = []
    for m in range(members):
        one = inflows.isel(member=m, drop=True)
        t0 = time.perf_counter()
        exact = iterate.solve(m, one)
        it_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        approx = fixed.solve(m, one)
        med_s.append(time.perf_counter() - t0)
        solves.append(exact.convergence.iterations)
        changes.append(approx.convergence.max_head_change_pct)
        gaps.append(abs(approx.solution.objective - exact.solution.objective) / abs(exact.solution.objective))
    ours, anchor = statistics.mean(it_s), statistics.mean(med_s)
    return {
        "case": "member-iterate-heads",
        "ours_s": ours,
        "anchor": "median-heads",
        "anchor_s": anchor,
        "ratio": ours / anchor,
        "members": members,
        "horizon": OPT_HORIZON,
        "iterate_lp_solves_mean": statistics.mean(solves),
        "iterate_lp_solves_max": max(solves),
        "median_head_change_pct_max": max(changes),
        "median_objective_gap_max": max(gaps),
        "setup_s": setup_s,
        "target_ratio": 2.5,
    }


#: The cases of this group, in order (each returns one result line).
CASES: list[Callable[[], dict[str, object]]] = [
    simulator_vs_pywr,
    dask_2_vs_1_workers,
    dask_2_vs_1_workers_dask_defaults,
    dask_2_vs_1_workers_median,
    dask_2_vs_1_workers_median_dask_defaults,
    dask_2_vs_1_workers_short,
    ensemble_memory,
    member_iterate_heads,
]


def run(only: str | None = None) -> list[dict[str, object]]:
    """Run every case of the ensemble group, or only the cases whose name contains ``only``.

    ``ARALNEXUS_BENCH_CASE`` gives ``only`` from the command line, e.g.
    ``ARALNEXUS_BENCH_CASE=member-iterate-heads python benchmarks/run.py ensemble``.
    """
    import os

    only = only if only is not None else os.environ.get("ARALNEXUS_BENCH_CASE")
    chosen = [case for case in CASES if not only or only.replace("-", "_") in case.__name__]
    return [case() for case in chosen]
