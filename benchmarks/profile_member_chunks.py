"""CPU per ensemble member in one worker: solve and tables of members in chunks of 8, as a worker runs them.

Usage: ``python benchmarks/profile_member_chunks.py [MEMBERS] [START END]`` (default 80 members of the
default scenario over 2025-01 to 2026-12, the ``dask-2-vs-1-workers-short`` horizon, ``median``
heads). Prints the CPU seconds (``time.process_time``, insensitive to other load) of the solver's
build and per member of ``worker.solve_chunk`` (LP solve, labelled solution, metric tables), and the
mean LP solve time. A diagnostic, not a benchmark.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    """Build one variant's solver, solve members in chunks of 8 and print CPU per member."""
    from aralnexus.ensemble.inflows import member_inflows
    from aralnexus.ensemble.solver import MemberSolver, SolverOptions, median_hydrology
    from aralnexus.ensemble.worker import solve_chunk
    from aralnexus.pathways.runner import prepare_scenario

    members = int(argv[1]) if len(argv) > 1 else 80
    start, end = argv[2:4] if len(argv) >= 4 else ("2025-01", "2026-12")
    scenario = prepare_scenario("default", start, end)
    tick = time.process_time()
    solver = MemberSolver(scenario, SolverOptions(heads="median"), median_hydrology(scenario))
    build_s = time.process_time() - tick
    inflows = member_inflows(scenario, list(range(members)), scenario.start, scenario.end, 11)
    solve_chunk(solver, "default", [0], inflows.isel(member=[0]))  # first-call caches, untimed
    outs = []
    tick = time.process_time()
    for first in range(0, members, 8):
        chunk = list(range(first, min(members, first + 8)))
        outs += solve_chunk(solver, "default", chunk, inflows.isel(member=slice(chunk[0], chunk[-1] + 1)))
    cpu_s = time.process_time() - tick
    statuses = sorted({o.status for o in outs})
    sys.stdout.write(
        f"members={members} horizon={start}..{end} build_cpu_s={build_s:.2f} "
        f"cpu_per_member_ms={1000 * cpu_s / members:.1f} "
        f"lp_solve_mean_ms={1000 * sum(o.solve_s for o in outs) / members:.1f} statuses={','.join(statuses)}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
