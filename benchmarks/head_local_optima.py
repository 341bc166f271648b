"""How good is the head iteration's local optimum? The default pathway solved several ways, exact physics each.

Usage: ``python benchmarks/head_local_optima.py [SCENARIO]`` (default ``default``, its horizon,
median hydrology, monthly). A diagnostic, not a benchmark: it prints one line per variant with the
cost of the final solve at fixed converged heads (US$ million; every variant's result has
``P = 9.81e-3 · η · H(storage) · Q`` within the head tolerance, so the costs compare), the
Kyrgyz unserved energy per year (TWh) and Toktogul's end-of-September storage (hm3):

- ``iterate``: what ``aralnexus run`` does (heads at the initial storage, storage trust region);
- ``start-rated``: the same iteration from rated heads;
- ``descent``: a trust region that keeps a step only if the exact cost falls (two LPs per step);
- ``toktogul-max-N``: the iteration with Toktogul's storage capped at N hm3 (a smaller feasible
  set: a lower cost than ``iterate`` would show that ``iterate`` stopped at a poor local optimum).
  The cap goes into a copy of the staging only: the level curves keep the reservoir's own full
  storage (``LevelCurves.v_hi_hm3`` is the staging's array, so an in-place write would also move
  the full level down to the cap and give wrong heads).

Measured at the end of stop 20 (default scenario): ``iterate`` 5,673.4 US$ million, descent
5,659.1, Toktogul capped at 16,000 / 14,000 / 12,500 hm3: 5,889.4 / 6,332.0 / 6,761.3. See
docs/optimiser.md ("How good is the local optimum?").
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def main(scenario_name: str = "default") -> None:
    """Print one line per variant (see the module notes)."""
    from aralnexus.dispatch.api import default_inflows, head_options
    from aralnexus.dispatch.head import initial_heads_m, iterate_heads, step_simplex
    from aralnexus.dispatch.inputs import plant_inflows_m3s
    from aralnexus.dispatch.linearise import Linearisation, head_band_hm3, heads_at_m, trust_region_hm3
    from aralnexus.dispatch.lookahead import extend_inflows, optimised_to
    from aralnexus.dispatch.model import LPModel
    from aralnexus.dispatch.names import STORAGE, TURBINE, UNSERVED
    from aralnexus.dispatch.solve import LPSolution
    from aralnexus.dispatch.start import build_run_system
    from aralnexus.scenario.load import load_scenario
    from aralnexus.units import MWH_PER_TWH

    scenario = load_scenario(scenario_name)
    last = optimised_to(scenario.dataset, scenario.end, "monthly")
    options = head_options(scenario, None, None)

    def system_and_inflow() -> tuple[object, Array]:
        system = build_run_system(scenario, scenario.start, last, "monthly", horizon_end=scenario.end)
        inflows = default_inflows(scenario, scenario.start, scenario.end)
        return system, plant_inflows_m3s(system, extend_inflows(scenario, inflows, scenario.end, last))

    def report(name: str, model: LPModel, solution: LPSolution, seconds: float) -> None:
        system = model.system
        cal = system.calendar
        unserved = model.layout.cols[UNSERVED].take(solution.x)  # (steps, detailed countries) MW
        mwh = unserved[:, 0] * cal.duration_h
        years = cal.steps["year"].to_numpy(dtype=np.int64)
        horizon = [y for y in np.unique(years) if y <= int(scenario.end[:4])]
        kg_twh = [float(mwh[years == y].sum() / MWH_PER_TWH) for y in horizon]
        storage = model.layout.cols[STORAGE].take(solution.x)
        toktogul = system.plant_ids.index("toktogul")
        september = (cal.stages["month"].to_numpy() == 9) & (cal.stages["year"].to_numpy() <= int(scenario.end[:4]))
        print(
            f"variant={name} cost_musd={solution.objective / 1e6:.1f} seconds={seconds:.1f} "
            f"kg_unserved_twh={','.join(f'{v:.2f}' for v in kg_twh)} "
            f"toktogul_sep_hm3={','.join(f'{v:.0f}' for v in storage[september, toktogul])}",
            flush=True,
        )

    def timed(name: str, run: Callable[[], tuple[LPModel, LPSolution]]) -> None:
        start = time.perf_counter()
        model, solution = run()
        report(name, model, solution, time.perf_counter() - start)

    def iterate(mode: str, cap_hm3: float | None = None) -> tuple[LPModel, LPSolution]:
        system, inflow = system_and_inflow()
        if cap_hm3 is not None:  # a copy of the staging: the level curves keep the full storage
            k = system.plant_ids.index("toktogul")  # type: ignore[attr-defined]
            upper = system.staging.storage_max_hm3.copy()  # type: ignore[attr-defined]
            upper[:, k] = np.minimum(upper[:, k], cap_hm3)
            staging = dataclasses.replace(system.staging, storage_max_hm3=upper)  # type: ignore[attr-defined]
            system = dataclasses.replace(system, staging=staging)  # type: ignore[type-var]
        model = LPModel(system, inflow, initial_heads_m(system, mode))  # type: ignore[arg-type]
        return model, iterate_heads(model, options).solution

    def descent() -> tuple[LPModel, LPSolution]:
        system, inflow = system_and_inflow()
        model = LPModel(system, inflow, initial_heads_m(system, "iterate"))  # type: ignore[arg-type]
        band = 0.95 * options.tolerance_pct / 100.0

        def exact(storage: Array) -> LPSolution:
            heads = heads_at_m(model.system, storage)
            model.set_heads(heads, None, head_band_hm3(model.system, storage, heads, band))
            return model.solve(step_simplex(model.system))

        current = exact(model.layout.cols[STORAGE].take(model.solve().x))
        radius = options.radius
        while radius > 0.002:
            storage = model.layout.cols[STORAGE].take(current.x)
            lin = Linearisation(turbine_m3s=model.layout.cols[TURBINE].take(current.x), storage_hm3=storage)
            model.set_heads(heads_at_m(model.system, storage), lin, trust_region_hm3(model.system, storage, radius))
            candidate = exact(model.layout.cols[STORAGE].take(model.solve(step_simplex(model.system)).x))
            if candidate.objective < current.objective * (1 - 1e-7):
                current, radius = candidate, min(1.5 * radius, 0.5)
            else:
                radius *= 0.4
        return model, current

    timed("iterate", lambda: iterate("iterate"))
    timed("start-rated", lambda: iterate("fixed"))
    timed("descent", descent)
    for cap in (16_000.0, 14_000.0, 12_500.0):
        timed(f"toktogul-max-{cap:.0f}", lambda cap=cap: iterate("iterate", cap))  # type: ignore[misc]


if __name__ == "__main__":
    main(*sys.argv[1:2])
