"""Policy benchmark: SDDP against the extensive form solved directly in HiGHS, on the same tree.

``sddp-vs-extensive``: a seeded hydro-thermal problem (``aralnexus.policy.examples.hydro_thermal``)
whose scenario tree is large enough that HiGHS needs a minute or more on its extensive form. The
anchor is building and solving that extensive form (HiGHS defaults); ours is building the stage
LPs and training SDDP (one process) until its deterministic lower bound is within 1e-4 (relative)
of the extensive form's optimum. Target ratio ≤ 0.25.
"""

from __future__ import annotations

import os
import time

from aralnexus.policy import Cuts, LogRow, TrainOptions, solve_extensive, train, tree_size
from aralnexus.policy.examples import hydro_thermal

#: Tree of the benchmark: stages, outcomes per stage, reservoirs (override with ARALNEXUS_BENCH_POLICY_TREE=T,K,R).
TREE = tuple(int(v) for v in os.environ.get("ARALNEXUS_BENCH_POLICY_TREE", "8,4,3").split(","))
RTOL = 1e-4


def _sddp_vs_extensive() -> dict[str, object]:
    n_stages, n_outcomes, n_reservoirs = TREE
    problem = hydro_thermal(n_stages, n_outcomes, n_reservoirs, seed=1)
    start = time.perf_counter()
    exact = solve_extensive(problem)
    anchor_s = time.perf_counter() - start

    def reached(row: LogRow, _cuts: Cuts) -> bool:
        return abs(row.lower_bound - exact.objective) <= RTOL * abs(exact.objective)

    start = time.perf_counter()
    result = train(problem, TrainOptions(iterations=20_000, seed=1), callback=reached)
    ours_s = time.perf_counter() - start
    assert result.stop_reason == "callback", f"SDDP stopped by {result.stop_reason} before reaching the optimum"
    return {
        "case": "sddp-vs-extensive",
        "ours_s": ours_s,
        "anchor": "highs-extensive-form",
        "anchor_s": anchor_s,
        "ratio": ours_s / anchor_s,
        "target_ratio": 0.25,
        "anchor_over_60s": anchor_s >= 60.0,
        "tree": f"{n_stages}x{n_outcomes}x{n_reservoirs}res",
        "tree_nodes": tree_size(problem),
        "extensive_cols": exact.n_cols,
        "iterations": result.iterations,
        "stage_solves_per_s": result.log[-1].stage_solves / ours_s,
        "lower_bound": result.lower_bound,
        "optimum": exact.objective,
    }


def run() -> list[dict[str, object]]:
    return [_sddp_vs_extensive()]
