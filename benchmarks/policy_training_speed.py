"""Where the default pathway's training time goes, and how far the 2 % gap is (diagnostics of docs/policy.md).

Three commands:

- ``timing --iterations N --workers K``: train (seed 1, the engine's defaults otherwise) and print
  the bound and the wall time every 50 iterations. To compare two versions, alternate runs with
  each checkout's ``src`` on ``PYTHONPATH`` (this machine's speed varies between runs: alternate,
  and run each version more than once).
- ``profile --iterations N``: train N iterations in one process, print the mean cut rows per stage
  LP, then profile 20 more iterations under ``cProfile`` (CPU per iteration, the top functions).
- ``fit LOG``: read the stderr of ``python benchmarks/run.py policy`` (``policy-default:
  iteration N, lower bound X, T s`` lines), fit ``L∞ − b·i^(−c)`` to the bound from iteration 300
  and from 600 and a quadratic to the time, and print the extrapolations.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import time
from pathlib import Path

import numpy as np

from aralnexus.policy import LogRow, PassRunner, TrainOptions, train
from aralnexus.policy.aral import build_policy_model
from aralnexus.policy.cuts import Cuts
from aralnexus.scenario import load_scenario

_LINE = re.compile(r"iteration (\d+), lower bound (-?[\d.e+]+), (\d+) s")


def timing(iterations: int, workers: int) -> None:
    """Train and print the bound and wall time every 50 iterations."""
    problem = build_policy_model(load_scenario("default")).problem
    start = time.perf_counter()

    def report(row: LogRow, _cuts: Cuts) -> bool:
        if row.iteration % 50 == 0:
            print(
                f"iteration {row.iteration} lower_bound {row.lower_bound:.1f} wall_s {time.perf_counter() - start:.1f}"
            )
        return False

    result = train(problem, TrainOptions(iterations=iterations, workers=workers, seed=1), callback=report)
    print(f"done iterations {iterations} wall_s {time.perf_counter() - start:.1f} lower_bound {result.lower_bound:.2f}")


def profile(iterations: int) -> None:
    """Train in one process, then profile 20 iterations."""
    runner = PassRunner(build_policy_model(load_scenario("default")).problem, seed=1, cut_selection_every=10)
    for _ in range(iterations):
        runner.iteration()
    rows = [s.n_cut_rows for s in runner.solvers]
    print(f"lower bound {runner.lower_bound():.1f}; cut rows per stage: mean {np.mean(rows):.0f}, max {max(rows)}")
    cpu, solves = time.process_time(), runner.stage_solves
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(20):
        runner.iteration()
    prof.disable()
    print(f"cpu per iteration {(time.process_time() - cpu) / 20:.3f} s, stage solves {runner.stage_solves - solves}")
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def fit(log: Path) -> None:
    """Fit the bound and the time of a policy-default run's log and extrapolate."""
    from scipy.optimize import curve_fit

    rows = np.array([[float(v) for v in m.groups()] for m in map(_LINE.search, log.read_text().splitlines()) if m])
    i, bound, t = rows.T

    def curve(x: np.ndarray, limit: float, b: float, c: float) -> np.ndarray:
        return limit - b * x ** (-c)

    for first in (300, 600):
        keep = i >= first
        (limit, b, c), _ = curve_fit(curve, i[keep], bound[keep], p0=[bound[-1] * 1.08, 1e4, 0.5], maxfev=20_000)
        at = ", ".join(f"{n}: {curve(np.array(n), limit, b, c):.0f}" for n in (2_600, 5_000, 10_000, 50_000))
        print(f"from iteration {first}: L_inf {limit:.0f}, c {c:.3f}; bound at {at}")
    quad = np.polyfit(i, t, 2)
    print("time (quadratic fit): " + ", ".join(f"{n} it. {np.polyval(quad, n):.0f} s" for n in (2_600, 5_000)))


def main() -> None:
    """Parse the command and run it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("timing")
    t.add_argument("--iterations", type=int, default=400)
    t.add_argument("--workers", type=int, default=2)
    p = sub.add_parser("profile")
    p.add_argument("--iterations", type=int, default=300)
    f = sub.add_parser("fit")
    f.add_argument("log", type=Path)
    args = parser.parse_args()
    if args.command == "timing":
        timing(args.iterations, args.workers)
    elif args.command == "profile":
        profile(args.iterations)
    else:
        fit(args.log)


if __name__ == "__main__":
    main()
