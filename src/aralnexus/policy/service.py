"""Train a scenario's operating policy and keep it in the store (what ``aralnexus policy train`` does)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aralnexus.dispatch.lookahead import median_inflows
from aralnexus.errors import InputError, Problem
from aralnexus.policy.aral import PolicyModel, build_policy_model
from aralnexus.policy.aral_simulate import inflow_noise
from aralnexus.policy.cuts import Cuts
from aralnexus.policy.inflow_process import FIT_SEED
from aralnexus.policy.passes import theta_weights
from aralnexus.policy.simulation import simulate
from aralnexus.policy.store_io import (
    POLICY_KIND,
    append_round,
    clear_policy,
    ensure_tables,
    load_info,
    load_training,
    stored_cut_type,
    write_info,
)
from aralnexus.policy.training import LogRow, TrainingResult, TrainOptions, train
from aralnexus.scenario.model import Scenario
from aralnexus.store import Store
from aralnexus.store.records import RunRecord

log = logging.getLogger(__name__)

#: Iterations when neither ``iterations`` nor ``time_limit_s`` is given.
DEFAULT_ITERATIONS = 200
#: Residual points per month of the inflow process.
DEFAULT_OUTCOMES = 5
#: Years of generator output the inflow process is fitted to.
FIT_YEARS = 1000


@dataclass(frozen=True)
class PolicyTraining:
    """A stored training run: its id, the training result (including resumed rounds) and the model."""

    run_id: str
    result: TrainingResult
    model: PolicyModel
    seconds: float


def check_train_options(
    iterations: int | None, time_limit_s: float | None, workers: int, more: Sequence[Problem] = ()
) -> None:
    """Raise one ``InputError`` listing every bad training option (and ``more`` problems the caller found)."""
    problems = list(more)
    if iterations is not None and iterations < 1:
        problems.append(Problem("--iterations", "", "a positive number of iterations", str(iterations)))
    if time_limit_s is not None and not time_limit_s > 0:
        problems.append(Problem("--time-limit", "", "a time limit > 0 seconds", str(time_limit_s)))
    if workers < 1:
        problems.append(Problem("--workers", "", "at least 1 worker", str(workers)))
    if problems:
        raise InputError(problems)


def reading_info(scenario: Scenario, model: PolicyModel, cuts: Cuts) -> dict[str, object]:
    """Return what reading the policy's water values needs: reference states, storage bounds, months.

    The reference states are the policy's own states along the median inflows (one simulation);
    water-value curves vary one reservoir's storage around them.
    """
    paths, _ = inflow_noise(model, median_inflows(scenario, model.start, model.last))
    reference = simulate(model.problem, cuts, noise_paths=paths).states[0]
    pairs = list(zip(model.problem.stages, model.index, strict=True))  # every reservoir's, states or not
    lower = [list(st.col_lower[i.storage_out]) for st, i in pairs]
    upper = [list(st.col_upper[i.storage_out]) for st, i in pairs]
    return {
        "reference_states": reference.tolist(),
        "storage_lower_hm3": lower,
        "storage_upper_hm3": upper,
        "plants": list(model.system.plant_ids),
        "stage_months": [t.strftime("%Y-%m") for t in model.system.calendar.stage_month_start],
        "cut_type": model.problem.cut_type,
        "cost_to_go_weights": [theta_weights(model.problem, t).tolist() for t in range(model.problem.n_stages)],
        "cost_to_go_lower_bound": model.problem.cost_to_go_lower_bound,
    }


def policy_record(scenario: Scenario, seed: int, n_outcomes: int) -> RunRecord:
    """Return the run record of a scenario's policy (its id depends on scenario content, seed and outcomes)."""
    record = RunRecord.from_scenario(scenario, kind=POLICY_KIND, seed=seed, status="running")
    return replace(record, hydrology=f"policy training (PAR(1), {n_outcomes} outcomes per month, seed {seed})")


