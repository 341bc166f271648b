"""Training mechanics of the SDDP engine: stopping rules, resume, interruption, workers, validation."""

from __future__ import annotations

import numpy as np
import pytest

from aralnexus.policy import (
    Cuts,
    LogRow,
    NoiseControls,
    PassRunner,
    Problem,
    StageBuilder,
    TrainOptions,
    estimate_cost,
    sample_noise_paths,
    simulate,
    train,
)
from aralnexus.policy.examples import first_steps, hydro_thermal
from aralnexus.policy.parallel import ProcessPool, WorkerDiedError


def test_resumed_training_keeps_cuts_and_continues_the_log() -> None:
    problem = hydro_thermal(4, 3, 1, seed=1)
    first = train(problem, TrainOptions(iterations=5))
    second = train(problem, TrainOptions(iterations=12), resume=first)
    assert second.iterations == 12
    assert [r.iteration for r in second.log] == list(range(1, 13))
    assert len(second.cuts) > len(first.cuts)
    np.testing.assert_array_equal(second.cuts.intercept[: len(first.cuts)], first.cuts.intercept)
    assert second.log[5].time_s >= first.log[-1].time_s


def test_lower_bound_never_decreases_over_iterations() -> None:
    result = train(hydro_thermal(5, 4, 2, 0.4, seed=4), TrainOptions(iterations=40))
    bounds = np.array([r.lower_bound for r in result.log])
    assert (np.diff(bounds) >= -1e-7 * np.abs(bounds[1:]).max()).all()


def test_interrupted_training_returns_the_cuts_found_so_far() -> None:
    def interrupt(row: LogRow, _cuts: Cuts) -> bool:
        if row.iteration == 3:
            raise KeyboardInterrupt
        return False

    result = train(first_steps(), TrainOptions(iterations=50), callback=interrupt)
    assert result.stop_reason == "interrupted"
    assert result.iterations == 3
    assert len(result.cuts) == 3 * 2  # one cut per backward step, two backward steps per iteration


def test_bound_stall_stops_training_once_converged() -> None:
    result = train(first_steps(), TrainOptions(iterations=500, stall_iterations=5, stall_tol=1e-9))
    assert result.stop_reason == "bound stall"
    assert result.iterations < 500


def test_gap_rule_stops_when_the_interval_reaches_the_bound() -> None:
    options = TrainOptions(iterations=300, gap=0.05, gap_members=300, gap_every=5)
    result = train(first_steps(), options)
    assert result.stop_reason == "gap"
    last = result.log[-1]
    assert last.upper_high - last.lower_bound <= 0.05 * abs(last.upper_high)


def test_gap_rule_with_control_variates_logs_its_estimate_and_the_plain_one_of_the_same_members() -> None:
    problem = first_steps()
    controls = NoiseControls.stage_sums(problem)
    options = TrainOptions(iterations=10, gap=1e-9, gap_members=200, gap_every=5, gap_controls=controls, seed=2)
    result = train(problem, options)
    checked = [r for r in result.log if r.upper_estimator]
    assert [r.iteration for r in checked] == [5, 10]
    last = checked[-1]
    # the same members again, outside training: the gap check simulates seed + iteration with the final cuts
    # (a fresh solver may pick another of several optimal solutions of a stage: equal up to that, not exactly)
    paths = sample_noise_paths(problem, 200, options.seed + last.iteration)
    expected = estimate_cost(simulate(problem, result.cuts, noise_paths=paths).costs, controls.centred(problem, paths))
    assert last.upper_estimator == "control-variate"
    assert (last.upper_mean, last.upper_low, last.upper_high) == pytest.approx(expected.interval, rel=0.02)
    assert last.upper_high_plain == pytest.approx(expected.plain_high, rel=0.02)
    assert last.upper_high - last.upper_mean < expected.plain_high - expected.plain_mean  # narrower than plain


def test_a_screen_on_the_forward_passes_costs_no_stage_solve() -> None:
    # after 2 iterations the forward passes cost ~2,100 against a bound of ~350: screened out, for free
    problem = hydro_thermal(5, 4, 2, 0.4, seed=4)
    plain = train(problem, TrainOptions(iterations=2, seed=3))
    screen = {"gap_members": 40, "gap_every": 2, "gap_screen_members": 2}
    free = train(problem, TrainOptions(iterations=2, seed=3, gap=1e-6, gap_screen="forward passes", **screen))
    simulated = train(problem, TrainOptions(iterations=2, seed=3, gap=1e-6, **screen))
    assert not any(r.upper_estimator for r in free.log)
    assert [r.stage_solves for r in free.log] == [r.stage_solves for r in plain.log]
    assert [r.lower_bound for r in free.log] == [r.lower_bound for r in plain.log]
    assert simulated.log[-1].stage_solves >= plain.log[-1].stage_solves + 2 * problem.n_stages  # 2 members simulated


