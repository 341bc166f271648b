"""Worker side: a per-process (per-thread under Dask) cache of one :class:`MemberSolver` per variant.

Local processes get the variants once through the pool initializer; Dask workers get them as
scattered data. Either way a worker builds each variant's LP once and re-solves it per member.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import xarray as xr

from aralnexus.ensemble.outputs import MemberOutput, solve_member
from aralnexus.ensemble.solver import MemberSolver, SolverOptions
from aralnexus.scenario.model import Scenario

log = logging.getLogger(__name__)

_STATE = threading.local()
_SCENARIOS: dict[str, Scenario] = {}
_OPTIONS: list[SolverOptions] = [SolverOptions()]


def _solvers() -> dict[str, MemberSolver]:
    cache: dict[str, MemberSolver] | None = getattr(_STATE, "solvers", None)
    if cache is None:
        cache = {}
        _STATE.solvers = cache
    return cache


def _watch_parent(main_pid: int) -> None:
    """Exit this worker when the main process (or the fork server between) is gone, e.g. SIGKILLed."""
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        try:
            os.kill(main_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # pragma: no cover - pid reused by another user's process
            os._exit(0)
        if os.getppid() != parent:
            os._exit(0)


def init_local_worker(
    scenarios: dict[str, Scenario], options: SolverOptions, parent_pid: int, env: dict[str, str] | None = None
) -> None:
    """Pool initializer: remember the variants and options, set ``env`` (test hooks); die with the parent."""
    os.environ.update(env or {})
    _SCENARIOS.clear()
    _SCENARIOS.update(scenarios)
    _OPTIONS[0] = options
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _solver(key: str, scenario: Scenario, options: SolverOptions) -> MemberSolver:
    cache = _solvers()
    solver = cache.get(key)
    if solver is None:
        solver = MemberSolver(scenario, options)
        cache[key] = solver
    return solver


def local_task(key: str, member: int, inflows: xr.DataArray) -> MemberOutput:
    """Solve one member of variant ``key`` in a local worker process."""
    solver = _solver(key, _SCENARIOS[key], _OPTIONS[0])
    return solve_member(solver, key, member, inflows, os.getpid())


def dask_task(key: str, scenario: Scenario, options: SolverOptions, member: int, inflows: xr.DataArray) -> MemberOutput:
    """Solve one member of variant ``key`` on a Dask worker (``scenario`` arrives scattered)."""
    solver = _solver(key, scenario, options)
    return solve_member(solver, key, member, inflows, os.getpid())
