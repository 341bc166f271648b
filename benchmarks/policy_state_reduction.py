"""Diagnosis: what removing states from the default pathway's policy costs in fidelity and gains in convergence.

Variants of :func:`aralnexus.policy.aral.build_policy_model` (same model otherwise):

- ``all``: every reservoir's storage a state (13), 2 lagged flows, 4 annual-import states (19);
- ``large`` (the default rule, :func:`~aralnexus.policy.aral.carry_over_reservoirs`): the four
  large reservoirs' storages; the nine small ones follow the median plan (10 states);
- ``all-monthly-imports`` / ``large-monthly-imports``: as above, each month's imports capped by
  :func:`~aralnexus.policy.aral.monthly_import_caps_mwh` instead of annual-import states (15 / 6).

``fidelity``: the stage LPs chained on one inflow path (perfect foresight: the training LP on that
path) for the median inflows and ``--members`` generator members (seed 4242), each variant against
``all`` (a variant is a restriction of it: never cheaper).

``convergence``: trains one variant (``--iterations``, ``--workers``, seed 1), prints the lower
bound and stage solves every 10 iterations with the machine's load, then simulates the final cuts
on 100 members of the training's own process (seed 99, fixed heads): the plain gap at equal
iterations. The same seed gives every variant the same noise paths (their noise is the same), so
the members' costs can be compared pairwise (``--save`` writes them as JSON).

Run: ``python benchmarks/policy_state_reduction.py fidelity --members 20`` (minutes);
``python benchmarks/policy_state_reduction.py convergence --variant large --iterations 250``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from aralnexus.dispatch.lookahead import median_inflows
from aralnexus.hydrology import sample_members
from aralnexus.policy import Cuts, LogRow, TrainOptions, simulate, solve_extensive, train
from aralnexus.policy.aral import PolicyModel, build_policy_model
from aralnexus.policy.aral_simulate import inflow_noise
from aralnexus.policy.problem import with_fixed_noise
from aralnexus.scenario import load_scenario
from aralnexus.scenario.model import Scenario

VARIANTS = ("all", "large", "all-monthly-imports", "large-monthly-imports")


def _model(scenario: Scenario, variant: str) -> PolicyModel:
    import_states = not variant.endswith("monthly-imports")
    if variant.startswith("large"):
        return build_policy_model(scenario, import_states=import_states)
    plants = build_policy_model(scenario).system.plant_ids
    return build_policy_model(scenario, storage_states=plants, import_states=import_states)


def _fidelity(members: int) -> None:
    scenario = load_scenario("default")
    models = {v: _model(scenario, v) for v in VARIANTS}
    first = models["all"]
    paths = [median_inflows(scenario, first.start, first.last)]
    sample = sample_members(scenario, members, first.start, first.last, seed=4242)
    paths += [sample.isel(member=m) for m in range(members)]
    costs = {}
    for variant, model in models.items():
        values = []
        for inflows in paths:
            noise, _ = inflow_noise(model, inflows)
            values.append(solve_extensive(with_fixed_noise(model.problem, [p[0] for p in noise])).objective)
        costs[variant] = np.array(values)
    reference = costs["all"]
    for variant, value in costs.items():
        extra = value - reference
        rel = 100 * extra[1:] / np.abs(reference[1:])
        print(
            f"{variant}: states {models[variant].problem.n_states}; median {value[0]:.1f} US$ million "
            f"(+{extra[0]:.1f}); {members} members: mean {value[1:].mean():.1f}, "
            f"extra cost mean {extra[1:].mean():.1f} "
            f"sd {extra[1:].std(ddof=1):.1f} max {extra[1:].max():.1f} US$ million, "
            f"mean {rel.mean():.2f} % max {rel.max():.2f} %"
        )


def _convergence(variant: str, iterations: int, workers: int, save: str | None) -> None:
    model = _model(load_scenario("default"), variant)
    problem = model.problem
    print(f"{variant}: {problem.n_states} states, load {os.getloadavg()[0]:.1f}", flush=True)

    def report(row: LogRow, _cuts: Cuts) -> bool:
        if row.iteration % 10 == 0:
            print(
                f"{variant}: iteration {row.iteration}, lower bound {row.lower_bound:.1f}, "
                f"stage solves {row.stage_solves}, {row.time_s:.0f} s, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        return False

    result = train(problem, TrainOptions(iterations=iterations, workers=workers, seed=1), callback=report)
    start = time.perf_counter()
    sim = simulate(problem, result.cuts, 100, seed=99, workers=workers)
    mean, _, high = sim.interval()
    gap = (high - result.lower_bound) / abs(high)
    print(
        f"{variant}: {result.iterations} iterations, lower bound {result.lower_bound:.1f}; 100 members (seed 99): "
        f"mean {mean:.1f}, upper end {high:.1f}, gap {gap:.4f}, "
        f"(mean − bound)/mean {(mean - result.lower_bound) / mean:.4f}, "
        f"{time.perf_counter() - start:.0f} s, load {os.getloadavg()[0]:.1f}"
    )
    if save:
        log = [(r.iteration, r.lower_bound, r.stage_solves, r.time_s) for r in result.log]
        with open(save, "w", encoding="utf-8") as f:
            json.dump({"variant": variant, "log": log, "costs": sim.costs.tolist()}, f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fid = sub.add_parser("fidelity")
    fid.add_argument("--members", type=int, default=20)
    conv = sub.add_parser("convergence")
    conv.add_argument("--variant", choices=VARIANTS, default="large")
    conv.add_argument("--iterations", type=int, default=250)
    conv.add_argument("--workers", type=int, default=2)
    conv.add_argument("--save", default=None)
    args = parser.parse_args()
    if args.command == "fidelity":
        _fidelity(args.members)
    else:
        _convergence(args.variant, args.iterations, args.workers, args.save)


if __name__ == "__main__":
    main()