def test_a_screen_on_the_forward_passes_lets_the_full_check_decide_the_stop() -> None:
    options = TrainOptions(
        iterations=300, gap=0.05, gap_members=300, gap_every=5, gap_screen_members=20, gap_screen="forward passes"
    )
    result = train(first_steps(), options)
    assert result.stop_reason == "gap"
    last = result.log[-1]
    assert last.upper_estimator == "plain"  # the full check ran and decided
    assert last.upper_high - last.lower_bound <= 0.05 * abs(last.upper_high)


def test_training_logs_the_cost_of_every_forward_pass() -> None:
    result = train(hydro_thermal(4, 3, 1, seed=1), TrainOptions(iterations=6))
    assert [len(r.forward_costs) for r in result.log] == [1] * 6
    assert all(np.isfinite(r.forward_costs).all() for r in result.log)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"gap": 0.01, "gap_members": 1},
        {"iterations": None},
        {"time_limit_s": 0.0},
        {"workers": 0},
        {"iterations": -1},
        {"cut_selection_every": 0},
        {"gap": 0.01, "gap_screen": "guess"},
    ],
)
def test_train_options_reject_settings_that_cannot_work(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TrainOptions(**kwargs)  # type: ignore[arg-type]


def test_problem_lists_every_mismatch_between_stages() -> None:
    b = StageBuilder()
    b.state("volume", lower=0.0)
    one_state = b.build()
    b2 = StageBuilder()
    b2.state("volume")
    b2.state("lag")
    x = b2.variable("x")
    b2.noise(outcomes=[[1.0], [2.0]], probabilities=[0.5, 0.6], fix=[x])
    two_states = b2.build()
    with pytest.raises(ValueError, match="stage 1: expected 1 incoming") as err:
        Problem((one_state, two_states), np.array([0.0]), ("volume",))
    assert "sum to 1" in str(err.value)


def test_two_worker_processes_reach_the_optimum() -> None:
    problem = hydro_thermal(4, 4, 1, seed=8)
    serial = train(problem, TrainOptions(iterations=80, stall_iterations=20, stall_tol=1e-10))
    parallel = train(problem, TrainOptions(iterations=80, workers=2, stall_iterations=20, stall_tol=1e-10))
    assert parallel.lower_bound == pytest.approx(serial.lower_bound, rel=1e-6)
    assert parallel.log[0].iteration == 2  # two passes per round


def test_worker_processes_log_the_bound_of_every_cut_found_so_far() -> None:
    # the parent solves the bound with the first stage's cuts only: it must equal the bound of all cuts
    problem = hydro_thermal(5, 3, 2, 0.4, seed=3)
    rounds: list[tuple[float, Cuts]] = []

    def keep(row: LogRow, new: Cuts) -> None:
        rounds.append((row.lower_bound, new))

    train(problem, TrainOptions(iterations=12, workers=2), callback=keep)
    found = []
    for bound, new in rounds:
        found.append(new)
        everything = PassRunner(problem)
        everything.add_cuts(Cuts.concat(found, problem.n_states))
        assert bound == pytest.approx(everything.lower_bound(), rel=1e-9)


def test_a_worker_process_that_dies_raises_instead_of_leaving_training_waiting() -> None:
    problem = hydro_thermal(4, 3, 1, seed=2)
    pool = ProcessPool(problem, 2, 1, Cuts.empty(problem.n_states), 0)
    try:
        pool.run_round()
        pool._procs[1].kill()  # as the kernel's out-of-memory killer would
        pool._procs[1].join()
        with pytest.raises(WorkerDiedError, match="policy worker 1 ended without answering"):
            pool.run_round()
    finally:
        pool.close()


def test_simulation_on_given_noise_paths_follows_them() -> None:
    problem = first_steps()
    cuts = train(problem, TrainOptions(iterations=20)).cuts
    path = [np.array([[0.0], [30.0]]), np.array([[70.0], [0.0]]), np.array([[10.0], [100.0]])]
    sim = simulate(problem, cuts, noise_paths=path, keep_x=True)
    names = problem.stages[0].col_names
    inflow, thermal = names.index("inflow"), names.index("thermal_generation")
    volume_in, volume_out = names.index("volume_in"), names.index("volume_out")
    for member in range(2):
        x = sim.x[member]
        assert [x[t][inflow] for t in range(3)] == [path[t][member, 0] for t in range(3)]
        assert x[0][volume_in] == 200.0
        assert [x[t][volume_in] for t in (1, 2)] == [x[t][volume_out] for t in (0, 1)]
        costs = [c * x[t][thermal] for t, c in enumerate((50.0, 100.0, 150.0))]
        np.testing.assert_allclose(sim.stage_costs[member], costs)


def test_no_public_name_of_the_package_is_also_a_submodule() -> None:
    import importlib.util

    import aralnexus.policy as policy

    clashes = [name for name in policy.__all__ if importlib.util.find_spec(f"aralnexus.policy.{name}") is not None]
    assert clashes == []  # importing such a submodule would replace the function on the package
