"""Side-by-side check: the default pathway's policy after a fixed training time, in one process.

Trains the default pathway (``TrainOptions(time_limit_s=…, workers=1, seed=1)``, the engine's
defaults otherwise: multi-cuts, cut selection every 10), then simulates the final cuts on
``--members`` members of the training's own process (seed 99, fixed heads: the convergence gap of
[Which gap measures convergence] in docs/policy.md) and prints one JSON line: iterations, stage
solves, lower bound, the members' mean and 95 % interval, ``(mean − bound)/mean`` and
``(upper end − bound)/upper end``, the load average at start and end, and the bound by iteration.

To compare two versions at equal time, run the script of one checkout with the other's ``src`` on
``PYTHONPATH`` at the same time (2 cores: one process each), e.g.
``PYTHONPATH=/path/to/main/src python benchmarks/policy_equal_time.py --label main &
python benchmarks/policy_equal_time.py --label new``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import aralnexus.policy.stage_solver
from aralnexus.policy import TrainOptions, simulate, train
from aralnexus.policy.aral import build_policy_model
from aralnexus.scenario import load_scenario


def main() -> None:
    """Train for a fixed time, simulate, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=270.0, help="training seconds")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--label", default="run")
    args = parser.parse_args()
    problem = build_policy_model(load_scenario("default")).problem
    load_start = os.getloadavg()[0]
    start = time.perf_counter()
    result = train(problem, TrainOptions(iterations=None, time_limit_s=args.time_limit, workers=1, seed=1))
    train_s = time.perf_counter() - start
    sim = simulate(problem, result.cuts, members=args.members, seed=99)
    mean, low, high = sim.interval()
    bound = result.lower_bound
    out = {
        "label": args.label,
        "engine": aralnexus.policy.stage_solver.__file__,
        "iterations": result.iterations,
        "train_s": round(train_s, 1),
        "stage_solves": result.log[-1].stage_solves,
        "lower_bound": round(bound, 1),
        "mean": round(mean, 1),
        "interval": [round(low, 1), round(high, 1)],
        "gap_mean": round((mean - bound) / mean, 4),
        "gap_high": round((high - bound) / high, 4),
        "load_start": load_start,
        "load_end": os.getloadavg()[0],
        "bounds": [[row.iteration, round(row.lower_bound, 3), round(row.time_s, 1)] for row in result.log],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
