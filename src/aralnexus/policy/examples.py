"""Textbook problems written with the engine's public API (used by the docs, tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aralnexus.policy.problem import CutType, Problem, StageBuilder


def first_steps(cut_type: CutType = "single") -> Problem:
    """SDDP.jl's "first steps" hydro-thermal problem (published optimum 8333.33).

    One reservoir (0–200, starting full), three stages; the inflow (0, 50 or 100, equally likely)
    is known before each stage's decision; hydro + thermal generation meet a demand of 150; thermal
    costs 50, 100 and 150 per unit in stages 1–3; spilling is free.
    """
    stages = []
    for fuel_cost in (50.0, 100.0, 150.0):
        b = StageBuilder()
        volume = b.state("volume", lower=0.0, upper=200.0)
        thermal = b.variable("thermal_generation", lower=0.0, cost=fuel_cost)
        hydro = b.variable("hydro_generation", lower=0.0)
        spill = b.variable("hydro_spill", lower=0.0)
        inflow = b.variable("inflow")
        b.constraint({volume.outgoing: 1.0, volume.incoming: -1.0, hydro: 1.0, spill: 1.0, inflow: -1.0}, equals=0.0)
        b.constraint({hydro: 1.0, thermal: 1.0}, equals=150.0)
        b.noise(fix=[inflow], outcomes=[[0.0], [50.0], [100.0]])
        stages.append(b.build())
    return Problem(tuple(stages), np.array([200.0]), ("volume",), cut_type=cut_type)


def hydro_thermal(
    n_stages: int,
    n_outcomes: int,
    n_reservoirs: int = 1,
    lag_coefficient: float = 0.0,
    seed: int = 0,
    cut_type: CutType = "single",
    thermal_costs: Sequence[float] = (20.0, 60.0, 150.0),
) -> Problem:
    """Return a seeded hydro-thermal problem of any size, to check the engine against the extensive form.

    Each reservoir (0–100, starting at 50) receives ``inflow = mean + φ·(previous inflow − mean) + ε``
    with ``ε`` one of ``n_outcomes`` seeded values (equally likely); with ``φ = lag_coefficient > 0``
    the previous inflow is a state, so the noise is stagewise dependent through it. Three thermal
    units with rising costs, a load-shedding penalty, free spill, demand seasonally varying.
    """
    rng = np.random.default_rng(seed)
    mean_inflow = 25.0
    shocks = np.sort(rng.normal(0.0, 12.0, size=(n_stages, n_outcomes, n_reservoirs)), axis=1)
    shocks -= shocks.mean(axis=1, keepdims=True)
    demand = 30.0 * n_reservoirs * (1.0 + 0.3 * np.cos(2 * np.pi * np.arange(n_stages) / 12))
    stages = []
    for t in range(n_stages):
        b = StageBuilder()
        gen: dict[int, float] = {}
        inflow_rows = []
        for r in range(n_reservoirs):
            vol = b.state(f"volume_{r}", lower=0.0, upper=100.0)
            release = b.variable(f"release_{r}", lower=0.0, upper=40.0)
            spill = b.variable(f"spill_{r}", lower=0.0)
            inflow = b.variable(f"inflow_{r}")
            short = b.variable(f"water_shortfall_{r}", lower=0.0, cost=2000.0)  # keeps every stage feasible
            balance = {vol.outgoing: 1.0, vol.incoming: -1.0, release: 1.0, spill: 1.0, inflow: -1.0, short: -1.0}
            b.constraint(balance, equals=0.0)
            if lag_coefficient > 0:
                lag = b.state(f"inflow_{r}_lag")
                b.constraint({lag.outgoing: 1.0, inflow: -1.0}, equals=0.0)
                # inflow − φ·inflow_prev = (1 − φ)·mean + ε
                inflow_rows.append(b.constraint({inflow: 1.0, lag.incoming: -lag_coefficient}, equals=0.0))
            else:
                inflow_rows.append(b.constraint({inflow: 1.0}, equals=0.0))
            gen[release] = 1.0
        for u, cost in enumerate(thermal_costs):
            gen[b.variable(f"thermal_{u}", lower=0.0, upper=12.0 * n_reservoirs, cost=cost * (1 + 0.01 * t))] = 1.0
        gen[b.variable("shortage", lower=0.0, cost=1000.0)] = 1.0
        b.constraint(gen, equals=float(demand[t]))
        level = (1.0 - lag_coefficient) * mean_inflow if lag_coefficient > 0 else mean_inflow
        values = level + shocks[t]
        if lag_coefficient == 0:
            values = np.maximum(values, 0.0)
        b.noise(rhs=inflow_rows, outcomes=values)
        stages.append(b.build())
    initial = np.array(
        [v for _ in range(n_reservoirs) for v in ([50.0] + ([mean_inflow] if lag_coefficient > 0 else []))]
    )
    return Problem(tuple(stages), initial, b.state_names, cut_type=cut_type)
