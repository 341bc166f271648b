"""Worker side: a per-process (per-thread under Dask) cache of one :class:`MemberSolver` per variant.

Local processes get the variants once through the pool initializer; Dask workers get them as
scattered data. Either way a worker builds each variant's LP once and re-solves it per member.
A task is a short chunk of members (:func:`solve_chunk`), so that per-task overhead (scheduling,
pickling, the parent's bookkeeping) is shared by several members.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import xarray as xr

from aralnexus.ensemble.outputs import MemberOutput, solve_members
from aralnexus.ensemble.solver import MemberSolver, SolverOptions
from aralnexus.scenario.model import Scenario

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VariantPayload:
    """What a worker needs to build one variant's solver: the scenario and its median inflows."""

    scenario: Scenario
    median_inflows: xr.DataArray | None = None


_STATE = threading.local()
_PAYLOADS: dict[str, VariantPayload] = {}
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
    payloads: dict[str, VariantPayload], options: SolverOptions, parent_pid: int, env: dict[str, str] | None = None
) -> None:
    """Pool initializer: remember the variants and options, set ``env`` (test hooks); die with the parent."""
    os.environ.update(env or {})
    _PAYLOADS.clear()
    _PAYLOADS.update(payloads)
    _OPTIONS[0] = options
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _solver(key: str, payload: VariantPayload, options: SolverOptions) -> MemberSolver:
    cache = _solvers()
    solver = cache.get(key)
    if solver is None:
        solver = MemberSolver(payload.scenario, options, payload.median_inflows)
        cache[key] = solver
    return solver


def preload() -> None:
    """Do nothing: a worker that unpickles this function has imported this module and the solver stack."""


def build_solver(key: str, payload: VariantPayload, options: SolverOptions) -> None:
    """Build (and cache) this worker's solver of variant ``key`` ahead of its first members."""
    _solver(key, payload, options)


def solve_chunk(solver: MemberSolver, key: str, members: Sequence[int], inflows: xr.DataArray) -> list[MemberOutput]:
    """Solve ``members`` (inflows ``(member, time, site)`` in the same order); their tables in one stack."""
    return solve_members(solver, key, members, inflows, os.getpid())


def local_task(key: str, members: Sequence[int], inflows: xr.DataArray) -> list[MemberOutput]:
    """Solve a chunk of members of variant ``key`` in a local worker process."""
    solver = _solver(key, _PAYLOADS[key], _OPTIONS[0])
    return solve_chunk(solver, key, members, inflows)


def dask_task(
    key: str, payload: VariantPayload, options: SolverOptions, members: Sequence[int], inflows: xr.DataArray
) -> list[MemberOutput]:
    """Solve a chunk of members of variant ``key`` on a Dask worker (``payload`` arrives scattered)."""
    solver = _solver(key, payload, options)
    return solve_chunk(solver, key, members, inflows)
