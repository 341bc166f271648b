"""Where an optimised ensemble's CPU goes: parent process (incl. the LocalCluster scheduler) vs workers.

Usage: ``python benchmarks/profile_ensemble_cpu.py WORKERS MEMBERS [batch|defaults] [START END]``
(default scenario, 2025-01 to 2035-12 unless ``START END`` are given, e.g. ``2025-01 2026-12`` as the
``-short`` case; ``median`` heads, as the ``dask-2-vs-1-workers-median`` case; ``batch``, the
default, runs the cluster with :data:`aralnexus.ensemble.dask_config.BATCH_CONFIG`, ``defaults``
with Dask's own settings). Prints wall time and, for the parent and each worker, the CPU seconds
during ``run_ensemble``: in all, in the busiest thread (the worker's member solves; the parent's
main loop) and in all other threads (Dask's event loop, profiler and monitors). A diagnostic, not
a benchmark.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _thread_cpu_s(proc: Any) -> dict[int, float]:
    """CPU seconds of every thread of a ``psutil.Process``, by thread id."""
    return {t.id: t.user_time + t.system_time for t in proc.threads()}


def main(argv: list[str]) -> int:
    """Run one ensemble on a local Dask cluster and print the CPU split."""
    import dask
    import psutil
    from distributed import Client, LocalCluster

    from aralnexus.ensemble.dask_config import BATCH_CONFIG
    from aralnexus.ensemble.runner import EnsembleSpec, run_ensemble

    workers, members = (int(a) for a in (argv[1:3] if len(argv) >= 3 else ("2", "100")))
    config = argv[3] if len(argv) >= 4 else "batch"
    start, end = argv[4:6] if len(argv) >= 6 else ("2025-01", "2035-12")
    spec = EnsembleSpec("default", members=members, seed=11, start=start, end=end, heads="median")
    with (
        dask.config.set(BATCH_CONFIG if config == "batch" else {}),
        tempfile.TemporaryDirectory() as tmp,
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        procs = [psutil.Process(), *(psutil.Process(w.process.pid) for w in cluster.workers.values())]  # type: ignore[attr-defined]
        before = [_thread_cpu_s(p) for p in procs]
        t0 = time.perf_counter()
        run_ensemble(spec, Path(tmp) / "profile.duckdb", client=client)
        wall = time.perf_counter() - t0
        after = [_thread_cpu_s(p) for p in procs]
    sys.stdout.write(f"config={config} workers={workers} members={members} wall_s={wall:.1f}\n")
    for name, b, a in zip(["parent", *(f"worker{i}" for i in range(workers))], before, after, strict=True):
        spent = sorted((a[k] - b.get(k, 0.0) for k in a), reverse=True)
        sys.stdout.write(f"  {name}: cpu_s={sum(spent):.1f} busiest_thread_s={spent[0]:.1f} ")
        sys.stdout.write(f"other_threads_s={sum(spent[1:]):.2f}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
