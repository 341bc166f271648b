"""Diagnosis: where along the horizon the default pathway's SDDP lower bound falls short.

Trains the default pathway's policy for ``--iterations`` (2 worker processes, seed 1), simulates
``--members`` out-of-sample members of the training's own process (seed ``--seed``), and at each
member's outgoing state of each stage ``t`` evaluates the cuts' cost-to-go ``θ_t(x_t)``
(:func:`aralnexus.policy.values.cost_to_go`). The simulated mean cost minus the lower bound
telescopes into per-stage **Bellman gaps**

    b_t = E[c_{t+1}(x_t, ω_{t+1}) + θ_{t+1}(x_{t+1})] − E[θ_t(x_t)]    (t = 0 … T−2)

plus the first stage's own sampling term (``E[c_0 + θ_0] −`` lower bound, zero in expectation):
``b_t`` is how much the cuts of stage ``t`` under-estimate the expected value of the next stage
where the policy goes (each ``b_t ≥ 0`` in expectation once a cut was made at the point;
members estimate it). Stages with large ``b_t`` are where the bound is lacking. Printed: the
gap's sum by year, by calendar month and the stages of largest ``b_t``, the share of members whose
``θ_t`` sits at the global floor (no cut above it), and the per-stage valid floor the stage LPs
would allow.

Run: ``python benchmarks/policy_bellman_gaps.py --iterations 150 --members 300`` (minutes).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from aralnexus.policy import TrainOptions, cost_to_go, sample_noise_paths, simulate, train
from aralnexus.policy.aral import build_policy_model
from aralnexus.scenario import load_scenario


def main() -> None:
    """Train, simulate, print the per-stage Bellman gaps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--seed", type=int, default=99, help="seed of the simulated members")
    parser.add_argument("--save", help="write the per-stage arrays to this .npz")
    args = parser.parse_args()
    load0 = os.getloadavg()[0]
    model = build_policy_model(load_scenario("default"))
    problem = model.problem
    start = time.perf_counter()
    result = train(problem, TrainOptions(iterations=args.iterations, workers=2, seed=1))
    train_s = time.perf_counter() - start
    paths = sample_noise_paths(problem, args.members, args.seed)
    sim = simulate(problem, result.cuts, noise_paths=paths, workers=2)
    n_t = problem.n_stages
    theta = np.zeros((args.members, n_t))
    at_floor = np.zeros(n_t)
    floor = problem.cost_to_go_lower_bound
    for t in range(n_t - 1):
        theta[:, t] = cost_to_go(problem, result.cuts, t, sim.states[:, t])[0]
        at_floor[t] = float(np.mean(np.isclose(theta[:, t], floor, rtol=0, atol=1e-6)))
    c = sim.stage_costs
    # b_t = E[c_{t+1} + θ_{t+1}] − E[θ_t]
    bellman = (c[:, 1:] + theta[:, 1:]).mean(axis=0) - theta[:, :-1].mean(axis=0)
    first = float((c[:, 0] + theta[:, 0]).mean() - result.lower_bound)
    mean = float(sim.costs.mean())
    se = float(sim.costs.std(ddof=1) / np.sqrt(args.members))
    realised = np.cumsum(c[:, ::-1], axis=1)[:, ::-1]  # cost of stages t … T−1
    ctg_real = np.concatenate([realised[:, 1:], np.zeros((args.members, 1))], axis=1).mean(axis=0)
    months = model.system.calendar.stage_month_start
    print(
        f"iterations={result.iterations} train_s={train_s:.0f} stage_solves={result.log[-1].stage_solves} "
        f"lower_bound={result.lower_bound:.1f} sim_mean={mean:.1f} sim_se={se:.1f} "
        f"gap={mean - result.lower_bound:.1f} sum_b={bellman.sum():.1f} first_stage_term={first:.1f} "
        f"floor={floor:.1f} load_start={load0:.2f} load_end={os.getloadavg()[0]:.2f}"
    )
    years = months.year.to_numpy()[1:]
    print("Bellman gap by year of stage t+1 (US$ million):")
    for y in np.unique(years):
        print(f"  {y}: {bellman[years == y].sum():8.1f}")
    cal = months.month.to_numpy()[1:]
    print("by calendar month of stage t+1:")
    for m in range(1, 13):
        print(f"  {m:2d}: {bellman[cal == m].sum():8.1f}")
    print("largest stages (t+1, month, b_t, θ_t mean, realised cost-to-go mean, share at floor):")
    for t in np.argsort(bellman)[::-1][:15]:
        print(
            f"  {t + 1:3d} {months[t + 1]:%Y-%m} {bellman[t]:8.1f} {theta[:, t].mean():9.1f} "
            f"{ctg_real[t]:9.1f} {at_floor[t]:.2f}"
        )
    print(f"stages with any member at the floor: {int((at_floor > 0).sum())}")
    if args.save:
        np.savez(args.save, bellman=bellman, theta=theta, stage_costs=c, at_floor=at_floor, lb=result.lower_bound)


if __name__ == "__main__":
    main()
