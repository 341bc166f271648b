"""The SDDP engine against published results and against the extensive form solved directly in HiGHS."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aralnexus.policy import (
    Cuts,
    LogRow,
    Problem,
    StageBuilder,
    TrainingResult,
    TrainOptions,
    simulate,
    solve_extensive,
    train,
)
from aralnexus.policy.examples import first_steps, hydro_thermal
from aralnexus.policy.passes import theta_weights


def _train_to(
    problem: Problem, target: float, max_iterations: int, rtol: float = 1e-6, cut_selection_every: int | None = 10
) -> TrainingResult:
    """Train until the lower bound is within ``rtol`` of ``target`` (or the iteration cap)."""

    def reached(row: LogRow, _cuts: Cuts) -> bool:
        return abs(row.lower_bound - target) <= rtol * max(1.0, abs(target))

    options = TrainOptions(iterations=max_iterations, seed=3, cut_selection_every=cut_selection_every)
    return train(problem, options, callback=reached)


@pytest.mark.parametrize("cut_type", ["single", "multi"])
def test_first_steps_problem_converges_to_published_lower_bound(cut_type: str) -> None:
    result = train(first_steps(cut_type), TrainOptions(iterations=30))  # type: ignore[arg-type]
    assert result.lower_bound == pytest.approx(8333.33, abs=0.01)
    assert result.stop_reason == "iterations"


def test_first_steps_extensive_form_matches_published_value() -> None:
    assert solve_extensive(first_steps()).objective == pytest.approx(8333.333333, abs=1e-4)


@pytest.mark.parametrize(
    ("stages", "outcomes", "reservoirs", "lag", "cut_type"),
    [
        (4, 5, 1, 0.0, "single"),
        (4, 5, 1, 0.0, "multi"),
        (4, 5, 2, 0.0, "single"),
        (4, 4, 1, 0.6, "single"),
        (3, 5, 2, 0.5, "multi"),
    ],
)
def test_sddp_bound_equals_extensive_form_on_small_trees(
    stages: int, outcomes: int, reservoirs: int, lag: float, cut_type: str
) -> None:
    problem = hydro_thermal(stages, outcomes, reservoirs, lag, seed=stages + outcomes, cut_type=cut_type)  # type: ignore[arg-type]
    exact = solve_extensive(problem).objective
    result = _train_to(problem, exact, max_iterations=600)
    assert result.lower_bound == pytest.approx(exact, rel=1e-6)
    assert result.stop_reason == "callback"


@pytest.mark.parametrize("cut_type", ["single", "multi"])
@pytest.mark.parametrize("cut_selection_every", [None, 1])
def test_sddp_bound_equals_extensive_form_with_and_without_cut_selection(
    cut_type: str, cut_selection_every: int | None
) -> None:
    problem = hydro_thermal(4, 4, 2, 0.5, seed=7, cut_type=cut_type)  # type: ignore[arg-type]
    exact = solve_extensive(problem).objective
    result = _train_to(problem, exact, max_iterations=600, cut_selection_every=cut_selection_every)
    assert result.lower_bound == pytest.approx(exact, rel=1e-6)
    assert result.stop_reason == "callback"


def _noisy_costs_problem() -> Problem:
    """Three stages whose noise sets a cost and a column's lower and upper bounds."""
    stages = []
    for t in range(3):
        b = StageBuilder()
        stock = b.state("stock", lower=0.0, upper=10.0)
        buy = b.variable("buy", lower=0.0, upper=8.0)
        sell = b.variable("sell", lower=0.0)
        demand = b.variable("demand")
        short = b.variable("short", lower=0.0, cost=30.0)
        b.constraint({stock.outgoing: 1.0, stock.incoming: -1.0, buy: -1.0, sell: 1.0}, equals=0.0)
        b.constraint({sell: 1.0, short: 1.0, demand: -1.0}, equals=0.0)
        # outcome values: demand's lower bound, its upper bound, then the price of buying
        outcomes = [[3.0, 3.0, 2.0 + t], [5.0, 5.0, 6.0], [1.0, 1.0, 9.0]]
        b.noise(outcomes=outcomes, probabilities=[0.5, 0.3, 0.2], lower=[demand], upper=[demand], cost=[buy])
        stages.append(b.build())
    return Problem(tuple(stages), np.array([0.0]), ("stock",))


def test_cost_and_bound_noise_match_the_extensive_form() -> None:
    problem = _noisy_costs_problem()
    exact = solve_extensive(problem).objective
    assert _train_to(problem, exact, max_iterations=200).lower_bound == pytest.approx(exact, rel=1e-6)


def test_lower_bound_never_exceeds_simulated_mean_beyond_its_interval() -> None:
    problem = hydro_thermal(5, 4, 1, 0.5, seed=11)
    previous = None
    for iterations in (1, 10, 40):
        result = train(problem, TrainOptions(iterations=iterations, seed=5), resume=previous)
        sim = simulate(problem, result.cuts, members=200, seed=99)
        _, _, high = sim.interval()
        assert result.lower_bound <= high
        previous = result


@settings(max_examples=30, deadline=None)
@given(
    stage=st.integers(min_value=0, max_value=2),
    volume=st.floats(min_value=0.0, max_value=100.0),
    lagged=st.floats(min_value=-10.0, max_value=60.0),
)
def test_cuts_never_exceed_the_true_cost_to_go(stage: int, volume: float, lagged: float) -> None:
    problem = _cut_check_problem()
    cuts = _cut_check_cuts()
    state = np.array([volume, lagged])
    tail = Problem(problem.stages[stage + 1 :], state, problem.state_names)
    true_cost_to_go = solve_extensive(tail).objective
    weights = theta_weights(problem, stage)
    approx = cuts.cost_to_go(stage, state[None, :], weights, problem.cost_to_go_lower_bound)[0][0]
    assert approx <= true_cost_to_go + 1e-6 * max(1.0, abs(true_cost_to_go))


_CACHE: dict[str, object] = {}


def _cut_check_problem() -> Problem:
    if "problem" not in _CACHE:
        _CACHE["problem"] = hydro_thermal(4, 4, 1, 0.5, seed=2, cut_type="multi")
    problem = _CACHE["problem"]
    assert isinstance(problem, Problem)
    return problem


def _cut_check_cuts() -> Cuts:
    if "cuts" not in _CACHE:
        _CACHE["cuts"] = train(_cut_check_problem(), TrainOptions(iterations=40)).cuts
    cuts = _CACHE["cuts"]
    assert isinstance(cuts, Cuts)
    return cuts
