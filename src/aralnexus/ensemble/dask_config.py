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

:func:`check_scheduler_address` is the one check of a ``--scheduler`` option (``aralnexus
ensemble``, ``aralnexus policy train``); :func:`connect` opens a client to it under
:data:`BATCH_CONFIG`.
"""

from __future__ import annotations

import re
from typing import Any

from aralnexus.errors import InputError, Problem

#: A Dask scheduler address: ``[tcp|tls|ws|wss|ucx://]HOST:PORT`` (port 1–65535) or ``inproc://…``.
SCHEDULER_ADDRESS = re.compile(
    r"^(?:inproc://\S+|(?:(?:tcp|tls|ws|wss|ucx)://)?(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])"
    r":(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3}))$"
)

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


def check_scheduler_address(address: str) -> Problem | None:
    """Return the problem with a ``--scheduler`` value, or ``None`` when it is a scheduler address."""
    if SCHEDULER_ADDRESS.match(address.strip()):
        return None
    return Problem("--scheduler", "", "a Dask scheduler address tcp://HOST:PORT", repr(address))


def connect(address: str, timeout_s: float = 30.0) -> Any:
    """Return a ``distributed.Client`` of the scheduler at ``address``, with :data:`BATCH_CONFIG` set.

    Raises
    ------
    InputError
        If the address is not a scheduler address or no scheduler answers there within ``timeout_s``.
    """
    import dask
    from distributed import Client

    problem = check_scheduler_address(address)
    if problem is not None:
        raise InputError([problem])
    try:
        with dask.config.set(BATCH_CONFIG):
            return Client(address.strip(), timeout=f"{timeout_s}s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as err:
        expected = f"a Dask scheduler answering within {timeout_s:g} s"
        raise InputError([Problem("--scheduler", "", expected, f"{address!r} ({type(err).__name__})")]) from None
