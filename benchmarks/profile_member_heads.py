"""CPU per member of the ``member-iterate-heads`` case: ``iterate`` against ``median`` heads, same members.

Usage: ``python benchmarks/profile_member_heads.py [MEMBERS] [--objectives FILE] [--profile]``.
The same solvers, members (seed 11) and alternation as the benchmark case
(``benchmarks/bench_ensemble.py``, ``member_iterate_heads``), timed with ``time.process_time``
(CPU of this process, less sensitive to other sessions on a shared machine than wall time).
Prints the ratio, each strategy's CPU per member, and per ``iterate`` member its LP solves
(iterations and HiGHS seconds). ``--objectives FILE`` writes every member's objectives (both
strategies) as JSON, to compare two versions of the code; ``--profile`` prints the top of a
``cProfile`` of the ``iterate`` members; ``--pair-fixed-columns`` also solves every ``iterate``
member with the LP's fixed columns kept (:attr:`aralnexus.dispatch.LPModel.drop_fixed_columns`
off), alternately, and prints that ratio too. A diagnostic, not a benchmark.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Solve the members both ways and print the CPU split."""
    from aralnexus.dispatch import model as model_module
    from aralnexus.ensemble.inflows import member_inflows
    from aralnexus.ensemble.solver import MemberSolver, SolverOptions, median_hydrology
    from aralnexus.pathways.runner import prepare_scenario

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", nargs="?", type=int, default=8)
    parser.add_argument("--objectives", type=Path, help="write every member's objectives here (JSON)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the iterate members")
    parser.add_argument(
        "--pair-fixed-columns",
        action="store_true",
        help="also solve every iterate member with LPModel.drop_fixed_columns off (same solver), before the others",
    )
    args = parser.parse_args(argv[1:])
    members, out = args.members, args.objectives
    profile = cProfile.Profile() if args.profile else None
    start, end = "2025-01", "2035-12"
    scenario = prepare_scenario("default", start, end)
    median = median_hydrology(scenario)
    iterate = MemberSolver(scenario, SolverOptions(heads="iterate"), median)
    fixed = MemberSolver(scenario, SolverOptions(heads="median"), median)
    inflows = member_inflows(scenario, list(range(members)), start, end, 11)

    solves: list[tuple[float, int]] = []
    original = model_module.LPModel.solve

    def recorded(self: model_module.LPModel, *a: object, **k: object) -> object:
        t0 = time.process_time()
        sol = original(self, *a, **k)  # type: ignore[arg-type]
        if self is iterate.model:
            solves.append((time.process_time() - t0, sol.iterations))
        return sol

    model_module.LPModel.solve = recorded  # type: ignore[assignment,method-assign]
    it_s: list[float] = []
    med_s: list[float] = []
    whole_s: list[float] = []
    objectives: dict[str, list[float]] = {"iterate": [], "median": []}
    for m in range(members):
        one = inflows.isel(member=m, drop=True)
        if args.pair_fixed_columns:
            iterate.model.drop_fixed_columns = False
            t0 = time.process_time()
            iterate.solve(m, one)
            whole_s.append(time.process_time() - t0)
            iterate.model.drop_fixed_columns = True
        first = len(solves)
        t0 = time.process_time()
        if profile is not None:
            profile.enable()
        exact = iterate.solve(m, one)
        if profile is not None:
            profile.disable()
        it_s.append(time.process_time() - t0)
        t0 = time.process_time()
        approx = fixed.solve(m, one)
        med_s.append(time.process_time() - t0)
        objectives["iterate"].append(exact.solution.objective)
        objectives["median"].append(approx.solution.objective)
        steps = " ".join(f"{s * 1e3:.0f}ms/{n}" for s, n in solves[first:])
        sys.stdout.write(f"member {m}: iterate {it_s[-1] * 1e3:.0f} ms ({steps}); median {med_s[-1] * 1e3:.0f} ms\n")
    ours, anchor = statistics.mean(it_s), statistics.mean(med_s)
    sys.stdout.write(f"cpu ratio={ours / anchor:.3f} ours_cpu_s={ours:.4f} anchor_cpu_s={anchor:.4f} ")
    sys.stdout.write(f"members={members}\n")
    if whole_s:
        whole = statistics.mean(whole_s)
        sys.stdout.write(f"fixed columns kept: cpu ratio={whole / anchor:.3f} ours_cpu_s={whole:.4f}\n")
    if out is not None:
        out.write_text(json.dumps(objectives, indent=1), encoding="utf-8")
    if profile is not None:
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
