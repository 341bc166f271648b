"""Dask settings for a cluster that runs ensembles: Dask's interactive diagnostics turned down.

Dask's defaults suit an interactive session with a dashboard: every worker samples its running
task's stack every 10 ms (the statistical profiler), and every server — scheduler, nannies,
workers — wakes every 20 ms to measure its event loop and every 100–500 ms to poll memory and
system load. Measured on the 2-core benchmark machine, this costs ~0.07 of a core per worker and
~0.07 in the process hosting a ``LocalCluster`` (``python benchmarks/profile_ensemble_cpu.py``,
docs/ensembles.md "Dask"), taken from the cores that solve members.

:data:`BATCH_CONFIG` turns the profiler off and slows those clocks to seconds. Nothing in it
changes what is computed; memory limits are still enforced, once a second. Use it with
``dask.config.set(BATCH_CONFIG)`` before starting a ``LocalCluster`` (its workers inherit it), or
as environment variables (:func:`batch_environment`) for ``dask scheduler`` and ``dask worker``.
"""

from __future__ import annotations

#: Dask configuration for batch ensembles (keys as in ``dask.config``).
BATCH_CONFIG: dict[str, str | bool] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


def batch_environment() -> dict[str, str]:
    """Return :data:`BATCH_CONFIG` as ``DASK_…`` environment variables (``export`` them before ``dask worker``)."""
    env = {}
    for key, value in BATCH_CONFIG.items():
        name = "DASK_" + "__".join(part.upper().replace("-", "_") for part in key.split("."))
        env[name] = str(value)
    return env
