"""Diagnosis: would initial cuts from the mean-value (Jensen) problem lift the default pathway's bound?

The noise of the default pathway's stages enters right-hand sides only, so each stage's value is
jointly convex in the incoming state and the noise; by Jensen's inequality and induction over the
stages the cost-to-go of the mean-value problem (every stage's noise at its expectation) lies below
the stochastic one, and its cuts are valid lower cuts of it. They help only where they lie *above*
the cuts the stochastic training has found.

Prints the mean-value problem's optimum (its extensive form: one chain of stages) and the bound of
SDDP on it after ``--mv-iterations`` (1 process, seed 1, with its time), then trains the stochastic
problem in one process (seed 1, no cut selection) and, at ``--checkpoints`` iterations, its lower bound and, at
every trial point its forward passes visited in each stage, whether the mean-value cuts' cost-to-go
exceeds the stochastic cuts' there (share of points, stages with any such point, mean excess in
US$ million).

Run: ``python benchmarks/policy_mean_value_cuts.py`` (about 3 minutes).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from aralnexus.policy import Cuts, PassRunner, cost_to_go, solve_extensive
from aralnexus.policy.aral import build_policy_model
from aralnexus.policy.problem import with_fixed_noise
from aralnexus.scenario import load_scenario


def main() -> None:
    """Compare the mean-value cuts with the stochastic cuts at the visited trial points."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mv-iterations", type=int, default=60)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[10, 20, 40, 80, 120, 200])
    args = parser.parse_args()
    problem = build_policy_model(load_scenario("default")).problem
    kinds = sorted({k for st in problem.stages for k in st.noise.kinds})
    if kinds != ["rhs"]:
        raise SystemExit(f"noise kinds {kinds}: mean-value cuts are valid lower cuts only for right-hand-side noise")
    mean_path = [st.noise.probabilities @ st.noise.values for st in problem.stages]
    mean_value = with_fixed_noise(problem, mean_path)
    print(f"mean_value_optimum={solve_extensive(mean_value).objective:.1f} load_1min={os.getloadavg()[0]:.2f}")
    runner = PassRunner(mean_value, seed=1, cut_selection_every=10)
    start = time.perf_counter()
    mv_cuts = Cuts.concat([runner.iteration()[0] for _ in range(args.mv_iterations)], problem.n_states)
    print(
        f"mean_value_sddp iterations={args.mv_iterations} bound={runner.lower_bound():.1f} "
        f"time_s={time.perf_counter() - start:.1f}"
    )
    runner = PassRunner(problem, seed=1)  # no cut selection: the passes by hand, to keep their trial points
    parts: list[Cuts] = []
    points: list[list[np.ndarray]] = [[] for _ in problem.stages]
    start = time.perf_counter()
    for i in range(1, max(args.checkpoints) + 1):
        trajectory = runner.forward([values[0] for values in runner.sample_noise(1)])
        parts.append(runner.backward(trajectory.states))
        for t in range(problem.n_stages - 1):
            points[t].append(trajectory.states[t])
        if i not in args.checkpoints:
            continue
        stochastic = Cuts.concat(parts, problem.n_states)
        above, excess = [], []
        for t in range(problem.n_stages - 1):
            pts = np.asarray(points[t])
            gain = cost_to_go(mean_value, mv_cuts, t, pts)[0] - cost_to_go(problem, stochastic, t, pts)[0]
            above.append(float(np.mean(gain > 1e-6)))
            excess.append(float(np.mean(np.maximum(gain, 0.0))))
        print(
            f"iteration={i} lower_bound={runner.lower_bound():.1f} time_s={time.perf_counter() - start:.0f} "
            f"share_above={np.mean(above):.4f} stages_with_any={int(np.sum(np.asarray(above) > 0))} "
            f"mean_excess_musd={np.mean(excess):.2f} load_1min={os.getloadavg()[0]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