def train_policy(
    scenario: Scenario,
    scenario_ref: str,
    db: Store,
    *,
    iterations: int | None = None,
    time_limit_s: float | None = None,
    workers: int = 1,
    seed: int = 0,
    resume: bool = False,
    n_outcomes: int = DEFAULT_OUTCOMES,
    on_round: Callable[[LogRow], None] | None = None,
    client: Any = None,
) -> PolicyTraining:
    """Train (or continue training) the policy of ``scenario`` and store it round by round.

    Parameters
    ----------
    scenario
        The scenario.
    scenario_ref
        How to load it again (a YAML path or ``default``), kept with the policy for ``simulate``.
    db
        The store.
    iterations
        Iterations to run now (``None`` with no time limit: :data:`DEFAULT_ITERATIONS`).
    time_limit_s
        Stop after this many seconds of training.
    workers
        Workers running passes in parallel: local processes, or Dask actors with ``client``.
    seed
        Seed of the forward passes (part of the policy's id).
    resume
        Continue a stored policy of the same scenario and seed from its cuts (else start over).
    n_outcomes
        Residual points per month of the inflow process.
    on_round
        Called with each new log row (progress).
    client
        A ``distributed.Client``: run the passes on its Dask cluster (the caller closes it).

    Raises
    ------
    InputError
        Bad options, or a stored policy trained on a different staging.
    """
    check_train_options(iterations, time_limit_s, workers)
    start = time.perf_counter()
    model = build_policy_model(scenario, n_outcomes, FIT_YEARS)
    record = policy_record(scenario, seed, n_outcomes)
    ensure_tables(db)
    run_id = record.run_id
    previous: TrainingResult | None = None
    if resume and db.has_run(run_id):
        info = load_info(db, run_id)
        if info.get("staging_key") != model.staging_key:
            expected = f"the staging the policy was trained on ({info.get('staging_key')})"
            raise InputError([Problem(scenario.file, "staging", expected, f"staging {model.staging_key}")])
        if stored_cut_type(info) != model.problem.cut_type:  # a policy stored before multi-cuts became the default
            expected = f"a policy with {model.problem.cut_type} cuts (this version's)"
            hint = "train it again without --resume"
            found = f"{stored_cut_type(info)} cuts"
            raise InputError([Problem(str(db.path), "--resume", expected, found, hint)])
        if list(info.get("state_names", [])) != list(model.problem.state_names):  # type: ignore[call-overload]
            expected = f"a policy with this version's states ({model.problem.n_states})"
            found = f"{len(info.get('state_names', []))} states"  # type: ignore[arg-type]
            raise InputError([Problem(str(db.path), "--resume", expected, found, "train it again without --resume")])
        previous = load_training(db, run_id, model.problem.n_states)
    else:
        db.start_run(record, replace=True)
        clear_policy(db, run_id)
        if model.system.start_storage is not None:
            db.save_start_storage(run_id, model.system.start_storage)
        ref = str(Path(scenario_ref).resolve()) if Path(scenario_ref).is_file() else scenario_ref
        info = {
            "scenario": ref,
            "staging_key": model.staging_key,
            "n_outcomes": n_outcomes,
            "fit_years": FIT_YEARS,
            "fit_seed": FIT_SEED,
            "state_names": list(model.problem.state_names),
            "cut_type": model.problem.cut_type,
            "start": model.start,
            "end": model.end,
            "optimised_to": model.last,
            "cost_unit": "US$ million",
        }
        write_info(db, run_id, info)
    done = previous.iterations if previous is not None else 0
    total = None if iterations is None and time_limit_s is not None else done + (iterations or DEFAULT_ITERATIONS)
    cut_count = [len(previous.cuts) if previous is not None else 0]

    def store_round(row: LogRow, cuts: Cuts) -> bool:
        append_round(db, run_id, [row], cuts, cut_count[0])
        cut_count[0] += len(cuts)
        if on_round is not None:
            on_round(row)
        return False

    options = TrainOptions(iterations=total, time_limit_s=time_limit_s, workers=workers, seed=seed)
    result = train(model.problem, options, resume=previous, callback=store_round, client=client)
    if result.stop_reason != "interrupted":
        write_info(db, run_id, {**load_info(db, run_id), **reading_info(scenario, model, result.cuts)})
        db.finish_run(run_id, "ok")
    log.info(
        "policy %s: %d iterations, lower bound %.6g (%s)",
        run_id,
        result.iterations,
        result.lower_bound,
        result.stop_reason,
    )
    return PolicyTraining(run_id, result, model, time.perf_counter() - start)
