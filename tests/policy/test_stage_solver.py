"""A stage solve without a verdict (or a spurious "infeasible") is solved again from scratch, then by primal simplex."""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
import pytest

from aralnexus.policy import StageSolveError, StageSolver
from aralnexus.policy.examples import first_steps


class _Flaky:
    """A HiGHS instance whose first ``fail`` runs end with status ``status`` (as numerical trouble does)."""

    def __init__(
        self, h: highspy.Highs, fail: int, status: highspy.HighsModelStatus = highspy.HighsModelStatus.kUnknown
    ) -> None:
        self._h, self._fail, self._status, self.strategies = h, fail, status, []

    def run(self) -> Any:
        value = self._h.getOptionValue("simplex_strategy")
        self.strategies.append(int(value[-1] if isinstance(value, tuple) else value))
        if self._fail > 0:
            self._fail -= 1
            self._unknown = True
            return highspy.HighsStatus.kWarning
        self._unknown = False
        return self._h.run()

    def getModelStatus(self) -> highspy.HighsModelStatus:
        return self._status if self._unknown else self._h.getModelStatus()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._h, name)


def _solver(
    fail: int, status: highspy.HighsModelStatus = highspy.HighsModelStatus.kUnknown
) -> tuple[StageSolver, _Flaky]:
    stage = first_steps().stages[0]
    solver = StageSolver(stage, 1, np.ones(1), 0.0)
    flaky = _Flaky(solver.h, fail, status)
    solver.h = flaky  # type: ignore[assignment]
    return solver, flaky


def _reference() -> float:
    solver = StageSolver(first_steps().stages[0], 1, np.ones(1), 0.0)
    return solver.solve(np.array([200.0]), np.array([50.0])).objective


@pytest.mark.parametrize("fail", [1, 2])
def test_a_stage_solve_without_verdict_is_solved_again_and_gives_the_optimum(fail: int) -> None:
    solver, flaky = _solver(fail)
    sol = solver.solve(np.array([200.0]), np.array([50.0]))
    assert sol.objective == pytest.approx(_reference())
    assert len(flaky.strategies) == fail + 1
    if fail == 2:  # warm start, then from scratch, then primal simplex (4); the strategy is set back
        assert flaky.strategies[-1] == 4
        value = solver.h.getOptionValue("simplex_strategy")
        assert int(value[-1] if isinstance(value, tuple) else value) == flaky.strategies[0]


def test_a_spurious_infeasible_verdict_after_a_warm_start_is_solved_again_and_gives_the_optimum() -> None:
    solver, flaky = _solver(1, highspy.HighsModelStatus.kInfeasible)
    sol = solver.solve(np.array([200.0]), np.array([50.0]))
    assert sol.objective == pytest.approx(_reference())
    assert len(flaky.strategies) == 2


def test_a_stage_that_stays_infeasible_after_every_fallback_is_an_error() -> None:
    solver, flaky = _solver(3, highspy.HighsModelStatus.kInfeasible)
    with pytest.raises(StageSolveError, match="Infeasible"):
        solver.solve(np.array([200.0]), np.array([50.0]))
    assert len(flaky.strategies) == 3


def test_a_stage_solve_without_verdict_after_every_fallback_is_an_error() -> None:
    solver, _ = _solver(3)
    with pytest.raises(StageSolveError, match="Unknown"):
        solver.solve(np.array([200.0]), np.array([50.0]))


def test_a_backward_pass_skips_the_cut_of_a_stage_highs_cannot_solve_and_keeps_the_others() -> None:
    from aralnexus.policy import PassRunner

    runner = PassRunner(first_steps(), seed=1)
    states = runner.forward([np.array([50.0])] * 3).states
    runner.solvers[2].h = _Flaky(runner.solvers[2].h, 10**6)  # type: ignore[assignment]
    cuts = runner.backward(states)
    assert cuts.stage.tolist() == [0]  # stage 2 failed: no cut on stage 1's cost-to-go; stage 1 still cut stage 0
    assert runner.skipped_cuts == 1


def test_level_one_dominance_keeps_each_cut_that_is_highest_at_some_point() -> None:
    solver = StageSolver(first_steps().stages[0], 1, np.ones(1), 0.0)
    # θ ≥ 10 − x (highest at x = 0), θ ≥ 5 (highest at x = 8), θ ≥ 2 (never highest)
    solver.add_cuts(np.zeros(3, np.int64), np.array([10.0, 5.0, 2.0]), np.array([[-1.0], [0.0], [0.0]]))
    keep = solver.dominant_cuts(np.array([[0.0], [8.0]]))
    assert keep.tolist() == [True, True, False]
    solver.select_cuts(keep)
    assert (solver.n_cut_rows, solver.n_cuts) == (2, 3)


@pytest.mark.parametrize("cut_type", ["single", "multi"])
def test_a_stage_lp_with_selected_cuts_gives_the_solution_of_the_lp_with_every_cut(cut_type: str) -> None:
    from aralnexus.policy import PassRunner
    from aralnexus.policy.examples import hydro_thermal
    from aralnexus.policy.passes import theta_weights

    problem = hydro_thermal(4, 3, 2, 0.5, seed=3, cut_type=cut_type)  # type: ignore[arg-type]
    runner = PassRunner(problem, seed=1)
    for _ in range(15):
        runner.iteration()
    stage, weights = problem.stages[1], theta_weights(problem, 1)
    full = runner.solvers[1]
    selected = StageSolver(stage, weights.shape[0], weights, problem.cost_to_go_lower_bound)
    selected.add_cuts(full._pool_theta, full._pool_intercept, full._pool_slope)
    keep = np.zeros(selected.n_cuts, dtype=bool)
    keep[0] = True  # one cut only: the others must come back where a solution violates them
    selected.select_cuts(keep)
    rng = np.random.default_rng(0)
    for _ in range(20):
        state = rng.uniform([0.0, 0.0, 0.0, 0.0], [100.0, 50.0, 100.0, 50.0])
        values = stage.noise.values[rng.integers(stage.noise.n_outcomes)]
        a, b = selected.solve(state, values), full.solve(state, values)
        assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-9)
    assert 1 < selected.n_cut_rows < selected.n_cuts
