"""Cut selection kept up to date as cuts and points arrive selects what a full recomputation selects."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aralnexus.policy import Cuts, PassRunner, StageSolver
from aralnexus.policy.examples import first_steps, hydro_thermal
from aralnexus.policy.selection import Dominance


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    batches=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 4)), min_size=1, max_size=8),
    n_theta=st.integers(1, 4),
    ties=st.booleans(),
)
def test_incremental_dominance_keeps_the_cuts_a_full_recomputation_keeps(
    seed: int, batches: list[tuple[int, int]], n_theta: int, ties: bool
) -> None:
    rng = np.random.default_rng(seed)
    n_states = 3
    solver = StageSolver(first_steps().stages[0], n_theta, np.ones(n_theta), 0.0)
    tracker = Dominance(n_theta, n_states)
    theta, intercept, slope = np.zeros(0, np.int64), np.zeros(0), np.zeros((0, n_states))
    points = np.zeros((0, n_states))
    for new_cuts, new_points in batches:
        t = rng.integers(n_theta, size=new_cuts)
        a = rng.integers(0, 3, size=new_cuts).astype(float) if ties else rng.normal(size=new_cuts)
        shape = (new_cuts, n_states)
        b = rng.integers(-1, 2, size=shape).astype(float) if ties else rng.normal(size=shape)
        theta, intercept, slope = np.concatenate([theta, t]), np.concatenate([intercept, a]), np.concatenate([slope, b])
        p = rng.integers(0, 3, size=(new_points, n_states)).astype(float)
        points = np.concatenate([points, p])
        tracker.add_points(p)
        got = tracker.keep(theta, intercept, slope)
        # the brute force of StageSolver.dominant_cuts, on the same pool (it ignores the LP itself)
        solver._pool_theta, solver._pool_intercept, solver._pool_slope = theta, intercept, slope
        want = solver.dominant_cuts(points) if points.shape[0] else np.zeros(theta.shape[0], dtype=bool)
        assert got.tolist() == want.tolist()


def test_a_pool_that_shrinks_is_refused() -> None:
    tracker = Dominance(1, 1)
    tracker.add_points(np.array([[0.0]]))
    tracker.keep(np.zeros(2, np.int64), np.zeros(2), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="shrank from 2 to 1"):
        tracker.keep(np.zeros(1, np.int64), np.zeros(1), np.zeros((1, 1)))


def test_training_with_selection_after_every_iteration_bounds_as_its_cuts_without_selection() -> None:
    problem = hydro_thermal(4, 3, 2, 0.5, seed=5, cut_type="multi")
    selected = PassRunner(problem, seed=2, cut_selection_every=1)
    found = [selected.iteration()[0] for _ in range(12)]
    everything = PassRunner(problem)
    everything.add_cuts(Cuts.concat(found, problem.n_states))
    assert selected.lower_bound() == pytest.approx(everything.lower_bound(), rel=1e-9)
    assert sum(s.n_cut_rows for s in selected.solvers[1:-1]) < sum(s.n_cut_rows for s in everything.solvers[1:-1])
