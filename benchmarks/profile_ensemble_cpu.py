"""Where an optimised ensemble's CPU goes: parent process (incl. the LocalCluster scheduler) vs workers.

Usage: ``python benchmarks/profile_ensemble_cpu.py WORKERS MEMBERS [batch|defaults]`` (default
scenario, 2025–2035, ``median`` heads, as the ``dask-2-vs-1-workers-median`` case; ``batch``, the
default, runs the cluster with :data:`aralnexus.ensemble.dask_config.BATCH_CONFIG`, ``defaults``
with Dask's own settings). Prints wall time, the parent's CPU seconds and each worker's CPU
seconds during ``run_ensemble``. A diagnostic, not a benchmark.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Run one ensemble on a local Dask cluster and print the CPU split."""
    import dask
    import psutil
    from distributed import Client, LocalCluster

    from aralnexus.ensemble.dask_config import BATCH_CONFIG
    from aralnexus.ensemble.runner import EnsembleSpec, run_ensemble

    workers, members = (int(a) for a in (argv[1:3] if len(argv) >= 3 else ("2", "100")))
    config = argv[3] if len(argv) >= 4 else "batch"
    spec = EnsembleSpec("default", members=members, seed=11, start="2025-01", end="2035-12", heads="median")
    with (
        dask.config.set(BATCH_CONFIG if config == "batch" else {}),
        tempfile.TemporaryDirectory() as tmp,
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        procs = [psutil.Process(w.process.pid) for w in cluster.workers.values()]  # type: ignore[attr-defined]
        before = [p.cpu_times() for p in procs]
        c0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        run_ensemble(spec, Path(tmp) / "profile.duckdb", client=client)
        wall, c1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
        after = [p.cpu_times() for p in procs]
    parent = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    per_worker = [round((b.user + b.system) - (a.user + a.system), 1) for a, b in zip(before, after, strict=True)]
    sys.stdout.write(f"config={config} workers={workers} members={members} ")
    sys.stdout.write(f"wall_s={wall:.1f} parent_cpu_s={parent:.1f} ")
    sys.stdout.write(f"worker_cpu_s={per_worker}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
