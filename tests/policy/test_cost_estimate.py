"""The estimate of a policy's expected cost: plain Monte Carlo and cross-fitted control variates.

The truth is known exactly on small trees: a fixed policy (trained cuts) is simulated on every
noise path of the tree, and the probability-weighted mean of those costs is its expected cost.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from aralnexus.policy import NoiseControls, Problem, TrainOptions, estimate_cost, sample_noise_paths, simulate, train
from aralnexus.policy.examples import first_steps, hydro_thermal


def _all_paths(problem: Problem) -> tuple[list[np.ndarray], np.ndarray]:
    """Every noise path of the tree (per stage ``(paths, n_terms)``) and each path's probability."""
    outcomes = list(itertools.product(*(range(st.noise.n_outcomes) for st in problem.stages)))
    index = np.array(outcomes, dtype=np.int64)
    paths = [st.noise.values[index[:, t]] for t, st in enumerate(problem.stages)]
    prob = np.prod([st.noise.probabilities[index[:, t]] for t, st in enumerate(problem.stages)], axis=0)
    return paths, prob


def _repeated_estimates(problem: Problem, trials: int, members: int, seed: int) -> tuple[float, list, np.ndarray]:
    """Train a policy, enumerate its exact expected cost, and estimate it ``trials`` times from ``members`` members."""
    cuts = train(problem, TrainOptions(iterations=15, seed=1)).cuts
    paths, prob = _all_paths(problem)
    costs = simulate(problem, cuts, noise_paths=paths).costs
    truth = float(prob @ costs)
    controls = NoiseControls.stage_sums(problem)
    centred = controls.centred(problem, paths)
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(trials):  # a member is a path drawn with its probability: pick its row of the enumeration
        pick = rng.choice(prob.shape[0], size=members, p=prob)
        estimates.append(estimate_cost(costs[pick], centred[pick]))
    return truth, estimates, costs


@pytest.mark.parametrize(
    ("name", "problem"),
    [("first steps", first_steps()), ("lagged 4x5 tree", hydro_thermal(4, 5, 1, 0.6, seed=9))],
)
def test_control_variate_estimate_is_unbiased_and_its_interval_covers_the_exact_cost(
    name: str, problem: Problem
) -> None:
    truth, estimates, _ = _repeated_estimates(problem, trials=600, members=120, seed=5)
    assert all(e.estimator == "control-variate" for e in estimates), name
    means = np.array([e.mean for e in estimates])
    standard_error = means.std(ddof=1) / np.sqrt(means.shape[0])
    assert abs(means.mean() - truth) < 4 * standard_error
    covered = np.mean([e.low <= truth <= e.high for e in estimates])
    assert 0.92 <= covered <= 0.98  # 95 % interval; binomial sd of 600 trials ≈ 0.009


def test_control_variates_narrow_the_interval_where_cost_follows_the_inflow() -> None:
    _, estimates, _ = _repeated_estimates(first_steps(), trials=200, members=120, seed=6)
    cv = np.array([e.mean for e in estimates])
    plain = np.array([e.plain_mean for e in estimates])
    assert cv.var() < plain.var() / 1.5
    assert np.median([e.variance_reduction for e in estimates]) > 1.5


def test_noise_controls_have_their_exact_mean_and_variance_over_the_whole_tree() -> None:
    problem = hydro_thermal(3, 4, 2, 0.5, seed=2)
    sums = NoiseControls.stage_sums(problem, groups=[0, 0, 1])
    controls = NoiseControls(sums.weights, sums.names, squares=True, products=((0, 1), (0, 2), (1, 3)))
    paths, prob = _all_paths(problem)
    centred = controls.centred(problem, paths)
    assert centred.shape == (prob.shape[0], controls.n_controls)
    assert prob @ centred == pytest.approx(np.zeros(controls.n_controls), abs=1e-9)


def test_too_few_members_for_the_controls_falls_back_to_plain_monte_carlo() -> None:
    problem = first_steps()
    paths = sample_noise_paths(problem, 20, seed=3)
    sim = simulate(problem, train(problem, TrainOptions(iterations=5)).cuts, noise_paths=paths)
    centred = NoiseControls.stage_sums(problem).centred(problem, paths)
    est = estimate_cost(sim.costs, centred)  # 18 members per fit, 3 coefficients: under 10 per coefficient
    assert est.estimator == "plain"
    assert est.interval == pytest.approx(sim.interval())
    assert (est.mean, est.low, est.high) == (est.plain_mean, est.plain_low, est.plain_high)


def test_estimating_from_no_members_is_refused() -> None:
    with pytest.raises(ValueError, match="no members"):
        estimate_cost(np.zeros(0))


def test_control_weights_that_do_not_fit_the_problem_are_refused() -> None:
    problem = first_steps()
    bad = NoiseControls(tuple(np.ones((2, 1)) for _ in problem.stages), ("total inflow",))
    with pytest.raises(ValueError, match="stage 0: control weights of shape"):
        bad.centred(problem, sample_noise_paths(problem, 3, seed=1))
