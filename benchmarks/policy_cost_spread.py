"""Diagnosis: what spreads the default pathway's simulated policy cost; how much control variates narrow its interval.

Trains the default pathway's policy for ``--iterations`` (2 worker processes, seed 1), simulates
``--members`` members of the training's own inflow process (the gap rule's upper bound: noise drawn
from the stages' distributions, fixed heads) and prints:

- the cost's mean, sd and sd/mean, and the plain 95 % interval's upper end against the lower bound;
- each objective term's mean, sd and correlation with the cost (dispatch column families);
- the control-variate estimate (:func:`aralnexus.policy.estimate.estimate_cost` with
  :func:`aralnexus.policy.aral_controls.inflow_volume_controls`: each river's calendar-year inflow
  volume, its square, products of consecutive years and of the rivers) and its variance reduction
  factor (plain variance / control-variate variance, cross-fitted); the in-sample R² of the controls;
- antithetic pairs for comparison (``--antithetic``): members ``u`` and ``1 − u`` in each stage's
  outcome order from dry to wet, the variance reduction per simulated member.

Run: ``python benchmarks/policy_cost_spread.py --iterations 200 --members 1000`` (minutes).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from aralnexus.policy import Problem, TrainOptions, estimate_cost, sample_noise_paths, simulate, train
from aralnexus.policy.aral import build_policy_model
from aralnexus.policy.aral_controls import inflow_volume_controls
from aralnexus.policy.problem import Array
from aralnexus.scenario import load_scenario


def _antithetic_paths(problem: Problem, members: int, seed: int, rivers: int) -> tuple[list[Array], list[Array]]:
    """Return paths from uniforms ``u`` and ``1 − u`` (outcomes ordered by the rivers' summed noise, dry first)."""
    u = np.random.default_rng(seed).random((members, problem.n_stages))
    out: tuple[list[Array], list[Array]] = ([], [])
    for t, stage in enumerate(problem.stages):
        noise = stage.noise
        order = np.argsort(noise.values[:, :rivers].sum(axis=1))
        cum = np.cumsum(noise.probabilities[order])
        for paths, draws in zip(out, (u[:, t], 1.0 - u[:, t]), strict=True):
            k = order[np.minimum(np.searchsorted(cum, draws, side="right"), order.shape[0] - 1)]
            paths.append(noise.values[k])
    return out


def main() -> None:
    """Train, simulate, print the diagnosis."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=4242, help="seed of the simulated members")
    parser.add_argument("--antithetic", action="store_true", help="also simulate antithetic pairs")
    parser.add_argument("--save", help="write the member costs, stage costs and river noise to this .npz")
    args = parser.parse_args()
    start = time.perf_counter()
    model = build_policy_model(load_scenario("default"))
    problem = model.problem
    result = train(problem, TrainOptions(iterations=args.iterations, workers=2, seed=1))
    train_s = time.perf_counter() - start
    paths = sample_noise_paths(problem, args.members, args.seed)
    sim = simulate(problem, result.cuts, noise_paths=paths, workers=2, keep_x=True)
    y = sim.costs
    controls = inflow_volume_controls(model)
    centred = controls.centred(problem, paths)
    est = estimate_cost(y, centred)
    bound = result.lower_bound
    print(f"iterations {result.iterations}, lower bound {bound:.1f} US$ million, training {train_s:.0f} s")
    print(f"members {sim.members}: mean {y.mean():.1f}, sd {y.std(ddof=1):.1f}, sd/mean {y.std(ddof=1) / y.mean():.3f}")
    print(f"plain: upper end {est.plain_high:.1f}, gap {est.gap(bound, plain=True):.4f}")
    print(
        f"{est.estimator} ({est.controls} controls): mean {est.mean:.1f}, upper end {est.high:.1f}, "
        f"gap {est.gap(bound):.4f}, variance reduction {est.variance_reduction:.2f}"
    )
    design = np.column_stack([np.ones(y.shape[0]), centred])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    print(f"in-sample R² of the controls {1 - residual.var() / y.var():.3f}")
    floor = 1.959963984540054 * y.std(ddof=1) / np.sqrt(1000) / y.mean()
    narrowed = floor / np.sqrt(est.variance_reduction)
    print(f"half-width on 1000 members / mean: plain {floor:.4f}, control variates {narrowed:.4f}")
    terms: dict[str, Array] = {}
    for m in range(sim.members):
        for t, idx in enumerate(model.index):
            cost, x = problem.stages[t].col_cost, sim.x[m][t]
            for name, block in idx.layout.cols.items():
                i = block.index.ravel()
                terms.setdefault(name, np.zeros(sim.members))[m] += float(cost[i] @ x[i])
    for name, v in sorted(terms.items(), key=lambda kv: -abs(kv[1].mean())):
        if v.std() > 0:
            corr = np.corrcoef(v, y)[0, 1]
            print(f"  {name:20s} mean {v.mean():9.1f} sd {v.std(ddof=1):9.1f} corr with cost {corr:+.2f}")
    if args.save:
        rivers = len(model.process.rivers)
        river_noise = np.stack([p[:, :rivers] for p in paths], axis=1)
        np.savez(args.save, costs=y, stage_costs=sim.stage_costs, river_noise=river_noise, **terms)
    if args.antithetic:
        first, second = _antithetic_paths(problem, args.members // 2, args.seed + 1, len(model.process.rivers))
        a = simulate(problem, result.cuts, noise_paths=first, workers=2).costs
        b = simulate(problem, result.cuts, noise_paths=second, workers=2).costs
        pair = (a + b) / 2
        print(
            f"antithetic ({pair.shape[0]} pairs): corr {np.corrcoef(a, b)[0, 1]:+.3f}, "
            f"variance reduction per member {np.concatenate([a, b]).var(ddof=1) / (2 * pair.var(ddof=1)):.2f}"
        )
    print(f"load (1 min) {os.getloadavg()[0]:.1f}, {time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
