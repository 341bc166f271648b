"""Simulate a stored operating policy on synthetic members and store them as an ensemble run.

``aralnexus policy simulate RUN_ID --members N --seed S``: the policy's scenario is rebuilt (its
staging must match the policy's), members ``0 … N−1`` of the seeded synthetic ensemble are drawn
exactly as ``aralnexus ensemble --seed S`` draws them (so the two runs share their members and
can be compared: the value of perfect information), each is simulated with the policy
(:func:`aralnexus.policy.aral_simulate.simulate_policy`) and stored like an ensemble member
(``runs.kind = 'ensemble'``, the ``members``, ``member_metrics`` and ``member_storage`` rows), so
``results``, the risk views and ``report`` read it unchanged. Its hydrology label names the policy.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aralnexus.ensemble.outputs import results_tables
from aralnexus.ensemble.tables import delete_member_storage, ensure_ensemble_schema, save_members
from aralnexus.errors import InputError, Problem
from aralnexus.hydrology import sample_members
from aralnexus.policy.aral import build_policy_model, storage_states_of
from aralnexus.policy.aral_simulate import simulate_policy
from aralnexus.policy.estimate import plain_interval
from aralnexus.policy.store_io import load_info, load_training, record_simulation, require_policy, stored_cut_type
from aralnexus.scenario import load_scenario
from aralnexus.store import Store
from aralnexus.store.records import MemberRecord, RunRecord

#: Members simulated (and stored) per batch and worker.
BATCH_PER_WORKER = 4


@dataclass(frozen=True)
class PolicySimulationOutcome:
    """A stored policy simulation.

    Parameters
    ----------
    run_id
        The ensemble run holding the simulated members.
    policy_run_id
        The policy simulated.
    members
        Members simulated.
    costs_musd
        Each member's cost over the optimised period (US$ million, the stage LPs' objective).
    seconds
        Wall time.
    """

    run_id: str
    policy_run_id: str
    members: int
    costs_musd: np.ndarray
    seconds: float

    def interval(self) -> tuple[float, float, float]:
        """Return the mean cost and its 95 % interval (plain Monte Carlo, normal approximation), US$ million."""
        return plain_interval(self.costs_musd)


def check_simulate_options(members: int, workers: int, more: Sequence[Problem] = ()) -> None:
    """Raise one ``InputError`` listing every bad simulation option (and ``more`` problems the caller found)."""
    problems = list(more)
    if members < 1:
        problems.append(Problem("--members", "", "a positive number of members", str(members)))
    if workers < 1:
        problems.append(Problem("--workers", "", "at least 1 worker", str(workers)))
    if problems:
        raise InputError(problems)


def simulate_policy_members(
    db: Store,
    policy_run_id: str,
    members: int,
    seed: int,
    *,
    workers: int = 1,
    scenario_ref: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    client: Any = None,
) -> PolicySimulationOutcome:
    """Simulate a stored policy on ``members`` synthetic members (seed ``seed``) and store them.

    ``workers`` local processes, or ``workers`` Dask tasks on the cluster of ``client`` (a
    ``distributed.Client``; the caller closes it).

    Raises
    ------
    InputError
        Bad options, a run that is not a policy (or has no cuts yet), a scenario whose staging
        differs from the policy's, or the seed the inflow process was fitted with.
    """
    check_simulate_options(members, workers)
    start = time.perf_counter()
    policy_id = require_policy(db, policy_run_id)
    info = load_info(db, policy_id)
    ref = scenario_ref or str(info["scenario"])
    scenario = load_scenario(ref)
    if seed == int(str(info["fit_seed"])):
        hint = "the inflow process was fitted to this seed's output: choose another to stay out of sample"
        raise InputError([Problem("--seed", "", "a seed other than the fitting seed", str(seed), hint)])
    names = [str(v) for v in info["state_names"]]  # type: ignore[attr-defined]
    model = build_policy_model(
        scenario,
        int(str(info["n_outcomes"])),
        int(str(info["fit_years"])),
        stored_cut_type(info),
        storage_states_of(names),
    )
    if list(model.problem.state_names) != names:  # e.g. imports in MWh, before they were GWh
        expected = f"a policy with this version's states ({', '.join(model.problem.state_names)})"
        hint = f"train it again: aralnexus policy train {ref}"
        raise InputError([Problem(str(db.path), "RUN_ID", expected, ", ".join(names), hint)])
    if model.staging_key != info["staging_key"]:
        expected = f"the staging policy {policy_id} was trained on"
        raise InputError(
            [Problem(scenario.file, "staging", expected, "a different calendar or commissioning schedule")]
        )
    training = load_training(db, policy_id, model.problem.n_states)
    if not len(training.cuts):
        hint = f"continue training: aralnexus policy train {ref} --resume"
        raise InputError([Problem(str(db.path), "RUN_ID", "a policy with cuts", "none stored yet", hint)])
    inflows = sample_members(scenario, members, model.start, model.last, seed)
    record = RunRecord.from_scenario(scenario, kind="ensemble", seed=seed, status="running", n_members=members)
    record = dataclasses.replace(record, hydrology=f"policy {policy_id} on synthetic members (seed {seed})")
    ensure_ensemble_schema(db)
    run_id = db.start_run(record, replace=True)
    delete_member_storage(db, run_id)
    if model.system.start_storage is not None:
        db.save_start_storage(run_id, model.system.start_storage)
    meta = {"scenario": scenario.name, "policy_run_id": policy_id}
    costs = np.empty(members)
    batch = BATCH_PER_WORKER * workers
    for first in range(0, members, batch):  # batches: progress and store writes as members finish
        chunk = inflows.isel(member=slice(first, min(first + batch, members)))
        sim = simulate_policy(model, training.cuts, chunk, workers=workers, metadata=meta, client=client)
        costs[first : first + sim.simulation.members] = sim.simulation.costs
        items = []
        for offset, results in enumerate(sim.results):
            summary, metrics, storage = results_tables(scenario, results)
            items.append((MemberRecord(first + offset, summary, metrics, "done"), storage))
        save_members(db, {run_id: items})
        if progress is not None:
            progress(first + len(items), members)
    record_simulation(db, run_id, policy_id, seed, costs)
    db.finish_run(run_id, "ok")
    return PolicySimulationOutcome(run_id, policy_id, members, costs, time.perf_counter() - start)
