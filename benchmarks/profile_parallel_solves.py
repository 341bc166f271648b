"""Do the cores scale without Dask? The same member solves in 1 process, then in 2 side by side.

Usage: ``python benchmarks/profile_parallel_solves.py [MEMBERS]`` (default 40; default scenario,
2025–2035, ``median`` heads). Each process builds a :class:`~aralnexus.ensemble.solver.MemberSolver`
and times ``solve`` over the same members; the two concurrent processes start on a shared clock.
Equal times mean the machine gives two full cores, so any loss in the Dask ensemble comes from
work beside the members. A diagnostic, not a benchmark.
"""

from __future__ import annotations

import subprocess
import sys
import time


def _solve_loop(members: int, start_at: float) -> None:
    from aralnexus.ensemble.inflows import iter_member_chunks
    from aralnexus.ensemble.solver import MemberSolver, SolverOptions, median_hydrology
    from aralnexus.pathways.runner import prepare_scenario

    scenario = prepare_scenario("default", "2025-01", "2035-12")
    solver = MemberSolver(scenario, SolverOptions(heads="median"), median_hydrology(scenario))
    ((numbers, inflows),) = iter_member_chunks(scenario, [tuple(range(members))], scenario.start, scenario.end, 11)
    each = [inflows.isel(member=i, drop=True) for i in range(len(numbers))]
    while time.time() < start_at:
        time.sleep(0.01)
    t0 = time.perf_counter()
    for i, member in enumerate(numbers):
        solver.solve(member, each[i])
    sys.stdout.write(f"{time.perf_counter() - t0:.2f}\n")


def _run(processes: int, members: int) -> list[float]:
    start_at = f"{time.time() + 10:.3f}"  # after every process has built its LP
    cmd = [sys.executable, __file__, "--child", str(members), start_at]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    return [float(p.communicate()[0]) for p in procs]


def main(argv: list[str]) -> int:
    """Print the solve time of one process alone and of two side by side."""
    if len(argv) >= 4 and argv[1] == "--child":
        _solve_loop(int(argv[2]), float(argv[3]))
        return 0
    members = int(argv[1]) if len(argv) >= 2 else 40
    alone = _run(1, members)
    together = _run(2, members)
    sys.stdout.write(
        f"members={members} alone_s={alone[0]:.2f} side_by_side_s={','.join(f'{t:.2f}' for t in together)}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
